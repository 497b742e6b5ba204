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


class BrowseRecord(models.Model):
    """A request someone made from an instance's browser (Open Browser), and what came back.

    The labs' last step looks here: the trainee must really have opened the page.
    """

    account = models.ForeignKey("console.Account", on_delete=models.CASCADE, related_name="+")
    instance = models.ForeignKey(
        "console.EcsInstance", on_delete=models.CASCADE, related_name="browse_records"
    )
    host = models.CharField(max_length=255)
    port = models.PositiveIntegerField()
    code = models.CharField(max_length=40, blank=True)  # "" when the backend answered
    backend_instance = models.CharField(max_length=40, blank=True)
    entered_zone = models.CharField(max_length=32, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.instance_id} → {self.host}:{self.port} {self.code or 'OK'}"
