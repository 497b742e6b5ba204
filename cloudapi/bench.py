"""API throughput (run by ``manage.py bench``): signed requests per second, read and create.

Requests go through the whole endpoint (parsing, signature, nonce, throttle, operation,
JSON) in one process, without a network in between.
"""

import time
import uuid
from datetime import UTC, datetime
from urllib.parse import urlencode

from django.test import Client

from console.catalogue import DEFAULT_REGION
from console.models import Account, Vpc

from . import signing, throttle
from .models import AccessKey

REQUESTS = 300


def _query(key, version, action, params):
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
    query["Signature"] = signing.sign_v1("POST", query, key.secret)
    return urlencode(query)


def _rate(client, key, action, params_for):
    start = time.perf_counter()
    for i in range(REQUESTS):
        query = _query(key, "2016-04-28", action, params_for(i))
        response = client.post(f"/?{query}")
        assert response.status_code == 200, response.content
    return REQUESTS / (time.perf_counter() - start)


def api_requests_per_second():
    account = Account.objects.create(name="Bench API")
    key = AccessKey.objects.create(account=account)
    client = Client()
    previous, throttle.RATE = throttle.RATE, 10**9  # one client, as fast as it can
    try:
        create = _rate(
            client,
            key,
            "CreateVpc",
            lambda i: {"RegionId": DEFAULT_REGION, "CidrBlock": f"10.{i // 256}.{i % 256}.0/24"},
        )
        read = _rate(
            client, key, "DescribeVpcs", lambda i: {"RegionId": DEFAULT_REGION, "PageSize": "10"}
        )
    finally:
        throttle.RATE = previous
    assert Vpc.objects.filter(account=account).count() == REQUESTS
    return {
        "API requests/s, read (DescribeVpcs, 10 of 300 VPCs)": f"{read:.0f}",
        "API requests/s, create (CreateVpc)": f"{create:.0f}",
    }


BENCHMARKS = [("api_requests_per_second", api_requests_per_second)]
