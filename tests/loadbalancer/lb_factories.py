"""Builders of load balancers for tests, through the same services the pages use."""

from factories import make_instance, make_vpc, make_vswitch, region, settle, zone
from loadbalancer import services


def lab1_provider(account, *, names=("ECS2", "ECS3"), ips=("192.168.20.200", "192.168.20.201")):
    """Lab 1's provider side: VPC2, its Zone B vSwitch and NGINX instances."""
    vpc = make_vpc(account, cidr="192.168.0.0/16", name="VPC2")
    vswitch = make_vswitch(account, vpc, cidr="192.168.20.0/24", name="vsw-b")
    instances = [
        make_instance(account, vswitch, name=n, ip=ip, body=f"{n} page")
        for n, ip in zip(names, ips, strict=True)
    ]
    return vpc, vswitch, instances


def make_clb(account, vpc, vswitch, *, name="clb1", settle_=True, **kwargs):
    kwargs.setdefault("specification", "slb.s1.small")
    clb = services.clb_create(
        account=account,
        region=region(vpc.region_id),
        zone=vswitch.zone,
        vpc=vpc,
        vswitch=vswitch,
        name=name,
        **kwargs,
    )
    return settle(clb) if settle_ else clb


def make_clb_listener(account, clb, instances, *, port=80, backend_port=80, weight=100, **kw):
    kw.setdefault("health_check_interval", 1)
    kw.setdefault("healthy_threshold", 2)
    kw.setdefault("unhealthy_threshold", 2)
    return services.clb_listener_create(
        account=account,
        clb=clb,
        protocol=kw.pop("protocol", "TCP"),
        port=port,
        servers=[(i.pk, weight, backend_port) for i in instances],
        **kw,
    )


def lab3_provider(account):
    """Lab 3's provider side in Hangzhou: VPC2 with Zone H and Zone I vSwitches, ECS03/ECS04."""
    vpc = make_vpc(account, cidr="192.168.0.0/16", name="VPC2", region_id="cn-hangzhou")
    vsw_h = make_vswitch(account, vpc, cidr="192.168.3.0/24", zone_id="cn-hangzhou-h", name="h")
    vsw_i = make_vswitch(account, vpc, cidr="192.168.5.0/24", zone_id="cn-hangzhou-i", name="i")
    ecs03 = make_instance(account, vsw_h, name="ECS03", ip="192.168.3.190", body="ECS03")
    ecs04 = make_instance(account, vsw_i, name="ECS04", ip="192.168.5.20", body="ECS04")
    return vpc, (vsw_h, vsw_i), (ecs03, ecs04)


def make_alb(account, vpc, vswitches, *, name="alb1", settle_=True, **kwargs):
    alb = services.alb_create(
        account=account,
        region=region(vpc.region_id),
        vpc=vpc,
        zone_mappings=[(v.zone, v) for v in vswitches],
        name=name,
        **kwargs,
    )
    return settle(alb) if settle_ else alb


def make_server_group(account, vpc, *, name="RS1", instances=(), port=80, weight=100, **kwargs):
    kwargs.setdefault("health_check_interval", 1)
    kwargs.setdefault("healthy_threshold", 2)
    kwargs.setdefault("unhealthy_threshold", 2)
    group = services.server_group_create(account=account, vpc=vpc, name=name, **kwargs)
    if instances:
        backends = services.server_group_add_backends(
            account=account, group=group, servers=[(i.pk, port, weight) for i in instances]
        )
        for backend in backends:
            settle(backend)
    return group


def make_alb_listener(account, alb, group, *, port=80, settle_=True):
    listener = services.alb_listener_create(
        account=account, alb=alb, protocol="HTTP", port=port, server_group=group, name="web"
    )
    return settle(listener) if settle_ else listener


__all__ = [
    "lab1_provider",
    "lab3_provider",
    "make_alb",
    "make_alb_listener",
    "make_clb",
    "make_clb_listener",
    "make_server_group",
    "zone",
]
