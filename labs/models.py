"""Classes, lab runs (one trainee or a pair, with their own accounts) and their logins."""

from django.conf import settings
from django.db import models
from django.utils import timezone

from console.models import Account


class Classroom(models.Model):
    """An instructor's class: N trainees (or pairs) all doing one lab."""

    name = models.CharField(max_length=80)
    lab = models.CharField(max_length=16)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return self.name


class LabRun(models.Model):
    """One trainee's (or pair's) lab: its accounts, when it started, when it was reset."""

    lab = models.CharField(max_length=16)
    classroom = models.ForeignKey(
        Classroom, on_delete=models.CASCADE, null=True, blank=True, related_name="runs"
    )
    label = models.CharField(max_length=64)
    account_a = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="+")
    account_b = models.ForeignKey(
        Account, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    # Names of the prerequisites ("VPC1", "ECS2"...) → their resource IDs.
    resources = models.JSONField(default=dict)
    # A pair lab started by one login: the code a partner's login joins it with as Account B.
    join_code = models.CharField(max_length=8, unique=True, null=True, blank=True)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    partner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    started_at = models.DateTimeField(default=timezone.now)
    reset_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["classroom_id", "id"]

    def __str__(self):
        return f"{self.label} ({self.lab})"

    def live_accounts(self):
        return [self.account_a_id, self.account_b_id]

    @property
    def accounts(self):
        return [a for a in (self.account_a, self.account_b) if a is not None]

    @property
    def definition(self):
        from .definitions import LABS

        return LABS[self.lab]

    @property
    def since(self):
        return self.reset_at or self.started_at


class LabLogin(models.Model):
    """A generated login of a run, with its password kept for the printable sheet."""

    run = models.ForeignKey(LabRun, on_delete=models.CASCADE, related_name="logins")
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="lab_login"
    )
    role = models.CharField(max_length=1)  # "A" or "B": the account this login acts for
    password = models.CharField(max_length=32)

    class Meta:
        ordering = ["run_id", "role"]

    def __str__(self):
        return self.user.username
