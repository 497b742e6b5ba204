"""Signatures, keys and replay: the SDKs' requests are accepted; anything else is a JSON refusal."""

import json
import urllib.request
from datetime import UTC, datetime, timedelta

import pytest
from alibabacloud_tea_openapi.exceptions import ClientException
from darabonba.runtime import ExtendsParameters, RuntimeOptions
from sdk_fixtures import *  # noqa: F403

from cloudapi.models import AccessKey, UsedNonce

pytestmark = pytest.mark.django_db(transaction=True)


def test_get_caller_identity_acs3(sdk, key_a, account_a):
    body = sdk("sts", key_a).get_caller_identity().body
    assert body.account_id == account_a.uid
    assert body.identity_type == "Account"
    assert body.request_id


def test_get_caller_identity_v1_signature(sdk, key_b, account_b):
    client = sdk("sts", key_b, signature_algorithm="v2")
    assert client.get_caller_identity().body.account_id == account_b.uid


def _refused(call):
    with pytest.raises(ClientException) as caught:
        call()
    return caught.value


def test_wrong_secret(sdk, key_a):
    error = _refused(lambda: sdk("sts", key_a, secret="not-the-secret").get_caller_identity())
    assert error.code == "SignatureDoesNotMatch"
    assert error.status_code == 400


def test_wrong_secret_v1(sdk, key_a):
    client = sdk("sts", key_a, secret="nope", signature_algorithm="v2")
    assert _refused(client.get_caller_identity).code == "SignatureDoesNotMatch"


def test_unknown_key(sdk, account_a):
    client = sdk("sts", "LTAIunknownunknown12345", secret="s")
    error = _refused(client.get_caller_identity)
    assert error.code == "InvalidAccessKeyId.NotFound"


def test_disabled_key(sdk, key_a):
    AccessKey.objects.filter(pk=key_a.pk).update(status=AccessKey.Status.DISABLED)
    assert _refused(sdk("sts", key_a).get_caller_identity).code == "InvalidAccessKeyId.Inactive"


def _with_headers(**headers):
    return RuntimeOptions(extends_parameters=ExtendsParameters(headers=headers))


def test_replayed_nonce(sdk, key_a):
    client = sdk("sts", key_a)
    runtime = _with_headers(**{"x-acs-signature-nonce": "same-nonce-twice"})
    client.get_caller_identity_with_options(runtime)
    error = _refused(lambda: client.get_caller_identity_with_options(runtime))
    assert error.code == "SignatureNonceUsed"
    assert UsedNonce.objects.filter(nonce="same-nonce-twice").count() == 1


@pytest.mark.parametrize("minutes", [-16, 16])
def test_stale_or_future_timestamp(sdk, key_a, minutes):
    moment = datetime.now(UTC) + timedelta(minutes=minutes)
    runtime = _with_headers(**{"x-acs-date": moment.strftime("%Y-%m-%dT%H:%M:%SZ")})
    error = _refused(lambda: sdk("sts", key_a).get_caller_identity_with_options(runtime))
    assert error.code == "InvalidTimeStamp.Expired"


def test_timestamp_within_window_accepted(sdk, key_a):
    moment = datetime.now(UTC) - timedelta(minutes=14)
    runtime = _with_headers(**{"x-acs-date": moment.strftime("%Y-%m-%dT%H:%M:%SZ")})
    assert sdk("sts", key_a).get_caller_identity_with_options(runtime).body.account_id


def _raw(live_server, path="/", data=None, headers=None, method="POST"):
    request = urllib.request.Request(
        live_server.url + path, data=data, headers=headers or {}, method=method
    )
    try:
        with urllib.request.urlopen(request) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


@pytest.mark.parametrize(
    "path,headers",
    [
        ("/?Action=DescribeVpcs&Version=2016-04-28", {}),
        ("/", {"x-acs-action": "DescribeVpcs", "x-acs-version": "2016-04-28"}),
        (
            "/",
            {
                "x-acs-action": "DescribeVpcs",
                "Authorization": "ACS3-HMAC-SHA256 Credential=,SignedHeaders=,Signature=",
            },
        ),
        ("/", {"x-acs-action": "X", "Authorization": "Bearer nothing"}),
        ("/?Action=X&Signature=abc", {}),
    ],
)
def test_unsigned_or_malformed_is_json_incomplete_signature(live_server, path, headers):
    status, response_headers, body = _raw(live_server, path, b"", headers)
    assert status == 400
    assert response_headers["Content-Type"] == "application/json"
    document = json.loads(body)
    assert document["Code"] == "IncompleteSignature"
    assert set(document) == {"RequestId", "HostId", "Code", "Message", "Recommend"}


def test_browser_home_page_still_redirects_to_login(live_server, catalogue):
    status, headers, body = _raw(live_server, "/", method="GET")
    assert status == 200  # followed to the login page
    assert b"<form" in body


def test_oversized_request_refused(live_server):
    body = b"A=" + b"x" * (1024 * 1024 + 10)
    status, headers, document = _raw(
        live_server,
        "/?Action=DescribeVpcs",
        body,
        {"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert status == 413
    assert json.loads(document)["Code"] == "RequestTooLarge"
