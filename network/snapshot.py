"""Load what one request can touch into a :class:`dataplane.Snapshot`, in a fixed few queries.

Only the client's own VPC is searched for the target address (PrivateLink never routes
between VPCs); beyond an endpoint ENI the chain is followed to the service, its load
balancers, their listeners and backends. The number of queries does not grow with the number
of backends or listeners (pinned in tests/network/test_net_routing.py).
"""

import ipaddress

from django.db.models import Prefetch, Q

from console.models import EcsInstance, SecurityGroup
from loadbalancer.models import (
    AlbBackend,
    AlbInstance,
    AlbListener,
    AlbZoneMapping,
    ClbBackend,
    ClbInstance,
    ClbListener,
)
from privatelink.models import Endpoint, EndpointZone, ServiceResource

from . import dataplane as dp
from .models import SchedulerState

ZONE_GONE = ("Deleting",)


def _is_ip(host):
    try:
        ipaddress.IPv4Address(host)
    except ValueError:
        return False
    return True


def instance_data(instance, group_ids=()):
    return dp.Instance(
        id=instance.pk,
        name=instance.name,
        owner=instance.account.uid,
        status=instance.status,
        vpc_id=instance.vpc_id,
        zone_id=instance.zone_id,
        ip=instance.private_ip,
        group_ids=tuple(group_ids),
        service=instance.service,
        service_port=instance.service_port,
        page_body=instance.page_body,
    )


def clb_scope(listener_pk):
    return f"clb-listener:{listener_pk}"


def alb_scope(group_pk):
    return f"server-group:{group_pk}"


def _names(host):
    """DNS: an endpoint domain, a zone domain or an ALB DNS name (one or two queries)."""
    zones = list(
        EndpointZone.objects.filter(Q(domain=host) | Q(endpoint__domain=host))
        .exclude(status__in=ZONE_GONE)
        .select_related("endpoint__service")
        .order_by("zone_id")
    )
    if zones:
        endpoint = zones[0].endpoint
        if endpoint.domain == host:
            service = endpoint.service
            return dp.NameEntry(
                host,
                tuple((z.ip, z.zone_id) for z in zones),
                zone_affinity=bool(service and service.zone_affinity),
                what="endpoint domain",
            )
        zone = next(z for z in zones if z.domain == host)
        return dp.NameEntry(host, ((zone.ip, zone.zone_id),), what="zone domain")
    if host.endswith(".alb.aliyuncs.com"):
        mappings = AlbZoneMapping.objects.filter(alb__dns_name=host).order_by("zone_id")
        records = tuple((m.address, m.zone_id) for m in mappings)
        if records:
            return dp.NameEntry(host, records, what="ALB DNS name")
    return None


def _clb_listeners(clb_ids):
    backends = ClbBackend.objects.select_related("instance__account").order_by("id")
    listeners = ClbListener.objects.filter(clb_id__in=clb_ids).prefetch_related(
        Prefetch("backends", queryset=backends)
    )
    result = {}
    for li in listeners:
        result.setdefault(li.clb_id, []).append(
            dp.Listener(
                id=str(li.pk),
                name=li.name,
                protocol=li.protocol,
                port=li.port,
                status=li.status,
                scheduler=li.scheduler or "wrr",
                scope=clb_scope(li.pk),
                backends=tuple(
                    dp.Backend(
                        key=f"{b.instance_id}:{b.port}",
                        instance=instance_data(b.instance),
                        port=b.port,
                        weight=b.weight,
                        # Health check off ("Unavailable") counts as healthy.
                        healthy=b.health_status != ClbBackend.Health.ABNORMAL,
                        health=b.health_status,
                    )
                    for b in li.backends.all()
                ),
            )
        )
    return result


def _alb_listeners(alb_ids):
    backends = (
        AlbBackend.objects.filter(status=AlbBackend.Status.AVAILABLE)
        .select_related("instance__account")
        .order_by("id")
    )
    listeners = (
        AlbListener.objects.filter(alb_id__in=alb_ids)
        .select_related("server_group")
        .prefetch_related(Prefetch("server_group__backends", queryset=backends))
    )
    result = {}
    for li in listeners:
        group = li.server_group
        result.setdefault(li.alb_id, []).append(
            dp.Listener(
                id=li.pk,
                name=li.name,
                protocol=li.protocol,
                port=li.port,
                status=li.status,
                scheduler=group.scheduler,
                scope=alb_scope(group.pk),
                group_id=group.pk,
                group_name=group.name,
                backends=tuple(
                    dp.Backend(
                        key=f"{b.instance_id}:{b.port}",
                        instance=instance_data(b.instance),
                        port=b.port,
                        weight=b.weight,
                        healthy=b.health_status != AlbBackend.Health.UNHEALTHY,
                        health=b.health_status,
                    )
                    for b in group.backends.all()
                ),
            )
        )
    return result


def _load_balancers(clb_ids, alb_ids):
    lbs = {}
    if clb_ids:
        listeners = _clb_listeners(clb_ids)
        for clb in ClbInstance.objects.filter(pk__in=clb_ids).select_related("account"):
            lbs[clb.pk] = dp.LoadBalancer(
                kind="clb",
                id=clb.pk,
                name=clb.name,
                owner=clb.account.uid,
                status=clb.status,
                vpc_id=clb.vpc_id,
                addresses=tuple((z, clb.address) for z in sorted(clb.zone_ids) if clb.address),
                listeners=tuple(listeners.get(clb.pk, ())),
            )
    if alb_ids:
        listeners = _alb_listeners(alb_ids)
        albs = AlbInstance.objects.filter(pk__in=alb_ids).select_related("account")
        for alb in albs.prefetch_related("zone_mappings"):
            lbs[alb.pk] = dp.LoadBalancer(
                kind="alb",
                id=alb.pk,
                name=alb.name,
                owner=alb.account.uid,
                status=alb.status,
                vpc_id=alb.vpc_id,
                addresses=tuple((m.zone_id, m.address) for m in alb.zone_mappings.all()),
                listeners=tuple(listeners.get(alb.pk, ())),
            )
    return lbs


def _addresses(address):
    """The DNS names the request resolves and every IP address it may go to."""
    names, ips = {}, set()
    if _is_ip(address.host):
        ips.add(address.host)
    else:
        entry = _names(address.host)
        if entry is not None:
            names[address.host] = entry
            ips.update(ip for ip, _ in entry.records)
    return names, ips


def _reached(ips, vpc):
    """What answers at ``ips`` in ``vpc``: (ENI rows, instances, targets, CLB IDs, ALB IDs)."""
    targets, clb_ids, alb_ids = {}, set(), set()
    if not ips:
        return [], [], targets, clb_ids, alb_ids
    eni_rows = list(
        EndpointZone.objects.filter(ip__in=ips, vswitch__vpc_id=vpc.pk)
        .exclude(status__in=ZONE_GONE)
        .select_related(
            "zone", "endpoint__account", "endpoint__connection", "endpoint__service__account"
        )
    )
    target_instances = list(
        EcsInstance.objects.filter(private_ip__in=ips, vpc_id=vpc.pk).select_related("account")
    )
    for clb in ClbInstance.objects.filter(address__in=ips, vpc_id=vpc.pk).only("pk", "address"):
        targets[clb.address] = dp.Target("clb", clb.pk)
        clb_ids.add(clb.pk)
    for m in AlbZoneMapping.objects.filter(address__in=ips, vswitch__vpc_id=vpc.pk):
        targets[m.address] = dp.Target("alb", m.alb_id, zone_id=m.zone_id)
        alb_ids.add(m.alb_id)
    return eni_rows, target_instances, targets, clb_ids, alb_ids


def _service_resources(by_endpoint, clb_ids, alb_ids):
    """The resources of the services of the endpoints reached; their load balancers join in."""
    service_ids = {rows[0].endpoint.service_id for rows in by_endpoint.values()} - {None}
    resources = {}
    if service_ids:
        for r in ServiceResource.objects.filter(service_id__in=service_ids):
            resources.setdefault(r.service_id, []).append(
                dp.ServiceResource(r.zone_id, "clb" if r.clb_id else "alb", r.clb_id or r.alb_id)
            )
            (clb_ids if r.clb_id else alb_ids).add(r.clb_id or r.alb_id)
    return resources


def _links(through, column, ids):
    """{owner ID: [security group IDs]} through the many-to-many table ``through``."""
    links = {}
    if ids:
        rows = through.objects.filter(**{f"{column}__in": list(ids)}).values_list(
            column, "securitygroup_id"
        )
        for owner_id, group_id in rows:
            links.setdefault(owner_id, []).append(group_id)
    return links


def _groups(group_ids):
    """The security groups ``group_ids``, with their rules."""
    groups = {}
    for group in (
        SecurityGroup.objects.filter(pk__in=group_ids)
        .select_related("account")
        .prefetch_related("rules")
    ):
        groups[group.pk] = dp.Group(
            id=group.pk,
            name=group.name,
            owner=group.account.uid,
            rules=tuple(
                dp.Rule(
                    id=r.pk,
                    direction=r.direction,
                    policy=r.policy,
                    priority=r.priority,
                    protocol=r.protocol,
                    port_from=r.port_from,
                    port_to=r.port_to,
                    cidr=r.cidr_block,
                    peer_group_id=r.peer_group_id,
                )
                for r in group.rules.all()
            ),
        )
    return groups


def _endpoint_data(rows, group_ids, resources):
    """One endpoint reached (``rows``: its ENIs reached) as the data plane sees it."""
    endpoint = rows[0].endpoint
    service = endpoint.service
    connection = getattr(endpoint, "connection", None)
    return dp.Endpoint(
        id=endpoint.pk,
        name=endpoint.name,
        owner=endpoint.account.uid,
        status=endpoint.status,
        vpc_id=endpoint.vpc_id,
        domain=endpoint.domain,
        service_ref=endpoint.service_ref,
        enis=tuple(
            dp.Eni(
                id=r.eni_id,
                zone_id=r.zone_id,
                zone_name=r.zone.name,
                ip=r.ip,
                domain=r.domain,
                status=r.status,
            )
            for r in rows
        ),
        group_ids=tuple(sorted(group_ids)),
        connection=dp.Connection(connection.pk, connection.status) if connection else None,
        service=dp.Service(
            id=service.pk,
            owner=service.account.uid,
            status=service.status,
            zone_affinity=service.zone_affinity,
            resources=tuple(resources.get(service.pk, ())),
        )
        if service
        else None,
    )


def _turns(lbs, address):
    scopes = {li.scope for lb in lbs.values() for li in lb.listeners if li.port == address.port}
    turns = {}
    if scopes:
        for state in SchedulerState.objects.filter(scope__in=scopes):
            turns[state.scope] = dp.SchedulerTurn(state.version, dict(state.current))
    return turns


def load(*, client, address):
    """The snapshot for a request from the instance ``client`` (an ``EcsInstance``) to
    ``address`` (a :class:`dataplane.Address`)."""
    client = EcsInstance.objects.select_related("vpc__account", "account").get(pk=client.pk)
    vpc = client.vpc
    names, ips = _addresses(address)
    eni_rows, target_instances, targets, clb_ids, alb_ids = _reached(ips, vpc)

    # Endpoints reached, with their services' resources.
    by_endpoint = {}
    for row in eni_rows:
        by_endpoint.setdefault(row.endpoint_id, []).append(row)
        targets[row.ip] = dp.Target("eni", row.endpoint_id, zone_id=row.zone_id, eni_id=row.eni_id)
    resources = _service_resources(by_endpoint, clb_ids, alb_ids)

    # Security groups: the client's, the target instances' and the endpoints' (with rules).
    instance_ids = [client.pk] + [i.pk for i in target_instances]
    group_links = _links(EcsInstance.security_groups.through, "ecsinstance_id", instance_ids)
    endpoint_links = _links(Endpoint.security_groups.through, "endpoint_id", by_endpoint)
    groups = _groups({g for ids in (*group_links.values(), *endpoint_links.values()) for g in ids})

    instances = {}
    for instance in target_instances:
        instances[instance.pk] = instance_data(instance, sorted(group_links.get(instance.pk, ())))
        targets[instance.private_ip] = dp.Target("instance", instance.pk)
    endpoints = {
        endpoint_id: _endpoint_data(rows, endpoint_links.get(endpoint_id, ()), resources)
        for endpoint_id, rows in by_endpoint.items()
    }
    lbs = _load_balancers(clb_ids, alb_ids)
    return dp.Snapshot(
        client=instance_data(client, sorted(group_links.get(client.pk, ()))),
        vpc=dp.Vpc(vpc.pk, vpc.name, vpc.account.uid, vpc.cidr_block),
        names=names,
        targets=targets,
        groups=groups,
        instances=instances,
        endpoints=endpoints,
        load_balancers=lbs,
        turns=_turns(lbs, address),
    )
