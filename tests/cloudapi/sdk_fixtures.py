"""The official SDK clients, unchanged, pointed at pytest-django's live server.

Test modules import these fixtures with ``from sdk_fixtures import *`` (no conftest here: a
second module named ``conftest`` would shadow the shared one for modules that import it).
"""

import importlib
from urllib.parse import urlparse

import pytest
from alibabacloud_tea_openapi.models import Config

from cloudapi import throttle
from cloudapi.models import AccessKey

PRODUCTS = {
    "privatelink": "alibabacloud_privatelink20200415",
    "slb": "alibabacloud_slb20140515",
    "alb": "alibabacloud_alb20200616",
    "vpc": "alibabacloud_vpc20160428",
    "ecs": "alibabacloud_ecs20140526",
    "sts": "alibabacloud_sts20150401",
}


def make_key(account):
    return AccessKey.objects.create(account=account)


@pytest.fixture(autouse=True)
def fresh_throttle():
    throttle.reset()
    yield
    throttle.reset()


@pytest.fixture
def api_host(live_server):
    return urlparse(live_server.url).netloc


@pytest.fixture
def sdk(api_host):
    """``sdk("vpc", key)``: the product's official client for ``key``, and its models."""

    def make(product, key, *, secret=None, region="eu-central-1", **config):
        package = PRODUCTS[product]
        client_class = importlib.import_module(f"{package}.client").Client
        models = importlib.import_module(f"{package}.models")
        client = client_class(
            Config(
                access_key_id=key if isinstance(key, str) else key.pk,
                access_key_secret=secret or getattr(key, "secret", "x"),
                endpoint=api_host,
                protocol="http",
                region_id=region,
                read_timeout=30_000,
                **config,
            )
        )
        client.models = models
        return client

    return make


@pytest.fixture
def key_a(account_a):
    return make_key(account_a)


@pytest.fixture
def key_b(account_b):
    return make_key(account_b)


__all__ = ["PRODUCTS", "api_host", "fresh_throttle", "key_a", "key_b", "make_key", "sdk"]
