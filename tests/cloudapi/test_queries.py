"""Query counts of API reads: a list costs the same with 1 row or 20 (no N+1)."""

import pytest
from sdk_fixtures import *  # noqa: F403

from cloudapi.bench import _query
from cloudapi.models import AccessKey
from factories import make_instance, make_vpc, make_vswitch

pytestmark = pytest.mark.django_db


def _count(client, key, version, action, params, django_assert_max_num_queries, limit):
    with django_assert_max_num_queries(limit):
        response = client.post(f"/?{_query(key, version, action, params)}")
    assert response.status_code == 200, response.content
    return response.json()


@pytest.mark.parametrize("rows", [1, 12])
def test_list_reads_are_flat(client, account_a, rows, django_assert_max_num_queries):
    key = AccessKey.objects.create(account=account_a)
    for i in range(rows):
        vpc = make_vpc(account_a, cidr=f"10.{i}.0.0/16", name=f"VPC{i}")
        vsw = make_vswitch(account_a, vpc, cidr=f"10.{i}.1.0/24")
        make_instance(account_a, vsw, name=f"ECS{i}")
    region = {"RegionId": "eu-central-1", "PageSize": "50"}
    # key + nonce (savepoints) + region + count + rows + prefetches: fixed, whatever the rows.
    body = _count(
        client, key, "2016-04-28", "DescribeVpcs", region, django_assert_max_num_queries, 10
    )
    assert body["TotalCount"] == rows
    body = _count(
        client, key, "2014-05-26", "DescribeInstances", region, django_assert_max_num_queries, 10
    )
    assert len(body["Instances"]["Instance"]) == rows
    body = _count(
        client, key, "2016-04-28", "DescribeVSwitches", region, django_assert_max_num_queries, 10
    )
    assert len(body["VSwitches"]["VSwitch"]) == rows


@pytest.mark.parametrize("rows", [1, 6])
def test_privatelink_and_clb_lists_are_flat(
    client, account_a, account_b, rows, django_assert_max_num_queries
):
    from console.services import account_activate_privatelink
    from factories import make_security_group, region, settle, zone
    from loadbalancer import services as lb_services
    from privatelink import services as pl_services

    key_a = AccessKey.objects.create(account=account_a)
    key_b = AccessKey.objects.create(account=account_b)
    for account in (account_a, account_b):
        account_activate_privatelink(account=account)
    vpc2 = make_vpc(account_b, cidr="192.168.0.0/16")
    vsw2 = make_vswitch(account_b, vpc2, cidr="192.168.20.0/24")
    backends = [make_instance(account_b, vsw2, name=f"B{i}") for i in range(rows)]
    clb = settle(
        lb_services.clb_create(
            account=account_b,
            region=region(),
            zone=zone(),
            vpc=vpc2,
            vswitch=vsw2,
            specification="slb.s1.small",
        )
    )
    for port in range(80, 80 + rows):
        lb_services.clb_listener_create(
            account=account_b,
            clb=clb,
            protocol="TCP",
            port=port,
            servers=[(b.pk, 100, 80) for b in backends],
        )
    service = settle(
        pl_services.endpoint_service_create(
            account=account_b, region=region(), resources=[(zone(), clb)]
        )
    )
    pl_services.whitelist_add(account=account_b, service=service, uids=[account_a.uid])
    vpc1 = make_vpc(account_a, cidr="10.10.0.0/16")
    vsw1 = make_vswitch(account_a, vpc1, cidr="10.10.0.0/24")
    group = make_security_group(account_a, vpc1)
    for i in range(rows):
        pl_services.endpoint_create(
            account=account_a,
            region=region(),
            name=f"ep{i}",
            service=service,
            vpc=vpc1,
            security_groups=[group],
            zones=[(zone(), vsw1)],
        )
    region_id = {"RegionId": "eu-central-1"}
    body = _count(
        client, key_a, "2020-04-15", "ListVpcEndpoints", region_id, django_assert_max_num_queries, 9
    )
    assert len(body["Endpoints"]) == rows
    params = {"ServiceId": service.pk}
    body = _count(
        client,
        key_b,
        "2020-04-15",
        "ListVpcEndpointConnections",
        params,
        django_assert_max_num_queries,
        10,
    )
    assert len(body["Connections"]) == rows
    params = {"LoadBalancerId.1": clb.pk, **region_id}
    body = _count(
        client,
        key_b,
        "2014-05-15",
        "DescribeLoadBalancerListeners",
        params,
        django_assert_max_num_queries,
        10,
    )
    assert len(body["Listeners"]) == rows
    body = _count(
        client,
        key_b,
        "2014-05-15",
        "DescribeHealthStatus",
        {"LoadBalancerId": clb.pk},
        django_assert_max_num_queries,
        9,
    )
    assert len(body["BackendServers"]["BackendServer"]) == rows * rows
