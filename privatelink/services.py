"""Every write to endpoint services, whitelists, endpoints and connections.

Each service is keyword-only and atomic, validates, records who did what, and schedules the
worker's follow-up on commit. The provider acts on a connection only through its own service
(``service.connections``); the consumer only through its own endpoint.
"""

from typing import Any

from django.db import transaction
from django.db.models import Q
from django_fsm import can_proceed

from console import lifecycle
from console import validators as console_validators
from console.errors import ConsoleError, DependencyViolation, StateRefused
from console.ids import generate_id
from console.models import Account, Region, SecurityGroup, Vpc, VSwitch, Zone
from console.services import private_ip_allocate, private_ip_release, same_account
from loadbalancer.models import AlbInstance, ClbInstance

from . import validators
from .models import (
    MAX_ENDPOINT_SECURITY_GROUPS,
    MAX_ENDPOINT_ZONES,
    MAX_SERVICE_RESOURCES,
    Endpoint,
    EndpointConnection,
    EndpointService,
    EndpointZone,
    ResourceType,
    ServiceResource,
    WhitelistEntry,
)

# Who asks for a change: a console login's user, an API caller ("AccessKey LTAI…"), or None
# for the system (worker, labs); see ``console.lifecycle.record_event``.
Actor = Any

C = EndpointConnection.Status
NOT_AUTHORIZED = "The endpoint service does not exist or your account is not authorized to use it."
ALB_PRIVILEGE_REFUSAL = (
    "ALB instances can serve as service resources only for accounts that hold the privilege "
    '"ALB as a PrivateLink service resource". Apply for it with Submit a Ticket (Tickets '
    "in the left navigation); until then, choose CLB."
)
NOT_ACTIVATED = "PrivateLink is not activated for this account. Activate PrivateLink first."
DELETE_SERVICE_REFUSAL = "Delete the endpoint connections and service resources first"


def _require_activated(account: Account | None) -> None:
    if account is None or not account.privatelink_activated:
        raise ConsoleError(NOT_ACTIVATED, code="PrivateLinkNotActivated")


def _owner_of(account: Account, service: EndpointService) -> None:
    """Refuse a service of another account (a forged ID): it 'does not exist'."""
    same_account(account, service)


# --- service resources -------------------------------------------------------------------


def resource_model(resource_type: str) -> type[ClbInstance] | type[AlbInstance] | None:
    return {ResourceType.CLB: ClbInstance, ResourceType.ALB: AlbInstance}.get(resource_type)


def _check_resource_type(account: Account, resource_type: str) -> None:
    if resource_type == ResourceType.NLB:
        raise ConsoleError(
            "NLB is not available as a service resource in this console; choose CLB or ALB.",
            field="resource_type",
        )
    if resource_model(resource_type) is None:
        raise ConsoleError("Choose CLB or ALB.", field="resource_type")
    if resource_type == ResourceType.ALB and not account.alb_privatelink_privilege:
        raise ConsoleError(ALB_PRIVILEGE_REFUSAL, field="resource_type")


def instance_refusal(
    instance: ClbInstance | AlbInstance, zone: Zone, *, service: EndpointService | None = None
) -> str:
    """Why ``instance`` cannot be the service resource in ``zone`` ('' if it can)."""
    what = instance._meta.verbose_name
    if zone.pk not in instance.zone_ids:
        return f"The {what} {instance.id} is not deployed in {zone.name}."
    if not instance.privatelink_eligible:
        return instance.privatelink_ineligible_reason
    if not instance.is_active:
        return f"The {what} {instance.id} is {instance.status}; wait until it is Active."
    other = (
        ServiceResource.objects.filter(Q(clb_id=instance.pk) | Q(alb_id=instance.pk))
        .exclude(service=service)
        .values_list("service_id", flat=True)
        .first()
    )
    if other:
        return (
            f"The {what} {instance.id} is already the service resource of endpoint service {other}."
        )
    return ""


def _check_resource(
    account: Account,
    service_region: Region,
    resource_type: str,
    zone: Zone,
    instance: ClbInstance | AlbInstance,
    *,
    service: EndpointService | None = None,
) -> None:
    same_account(account, instance)
    if zone.region_id != service_region.pk:
        raise ConsoleError(f"Choose zones of {service_region.name}.", field="resources")
    if not zone.supports_privatelink:
        raise ConsoleError(
            f"{zone.name} ({zone.id}) does not support PrivateLink; choose another zone.",
            field="resources",
        )
    if not isinstance(instance, resource_model(resource_type)):
        label = ResourceType(resource_type).label
        raise ConsoleError(f"Choose a {label} instance as the service resource.", field="resources")
    reason = instance_refusal(instance, zone, service=service)
    if reason:
        raise ConsoleError(reason, field="resources")


def _resource_row(
    service: EndpointService, zone: Zone, instance: ClbInstance | AlbInstance
) -> ServiceResource:
    row = ServiceResource(service=service, zone=zone, resource_type=service.resource_type)
    if service.resource_type == ResourceType.CLB:
        row.clb = instance
    else:
        row.alb = instance
    return row


# --- endpoint services ---------------------------------------------------------------------


@transaction.atomic
def endpoint_service_create(
    *,
    account: Account,
    actor: Actor = None,
    region: Region,
    resource_type: str = ResourceType.CLB,
    resources: list[tuple[Zone, ClbInstance | AlbInstance]],
    auto_accept: bool = False,
    zone_affinity: bool = False,
    description: str = "",
) -> EndpointService:
    """Create an endpoint service: Creating until the worker makes it Active (Available).

    ``resources``: ``[(zone, instance)]``, one per zone. The owner's UID is whitelisted.
    """
    _require_activated(account)
    _check_resource_type(account, resource_type)
    if not resources:
        raise ConsoleError("Add at least one service resource.", field="resources")
    if len(resources) > MAX_SERVICE_RESOURCES:
        raise ConsoleError(
            f"An endpoint service has at most {MAX_SERVICE_RESOURCES} service resources.",
            field="resources",
        )
    seen = set()
    for zone, instance in resources:
        if zone.pk in seen:
            raise ConsoleError(
                f"{zone.name} is selected twice: choose one service resource per zone.",
                field="resources",
            )
        seen.add(zone.pk)
        _check_resource(account, region, resource_type, zone, instance)
    service = EndpointService(
        account=account,
        region=region,
        resource_type=resource_type,
        auto_accept=bool(auto_accept),
        zone_affinity=bool(zone_affinity),
        description=console_validators.description(description),
    )
    service.save()
    ServiceResource.objects.bulk_create(
        [_resource_row(service, zone, instance) for zone, instance in resources]
    )
    WhitelistEntry.objects.create(service=service, uid=account.uid)
    return lifecycle.created(service, actor=actor)


@transaction.atomic
def endpoint_service_modify(
    *,
    account: Account,
    actor: Actor = None,
    service: EndpointService,
    auto_accept: bool | None = None,
    zone_affinity: bool | None = None,
    description: str | None = None,
) -> EndpointService:
    """Edit in place; the service is Pending ("Modifying") until the worker applies it."""
    _owner_of(account, service)
    if description is not None:
        description = console_validators.description(description)
    locked = lifecycle.transition(
        service,
        "modify",
        actor=actor,
        refused=lambda s: (
            f"The endpoint service {s.id} is {s.get_status_display()}; wait until it is Available."
        ),
    )
    changes = []
    for name, value in (
        ("auto_accept", auto_accept),
        ("zone_affinity", zone_affinity),
        ("description", description),
    ):
        if value is not None and getattr(locked, name) != value:
            setattr(locked, name, value)
            changes.append(name)
    if changes:
        locked.save(update_fields=changes)
    return locked


def _active_connections(service: EndpointService) -> Any:
    return service.connections.filter(status__in=EndpointConnection.ACTIVE_STATES)


@transaction.atomic
def endpoint_service_delete(
    *, account: Account, actor: Actor = None, service: EndpointService
) -> EndpointService:
    """Deleting → gone; refused while an endpoint is connected or a resource is attached."""
    _owner_of(account, service)
    locked = lifecycle.lock(EndpointService, service.pk)
    if locked is None:
        raise StateRefused(f"The endpoint service {service.pk} no longer exists.")
    if locked.is_transitional:
        raise StateRefused(
            f"The endpoint service {locked.id} is {locked.get_status_display()}; wait until "
            "it is Available."
        )
    reasons = []
    connected = list(_active_connections(locked).values_list("endpoint_id", flat=True)[:3])
    if connected:
        reasons.append(f"endpoints {', '.join(connected)} are connected")
    if locked.resources.exists():
        reasons.append("service resources are attached")
    if reasons:
        raise DependencyViolation(
            f"The endpoint service {locked.id} cannot be deleted: {' and '.join(reasons)}. "
            f"{DELETE_SERVICE_REFUSAL}."
        )
    return lifecycle.transition(locked, "delete_service", actor=actor, action="delete")


def endpoint_service_finish_delete(*, service: EndpointService) -> None:
    """The worker's last step, before the row goes: remaining connections become
    ServiceDeleted (a connection being deleted with its endpoint just goes on)."""
    # Locked first: a connection that changed meanwhile is judged in its current state.
    for connection in list(service.connections.select_for_update()):
        if can_proceed(connection.service_deleted):
            lifecycle.transition(connection, "service_deleted", action="service deleted")


@transaction.atomic
def service_resource_add(
    *,
    account: Account,
    actor: Actor = None,
    service: EndpointService,
    zone: Zone,
    instance: ClbInstance | AlbInstance,
) -> ServiceResource:
    """Add a resource in another zone."""
    _owner_of(account, service)
    locked = lifecycle.lock(EndpointService, service.pk)
    if locked.status != EndpointService.Status.ACTIVE:
        raise StateRefused(
            f"The endpoint service {locked.id} is {locked.get_status_display()}; wait until it "
            "is Available."
        )
    if locked.resources.filter(zone=zone).exists():
        raise ConsoleError(
            f"The service already has a resource in {zone.name}: choose another zone.",
            field="zone",
        )
    if locked.resources.count() >= MAX_SERVICE_RESOURCES:
        raise ConsoleError(
            f"An endpoint service has at most {MAX_SERVICE_RESOURCES} service resources.",
            field="zone",
        )
    try:
        _check_resource(
            account, locked.region, locked.resource_type, zone, instance, service=locked
        )
    except ConsoleError as error:
        error.field = "instance"
        raise
    row = _resource_row(locked, zone, instance)
    row.save()
    lifecycle.record_event(
        locked, "add resource", actor=actor, message=f"{instance.id} in {zone.id}"
    )
    return row


@transaction.atomic
def service_resource_remove(
    *, account: Account, actor: Actor = None, service: EndpointService, resource: ServiceResource
) -> None:
    """Refused while a connected endpoint has a zone where the resource is."""
    _owner_of(account, service)
    if resource.service_id != service.pk:
        raise ConsoleError("The specified resource does not exist.", code="NotFound")
    users = list(
        EndpointZone.objects.filter(
            zone_id=resource.zone_id,
            endpoint__connection__service=service,
            endpoint__connection__status__in=EndpointConnection.ACTIVE_STATES,
        ).values_list("endpoint_id", flat=True)[:3]
    )
    if users:
        raise DependencyViolation(
            f"The resource in {resource.zone.name} cannot be removed: endpoints "
            f"{', '.join(users)} use that zone. Deny their connections first."
        )
    lifecycle.record_event(
        service,
        "remove resource",
        actor=actor,
        message=f"{resource.resource_id} in {resource.zone_id}",
    )
    resource.delete()


# --- whitelist -----------------------------------------------------------------------------


@transaction.atomic
def whitelist_add(
    *, account: Account, actor: Actor = None, service: EndpointService, uids: list[str]
) -> list[WhitelistEntry]:
    """Whitelist account IDs (16 digits); already listed ones are left as they are."""
    _owner_of(account, service)
    uids = validators.account_uids(uids)
    existing = set(service.whitelist.values_list("uid", flat=True))
    added = [
        WhitelistEntry.objects.create(service=service, uid=uid)
        for uid in uids
        if uid not in existing
    ]
    if added:
        lifecycle.record_event(
            service, "add whitelist", actor=actor, message=", ".join(e.uid for e in added)
        )
    return added


@transaction.atomic
def whitelist_remove(
    *, account: Account, actor: Actor = None, service: EndpointService, entry: WhitelistEntry
) -> None:
    """New endpoints of that account are refused; existing connections stay as they are."""
    _owner_of(account, service)
    if entry.service_id != service.pk:
        raise ConsoleError("The specified resource does not exist.", code="NotFound")
    if entry.uid == service.account.uid:
        raise ConsoleError(
            f"The service owner's account {entry.uid} cannot be removed from the whitelist."
        )
    lifecycle.record_event(service, "remove whitelist", actor=actor, message=entry.uid)
    entry.delete()


# --- finding a service to connect to -------------------------------------------------------


def endpoint_service_resolve(
    *,
    account: Account,
    region: Region,
    service_name: str | None = None,
    service_id: str | None = None,
) -> EndpointService:
    """The service ``account`` may use, by name or ID; unknown and unauthorised alike refused."""
    queryset = EndpointService.objects.usable_by(account).filter(region=region)
    if service_id:
        service = queryset.filter(pk=str(service_id).strip()).first()
    else:
        service = queryset.filter(service_name=(service_name or "").strip()).first()
    if service is None:
        raise ConsoleError(NOT_AUTHORIZED, field="service", code="EndpointServiceNotFound")
    return service


# --- endpoints ------------------------------------------------------------------------------


def _endpoint_domain(endpoint_id: str, service: EndpointService) -> str:
    return f"{endpoint_id}.{service.id}.{service.region_id}.privatelink.aliyuncs.com"


def _zone_domain(endpoint_id: str, zone: Zone, service: EndpointService) -> str:
    return f"{endpoint_id}-{zone.id}.{service.id}.{service.region_id}.privatelink.aliyuncs.com"


def _check_groups(vpc: Vpc, groups: list[SecurityGroup]) -> None:
    if not groups:
        raise ConsoleError("Select at least one security group.", field="security_groups")
    if len(groups) > MAX_ENDPOINT_SECURITY_GROUPS:
        raise ConsoleError(
            f"Select at most {MAX_ENDPOINT_SECURITY_GROUPS} security groups.",
            field="security_groups",
        )
    for group in groups:
        if group.vpc_id != vpc.pk:
            raise ConsoleError(
                f"The security group {group.display_name} belongs to another VPC; choose "
                "groups of the endpoint's VPC.",
                field="security_groups",
            )


def _service_zone_ids(service: EndpointService) -> set[str]:
    return set(service.resources.values_list("zone_id", flat=True))


def _check_zone(
    service: EndpointService,
    vpc: Vpc,
    zone: Zone,
    vswitch: VSwitch | None,
    zone_ids: set[str],
    field: str = "zones",
) -> None:
    if zone.pk not in zone_ids:
        raise ConsoleError(
            f"The endpoint service is not available in zone {zone.name} ({zone.id}).",
            field=field,
        )
    if vswitch is None:
        raise ConsoleError(f"Choose a vSwitch in {zone.name}.", field=field)
    if vswitch.vpc_id != vpc.pk:
        raise ConsoleError(
            f"The vSwitch {vswitch.display_name} belongs to another VPC; choose a vSwitch of "
            "the endpoint's VPC.",
            field=field,
        )
    if vswitch.zone_id != zone.pk:
        raise ConsoleError(
            f"The vSwitch {vswitch.display_name} is in {vswitch.zone.name}; choose a vSwitch "
            f"in {zone.name}.",
            field=field,
        )


def _new_zone(
    endpoint: Endpoint, service: EndpointService, zone: Zone, vswitch: VSwitch
) -> EndpointZone:
    eni_id = generate_id("eni-")
    return EndpointZone(
        endpoint=endpoint,
        zone=zone,
        vswitch=vswitch,
        eni_id=eni_id,
        ip=private_ip_allocate(vswitch=vswitch, holder_id=eni_id, field="zones"),
        domain=_zone_domain(endpoint.id, zone, service),
    )


@transaction.atomic
def _endpoint_service_for(
    account: Account, region: Region, service: EndpointService | None
) -> EndpointService:
    """The endpoint service, locked, if ``account`` may connect to it now; else a refusal."""
    if service is None or not (
        service.region_id == region.pk and service.whitelist.filter(uid=account.uid).exists()
    ):
        raise ConsoleError(NOT_AUTHORIZED, field="service", code="EndpointServiceNotFound")
    service = EndpointService.objects.select_for_update().get(pk=service.pk)
    if not service.is_active:
        raise ConsoleError(
            f"The endpoint service {service.id} is {service.get_status_display()}; wait until "
            "it is Available.",
            field="service",
        )
    return service


def _check_endpoint_placement(
    service: EndpointService,
    region: Region,
    vpc: Vpc,
    security_groups: list[SecurityGroup],
    zones: list[tuple[Zone, VSwitch | None]],
) -> None:
    """The VPC, security groups and ``[(zone, vswitch)]`` of a new endpoint of ``service``."""
    if vpc.region_id != region.pk:
        raise ConsoleError(f"Choose a VPC of {region.name}.", field="vpc")
    if vpc.status != Vpc.Status.AVAILABLE:
        raise ConsoleError(
            f"The VPC {vpc.display_name} is {vpc.status}; wait until it is Available.", field="vpc"
        )
    _check_groups(vpc, security_groups)
    if not zones:
        raise ConsoleError("Add at least one zone with a vSwitch.", field="zones")
    if len(zones) > MAX_ENDPOINT_ZONES:
        raise ConsoleError(f"Add at most {MAX_ENDPOINT_ZONES} zones.", field="zones")
    zone_ids = _service_zone_ids(service)
    seen = set()
    for zone, vswitch in zones:
        if zone.pk in seen:
            raise ConsoleError(
                f"{zone.name} is selected twice: choose one vSwitch per zone.", field="zones"
            )
        seen.add(zone.pk)
        _check_zone(service, vpc, zone, vswitch, zone_ids)


def _request_connection(
    endpoint: Endpoint, account: Account, actor: Actor, service: EndpointService
) -> EndpointConnection:
    """The new endpoint's connection request; allowed at once if the service auto-accepts."""
    connection = EndpointConnection.objects.create(
        endpoint=endpoint,
        account=account,
        service=service,
        service_ref=service.id,
        bandwidth=service.connection_bandwidth,
    )
    lifecycle.created(
        connection,
        actor=actor,
        actor_account=account,
        action="request",
        message="Connection requested.",
    )
    if service.auto_accept:
        connection = lifecycle.transition(
            connection,
            "allow",
            message="Accepted automatically: the service accepts connections automatically.",
        )
    return connection


def endpoint_create(
    *,
    account: Account,
    actor: Actor = None,
    region: Region,
    name: str,
    service: EndpointService | None,
    vpc: Vpc,
    security_groups: list[SecurityGroup],
    zones: list[tuple[Zone, VSwitch | None]],
    endpoint_type: str = Endpoint.EndpointType.INTERFACE,
    description: str = "",
) -> Endpoint:
    """Create an endpoint and its connection request.

    ``service`` comes from :func:`endpoint_service_resolve` (checked again here);
    ``zones``: ``[(zone, vswitch)]``. Each zone gets an ENI with a free IP of its vSwitch.
    The connection is Disconnected until the provider allows it, or goes straight on to
    Connecting → Connected when the service accepts automatically.
    """
    _require_activated(account)
    same_account(account, vpc, *security_groups, *[v for _, v in zones if v is not None])
    name = validators.endpoint_name(name)
    if endpoint_type != Endpoint.EndpointType.INTERFACE:
        raise ConsoleError(
            "Only Interface Endpoint is available; choose Interface Endpoint.",
            field="endpoint_type",
        )
    service = _endpoint_service_for(account, region, service)
    _check_endpoint_placement(service, region, vpc, security_groups, zones)
    endpoint = Endpoint(
        account=account,
        region=region,
        name=name,
        endpoint_type=endpoint_type,
        service=service,
        service_ref=service.id,
        service_name=service.service_name,
        vpc=vpc,
        description=console_validators.description(description),
    )
    endpoint.id = generate_id(Endpoint.id_prefix)
    endpoint.domain = _endpoint_domain(endpoint.id, service)
    endpoint.save()
    endpoint.security_groups.set(security_groups)
    EndpointZone.objects.bulk_create([_new_zone(endpoint, service, z, v) for z, v in zones])
    lifecycle.created(endpoint, actor=actor)

    connection = _request_connection(endpoint, account, actor, service)
    if not connection.is_transitional:
        # An auto-accepted request moved the zones already (``_connection_changed``).
        _sync_zones(endpoint, connection)
    return endpoint


def _require_stable_endpoint(what: str) -> Any:
    """The refusal of a change to an endpoint in flux (it names the endpoint's state)."""
    return lambda e: f"The endpoint {e.id} is {e.status}; wait until it is Active to {what}."


@transaction.atomic
def endpoint_delete(*, account: Account, actor: Actor = None, endpoint: Endpoint) -> Endpoint:
    """Any stable state: the endpoint and its connection go Deleting, then disappear."""
    same_account(account, endpoint)
    locked = lifecycle.transition(
        endpoint,
        "delete_endpoint",
        actor=actor,
        action="delete",
        refused=lambda e: f"The endpoint {e.id} is {e.status}; it cannot be deleted in this state.",
    )
    connection = EndpointConnection.objects.filter(pk=locked.pk).first()
    if connection is not None and can_proceed(connection.delete_connection):
        # The connection's change moves the zones (``_connection_changed``).
        lifecycle.transition(
            connection, "delete_connection", actor=actor, actor_account=account, action="delete"
        )
    else:
        _sync_zones(locked, connection)
    return locked


def endpoint_release_addresses(*, endpoint: Endpoint) -> None:
    """The worker's last step, before the row goes (its zones and connection with it):
    release the ENIs' addresses."""
    eni_ids = list(
        EndpointZone.objects.filter(endpoint_id=endpoint.pk).values_list("eni_id", flat=True)
    )
    for eni_id in eni_ids:
        private_ip_release(holder_id=eni_id)


def endpoint_zones_settle(*, endpoint: Endpoint) -> None:
    """After a create or modify step: zones being removed go, the others follow the connection."""
    for zone in endpoint.zones.filter(status=EndpointZone.Status.DELETING):
        private_ip_release(holder_id=zone.eni_id)
        zone.delete()
    _sync_zones(endpoint, EndpointConnection.objects.filter(pk=endpoint.pk).first())


@transaction.atomic
def endpoint_add_zone(
    *, account: Account, actor: Actor = None, endpoint: Endpoint, zone: Zone, vswitch: VSwitch
) -> EndpointZone:
    same_account(account, endpoint, vswitch)
    service = endpoint.service
    if service is None:
        raise ConsoleError("The endpoint service no longer exists.", field="zone")
    if endpoint.zones.filter(zone=zone).exists():
        raise ConsoleError(f"The endpoint already has a zone in {zone.name}.", field="zone")
    if endpoint.zones.count() >= MAX_ENDPOINT_ZONES:
        raise ConsoleError(f"An endpoint has at most {MAX_ENDPOINT_ZONES} zones.", field="zone")
    _check_zone(service, endpoint.vpc, zone, vswitch, _service_zone_ids(service), field="zone")
    locked = lifecycle.transition(
        endpoint,
        "modify",
        actor=actor,
        action="add zone",
        refused=_require_stable_endpoint("add a zone"),
    )
    row = _new_zone(locked, service, zone, vswitch)
    row.save()
    return row


@transaction.atomic
def endpoint_remove_zone(
    *, account: Account, actor: Actor = None, endpoint: Endpoint, endpoint_zone: EndpointZone
) -> None:
    same_account(account, endpoint)
    if endpoint_zone.endpoint_id != endpoint.pk:
        raise ConsoleError("The specified resource does not exist.", code="NotFound")
    if endpoint.zones.exclude(status=EndpointZone.Status.DELETING).count() <= 1:
        raise ConsoleError("An endpoint needs at least one zone; delete the endpoint instead.")
    lifecycle.transition(
        endpoint,
        "modify",
        actor=actor,
        action="remove zone",
        refused=_require_stable_endpoint("remove a zone"),
    )
    lifecycle.follow(EndpointZone.objects.get(pk=endpoint_zone.pk), "start_removal")


@transaction.atomic
def endpoint_attach_security_group(
    *, account: Account, actor: Actor = None, endpoint: Endpoint, group: SecurityGroup
) -> None:
    same_account(account, endpoint, group)
    current = list(endpoint.security_groups.all())
    if group in current:
        raise ConsoleError(f"The security group {group.id} is already attached.", field="group")
    _check_groups(endpoint.vpc, current + [group])
    lifecycle.transition(
        endpoint,
        "modify",
        actor=actor,
        action="attach security group",
        refused=_require_stable_endpoint("attach a security group"),
    )
    endpoint.security_groups.add(group)


@transaction.atomic
def endpoint_detach_security_group(
    *, account: Account, actor: Actor = None, endpoint: Endpoint, group: SecurityGroup
) -> None:
    same_account(account, endpoint, group)
    groups = list(endpoint.security_groups.all())
    if group not in groups:
        raise ConsoleError("The specified resource does not exist.", code="NotFound")
    if len(groups) <= 1:
        raise ConsoleError("An endpoint needs at least one security group.", field="group")
    lifecycle.transition(
        endpoint,
        "modify",
        actor=actor,
        action="detach security group",
        refused=_require_stable_endpoint("detach a security group"),
    )
    endpoint.security_groups.remove(group)


# --- connections ----------------------------------------------------------------------------


def _sync_zones(endpoint: Endpoint, connection: EndpointConnection | None) -> None:
    """Each zone of ``endpoint`` takes the state its endpoint and connection imply."""
    for zone in EndpointZone.objects.filter(endpoint_id=endpoint.pk):
        lifecycle.follow(zone, "settle_with", endpoint=endpoint, connection=connection)


def _provider_transition(
    *,
    account: Account,
    actor: Actor,
    service: EndpointService,
    connection: EndpointConnection,
    method_name: Any,
    action: str,
    refusal: str,
    message: str = "",
    **kwargs: Any,
) -> EndpointConnection:
    """The transition of a connection of the provider's own ``service``.

    A lost race (someone changed the state first) is an ordinary refusal naming the state.
    """
    _owner_of(account, service)

    def still_ours(locked: EndpointConnection) -> None:
        if locked.service_id != service.pk:
            raise StateRefused(f"The endpoint connection {connection.pk} no longer exists.")

    return lifecycle.transition(
        connection,
        method_name,
        actor=actor,
        actor_account=account,
        action=action,
        check=still_ours,
        refused=lambda c: connection_refusal(c, refusal),
        message=message,
        **kwargs,
    )


def connection_refusal(connection: EndpointConnection, action: str) -> str:
    """Why ``action`` is refused now: always names the current state."""
    state = connection.status
    if state in EndpointConnection.SETTLES_TO:
        return f"The connection is {state}; wait until it is {connection.SETTLES_TO[state]}."
    if state == C.DELETING:
        return "The connection is Deleting: its endpoint is being deleted."
    if state == C.SERVICE_DELETED:
        return "The connection is ServiceDeleted: its endpoint service no longer exists."
    return {
        "allow": f"The connection is {state}; only a Disconnected connection can be allowed.",
        "deny": f"The connection is {state}; only a Connected connection or a connection "
        "request can be denied.",
        "bandwidth": f"The connection is {state}; the bandwidth can be changed only while it "
        "is Connected.",
    }[action]


def connection_allow(
    *,
    account: Account,
    actor: Actor = None,
    service: EndpointService,
    connection: EndpointConnection,
    auto_allocate: bool = False,
) -> EndpointConnection:
    """Allow: Disconnected → Connecting; the worker completes it (→ Connected)."""
    return _provider_transition(
        account=account,
        actor=actor,
        service=service,
        connection=connection,
        method_name="allow",
        action="allow",
        refusal="allow",
        message="Service resources allocated automatically." if auto_allocate else "",
        auto_allocate=bool(auto_allocate),
    )


def connection_deny(
    *,
    account: Account,
    actor: Actor = None,
    service: EndpointService,
    connection: EndpointConnection,
) -> EndpointConnection:
    """Deny: Connected → Disconnecting; a request not yet allowed stays Disconnected."""
    return _provider_transition(
        account=account,
        actor=actor,
        service=service,
        connection=connection,
        method_name=lambda c: "reject" if c.status == C.DISCONNECTED else "deny",
        action="deny",
        refusal="deny",
    )


def connection_change_bandwidth(
    *,
    account: Account,
    actor: Actor = None,
    service: EndpointService,
    connection: EndpointConnection,
    bandwidth: int | str,
) -> EndpointConnection:
    """Connected → Pending → Connected with the new bandwidth (range by resource type)."""
    low, high = service.bandwidth_range
    bandwidth = validators.bandwidth(bandwidth, low, high)
    return _provider_transition(
        account=account,
        actor=actor,
        service=service,
        connection=connection,
        method_name="change_bandwidth",
        action="change bandwidth",
        refusal="bandwidth",
        message=f"{bandwidth} Mbps",
        bandwidth=bandwidth,
    )


# --- what depends on other resources ----------------------------------------------------------


def _load_balancer_dependents(instance: ClbInstance | AlbInstance) -> list[str]:
    field = "clb_id" if isinstance(instance, ClbInstance) else "alb_id"
    ids = sorted(
        set(
            ServiceResource.objects.filter(**{field: instance.pk}).values_list(
                "service_id", flat=True
            )
        )
    )
    return [f"it is the service resource of endpoint service {', '.join(ids)}"] if ids else []


def _vswitch_dependents(vswitch: VSwitch) -> list[str]:
    rows = list(
        EndpointZone.objects.filter(vswitch=vswitch).values_list("endpoint_id", "eni_id")[:3]
    )
    if not rows:
        return []
    return ["endpoint ENIs are in it: " + ", ".join(f"{eni} of {ep}" for ep, eni in rows)]


def _security_group_dependents(group: SecurityGroup) -> list[str]:
    ids = list(group.endpoints.values_list("id", flat=True)[:3])
    return [f"endpoints {', '.join(ids)} use it"] if ids else []


def _vpc_dependents(vpc: Vpc) -> list[str]:
    ids = list(vpc.endpoints.values_list("id", flat=True)[:3])
    return [f"endpoints {', '.join(ids)} are in it"] if ids else []


def _service_advanced(service: EndpointService, from_state: str) -> None:
    if from_state == EndpointService.Status.DELETING:
        endpoint_service_finish_delete(service=service)


def _endpoint_advanced(endpoint: Endpoint, from_state: str) -> None:
    if from_state == Endpoint.Status.DELETING:
        endpoint_release_addresses(endpoint=endpoint)
    else:
        endpoint_zones_settle(endpoint=endpoint)


def _connection_changed(connection: EndpointConnection, from_state: str) -> None:
    """Whoever moved the connection (provider, worker, system), its zones follow."""
    _sync_zones(connection.endpoint, connection)


lifecycle.after(EndpointService, _service_advanced)
lifecycle.after(Endpoint, _endpoint_advanced)
lifecycle.on_change(EndpointConnection, _connection_changed)
lifecycle.register_delete_guard(ClbInstance, _load_balancer_dependents)
lifecycle.register_delete_guard(AlbInstance, _load_balancer_dependents)
lifecycle.register_delete_guard(VSwitch, _vswitch_dependents)
lifecycle.register_delete_guard(SecurityGroup, _security_group_dependents)
lifecycle.register_delete_guard(Vpc, _vpc_dependents)
