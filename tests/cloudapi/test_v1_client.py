"""The older SDK (aliyun-python-sdk-core, CommonRequest, signature v1 HMAC-SHA1)."""

import json

import pytest
from aliyunsdkcore.acs_exception.exceptions import ServerException
from aliyunsdkcore.client import AcsClient
from aliyunsdkcore.request import CommonRequest
from sdk_fixtures import *  # noqa: F403

from console.models import Vpc

pytestmark = pytest.mark.django_db(transaction=True)


def _client(key, secret=None):
    return AcsClient(key.pk, secret or key.secret, "eu-central-1", auto_retry=False)


def _request(api_host, version, action, method="POST", **params):
    request = CommonRequest(domain=api_host, version=version, action_name=action)
    request.set_protocol_type("http")
    request.set_method(method)
    for name, value in params.items():
        request.add_query_param(name, value)
    return request


def test_common_request_create_and_describe(api_host, key_a, account_a):
    client = _client(key_a)
    created = json.loads(
        client.do_action_with_exception(
            _request(
                api_host,
                "2016-04-28",
                "CreateVpc",
                RegionId="eu-central-1",
                CidrBlock="10.1.0.0/16",
            )
        )
    )
    assert Vpc.objects.for_account(account_a).filter(pk=created["VpcId"]).exists()
    described = json.loads(
        client.do_action_with_exception(
            _request(api_host, "2016-04-28", "DescribeVpcs", RegionId="eu-central-1")
        )
    )
    assert [v["VpcId"] for v in described["Vpcs"]["Vpc"]] == [created["VpcId"]]
    identity = json.loads(
        client.do_action_with_exception(_request(api_host, "2015-04-01", "GetCallerIdentity"))
    )
    assert identity["AccountId"] == account_a.uid


def test_form_body_parameters_are_signed(api_host, key_a):
    request = _request(api_host, "2016-04-28", "CreateVpc", RegionId="eu-central-1")
    request.add_body_params("CidrBlock", "10.2.0.0/16")
    request.add_body_params("Description", "with space & symbols/~*+é")
    body = json.loads(_client(key_a).do_action_with_exception(request))
    assert Vpc.objects.get(pk=body["VpcId"]).description == "with space & symbols/~*+é"


def test_get_request(api_host, key_a):
    request = _request(api_host, "2016-04-28", "DescribeVpcs", method="GET")
    assert json.loads(_client(key_a).do_action_with_exception(request))["TotalCount"] == 0


@pytest.mark.parametrize(
    "secret,version,action,code",
    [
        ("wrong", "2016-04-28", "DescribeVpcs", "SignatureDoesNotMatch"),
        (None, "2016-04-28", "NoSuchAction", "InvalidAction.NotFound"),
        (None, "1999-01-01", "DescribeVpcs", "InvalidAction.NotFound"),
        (None, "2016-04-28", "DeleteVpc", "MissingParam.VpcId"),
    ],
)
def test_refusals_are_json_errors(api_host, key_a, secret, version, action, code):
    with pytest.raises(ServerException) as caught:
        _client(key_a, secret).do_action_with_exception(_request(api_host, version, action))
    assert caught.value.get_error_code() == code
