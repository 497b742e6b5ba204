"""Benchmarks (``manage.py bench``): simulated requests per second through Lab 3's topology.

Lab 3's final state (ALB in Zones H and I behind an endpoint service, an endpoint with an ENI
in each zone) is built through the console's services; then ECS01 and ECS02 open their zone
domains in turn. Measured: whole requests (snapshot + evaluation + the stored scheduler turn
and the Monitor count), and the pure evaluation alone.
"""

import time
from contextlib import contextmanager

from django.conf import settings
from django.db import connections

from console import lifecycle
from console import services as console_services
from console.models import Region, Zone
from loadbalancer import health
from loadbalancer import services as lb
from privatelink import services as pl
from privatelink.models import EndpointConnection

from . import dataplane, services, snapshot

REQUESTS = 400


@contextmanager
def _inline_worker():
    """Run the worker's steps inline (no Redis needed on a throwaway database)."""
    from console.celery import app

    before = app.conf.task_always_eager, settings.PROVISION_DELAY
    app.conf.task_always_eager, settings.PROVISION_DELAY = True, 0
    try:
        yield
    finally:
        app.conf.task_always_eager, settings.PROVISION_DELAY = before


def _done(obj):
    return lifecycle.complete(obj)


def _instance(account, vswitch, groups, name, ip, nginx):
    return _done(
        console_services.ecs_instance_create(
            account=account,
            zone=vswitch.zone,
            vpc=vswitch.vpc,
            vswitch=vswitch,
            name=name,
            image="aliyun_3" if nginx else "win2012r2",
            security_groups=groups,
            private_ip=ip,
            service="nginx" if nginx else "none",
            service_port=80,
            page_body=name,
        )
    )


def _vpc(account, region, cidr, name):
    return _done(
        console_services.vpc_create(account=account, region=region, cidr_block=cidr, name=name)
    )


def _vswitch(account, vpc, zone, cidr):
    return console_services.vswitch_create(account=account, vpc=vpc, zone=zone, cidr_block=cidr)


def _lab3_provider(account, region, zh, zi):
    """VPC2 with ECS03/ECS04 serving NGINX behind an Active ALB and its HTTP:80 listener."""
    vpc2 = _vpc(account, region, "192.168.0.0/16", "VPC2")
    h2 = _vswitch(account, vpc2, zh, "192.168.3.0/24")
    i2 = _vswitch(account, vpc2, zi, "192.168.5.0/24")
    sg2 = console_services.security_group_create(account=account, vpc=vpc2, name="web")
    ecs03 = _instance(account, h2, [sg2], "ECS03", "192.168.3.190", True)
    ecs04 = _instance(account, i2, [sg2], "ECS04", "192.168.5.20", True)
    alb = _done(
        lb.alb_create(
            account=account,
            region=region,
            vpc=vpc2,
            zone_mappings=[(zh, h2), (zi, i2)],
            name="alb-lab3",
        )
    )
    group = lb.server_group_create(account=account, vpc=vpc2, name="RS1")
    for backend in lb.server_group_add_backends(
        account=account, group=group, servers=[(ecs03.pk, 80, 100), (ecs04.pk, 80, 100)]
    ):
        _done(backend)
    for _ in range(group.healthy_threshold + 1):
        health.check_server_group(group.pk)
    _done(
        lb.alb_listener_create(
            account=account, alb=alb, protocol="HTTP", port=80, server_group=group, name="web"
        )
    )
    return alb


def _lab3_clients(account, region, zh, zi):
    """VPC1 with ECS01/ECS02 (no service) and SG1 open on port 80; returns the vSwitches,
    the group and the two clients."""
    vpc1 = _vpc(account, region, "10.0.0.0/8", "VPC1")
    h1 = _vswitch(account, vpc1, zh, "10.0.10.0/24")
    i1 = _vswitch(account, vpc1, zi, "10.10.0.0/24")
    sg1 = console_services.security_group_create(account=account, vpc=vpc1, name="SG1")
    console_services.security_group_rule_add(
        account=account,
        group=sg1,
        direction="ingress",
        protocol="tcp",
        port_range="80/80",
        cidr_block="0.0.0.0/0",
    )
    ecs01 = _instance(account, h1, [sg1], "ECS01", "10.0.10.3", False)
    ecs02 = _instance(account, i1, [sg1], "ECS02", "10.10.0.27", False)
    return vpc1, (h1, i1), sg1, (ecs01, ecs02)


def lab3_world():
    """Lab 3 at its last step; returns (account, endpoint, [(client, zone domain)])."""
    account = console_services.account_create(name="Bench Lab 3")
    account.alb_privatelink_privilege = True
    account.save(update_fields=["alb_privatelink_privilege"])
    console_services.account_activate_privatelink(account=account)
    region = Region.objects.get(pk="cn-hangzhou")
    zh, zi = Zone.objects.get(pk="cn-hangzhou-h"), Zone.objects.get(pk="cn-hangzhou-i")
    alb = _lab3_provider(account, region, zh, zi)
    vpc1, (h1, i1), sg1, (ecs01, ecs02) = _lab3_clients(account, region, zh, zi)
    service = _done(
        pl.endpoint_service_create(
            account=account,
            region=region,
            resource_type="alb",
            resources=[(zh, alb), (zi, alb)],
        )
    )
    endpoint = _done(
        pl.endpoint_create(
            account=account,
            region=region,
            name="ep-bench",
            service=service,
            vpc=vpc1,
            security_groups=[sg1],
            zones=[(zh, h1), (zi, i1)],
        )
    )
    connection = EndpointConnection.objects.get(pk=endpoint.pk)
    _done(
        pl.connection_allow(
            account=account, service=service, connection=connection, auto_allocate=True
        )
    )
    domains = {z.zone_id: z.domain for z in endpoint.zones.all()}
    clients = [(ecs01, domains["cn-hangzhou-h"]), (ecs02, domains["cn-hangzhou-i"])]
    return account, endpoint, clients


def dataplane_lab3(n=REQUESTS):
    with _inline_worker():
        account, endpoint, clients = lab3_world()
    first = services.browse(account=account, instance=clients[0][0], address=clients[0][1])
    assert first.ok, first.hops[-1]

    queries = []

    def count(execute, sql, params, many, context):
        queries.append(sql)
        return execute(sql, params, many, context)

    with connections["default"].execute_wrapper(count):
        services.browse(account=account, instance=clients[1][0], address=clients[1][1])
    per_request = len(queries)

    backends = {}
    start = time.perf_counter()
    for k in range(n):
        client, domain = clients[k % 2]
        outcome = services.browse(account=account, instance=client, address=domain)
        assert outcome.ok
        backends[outcome.backend_instance] = backends.get(outcome.backend_instance, 0) + 1
    whole = time.perf_counter() - start

    address = dataplane.parse_address(clients[0][1])
    snap = snapshot.load(client=clients[0][0], address=address)
    start = time.perf_counter()
    for _ in range(n * 10):
        dataplane.browse(snap, address, viewer=account.uid)
    pure = time.perf_counter() - start

    start = time.perf_counter()
    for _ in range(n):
        snapshot.load(client=clients[0][0], address=address)
    loading = time.perf_counter() - start

    count_now = EndpointConnection.objects.get(pk=endpoint.pk).request_count
    return {
        "Lab 3 requests (snapshot + trace + turn + count): per second": f"{n / whole:,.0f}",
        "Lab 3 requests: mean latency": f"{whole / n * 1000:.2f} ms",
        "Lab 3 requests: queries per request": per_request,
        "Lab 3 pure evaluation of a loaded snapshot: per second": f"{n * 10 / pure:,.0f}",
        "Lab 3 snapshot loads: per second": f"{n / loading:,.0f}",
        "Lab 3 backends chosen (ECS03 / ECS04)": " / ".join(
            str(v) for _, v in sorted(backends.items())
        ),
        "Lab 3 Monitor count after the run": count_now,
    }


BENCHMARKS = [("dataplane_lab3", dataplane_lab3)]
