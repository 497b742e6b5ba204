"""Query counts of API reads: a list costs the same with 1 row or 20 (no N+1)."""

import pytest

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
