"""ECS (2014-05-26): security groups, instances, images, regions, zones. Wrapped lists."""

from console import services
from console.models import (
    EcsInstance,
    Region,
    SecurityGroup,
    SecurityGroupRule,
    Vpc,
    VSwitch,
    Zone,
)

from ..errors import ApiError, illegal, missing
from ..registry import operation
from .common import DIGITS, iso, lookup, lookup_all, numbered_page

VERSION = "2014-05-26"
SERVICE_TAG = "console:service"
MAX_AMOUNT = 10
SG_NOT_FOUND = "InvalidSecurityGroupId.NotFound"
INSTANCE_NOT_FOUND = "InvalidInstanceId.NotFound"


def group_row(group):
    return {
        "SecurityGroupId": group.id,
        "SecurityGroupName": group.name,
        "Description": group.description,
        "VpcId": group.vpc_id,
        "SecurityGroupType": "normal",
        "CreationTime": iso(group.created_at),
        "RegionId": group.region_id,
    }


def rule_row(rule):
    return {
        "SecurityGroupRuleId": f"sgr-{rule.pk}",
        "Direction": rule.direction,
        "IpProtocol": rule.protocol.upper(),
        "PortRange": rule.port_range,
        "SourceCidrIp": rule.cidr_block if rule.direction == "ingress" else "",
        "DestCidrIp": rule.cidr_block if rule.direction == "egress" else "",
        "SourceGroupId": rule.peer_group_id or "",
        "Policy": rule.policy.capitalize(),
        "Priority": str(rule.priority),
        "Description": rule.description,
        "CreateTime": iso(rule.created_at),
    }


def instance_row(instance):
    tags = []
    if instance.service != EcsInstance.Service.NONE:
        value = f"{instance.service}:{instance.service_port}"
        tags.append({"TagKey": SERVICE_TAG, "TagValue": value})
    return {
        "InstanceId": instance.id,
        "InstanceName": instance.name,
        "Description": instance.description,
        "Status": instance.status,
        "RegionId": instance.region_id,
        "ZoneId": instance.zone_id,
        "ImageId": instance.image,
        "InstanceType": "ecs.g7.large",
        "InstanceNetworkType": "vpc",
        "CreationTime": iso(instance.created_at),
        "VpcAttributes": {
            "VpcId": instance.vpc_id,
            "VSwitchId": instance.vswitch_id,
            "PrivateIpAddress": {"IpAddress": [instance.private_ip]},
        },
        "SecurityGroupIds": {"SecurityGroupId": [g.pk for g in instance.security_groups.all()]},
        "Tags": {"Tag": tags},
    }


@operation(
    VERSION,
    "CreateSecurityGroup",
    write=True,
    resource="SecurityGroup",
    fields={"name": "SecurityGroupName", "description": "Description"},
    idempotent="SecurityGroupId",
)
def create_security_group(call):
    vpc = lookup(Vpc, call, "VpcId", "InvalidVpcId.NotFound", "VPC")
    group = services.security_group_create(
        account=call.account,
        actor=call.actor,
        vpc=vpc,
        name=call.params.str("SecurityGroupName", max_length=256) or "sg-default",
        description=call.params.str("Description", max_length=512),
    )
    return {"SecurityGroupId": group.id}


@operation(VERSION, "DescribeSecurityGroups")
def describe_security_groups(call):
    p = call.params
    rows = SecurityGroup.objects.for_account(call.account).filter(region=call.region)
    if p.str("VpcId"):
        rows = rows.filter(vpc_id=p.str("VpcId", max_length=64))
    if p.str("SecurityGroupId"):
        rows = rows.filter(pk=p.str("SecurityGroupId", max_length=64))
    ids = p.id_list("SecurityGroupIds")
    if ids:
        rows = rows.filter(pk__in=ids)
    page, paging = numbered_page(call, rows, maximum=50)
    return {"SecurityGroups": {"SecurityGroup": [group_row(g) for g in page]}, **paging}


@operation(VERSION, "DescribeSecurityGroupAttribute")
def describe_security_group_attribute(call):
    group = lookup(SecurityGroup, call, "SecurityGroupId", SG_NOT_FOUND, "security group")
    direction = call.params.str("Direction", default="all", max_length=16).lower()
    rules = SecurityGroupRule.objects.filter(group=group)
    if direction in ("ingress", "egress"):
        rules = rules.filter(direction=direction)
    return {
        **group_row(group),
        "InnerAccessPolicy": "Accept",
        "Permissions": {"Permission": [rule_row(r) for r in rules]},
    }


def _permissions(call):
    """The rules of an Authorize call: ``Permissions.N.*``, or the older top-level fields."""
    permissions = call.params.structs("Permissions", limit=100)
    if not permissions:
        keys = ("IpProtocol", "PortRange", "SourceCidrIp", "SourceGroupId", "Policy")
        keys += ("Priority", "Description")
        permissions = [{k: call.params.data[k] for k in keys if k in call.params.data}]
    return permissions


@operation(
    VERSION,
    "AuthorizeSecurityGroup",
    write=True,
    resource="SecurityGroup",
    fields={
        "priority": "Priority",
        "protocol": "IpProtocol",
        "policy": "Policy",
        "port_range": "PortRange",
        "authorization_object": "SourceCidrIp",
    },
)
def authorize_security_group(call):
    group = lookup(SecurityGroup, call, "SecurityGroupId", SG_NOT_FOUND, "security group")
    for permission in _permissions(call):
        if not permission.get("IpProtocol"):
            raise missing("IpProtocol")
        peer = None
        if permission.get("SourceGroupId"):
            peer = lookup(
                SecurityGroup,
                call,
                "SourceGroupId",
                SG_NOT_FOUND,
                "security group",
                value=permission["SourceGroupId"],
            )
        if peer is None and not permission.get("SourceCidrIp"):
            raise missing("SourceCidrIp")
        services.security_group_rule_add(
            account=call.account,
            actor=call.actor,
            group=group,
            direction="ingress",
            policy=permission.get("Policy", "accept").lower(),
            priority=permission.get("Priority") or 1,
            protocol=permission["IpProtocol"].lower(),
            port_range=permission.get("PortRange", ""),
            cidr_block=permission.get("SourceCidrIp", ""),
            peer_group=peer,
            description=permission.get("Description", ""),
        )
    return {}


def _service(call):
    """The deployed service of the simulated image, from the ``console:service`` tag."""
    for tag in call.params.structs("Tag", limit=20):
        if tag.get("Key") != SERVICE_TAG:
            continue
        value = tag.get("Value", "")
        name, _, port = value.partition(":")
        if name not in EcsInstance.Service.values or (port and not DIGITS.match(port)):
            raise illegal("Tag", f"{SERVICE_TAG} is nginx:<port> or none, not {value!r}.")
        return name, int(port or 80)
    return EcsInstance.Service.NONE, 80


def _groups(call):
    ids = call.params.list("SecurityGroupIds", limit=5)
    if call.params.str("SecurityGroupId"):
        ids = [call.params.str("SecurityGroupId", max_length=64), *ids]
    if not ids:
        raise missing("SecurityGroupId")
    return lookup_all(SecurityGroup, call, ids, "SecurityGroupId", SG_NOT_FOUND, "security group")


@operation(
    VERSION,
    "RunInstances",
    write=True,
    resource="Instance",
    fields={
        "name": "InstanceName",
        "private_ip": "PrivateIpAddress",
        "vswitch": "VSwitchId",
        "zone": "ZoneId",
        "security_groups": "SecurityGroupId",
    },
    idempotent="InstanceIdSets",
)
def run_instances(call):
    p = call.params
    vswitch = lookup(VSwitch, call, "VSwitchId", "InvalidVSwitchId.NotFound", "vSwitch")
    image = p.str("ImageId", required=True, max_length=64)
    if image not in EcsInstance.Image.values:
        raise ApiError("InvalidImageId.NotFound", f"The image {image} does not exist.", 404)
    amount = p.int("Amount", default=1, low=1, high=MAX_AMOUNT)
    private_ip = p.str("PrivateIpAddress", max_length=64)
    if private_ip and amount > 1:
        raise illegal("PrivateIpAddress", "Give a private IP address only with Amount 1.")
    zone_id = p.str("ZoneId", max_length=64) or vswitch.zone_id
    zone = Zone.objects.filter(pk=zone_id).first()
    if zone is None:
        raise ApiError("InvalidZoneId.NotFound", f"The zone {zone_id} does not exist.")
    service, port = _service(call)
    groups = _groups(call)
    name = p.str("InstanceName", max_length=128) or "launch-advisor"
    ids = []
    for index in range(amount):
        instance = services.ecs_instance_create(
            account=call.account,
            actor=call.actor,
            zone=zone,
            vpc=vswitch.vpc,
            vswitch=vswitch,
            name=name if amount == 1 else f"{name}-{index + 1}",
            image=image,
            security_groups=groups,
            private_ip=private_ip,
            service=service,
            service_port=port,
            description=p.str("Description", max_length=512),
        )
        ids.append(instance.id)
    return {"InstanceIdSets": {"InstanceIdSet": ids}}


@operation(VERSION, "DescribeInstances")
def describe_instances(call):
    p = call.params
    rows = EcsInstance.objects.for_account(call.account).filter(region=call.region)
    rows = rows.prefetch_related("security_groups")
    ids = p.id_list("InstanceIds")
    if ids:
        rows = rows.filter(pk__in=ids)
    for param, field in (
        ("VpcId", "vpc_id"),
        ("VSwitchId", "vswitch_id"),
        ("ZoneId", "zone_id"),
        ("Status", "status"),
        ("InstanceName", "name"),
    ):
        if p.str(param):
            rows = rows.filter(**{field: p.str(param, max_length=128)})
    page, paging = numbered_page(call, rows, maximum=100)
    return {"Instances": {"Instance": [instance_row(i) for i in page]}, **paging}


def _instance(call):
    return lookup(EcsInstance, call, "InstanceId", INSTANCE_NOT_FOUND, "instance")


@operation(VERSION, "StartInstance", write=True, resource="Instance")
def start_instance(call):
    services.ecs_instance_start(account=call.account, actor=call.actor, instance=_instance(call))
    return {}


@operation(VERSION, "StopInstance", write=True, resource="Instance")
def stop_instance(call):
    services.ecs_instance_stop(account=call.account, actor=call.actor, instance=_instance(call))
    return {}


@operation(VERSION, "DeleteInstance", write=True, resource="Instance")
def delete_instance(call):
    services.ecs_instance_delete(account=call.account, actor=call.actor, instance=_instance(call))
    return {}


@operation(VERSION, "DescribeImages")
def describe_images(call):
    images = [
        {
            "ImageId": value,
            "ImageName": label,
            "OSName": label,
            "OSType": "windows" if value.startswith("win") else "linux",
            "Status": "Available",
            "ImageOwnerAlias": "system",
            "IsPublic": True,
        }
        for value, label in EcsInstance.Image.choices
    ]
    count = len(images)
    return {"Images": {"Image": images}, "TotalCount": count, "PageNumber": 1, "PageSize": count}


@operation(VERSION, "DescribeRegions")
def describe_regions(call):
    rows = [
        {"RegionId": r.id, "LocalName": r.name, "RegionEndpoint": "", "Status": "available"}
        for r in Region.objects.all()
    ]
    return {"Regions": {"Region": rows}}


@operation(VERSION, "DescribeZones")
def describe_zones(call):
    zones = Zone.objects.filter(region=call.region)
    rows = [{"ZoneId": z.id, "LocalName": z.name, "ZoneType": "AvailabilityZone"} for z in zones]
    return {"Zones": {"Zone": rows}}
