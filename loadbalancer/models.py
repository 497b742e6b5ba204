"""Server Load Balancer: CLB and ALB instances, listeners, server groups, backends.

The PrivateLink app builds on ``ClbInstance`` / ``AlbInstance``: ``privatelink_eligible``,
``privatelink_ineligible_reason``, ``zone_ids`` and ``is_active``.
"""

from django.db import models
from django.utils import timezone
from django_fsm import FSMField, FSMModelMixin, transition

from console.models import (
    Account,
    AccountScopedQuerySet,
    EcsInstance,
    Resource,
    Vpc,
    VSwitch,
    Zone,
)

DEFAULT_RESOURCE_GROUP = "Default Resource Group"


class HealthCheckFields(models.Model):
    """What a probe checks and how often; shared by CLB listeners and ALB server groups."""

    class CheckProtocol(models.TextChoices):
        TCP = "TCP", "TCP"
        HTTP = "HTTP", "HTTP"

    health_check_enabled = models.BooleanField("Enable Health Check", default=True)
    health_check_protocol = models.CharField(
        max_length=8, choices=CheckProtocol.choices, default=CheckProtocol.TCP
    )
    health_check_path = models.CharField(max_length=80, default="/")
    health_check_method = models.CharField(max_length=8, default="HEAD")
    # Comma-separated classes, as the console shows them: "http_2xx,http_3xx".
    health_check_codes = models.CharField(max_length=64, default="http_2xx,http_3xx")
    health_check_interval = models.PositiveSmallIntegerField(default=2)
    health_check_timeout = models.PositiveSmallIntegerField(default=5)
    healthy_threshold = models.PositiveSmallIntegerField(default=3)
    unhealthy_threshold = models.PositiveSmallIntegerField(default=3)
    # When the health checker next probes this (beat enqueues what is due).
    next_probe_at = models.DateTimeField(null=True, blank=True, db_index=True)

    class Meta:
        abstract = True

    @property
    def healthy_code_list(self):
        return [c for c in self.health_check_codes.split(",") if c]

    @property
    def healthy_codes_display(self):
        return ", ".join(c.replace("http_", "") for c in self.healthy_code_list)


class BackendHealthFields(models.Model):
    """A backend's health as the checker sees it: counters of probes in a row, last result."""

    consecutive_ok = models.PositiveSmallIntegerField(default=0)
    consecutive_failed = models.PositiveSmallIntegerField(default=0)
    last_probe_at = models.DateTimeField(null=True, blank=True)
    last_probe_reason = models.CharField(max_length=200, blank=True)

    class Meta:
        abstract = True

    CHECKING = "Checking"

    @classmethod
    def label_for(cls, health_status, consecutive_failed):
        """The health as the console shows it: a backend still at its initial "unhealthy"
        with no failed probe (none yet, or successes short of the healthy threshold) is
        "Checking" rather than red: no probe has decided against it."""
        if health_status == cls.UNHEALTHY and consecutive_failed == 0:
            return cls.CHECKING
        return health_status

    @property
    def health_label(self):
        return self.label_for(self.health_status, self.consecutive_failed)


# --- CLB -----------------------------------------------------------------------------------


class ClbInstance(Resource):
    id_prefix = "lb-"

    class Status(models.TextChoices):
        CREATING = "Creating"
        ACTIVE = "Active"
        INACTIVE = "Inactive"
        LOCKED = "Locked"

    class BillingMethod(models.TextChoices):
        PAY_AS_YOU_GO = "PayAsYouGo", "Pay-As-You-Go"
        SUBSCRIPTION = "Subscription", "Subscription"

    class ZoneType(models.TextChoices):
        SINGLE = "single", "Single-zone"
        MULTI = "multi", "Multi-zone"

    class Specification(models.TextChoices):
        S1_SMALL = "slb.s1.small", "Small I (slb.s1.small)"
        S2_SMALL = "slb.s2.small", "Standard I (slb.s2.small)"
        S2_MEDIUM = "slb.s2.medium", "Standard II (slb.s2.medium)"
        S3_SMALL = "slb.s3.small", "Higher I (slb.s3.small)"
        S3_MEDIUM = "slb.s3.medium", "Higher II (slb.s3.medium)"
        S3_LARGE = "slb.s3.large", "Super I (slb.s3.large)"

    class AddressType(models.TextChoices):
        INTRANET = "intranet", "Intranet"
        INTERNET = "internet", "Internet"

    class NetworkType(models.TextChoices):
        VPC = "vpc", "VPC"
        CLASSIC = "classic", "Classic"

    class IpVersion(models.TextChoices):
        IPV4 = "ipv4", "IPv4"
        IPV6 = "ipv6", "IPv6"

    TRANSITIONAL = {Status.CREATING: "finish_create"}

    billing_method = models.CharField(
        max_length=16, choices=BillingMethod.choices, default=BillingMethod.PAY_AS_YOU_GO
    )
    zone_type = models.CharField(max_length=8, choices=ZoneType.choices, default=ZoneType.SINGLE)
    zone = models.ForeignKey(Zone, on_delete=models.PROTECT, related_name="+")
    backup_zone = models.ForeignKey(
        Zone, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    specification = models.CharField(max_length=16, choices=Specification.choices)
    address_type = models.CharField(
        max_length=10, choices=AddressType.choices, default=AddressType.INTRANET
    )
    network_type = models.CharField(
        max_length=8, choices=NetworkType.choices, default=NetworkType.VPC
    )
    vpc = models.ForeignKey(Vpc, on_delete=models.PROTECT, related_name="clb_instances")
    vswitch = models.ForeignKey(VSwitch, on_delete=models.PROTECT, related_name="clb_instances")
    address = models.GenericIPAddressField("Service Address", null=True, blank=True)
    ip_version = models.CharField(max_length=4, choices=IpVersion.choices, default=IpVersion.IPV4)
    status = FSMField(default=Status.CREATING, choices=Status.choices, protected=True)

    class Meta(Resource.Meta):
        verbose_name = "CLB instance"

    @transition(field=status, source=Status.CREATING, target=Status.ACTIVE)
    def finish_create(self):
        pass

    @property
    def is_active(self):
        return self.status == self.Status.ACTIVE

    @property
    def zone_ids(self):
        return {z for z in (self.zone_id, self.backup_zone_id) if z}

    @property
    def privatelink_ineligible_reason(self):
        reasons = []
        if self.address_type != self.AddressType.INTRANET:
            reasons.append("it is an Internet-facing instance (only Intranet instances qualify)")
        if self.billing_method != self.BillingMethod.PAY_AS_YOU_GO:
            reasons.append("it is billed by Subscription (only Pay-As-You-Go instances qualify)")
        if not reasons:
            return ""
        return f"This CLB instance cannot serve PrivateLink: {' and '.join(reasons)}."

    @property
    def privatelink_eligible(self):
        return not self.privatelink_ineligible_reason


class ClbListener(FSMModelMixin, HealthCheckFields):
    """A CLB listener: it forwards to the instance's default server group (its backends)."""

    class Protocol(models.TextChoices):
        TCP = "TCP", "TCP"
        UDP = "UDP", "UDP"
        HTTP = "HTTP", "HTTP"
        HTTPS = "HTTPS", "HTTPS"

    class Status(models.TextChoices):
        RUNNING = "Running"
        STOPPED = "Stopped"

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="+")
    clb = models.ForeignKey(ClbInstance, on_delete=models.CASCADE, related_name="listeners")
    protocol = models.CharField(max_length=8, choices=Protocol.choices)
    # TCP, HTTP and HTTPS share the TCP port space; UDP has its own.
    port_family = models.CharField(max_length=4, editable=False)
    port = models.PositiveIntegerField("Listening Port")
    name = models.CharField("Listener Name", max_length=80, blank=True)
    scheduler = models.CharField(max_length=8, default="wrr")
    health_check_port = models.PositiveIntegerField(null=True, blank=True)
    status = FSMField(default=Status.RUNNING, choices=Status.choices, protected=True)
    # The wizard that created it: submitting the same wizard twice creates one listener.
    wizard_token = models.CharField(max_length=40, unique=True, null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    objects = AccountScopedQuerySet.as_manager()

    class Meta:
        ordering = ["port", "protocol"]
        verbose_name = "CLB listener"
        constraints = [
            models.UniqueConstraint(
                fields=["clb", "port_family", "port"], name="unique_clb_listener_port"
            )
        ]

    def __str__(self):
        return f"{self.protocol}:{self.port}"

    def save(self, *args, **kwargs):
        self.port_family = port_family(self.protocol)
        super().save(*args, **kwargs)

    @property
    def display_name(self):
        return self.name or f"{self.protocol}:{self.port}"

    @transition(field=status, source=Status.RUNNING, target=Status.STOPPED)
    def stop(self):
        pass

    @transition(field=status, source=Status.STOPPED, target=Status.RUNNING)
    def start(self):
        pass

    @property
    def is_checking(self):
        return self.status == self.Status.RUNNING and self.health_check_enabled

    @property
    def health_summary(self):
        """One word over the backends (use with ``backends`` prefetched): Abnormal if any is,
        else Checking if any is undecided, else Normal; Unavailable when nothing is checked."""
        labels = {backend.health_label for backend in self.backends.all()}
        if not self.is_checking or not labels:
            return ClbBackend.Health.UNAVAILABLE
        for label in (ClbBackend.Health.ABNORMAL, ClbBackend.CHECKING):
            if label in labels:
                return label
        return ClbBackend.Health.NORMAL


def port_family(protocol):
    return "udp" if protocol == "UDP" else "tcp"


class ClbBackend(BackendHealthFields):
    """An ECS instance in a listener's default server group."""

    class Health(models.TextChoices):
        NORMAL = "Normal"
        ABNORMAL = "Abnormal"
        UNAVAILABLE = "Unavailable"

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="+")
    listener = models.ForeignKey(ClbListener, on_delete=models.CASCADE, related_name="backends")
    instance = models.ForeignKey(EcsInstance, on_delete=models.PROTECT, related_name="+")
    port = models.PositiveIntegerField()
    weight = models.PositiveSmallIntegerField(default=100)
    health_status = models.CharField(max_length=12, choices=Health.choices, default=Health.ABNORMAL)

    objects = AccountScopedQuerySet.as_manager()

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["listener", "instance", "port"], name="unique_clb_backend"
            )
        ]

    def __str__(self):
        return f"{self.instance_id}:{self.port}"

    HEALTHY, UNHEALTHY, UNAVAILABLE = Health.NORMAL, Health.ABNORMAL, Health.UNAVAILABLE

    @property
    def healthy(self):
        return self.health_status == self.Health.NORMAL


# --- ALB -----------------------------------------------------------------------------------


class AlbInstance(Resource):
    id_prefix = "alb-"

    class Status(models.TextChoices):
        PROVISIONING = "Provisioning"
        ACTIVE = "Active"
        CONFIGURING = "Configuring"
        CREATE_FAILED = "CreateFailed", "CreateFailed"
        INACTIVE = "Inactive"

    class NetworkType(models.TextChoices):
        INTERNET = "Internet"
        INTERNAL = "Internal"

    class IpMode(models.TextChoices):
        STATIC = "Static", "Static IP"
        DYNAMIC = "Dynamic", "Dynamic IP"

    class Edition(models.TextChoices):
        BASIC = "Basic"
        STANDARD = "Standard"
        WAF = "StandardWithWaf", "WAF-enabled"

    TRANSITIONAL = {Status.PROVISIONING: "finish_create", Status.CONFIGURING: "finish_configure"}

    network_type = models.CharField(
        max_length=10, choices=NetworkType.choices, default=NetworkType.INTERNAL
    )
    vpc = models.ForeignKey(Vpc, on_delete=models.PROTECT, related_name="alb_instances")
    ip_mode = models.CharField(max_length=8, choices=IpMode.choices, default=IpMode.STATIC)
    edition = models.CharField(max_length=16, choices=Edition.choices, default=Edition.BASIC)
    resource_group = models.CharField(max_length=64, default=DEFAULT_RESOURCE_GROUP)
    dns_name = models.CharField("DNS Name", max_length=128, blank=True)
    status = FSMField(default=Status.PROVISIONING, choices=Status.choices, protected=True)

    class Meta(Resource.Meta):
        verbose_name = "ALB instance"

    def save(self, *args, **kwargs):
        super().save(*args, **kwargs)
        if not self.dns_name:
            self.dns_name = f"{self.id}.{self.region_id}.alb.aliyuncs.com"
            type(self).objects.filter(pk=self.pk).update(dns_name=self.dns_name)

    @transition(field=status, source=Status.PROVISIONING, target=Status.ACTIVE)
    def finish_create(self):
        pass

    @transition(field=status, source=Status.CONFIGURING, target=Status.ACTIVE)
    def finish_configure(self):
        pass

    @property
    def is_active(self):
        return self.status == self.Status.ACTIVE

    @property
    def zone_ids(self):
        return {m.zone_id for m in self.zone_mappings.all()}

    @property
    def privatelink_ineligible_reason(self):
        reasons = []
        if self.network_type != self.NetworkType.INTERNAL:
            reasons.append("it is Internet-facing (only Internal instances qualify)")
        if self.ip_mode != self.IpMode.STATIC:
            reasons.append("it uses Dynamic IP (only Static IP instances qualify)")
        if not reasons:
            return ""
        return f"This ALB instance cannot serve PrivateLink: {' and '.join(reasons)}."

    @property
    def privatelink_eligible(self):
        return not self.privatelink_ineligible_reason


class AlbZoneMapping(models.Model):
    alb = models.ForeignKey(AlbInstance, on_delete=models.CASCADE, related_name="zone_mappings")
    zone = models.ForeignKey(Zone, on_delete=models.PROTECT, related_name="+")
    vswitch = models.ForeignKey(VSwitch, on_delete=models.PROTECT, related_name="alb_mappings")
    address = models.GenericIPAddressField(protocol="IPv4")

    class Meta:
        ordering = ["zone_id"]
        constraints = [
            models.UniqueConstraint(fields=["alb", "zone"], name="unique_alb_zone"),
        ]

    def __str__(self):
        return f"{self.alb_id} {self.zone_id} {self.address}"

    def live_accounts(self):
        return [self.alb.account_id]


class AlbServerGroup(HealthCheckFields, Resource):
    id_prefix = "sgp-"

    class Status(models.TextChoices):
        AVAILABLE = "Available"

    class GroupType(models.TextChoices):
        INSTANCE = "Instance"
        IP = "Ip", "IP"
        FUNCTION_COMPUTE = "Fc", "Function Compute"

    class Protocol(models.TextChoices):
        HTTP = "HTTP", "HTTP"
        HTTPS = "HTTPS", "HTTPS"
        GRPC = "gRPC", "gRPC"

    class Scheduler(models.TextChoices):
        WRR = "Wrr", "Weighted Round Robin"
        WLC = "Wlc", "Weighted Least Connections"
        SCH = "Sch", "Consistent Hash"

    class StickySessionType(models.TextChoices):
        INSERT = "Insert", "Insert cookie"
        SERVER = "Server", "Server cookie"

    server_group_type = models.CharField(
        max_length=10, choices=GroupType.choices, default=GroupType.INSTANCE
    )
    vpc = models.ForeignKey(Vpc, on_delete=models.PROTECT, related_name="alb_server_groups")
    protocol = models.CharField(max_length=8, choices=Protocol.choices, default=Protocol.HTTP)
    scheduler = models.CharField(max_length=4, choices=Scheduler.choices, default=Scheduler.WRR)
    resource_group = models.CharField(max_length=64, default=DEFAULT_RESOURCE_GROUP)
    sticky_session_enabled = models.BooleanField(default=False)
    sticky_session_type = models.CharField(
        max_length=8, choices=StickySessionType.choices, default=StickySessionType.INSERT
    )
    cookie_timeout = models.PositiveIntegerField(default=1000)
    cookie_name = models.CharField(max_length=200, blank=True)
    status = FSMField(default=Status.AVAILABLE, choices=Status.choices, protected=True)

    class Meta(Resource.Meta):
        verbose_name = "server group"

    def __str__(self):
        return self.display_name

    @property
    def is_checking(self):
        return self.health_check_enabled


class AlbBackend(FSMModelMixin, BackendHealthFields):
    """An ECS instance of a server group, on a port, with a weight."""

    class Status(models.TextChoices):
        ADDING = "Adding"
        AVAILABLE = "Available"
        REMOVING = "Removing"

    class Health(models.TextChoices):
        HEALTHY = "Healthy"
        UNHEALTHY = "Unhealthy"
        UNAVAILABLE = "Unavailable"

    TRANSITIONAL = {Status.ADDING: "finish_add", Status.REMOVING: "finish_remove"}

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="+")
    server_group = models.ForeignKey(
        AlbServerGroup, on_delete=models.CASCADE, related_name="backends"
    )
    instance = models.ForeignKey(EcsInstance, on_delete=models.PROTECT, related_name="+")
    port = models.PositiveIntegerField()
    weight = models.PositiveSmallIntegerField(default=100)
    status = FSMField(default=Status.ADDING, choices=Status.choices, protected=True)
    health_status = models.CharField(
        max_length=12, choices=Health.choices, default=Health.UNHEALTHY
    )
    state_since = models.DateTimeField(default=timezone.now)
    created_at = models.DateTimeField(default=timezone.now)

    objects = AccountScopedQuerySet.as_manager()

    class Meta:
        ordering = ["id"]
        verbose_name = "backend server"
        constraints = [
            models.UniqueConstraint(
                fields=["server_group", "instance", "port"], name="unique_alb_backend"
            )
        ]

    def __str__(self):
        return f"{self.instance_id}:{self.port}"

    HEALTHY, UNHEALTHY, UNAVAILABLE = Health.HEALTHY, Health.UNHEALTHY, Health.UNAVAILABLE

    @property
    def is_transitional(self):
        return self.status in self.TRANSITIONAL

    @property
    def healthy(self):
        return self.health_status == self.Health.HEALTHY

    @transition(field=status, source=Status.ADDING, target=Status.AVAILABLE)
    def finish_add(self):
        pass

    @transition(field=status, source=[Status.ADDING, Status.AVAILABLE], target=Status.REMOVING)
    def remove(self):
        pass

    @transition(field=status, source=Status.REMOVING, target=Status.REMOVING)
    def finish_remove(self):
        pass


class AlbListener(Resource):
    id_prefix = "lsn-"

    class Protocol(models.TextChoices):
        HTTP = "HTTP", "HTTP"
        HTTPS = "HTTPS", "HTTPS"
        QUIC = "QUIC", "QUIC"

    class Status(models.TextChoices):
        PROVISIONING = "Provisioning"
        RUNNING = "Running"
        STOPPED = "Stopped"

    TRANSITIONAL = {Status.PROVISIONING: "finish_create"}

    alb = models.ForeignKey(AlbInstance, on_delete=models.CASCADE, related_name="listeners")
    protocol = models.CharField(max_length=8, choices=Protocol.choices, default=Protocol.HTTP)
    port = models.PositiveIntegerField("Listener Port")
    idle_timeout = models.PositiveSmallIntegerField(default=15)
    request_timeout = models.PositiveSmallIntegerField(default=60)
    server_group = models.ForeignKey(
        AlbServerGroup, on_delete=models.PROTECT, related_name="listeners"
    )
    status = FSMField(default=Status.PROVISIONING, choices=Status.choices, protected=True)
    wizard_token = models.CharField(max_length=40, unique=True, null=True, blank=True)

    class Meta(Resource.Meta):
        verbose_name = "ALB listener"
        constraints = [
            models.UniqueConstraint(fields=["alb", "port"], name="unique_alb_listener_port")
        ]

    @transition(field=status, source=Status.PROVISIONING, target=Status.RUNNING)
    def finish_create(self):
        pass

    @transition(field=status, source=Status.RUNNING, target=Status.STOPPED)
    def stop(self):
        pass

    @transition(field=status, source=Status.STOPPED, target=Status.RUNNING)
    def start(self):
        pass
