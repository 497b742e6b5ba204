"""CLB (2014-05-15): instances, listeners, the default server group, health. Wrapped lists
for instances and servers, a flat ``Listeners`` list with NextToken / MaxResults."""

from console.models import EcsInstance, VSwitch, Zone
from loadbalancer import services
from loadbalancer.models import ClbBackend, ClbInstance, ClbListener

from ..errors import ApiError, illegal, missing
from ..models import ClbDefaultServer, ClbListenerPort
from ..registry import operation
from .common import iso, lookup, numbered_page, token_page

VERSION = "2014-05-15"
LB_NOT_FOUND = "InvalidLoadBalancerId.NotFound"
PAY_TYPES = {"PayOnDemand": "PayAsYouGo", "PrePay": "Subscription"}
LISTENER_FIELDS = {
    "port": "ListenerPort",
    "servers": "BackendServers",
    "health_check_port": "HealthCheckConnectPort",
    "health_check_path": "HealthCheckURI",
    "health_check_interval": "HealthCheckInterval",
    "healthy_threshold": "HealthyThreshold",
    "unhealthy_threshold": "UnhealthyThreshold",
    "health_check_codes": "HealthCheckHttpCode",
}


def _lb(call):
    return lookup(ClbInstance, call, "LoadBalancerId", LB_NOT_FOUND, "load balancer")


def lb_row(lb):
    return {
        "LoadBalancerId": lb.id,
        "LoadBalancerName": lb.name,
        "LoadBalancerStatus": lb.status.lower(),
        "Address": lb.address or "",
        "AddressType": lb.address_type,
        "AddressIPVersion": lb.ip_version,
        "NetworkType": lb.network_type,
        "VpcId": lb.vpc_id,
        "VSwitchId": lb.vswitch_id,
        "RegionId": lb.region_id,
        "MasterZoneId": lb.zone_id,
        "SlaveZoneId": lb.backup_zone_id or "",
        "LoadBalancerSpec": lb.specification,
        "PayType": "PrePay" if lb.billing_method == "Subscription" else "PayOnDemand",
        "InternetChargeType": "paybytraffic",
        "CreateTime": iso(lb.created_at),
        "CreateTimeStamp": int(lb.created_at.timestamp() * 1000),
    }


@operation(
    VERSION,
    "CreateLoadBalancer",
    write=True,
    resource="LoadBalancer",
    fields={"vswitch": "VSwitchId", "zone": "MasterZoneId", "backup_zone": "SlaveZoneId"}
    | {"specification": "LoadBalancerSpec", "address_type": "AddressType"}
    | {"name": "LoadBalancerName", "billing_method": "PayType", "ip_version": "AddressIPVersion"},
    idempotent="LoadBalancerId",
)
def create_load_balancer(call):
    p = call.params
    if not p.str("VSwitchId"):
        raise missing("VSwitchId")
    vswitch = lookup(VSwitch, call, "VSwitchId", "InvalidVSwitchId.NotFound", "vSwitch")
    if p.str("VpcId") and p.str("VpcId", max_length=64) != vswitch.vpc_id:
        raise illegal("VpcId", f"The vSwitch {vswitch.id} belongs to VPC {vswitch.vpc_id}.")
    zone = _zone(p.str("MasterZoneId", max_length=64) or vswitch.zone_id, "MasterZoneId")
    backup = p.str("SlaveZoneId", max_length=64)
    pay_type = p.str("PayType", default="PayOnDemand", max_length=32)
    if pay_type not in PAY_TYPES:
        raise illegal("PayType", "Use PayOnDemand or PrePay.")
    lb = services.clb_create(
        account=call.account,
        actor=call.actor,
        region=call.region,
        zone=zone,
        vpc=vswitch.vpc,
        vswitch=vswitch,
        specification=p.str("LoadBalancerSpec", default="slb.s1.small", max_length=32),
        billing_method=PAY_TYPES[pay_type],
        zone_type="multi" if backup else "single",
        backup_zone=_zone(backup, "SlaveZoneId") if backup else None,
        name=p.str("LoadBalancerName", max_length=128),
        address_type=p.str("AddressType", default="intranet", max_length=16),
        ip_version=p.str("AddressIPVersion", default="ipv4", max_length=8),
    )
    row = lb_row(lb)
    keys = ("LoadBalancerId", "LoadBalancerName", "Address", "AddressIPVersion", "NetworkType")
    return {k: row[k] for k in keys + ("VpcId", "VSwitchId")}


def _zone(zone_id, param):
    zone = Zone.objects.filter(pk=zone_id).first()
    if zone is None:
        raise ApiError("InvalidParameter.ZoneId", f"{param}: the zone {zone_id} does not exist.")
    return zone


@operation(VERSION, "DescribeLoadBalancers")
def describe_load_balancers(call):
    p = call.params
    rows = ClbInstance.objects.for_account(call.account).filter(region=call.region)
    if p.str("LoadBalancerId"):
        rows = rows.filter(pk__in=p.str("LoadBalancerId", max_length=2048).split(","))
    for param, field in (
        ("VpcId", "vpc_id"),
        ("VSwitchId", "vswitch_id"),
        ("LoadBalancerName", "name"),
        ("Address", "address"),
    ):
        if p.str(param):
            rows = rows.filter(**{field: p.str(param, max_length=128)})
    page, paging = numbered_page(call, rows, default=50, maximum=100)
    return {"LoadBalancers": {"LoadBalancer": [lb_row(lb) for lb in page]}, **paging}


def default_servers(lb):
    """``{instance_id: weight}``: the API's default group and every listener's backends."""
    servers = dict(ClbBackend.objects.filter(listener__clb=lb).values_list("instance_id", "weight"))
    servers.update(ClbDefaultServer.objects.filter(clb=lb).values_list("instance_id", "weight"))
    return servers


def _server_rows(lb):
    servers = default_servers(lb)
    ips = dict(EcsInstance.objects.filter(pk__in=servers).values_list("pk", "private_ip"))
    return [
        {"ServerId": sid, "Weight": weight, "Type": "ecs", "ServerIp": ips.get(sid, "")}
        for sid, weight in servers.items()
    ]


@operation(VERSION, "DescribeLoadBalancerAttribute")
def describe_load_balancer_attribute(call):
    lb = _lb(call)
    listeners = list(ClbListener.objects.filter(clb=lb))
    return {
        **lb_row(lb),
        "BackendServers": {"BackendServer": _server_rows(lb)},
        "ListenerPorts": {"ListenerPort": [li.port for li in listeners]},
        "ListenerPortsAndProtocol": {
            "ListenerPortAndProtocol": [
                {"ListenerPort": li.port, "ListenerProtocol": li.protocol.lower()}
                for li in listeners
            ]
        },
    }


@operation(VERSION, "DeleteLoadBalancer", write=True, resource="LoadBalancer")
def delete_load_balancer(call):
    services.clb_delete(account=call.account, actor=call.actor, instance=_lb(call))
    return {}


def _on(value):
    return (value or "on").lower() != "off"


def _create_listener(call, protocol):
    p = call.params
    lb = _lb(call)
    backend_port = p.int("BackendServerPort", required=True, low=1, high=65535)
    servers = [(sid, w, backend_port) for sid, w in default_servers(lb).items()]
    switch = p.str("HealthCheckSwitch" if protocol == "TCP" else "HealthCheck", max_length=8)
    check_type = p.str("HealthCheckType", default="tcp", max_length=8).upper()
    if protocol == "HTTP":
        check_type = "HTTP"
    codes = p.str("HealthCheckHttpCode", default="http_2xx,http_3xx", max_length=64)
    interval = p.int("healthCheckInterval", low=1, high=50) or p.int(
        "HealthCheckInterval", default=2, low=1, high=50
    )
    listener = services.clb_listener_create(
        account=call.account,
        actor=call.actor,
        clb=lb,
        protocol=protocol,
        port=p.str("ListenerPort", required=True, max_length=8),
        servers=servers,
        name=p.str("Description", max_length=80),
        health_check_enabled=_on(switch),
        health_check_protocol=check_type,
        health_check_port=p.int("HealthCheckConnectPort", low=1, high=65535),
        health_check_path=p.str("HealthCheckURI", default="/", max_length=80),
        health_check_codes=codes.split(","),
        health_check_interval=interval,
        healthy_threshold=p.int("HealthyThreshold", default=3, low=1, high=10),
        unhealthy_threshold=p.int("UnhealthyThreshold", default=3, low=1, high=10),
        require_servers=False,
    )
    ClbListenerPort.objects.update_or_create(
        listener=listener, defaults={"backend_port": backend_port}
    )
    return {}


@operation(
    VERSION,
    "CreateLoadBalancerTCPListener",
    write=True,
    resource="Listener",
    fields=LISTENER_FIELDS,
)
def create_tcp_listener(call):
    return _create_listener(call, "TCP")


@operation(
    VERSION,
    "CreateLoadBalancerHTTPListener",
    write=True,
    resource="Listener",
    fields=LISTENER_FIELDS,
)
def create_http_listener(call):
    return _create_listener(call, "HTTP")


def listener_row(listener):
    port = getattr(getattr(listener, "api_port", None), "backend_port", None)
    backend = next(iter(listener.backends.all()), None)
    check = {
        "HealthCheck": "on" if listener.health_check_enabled else "off",
        "HealthCheckType": listener.health_check_protocol.lower(),
        "HealthCheckURI": listener.health_check_path,
        "HealthCheckConnectPort": listener.health_check_port,
        "HealthCheckInterval": listener.health_check_interval,
        "HealthyThreshold": listener.healthy_threshold,
        "UnhealthyThreshold": listener.unhealthy_threshold,
        "HealthCheckHttpCode": listener.health_check_codes,
    }
    config = "TCPListenerConfig" if listener.protocol in ("TCP", "UDP") else "HTTPListenerConfig"
    return {
        "LoadBalancerId": listener.clb_id,
        "ListenerPort": listener.port,
        "ListenerProtocol": listener.protocol.lower(),
        "Status": listener.status.lower(),
        "BackendServerPort": port or (backend.port if backend else listener.port),
        "Description": listener.name,
        "Scheduler": listener.scheduler,
        config: check,
    }


@operation(VERSION, "DescribeLoadBalancerListeners")
def describe_load_balancer_listeners(call):
    p = call.params
    rows = ClbListener.objects.for_account(call.account).filter(clb__region=call.region)
    ids = p.list("LoadBalancerId", limit=10)
    if ids:
        rows = rows.filter(clb_id__in=ids)
    if p.str("ListenerProtocol"):
        rows = rows.filter(protocol=p.str("ListenerProtocol", max_length=8).upper())
    if p.str("ListenerPort"):
        rows = rows.filter(port=p.int("ListenerPort", low=1, high=65535))
    rows = rows.select_related("api_port").prefetch_related("backends").order_by("clb_id", "port")
    page, paging = token_page(call, rows, default=20, maximum=100)
    return {"Listeners": [listener_row(li) for li in page], **paging}


def _listener(call, lb=None):
    p = call.params
    lb = lb or _lb(call)
    port = p.int("ListenerPort", required=True, low=1, high=65535)
    rows = ClbListener.objects.for_account(call.account).filter(clb=lb, port=port)
    if p.str("ListenerProtocol"):
        rows = rows.filter(protocol=p.str("ListenerProtocol", max_length=8).upper())
    listener = rows.first()
    if listener is None:
        raise ApiError(
            "InvalidParameter.ListenerNotFound",
            f"The load balancer {lb.id} has no listener on port {port}.",
            404,
        )
    return listener


@operation(VERSION, "StartLoadBalancerListener", write=True, resource="Listener")
def start_listener(call):
    listener = _listener(call)
    # The cloud creates listeners stopped; the console's are running already: starting a
    # running listener changes nothing.
    if listener.status != ClbListener.Status.RUNNING:
        services.clb_listener_start(account=call.account, actor=call.actor, listener=listener)
    return {}


@operation(VERSION, "StopLoadBalancerListener", write=True, resource="Listener")
def stop_listener(call):
    listener = _listener(call)
    services.clb_listener_stop(account=call.account, actor=call.actor, listener=listener)
    return {}


def _backend_servers(call):
    """``BackendServers``: a JSON array of ``{"ServerId", "Weight", "Type"}``."""
    servers = call.params.json("BackendServers", required=True)
    if not isinstance(servers, list) or not servers or len(servers) > 20:
        raise illegal("BackendServers", "Give a JSON array of 1 to 20 servers.")
    parsed = []
    for server in servers:
        if not isinstance(server, dict) or not isinstance(server.get("ServerId"), str):
            raise illegal("BackendServers", 'Each server is {"ServerId": "i-…", "Weight": 100}.')
        weight = server.get("Weight", 100)
        try:
            weight = int(weight)
        except (TypeError, ValueError):
            raise illegal("BackendServers", "Weight is an integer from 0 to 100.") from None
        if not 0 <= weight <= 100:
            raise illegal("BackendServers", "Weight is an integer from 0 to 100.")
        parsed.append((server["ServerId"], weight))
    return parsed


@operation(
    VERSION,
    "AddBackendServers",
    write=True,
    resource="LoadBalancer",
    fields={"servers": "BackendServers"},
)
def add_backend_servers(call):
    lb = _lb(call)
    servers = _backend_servers(call)
    ids = [sid for sid, _ in servers]
    found = {
        i.pk: i
        for i in EcsInstance.objects.for_account(call.account).filter(pk__in=ids, vpc_id=lb.vpc_id)
    }
    for sid in ids:
        if sid not in found:
            raise ApiError(
                "BackendServer.NotExist",
                f"The ECS instance {sid} does not exist in VPC {lb.vpc_id} of this account.",
                404,
            )
    for sid, weight in servers:
        ClbDefaultServer.objects.update_or_create(
            clb=lb, instance=found[sid], defaults={"weight": weight, "account": call.account}
        )
    for listener in ClbListener.objects.filter(clb=lb).select_related("api_port"):
        port = listener_row(listener)["BackendServerPort"]
        services.clb_listener_add_backends(
            account=call.account,
            actor=call.actor,
            listener=listener,
            servers=[(sid, weight, port) for sid, weight in servers],
        )
    return {"LoadBalancerId": lb.id, "BackendServers": {"BackendServer": _server_rows(lb)}}


@operation(VERSION, "RemoveBackendServers", write=True, resource="LoadBalancer")
def remove_backend_servers(call):
    lb = _lb(call)
    raw = call.params.json("BackendServers", required=True)
    if isinstance(raw, list) and all(isinstance(s, str) for s in raw):
        ids = raw
    else:
        ids = [sid for sid, _ in _backend_servers(call)]
    ClbDefaultServer.objects.filter(clb=lb, instance_id__in=ids).delete()
    for listener in ClbListener.objects.filter(clb=lb):
        services.clb_listener_remove_backends(
            account=call.account, actor=call.actor, listener=listener, instance_ids=ids
        )
    return {"LoadBalancerId": lb.id, "BackendServers": {"BackendServer": _server_rows(lb)}}


@operation(VERSION, "DescribeHealthStatus")
def describe_health_status(call):
    p = call.params
    lb = _lb(call)
    rows = ClbBackend.objects.filter(listener__clb=lb).select_related("listener", "instance")
    if p.str("ListenerPort"):
        rows = rows.filter(listener__port=p.int("ListenerPort", low=1, high=65535))
    if p.str("ListenerProtocol"):
        rows = rows.filter(listener__protocol=p.str("ListenerProtocol", max_length=8).upper())
    servers = [
        {
            "ListenerPort": b.listener.port,
            "Protocol": b.listener.protocol.lower(),
            "ServerId": b.instance_id,
            "ServerIp": b.instance.private_ip,
            "Port": b.port,
            "ServerHealthStatus": b.health_status.lower(),
        }
        for b in rows.order_by("listener__port", "id")
    ]
    return {"BackendServers": {"BackendServer": servers}}
