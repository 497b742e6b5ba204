"""ALB (2020-06-16): instances, server groups, servers, listeners, health, async jobs.

Flat lists with NextToken / MaxResults. ALB requests carry no RegionId: the call's region is
``RegionId`` when given, else the console's default region. Writes answer a ``JobId`` that
ListAsynJobs reports as Processing until the resource has settled.
"""

from django.db.models import Count

from console.errors import ConsoleError
from console.models import Vpc, VSwitch, Zone
from loadbalancer import services
from loadbalancer.models import AlbBackend, AlbInstance, AlbListener, AlbServerGroup

from ..errors import ApiError, illegal, missing
from ..registry import operation
from .common import iso, lookup, token_page

VERSION = "2020-06-16"
LB_NOT_FOUND = "ResourceNotFound.LoadBalancer"
SG_NOT_FOUND = "ResourceNotFound.ServerGroup"
LISTENER_NOT_FOUND = "ResourceNotFound.Listener"
EDITIONS = {"Basic": "Basic", "Standard": "Standard", "StandardWithWaf": "StandardWithWaf"}


def _in_region(call, rows):
    """ALB requests carry no RegionId: without one, every region of the account."""
    if call.params.str("RegionId"):
        return rows.filter(region=call.region)
    return rows


def job_id(resource_id):
    return f"job-{resource_id}"


def _alb(call):
    return lookup(AlbInstance, call, "LoadBalancerId", LB_NOT_FOUND, "load balancer")


def _group(call):
    return lookup(AlbServerGroup, call, "ServerGroupId", SG_NOT_FOUND, "server group")


def _zone_mappings(call, vpc):
    mappings = []
    for item in call.params.structs("ZoneMappings", limit=10):
        if not item.get("VSwitchId"):
            raise missing("ZoneMappings.N.VSwitchId")
        vswitch = lookup(
            VSwitch,
            call,
            "ZoneMappings.N.VSwitchId",
            "ResourceNotFound.VSwitch",
            "vSwitch",
            value=item["VSwitchId"],
        )
        zone = Zone.objects.filter(pk=item.get("ZoneId") or vswitch.zone_id).first()
        if zone is None:
            raise illegal("ZoneMappings.N.ZoneId", "The zone does not exist.")
        mappings.append((zone, vswitch))
    if not mappings:
        raise missing("ZoneMappings")
    return mappings


@operation(
    VERSION,
    "CreateLoadBalancer",
    write=True,
    resource="LoadBalancer",
    fields={"name": "LoadBalancerName", "zones": "ZoneMappings", "vpc": "VpcId"}
    | {"network_type": "AddressType", "edition": "LoadBalancerEdition"}
    | {"ip_mode": "AddressAllocatedMode"},
    idempotent="LoadBalancerId",
)
def create_load_balancer(call):
    p = call.params
    vpc = lookup(Vpc, call, "VpcId", "ResourceNotFound.Vpc", "VPC")
    alb = services.alb_create(
        account=call.account,
        actor=call.actor,
        region=vpc.region,
        vpc=vpc,
        zone_mappings=_zone_mappings(call, vpc),
        name=p.str("LoadBalancerName", max_length=128) or "alb",
        network_type=p.str("AddressType", default="Intranet", max_length=16).replace(
            "Intranet", "Internal"
        ),
        ip_mode=p.str("AddressAllocatedMode", default="Fixed", max_length=16).replace(
            "Fixed", "Static"
        ),
        edition=p.str("LoadBalancerEdition", default="Basic", max_length=32),
    )
    return {"LoadBalancerId": alb.id, "JobId": job_id(alb.id)}


def alb_row(alb):
    return {
        "LoadBalancerId": alb.id,
        "LoadBalancerName": alb.name,
        "LoadBalancerStatus": alb.status,
        "LoadBalancerBussinessStatus": "Normal",
        "LoadBalancerEdition": alb.edition,
        "AddressType": "Intranet" if alb.network_type == "Internal" else "Internet",
        "AddressAllocatedMode": "Fixed" if alb.ip_mode == "Static" else "Dynamic",
        "AddressIpVersion": "IPv4",
        "DNSName": alb.dns_name,
        "VpcId": alb.vpc_id,
        "ResourceGroupId": alb.resource_group,
        "CreateTime": iso(alb.created_at),
        "LoadBalancerBillingConfig": {"PayType": "PostPay"},
    }


@operation(VERSION, "ListLoadBalancers")
def list_load_balancers(call):
    p = call.params
    rows = _in_region(call, AlbInstance.objects.for_account(call.account))
    ids = p.list("LoadBalancerIds", limit=20)
    if ids:
        rows = rows.filter(pk__in=ids)
    vpcs = p.list("VpcIds", limit=20)
    if vpcs:
        rows = rows.filter(vpc_id__in=vpcs)
    if p.str("LoadBalancerStatus"):
        rows = rows.filter(status=p.str("LoadBalancerStatus", max_length=32))
    page, paging = token_page(call, rows, default=20, maximum=100)
    return {"LoadBalancers": [alb_row(a) for a in page], **paging}


@operation(VERSION, "GetLoadBalancerAttribute")
def get_load_balancer(call):
    alb = _alb(call)
    zones = [
        {
            "ZoneId": m.zone_id,
            "VSwitchId": m.vswitch_id,
            "LoadBalancerAddresses": [{"Address": m.address, "IntranetAddress": m.address}],
        }
        for m in alb.zone_mappings.all()
    ]
    return {**alb_row(alb), "RegionId": alb.region_id, "ZoneMappings": zones}


@operation(VERSION, "DeleteLoadBalancer", write=True, resource="LoadBalancer")
def delete_load_balancer(call):
    alb = _alb(call)
    services.alb_delete(account=call.account, actor=call.actor, instance=alb)
    return {"JobId": job_id(alb.id)}


def _health_config(call):
    """``HealthCheckConfig.*`` as the server group service's keyword arguments."""
    p = call.params
    prefix = "HealthCheckConfig."
    config = {k[len(prefix) :]: v for k, v in p.data.items() if k.startswith(prefix)}
    settings = {}
    if "HealthCheckEnabled" in config:
        settings["health_check_enabled"] = p.bool(prefix + "HealthCheckEnabled")
    for key, name in (
        ("HealthCheckProtocol", "health_check_protocol"),
        ("HealthCheckPath", "health_check_path"),
        ("HealthCheckMethod", "health_check_method"),
    ):
        if key in config:
            settings[name] = config[key]
    for key, name in (
        ("HealthCheckInterval", "health_check_interval"),
        ("HealthCheckTimeout", "health_check_timeout"),
        ("HealthyThreshold", "healthy_threshold"),
        ("UnhealthyThreshold", "unhealthy_threshold"),
    ):
        if key in config:
            settings[name] = p.int(prefix + key, low=1, high=300)
    codes = [v for k, v in sorted(config.items()) if k.startswith("HealthCheckCodes.")]
    if codes:
        settings["health_check_codes"] = codes
    return settings


@operation(
    VERSION,
    "CreateServerGroup",
    write=True,
    resource="ServerGroup",
    fields={"name": "ServerGroupName", "protocol": "Protocol", "scheduler": "Scheduler"}
    | {"server_group_type": "ServerGroupType", "health_check_path": "HealthCheckConfig"}
    | {"health_check_protocol": "HealthCheckConfig", "health_check_codes": "HealthCheckConfig"}
    | {"health_check_interval": "HealthCheckConfig", "health_check_method": "HealthCheckConfig"},
    idempotent="ServerGroupId",
)
def create_server_group(call):
    p = call.params
    vpc = lookup(Vpc, call, "VpcId", "ResourceNotFound.Vpc", "VPC")
    group = services.server_group_create(
        account=call.account,
        actor=call.actor,
        vpc=vpc,
        name=p.str("ServerGroupName", required=True, max_length=128),
        server_group_type=p.str("ServerGroupType", default="Instance", max_length=16),
        protocol=p.str("Protocol", default="HTTP", max_length=8),
        scheduler=p.str("Scheduler", default="Wrr", max_length=8),
        **_health_config(call),
    )
    return {"ServerGroupId": group.id, "JobId": job_id(group.id)}


def group_row(group):
    return {
        "ServerGroupId": group.id,
        "ServerGroupName": group.name,
        "ServerGroupStatus": group.status,
        "ServerGroupType": group.server_group_type,
        "Protocol": group.protocol,
        "Scheduler": group.scheduler,
        "VpcId": group.vpc_id,
        "ServerCount": getattr(group, "server_count", 0),
        "CreateTime": iso(group.created_at),
        "HealthCheckConfig": {
            "HealthCheckEnabled": group.health_check_enabled,
            "HealthCheckProtocol": group.health_check_protocol,
            "HealthCheckPath": group.health_check_path,
            "HealthCheckMethod": group.health_check_method,
            "HealthCheckCodes": group.health_check_codes.split(","),
            "HealthCheckInterval": group.health_check_interval,
            "HealthCheckTimeout": group.health_check_timeout,
            "HealthyThreshold": group.healthy_threshold,
            "UnhealthyThreshold": group.unhealthy_threshold,
        },
    }


@operation(VERSION, "ListServerGroups")
def list_server_groups(call):
    p = call.params
    rows = _in_region(call, AlbServerGroup.objects.for_account(call.account))
    ids = p.list("ServerGroupIds", limit=20)
    if ids:
        rows = rows.filter(pk__in=ids)
    if p.str("VpcId"):
        rows = rows.filter(vpc_id=p.str("VpcId", max_length=64))
    rows = rows.annotate(server_count=Count("backends"))
    page, paging = token_page(call, rows, default=20, maximum=100)
    return {"ServerGroups": [group_row(g) for g in page], **paging}


@operation(
    VERSION,
    "AddServersToServerGroup",
    write=True,
    resource="ServerGroup",
    fields={"servers": "Servers"},
)
def add_servers(call):
    group = _group(call)
    servers = []
    for item in call.params.structs("Servers", limit=40):
        if not item.get("ServerId"):
            raise missing("Servers.N.ServerId")
        if item.get("ServerType", "Ecs").lower() != "ecs":
            raise illegal("Servers.N.ServerType", "Only Ecs servers are available.")
        servers.append((item["ServerId"], item.get("Port", "80"), item.get("Weight", "100")))
    if not servers:
        raise missing("Servers")
    try:
        services.server_group_add_backends(
            account=call.account, actor=call.actor, group=group, servers=servers
        )
    except ConsoleError as exc:
        if exc.field and exc.field.startswith(("port_", "weight_", "servers")):
            raise illegal("Servers", exc.message) from None
        raise
    return {"JobId": job_id(group.id)}


@operation(VERSION, "ListServerGroupServers")
def list_server_group_servers(call):
    group = _group(call)
    rows = AlbBackend.objects.filter(server_group=group).select_related("instance")
    page, paging = token_page(call, rows, default=20, maximum=100)
    servers = [
        {
            "ServerGroupId": group.id,
            "ServerId": b.instance_id,
            "ServerIp": b.instance.private_ip,
            "ServerType": "Ecs",
            "Port": b.port,
            "Weight": b.weight,
            "Status": b.status,
            "Description": "",
        }
        for b in page
    ]
    return {"Servers": servers, **paging}


def _forward_group(call):
    """The server group of ``DefaultActions.1`` (a ForwardGroup action)."""
    actions = call.params.structs("DefaultActions", limit=1)
    if not actions:
        raise missing("DefaultActions")
    action = actions[0]
    if action.get("Type", "ForwardGroup") != "ForwardGroup":
        raise illegal("DefaultActions.N.Type", "Only ForwardGroup is available.")
    group_id = action.get("ForwardGroupConfig.ServerGroupTuples.1.ServerGroupId")
    if not group_id:
        raise missing("DefaultActions.N.ForwardGroupConfig.ServerGroupTuples.N.ServerGroupId")
    return lookup(
        AlbServerGroup, call, "ServerGroupId", SG_NOT_FOUND, "server group", value=group_id
    )


@operation(
    VERSION,
    "CreateListener",
    write=True,
    resource="Listener",
    fields={"port": "ListenerPort", "protocol": "ListenerProtocol", "name": "ListenerDescription"}
    | {"server_group": "DefaultActions"},
    idempotent="ListenerId",
)
def create_listener(call):
    p = call.params
    alb = _alb(call)
    listener = services.alb_listener_create(
        account=call.account,
        actor=call.actor,
        alb=alb,
        protocol=p.str("ListenerProtocol", required=True, max_length=8),
        port=p.str("ListenerPort", required=True, max_length=8),
        server_group=_forward_group(call),
        name=p.str("ListenerDescription", max_length=256),
        idle_timeout=p.int("IdleTimeout", default=15, low=1, high=60),
        request_timeout=p.int("RequestTimeout", default=60, low=1, high=180),
    )
    return {"ListenerId": listener.id, "JobId": job_id(listener.id)}


def listener_row(listener):
    return {
        "ListenerId": listener.id,
        "LoadBalancerId": listener.alb_id,
        "ListenerPort": listener.port,
        "ListenerProtocol": listener.protocol,
        "ListenerStatus": listener.status,
        "ListenerDescription": listener.name,
        "IdleTimeout": listener.idle_timeout,
        "RequestTimeout": listener.request_timeout,
        "DefaultActions": [
            {
                "Type": "ForwardGroup",
                "ForwardGroupConfig": {
                    "ServerGroupTuples": [{"ServerGroupId": listener.server_group_id}]
                },
            }
        ],
    }


@operation(VERSION, "ListListeners")
def list_listeners(call):
    p = call.params
    rows = _in_region(call, AlbListener.objects.for_account(call.account))
    ids = p.list("LoadBalancerIds", limit=20)
    if ids:
        rows = rows.filter(alb_id__in=ids)
    listener_ids = p.list("ListenerIds", limit=20)
    if listener_ids:
        rows = rows.filter(pk__in=listener_ids)
    page, paging = token_page(call, rows, default=20, maximum=100)
    return {"Listeners": [listener_row(li) for li in page], **paging}


@operation(VERSION, "GetListenerHealthStatus")
def get_listener_health_status(call):
    listener = lookup(AlbListener, call, "ListenerId", LISTENER_NOT_FOUND, "listener")
    backends = list(
        AlbBackend.objects.filter(server_group_id=listener.server_group_id).select_related(
            "instance"
        )
    )
    bad = [b for b in backends if not b.healthy]
    servers = [
        {
            "ServerId": b.instance_id,
            "ServerIp": b.instance.private_ip,
            "Port": b.port,
            "Status": b.health_status,
            "Reason": {"ReasonCode": b.last_probe_reason or ""},
        }
        for b in bad
    ]
    group = {
        "ServerGroupId": listener.server_group_id,
        "ActionType": "ForwardGroup",
        "HealthCheckEnabled": "on",
        "ServerCount": len(backends),
        "NonNormalServers": servers,
    }
    return {
        "ListenerHealthStatus": [
            {
                "ListenerId": listener.id,
                "ListenerPort": listener.port,
                "ListenerProtocol": listener.protocol,
                "ServerGroupInfos": [group],
            }
        ],
        "RuleHealthStatus": [],
        "NextToken": "",
    }


def _job_status(account, resource_id):
    for model in (AlbInstance, AlbListener):
        row = model.objects.for_account(account).filter(pk=resource_id).first()
        if row is not None:
            return row, "Processing" if row.is_transitional else "Succeeded"
    group = AlbServerGroup.objects.for_account(account).filter(pk=resource_id).first()
    if group is not None:
        busy = group.backends.filter(status__in=list(AlbBackend.TRANSITIONAL)).exists()
        return group, "Processing" if busy else "Succeeded"
    return None, "Succeeded"  # a deleted resource's job has finished


@operation(VERSION, "ListAsynJobs")
def list_asyn_jobs(call):
    job_ids = call.params.list("JobIds", limit=20)
    if not job_ids:
        raise missing("JobIds")
    jobs = []
    for ident in job_ids:
        if not ident.startswith("job-"):
            raise ApiError("ResourceNotFound.Job", f"The job {ident} does not exist.", 404)
        row, status = _job_status(call.account, ident[4:])
        jobs.append(
            {
                "Id": ident,
                "ResourceId": ident[4:],
                "ResourceType": type(row).__name__ if row is not None else "",
                "Status": status,
                "CreateTime": int(row.created_at.timestamp() * 1000) if row is not None else 0,
            }
        )
    return {"Jobs": jobs, "TotalCount": len(jobs), "MaxResults": len(jobs), "NextToken": ""}
