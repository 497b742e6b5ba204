"""Every write to accounts and base resources. Each service is atomic and validates."""

import ipaddress
from collections.abc import Sequence

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.db import IntegrityError, models, transaction
from django.utils import timezone

from . import lifecycle, validators
from .errors import ConsoleError
from .ids import generate_id
from .models import (
    Account,
    EcsInstance,
    PrivateIp,
    Region,
    SecurityGroup,
    SecurityGroupRule,
    Ticket,
    Vpc,
    VSwitch,
    Zone,
)

# Who asks for a change: a console login's user, or None for the system (worker, labs).
Actor = AbstractBaseUser | None


def same_account(account: Account, *objects: models.Model | None) -> None:
    """Refuse objects of another account even if an ID was forged into the request."""
    for obj in objects:
        if obj is not None and obj.account_id != account.pk:
            raise ConsoleError("The specified resource does not exist.", code="NotFound")


def _require_available(vpc: Vpc, field: str) -> None:
    if vpc.status != Vpc.Status.AVAILABLE:
        raise ConsoleError(
            f"The VPC {vpc.display_name} is {vpc.status}; wait until it is Available.",
            field=field,
        )


# --- accounts ----------------------------------------------------------------------------


def account_activate_privatelink(*, account: Account) -> Account:
    """Activation is immediate and idempotent."""
    if account.privatelink_activated_at is None:
        account.privatelink_activated_at = timezone.now()
        account.save(update_fields=["privatelink_activated_at"])
    return account


def account_create(
    *, name: str, uid: str | None = None, alb_privatelink_privilege: bool = False
) -> Account:
    kwargs = {"name": name, "alb_privatelink_privilege": alb_privatelink_privilege}
    if uid:
        kwargs["uid"] = uid
    return Account.objects.create(**kwargs)


# --- tickets -------------------------------------------------------------------------------

PRIVILEGE_FIELDS = {Ticket.Privilege.ALB_PRIVATELINK: "alb_privatelink_privilege"}


def holds_privilege(account: Account, privilege: str) -> bool:
    return bool(getattr(account, PRIVILEGE_FIELDS[privilege]))


@transaction.atomic
def ticket_submit(
    *, account: Account, actor: Actor = None, region: Region, privilege: str, description: str = ""
) -> Ticket:
    """Ask for a privilege. A demo account's ticket is approved by the worker after
    ``TICKET_APPROVAL_DELAY``; any other waits for an instructor."""
    if privilege not in PRIVILEGE_FIELDS:
        raise ConsoleError("Choose a privilege.", field="privilege")
    account = Account.objects.select_for_update().get(pk=account.pk)
    label = Ticket.Privilege(privilege).label
    if holds_privilege(account, privilege):
        raise ConsoleError(
            f'Your account already holds the privilege "{label}".', field="privilege"
        )
    pending = Ticket.objects.for_account(account).filter(
        privilege=privilege, status=Ticket.Status.PENDING
    )
    if pending.exists():
        raise ConsoleError(
            f"Ticket {pending.first().pk} asking for this privilege is still Pending.",
            field="privilege",
        )
    ticket = Ticket.objects.create(
        account=account,
        region=region,
        privilege=privilege,
        name=label,
        description=(description or "").strip(),
        auto_approve=account.demo,
    )
    lifecycle.record_event(ticket, "submit", actor=actor, to_state=ticket.status)
    if ticket.is_transitional:
        lifecycle.schedule_advance(ticket, delay=settings.TICKET_APPROVAL_DELAY)
    return ticket


def ticket_approve(*, ticket: Ticket, actor: Actor) -> Ticket:
    """An instructor grants the privilege the ticket asks for."""
    return _ticket_decide(ticket, "approve", actor)


def ticket_reject(*, ticket: Ticket, actor: Actor, answer: str = "") -> Ticket:
    """An instructor refuses it; the account stays without the privilege."""
    return _ticket_decide(ticket, "reject", actor, answer)


@transaction.atomic
def _ticket_decide(ticket: Ticket, method: str, actor: Actor, answer: str = "") -> Ticket:
    done = "approved" if method == "approve" else "rejected"
    decided = lifecycle.transition(
        ticket,
        method,
        actor=actor,
        action=method,
        refused=lambda t: f"The ticket {t.pk} is {t.status}; it cannot be {done} any more.",
    )
    return ticket_decided(ticket=decided, actor=actor, answer=answer)


def ticket_decided(*, ticket: Ticket, actor: Actor, answer: str = "") -> Ticket:
    """Record who decided and, for an approval, grant the privilege (worker or instructor)."""
    ticket.decided_by = actor.get_username() if getattr(actor, "pk", None) else "system"
    if ticket.status == Ticket.Status.APPROVED:
        Account.objects.filter(pk=ticket.account_id).update(
            **{PRIVILEGE_FIELDS[ticket.privilege]: True}
        )
        answer = answer or f'The privilege "{ticket.get_privilege_display()}" is granted.'
    ticket.answer = (answer or "").strip()[:256]
    ticket.save(update_fields=["decided_by", "answer"])
    return ticket


def _ticket_advanced(ticket: Ticket, from_state: str) -> None:
    """The worker decided an automatically approved ticket: record it, grant the privilege."""
    ticket_decided(ticket=ticket, actor=None)


lifecycle.after(Ticket, _ticket_advanced)


# --- private IPs -------------------------------------------------------------------------


def private_ip_allocate(
    *, vswitch: VSwitch, holder_id: str, address: str | None = None, field: str = "private_ip"
) -> str:
    """Take ``address`` (checked) or the lowest free address of ``vswitch``."""
    net = vswitch.network
    if address:
        address = validators.ipv4_address(address, field=field)
        if ipaddress.ip_address(address) not in net:
            raise ConsoleError(
                f"The IP address {address} is not within the vSwitch's CIDR block "
                f"{vswitch.cidr_block}.",
                field=field,
            )
        if vswitch.is_reserved(address):
            raise ConsoleError(
                f"The IP address {address} is reserved: the first and the last three addresses "
                f"of {vswitch.cidr_block} cannot be used.",
                field=field,
            )
        try:
            with transaction.atomic():
                PrivateIp.objects.create(vswitch=vswitch, address=address, holder_id=holder_id)
        except IntegrityError:
            raise ConsoleError(
                f"The IP address {address} is already in use in this vSwitch.", field=field
            ) from None
        return address
    used = set(vswitch.private_ips.values_list("address", flat=True))
    first = int(net.network_address) + 1
    last = int(net.broadcast_address) - 3
    for value in range(first, last + 1):
        candidate = str(ipaddress.IPv4Address(value))
        if candidate in used:
            continue
        try:
            with transaction.atomic():
                PrivateIp.objects.create(vswitch=vswitch, address=candidate, holder_id=holder_id)
        except IntegrityError:
            continue  # taken meanwhile by a concurrent request
        return candidate
    raise ConsoleError(
        f"The vSwitch {vswitch.id} has no free IP address left.", field="vswitch", code="NoFreeIp"
    )


def private_ip_release(*, holder_id: str) -> None:
    PrivateIp.objects.filter(holder_id=holder_id).delete()


# --- VPC -----------------------------------------------------------------------------------


@transaction.atomic
def vpc_create(
    *,
    account: Account,
    actor: Actor = None,
    region: Region,
    cidr_block: str,
    name: str = "",
    description: str = "",
) -> Vpc:
    """Create a VPC; it is Pending until the worker makes it Available."""
    vpc = Vpc(
        account=account,
        region=region,
        cidr_block=validators.private_cidr_block(cidr_block),
        name=validators.resource_name(name),
        description=validators.description(description),
    )
    vpc.save()
    lifecycle.record_event(vpc, "create", actor=actor, to_state=vpc.status)
    lifecycle.schedule_advance(vpc)
    return vpc


def _vpc_dependents(vpc: Vpc) -> list[str]:
    reasons = []
    if vpc.vswitches.exists():
        reasons.append("it still has vSwitches")
    if vpc.security_groups.exists():
        reasons.append("it still has security groups")
    return reasons


lifecycle.register_delete_guard(Vpc, _vpc_dependents)


@transaction.atomic
def vpc_delete(*, account: Account, actor: Actor = None, vpc: Vpc) -> None:
    same_account(account, vpc)
    lifecycle.ensure_deletable(vpc)
    lifecycle.record_event(vpc, "delete", actor=actor, from_state=vpc.status)
    vpc.delete()


# --- vSwitch -------------------------------------------------------------------------------


@transaction.atomic
def vswitch_create(
    *,
    account: Account,
    actor: Actor = None,
    vpc: Vpc,
    zone: Zone,
    cidr_block: str,
    name: str = "",
    description: str = "",
) -> VSwitch:
    same_account(account, vpc)
    _require_available(vpc, "vpc")
    if zone.region_id != vpc.region_id:
        raise ConsoleError("Choose a zone of the VPC's region.", field="zone")
    text = validators.cidr_block(cidr_block, min_prefix=16, max_prefix=29)
    network = ipaddress.IPv4Network(text)
    if not network.subnet_of(vpc.network):
        raise ConsoleError(
            f"The vSwitch CIDR block must be within the VPC's CIDR block {vpc.cidr_block}.",
            field="cidr_block",
        )
    # Lock the VPC so that two concurrent creations cannot both pass the overlap check.
    Vpc.objects.select_for_update().filter(pk=vpc.pk).first()
    for other in vpc.vswitches.all():
        if network.overlaps(other.network):
            raise ConsoleError(
                f"The CIDR block overlaps vSwitch {other.display_name} ({other.cidr_block}).",
                field="cidr_block",
            )
    vswitch = VSwitch(
        account=account,
        region_id=vpc.region_id,
        vpc=vpc,
        zone=zone,
        cidr_block=text,
        name=validators.resource_name(name),
        description=validators.description(description),
    )
    vswitch.save()
    lifecycle.record_event(vswitch, "create", actor=actor, to_state=vswitch.status)
    return vswitch


def _vswitch_dependents(vswitch: VSwitch) -> list[str]:
    holders = list(vswitch.private_ips.values_list("holder_id", flat=True)[:3])
    if holders:
        return [f"its addresses are in use by {', '.join(holders)}"]
    return []


lifecycle.register_delete_guard(VSwitch, _vswitch_dependents)


@transaction.atomic
def vswitch_delete(*, account: Account, actor: Actor = None, vswitch: VSwitch) -> None:
    same_account(account, vswitch)
    lifecycle.ensure_deletable(vswitch)
    lifecycle.record_event(vswitch, "delete", actor=actor, from_state=vswitch.status)
    vswitch.delete()


# --- security groups -----------------------------------------------------------------------


@transaction.atomic
def security_group_create(
    *, account: Account, actor: Actor = None, vpc: Vpc, name: str, description: str = ""
) -> SecurityGroup:
    """A new group allows all outbound and no inbound traffic."""
    same_account(account, vpc)
    group = SecurityGroup(
        account=account,
        region_id=vpc.region_id,
        vpc=vpc,
        name=validators.display_name(name),
        description=validators.description(description),
    )
    group.save()
    SecurityGroupRule.objects.create(
        group=group,
        direction=SecurityGroupRule.Direction.EGRESS,
        policy=SecurityGroupRule.Policy.ACCEPT,
        priority=100,
        protocol=SecurityGroupRule.Protocol.ALL,
        port_from=-1,
        port_to=-1,
        cidr_block="0.0.0.0/0",
        description="Default: all outbound traffic",
    )
    lifecycle.record_event(group, "create", actor=actor)
    return group


def _security_group_dependents(group: SecurityGroup) -> list[str]:
    reasons = []
    names = list(group.instances.values_list("id", flat=True)[:3])
    if names:
        reasons.append(f"instances {', '.join(names)} use it")
    if SecurityGroupRule.objects.filter(peer_group=group).exclude(group=group).exists():
        reasons.append("rules of other security groups refer to it")
    return reasons


lifecycle.register_delete_guard(SecurityGroup, _security_group_dependents)


@transaction.atomic
def security_group_delete(*, account: Account, actor: Actor = None, group: SecurityGroup) -> None:
    same_account(account, group)
    lifecycle.ensure_deletable(group)
    lifecycle.record_event(group, "delete", actor=actor)
    group.delete()


@transaction.atomic
def security_group_rule_add(
    *,
    account: Account,
    actor: Actor = None,
    group: SecurityGroup,
    direction: str,
    policy: str = "accept",
    priority: int | str = 1,
    protocol: str,
    port_range: str = "",
    cidr_block: str = "",
    peer_group: SecurityGroup | None = None,
    description: str = "",
) -> SecurityGroupRule:
    same_account(account, group, peer_group)
    if direction not in SecurityGroupRule.Direction.values:
        raise ConsoleError("Choose Inbound or Outbound.", field="direction")
    if policy not in SecurityGroupRule.Policy.values:
        raise ConsoleError("Choose Allow or Deny.", field="policy")
    if protocol not in SecurityGroupRule.Protocol.values:
        raise ConsoleError("Choose All, TCP, UDP or ICMP.", field="protocol")
    priority = validators.int_range(priority, 1, 100, field="priority", what="priority")
    port_from, port_to = validators.port_range(port_range, protocol)
    if peer_group is not None:
        if peer_group.vpc_id != group.vpc_id:
            raise ConsoleError(
                "The authorization object must be a security group of the same VPC.",
                field="authorization_object",
            )
        cidr = ""
    else:
        cidr = validators.cidr_block(
            cidr_block, field="authorization_object", min_prefix=0, max_prefix=32
        )
    rule = SecurityGroupRule.objects.create(
        group=group,
        direction=direction,
        policy=policy,
        priority=priority,
        protocol=protocol,
        port_from=port_from,
        port_to=port_to,
        cidr_block=cidr,
        peer_group=peer_group,
        description=validators.description(description),
    )
    lifecycle.record_event(group, "add rule", actor=actor, message=str(rule))
    return rule


@transaction.atomic
def security_group_rule_delete(
    *, account: Account, actor: Actor = None, rule: SecurityGroupRule
) -> None:
    same_account(account, rule.group)
    lifecycle.record_event(rule.group, "remove rule", actor=actor, message=str(rule))
    rule.delete()


# --- ECS instances -------------------------------------------------------------------------


def _service_fields(
    service: str, service_port: int | str | None, page_body: str | None, name: str
) -> tuple[str, int, str]:
    if service not in EcsInstance.Service.values:
        raise ConsoleError("Choose None or NGINX.", field="service")
    if service == EcsInstance.Service.NGINX:
        service_port = validators.port(service_port or 80, field="service_port")
        page_body = (page_body or "").strip() or f"Welcome to nginx on {name}"
    else:
        service_port = int(service_port or 80)
        page_body = page_body or ""
    return service, service_port, page_body


def _check_instance_network(
    zone: Zone, vpc: Vpc, vswitch: VSwitch, security_groups: Sequence[SecurityGroup]
) -> None:
    """An instance's zone, vSwitch and security groups must all be of its VPC (and zone)."""
    if zone.region_id != vpc.region_id:
        raise ConsoleError("Choose a zone of the VPC's region.", field="zone")
    if vswitch.vpc_id != vpc.pk:
        raise ConsoleError("Choose a vSwitch of the selected VPC.", field="vswitch")
    if vswitch.zone_id != zone.pk:
        raise ConsoleError(
            f"The vSwitch {vswitch.display_name} is in {vswitch.zone.name}; choose a vSwitch "
            f"in {zone.name}.",
            field="vswitch",
        )
    if not security_groups:
        raise ConsoleError("Select at least one security group.", field="security_groups")
    for group in security_groups:
        if group.vpc_id != vpc.pk:
            raise ConsoleError(
                f"The security group {group.display_name} belongs to another VPC; choose "
                "groups of the instance's VPC.",
                field="security_groups",
            )


@transaction.atomic
def ecs_instance_create(
    *,
    account: Account,
    actor: Actor = None,
    zone: Zone,
    vpc: Vpc,
    vswitch: VSwitch,
    name: str,
    image: str,
    security_groups: Sequence[SecurityGroup],
    private_ip: str | None = "",
    service: str = EcsInstance.Service.NONE,
    service_port: int = 80,
    page_body: str = "",
    description: str = "",
) -> EcsInstance:
    """Create an instance: Pending, then the worker boots it (Starting → Running)."""
    same_account(account, vpc, vswitch, *security_groups)
    name = validators.display_name(name, field="name")
    if image not in EcsInstance.Image.values:
        raise ConsoleError("Choose an image.", field="image")
    _check_instance_network(zone, vpc, vswitch, security_groups)
    service, service_port, page_body = _service_fields(service, service_port, page_body, name)
    instance = EcsInstance(
        account=account,
        region_id=vpc.region_id,
        zone=zone,
        vpc=vpc,
        vswitch=vswitch,
        name=name,
        image=image,
        service=service,
        service_port=service_port,
        page_body=page_body,
        description=validators.description(description),
    )
    instance.id = generate_id(EcsInstance.id_prefix)
    instance.private_ip = private_ip_allocate(
        vswitch=vswitch, holder_id=instance.id, address=private_ip
    )
    instance.save()
    instance.security_groups.set(security_groups)
    lifecycle.record_event(instance, "create", actor=actor, to_state=instance.status)
    lifecycle.schedule_advance(instance)
    return instance


def ecs_instance_start(
    *, account: Account, actor: Actor = None, instance: EcsInstance
) -> EcsInstance:
    same_account(account, instance)
    return lifecycle.transition(
        instance,
        "start",
        actor=actor,
        refused=lambda i: (
            f"The instance {i.id} is {i.status}; only a Stopped instance can be started."
        ),
    )


def ecs_instance_stop(
    *, account: Account, actor: Actor = None, instance: EcsInstance
) -> EcsInstance:
    same_account(account, instance)
    return lifecycle.transition(
        instance,
        "stop",
        actor=actor,
        refused=lambda i: (
            f"The instance {i.id} is {i.status}; only a Running instance can be stopped."
        ),
    )


@transaction.atomic
def ecs_instance_set_service(
    *,
    account: Account,
    actor: Actor = None,
    instance: EcsInstance,
    service: str,
    service_port: int,
    page_body: str,
) -> EcsInstance:
    """Deploy or remove the NGINX-like service (health checks notice within an interval)."""
    same_account(account, instance)
    service, service_port, page_body = _service_fields(
        service, service_port, page_body, instance.name
    )
    instance.service, instance.service_port, instance.page_body = service, service_port, page_body
    instance.save(update_fields=["service", "service_port", "page_body"])
    lifecycle.record_event(
        instance, "deploy service", actor=actor, message=f"{service} on port {service_port}"
    )
    return instance


@transaction.atomic
def ecs_instance_delete(*, account: Account, actor: Actor = None, instance: EcsInstance) -> None:
    same_account(account, instance)
    locked = lifecycle.lock(EcsInstance, instance.pk)
    if locked.is_transitional:
        raise lifecycle.refusal(locked, "deleted")
    lifecycle.ensure_deletable(locked)
    lifecycle.record_event(locked, "delete", actor=actor, from_state=locked.status)
    private_ip_release(holder_id=locked.id)
    locked.delete()
