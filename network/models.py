"""What the simulated data plane keeps between requests: the schedulers' round-robin state.

Kept in the database, not in process memory or the cache: every web process and worker sees
the same turn, it survives restarts, and it needs no Redis in tests. Writes are optimistic
(``version``): two concurrent requests never take the same turn; the loser evaluates again.
"""

from django.db import models


class SchedulerState(models.Model):
    """Smooth WRR current weights of one scope (a CLB listener or an ALB server group)."""

    scope = models.CharField(max_length=80, primary_key=True)
    current = models.JSONField(default=dict)
    version = models.PositiveBigIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self):
        return f"{self.scope} v{self.version}"
