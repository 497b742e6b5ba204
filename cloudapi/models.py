"""AccessKey pairs of an account, and the nonces of the requests they signed."""

import secrets
import string

from django.db import models
from django.utils import timezone

from console.models import Account, AccountScopedQuerySet, IdempotencyKey

_ALPHABET = string.ascii_letters + string.digits


def generate_key_id():
    return "LTAI" + "".join(secrets.choice(_ALPHABET) for _ in range(20))


def generate_secret():
    return "".join(secrets.choice(_ALPHABET) for _ in range(30))


class AccessKey(models.Model):
    """A key pair that signs API requests for its account.

    The secret is kept because an HMAC signature can only be verified with it; the pages show
    it once, when the pair is made, and never again.
    """

    MAX_PER_ACCOUNT = 2

    class Status(models.TextChoices):
        ENABLED = "Enabled"
        DISABLED = "Disabled"

    id = models.CharField(primary_key=True, max_length=32, default=generate_key_id)
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="access_keys")
    secret = models.CharField(max_length=64, default=generate_secret)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.ENABLED)
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)

    objects = AccountScopedQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = "AccessKey"

    def __str__(self):
        return self.id

    @property
    def enabled(self):
        return self.status == self.Status.ENABLED


class UsedNonce(models.Model):
    """A signature nonce already seen for a key; the unique constraint refuses a replay."""

    key_id = models.CharField(max_length=32)
    nonce = models.CharField(max_length=128)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["key_id", "nonce"], name="unique_nonce_per_key")
        ]

    def __str__(self):
        return f"{self.key_id} {self.nonce}"


class ClbDefaultServer(models.Model):
    """A CLB's default server group as the API sees it: every listener of the instance
    forwards to these servers (AddBackendServers may come before any listener exists)."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="+")
    clb = models.ForeignKey(
        "loadbalancer.ClbInstance", on_delete=models.CASCADE, related_name="api_servers"
    )
    instance = models.ForeignKey("console.EcsInstance", on_delete=models.CASCADE, related_name="+")
    weight = models.PositiveSmallIntegerField(default=100)

    objects = AccountScopedQuerySet.as_manager()

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["clb", "instance"], name="unique_api_clb_server")
        ]

    def __str__(self):
        return f"{self.clb_id} {self.instance_id}"


class ClbListenerPort(models.Model):
    """The BackendServerPort a listener was created with through the API."""

    listener = models.OneToOneField(
        "loadbalancer.ClbListener", on_delete=models.CASCADE, related_name="api_port"
    )
    backend_port = models.PositiveIntegerField()

    def __str__(self):
        return f"{self.listener_id} → {self.backend_port}"


class ClientTokenResult(models.Model):
    """What an API create with a ``ClientToken`` answered, beside the console's idempotency
    token it was stored with: a retry with the same parameters gets the same answer, other
    parameters are refused (the fingerprint tells them apart)."""

    token = models.OneToOneField(
        IdempotencyKey, on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    fingerprint = models.CharField(max_length=64)
    result = models.JSONField()

    def __str__(self):
        return f"{self.token_id} → {self.token.resource_id}"
