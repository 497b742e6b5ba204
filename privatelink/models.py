"""PrivateLink: endpoint services (provider), endpoints (consumer), whitelists, connections.

A connection joins one endpoint of the consumer's account to one endpoint service of the
provider's account (the same account in Lab 1). It belongs to the consumer's account; the
provider reads it only through its own service (``EndpointConnection.objects.for_provider``).
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django_fsm import FSMField, FSMModelMixin, can_proceed, transition

from console.models import Account, AccountScopedQuerySet, Resource, SecurityGroup, VSwitch, Zone
from loadbalancer.models import AlbInstance, ClbInstance

DEFAULT_BANDWIDTH = 1024
BANDWIDTH_RANGE = {"slb": (100, 10240), "alb": (100, 25000)}
MAX_SERVICE_RESOURCES = 20
MAX_ENDPOINT_ZONES = 10
MAX_ENDPOINT_SECURITY_GROUPS = 10


class ResourceType(models.TextChoices):
    CLB = "slb", "CLB"
    ALB = "alb", "ALB"
    NLB = "nlb", "NLB"


class EndpointServiceQuerySet(AccountScopedQuerySet):
    def usable_by(self, account):
        """Services ``account`` may connect to: those whose whitelist holds its UID.

        The owner's UID is always whitelisted, so this includes the account's own services.
        """
        if account is None or not getattr(account, "pk", None):
            return self.none()
        return self.filter(whitelist__uid=account.uid)


class EndpointService(Resource):
    id_prefix = "epsrv-"

    class Status(models.TextChoices):
        CREATING = "Creating"
        ACTIVE = "Active", "Available"
        PENDING = "Pending", "Modifying"
        DELETING = "Deleting"

    TRANSITIONAL = {
        Status.CREATING: "finish_create",
        Status.PENDING: "finish_modify",
        Status.DELETING: "finish_delete",
    }

    resource_type = models.CharField(
        max_length=4, choices=ResourceType.choices, default=ResourceType.CLB
    )
    auto_accept = models.BooleanField("Automatically Accept Endpoint Connections", default=False)
    zone_affinity = models.BooleanField("Whether to Enable Zone Affinity", default=False)
    service_name = models.CharField(max_length=128, unique=True)
    service_domain = models.CharField(max_length=128)
    connection_bandwidth = models.PositiveIntegerField(default=DEFAULT_BANDWIDTH)
    status = FSMField(default=Status.CREATING, choices=Status.choices, protected=True)

    objects = EndpointServiceQuerySet.as_manager()

    class Meta(Resource.Meta):
        verbose_name = "endpoint service"

    def save(self, *args, **kwargs):
        super().save(*args, **kwargs)
        if not self.service_name:
            region = self.region_id
            self.service_name = f"com.aliyuncs.privatelink.{region}.{self.id}"
            self.service_domain = f"{self.id}.{region}.privatelink.aliyuncs.com"
            type(self).objects.filter(pk=self.pk).update(
                service_name=self.service_name, service_domain=self.service_domain
            )

    @property
    def display_name(self):
        return self.id

    @property
    def status_label(self):
        return self.get_status_display()

    @property
    def is_active(self):
        return self.status == self.Status.ACTIVE

    @property
    def bandwidth_range(self):
        return BANDWIDTH_RANGE.get(self.resource_type, BANDWIDTH_RANGE["slb"])

    @transition(field=status, source=Status.CREATING, target=Status.ACTIVE)
    def finish_create(self):
        pass

    @transition(field=status, source=Status.ACTIVE, target=Status.PENDING)
    def modify(self):
        pass

    @transition(field=status, source=Status.PENDING, target=Status.ACTIVE)
    def finish_modify(self):
        pass

    @transition(field=status, source=Status.ACTIVE, target=Status.DELETING)
    def delete_service(self):
        pass

    @transition(field=status, source=Status.DELETING, target=Status.DELETING)
    def finish_delete(self):
        pass


class ServiceResource(models.Model):
    """One (zone, load balancer) of an endpoint service."""

    service = models.ForeignKey(EndpointService, on_delete=models.CASCADE, related_name="resources")
    zone = models.ForeignKey(Zone, on_delete=models.PROTECT, related_name="+")
    resource_type = models.CharField(max_length=4, choices=ResourceType.choices)
    clb = models.ForeignKey(
        ClbInstance, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    alb = models.ForeignKey(
        AlbInstance, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["zone_id"]
        constraints = [
            models.UniqueConstraint(fields=["service", "zone"], name="unique_service_zone")
        ]

    def __str__(self):
        return f"{self.service_id} {self.zone_id} {self.resource_id}"

    def live_accounts(self):
        return [self.service.account_id]

    @property
    def resource(self):
        return self.clb if self.resource_type == ResourceType.CLB else self.alb

    @property
    def resource_id(self):
        return self.clb_id or self.alb_id


class WhitelistEntry(models.Model):
    """An account UID allowed to create endpoints of a service."""

    service = models.ForeignKey(EndpointService, on_delete=models.CASCADE, related_name="whitelist")
    uid = models.CharField("Account ID", max_length=16)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["service", "uid"], name="unique_whitelist_uid")
        ]

    def __str__(self):
        return f"{self.service_id} {self.uid}"

    def live_accounts(self):
        return [self.service.account_id]


class Endpoint(Resource):
    id_prefix = "ep-"

    class Status(models.TextChoices):
        CREATING = "Creating"
        ACTIVE = "Active"
        PENDING = "Pending"
        DELETING = "Deleting"

    class EndpointType(models.TextChoices):
        INTERFACE = "Interface", "Interface Endpoint"
        REVERSE = "Reverse", "Reverse Endpoint"
        GWLB = "GatewayLoadBalancer", "Gateway Load Balancer Endpoint"

    TRANSITIONAL = {
        Status.CREATING: "finish_create",
        Status.PENDING: "finish_modify",
        Status.DELETING: "finish_delete",
    }

    endpoint_type = models.CharField(
        max_length=24, choices=EndpointType.choices, default=EndpointType.INTERFACE
    )
    # The service may be another account's; it is read only through this endpoint.
    service = models.ForeignKey(
        EndpointService, on_delete=models.SET_NULL, null=True, related_name="endpoints"
    )
    service_ref = models.CharField("Endpoint Service ID", max_length=40)
    service_name = models.CharField(max_length=128)
    vpc = models.ForeignKey("console.Vpc", on_delete=models.PROTECT, related_name="endpoints")
    security_groups = models.ManyToManyField(SecurityGroup, related_name="endpoints")
    domain = models.CharField("Domain name", max_length=200)
    status = FSMField(default=Status.CREATING, choices=Status.choices, protected=True)

    class Meta(Resource.Meta):
        verbose_name = "endpoint"

    def live_accounts(self):
        """The consumer, and the provider whose connections table lists this endpoint."""
        provider = (
            EndpointService.objects.filter(pk=self.service_id).values_list("account_id", flat=True)
            if self.service_id
            else []
        )
        return [self.account_id, *provider]

    @transition(field=status, source=Status.CREATING, target=Status.ACTIVE)
    def finish_create(self):
        pass

    @transition(field=status, source=Status.ACTIVE, target=Status.PENDING)
    def modify(self):
        pass

    @transition(field=status, source=Status.PENDING, target=Status.ACTIVE)
    def finish_modify(self):
        pass

    @transition(field=status, source=Status.ACTIVE, target=Status.DELETING)
    def delete_endpoint(self):
        pass

    @transition(field=status, source=Status.DELETING, target=Status.DELETING)
    def finish_delete(self):
        pass


class EndpointZone(models.Model):
    """An endpoint's presence in one zone: its ENI with an IP of the vSwitch."""

    class Status(models.TextChoices):
        CREATING = "Creating"
        WAIT = "Wait"
        CONNECTING = "Connecting"
        CONNECTED = "Connected"
        DISCONNECTING = "Disconnecting"
        DISCONNECTED = "Disconnected"
        DELETING = "Deleting"

    TRANSITIONAL = {Status.CREATING, Status.CONNECTING, Status.DISCONNECTING, Status.DELETING}

    endpoint = models.ForeignKey(Endpoint, on_delete=models.CASCADE, related_name="zones")
    zone = models.ForeignKey(Zone, on_delete=models.PROTECT, related_name="+")
    vswitch = models.ForeignKey(VSwitch, on_delete=models.PROTECT, related_name="endpoint_zones")
    eni_id = models.CharField("ENI ID", max_length=40, unique=True)
    ip = models.GenericIPAddressField("IP Address", protocol="IPv4")
    domain = models.CharField("Zone Domain Name", max_length=200)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.CREATING)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["zone_id"]
        constraints = [
            models.UniqueConstraint(fields=["endpoint", "zone"], name="unique_endpoint_zone")
        ]

    def __str__(self):
        return f"{self.endpoint_id} {self.zone_id} {self.ip}"

    def live_accounts(self):
        return self.endpoint.live_accounts()

    @property
    def is_transitional(self):
        return self.status in self.TRANSITIONAL


class ConnectionQuerySet(models.QuerySet):
    def for_consumer(self, account):
        """Connections of ``account``'s endpoints. No account, no rows."""
        if account is None or not getattr(account, "pk", None):
            return self.none()
        return self.filter(account=account)

    for_account = for_consumer

    def for_provider(self, account):
        """Connections to ``account``'s endpoint services. No account, no rows."""
        if account is None or not getattr(account, "pk", None):
            return self.none()
        return self.filter(service__account=account)


class EndpointConnection(FSMModelMixin, models.Model):
    """The connection of one endpoint to its service; its ID is the endpoint's ID."""

    class Status(models.TextChoices):
        DISCONNECTED = "Disconnected"
        CONNECTING = "Connecting"
        CONNECTED = "Connected"
        DISCONNECTING = "Disconnecting"
        PENDING = "Pending"
        DELETING = "Deleting"
        SERVICE_DELETED = "ServiceDeleted"

    S = Status
    # A service cannot be deleted, nor a resource removed, while a connection is in these.
    ACTIVE_STATES = (S.CONNECTING, S.CONNECTED, S.DISCONNECTING, S.PENDING)
    TRANSITIONAL = {
        S.CONNECTING: "finish_connect",
        S.DISCONNECTING: "finish_disconnect",
        S.PENDING: "finish_modify",
        S.DELETING: "finish_delete",
    }
    # What a transitional state settles to, for refusals ("wait until it is Connected").
    SETTLES_TO = {
        S.CONNECTING: S.CONNECTED,
        S.DISCONNECTING: S.DISCONNECTED,
        S.PENDING: S.CONNECTED,
    }

    endpoint = models.OneToOneField(
        Endpoint, on_delete=models.CASCADE, primary_key=True, related_name="connection"
    )
    # The consumer (the endpoint's owner).
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="+")
    service = models.ForeignKey(
        EndpointService, on_delete=models.SET_NULL, null=True, related_name="connections"
    )
    service_ref = models.CharField(max_length=40)
    bandwidth = models.PositiveIntegerField("Connection Bandwidth", default=DEFAULT_BANDWIDTH)
    # Simulated requests through this connection (the provider's "Monitor" column).
    request_count = models.PositiveBigIntegerField(default=0)
    # Whether the provider asked to allocate service resources automatically (ALB).
    auto_allocate = models.BooleanField(default=False)
    status = FSMField(default=S.DISCONNECTED, choices=S.choices, protected=True)
    created_at = models.DateTimeField(default=timezone.now)
    modified_at = models.DateTimeField("Connection Modification Time", default=timezone.now)
    state_since = models.DateTimeField(default=timezone.now)

    objects = ConnectionQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "pk"]
        verbose_name = "endpoint connection"

    def __str__(self):
        return f"{self.endpoint_id} → {self.service_ref} ({self.status})"

    def live_accounts(self):
        """Consumer and provider both watch a connection."""
        return [self.account_id, self.service.account_id if self.service_id else None]

    @property
    def is_transitional(self):
        return self.status in self.TRANSITIONAL

    @property
    def awaits_change(self):
        """Whether the consumer's page should keep asking: in flux or awaiting the provider."""
        return self.is_transitional or self.status == self.S.DISCONNECTED

    # What the provider may do now: asked of the state machine, never restated.
    @property
    def can_allow(self):
        return can_proceed(self.allow)

    @property
    def can_deny(self):
        return can_proceed(self.deny) or can_proceed(self.reject)

    @property
    def can_change_bandwidth(self):
        return can_proceed(self.change_bandwidth)

    # --- transitions (state only; services lock, record and schedule) ---------------------

    @transition(field=status, source=S.DISCONNECTED, target=S.CONNECTING)
    def allow(self):
        pass

    @transition(field=status, source=S.CONNECTING, target=S.CONNECTED)
    def finish_connect(self):
        pass

    @transition(field=status, source=S.CONNECTED, target=S.DISCONNECTING)
    def deny(self):
        """Connected → Disconnecting; a Disconnected request is rejected in place (below)."""

    @transition(field=status, source=S.DISCONNECTED, target=S.DISCONNECTED)
    def reject(self):
        """Deny of a request not yet allowed: it stays Disconnected, the refusal is recorded."""

    @transition(field=status, source=S.DISCONNECTING, target=S.DISCONNECTED)
    def finish_disconnect(self):
        pass

    @transition(field=status, source=S.CONNECTED, target=S.PENDING)
    def change_bandwidth(self, bandwidth):
        self.bandwidth = bandwidth

    @transition(field=status, source=S.PENDING, target=S.CONNECTED)
    def finish_modify(self):
        pass

    @transition(
        field=status,
        source=[
            S.DISCONNECTED,
            S.CONNECTING,
            S.CONNECTED,
            S.DISCONNECTING,
            S.PENDING,
            S.SERVICE_DELETED,
        ],
        target=S.DELETING,
    )
    def delete_connection(self):
        pass

    @transition(field=status, source=S.DELETING, target=S.DELETING)
    def finish_delete(self):
        pass

    @transition(
        field=status,
        source=[S.DISCONNECTED, S.SERVICE_DELETED],
        target=S.SERVICE_DELETED,
    )
    def service_deleted(self):
        pass


class ConnectionEvent(models.Model):
    """One transition of a connection: who (and for which account), when, from, to.

    Both parties see a connection's history; another account's login names are never shown,
    only its UID (see ``actor_for``).
    """

    connection = models.ForeignKey(
        EndpointConnection, on_delete=models.CASCADE, related_name="events"
    )
    action = models.CharField(max_length=32)
    from_state = models.CharField(max_length=16, blank=True)
    to_state = models.CharField(max_length=16, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True
    )
    actor_account = models.ForeignKey(
        Account, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    message = models.CharField(max_length=256, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.connection_id} {self.action} {self.from_state}→{self.to_state}"

    def live_accounts(self):
        return self.connection.live_accounts()

    def actor_for(self, account):
        """How the viewer ``account`` sees who did it."""
        if self.actor_account_id is None:
            return "System"
        if account is not None and self.actor_account_id == account.pk:
            return self.actor.get_username() if self.actor else "Current Account"
        return f"Account {self.actor_account.uid}"
