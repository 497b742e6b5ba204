"""PrivateLink (2020-04-15): endpoint services, endpoints, whitelist, connections.

Flat lists (``Services``, ``Endpoints``, ``Connections``…) with NextToken / MaxResults.
A provider reads connections to its own services; a consumer reads its own endpoints.
"""

from console import services as console_services
from console.errors import ConsoleError, DependencyViolation, StateRefused
from console.models import Region, SecurityGroup, Vpc, VSwitch, Zone
from privatelink import services
from privatelink.models import (
    Endpoint,
    EndpointConnection,
    EndpointService,
    EndpointZone,
    ResourceType,
    ServiceResource,
    WhitelistEntry,
)

from ..errors import ApiError, illegal, missing
from ..registry import operation
from .common import iso, lookup, lookup_all, token_page

VERSION = "2020-04-15"
SERVICE_NOT_FOUND = "EndpointServiceNotFound"
ENDPOINT_NOT_FOUND = "EndpointNotFound"
SERVICE = "EndpointService"
ENDPOINT = "Endpoint"


def _require_open(call):
    if not call.account.privatelink_activated:
        raise ApiError(
            "Forbidden.NotActivated",
            "PrivateLink is not activated for this account: call OpenPrivateLinkService.",
            403,
        )


def _service(call, param="ServiceId"):
    _require_open(call)
    return lookup(EndpointService, call, param, SERVICE_NOT_FOUND, "endpoint service")


def _endpoint(call):
    _require_open(call)
    return lookup(Endpoint, call, "EndpointId", ENDPOINT_NOT_FOUND, "endpoint")


def _resource_type(value, param="ResourceType"):
    value = (value or "slb").lower()
    if value not in ResourceType.values:
        raise illegal(param, "Use slb or alb.")
    return value


def _lb(call, resource_type, resource_id):
    model = services.resource_model(resource_type)
    row = model.objects.for_account(call.account).filter(pk=resource_id).first()
    if row is None:
        raise ApiError(
            "ResourceNotFound", f"The specified resource {resource_id} does not exist.", 404
        )
    return row


def _zone(zone_id, region, param="ZoneId"):
    zone = Zone.objects.filter(pk=zone_id, region=region).first()
    if zone is None:
        raise ApiError(
            "EndpointServiceNotSupportedZone", f"{param}: the zone {zone_id} is not offered here."
        )
    return zone


def service_row(service):
    low, high = service.bandwidth_range
    return {
        "ServiceId": service.id,
        "ServiceName": service.service_name,
        "ServiceDomain": service.service_domain,
        "ServiceDescription": service.description,
        "ServiceStatus": service.status,
        "ServiceBusinessStatus": "Normal",
        "ServiceResourceType": service.resource_type,
        "ServiceType": "Interface",
        "AutoAcceptEnabled": service.auto_accept,
        "ZoneAffinityEnabled": service.zone_affinity,
        "ConnectBandwidth": service.connection_bandwidth,
        "MinBandwidth": low,
        "MaxBandwidth": high,
        "RegionId": service.region_id,
        "ServiceRegionId": service.region_id,
        "CreateTime": iso(service.created_at),
        "Payer": "Endpoint",
        "AddressIpVersion": "IPv4",
        "ServiceSupportIPv6": False,
    }


def endpoint_row(endpoint):
    connection = getattr(endpoint, "connection", None)
    return {
        "EndpointId": endpoint.id,
        "EndpointName": endpoint.name,
        "EndpointDescription": endpoint.description,
        "EndpointDomain": endpoint.domain,
        "EndpointStatus": endpoint.status,
        "EndpointBusinessStatus": "Normal",
        "EndpointType": endpoint.endpoint_type,
        "ConnectionStatus": connection.status if connection else "Disconnected",
        "Bandwidth": connection.bandwidth if connection else 0,
        "ServiceId": endpoint.service_ref,
        "ServiceName": endpoint.service_name,
        "VpcId": endpoint.vpc_id,
        "RegionId": endpoint.region_id,
        "ServiceRegionId": endpoint.region_id,
        "CreateTime": iso(endpoint.created_at),
        "ResourceOwner": False,
        "ZoneAffinityEnabled": False,
        "AddressIpVersion": "IPv4",
    }


def zone_row(zone):
    return {
        "ZoneId": zone.zone_id,
        "VSwitchId": zone.vswitch_id,
        "EniId": zone.eni_id,
        "EniIp": zone.ip,
        "ZoneDomain": zone.domain,
        "ZoneStatus": zone.status,
        "RegionId": zone.endpoint.region_id if hasattr(zone, "endpoint") else "",
    }


# --- activation, regions -----------------------------------------------------------------


@operation(VERSION, "OpenPrivateLinkService", write=True)
def open_service(call):
    console_services.account_activate_privatelink(account=call.account)
    return {"OrderId": f"order-{call.account.uid}"}


@operation(VERSION, "CheckProductOpen")
def check_product_open(call):
    return {"Success": call.account.privatelink_activated}


@operation(VERSION, "DescribeRegions")
def describe_regions(call):
    rows = [
        {"RegionId": r.id, "LocalName": r.name, "RegionEndpoint": "privatelink.aliyuncs.com"}
        for r in Region.objects.all()
    ]
    return {"Regions": rows}


@operation(VERSION, "DescribeZones")
def describe_zones(call):
    zones = Zone.objects.filter(region=call.region, supports_privatelink=True)
    return {"Zones": [{"ZoneId": z.id, "LocalName": z.name} for z in zones]}


# --- endpoint services --------------------------------------------------------------------


@operation(
    VERSION,
    "CreateVpcEndpointService",
    write=True,
    resource=SERVICE,
    fields={"resources": "Resource", "resource_type": "ServiceResourceType"}
    | {"description": "ServiceDescription", "zone": "Resource.ZoneId"},
    idempotent="ServiceId",
)
def create_endpoint_service(call):
    p = call.params
    _require_open(call)
    region = call.region
    resource_type = _resource_type(p.str("ServiceResourceType", max_length=8))
    resources = []
    for item in p.structs("Resource", limit=20):
        if not item.get("ResourceId"):
            raise missing("Resource.N.ResourceId")
        if not item.get("ZoneId"):
            raise missing("Resource.N.ZoneId")
        kind = _resource_type(item.get("ResourceType", resource_type), "Resource.N.ResourceType")
        if kind != resource_type:
            raise illegal("Resource.N.ResourceType", "Every resource has the service's type.")
        resources.append(
            (_zone(item["ZoneId"], region), _lb(call, resource_type, item["ResourceId"]))
        )
    service = services.endpoint_service_create(
        account=call.account,
        actor=call.actor,
        region=region,
        resource_type=resource_type,
        resources=resources,
        auto_accept=p.bool("AutoAcceptEnabled"),
        zone_affinity=p.bool("ZoneAffinityEnabled"),
        description=p.str("ServiceDescription", max_length=512),
    )
    return service_row(service)


@operation(VERSION, "ListVpcEndpointServices")
def list_endpoint_services(call):
    _require_open(call)
    p = call.params
    rows = EndpointService.objects.for_account(call.account).filter(region=call.region)
    for param, field in (
        ("ServiceId", "pk"),
        ("ServiceName", "service_name"),
        ("ServiceStatus", "status"),
        ("ServiceResourceType", "resource_type"),
    ):
        if p.str(param):
            rows = rows.filter(**{field: p.str(param, max_length=128)})
    page, paging = token_page(call, rows)
    return {"Services": [service_row(s) for s in page], **paging}


@operation(VERSION, "GetVpcEndpointServiceAttribute")
def get_endpoint_service(call):
    service = _service(call)
    zones = sorted(service.resources.values_list("zone_id", flat=True))
    return {**service_row(service), "Zones": zones}


@operation(
    VERSION,
    "UpdateVpcEndpointServiceAttribute",
    write=True,
    resource=SERVICE,
    fields={"description": "ServiceDescription"},
)
def update_endpoint_service(call):
    p = call.params
    service = _service(call)
    services.endpoint_service_modify(
        account=call.account,
        actor=call.actor,
        service=service,
        auto_accept=p.bool("AutoAcceptEnabled") if "AutoAcceptEnabled" in p.data else None,
        zone_affinity=p.bool("ZoneAffinityEnabled") if "ZoneAffinityEnabled" in p.data else None,
        description=p.str("ServiceDescription", max_length=512)
        if "ServiceDescription" in p.data
        else None,
    )
    return {}


@operation(VERSION, "DeleteVpcEndpointService", write=True, resource=SERVICE)
def delete_endpoint_service(call):
    service = _service(call)
    try:
        services.endpoint_service_delete(account=call.account, actor=call.actor, service=service)
    except DependencyViolation as exc:
        raise ApiError("EndpointServiceConnectionDependence", exc.message) from None
    return {}


@operation(
    VERSION,
    "AttachResourceToVpcEndpointService",
    write=True,
    resource=SERVICE,
    fields={"zone": "ZoneId", "resource": "ResourceId", "instance": "ResourceId"},
)
def attach_resource(call):
    p = call.params
    service = _service(call)
    resource_type = _resource_type(p.str("ResourceType", max_length=8))
    if resource_type != service.resource_type:
        raise illegal("ResourceType", f"The service's resources are {service.resource_type}.")
    resource_id = p.str("ResourceId", required=True, max_length=64)
    instance = _lb(call, resource_type, resource_id)
    zone = _zone(p.str("ZoneId", required=True, max_length=64), service.region)
    services.service_resource_add(
        account=call.account, actor=call.actor, service=service, zone=zone, instance=instance
    )
    return {}


@operation(VERSION, "DetachResourceFromVpcEndpointService", write=True, resource=SERVICE)
def detach_resource(call):
    p = call.params
    service = _service(call)
    resource_id = p.str("ResourceId", required=True, max_length=64)
    rows = ServiceResource.objects.filter(service=service)
    resource = (rows.filter(clb_id=resource_id) | rows.filter(alb_id=resource_id)).first()
    if resource is None:
        raise ApiError(
            "ResourceNotFound", f"The resource {resource_id} is not attached to {service.id}.", 404
        )
    try:
        services.service_resource_remove(
            account=call.account, actor=call.actor, service=service, resource=resource
        )
    except DependencyViolation as exc:
        raise ApiError("EndpointServiceConnectionDependence", exc.message) from None
    return {}


@operation(VERSION, "ListVpcEndpointServiceResources")
def list_service_resources(call):
    service = _service(call)
    rows = ServiceResource.objects.filter(service=service).order_by("zone_id")
    page, paging = token_page(call, rows)
    related = {}
    for zone_id in EndpointZone.objects.filter(
        endpoint__connection__service=service,
        endpoint__connection__status__in=EndpointConnection.ACTIVE_STATES,
    ).values_list("zone_id", flat=True):
        related[zone_id] = related.get(zone_id, 0) + 1
    resources = [
        {
            "ResourceId": r.resource_id,
            "ResourceType": r.resource_type,
            "ZoneId": r.zone_id,
            "RegionId": service.region_id,
            "RelatedEndpointCount": related.get(r.zone_id, 0),
            "AutoAllocatedEnabled": False,
        }
        for r in page
    ]
    paging.pop("TotalCount")
    return {"Resources": resources, **paging}


@operation(VERSION, "AddUserToVpcEndpointService", write=True, resource=SERVICE)
def add_user(call):
    service = _service(call)
    uid = call.params.str("UserId", required=True, max_length=64)
    try:
        services.whitelist_add(account=call.account, actor=call.actor, service=service, uids=[uid])
    except ConsoleError as exc:
        raise illegal("UserId", exc.message) from None
    return {}


@operation(VERSION, "RemoveUserFromVpcEndpointService", write=True, resource=SERVICE)
def remove_user(call):
    service = _service(call)
    uid = call.params.str("UserId", required=True, max_length=64)
    entry = WhitelistEntry.objects.filter(service=service, uid=uid).first()
    if entry is None:
        raise ApiError("UserNotFound", f"The account {uid} is not on the whitelist.", 404)
    services.whitelist_remove(account=call.account, actor=call.actor, service=service, entry=entry)
    return {}


@operation(VERSION, "ListVpcEndpointServiceUsers")
def list_users(call):
    service = _service(call)
    rows = WhitelistEntry.objects.filter(service=service).order_by("created_at", "id")
    if call.params.str("UserId"):
        rows = rows.filter(uid=call.params.str("UserId", max_length=64))
    page, paging = token_page(call, rows)
    return {"Users": [{"UserId": int(e.uid)} for e in page], **paging}


@operation(VERSION, "ListVpcEndpointServicesByEndUser")
def list_services_by_end_user(call):
    _require_open(call)
    p = call.params
    rows = EndpointService.objects.usable_by(call.account).filter(
        region=call.region, status=EndpointService.Status.ACTIVE
    )
    if p.str("ServiceId"):
        rows = rows.filter(pk=p.str("ServiceId", max_length=64))
    if p.str("ServiceName"):
        rows = rows.filter(service_name=p.str("ServiceName", max_length=128))
    page, paging = token_page(call, rows.prefetch_related("resources"))
    keys = ("ServiceId", "ServiceName", "ServiceDomain", "ServiceResourceType", "ServiceType")
    keys += ("AutoAcceptEnabled", "ZoneAffinityEnabled", "Payer", "AddressIpVersion")
    rows = [
        {
            **{k: service_row(s)[k] for k in keys},
            "Zones": sorted(r.zone_id for r in s.resources.all()),
        }
        for s in page
    ]
    return {"Services": rows, **paging}


# --- endpoints ----------------------------------------------------------------------------


def _endpoint_zones(call, region):
    zones = []
    for item in call.params.structs("Zone", limit=10):
        if not item.get("VSwitchId"):
            raise missing("Zone.N.VSwitchId")
        vswitch = lookup(
            VSwitch,
            call,
            "Zone.N.VSwitchId",
            "InvalidVSwitchId.NotFound",
            "vSwitch",
            value=item["VSwitchId"],
        )
        zone_id = item.get("ZoneId") or vswitch.zone_id
        zones.append((_zone(zone_id, region, "Zone.N.ZoneId"), vswitch))
    return zones


@operation(
    VERSION,
    "CreateVpcEndpoint",
    write=True,
    resource=ENDPOINT,
    fields={"name": "EndpointName", "zones": "Zone", "vpc": "VpcId"}
    | {"security_groups": "SecurityGroupId", "service": "ServiceName"}
    | {"endpoint_type": "EndpointType", "description": "EndpointDescription"},
    idempotent="EndpointId",
)
def create_endpoint(call):
    p = call.params
    _require_open(call)
    region = call.region
    vpc = lookup(Vpc, call, "VpcId", "InvalidVpcId.NotFound", "VPC")
    group_ids = p.list("SecurityGroupId", limit=10)
    if not group_ids:
        raise missing("SecurityGroupId")
    groups = lookup_all(
        SecurityGroup, call, group_ids, "SecurityGroupId", "InvalidSecurityGroupId.NotFound", "sg"
    )
    name, service_id = p.str("ServiceName", max_length=128), p.str("ServiceId", max_length=64)
    if not name and not service_id:
        raise missing("ServiceId")
    service = services.endpoint_service_resolve(
        account=call.account, region=region, service_name=name, service_id=service_id
    )
    endpoint = services.endpoint_create(
        account=call.account,
        actor=call.actor,
        region=region,
        name=p.str("EndpointName", max_length=128) or f"ep-{vpc.name or 'api'}",
        service=service,
        vpc=vpc,
        security_groups=groups,
        zones=_endpoint_zones(call, region),
        endpoint_type=p.str("EndpointType", default="Interface", max_length=32),
        description=p.str("EndpointDescription", max_length=512),
    )
    return endpoint_row(Endpoint.objects.select_related("connection").get(pk=endpoint.pk))


@operation(VERSION, "ListVpcEndpoints")
def list_endpoints(call):
    _require_open(call)
    p = call.params
    rows = Endpoint.objects.for_account(call.account).filter(region=call.region)
    for param, field in (
        ("EndpointId", "pk"),
        ("EndpointName", "name"),
        ("EndpointStatus", "status"),
        ("ServiceName", "service_name"),
        ("VpcId", "vpc_id"),
        ("ConnectionStatus", "connection__status"),
    ):
        if p.str(param):
            rows = rows.filter(**{field: p.str(param, max_length=128)})
    page, paging = token_page(call, rows.select_related("connection"))
    return {"Endpoints": [endpoint_row(e) for e in page], **paging}


@operation(VERSION, "GetVpcEndpointAttribute")
def get_endpoint(call):
    endpoint = _endpoint(call)
    return {**endpoint_row(endpoint), "ZonePrivateIpAddressCount": 1, "Payer": "Endpoint"}


@operation(VERSION, "DeleteVpcEndpoint", write=True, resource=ENDPOINT)
def delete_endpoint(call):
    services.endpoint_delete(account=call.account, actor=call.actor, endpoint=_endpoint(call))
    return {}


@operation(VERSION, "ListVpcEndpointZones")
def list_endpoint_zones(call):
    endpoint = _endpoint(call)
    rows = EndpointZone.objects.filter(endpoint=endpoint).order_by("zone_id")
    page, paging = token_page(call, rows)
    zones = [{**zone_row(z), "RegionId": endpoint.region_id} for z in page]
    paging.pop("TotalCount")
    return {"Zones": zones, **paging}


@operation(
    VERSION,
    "AddZoneToVpcEndpoint",
    write=True,
    resource=ENDPOINT,
    fields={"zone": "ZoneId", "vswitch": "VSwitchId", "zones": "ZoneId"},
)
def add_zone(call):
    endpoint = _endpoint(call)
    vswitch = lookup(VSwitch, call, "VSwitchId", "InvalidVSwitchId.NotFound", "vSwitch")
    zone_id = call.params.str("ZoneId", max_length=64) or vswitch.zone_id
    services.endpoint_add_zone(
        account=call.account,
        actor=call.actor,
        endpoint=endpoint,
        zone=_zone(zone_id, endpoint.region),
        vswitch=vswitch,
    )
    return {}


@operation(VERSION, "RemoveZoneFromVpcEndpoint", write=True, resource=ENDPOINT)
def remove_zone(call):
    endpoint = _endpoint(call)
    zone_id = call.params.str("ZoneId", required=True, max_length=64)
    endpoint_zone = EndpointZone.objects.filter(endpoint=endpoint, zone_id=zone_id).first()
    if endpoint_zone is None:
        raise ApiError("EndpointZoneNotFound", f"The endpoint has no zone {zone_id}.", 404)
    services.endpoint_remove_zone(
        account=call.account, actor=call.actor, endpoint=endpoint, endpoint_zone=endpoint_zone
    )
    return {}


def _group(call):
    return lookup(SecurityGroup, call, "SecurityGroupId", "InvalidSecurityGroupId.NotFound", "sg")


@operation(VERSION, "AttachSecurityGroupToVpcEndpoint", write=True, resource=ENDPOINT)
def attach_group(call):
    endpoint = _endpoint(call)
    services.endpoint_attach_security_group(
        account=call.account, actor=call.actor, endpoint=endpoint, group=_group(call)
    )
    return {}


@operation(VERSION, "DetachSecurityGroupFromVpcEndpoint", write=True, resource=ENDPOINT)
def detach_group(call):
    endpoint = _endpoint(call)
    services.endpoint_detach_security_group(
        account=call.account, actor=call.actor, endpoint=endpoint, group=_group(call)
    )
    return {}


@operation(VERSION, "ListVpcEndpointSecurityGroups")
def list_endpoint_groups(call):
    endpoint = _endpoint(call)
    rows = endpoint.security_groups.order_by("pk")
    page, paging = token_page(call, rows)
    groups = [{"SecurityGroupId": g.pk, "SecurityGroupStatus": "Attached"} for g in page]
    return {"SecurityGroups": groups, **paging}


# --- connections (the provider's side) -----------------------------------------------------


def connection_row(connection):
    endpoint = connection.endpoint
    return {
        "EndpointId": endpoint.id,
        "EndpointOwnerId": int(connection.account.uid),
        "EndpointVpcId": endpoint.vpc_id,
        "EndpointRegionId": endpoint.region_id,
        "ServiceId": connection.service_ref,
        "ServiceRegionId": endpoint.region_id,
        "ConnectionStatus": connection.status,
        "Bandwidth": connection.bandwidth,
        "ModifiedTime": iso(connection.modified_at),
        "ResourceOwner": False,
        "TrafficControlMode": "Normal",
        "Zones": [
            {
                "ZoneId": z.zone_id,
                "VSwitchId": z.vswitch_id,
                "EniId": z.eni_id,
                "ZoneDomain": z.domain,
                "ZoneStatus": z.status,
                "ResourceId": "",
            }
            for z in endpoint.zones.all()
        ],
    }


@operation(VERSION, "ListVpcEndpointConnections")
def list_connections(call):
    p = call.params
    service = _service(call)
    rows = EndpointConnection.objects.for_provider(call.account).filter(service=service)
    if p.str("EndpointId"):
        rows = rows.filter(endpoint_id=p.str("EndpointId", max_length=64))
    if p.str("ConnectionStatus"):
        rows = rows.filter(status=p.str("ConnectionStatus", max_length=32))
    if p.str("EndpointOwnerId"):
        rows = rows.filter(account__uid=p.str("EndpointOwnerId", max_length=32))
    rows = rows.select_related("endpoint", "account").prefetch_related("endpoint__zones")
    page, paging = token_page(call, rows.order_by("created_at", "pk"))
    return {"Connections": [connection_row(c) for c in page], **paging}


def _connection(call, service):
    endpoint_id = call.params.str("EndpointId", required=True, max_length=64)
    rows = EndpointConnection.objects.for_provider(call.account).filter(service=service)
    connection = rows.filter(endpoint_id=endpoint_id).first()
    if connection is None:
        raise ApiError(
            "EndpointConnectionNotFound",
            f"No endpoint {endpoint_id} is connected to the service {service.id}.",
            404,
        )
    return connection


def _connection_action(call, service_function, **kwargs):
    service = _service(call)
    connection = _connection(call, service)
    try:
        service_function(
            account=call.account,
            actor=call.actor,
            service=service,
            connection=connection,
            **kwargs,
        )
    except StateRefused as exc:
        raise ApiError("EndpointConnectionOperationDenied", exc.message) from None
    return {}


@operation(VERSION, "EnableVpcEndpointConnection", write=True, resource="EndpointConnection")
def enable_connection(call):
    return _connection_action(call, services.connection_allow)


@operation(VERSION, "DisableVpcEndpointConnection", write=True, resource="EndpointConnection")
def disable_connection(call):
    return _connection_action(call, services.connection_deny)


@operation(
    VERSION,
    "UpdateVpcEndpointConnectionAttribute",
    write=True,
    resource="EndpointConnection",
    fields={"bandwidth": "Bandwidth"},
)
def update_connection(call):
    bandwidth = call.params.int("Bandwidth", required=True, low=0, high=100_000)
    return _connection_action(call, services.connection_change_bandwidth, bandwidth=bandwidth)


def _zone_connection(call, wanted):
    """The console connects an endpoint in all its zones at once: a zone's connection
    follows the endpoint's, so this only confirms the zone is in the state asked for."""
    service = _service(call)
    connection = _connection(call, service)
    zone_id = call.params.str("ZoneId", required=True, max_length=64)
    zone = EndpointZone.objects.filter(endpoint_id=connection.endpoint_id, zone_id=zone_id).first()
    if zone is None:
        raise ApiError("EndpointZoneNotFound", f"The endpoint has no zone {zone_id}.", 404)
    if zone.status not in wanted:
        raise ApiError(
            "EndpointConnectionOperationDenied",
            f"The zone {zone_id} is {zone.status}; its connection follows the endpoint's "
            f"connection ({connection.status}): enable or disable the endpoint connection.",
        )
    return {}


@operation(VERSION, "EnableVpcEndpointZoneConnection", write=True, resource="EndpointConnection")
def enable_zone_connection(call):
    return _zone_connection(call, {"Connected", "Connecting"})


@operation(VERSION, "DisableVpcEndpointZoneConnection", write=True, resource="EndpointConnection")
def disable_zone_connection(call):
    return _zone_connection(call, {"Disconnected", "Disconnecting"})
