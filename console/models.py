"""Accounts, logins, the region catalogue and the base cloud resources."""

import ipaddress

from django.conf import settings
from django.db import models
from django.utils import timezone
from django_fsm import FSMField, FSMModelMixin, transition

from .ids import generate_id, generate_uid


class Region(models.Model):
    id = models.CharField(primary_key=True, max_length=32)
    name = models.CharField(max_length=64)
    city = models.CharField(max_length=64)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position"]

    def __str__(self) -> str:
        return self.name


class Zone(models.Model):
    id = models.CharField(primary_key=True, max_length=32)
    region = models.ForeignKey(Region, on_delete=models.CASCADE, related_name="zones")
    letter = models.CharField(max_length=2)
    name = models.CharField(max_length=64)
    supports_privatelink = models.BooleanField(default=True)
    supports_clb = models.BooleanField(default=True)
    supports_alb = models.BooleanField(default=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.id})"


class Account(models.Model):
    """A cloud account: every resource belongs to exactly one."""

    uid = models.CharField(max_length=16, unique=True, default=generate_uid)
    name = models.CharField(max_length=64)
    privatelink_activated_at = models.DateTimeField(null=True, blank=True)
    # "ALB as a PrivateLink service resource", granted by ticket in the real cloud.
    alb_privatelink_privilege = models.BooleanField(default=False)
    # Live demos: asynchronous steps take FAST_PROVISION_DELAY instead of PROVISION_DELAY.
    fast_provisioning = models.BooleanField(default=False)
    # The demo logins' accounts (and the labs they start): tickets are approved by themselves.
    demo = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name", "uid"]

    def __str__(self) -> str:
        return f"{self.name} ({self.uid})"

    @property
    def privatelink_activated(self) -> bool:
        return self.privatelink_activated_at is not None

    def live_accounts(self) -> list:
        # Activation and privileges change what the account's pages (and a lab panel) show.
        return [self.pk]


class Login(models.Model):
    """What a Django user may do in the console: act for one account, or oversee all."""

    class Role(models.TextChoices):
        MEMBER = "member", "Member"
        INSTRUCTOR = "instructor", "Instructor"
        PRESENTER = "presenter", "Presenter"

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="login"
    )
    account = models.ForeignKey(
        Account, on_delete=models.CASCADE, null=True, blank=True, related_name="logins"
    )
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.MEMBER)
    # A presenter acts for one of these at a time, switched from the account menu.
    switchable_accounts = models.ManyToManyField(Account, blank=True, related_name="presenters")

    def __str__(self) -> str:
        return f"{self.user.username} → {self.account or 'all accounts'}"

    @property
    def is_instructor(self) -> bool:
        return self.role == self.Role.INSTRUCTOR

    @property
    def is_presenter(self) -> bool:
        return self.role == self.Role.PRESENTER


class AccountScopedQuerySet(models.QuerySet):
    def for_account(self, account: "Account | None") -> "AccountScopedQuerySet":
        """The only way views and services read resources. No account, no rows."""
        if account is None or not getattr(account, "pk", None):
            return self.none()
        return self.filter(account=account)


class Resource(FSMModelMixin, models.Model):
    """Base of every cloud resource: a prefixed ID, an owning account and a region.

    Models with asynchronous states list them in ``TRANSITIONAL``: a mapping from each
    transitional status to the name of the transition that completes it. The worker (and the
    reconciler, for anything stuck) call that transition; see ``console.lifecycle``.
    """

    id_prefix = ""
    TRANSITIONAL: dict[str, str] = {}

    id = models.CharField(primary_key=True, max_length=40, editable=False)
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="+")
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+")
    name = models.CharField(max_length=128, blank=True)
    description = models.CharField(max_length=256, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    state_since = models.DateTimeField(default=timezone.now)

    objects = AccountScopedQuerySet.as_manager()

    class Meta:
        abstract = True
        ordering = ["-created_at"]
        # What every list page asks: one account's rows in one region, newest first.
        indexes = [
            models.Index(fields=["account", "region", "-created_at"], name="%(class)s_list"),
        ]

    def __str__(self) -> str:
        return self.name or self.id

    def save(self, *args: object, **kwargs: object) -> None:
        if not self.id:
            self.id = generate_id(self.id_prefix)
        super().save(*args, **kwargs)

    @property
    def display_name(self) -> str:
        return self.name or self.id

    @property
    def is_transitional(self) -> bool:
        return getattr(self, "status", None) in self.TRANSITIONAL

    @property
    def advances_by_itself(self) -> bool:
        """Whether the worker completes this row's transitional state (else a person does)."""
        return True

    @classmethod
    def worker_rows(cls, queryset: models.QuerySet) -> models.QuerySet:
        """Of the rows in a transitional state, those the worker completes (all, by default)."""
        return queryset


class IdempotencyKey(models.Model):
    """A create form's one-time token: a retried or double-submitted create makes one resource."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=64)
    resource_id = models.CharField(max_length=40)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["account", "key"], name="unique_idempotency_key"),
        ]

    def __str__(self) -> str:
        return f"{self.key} → {self.resource_id}"


# The actor label of what nobody asked for (the worker, the reconciler, a lab set-up).
SYSTEM_ACTOR = "system"


class Event(models.Model):
    """A recorded state change or action: who, when, from, to."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="events")
    resource_id = models.CharField(max_length=40, db_index=True)
    resource_type = models.CharField(max_length=64)
    action = models.CharField(max_length=64)
    from_state = models.CharField(max_length=32, blank=True)
    to_state = models.CharField(max_length=32, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True
    )
    actor_label = models.CharField(max_length=64, blank=True)
    # The account on whose behalf the actor acted, when it matters to another account (a
    # provider acting on a consumer's connection); no account: the system did it.
    actor_account = models.ForeignKey(
        Account, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    message = models.CharField(max_length=512, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    objects = AccountScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.resource_id} {self.action} {self.from_state}→{self.to_state}"

    def actor_for(self, account: "Account | None") -> str:
        """Who did it, as the viewer ``account`` may see it.

        Another account's logins and access keys are never shown, only its UID.
        """
        if self.actor_account_id is None:
            return "System"
        if account is not None and self.actor_account_id == account.pk:
            return "Current Account" if self.actor_label == SYSTEM_ACTOR else self.actor_label
        return f"Account {self.actor_account.uid}"


class Vpc(Resource):
    id_prefix = "vpc-"

    class Status(models.TextChoices):
        PENDING = "Pending"
        AVAILABLE = "Available"

    TRANSITIONAL = {Status.PENDING: "finish_create"}

    cidr_block = models.CharField("IPv4 CIDR Block", max_length=18)
    status = FSMField(default=Status.PENDING, choices=Status.choices, protected=True)

    class Meta(Resource.Meta):
        verbose_name = "VPC"

    @transition(field=status, source=Status.PENDING, target=Status.AVAILABLE)
    def finish_create(self) -> None:
        pass

    @property
    def network(self) -> ipaddress.IPv4Network | ipaddress.IPv6Network:
        return ipaddress.ip_network(self.cidr_block)


class VSwitch(Resource):
    id_prefix = "vsw-"
    RESERVED_ADDRESSES = 4  # the first and the last three addresses of every vSwitch

    class Status(models.TextChoices):
        AVAILABLE = "Available"

    vpc = models.ForeignKey(Vpc, on_delete=models.PROTECT, related_name="vswitches")
    zone = models.ForeignKey(Zone, on_delete=models.PROTECT, related_name="+")
    cidr_block = models.CharField("IPv4 CIDR Block", max_length=18)
    status = FSMField(default=Status.AVAILABLE, choices=Status.choices, protected=True)

    class Meta(Resource.Meta):
        verbose_name = "vSwitch"
        verbose_name_plural = "vSwitches"

    @property
    def network(self) -> ipaddress.IPv4Network | ipaddress.IPv6Network:
        return ipaddress.ip_network(self.cidr_block)

    def is_reserved(self, address: str) -> bool:
        net = self.network
        address = ipaddress.ip_address(address)
        return address == net.network_address or int(address) >= int(net.broadcast_address) - 2

    @property
    def total_usable(self) -> int:
        return self.network.num_addresses - self.RESERVED_ADDRESSES

    @property
    def available_ip_count(self) -> int:
        """Free addresses; lists annotate ``used_ips`` so that rows cost no query."""
        used = getattr(self, "used_ips", None)
        if used is None:
            used = self.private_ips.count()
        return self.total_usable - used


class PrivateIp(models.Model):
    """One used address of a vSwitch; the unique constraint makes allocation race-free."""

    vswitch = models.ForeignKey(VSwitch, on_delete=models.CASCADE, related_name="private_ips")
    address = models.GenericIPAddressField(protocol="IPv4")
    holder_id = models.CharField(max_length=40, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["vswitch", "address"], name="unique_ip_per_vswitch")
        ]

    def __str__(self) -> str:
        return f"{self.address} ({self.holder_id})"


class SecurityGroup(Resource):
    id_prefix = "sg-"

    vpc = models.ForeignKey(Vpc, on_delete=models.PROTECT, related_name="security_groups")

    class Meta(Resource.Meta):
        verbose_name = "security group"


class SecurityGroupRule(models.Model):
    class Direction(models.TextChoices):
        INGRESS = "ingress", "Inbound"
        EGRESS = "egress", "Outbound"

    class Policy(models.TextChoices):
        ACCEPT = "accept", "Allow"
        DROP = "drop", "Deny"

    class Protocol(models.TextChoices):
        ALL = "all", "All"
        TCP = "tcp", "TCP"
        UDP = "udp", "UDP"
        ICMP = "icmp", "ICMP"

    group = models.ForeignKey(SecurityGroup, on_delete=models.CASCADE, related_name="rules")
    direction = models.CharField(max_length=8, choices=Direction.choices)
    policy = models.CharField(max_length=8, choices=Policy.choices, default=Policy.ACCEPT)
    priority = models.PositiveSmallIntegerField(default=1)
    protocol = models.CharField(max_length=8, choices=Protocol.choices)
    port_from = models.IntegerField()
    port_to = models.IntegerField()
    cidr_block = models.CharField(max_length=18, blank=True)
    peer_group = models.ForeignKey(
        SecurityGroup, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    description = models.CharField(max_length=256, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["priority", "created_at", "id"]

    def __str__(self) -> str:
        return f"{self.get_direction_display()} {self.get_policy_display()} {self.protocol}"

    def live_accounts(self) -> list:
        return [self.group.account_id]

    @property
    def port_range(self) -> str:
        return f"{self.port_from}/{self.port_to}"

    @property
    def authorization_object(self) -> str:
        return self.peer_group_id or self.cidr_block


class EcsInstance(Resource):
    id_prefix = "i-"

    class Status(models.TextChoices):
        PENDING = "Pending"
        STARTING = "Starting"
        RUNNING = "Running"
        STOPPING = "Stopping"
        STOPPED = "Stopped"

    class Image(models.TextChoices):
        ALIYUN_LINUX_3 = "aliyun_3", "Alibaba Cloud Linux 3"
        WINDOWS_2012 = "win2012r2", "Windows Server 2012 R2"
        UBUNTU_2204 = "ubuntu_22_04", "Ubuntu 22.04"

    class Service(models.TextChoices):
        NONE = "none", "None"
        NGINX = "nginx", "NGINX"

    TRANSITIONAL = {
        Status.PENDING: "boot",
        Status.STARTING: "finish_start",
        Status.STOPPING: "finish_stop",
    }

    zone = models.ForeignKey(Zone, on_delete=models.PROTECT, related_name="+")
    vpc = models.ForeignKey(Vpc, on_delete=models.PROTECT, related_name="instances")
    vswitch = models.ForeignKey(VSwitch, on_delete=models.PROTECT, related_name="instances")
    private_ip = models.GenericIPAddressField(protocol="IPv4")
    image = models.CharField(max_length=32, choices=Image.choices)
    security_groups = models.ManyToManyField(SecurityGroup, related_name="instances")
    service = models.CharField(max_length=16, choices=Service.choices, default=Service.NONE)
    service_port = models.PositiveIntegerField(default=80)
    page_body = models.TextField(blank=True)
    status = FSMField(default=Status.PENDING, choices=Status.choices, protected=True)

    class Meta(Resource.Meta):
        verbose_name = "ECS instance"

    @transition(field=status, source=Status.PENDING, target=Status.STARTING)
    def boot(self) -> None:
        pass

    @transition(field=status, source=Status.STOPPED, target=Status.STARTING)
    def start(self) -> None:
        pass

    @transition(field=status, source=Status.STARTING, target=Status.RUNNING)
    def finish_start(self) -> None:
        pass

    @transition(field=status, source=Status.RUNNING, target=Status.STOPPING)
    def stop(self) -> None:
        pass

    @transition(field=status, source=Status.STOPPING, target=Status.STOPPED)
    def finish_stop(self) -> None:
        pass

    @property
    def serves_http(self) -> bool:
        return self.service == self.Service.NGINX

    def listens_on(self, port: int) -> bool:
        """Whether the deployed service answers on ``port`` right now."""
        return (
            self.status == self.Status.RUNNING
            and self.service == self.Service.NGINX
            and self.service_port == port
        )


class Ticket(Resource):
    """A request for a privilege, decided by an instructor (or, for demo accounts, by itself).

    Pending is transitional (its pages follow it live), but only a demo account's ticket
    advances by itself: the worker approves it after ``TICKET_APPROVAL_DELAY``. Everyone
    else's waits for an instructor.
    """

    id_prefix = "ticket-"

    class Status(models.TextChoices):
        PENDING = "Pending"
        APPROVED = "Approved"
        REJECTED = "Rejected"

    class Privilege(models.TextChoices):
        ALB_PRIVATELINK = "alb_privatelink", "ALB as a PrivateLink service resource"

    TRANSITIONAL = {Status.PENDING: "approve"}

    privilege = models.CharField(max_length=32, choices=Privilege.choices)
    status = FSMField(default=Status.PENDING, choices=Status.choices, protected=True)
    auto_approve = models.BooleanField(default=False)
    decided_by = models.CharField(max_length=150, blank=True)  # a username, or "system"
    answer = models.CharField(max_length=256, blank=True)

    class Meta(Resource.Meta):
        verbose_name = "ticket"

    @property
    def advances_by_itself(self) -> bool:
        return self.auto_approve

    @property
    def is_pending(self) -> bool:
        return self.status == self.Status.PENDING

    @classmethod
    def worker_rows(cls, queryset: models.QuerySet) -> models.QuerySet:
        return queryset.filter(auto_approve=True)

    @transition(field=status, source=Status.PENDING, target=Status.APPROVED)
    def approve(self) -> None:
        pass

    @transition(field=status, source=Status.PENDING, target=Status.REJECTED)
    def reject(self) -> None:
        pass
