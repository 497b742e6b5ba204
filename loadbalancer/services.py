"""Every write to load balancers: atomic, validated, recorded; follow-up work on commit."""

from collections.abc import Callable, Iterable

from django.contrib.auth.base_user import AbstractBaseUser
from django.db import IntegrityError, models, transaction
from django.utils import timezone

from console import lifecycle
from console import validators as console_validators
from console.errors import ConsoleError
from console.ids import generate_id
from console.models import Account, EcsInstance, Region, Vpc, VSwitch, Zone
from console.services import private_ip_allocate, private_ip_release, same_account

from . import validators
from .models import (
    AlbBackend,
    AlbInstance,
    AlbListener,
    AlbServerGroup,
    AlbZoneMapping,
    ClbBackend,
    ClbInstance,
    ClbListener,
    port_family,
)

# Who asks for a change: a console login's user, or None for the system (worker, labs).
Actor = AbstractBaseUser | None
# An ALB's zones: ``[(zone, vSwitch of that zone, or None if none was chosen)]``.
ZoneMappings = list[tuple[Zone, VSwitch | None]]

MIN_ALB_ZONES, MAX_ALB_ZONES = 2, 10


def _require_available_vpc(vpc: Vpc, field: str = "vpc") -> None:
    if vpc.status != Vpc.Status.AVAILABLE:
        raise ConsoleError(
            f"The VPC {vpc.display_name} is {vpc.status}; wait until it is Available.",
            field=field,
        )


def _choice(
    value: str, choices: "type[models.Choices] | _Choices", message: str, field: str
) -> str:
    if value not in choices.values:
        raise ConsoleError(message, field=field)
    return value


def _require_active(lb: ClbInstance | AlbInstance, what: str) -> None:
    if not lb.is_active:
        raise ConsoleError(
            f"The {what} {lb.id} is {lb.status}; wait until it is Active.", code="IncorrectStatus"
        )


# --- CLB -----------------------------------------------------------------------------------


def _check_clb_choices(
    billing_method: str, zone_type: str, specification: str, address_type: str, ip_version: str
) -> None:
    C = ClbInstance
    _choice(billing_method, C.BillingMethod, "Choose a billing method.", "billing_method")
    _choice(zone_type, C.ZoneType, "Choose Single-zone or Multi-zone.", "zone_type")
    _choice(specification, C.Specification, "Choose a specification.", "specification")
    _choice(address_type, C.AddressType, "Choose Internet or Intranet.", "address_type")
    _choice(ip_version, C.IpVersion, "Choose IPv4 or IPv6.", "ip_version")


def _clb_backup_zone(
    region: Region, zone: Zone, zone_type: str, backup_zone: Zone | None
) -> Zone | None:
    """The primary zone checked; the backup zone of a Multi-zone CLB checked (else None)."""
    if zone.region_id != region.pk:
        raise ConsoleError(f"Choose a zone of {region.name}.", field="zone")
    if not zone.supports_clb:
        raise ConsoleError(f"{zone.name} does not offer CLB; choose another zone.", field="zone")
    if zone_type != ClbInstance.ZoneType.MULTI:
        return None
    if backup_zone is None:
        raise ConsoleError("A Multi-zone instance needs a backup zone.", field="backup_zone")
    if backup_zone.region_id != region.pk:
        raise ConsoleError(f"Choose a zone of {region.name}.", field="backup_zone")
    if backup_zone.pk == zone.pk:
        raise ConsoleError(
            "The backup zone must differ from the primary zone.", field="backup_zone"
        )
    return backup_zone


def _check_clb_network(region: Region, zone: Zone, vpc: Vpc, vswitch: VSwitch) -> None:
    """The VPC is of the region and Available; the vSwitch is of the VPC, in the primary zone."""
    if vpc.region_id != region.pk:
        raise ConsoleError(f"Choose a VPC of {region.name}.", field="vpc")
    _require_available_vpc(vpc)
    if vswitch.vpc_id != vpc.pk:
        raise ConsoleError("Choose a vSwitch of the selected VPC.", field="vswitch")
    if vswitch.zone_id != zone.pk:
        raise ConsoleError(
            f"The vSwitch {vswitch.display_name} is in {vswitch.zone.name}; choose a vSwitch "
            f"in the primary zone {zone.name}.",
            field="vswitch",
        )


@transaction.atomic
def clb_create(
    *,
    account: Account,
    actor: Actor = None,
    region: Region,
    zone: Zone,
    vpc: Vpc,
    vswitch: VSwitch,
    specification: str,
    billing_method: str = ClbInstance.BillingMethod.PAY_AS_YOU_GO,
    zone_type: str = ClbInstance.ZoneType.SINGLE,
    backup_zone: Zone | None = None,
    name: str = "",
    address_type: str = ClbInstance.AddressType.INTRANET,
    network_type: str = ClbInstance.NetworkType.VPC,
    ip_version: str = ClbInstance.IpVersion.IPV4,
) -> ClbInstance:
    """Buy a CLB: Creating until the worker makes it Active; its address is a vSwitch IP."""
    same_account(account, vpc, vswitch)
    _check_clb_choices(billing_method, zone_type, specification, address_type, ip_version)
    if network_type != ClbInstance.NetworkType.VPC:
        raise ConsoleError("The classic network is not available; choose VPC.", field="network")
    name = validators.clb_name(name) or "auto_named_slb"
    backup_zone = _clb_backup_zone(region, zone, zone_type, backup_zone)
    _check_clb_network(region, zone, vpc, vswitch)
    clb = ClbInstance(
        account=account,
        region=region,
        name=name,
        billing_method=billing_method,
        zone_type=zone_type,
        zone=zone,
        backup_zone=backup_zone,
        specification=specification,
        address_type=address_type,
        network_type=network_type,
        vpc=vpc,
        vswitch=vswitch,
        ip_version=ip_version,
    )
    clb.id = generate_id(ClbInstance.id_prefix)
    clb.address = private_ip_allocate(vswitch=vswitch, holder_id=clb.id, field="vswitch")
    clb.save()
    lifecycle.record_event(clb, "create", actor=actor, to_state=clb.status)
    lifecycle.schedule_advance(clb)
    return clb


@transaction.atomic
def clb_delete(*, account: Account, actor: Actor = None, instance: ClbInstance) -> None:
    same_account(account, instance)
    locked = lifecycle.lock(ClbInstance, instance.pk)
    if locked.is_transitional:
        raise lifecycle.refusal(locked, "deleted")
    lifecycle.ensure_deletable(locked)
    lifecycle.record_event(locked, "delete", actor=actor, from_state=locked.status)
    private_ip_release(holder_id=locked.id)
    locked.delete()


def listener_port_taken(clb: ClbInstance, protocol: str, port: int) -> bool:
    return ClbListener.objects.filter(
        clb=clb, port_family=port_family(protocol), port=port
    ).exists()


def _port_taken_error(protocol: str, port: int, field: str = "port") -> ConsoleError:
    family = "UDP" if port_family(protocol) == "udp" else "TCP/HTTP/HTTPS"
    return ConsoleError(
        f"Port {port} is already used by a {family} listener of this instance.", field=field
    )


def _backend_instances(
    account: Account, vpc: Vpc, instance_ids: Iterable[str], field: str = "servers"
) -> dict[str, EcsInstance]:
    """The account's instances of ``vpc`` by ID; a forged or foreign ID is refused."""
    ids = list(dict.fromkeys(instance_ids))
    found = {
        i.pk: i for i in EcsInstance.objects.for_account(account).filter(pk__in=ids, vpc_id=vpc.pk)
    }
    missing = [i for i in ids if i not in found]
    if missing:
        raise ConsoleError(
            f"The instance {missing[0]} is not an ECS instance of VPC {vpc.id} in this account.",
            field=field,
        )
    return found


@transaction.atomic
def _checked_servers(
    account: Account,
    clb: ClbInstance,
    servers: list[tuple[str, int | str, int | str]],
    *,
    required: bool = True,
) -> list[tuple[EcsInstance, int, int]]:
    """``[(instance_id, weight, port)]`` checked: ``[(instance, weight, port)]`` of the VPC."""
    if not servers:
        if not required:
            return []
        raise ConsoleError("Add at least one server to the default server group.", field="servers")
    found = _backend_instances(account, clb.vpc, [s[0] for s in servers])
    return [
        (
            found[instance_id],
            validators.weight(weight, field="servers"),
            console_validators.port(backend_port, field="servers"),
        )
        for instance_id, weight, backend_port in servers
    ]


def _add_clb_backends(
    account: Account, listener: ClbListener, checked: list[tuple[EcsInstance, int, int]]
) -> None:
    health = ClbBackend.Health.ABNORMAL if listener.is_checking else ClbBackend.Health.UNAVAILABLE
    ClbBackend.objects.bulk_create(
        ClbBackend(
            account=account,
            listener=listener,
            instance=instance,
            weight=weight,
            port=backend_port,
            health_status=health,
        )
        for instance, weight, backend_port in checked
    )


def _submitted_before(
    model: type[ClbListener] | type[AlbListener], wizard_token: str | None, **scope: object
) -> ClbListener | AlbListener | None:
    """The listener an earlier submit of the same wizard (``wizard_token``) created, if any."""
    if not wizard_token:
        return None
    return model.objects.filter(wizard_token=wizard_token, **scope).first()


def _save_new_listener(
    listener: ClbListener | AlbListener, wizard_token: str | None, port_taken: ConsoleError
) -> ClbListener | AlbListener:
    """Save ``listener``; the twin of a concurrent submit of the same wizard if that won the
    race, else ``port_taken`` if another listener took the port meanwhile."""
    try:
        with transaction.atomic():
            listener.save()
    except IntegrityError:
        model = type(listener)
        existing = wizard_token and model.objects.filter(wizard_token=wizard_token).first()
        if existing:
            return existing
        raise port_taken from None
    return listener


def _check_clb_listener(
    account: Account,
    clb: ClbInstance,
    protocol: str,
    port: int | str,
    servers: list[tuple[str, int | str, int | str]],
    require_servers: bool,
    health_check_protocol: str,
) -> tuple[int, list]:
    """What a new CLB listener needs before it is built: an Active CLB, a protocol, a free
    port, servers of the CLB's VPC (``[(instance, weight, port)]``), a health check protocol.
    """
    _require_active(clb, "CLB instance")
    _choice(protocol, ClbListener.Protocol, "Choose TCP, UDP, HTTP or HTTPS.", "protocol")
    port = console_validators.port(port, field="port")
    if listener_port_taken(clb, protocol, port):
        raise _port_taken_error(protocol, port)
    checked = _checked_servers(account, clb, servers, required=require_servers)
    if health_check_protocol not in ("TCP", "HTTP"):
        raise ConsoleError("Choose TCP or HTTP.", field="health_check_protocol")
    return port, checked


def _clb_health_check(
    enabled: bool,
    protocol: str,
    port: int | str | None,
    path: str,
    codes: Iterable[str],
    interval: int | str,
    healthy_threshold: int | str,
    unhealthy_threshold: int | str,
) -> dict:
    """The validated health check fields of a CLB listener (``protocol`` checked before)."""
    return {
        "health_check_enabled": bool(enabled),
        "health_check_protocol": protocol,
        "health_check_port": (
            console_validators.port(port, field="health_check_port") if port else None
        ),
        "health_check_path": validators.health_check_path(path),
        "health_check_codes": validators.healthy_codes(list(codes)),
        "health_check_interval": validators.interval(interval),
        "healthy_threshold": validators.threshold(healthy_threshold, field="healthy_threshold"),
        "unhealthy_threshold": validators.threshold(
            unhealthy_threshold, field="unhealthy_threshold"
        ),
    }


def clb_listener_create(
    *,
    account: Account,
    actor: Actor = None,
    clb: ClbInstance,
    protocol: str,
    port: int | str,
    servers: list[tuple[str, int | str, int | str]],
    name: str = "",
    health_check_enabled: bool = True,
    health_check_protocol: str = "TCP",
    health_check_port: int | str | None = None,
    health_check_path: str = "/",
    health_check_codes: Iterable[str] = ("http_2xx", "http_3xx"),
    health_check_interval: int | str = 2,
    healthy_threshold: int | str = 3,
    unhealthy_threshold: int | str = 3,
    wizard_token: str | None = None,
    require_servers: bool = True,
) -> ClbListener:
    """Create a running listener with its default server group.

    ``servers``: ``[(instance_id, weight, port)]``. Submitting the same wizard twice
    (``wizard_token``) returns the listener the first submit created. The API adds servers
    after creating the listener (``require_servers=False``), as the cloud's does.
    """
    same_account(account, clb)
    existing = _submitted_before(ClbListener, wizard_token, clb=clb)
    if existing is not None:
        return existing
    port, checked = _check_clb_listener(
        account, clb, protocol, port, servers, require_servers, health_check_protocol
    )
    listener = ClbListener(
        account=account,
        clb=clb,
        protocol=protocol,
        port=port,
        name=validators.listener_name(name),
        **_clb_health_check(
            health_check_enabled,
            health_check_protocol,
            health_check_port,
            health_check_path,
            health_check_codes,
            health_check_interval,
            healthy_threshold,
            unhealthy_threshold,
        ),
        wizard_token=wizard_token or None,
        next_probe_at=timezone.now(),
    )
    saved = _save_new_listener(listener, wizard_token, _port_taken_error(protocol, port))
    if saved is not listener:
        return saved
    _add_clb_backends(account, listener, checked)
    message = f"{protocol}:{port} with {len(checked)} backend server(s)"
    lifecycle.record_event(clb, "create listener", actor=actor, message=message)
    _probe_soon_clb(listener)
    return listener


@transaction.atomic
def clb_listener_add_backends(
    *,
    account: Account,
    actor: Actor = None,
    listener: ClbListener,
    servers: list[tuple[str, int | str, int | str]],
) -> list[ClbBackend]:
    """Add ``servers`` (``[(instance_id, weight, port)]``) to a listener's default server
    group; a server already in it (same instance and port) is left as it is."""
    same_account(account, listener)
    locked = ClbListener.objects.select_for_update().filter(pk=listener.pk).first()
    if locked is None:
        raise ConsoleError("The listener no longer exists.", code="NotFound")
    found = _backend_instances(account, locked.clb.vpc, [s[0] for s in servers])
    present = set(locked.backends.values_list("instance_id", "port"))
    health = ClbBackend.Health.ABNORMAL if locked.is_checking else ClbBackend.Health.UNAVAILABLE
    added = []
    for instance_id, weight, port in servers:
        port = console_validators.port(port, field="servers")
        weight = validators.weight(weight, field="servers")
        if (instance_id, port) in present:
            continue
        present.add((instance_id, port))
        added.append(
            ClbBackend(
                account=account,
                listener=locked,
                instance=found[instance_id],
                weight=weight,
                port=port,
                health_status=health,
            )
        )
    ClbBackend.objects.bulk_create(added)
    if added:
        lifecycle.record_event(
            locked.clb,
            "add backend servers",
            actor=actor,
            message=f"{locked}: " + ", ".join(f"{b.instance_id}:{b.port}" for b in added),
        )
        _probe_soon_clb(locked)
    return added


@transaction.atomic
def clb_listener_remove_backends(
    *, account: Account, actor: Actor = None, listener: ClbListener, instance_ids: list[str]
) -> int:
    """Remove the instances ``instance_ids`` from a listener's default server group."""
    same_account(account, listener)
    removed, _ = ClbBackend.objects.filter(listener=listener, instance_id__in=instance_ids).delete()
    if removed:
        lifecycle.record_event(
            listener.clb,
            "remove backend servers",
            actor=actor,
            message=f"{listener}: " + ", ".join(instance_ids),
        )
    return removed


def _probe_soon_clb(listener: ClbListener) -> None:
    if listener.is_checking:
        from .tasks import probe_listener

        lifecycle.enqueue(probe_listener, listener.pk)


def _set_listener_state(
    listener: ClbListener, method: str, actor: Actor, refused: Callable[[ClbListener], str]
) -> ClbListener:
    locked = lifecycle.transition(
        listener,
        method,
        actor=actor,
        action=f"{method} listener",
        refused=refused,
        message=str(listener),
        fields={"next_probe_at": timezone.now()},
        record_on=lambda li: li.clb,
    )
    if locked.is_checking:
        # Checks start afresh: a backend must prove itself healthy again.
        locked.backends.update(
            health_status=ClbBackend.Health.ABNORMAL, consecutive_ok=0, consecutive_failed=0
        )
    else:
        locked.backends.update(
            health_status=ClbBackend.Health.UNAVAILABLE, consecutive_ok=0, consecutive_failed=0
        )
    return locked


@transaction.atomic
def clb_listener_stop(
    *, account: Account, actor: Actor = None, listener: ClbListener
) -> ClbListener:
    same_account(account, listener)
    return _set_listener_state(
        listener,
        "stop",
        actor,
        lambda li: f"The listener {li} is {li.status}; only a Running listener can be stopped.",
    )


@transaction.atomic
def clb_listener_start(
    *, account: Account, actor: Actor = None, listener: ClbListener
) -> ClbListener:
    same_account(account, listener)
    locked = _set_listener_state(
        listener,
        "start",
        actor,
        lambda li: f"The listener {li} is {li.status}; only a Stopped listener can be started.",
    )
    _probe_soon_clb(locked)
    return locked


@transaction.atomic
def clb_listener_delete(*, account: Account, actor: Actor = None, listener: ClbListener) -> None:
    same_account(account, listener)
    lifecycle.record_event(listener.clb, "delete listener", actor=actor, message=str(listener))
    listener.delete()


# --- ALB -----------------------------------------------------------------------------------


def _check_alb_zones(region: Region, vpc: Vpc, zone_mappings: ZoneMappings) -> None:
    """Two to ten distinct zones of the region that offer ALB, each with a vSwitch of the VPC
    in that zone; errors name the zone's own checkbox or vSwitch field."""
    zones = [z for z, _ in zone_mappings]
    if len({z.pk for z in zones}) != len(zones):
        raise ConsoleError("Choose each zone once.", field="zones")
    if not (MIN_ALB_ZONES <= len(zones) <= MAX_ALB_ZONES):
        raise ConsoleError(
            f"Select at least {MIN_ALB_ZONES} zones (at most {MAX_ALB_ZONES}), each with a "
            "vSwitch, so that the ALB stays available when a zone fails.",
            field="zones",
        )
    for zone, vswitch in zone_mappings:
        field = zone_field("vswitch", zone)
        if zone.region_id != region.pk:
            raise ConsoleError(f"Choose zones of {region.name}.", field="zones")
        if not zone.supports_alb:
            raise ConsoleError(f"{zone.name} does not offer ALB.", field=zone_field("zone", zone))
        if vswitch is None:
            raise ConsoleError(f"Choose a vSwitch in {zone.name}.", field=field)
        if vswitch.vpc_id != vpc.pk or vswitch.zone_id != zone.pk:
            raise ConsoleError(f"Choose a vSwitch of the selected VPC in {zone.name}.", field=field)


def _alb_zone_mappings(alb: AlbInstance, zone_mappings: ZoneMappings) -> list[AlbZoneMapping]:
    """The ALB's zone mappings, unsaved, each with a private IP of its vSwitch allocated."""
    return [
        AlbZoneMapping(
            alb=alb,
            zone=zone,
            vswitch=vswitch,
            address=private_ip_allocate(
                vswitch=vswitch, holder_id=alb.id, field=zone_field("vswitch", zone)
            ),
        )
        for zone, vswitch in zone_mappings
    ]


@transaction.atomic
def alb_create(
    *,
    account: Account,
    actor: Actor = None,
    region: Region,
    vpc: Vpc,
    zone_mappings: ZoneMappings,
    name: str,
    network_type: str = AlbInstance.NetworkType.INTERNAL,
    ip_mode: str = AlbInstance.IpMode.STATIC,
    edition: str = AlbInstance.Edition.BASIC,
    resource_group: str = "",
) -> AlbInstance:
    """Buy an ALB: Provisioning until the worker makes it Active.

    ``zone_mappings``: ``[(zone, vswitch)]``, two to ten zones; each gets a private IP.
    """
    same_account(account, vpc, *[v for _, v in zone_mappings if v is not None])
    A = AlbInstance
    _choice(network_type, A.NetworkType, "Choose Internet or Internal.", "network_type")
    _choice(ip_mode, A.IpMode, "Choose Static IP or Dynamic IP.", "ip_mode")
    _choice(edition, A.Edition, "Choose Basic, Standard or WAF-enabled.", "edition")
    name = validators.alb_name(name)
    if vpc.region_id != region.pk:
        raise ConsoleError(f"Choose a VPC of {region.name}.", field="vpc")
    _require_available_vpc(vpc)
    _check_alb_zones(region, vpc, zone_mappings)
    alb = AlbInstance(
        account=account,
        region=region,
        name=name,
        network_type=network_type,
        vpc=vpc,
        ip_mode=ip_mode,
        edition=edition,
        resource_group=resource_group or AlbInstance._meta.get_field("resource_group").default,
    )
    alb.id = generate_id(AlbInstance.id_prefix)
    mappings = _alb_zone_mappings(alb, zone_mappings)
    alb.save()
    AlbZoneMapping.objects.bulk_create(mappings)
    lifecycle.record_event(alb, "create", actor=actor, to_state=alb.status)
    lifecycle.schedule_advance(alb)
    return alb


def zone_field(prefix: str, zone: Zone) -> str:
    """The form field of a zone's checkbox / vSwitch select: ``vswitch_cn_hangzhou_h``."""
    return f"{prefix}_{zone.pk.replace('-', '_')}"


@transaction.atomic
def alb_delete(*, account: Account, actor: Actor = None, instance: AlbInstance) -> None:
    same_account(account, instance)
    locked = lifecycle.lock(AlbInstance, instance.pk)
    if locked.is_transitional:
        raise lifecycle.refusal(locked, "deleted")
    lifecycle.ensure_deletable(locked)
    lifecycle.record_event(locked, "delete", actor=actor, from_state=locked.status)
    private_ip_release(holder_id=locked.id)
    locked.delete()


def _health_check_settings(data: dict) -> dict:
    """Validated health check fields of a server group from ``data`` (defaults filled)."""
    return {
        "health_check_enabled": bool(data.get("health_check_enabled", True)),
        "health_check_protocol": _choice(
            data.get("health_check_protocol", "HTTP"),
            HEALTH_CHECK_PROTOCOLS,
            "Choose HTTP, HTTPS or TCP.",
            "health_check_protocol",
        ),
        "health_check_path": validators.health_check_path(data.get("health_check_path", "/")),
        "health_check_method": _choice(
            data.get("health_check_method", "HEAD"),
            HEALTH_CHECK_METHODS,
            "Choose HEAD or GET.",
            "health_check_method",
        ),
        "health_check_codes": validators.healthy_codes(
            data.get("health_check_codes", ["http_2xx", "http_3xx"])
        ),
        "health_check_interval": validators.interval(data.get("health_check_interval", 2)),
        "health_check_timeout": validators.timeout(data.get("health_check_timeout", 5)),
        "healthy_threshold": validators.threshold(
            data.get("healthy_threshold", 3), field="healthy_threshold"
        ),
        "unhealthy_threshold": validators.threshold(
            data.get("unhealthy_threshold", 3), field="unhealthy_threshold"
        ),
    }


class _Choices:
    def __init__(self, *values: str) -> None:
        self.values = list(values)


HEALTH_CHECK_PROTOCOLS = _Choices("HTTP", "HTTPS", "TCP")
HEALTH_CHECK_METHODS = _Choices("HEAD", "GET")


@transaction.atomic
def _sticky_session(
    enabled: bool, session_type: str, cookie_timeout: int | str | None, cookie_name: str | None
) -> dict:
    """The session persistence settings: only those of the chosen mode are kept (and checked).

    The fields of a mode not chosen are hidden on the page; whatever they hold is ignored, so
    a stale or hostile value never reaches the database.
    """
    G = AlbServerGroup
    defaults = {
        "sticky_session_enabled": False,
        "sticky_session_type": G.StickySessionType.INSERT,
        "cookie_timeout": 1000,
        "cookie_name": "",
    }
    if not enabled:
        return defaults
    _choice(
        session_type,
        G.StickySessionType,
        "Choose Insert cookie or Server cookie.",
        "sticky_session_type",
    )
    defaults.update(sticky_session_enabled=True, sticky_session_type=session_type)
    if session_type == G.StickySessionType.INSERT:
        defaults["cookie_timeout"] = console_validators.int_range(
            1000 if cookie_timeout in (None, "") else cookie_timeout,
            1,
            86400,
            field="cookie_timeout",
            what="cookie timeout",
        )
        return defaults
    cookie_name = str(cookie_name or "").strip()
    if not (1 <= len(cookie_name) <= 200) or " " in cookie_name:
        raise ConsoleError(
            "Enter the cookie name: 1 to 200 characters, without spaces.", field="cookie_name"
        )
    defaults["cookie_name"] = cookie_name
    return defaults


def server_group_create(
    *,
    account: Account,
    actor: Actor = None,
    vpc: Vpc,
    name: str,
    server_group_type: str = AlbServerGroup.GroupType.INSTANCE,
    protocol: str = AlbServerGroup.Protocol.HTTP,
    scheduler: str = AlbServerGroup.Scheduler.WRR,
    resource_group: str = "",
    sticky_session_enabled: bool = False,
    sticky_session_type: str = AlbServerGroup.StickySessionType.INSERT,
    cookie_timeout: int | str | None = 1000,
    cookie_name: str = "",
    **health_check: object,
) -> AlbServerGroup:
    """Create an ALB server group in ``vpc``; health check settings as keyword arguments."""
    same_account(account, vpc)
    G = AlbServerGroup
    _choice(server_group_type, G.GroupType, "Choose a server group type.", "server_group_type")
    _choice(protocol, G.Protocol, "Choose HTTP, HTTPS or gRPC.", "protocol")
    _choice(scheduler, G.Scheduler, "Choose a scheduling algorithm.", "scheduler")
    name = console_validators.display_name((name or "").strip(), field="name")
    session = _sticky_session(
        sticky_session_enabled, sticky_session_type, cookie_timeout, cookie_name
    )
    group = AlbServerGroup(
        account=account,
        region_id=vpc.region_id,
        vpc=vpc,
        name=name,
        server_group_type=server_group_type,
        protocol=protocol,
        scheduler=scheduler,
        resource_group=resource_group or AlbServerGroup._meta.get_field("resource_group").default,
        **session,
        **_health_check_settings(health_check),
    )
    group.save()
    lifecycle.record_event(group, "create", actor=actor, to_state=group.status)
    return group


def _server_group_dependents(group: AlbServerGroup) -> list[str]:
    listeners = list(group.listeners.values_list("id", flat=True)[:3])
    if listeners:
        return [f"listeners {', '.join(listeners)} forward to it"]
    return []


lifecycle.register_delete_guard(AlbServerGroup, _server_group_dependents)


@transaction.atomic
def server_group_delete(*, account: Account, actor: Actor = None, group: AlbServerGroup) -> None:
    same_account(account, group)
    lifecycle.ensure_deletable(group)
    lifecycle.record_event(group, "delete", actor=actor)
    group.delete()


@transaction.atomic
def server_group_add_backends(
    *,
    account: Account,
    actor: Actor = None,
    group: AlbServerGroup,
    servers: list[tuple[str, int | str, int | str]],
) -> list[AlbBackend]:
    """Add ``servers`` (``[(instance_id, port, weight)]``): each is Adding, then Available."""
    same_account(account, group)
    if not servers:
        raise ConsoleError("Select at least one server.", field="servers")
    found = _backend_instances(account, group.vpc, [s[0] for s in servers])
    rows = []
    seen = set()
    for instance_id, port, weight in servers:
        port = console_validators.port(port, field=f"port_{instance_id}")
        weight = validators.weight(weight, field=f"weight_{instance_id}")
        if (instance_id, port) in seen or group.backends.filter(
            instance_id=instance_id, port=port
        ).exists():
            raise ConsoleError(
                f"{found[instance_id].display_name} is already a backend server on port {port}.",
                field=f"port_{instance_id}",
            )
        seen.add((instance_id, port))
        rows.append(
            AlbBackend(
                account=account,
                server_group=group,
                instance=found[instance_id],
                port=port,
                weight=weight,
                health_status=(
                    AlbBackend.Health.UNHEALTHY
                    if group.is_checking
                    else AlbBackend.Health.UNAVAILABLE
                ),
            )
        )
    created = []
    for backend in rows:
        backend.save()
        lifecycle.schedule_advance(backend)
        created.append(backend)
    AlbServerGroup.objects.filter(pk=group.pk).update(next_probe_at=timezone.now())
    lifecycle.record_event(
        group,
        "add backend servers",
        actor=actor,
        message=", ".join(f"{b.instance_id}:{b.port} weight {b.weight}" for b in created),
    )
    return created


def alb_backend_remove(*, account: Account, actor: Actor = None, backend: AlbBackend) -> AlbBackend:
    same_account(account, backend)
    return lifecycle.transition(
        backend,
        "remove",
        actor=actor,
        refused=lambda b: f"The backend server is {b.status}; it is already being removed.",
    )


@transaction.atomic
def alb_listener_create(
    *,
    account: Account,
    actor: Actor = None,
    alb: AlbInstance,
    protocol: str,
    port: int | str,
    server_group: AlbServerGroup,
    name: str = "",
    idle_timeout: int | str = 15,
    request_timeout: int | str = 60,
    wizard_token: str | None = None,
) -> AlbListener:
    """Create a listener (Provisioning → Running) forwarding to ``server_group``."""
    same_account(account, alb, server_group)
    existing = _submitted_before(AlbListener, wizard_token, alb=alb)
    if existing is not None:
        return existing
    _require_active(alb, "ALB instance")
    _choice(protocol, AlbListener.Protocol, "Choose HTTP, HTTPS or QUIC.", "protocol")
    port = console_validators.port(port, field="port")
    if alb.listeners.filter(port=port).exists():
        raise ConsoleError(f"Port {port} is already used by a listener of this ALB.", field="port")
    if server_group.vpc_id != alb.vpc_id:
        raise ConsoleError(
            "Choose a server group of the ALB's VPC.", field="server_group", code="NotFound"
        )
    listener = AlbListener(
        account=account,
        region_id=alb.region_id,
        alb=alb,
        protocol=protocol,
        port=port,
        name=validators.listener_name(name),
        idle_timeout=console_validators.int_range(
            idle_timeout, 1, 60, field="idle_timeout", what="idle timeout"
        ),
        request_timeout=console_validators.int_range(
            request_timeout, 1, 180, field="request_timeout", what="request timeout"
        ),
        server_group=server_group,
        wizard_token=wizard_token or None,
    )
    port_taken = ConsoleError(
        f"Port {port} is already used by a listener of this ALB.", field="port"
    )
    saved = _save_new_listener(listener, wizard_token, port_taken)
    if saved is not listener:
        return saved
    lifecycle.record_event(listener, "create", actor=actor, to_state=listener.status)
    lifecycle.record_event(alb, "create listener", actor=actor, message=f"{protocol}:{port}")
    lifecycle.schedule_advance(listener)
    return listener


def _alb_listener_action(
    listener: AlbListener, method: str, actor: Actor, refused: Callable[[AlbListener], str]
) -> AlbListener:
    return lifecycle.transition(listener, method, actor=actor, refused=refused)


def alb_listener_stop(
    *, account: Account, actor: Actor = None, listener: AlbListener
) -> AlbListener:
    same_account(account, listener)
    return _alb_listener_action(
        listener,
        "stop",
        actor,
        lambda li: f"The listener {li.id} is {li.status}; only a Running listener can be stopped.",
    )


def alb_listener_start(
    *, account: Account, actor: Actor = None, listener: AlbListener
) -> AlbListener:
    same_account(account, listener)
    return _alb_listener_action(
        listener,
        "start",
        actor,
        lambda li: f"The listener {li.id} is {li.status}; only a Stopped listener can be started.",
    )


@transaction.atomic
def alb_listener_delete(*, account: Account, actor: Actor = None, listener: AlbListener) -> None:
    same_account(account, listener)
    lifecycle.record_event(listener.alb, "delete listener", actor=actor, message=listener.id)
    listener.delete()


# --- what depends on other resources -----------------------------------------------------------


def _instance_dependents(instance: EcsInstance) -> list[str]:
    reasons = []
    clb = sorted(
        {
            f"{lb} ({proto}:{port})"
            for lb, proto, port in ClbBackend.objects.filter(instance=instance).values_list(
                "listener__clb_id", "listener__protocol", "listener__port"
            )
        }
    )
    if clb:
        reasons.append(f"it is a backend server of CLB {', '.join(clb[:3])}")
    groups = sorted(
        set(AlbBackend.objects.filter(instance=instance).values_list("server_group_id", flat=True))
    )
    if groups:
        reasons.append(f"it is a backend server of server group {', '.join(groups[:3])}")
    return reasons


def _vpc_dependents(vpc: Vpc) -> list[str]:
    reasons = []
    for label, queryset in (
        ("CLB instances", vpc.clb_instances),
        ("ALB instances", vpc.alb_instances),
        ("ALB server groups", vpc.alb_server_groups),
    ):
        ids = list(queryset.values_list("id", flat=True)[:3])
        if ids:
            reasons.append(f"{label} {', '.join(ids)} use it")
    return reasons


def _vswitch_dependents(vswitch: VSwitch) -> list[str]:
    ids = sorted(
        set(vswitch.clb_instances.values_list("id", flat=True))
        | set(vswitch.alb_mappings.values_list("alb_id", flat=True))
    )
    return [f"load balancers {', '.join(ids[:3])} use it"] if ids else []


def _backend_advanced(backend: AlbBackend, from_state: str) -> None:
    """A backend server that finished Removing is gone."""
    if from_state == AlbBackend.Status.REMOVING:
        backend.delete()


lifecycle.after(AlbBackend, _backend_advanced)
lifecycle.register_delete_guard(EcsInstance, _instance_dependents)
lifecycle.register_delete_guard(Vpc, _vpc_dependents)
lifecycle.register_delete_guard(VSwitch, _vswitch_dependents)
