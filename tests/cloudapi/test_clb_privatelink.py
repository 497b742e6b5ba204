"""CLB and PrivateLink operations: shapes, isolation, refusals, DryRun (tasks run eagerly)."""

import json

import pytest
from alibabacloud_tea_openapi.exceptions import ClientException
from lab2_flow import REGION, ZONE
from sdk_fixtures import *  # noqa: F403

from console.models import Event
from factories import make_instance, make_security_group, make_vpc, make_vswitch
from loadbalancer.models import ClbBackend, ClbInstance, ClbListener
from privatelink.models import Endpoint, EndpointService

pytestmark = pytest.mark.django_db(transaction=True)


def _code(call):
    with pytest.raises(ClientException) as caught:
        call()
    return caught.value.code


@pytest.fixture
def provider(account_b):
    vpc = make_vpc(account_b, cidr="192.168.0.0/16", name="VPC2")
    vswitch = make_vswitch(account_b, vpc, cidr="192.168.20.0/24", name="vsw-b")
    ecs2 = make_instance(account_b, vswitch, name="ECS2", ip="192.168.20.200")
    return vpc, vswitch, ecs2


@pytest.fixture
def slb_b(sdk, key_b):
    return sdk("slb", key_b)


def _clb(slb, vswitch):
    m = slb.models
    return slb.create_load_balancer(
        m.CreateLoadBalancerRequest(region_id=REGION, v_switch_id=vswitch.pk, master_zone_id=ZONE)
    ).body


def test_clb_listener_and_backends(slb_b, provider, key_b):
    vpc, vswitch, ecs2 = provider
    m = slb_b.models
    created = _clb(slb_b, vswitch)
    assert created.vpc_id == vpc.pk and created.address.startswith("192.168.20.")
    lb_id = created.load_balancer_id
    slb_b.add_backend_servers(
        m.AddBackendServersRequest(
            load_balancer_id=lb_id, backend_servers=json.dumps([{"ServerId": ecs2.pk}])
        )
    )
    slb_b.create_load_balancer_tcplistener(
        m.CreateLoadBalancerTCPListenerRequest(
            load_balancer_id=lb_id, listener_port=80, backend_server_port=8080
        )
    )
    backend = ClbBackend.objects.get(listener__clb_id=lb_id)
    assert (backend.instance_id, backend.port) == (ecs2.pk, 8080)
    again = m.CreateLoadBalancerTCPListenerRequest(
        load_balancer_id=lb_id, listener_port=80, backend_server_port=80
    )
    assert _code(lambda: slb_b.create_load_balancer_tcplistener(again)) == (
        "IllegalParamFormat.ListenerPort"
    )
    listeners = slb_b.describe_load_balancer_listeners(
        m.DescribeLoadBalancerListenersRequest(load_balancer_id=[lb_id])
    ).body
    assert [
        (li.listener_port, li.status, li.backend_server_port) for li in listeners.listeners
    ] == [(80, "running", 8080)]
    stop = m.StopLoadBalancerListenerRequest(load_balancer_id=lb_id, listener_port=80)
    slb_b.stop_load_balancer_listener(stop)
    assert _code(lambda: slb_b.stop_load_balancer_listener(stop)) == "IncorrectStatus.Listener"
    attribute = slb_b.describe_load_balancer_attribute(
        m.DescribeLoadBalancerAttributeRequest(load_balancer_id=lb_id)
    ).body
    assert [s.server_id for s in attribute.backend_servers.backend_server] == [ecs2.pk]
    assert attribute.listener_ports_and_protocol.listener_port_and_protocol[0].listener_port == 80
    slb_b.remove_backend_servers(
        m.RemoveBackendServersRequest(load_balancer_id=lb_id, backend_servers=f'["{ecs2.pk}"]')
    )
    assert not ClbBackend.objects.filter(listener__clb_id=lb_id).exists()
    events = Event.objects.filter(resource_id=lb_id).values_list("actor_label", flat=True)
    assert set(events) >= {f"AccessKey {key_b.pk}"}


def test_clb_another_account_gets_not_found(sdk, slb_b, provider, key_a, account_a):
    _, vswitch, ecs2 = provider
    lb_id = _clb(slb_b, vswitch).load_balancer_id
    slb_a = sdk("slb", key_a)
    m = slb_a.models
    listed = slb_a.describe_load_balancers(m.DescribeLoadBalancersRequest(region_id=REGION)).body
    assert listed.load_balancers.load_balancer == [] and listed.total_count == 0
    for call in (
        lambda: slb_a.describe_load_balancer_attribute(
            m.DescribeLoadBalancerAttributeRequest(load_balancer_id=lb_id)
        ),
        lambda: slb_a.delete_load_balancer(m.DeleteLoadBalancerRequest(load_balancer_id=lb_id)),
        lambda: slb_a.describe_health_status(m.DescribeHealthStatusRequest(load_balancer_id=lb_id)),
    ):
        assert _code(call) == "InvalidLoadBalancerId.NotFound"
    # B's own load balancer with A's instance: the instance "does not exist" for B.
    vpc_a = make_vpc(account_a, cidr="192.168.0.0/16")
    vsw_a = make_vswitch(account_a, vpc_a, cidr="192.168.20.0/24")
    ecs_a = make_instance(account_a, vsw_a, name="A1")
    bad = slb_b.models.AddBackendServersRequest(
        load_balancer_id=lb_id, backend_servers=json.dumps([{"ServerId": ecs_a.pk}])
    )
    assert _code(lambda: slb_b.add_backend_servers(bad)) == "BackendServer.NotExist"
    assert ClbInstance.objects.filter(pk=lb_id).exists()


@pytest.mark.parametrize(
    "servers,code",
    [
        ("not json", "IllegalParamFormat.BackendServers"),
        ("{}", "IllegalParamFormat.BackendServers"),
        ('[{"ServerId": "i-x", "Weight": "heavy"}]', "IllegalParamFormat.BackendServers"),
        ("[]", "IllegalParamFormat.BackendServers"),
        (None, "MissingParam.BackendServers"),
    ],
)
def test_malformed_backend_servers(slb_b, provider, servers, code):
    lb_id = _clb(slb_b, provider[1]).load_balancer_id
    m = slb_b.models
    request = m.AddBackendServersRequest(load_balancer_id=lb_id, backend_servers=servers)
    assert _code(lambda: slb_b.add_backend_servers(request)) == code


def _service(sdk, key, provider, **kwargs):
    slb = sdk("slb", key)
    lb_id = _clb(slb, provider[1]).load_balancer_id
    pl = sdk("privatelink", key)
    m = pl.models
    pl.open_private_link_service(m.OpenPrivateLinkServiceRequest())
    return pl.create_vpc_endpoint_service(
        m.CreateVpcEndpointServiceRequest(
            region_id=REGION,
            service_resource_type="slb",
            resource=[
                m.CreateVpcEndpointServiceRequestResource(
                    resource_id=lb_id, resource_type="slb", zone_id=ZONE
                )
            ],
            **kwargs,
        )
    ).body


def _consumer(account):
    vpc = make_vpc(account, cidr="10.10.0.0/16", name="VPC1")
    vswitch = make_vswitch(account, vpc, cidr="10.10.0.0/24")
    group = make_security_group(account, vpc, name="web")
    return vpc, vswitch, group


def _endpoint_request(m, service_name, consumer, **kwargs):
    vpc, vswitch, group = consumer
    return m.CreateVpcEndpointRequest(
        region_id=REGION,
        vpc_id=vpc.pk,
        service_name=service_name,
        security_group_id=[group.pk],
        endpoint_name="ep1",
        zone=[m.CreateVpcEndpointRequestZone(zone_id=ZONE, v_switch_id=vswitch.pk)],
        **kwargs,
    )


def test_privatelink_not_activated(sdk, key_a):
    pl = sdk("privatelink", key_a)
    m = pl.models
    assert pl.check_product_open().body.success is False
    request = m.ListVpcEndpointsRequest(region_id=REGION)
    assert _code(lambda: pl.list_vpc_endpoints(request)) == "Forbidden.NotActivated"
    pl.open_private_link_service(m.OpenPrivateLinkServiceRequest())
    assert pl.check_product_open().body.success is True
    assert pl.list_vpc_endpoints(request).body.endpoints == []


def test_service_whitelist_endpoint_and_connection(sdk, key_a, key_b, account_a, provider):
    service = _service(sdk, key_b, provider, service_description="lab")
    assert service.service_status == "Creating"  # answered at once, transitional
    pb, pa = sdk("privatelink", key_b), sdk("privatelink", key_a)
    m = pb.models
    settled = pb.get_vpc_endpoint_service_attribute(
        m.GetVpcEndpointServiceAttributeRequest(service_id=service.service_id)
    ).body
    assert (settled.service_status, settled.zones) == ("Active", [ZONE])  # eager worker
    pa.open_private_link_service(m.OpenPrivateLinkServiceRequest())
    consumer = _consumer(account_a)
    request = _endpoint_request(m, service.service_name, consumer)
    # Not whitelisted yet: the service "does not exist" for A.
    assert _code(lambda: pa.create_vpc_endpoint(request)) == "EndpointServiceNotFound"
    assert (
        _code(
            lambda: pa.get_vpc_endpoint_service_attribute(
                m.GetVpcEndpointServiceAttributeRequest(service_id=service.service_id)
            )
        )
        == "EndpointServiceNotFound"
    )
    pb.add_user_to_vpc_endpoint_service(
        m.AddUserToVpcEndpointServiceRequest(service_id=service.service_id, user_id=account_a.uid)
    )
    users = pb.list_vpc_endpoint_service_users(
        m.ListVpcEndpointServiceUsersRequest(service_id=service.service_id)
    ).body.users
    assert {str(u.user_id) for u in users} >= {account_a.uid}
    dry = _endpoint_request(m, service.service_name, consumer, dry_run=True)
    assert _code(lambda: pa.create_vpc_endpoint(dry)) == "DryRunOperation"
    assert not Endpoint.objects.exists()
    endpoint = pa.create_vpc_endpoint(request).body
    assert endpoint.connection_status == "Disconnected"
    list_request = m.ListVpcEndpointConnectionsRequest(service_id=service.service_id)
    connections = pb.list_vpc_endpoint_connections(list_request).body.connections
    assert [(c.endpoint_id, c.endpoint_owner_id) for c in connections] == [
        (endpoint.endpoint_id, int(account_a.uid))
    ]
    # The consumer cannot act as the provider, nor see the provider's connections.
    assert _code(lambda: pa.list_vpc_endpoint_connections(list_request)) == (
        "EndpointServiceNotFound"
    )
    enable = m.EnableVpcEndpointConnectionRequest(
        service_id=service.service_id, endpoint_id=endpoint.endpoint_id
    )
    assert _code(lambda: pa.enable_vpc_endpoint_connection(enable)) == "EndpointServiceNotFound"
    pb.enable_vpc_endpoint_connection(enable)
    got = pa.get_vpc_endpoint_attribute(
        m.GetVpcEndpointAttributeRequest(endpoint_id=endpoint.endpoint_id)
    ).body
    assert (got.endpoint_status, got.connection_status) == ("Active", "Connected")
    assert _code(lambda: pb.enable_vpc_endpoint_connection(enable)) == (
        "EndpointConnectionOperationDenied"
    )
    delete = m.DeleteVpcEndpointServiceRequest(service_id=service.service_id)
    assert _code(lambda: pb.delete_vpc_endpoint_service(delete)) == (
        "EndpointServiceConnectionDependence"
    )
    # B cannot read A's endpoint.
    assert (
        _code(
            lambda: pb.get_vpc_endpoint_attribute(
                m.GetVpcEndpointAttributeRequest(endpoint_id=endpoint.endpoint_id)
            )
        )
        == "EndpointNotFound"
    )
    zones = pa.list_vpc_endpoint_zones(
        m.ListVpcEndpointZonesRequest(endpoint_id=endpoint.endpoint_id)
    ).body.zones
    assert [(z.zone_id, z.zone_status) for z in zones] == [(ZONE, "Connected")]


def test_another_account_endpoint_not_found(sdk, key_a, key_b, account_a, account_b, provider):
    service = _service(sdk, key_b, provider)
    pb = sdk("privatelink", key_b)
    m = pb.models
    pb.add_user_to_vpc_endpoint_service(
        m.AddUserToVpcEndpointServiceRequest(service_id=service.service_id, user_id=account_a.uid)
    )
    pa = sdk("privatelink", key_a)
    pa.open_private_link_service(m.OpenPrivateLinkServiceRequest())
    endpoint_id = pa.create_vpc_endpoint(
        _endpoint_request(m, service.service_name, _consumer(account_a))
    ).body.endpoint_id
    for call in (
        lambda: pb.get_vpc_endpoint_attribute(
            m.GetVpcEndpointAttributeRequest(endpoint_id=endpoint_id)
        ),
        lambda: pb.delete_vpc_endpoint(m.DeleteVpcEndpointRequest(endpoint_id=endpoint_id)),
        lambda: pb.list_vpc_endpoint_zones(m.ListVpcEndpointZonesRequest(endpoint_id=endpoint_id)),
    ):
        assert _code(call) == "EndpointNotFound"
    assert pb.list_vpc_endpoints(m.ListVpcEndpointsRequest(region_id=REGION)).body.endpoints == []
    assert Endpoint.objects.filter(pk=endpoint_id).exists()


def test_service_list_pagination(sdk, key_b, provider, account_b):
    first = _service(sdk, key_b, provider)
    vswitch2 = make_vswitch(account_b, provider[0], cidr="192.168.30.0/24", name="vsw-2")
    second = _service(sdk, key_b, (provider[0], vswitch2, None))
    pl = sdk("privatelink", key_b)
    m = pl.models
    page1 = pl.list_vpc_endpoint_services(
        m.ListVpcEndpointServicesRequest(region_id=REGION, max_results=1)
    ).body
    assert page1.total_count == 2 and page1.next_token
    page2 = pl.list_vpc_endpoint_services(
        m.ListVpcEndpointServicesRequest(
            region_id=REGION, max_results=1, next_token=page1.next_token
        )
    ).body
    ids = {page1.services[0].service_id, page2.services[0].service_id}
    assert ids == {first.service_id, second.service_id}
    assert not page2.next_token
    assert EndpointService.objects.count() == 2
    bad = m.ListVpcEndpointServicesRequest(region_id=REGION, next_token="garbage")
    assert _code(lambda: pl.list_vpc_endpoint_services(bad)) == "IllegalParamFormat.NextToken"


def test_listener_stop_start_are_recorded(slb_b, provider):
    lb_id = _clb(slb_b, provider[1]).load_balancer_id
    m = slb_b.models
    slb_b.create_load_balancer_httplistener(
        m.CreateLoadBalancerHTTPListenerRequest(
            load_balancer_id=lb_id, listener_port=8080, backend_server_port=80, health_check="on"
        )
    )
    listener = ClbListener.objects.get(clb_id=lb_id)
    assert (listener.protocol, listener.status) == ("HTTP", "Running")


def test_connection_history_names_the_access_key_that_acted(
    sdk, key_a, key_b, account_a, account_b, provider, client_a, client_b
):
    """The connection's one trail: an API caller is its AccessKey to its own account, and
    only the UID of its account to the other party (spec api.md, console.md)."""
    service = _service(sdk, key_b, provider)
    pa, pb = sdk("privatelink", key_a), sdk("privatelink", key_b)
    m = pa.models
    pb.add_user_to_vpc_endpoint_service(
        m.AddUserToVpcEndpointServiceRequest(service_id=service.service_id, user_id=account_a.uid)
    )
    pa.open_private_link_service(m.OpenPrivateLinkServiceRequest())
    endpoint = pa.create_vpc_endpoint(
        _endpoint_request(m, service.service_name, _consumer(account_a))
    ).body
    pb.enable_vpc_endpoint_connection(
        m.EnableVpcEndpointConnectionRequest(
            service_id=service.service_id, endpoint_id=endpoint.endpoint_id
        )
    )
    provider_tab = client_b.get(
        f"/privatelink/endpoint-services/{service.service_id}/connections/", {"fragment": "tab"}
    ).content.decode()
    consumer_tab = client_a.get(
        f"/privatelink/endpoints/{endpoint.endpoint_id}/connection/", {"fragment": "tab"}
    ).content.decode()
    assert f"<td>AccessKey {key_b.pk}</td>" in provider_tab  # its allow
    assert f"<td>Account {account_a.uid}</td>" in provider_tab  # the consumer's request
    assert key_a.pk not in provider_tab
    assert f"<td>AccessKey {key_a.pk}</td>" in consumer_tab  # its request
    assert f"<td>Account {account_b.uid}</td>" in consumer_tab  # the provider's allow
    assert key_b.pk not in consumer_tab
