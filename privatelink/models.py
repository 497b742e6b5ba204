"""PrivateLink: endpoint services (provider), endpoints (consumer), whitelists, connections.

A connection joins one endpoint of the consumer's account to one endpoint service of the
provider's account (the same account in Lab 1). It belongs to the consumer's account; the
provider reads it only through its own service (``EndpointConnection.objects.for_provider``).
"""

from collections.abc import Iterable

from django.db import models
from django.db.models import OuterRef, Subquery
from django.utils import timezone
from django_fsm import RETURN_VALUE, FSMField, FSMModelMixin, can_proceed, transition

from console.models import (
    Account,
    AccountScopedQuerySet,
    Event,
    Resource,
    SecurityGroup,
    VSwitch,
    Zone,
)
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
    def usable_by(self, account: Account | None) -> "EndpointServiceQuerySet":
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
        # Only for the instant before the row is removed (see ``console.lifecycle.advance``).
        DELETED = "Deleted"

    TRANSITIONAL = {
        Status.CREATING: "finish_create",
        Status.PENDING: "finish_modify",
        Status.DELETING: "finish_delete",
    }
    REMOVED = Status.DELETED

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

    def save(self, *args: object, **kwargs: object) -> None:
        super().save(*args, **kwargs)
        if not self.service_name:
            region = self.region_id
            self.service_name = f"com.aliyuncs.privatelink.{region}.{self.id}"
            self.service_domain = f"{self.id}.{region}.privatelink.aliyuncs.com"
            type(self).objects.filter(pk=self.pk).update(
                service_name=self.service_name, service_domain=self.service_domain
            )

    @property
    def display_name(self) -> str:
        return self.id

    @property
    def status_label(self) -> str:
        return self.get_status_display()

    @property
    def is_active(self) -> bool:
        return self.status == self.Status.ACTIVE

    @property
    def bandwidth_range(self) -> tuple[int, int]:
        return BANDWIDTH_RANGE.get(self.resource_type, BANDWIDTH_RANGE["slb"])

    @transition(field=status, source=Status.CREATING, target=Status.ACTIVE)
    def finish_create(self) -> None:
        pass

    @transition(field=status, source=Status.ACTIVE, target=Status.PENDING)
    def modify(self) -> None:
        pass

    @transition(field=status, source=Status.PENDING, target=Status.ACTIVE)
    def finish_modify(self) -> None:
        pass

    @transition(field=status, source=Status.ACTIVE, target=Status.DELETING)
    def delete_service(self) -> None:
        pass

    @transition(field=status, source=Status.DELETING, target=Status.DELETED)
    def finish_delete(self) -> None:
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

    def __str__(self) -> str:
        return f"{self.service_id} {self.zone_id} {self.resource_id}"

    def live_accounts(self) -> list:
        return [self.service.account_id]

    @property
    def resource(self) -> ClbInstance | AlbInstance | None:
        return self.clb if self.resource_type == ResourceType.CLB else self.alb

    @property
    def resource_id(self) -> str | None:
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

    def __str__(self) -> str:
        return f"{self.service_id} {self.uid}"

    def live_accounts(self) -> list:
        return [self.service.account_id]


class Endpoint(Resource):
    id_prefix = "ep-"

    class Status(models.TextChoices):
        CREATING = "Creating"
        ACTIVE = "Active"
        PENDING = "Pending"
        DELETING = "Deleting"
        # Only for the instant before the row is removed (see ``console.lifecycle.advance``).
        DELETED = "Deleted"

    class EndpointType(models.TextChoices):
        INTERFACE = "Interface", "Interface Endpoint"
        REVERSE = "Reverse", "Reverse Endpoint"
        GWLB = "GatewayLoadBalancer", "Gateway Load Balancer Endpoint"

    TRANSITIONAL = {
        Status.CREATING: "finish_create",
        Status.PENDING: "finish_modify",
        Status.DELETING: "finish_delete",
    }
    REMOVED = Status.DELETED

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

    def live_accounts(self) -> list:
        """The consumer, and the provider whose connections table lists this endpoint."""
        provider = (
            EndpointService.objects.filter(pk=self.service_id).values_list("account_id", flat=True)
            if self.service_id
            else []
        )
        return [self.account_id, *provider]

    @transition(field=status, source=Status.CREATING, target=Status.ACTIVE)
    def finish_create(self) -> None:
        pass

    @transition(field=status, source=Status.ACTIVE, target=Status.PENDING)
    def modify(self) -> None:
        pass

    @transition(field=status, source=Status.PENDING, target=Status.ACTIVE)
    def finish_modify(self) -> None:
        pass

    @transition(field=status, source=Status.ACTIVE, target=Status.DELETING)
    def delete_endpoint(self) -> None:
        pass

    @transition(field=status, source=Status.DELETING, target=Status.DELETED)
    def finish_delete(self) -> None:
        pass


class EndpointZone(FSMModelMixin, models.Model):
    """An endpoint's presence in one zone: its ENI with an IP of the vSwitch.

    Its state follows its endpoint's and its connection's (``settle_with``), except that a
    zone being removed is Deleting (``start_removal``); both go through
    ``console.lifecycle.follow``. It is stored, not computed on reading, because it depends on
    its own past too: a zone not yet connected waits (Wait), one that was is Disconnected.
    """

    class Status(models.TextChoices):
        CREATING = "Creating"
        WAIT = "Wait"
        CONNECTING = "Connecting"
        CONNECTED = "Connected"
        DISCONNECTING = "Disconnecting"
        DISCONNECTED = "Disconnected"
        DELETING = "Deleting"

    TRANSITIONAL = {Status.CREATING, Status.CONNECTING, Status.DISCONNECTING, Status.DELETING}
    REMOVABLE = [s for s in Status.values if s != "Deleting"]

    endpoint = models.ForeignKey(Endpoint, on_delete=models.CASCADE, related_name="zones")
    zone = models.ForeignKey(Zone, on_delete=models.PROTECT, related_name="+")
    vswitch = models.ForeignKey(VSwitch, on_delete=models.PROTECT, related_name="endpoint_zones")
    eni_id = models.CharField("ENI ID", max_length=40, unique=True)
    ip = models.GenericIPAddressField("IP Address", protocol="IPv4")
    domain = models.CharField("Zone Domain Name", max_length=200)
    status = FSMField(default=Status.CREATING, choices=Status.choices, protected=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["zone_id"]
        constraints = [
            models.UniqueConstraint(fields=["endpoint", "zone"], name="unique_endpoint_zone")
        ]

    def __str__(self) -> str:
        return f"{self.endpoint_id} {self.zone_id} {self.ip}"

    def live_accounts(self) -> list:
        return self.endpoint.live_accounts()

    @property
    def is_transitional(self) -> bool:
        return self.status in self.TRANSITIONAL

    @transition(field=status, source="*", target=RETURN_VALUE(*Status.values))
    def settle_with(self, endpoint: "Endpoint", connection: "EndpointConnection | None") -> str:
        """The state its endpoint's and its connection's imply (see ``zone_status_for``)."""
        return zone_status_for(endpoint, connection, self.status)

    @transition(field=status, source=REMOVABLE, target=Status.DELETING)
    def start_removal(self) -> None:
        """The zone is being removed from its endpoint: it goes with the endpoint's next step."""


class ConnectionQuerySet(models.QuerySet):
    def for_consumer(self, account: Account | None) -> "ConnectionQuerySet":
        """Connections of ``account``'s endpoints. No account, no rows."""
        if account is None or not getattr(account, "pk", None):
            return self.none()
        return self.filter(account=account)

    for_account = for_consumer

    def for_provider(self, account: Account | None) -> "ConnectionQuerySet":
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
        # Only for the instant before the row is removed (see ``console.lifecycle.advance``).
        DELETED = "Deleted"

    S = Status
    # A service cannot be deleted, nor a resource removed, while a connection is in these.
    ACTIVE_STATES = (S.CONNECTING, S.CONNECTED, S.DISCONNECTING, S.PENDING)
    TRANSITIONAL = {
        S.CONNECTING: "finish_connect",
        S.DISCONNECTING: "finish_disconnect",
        S.PENDING: "finish_modify",
        S.DELETING: "finish_delete",
    }
    REMOVED = S.DELETED
    # A state change is also the connection's modification ("Connection Modification Time").
    STATE_TIMESTAMPS = ("state_since", "modified_at")
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

    def __str__(self) -> str:
        return f"{self.endpoint_id} → {self.service_ref} ({self.status})"

    def live_accounts(self) -> list:
        """Consumer and provider both watch a connection."""
        return [self.account_id, self.service.account_id if self.service_id else None]

    @property
    def events(self) -> models.QuerySet:
        """The connection's history: its lines of the one audit trail, newest first."""
        return connection_events().filter(resource_id=self.pk)

    def history_for(self, account: Account | None) -> list[tuple[Event, str]]:
        """``[(event, who)]`` as ``account`` (consumer or provider) may read them."""
        events = getattr(self, "_history", None)
        if events is None:
            events = list(self.events.select_related("actor_account"))
        return [(event, event.actor_for(account)) for event in events]

    @property
    def is_transitional(self) -> bool:
        return self.status in self.TRANSITIONAL

    @property
    def awaits_change(self) -> bool:
        """Whether the consumer's page should keep asking: in flux or awaiting the provider."""
        return self.is_transitional or self.status == self.S.DISCONNECTED

    # What the provider may do now: asked of the state machine, never restated.
    @property
    def can_allow(self) -> bool:
        return can_proceed(self.allow)

    @property
    def can_deny(self) -> bool:
        return can_proceed(self.deny) or can_proceed(self.reject)

    @property
    def can_change_bandwidth(self) -> bool:
        return can_proceed(self.change_bandwidth)

    # --- transitions (state only; console.lifecycle locks, records and schedules) ----------

    @transition(field=status, source=S.DISCONNECTED, target=S.CONNECTING)
    def allow(self, auto_allocate: bool = False) -> None:
        self.auto_allocate = bool(auto_allocate)

    @transition(field=status, source=S.CONNECTING, target=S.CONNECTED)
    def finish_connect(self) -> None:
        pass

    @transition(field=status, source=S.CONNECTED, target=S.DISCONNECTING)
    def deny(self) -> None:
        """Connected → Disconnecting; a Disconnected request is rejected in place (below)."""

    @transition(field=status, source=S.DISCONNECTED, target=S.DISCONNECTED)
    def reject(self) -> None:
        """Deny of a request not yet allowed: it stays Disconnected, the refusal is recorded."""

    @transition(field=status, source=S.DISCONNECTING, target=S.DISCONNECTED)
    def finish_disconnect(self) -> None:
        pass

    @transition(field=status, source=S.CONNECTED, target=S.PENDING)
    def change_bandwidth(self, bandwidth: int) -> None:
        self.bandwidth = bandwidth

    @transition(field=status, source=S.PENDING, target=S.CONNECTED)
    def finish_modify(self) -> None:
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
    def delete_connection(self) -> None:
        pass

    @transition(field=status, source=S.DELETING, target=S.DELETED)
    def finish_delete(self) -> None:
        pass

    @transition(
        field=status,
        source=[S.DISCONNECTED, S.SERVICE_DELETED],
        target=S.SERVICE_DELETED,
    )
    def service_deleted(self) -> None:
        pass


def connection_events() -> models.QuerySet:
    """Every connection's lines of the audit trail (``Event``); the caller scopes them."""
    return Event.objects.filter(resource_type=EndpointConnection._meta.verbose_name)


def load_histories(connections: Iterable[EndpointConnection]) -> None:
    """Read the histories of ``connections`` in one query (a table shows each row's)."""
    connections = list(connections)
    by_id: dict[str, list[Event]] = {c.pk: [] for c in connections}
    events = connection_events().filter(resource_id__in=by_id).select_related("actor_account")
    for event in events:
        by_id[event.resource_id].append(event)
    for connection in connections:
        connection._history = by_id[connection.pk]


def consumer_connection_events(account: Account) -> models.QuerySet:
    """The history lines of ``account``'s current connections, each with its ``service_ref``."""
    mine = EndpointConnection.objects.for_consumer(account)
    return (
        connection_events()
        .for_account(account)
        .filter(resource_id__in=mine.values("pk"))
        .annotate(
            service_ref=Subquery(mine.filter(pk=OuterRef("resource_id")).values("service_ref")[:1])
        )
    )


ZONE_FOLLOWS = {
    EndpointConnection.Status.CONNECTING: EndpointZone.Status.CONNECTING,
    EndpointConnection.Status.CONNECTED: EndpointZone.Status.CONNECTED,
    EndpointConnection.Status.DISCONNECTING: EndpointZone.Status.DISCONNECTING,
    EndpointConnection.Status.PENDING: EndpointZone.Status.CONNECTED,
    EndpointConnection.Status.DELETING: EndpointZone.Status.DELETING,
    EndpointConnection.Status.DELETED: EndpointZone.Status.DELETING,
    EndpointConnection.Status.SERVICE_DELETED: EndpointZone.Status.DISCONNECTED,
}


def zone_status_for(endpoint: Endpoint, connection: EndpointConnection | None, current: str) -> str:
    """A zone's status from its endpoint's and its connection's (and its own, for Wait)."""
    Z = EndpointZone.Status
    if current == Z.DELETING or endpoint.status in (Endpoint.Status.DELETING, Endpoint.REMOVED):
        return Z.DELETING
    if current == Z.CREATING and endpoint.status != Endpoint.Status.ACTIVE:
        return Z.CREATING
    if connection is None:
        return Z.DISCONNECTED
    if connection.status == EndpointConnection.Status.DISCONNECTED:
        return Z.WAIT if current in (Z.CREATING, Z.WAIT) else Z.DISCONNECTED
    return ZONE_FOLLOWS[connection.status]
