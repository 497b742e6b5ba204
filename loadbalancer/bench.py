"""Benchmarks (``manage.py bench``): how long one health round takes for many backends."""

import ipaddress
import time

from django.db import transaction
from django.utils import timezone

from console import services as console_services
from console.ids import generate_id
from console.models import EcsInstance, PrivateIp, Region, Zone

from . import health, services
from .models import AlbBackend, ClbBackend, ClbInstance


def _world(n):
    """An account with a VPC, one vSwitch and ``n`` Running NGINX instances (bulk-created)."""
    account = console_services.account_create(name="Bench")
    region = Region.objects.get(pk="eu-central-1")
    zone = Zone.objects.get(pk="eu-central-1b")
    vpc = console_services.vpc_create(account=account, region=region, cidr_block="10.0.0.0/8")
    type(vpc).objects.filter(pk=vpc.pk).update(status="Available")
    vpc.refresh_from_db()
    vswitch = console_services.vswitch_create(
        account=account, vpc=vpc, zone=zone, cidr_block="10.1.0.0/20"
    )
    group = console_services.security_group_create(account=account, vpc=vpc, name="bench")
    base = int(ipaddress.IPv4Address("10.1.0.10"))
    instances = []
    for k in range(n):
        instance = EcsInstance(
            id=generate_id("i-"),
            account=account,
            region=region,
            zone=zone,
            vpc=vpc,
            vswitch=vswitch,
            name=f"bench{k}",
            image="aliyun_3",
            service="nginx",
            service_port=80,
            private_ip=str(ipaddress.IPv4Address(base + k)),
            status=EcsInstance.Status.RUNNING,
        )
        instances.append(instance)
    EcsInstance.objects.bulk_create(instances)
    PrivateIp.objects.bulk_create(
        PrivateIp(vswitch=vswitch, address=i.private_ip, holder_id=i.id) for i in instances
    )
    EcsInstance.security_groups.through.objects.bulk_create(
        EcsInstance.security_groups.through(ecsinstance_id=i.id, securitygroup_id=group.pk)
        for i in instances
    )
    return account, vpc, vswitch, instances


def _timed(function, *args):
    start = time.perf_counter()
    result = function(*args)
    return (time.perf_counter() - start) * 1000, result


class _Rollback(Exception):
    pass


def _clb_rounds(results, account, vpc, vswitch, instances):
    """Health rounds of one CLB listener over every instance; then half of them fail."""
    n = len(instances)
    clb = services.clb_create(
        account=account,
        region=vpc.region,
        zone=vswitch.zone,
        vpc=vpc,
        vswitch=vswitch,
        specification="slb.s3.large",
    )
    ClbInstance.objects.filter(pk=clb.pk).update(status="Active")
    clb.refresh_from_db()
    listener = services.clb_listener_create(
        account=account,
        clb=clb,
        protocol="TCP",
        port=80,
        servers=[(i.pk, 100, 80) for i in instances],
        healthy_threshold=2,
        unhealthy_threshold=2,
    )
    rounds = [_timed(health.check_clb_listener, listener.pk)[0] for _ in range(3)]
    normal = ClbBackend.objects.filter(listener=listener, health_status="Normal").count()
    results[f"CLB: one health round, {n} backends (ms, 3 rounds)"] = ", ".join(
        f"{r:.0f}" for r in rounds
    )
    results["CLB: backends Normal after 3 rounds"] = normal
    # Half of the instances stop: the round also flips and records events.
    EcsInstance.objects.filter(pk__in=[i.pk for i in instances[: n // 2]]).update(status="Stopped")
    rounds = [_timed(health.check_clb_listener, listener.pk)[0] for _ in range(2)]
    results[f"CLB: round with {n // 2} failing (ms, 2 rounds, 2nd flips)"] = ", ".join(
        f"{r:.0f}" for r in rounds
    )
    EcsInstance.objects.update(status="Running")


def _alb_rounds(results, account, vpc, instances):
    """Adding every instance to one ALB server group, then its health rounds."""
    n = len(instances)
    group = services.server_group_create(
        account=account, vpc=vpc, name="bench", health_check_interval=1
    )
    start = time.perf_counter()
    services.server_group_add_backends(
        account=account, group=group, servers=[(i.pk, 80, 100) for i in instances]
    )
    AlbBackend.objects.filter(server_group=group).update(status="Available")
    results[f"ALB: add {n} backend servers (ms)"] = f"{(time.perf_counter() - start) * 1000:.0f}"
    rounds = [_timed(health.check_server_group, group.pk)[0] for _ in range(3)]
    results[f"ALB: one health round, {n} backends (ms, 3 rounds)"] = ", ".join(
        f"{r:.0f}" for r in rounds
    )


def health_round(n=500):
    """One probe round of a CLB listener and of an ALB server group with ``n`` backends."""
    results = {}
    try:
        with transaction.atomic():
            account, vpc, vswitch, instances = _world(n)
            _clb_rounds(results, account, vpc, vswitch, instances)
            _alb_rounds(results, account, vpc, instances)
            results["health.due() with 1 listener + 1 group (ms)"] = (
                f"{_timed(health.due, timezone.now())[0]:.1f}"
            )
            raise _Rollback
    except _Rollback:
        pass
    return results


BENCHMARKS = [("loadbalancer: health round for 500 backends", health_round)]
