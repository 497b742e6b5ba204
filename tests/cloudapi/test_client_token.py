"""``ClientToken``: a retried create answers the same resource and makes nothing new; the
same token with other parameters is ``IdempotentParameterMismatch``."""

import inspect
from importlib import import_module

import pytest
from alibabacloud_tea_openapi.exceptions import ClientException
from sdk_fixtures import *  # noqa: F403

from cloudapi import endpoint, idempotency, registry
from cloudapi.models import ClientTokenResult
from cloudapi.params import Params
from console.models import EcsInstance, IdempotencyKey, Vpc
from factories import make_security_group, make_vpc, make_vswitch
from loadbalancer.models import AlbServerGroup

pytestmark = pytest.mark.django_db(transaction=True)

REGION = "eu-central-1"
SDK_BY_VERSION = {
    "2020-04-15": PRODUCTS["privatelink"],  # noqa: F405
    "2014-05-15": PRODUCTS["slb"],  # noqa: F405
    "2020-06-16": PRODUCTS["alb"],  # noqa: F405
    "2016-04-28": PRODUCTS["vpc"],  # noqa: F405
    "2014-05-26": PRODUCTS["ecs"],  # noqa: F405
    "2015-04-01": PRODUCTS["sts"],  # noqa: F405
}


def _vpc_request(m, cidr="10.10.0.0/16", token="retry-1", **extra):
    return m.CreateVpcRequest(region_id=REGION, cidr_block=cidr, client_token=token, **extra)


def test_retried_create_vpc_answers_the_same_vpc(sdk, key_a):
    client = sdk("vpc", key_a)
    m = client.models
    first = client.create_vpc(_vpc_request(m)).body
    again = client.create_vpc(_vpc_request(m)).body
    assert again.vpc_id == first.vpc_id
    assert (again.vrouter_id, again.route_table_id) == (first.vrouter_id, first.route_table_id)
    assert again.request_id != first.request_id
    assert Vpc.objects.for_account(key_a.account).count() == 1
    # The console's own token table holds it, naming the VPC.
    assert IdempotencyKey.objects.get(account=key_a.account).resource_id == first.vpc_id


def test_same_token_other_parameters_is_refused(sdk, key_a):
    client = sdk("vpc", key_a)
    m = client.models
    client.create_vpc(_vpc_request(m, vpc_name="VPC1"))
    for changed in (_vpc_request(m, cidr="10.20.0.0/16", vpc_name="VPC1"), _vpc_request(m)):
        with pytest.raises(ClientException) as caught:
            client.create_vpc(changed)
        assert caught.value.code == "IdempotentParameterMismatch"
        assert caught.value.status_code == 400
        assert "retry-1" in caught.value.message
    assert Vpc.objects.for_account(key_a.account).count() == 1
    # A new token makes a new VPC.
    client.create_vpc(_vpc_request(m, cidr="10.20.0.0/16", token="retry-2"))
    assert Vpc.objects.for_account(key_a.account).count() == 2


def test_tokens_belong_to_an_account_and_an_operation(sdk, key_a, key_b):
    a, b = sdk("vpc", key_a), sdk("vpc", key_b)
    vpc_a = a.create_vpc(_vpc_request(a.models)).body.vpc_id
    vpc_b = b.create_vpc(_vpc_request(b.models)).body.vpc_id
    assert vpc_a != vpc_b
    assert Vpc.objects.for_account(key_b.account).get().pk == vpc_b
    # The same token on another create of the same account makes that resource.
    m = a.models
    vswitch = a.create_vswitch(
        m.CreateVSwitchRequest(
            region_id=REGION,
            vpc_id=vpc_a,
            zone_id="eu-central-1b",
            cidr_block="10.10.0.0/24",
            client_token="retry-1",
        )
    ).body.v_switch_id
    assert vswitch.startswith("vsw-")


def test_dry_run_keeps_no_token(sdk, key_a):
    client = sdk("vpc", key_a)
    with pytest.raises(ClientException) as caught:
        client.create_vpc(_vpc_request(client.models, dry_run=True))
    assert caught.value.code == "DryRunOperation"
    assert not IdempotencyKey.objects.exists() and not ClientTokenResult.objects.exists()
    vpc_id = client.create_vpc(_vpc_request(client.models)).body.vpc_id
    assert Vpc.objects.get().pk == vpc_id


def test_a_refused_create_keeps_no_token(sdk, key_a):
    client = sdk("vpc", key_a)
    with pytest.raises(ClientException) as caught:
        client.create_vpc(_vpc_request(client.models, cidr="10.10.0.0/33"))
    assert caught.value.code.startswith("IllegalParamFormat")
    assert not IdempotencyKey.objects.exists()
    # Corrected and sent again with the same token, it is made.
    assert client.create_vpc(_vpc_request(client.models)).body.vpc_id


def test_too_long_token_is_refused(sdk, key_a):
    client = sdk("vpc", key_a)
    with pytest.raises(ClientException) as caught:
        client.create_vpc(_vpc_request(client.models, token="t" * 65))
    assert caught.value.code == "IllegalParamFormat.ClientToken"
    assert not Vpc.objects.exists()


def test_retried_run_instances_answers_the_same_instances(sdk, key_a, account_a):
    vpc = make_vpc(account_a)
    vswitch = make_vswitch(account_a, vpc)
    group = make_security_group(account_a, vpc)
    client = sdk("ecs", key_a)
    m = client.models
    request = m.RunInstancesRequest(
        region_id=REGION,
        image_id="aliyun_3",
        instance_type="ecs.g7.large",
        security_group_id=group.pk,
        v_switch_id=vswitch.pk,
        amount=2,
        client_token="run-once",
    )
    first = client.run_instances(request).body.instance_id_sets.instance_id_set
    again = client.run_instances(request).body.instance_id_sets.instance_id_set
    assert again == first and len(first) == 2
    assert EcsInstance.objects.for_account(account_a).count() == 2


def test_retried_alb_server_group(sdk, key_a, account_a):
    vpc = make_vpc(account_a)
    client = sdk("alb", key_a)
    m = client.models
    request = m.CreateServerGroupRequest(
        server_group_name="RS1", vpc_id=vpc.pk, protocol="HTTP", client_token="sg-once"
    )
    first = client.create_server_group(request).body
    again = client.create_server_group(request).body
    assert (again.server_group_id, again.job_id) == (first.server_group_id, first.job_id)
    assert AlbServerGroup.objects.for_account(account_a).count() == 1


def test_simultaneous_call_with_the_token_answers_the_first(sdk, key_a, monkeypatch):
    """Two calls with one token at once: the second finds no token, creates, then loses the
    race on the console token's unique key; its VPC is rolled back and it answers the
    first's VPC."""
    client = sdk("vpc", key_a)
    first = client.create_vpc(_vpc_request(client.models)).body.vpc_id
    real_stored = idempotency.stored
    looked = []

    def stored_after_the_other_committed(call, token):
        looked.append(token)
        return None if len(looked) == 1 else real_stored(call, token)

    monkeypatch.setattr(idempotency, "stored", stored_after_the_other_committed)
    params = {"RegionId": REGION, "CidrBlock": "10.10.0.0/16", "ClientToken": "retry-1"}
    call = endpoint.Call(
        key_a.account, key_a, Params(params), "R", registry.find("2016-04-28", "CreateVpc")
    )
    result = endpoint.run(call)
    assert result["VpcId"] == first and len(looked) == 2
    assert list(Vpc.objects.values_list("pk", flat=True)) == [first]


def _model_has_client_token(operation):
    models = import_module(f"{SDK_BY_VERSION[operation.version]}.models")
    request = getattr(models, f"{operation.action}Request", None)
    return request is not None and "result['ClientToken']" in inspect.getsource(request)


def test_every_create_whose_sdk_model_has_a_client_token_honours_it():
    creates = [
        o
        for o in registry.all_operations()
        if o.action.startswith(("Create", "Run")) and _model_has_client_token(o)
    ]
    assert {o.action for o in creates if not o.idempotent} == set()
    assert {(o.version, o.action) for o in registry.all_operations() if o.idempotent} == {
        (o.version, o.action) for o in creates
    }
    assert len(creates) == 10
