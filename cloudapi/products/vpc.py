"""VPC (2016-04-28): VPCs, vSwitches, zones. Wrapped lists, PageNumber / PageSize."""

from django.db.models import Count

from console import services
from console.models import Vpc, VSwitch, Zone

from ..errors import ApiError
from ..registry import operation
from .common import iso, lookup, numbered_page

VERSION = "2016-04-28"


def vpc_row(vpc):
    return {
        "VpcId": vpc.id,
        "VpcName": vpc.name,
        "CidrBlock": vpc.cidr_block,
        "Status": vpc.status,
        "RegionId": vpc.region_id,
        "Description": vpc.description,
        "CreationTime": iso(vpc.created_at),
        "OwnerId": int(vpc.account.uid),
        "IsDefault": False,
        "VSwitchIds": {"VSwitchId": [v.id for v in vpc.vswitches.all()]},
    }


def vswitch_row(vsw):
    return {
        "VSwitchId": vsw.id,
        "VSwitchName": vsw.name,
        "VpcId": vsw.vpc_id,
        "ZoneId": vsw.zone_id,
        "CidrBlock": vsw.cidr_block,
        "Status": vsw.status,
        "Description": vsw.description,
        "AvailableIpAddressCount": vsw.available_ip_count,
        "CreationTime": iso(vsw.created_at),
        "OwnerId": int(vsw.account.uid),
        "IsDefault": False,
    }


@operation(
    VERSION,
    "CreateVpc",
    write=True,
    resource="Vpc",
    fields={"cidr_block": "CidrBlock", "name": "VpcName", "description": "Description"},
    idempotent="VpcId",
)
def create_vpc(call):
    p = call.params
    kwargs = dict(
        account=call.account,
        actor=call.actor,
        region=call.region,
        cidr_block=p.str("CidrBlock", default="172.16.0.0/12", max_length=64),
        name=p.str("VpcName", max_length=256),
        description=p.str("Description", max_length=512),
    )
    vpc = services.vpc_create(**kwargs)
    return {"VpcId": vpc.id, "VRouterId": f"vrt-{vpc.id[4:]}", "RouteTableId": f"vtb-{vpc.id[4:]}"}


@operation(VERSION, "DescribeVpcs")
def describe_vpcs(call):
    p = call.params
    rows = Vpc.objects.for_account(call.account).filter(region=call.region)
    rows = rows.select_related("account").prefetch_related("vswitches")
    if p.str("VpcId"):
        rows = rows.filter(pk__in=p.str("VpcId", max_length=2048).split(","))
    if p.str("VpcName"):
        rows = rows.filter(name=p.str("VpcName", max_length=256))
    page, paging = numbered_page(call, rows)
    return {"Vpcs": {"Vpc": [vpc_row(v) for v in page]}, **paging}


@operation(VERSION, "DeleteVpc", write=True, resource="Vpc")
def delete_vpc(call):
    vpc = lookup(Vpc, call, "VpcId", "InvalidVpcId.NotFound", "VPC")
    services.vpc_delete(account=call.account, actor=call.actor, vpc=vpc)
    return {}


@operation(
    VERSION,
    "CreateVSwitch",
    write=True,
    resource="VSwitch",
    fields={"cidr_block": "CidrBlock", "name": "VSwitchName", "zone": "ZoneId"},
    idempotent="VSwitchId",
)
def create_vswitch(call):
    p = call.params
    vpc = lookup(Vpc, call, "VpcId", "InvalidVpcId.NotFound", "VPC")
    zone = _zone(call, vpc.region_id)
    vsw = services.vswitch_create(
        account=call.account,
        actor=call.actor,
        vpc=vpc,
        zone=zone,
        cidr_block=p.str("CidrBlock", required=True, max_length=64),
        name=p.str("VSwitchName", max_length=256),
        description=p.str("Description", max_length=512),
    )
    return {"VSwitchId": vsw.id}


def _zone(call, region_id, param="ZoneId"):
    zone_id = call.params.str(param, required=True, max_length=64)
    zone = Zone.objects.filter(pk=zone_id, region_id=region_id).first()
    if zone is None:
        raise ApiError("InvalidZoneId.NotFound", f"The zone {zone_id} does not exist here.")
    return zone


@operation(VERSION, "DescribeVSwitches")
def describe_vswitches(call):
    p = call.params
    rows = VSwitch.objects.for_account(call.account).filter(region=call.region)
    rows = rows.select_related("account").annotate(used_ips=Count("private_ips"))
    for param, field in (("VpcId", "vpc_id"), ("VSwitchId", "pk"), ("ZoneId", "zone_id")):
        if p.str(param):
            rows = rows.filter(**{field: p.str(param, max_length=64)})
    page, paging = numbered_page(call, rows)
    return {"VSwitches": {"VSwitch": [vswitch_row(v) for v in page]}, **paging}


@operation(VERSION, "DeleteVSwitch", write=True, resource="VSwitch")
def delete_vswitch(call):
    vsw = lookup(VSwitch, call, "VSwitchId", "InvalidVSwitchId.NotFound", "vSwitch")
    services.vswitch_delete(account=call.account, actor=call.actor, vswitch=vsw)
    return {}


@operation(VERSION, "DescribeZones")
def describe_zones(call):
    zones = Zone.objects.filter(region=call.region)
    rows = [{"ZoneId": z.id, "LocalName": z.name, "ZoneType": "AvailabilityZone"} for z in zones]
    return {"Zones": {"Zone": rows}}
