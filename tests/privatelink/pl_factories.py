"""Builders for PrivateLink tests: provider and consumer sides, services, endpoints.

Load balancers are made through the load balancer services (the same the pages use), so a
change of their rules shows here too.
"""

from console import services as console_services
from factories import (
    make_instance,
    make_security_group,
    make_vpc,
    make_vswitch,
    region,
    settle,
    zone,
)
from loadbalancer import services as lb_services
from privatelink import services
from privatelink.models import EndpointConnection


def activate(account):
    return console_services.account_activate_privatelink(account=account)


def make_clb(account, vpc, vswitch, *, backup_zone_id="eu-central-1a", settle_=True, **kwargs):
    kwargs.setdefault("specification", "slb.s1.small")
    if backup_zone_id:
        kwargs.setdefault("zone_type", "multi")
        kwargs.setdefault("backup_zone", zone(backup_zone_id))
    clb = lb_services.clb_create(
        account=account,
        region=region(vpc.region_id),
        zone=vswitch.zone,
        vpc=vpc,
        vswitch=vswitch,
        **kwargs,
    )
    return settle(clb) if settle_ else clb


def make_alb(account, vpc, vswitches, *, name="alb1", settle_=True, **kwargs):
    alb = lb_services.alb_create(
        account=account,
        region=region(vpc.region_id),
        vpc=vpc,
        zone_mappings=[(v.zone, v) for v in vswitches],
        name=name,
        **kwargs,
    )
    return settle(alb) if settle_ else alb


def lab1_provider(account, *, instances=False):
    """VPC2 192.168.0.0/16 with its Zone B vSwitch and an Intranet Pay-As-You-Go CLB."""
    vpc = make_vpc(account, cidr="192.168.0.0/16", name="VPC2")
    vswitch = make_vswitch(account, vpc, cidr="192.168.20.0/24", name="vsw-b")
    if instances:
        for name, ip in (("ECS2", "192.168.20.200"), ("ECS3", "192.168.20.201")):
            make_instance(account, vswitch, name=name, ip=ip, body=f"{name} page")
    return vpc, vswitch, make_clb(account, vpc, vswitch, name="clb-lab")


def lab1_consumer(account):
    """VPC1 10.10.0.0/16 with its Zone B vSwitch and a group allowing TCP 80 from the VPC."""
    vpc = make_vpc(account, cidr="10.10.0.0/16", name="VPC1")
    vswitch = make_vswitch(account, vpc, cidr="10.10.0.0/24", name="vsw1")
    group = make_security_group(
        account, vpc, name="web", inbound=[("tcp", "80/80", "10.10.0.0/16")]
    )
    return vpc, vswitch, group


def make_service(
    account,
    clb=None,
    *,
    zone_id="eu-central-1b",
    auto_accept=False,
    zone_affinity=True,
    description="Lab service",
    whitelist=(),
    settle_=True,
):
    if clb is None:
        clb = lab1_provider(account)[2]
    service = services.endpoint_service_create(
        account=account,
        region=region(clb.region_id),
        resource_type="slb",
        resources=[(zone(zone_id), clb)],
        auto_accept=auto_accept,
        zone_affinity=zone_affinity,
        description=description,
    )
    if whitelist:
        services.whitelist_add(account=account, service=service, uids=[a.uid for a in whitelist])
    return settle(service) if settle_ else service


def make_endpoint(
    account, service, consumer=None, *, name="ep1", zone_id="eu-central-1b", settle_=True
):
    vpc, vswitch, group = consumer or lab1_consumer(account)
    endpoint = services.endpoint_create(
        account=account,
        region=region(vpc.region_id),
        name=name,
        service=service,
        vpc=vpc,
        security_groups=[group],
        zones=[(zone(zone_id), vswitch)],
    )
    if settle_:
        endpoint = settle(endpoint)
        settle(EndpointConnection.objects.get(pk=endpoint.pk))
    return endpoint


def connection_of(endpoint):
    return EndpointConnection.objects.get(pk=endpoint.pk)


__all__ = [
    "activate",
    "connection_of",
    "lab1_consumer",
    "lab1_provider",
    "make_alb",
    "make_clb",
    "make_endpoint",
    "make_service",
    "settle",
]
