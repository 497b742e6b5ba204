"""Fuzz of every operation's parameters: never a server error, never anything half-made.

Parameters are drawn from the names the official SDK's request models use for that action
(nested and flattened ``Name.N.Field`` too), with values that are junk, near misses, or the
real IDs of the caller's and of another account's resources. Every answer must be JSON with
a status below 500; every refusal must leave the database as it was.
"""

import json
import re
import urllib.error
import urllib.request
import uuid
from datetime import UTC, datetime
from importlib import import_module
from pathlib import Path
from urllib.parse import urlencode

import pytest
from alibabacloud_tea_openapi.utils import Utils
from django.apps import apps
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sdk_fixtures import *  # noqa: F403

from cloudapi import registry, throttle
from cloudapi.models import AccessKey, UsedNonce
from console.services import account_activate_privatelink
from factories import make_instance, make_security_group, make_vpc, make_vswitch, settle
from loadbalancer import services as lb_services
from privatelink import services as pl_services

pytestmark = pytest.mark.django_db(transaction=True)

PACKAGES = {
    "2020-04-15": "alibabacloud_privatelink20200415",
    "2014-05-15": "alibabacloud_slb20140515",
    "2020-06-16": "alibabacloud_alb20200616",
    "2016-04-28": "alibabacloud_vpc20160428",
    "2014-05-26": "alibabacloud_ecs20140526",
    "2015-04-01": "alibabacloud_sts20150401",
}
OPERATIONS = sorted((o.version, o.action) for o in registry.all_operations())


def _snake(name):
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def parameter_names(version, action):
    """The names an SDK request of ``action`` can carry (from its request model's source)."""
    package = import_module(f"{PACKAGES[version]}.models")
    path = Path(package.__file__).parent / f"_{_snake(action)}_request.py"
    if not path.exists():
        return ["RegionId"]
    return sorted(set(re.findall(r"result\['(\w+)'\]", path.read_text())))


def resource_counts():
    models = [m for m in apps.get_models() if m is not UsedNonce]
    return {m._meta.label: m._default_manager.count() for m in models}


@pytest.fixture
def world(live_server, account_a, account_b):
    """Both accounts' resources, whose IDs the fuzz mixes into parameters."""
    ids = ["", "0", "-1", "null", "[]", "{}", "true", "False", "nginx:80", "x" * 300]
    for account, base in ((account_a, "10.10"), (account_b, "192.168")):
        account_activate_privatelink(account=account)
        vpc = make_vpc(account, cidr=f"{base}.0.0/16")
        vswitch = make_vswitch(account, vpc, cidr=f"{base}.1.0/24")
        group = make_security_group(account, vpc)
        instance = make_instance(account, vswitch, groups=[group])
        clb = lb_services.clb_create(
            account=account,
            region=vpc.region,
            zone=vswitch.zone,
            vpc=vpc,
            vswitch=vswitch,
            specification="slb.s1.small",
        )
        clb = settle(clb)
        service = pl_services.endpoint_service_create(
            account=account,
            region=vpc.region,
            resources=[(vswitch.zone, clb)],
        )
        ids += [vpc.pk, vswitch.pk, group.pk, instance.pk, clb.pk, service.pk, account.uid]
        ids += [vswitch.zone_id, service.service_name, json.dumps([instance.pk])]
    key = AccessKey.objects.create(account=account_a)
    return {"key": key, "ids": ids, "url": live_server.url}


def signed_query(key, version, action, params):
    query = {
        **params,
        "Action": action,
        "Version": version,
        "Format": "JSON",
        "AccessKeyId": key.pk,
        "SignatureMethod": "HMAC-SHA1",
        "SignatureVersion": "1.0",
        "SignatureNonce": uuid.uuid4().hex,
        "Timestamp": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
    }
    query["Signature"] = Utils.get_rpcsignature(query, "POST", key.secret)
    return urlencode(query)


def post(url, query):
    request = urllib.request.Request(f"{url}/?{query}", data=b"", method="POST")
    try:
        with urllib.request.urlopen(request) as response:
            return response.status, response.headers["Content-Type"], response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers["Content-Type"], error.read()


def params_strategy(names, ids):
    values = st.one_of(
        st.sampled_from(ids),
        st.text(max_size=40),
        st.integers(-5, 70000).map(str),
        st.sampled_from(["true", "false", "TRUE", "on", "off", "tcp", "slb", "alb", "HTTP"]),
        st.sampled_from(["10.0.0.0/8", "10.10.9.0/24", "192.168.1.0/24", "80/80", "1/65535"]),
    )
    plain = st.sampled_from(names)
    nested = st.tuples(st.sampled_from(names), st.integers(0, 3), st.sampled_from(names)).map(
        lambda t: f"{t[0]}.{t[1]}.{t[2]}"
    )
    indexed = st.tuples(st.sampled_from(names), st.integers(0, 3)).map(lambda t: f"{t[0]}.{t[1]}")
    keys = st.one_of(plain, plain, nested, indexed)
    return st.dictionaries(keys, values, max_size=8)


@pytest.mark.parametrize("version", sorted(PACKAGES))
def test_fuzz_every_operation(world, version, monkeypatch):
    """Every operation of ``version`` (the product), with parameters of its own names."""
    monkeypatch.setattr(throttle, "RATE", 10**9)
    actions = [a for v, a in OPERATIONS if v == version]
    strategies = {a: params_strategy(parameter_names(version, a), world["ids"]) for a in actions}
    calls = st.sampled_from(actions).flatmap(lambda a: st.tuples(st.just(a), strategies[a]))
    # Tasks run eagerly, so the counts after one answer are the counts before the next.
    last = {"counts": resource_counts()}

    @settings(
        max_examples=10 * len(actions),
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(call=calls)
    def check(call):
        action, params = call
        status, content_type, body = post(
            world["url"], signed_query(world["key"], version, action, params)
        )
        assert content_type == "application/json", (action, status, body[:200])
        document = json.loads(body)
        assert status < 500, (action, params, document)
        counts = resource_counts()
        if status >= 400:
            assert set(document) == {"RequestId", "HostId", "Code", "Message", "Recommend"}
            assert counts == last["counts"], (action, params, document)
        last["counts"] = counts

    check()
