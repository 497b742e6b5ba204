"""The labs' final states, built through the console's own services (as the pages would).

``lab1(consumer, provider)`` is Lab 1 when both are the same account and Lab 2 otherwise;
``lab3(account)`` is Lab 3. Each returns a namespace with every resource by its lab name.
"""

from types import SimpleNamespace

from console import services as console_services
from console.models import EcsInstance
from factories import (
    make_instance,
    make_security_group,
    make_vpc,
    make_vswitch,
    region,
    settle,
    zone,
)
from loadbalancer import health
from loadbalancer import services as lb
from network import services as network
from privatelink import services as pl
from privatelink.models import Endpoint, EndpointConnection, EndpointService


def activate(*accounts):
    for account in accounts:
        console_services.account_activate_privatelink(account=account)


def healthy_clb(listener):
    for _ in range(listener.healthy_threshold + 1):
        health.check_clb_listener(listener.pk)


def healthy_group(group):
    for _ in range(group.healthy_threshold + 1):
        health.check_server_group(group.pk)


def allow(provider, endpoint, *, auto_allocate=False):
    endpoint = Endpoint.objects.get(pk=endpoint.pk)
    service = EndpointService.objects.get(pk=endpoint.service_id)
    connection = pl.connection_allow(
        account=provider,
        service=service,
        connection=endpoint.connection,
        auto_allocate=auto_allocate,
    )
    return settle(connection)


def deny(provider, endpoint):
    endpoint = Endpoint.objects.get(pk=endpoint.pk)
    service = EndpointService.objects.get(pk=endpoint.service_id)
    return settle(
        pl.connection_deny(account=provider, service=service, connection=endpoint.connection)
    )


def lab1_provider(provider, *, weights=(100, 100)):
    vpc2 = make_vpc(provider, cidr="192.168.0.0/16", name="VPC2")
    vsw2 = make_vswitch(provider, vpc2, cidr="192.168.20.0/24", name="VSW2")
    ecs2 = make_instance(provider, vsw2, name="ECS2", ip="192.168.20.200", body="ECS2 page")
    ecs3 = make_instance(provider, vsw2, name="ECS3", ip="192.168.20.201", body="ECS3 page")
    clb = settle(
        lb.clb_create(
            account=provider,
            region=region(),
            zone=zone("eu-central-1b"),
            vpc=vpc2,
            vswitch=vsw2,
            specification="slb.s1.small",
            billing_method="PayAsYouGo",
            zone_type="multi",
            backup_zone=zone("eu-central-1a"),
            address_type="intranet",
            name="CLB1",
        )
    )
    listener = lb.clb_listener_create(
        account=provider,
        clb=clb,
        protocol="TCP",
        port=80,
        servers=[(ecs2.pk, weights[0], 80), (ecs3.pk, weights[1], 80)],
        health_check_interval=1,
        healthy_threshold=2,
        unhealthy_threshold=2,
    )
    healthy_clb(listener)
    return SimpleNamespace(vpc2=vpc2, vsw2=vsw2, ecs2=ecs2, ecs3=ecs3, clb=clb, listener=listener)


def lab1_consumer(consumer, *, cidr="10.10.0.0/16", vsw_cidr="10.10.0.0/24", ip="10.10.0.182"):
    vpc1 = make_vpc(consumer, cidr=cidr, name="VPC1")
    vsw1 = make_vswitch(consumer, vpc1, cidr=vsw_cidr, name="VSW1")
    sg1 = make_security_group(consumer, vpc1, name="SG1", inbound=[("tcp", "80/80", cidr)])
    ecs1 = make_instance(
        consumer, vsw1, groups=[sg1], name="ECS1", ip=ip, image="win2012r2", nginx=False
    )
    return SimpleNamespace(vpc1=vpc1, vsw1=vsw1, sg1=sg1, ecs1=ecs1)


def lab1(
    consumer,
    provider=None,
    *,
    connect=True,
    zone_affinity=True,
    consumer_kwargs=None,
    **provider_kwargs,
):
    """Lab 1 (one account) or Lab 2 (``provider`` another account), at its last step."""
    provider = provider or consumer
    activate(consumer, provider)
    p = lab1_provider(provider, **provider_kwargs)
    c = lab1_consumer(consumer, **(consumer_kwargs or {}))
    service = settle(
        pl.endpoint_service_create(
            account=provider,
            region=region(),
            resource_type="slb",
            resources=[(zone("eu-central-1b"), p.clb)],
            auto_accept=False,
            zone_affinity=zone_affinity,
            description="Lab service",
        )
    )
    if provider != consumer:
        pl.whitelist_add(account=provider, service=service, uids=[consumer.uid])
    endpoint = settle(
        pl.endpoint_create(
            account=consumer,
            region=region(),
            name="ep-lab",
            service=service,
            vpc=c.vpc1,
            security_groups=[c.sg1],
            zones=[(zone("eu-central-1b"), c.vsw1)],
        )
    )
    if connect:
        allow(provider, endpoint)
    return SimpleNamespace(
        consumer=consumer,
        provider=provider,
        service=service,
        endpoint=Endpoint.objects.get(pk=endpoint.pk),
        **vars(p),
        **vars(c),
    )


def lab3(account, *, connect=True, zone_affinity=False):
    """Lab 3: the ALB in Zones H and I as the service resource, endpoint ENIs in both zones."""
    account.alb_privatelink_privilege = True
    account.save(update_fields=["alb_privatelink_privilege"])
    activate(account)
    hz = "cn-hangzhou"
    vpc2 = make_vpc(account, cidr="192.168.0.0/16", name="VPC2", region_id=hz)
    vsw2_h = make_vswitch(account, vpc2, cidr="192.168.3.0/24", zone_id="cn-hangzhou-h", name="H2")
    vsw2_i = make_vswitch(account, vpc2, cidr="192.168.5.0/24", zone_id="cn-hangzhou-i", name="I2")
    ecs03 = make_instance(account, vsw2_h, name="ECS03", ip="192.168.3.190", body="ECS03")
    ecs04 = make_instance(account, vsw2_i, name="ECS04", ip="192.168.5.20", body="ECS04")
    alb = settle(
        lb.alb_create(
            account=account,
            region=region(hz),
            vpc=vpc2,
            zone_mappings=[(vsw2_h.zone, vsw2_h), (vsw2_i.zone, vsw2_i)],
            name="alb-lab3",
        )
    )
    group = lb.server_group_create(
        account=account,
        vpc=vpc2,
        name="RS1",
        health_check_interval=1,
        healthy_threshold=2,
        unhealthy_threshold=2,
    )
    backends = lb.server_group_add_backends(
        account=account, group=group, servers=[(ecs03.pk, 80, 100), (ecs04.pk, 80, 100)]
    )
    for backend in backends or group.backends.all():
        settle(backend)
    healthy_group(group)
    listener = settle(
        lb.alb_listener_create(
            account=account, alb=alb, protocol="HTTP", port=80, server_group=group, name="web"
        )
    )

    vpc1 = make_vpc(account, cidr="10.0.0.0/8", name="VPC1", region_id=hz)
    vsw1_h = make_vswitch(account, vpc1, cidr="10.0.10.0/24", zone_id="cn-hangzhou-h", name="H1")
    vsw1_i = make_vswitch(account, vpc1, cidr="10.10.0.0/24", zone_id="cn-hangzhou-i", name="I1")
    sg1 = make_security_group(
        account,
        vpc1,
        name="SG1",
        inbound=[
            ("icmp", "-1/-1", "0.0.0.0/0"),
            ("tcp", "22/22", "0.0.0.0/0"),
            ("tcp", "3389/3389", "0.0.0.0/0"),
            ("tcp", "80/80", "0.0.0.0/0"),
            ("tcp", "443/443", "0.0.0.0/0"),
        ],
    )
    ecs01 = make_instance(
        account, vsw1_h, groups=[sg1], name="ECS01", ip="10.0.10.3", image="win2012r2", nginx=False
    )
    ecs02 = make_instance(
        account, vsw1_i, groups=[sg1], name="ECS02", ip="10.10.0.27", image="win2012r2", nginx=False
    )
    service = settle(
        pl.endpoint_service_create(
            account=account,
            region=region(hz),
            resource_type="alb",
            resources=[(vsw2_h.zone, alb), (vsw2_i.zone, alb)],
            auto_accept=False,
            zone_affinity=zone_affinity,
            description="Lab 3 service",
        )
    )
    endpoint = settle(
        pl.endpoint_create(
            account=account,
            region=region(hz),
            name="ep-lab3",
            service=service,
            vpc=vpc1,
            security_groups=[sg1],
            zones=[(vsw1_h.zone, vsw1_h), (vsw1_i.zone, vsw1_i)],
        )
    )
    if connect:
        allow(account, endpoint, auto_allocate=True)
    return SimpleNamespace(
        consumer=account,
        provider=account,
        vpc2=vpc2,
        vsw2_h=vsw2_h,
        vsw2_i=vsw2_i,
        ecs03=ecs03,
        ecs04=ecs04,
        alb=alb,
        group=group,
        listener=listener,
        vpc1=vpc1,
        vsw1_h=vsw1_h,
        vsw1_i=vsw1_i,
        sg1=sg1,
        ecs01=ecs01,
        ecs02=ecs02,
        service=service,
        endpoint=Endpoint.objects.get(pk=endpoint.pk),
    )


def zone_domain(endpoint, zone_id):
    return endpoint.zones.get(zone_id=zone_id).domain


def eni_ip(endpoint, zone_id):
    return endpoint.zones.get(zone_id=zone_id).ip


def fresh(instance):
    return EcsInstance.objects.get(pk=instance.pk)


def browse(lab_or_account, instance, address, **kwargs):
    account = getattr(lab_or_account, "consumer", lab_or_account)
    return network.browse(account=account, instance=fresh(instance), address=address, **kwargs)


def connection(endpoint):
    return EndpointConnection.objects.get(pk=endpoint.pk)
