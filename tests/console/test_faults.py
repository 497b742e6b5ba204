"""Redis away: pages keep serving, a create is kept and said to be delayed, and the reconciler
finishes it through the real worker once Redis is back."""

from contextlib import contextmanager

import pytest
from django.test.utils import override_settings

from console.models import Vpc
from console.tasks import reconcile_stuck_resources
from factories import client_for, make_login

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

NOWHERE = "redis://127.0.0.1:1/0"  # nothing listens on port 1


@pytest.fixture
def redis_away(settings, redis_server, use_broker):
    """Every use of Redis by the web side (broker, sessions, live counters) fails."""
    with redis_away_for(settings, redis_server, use_broker):
        yield


@contextmanager
def redis_away_for(settings, redis_server, use_broker):
    caches = {"default": {**settings.CACHES["default"], "LOCATION": NOWHERE}}
    with override_settings(CACHES=caches, LIVE_REDIS_URL=NOWHERE):
        use_broker(NOWHERE)
        try:
            yield
        finally:
            use_broker(redis_server)


def create_vpc_while_redis_is_away(client):
    """The page keeps serving; the VPC is kept, Pending, and the page says why."""
    assert client.get("/vpcs/").status_code == 200
    response = client.post("/vpcs/create/", {"name": "VPC1", "cidr_block": "10.1.0.0/16"})
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert "Provisioning is delayed" in page


def test_create_while_redis_is_down_completes_when_it_is_back(
    celery_worker, account_a, redis_server, settings, wait_until, use_broker
):
    client = client_for(make_login(account_a, "trainee"))
    with redis_away_for(settings, redis_server, use_broker):
        create_vpc_while_redis_is_away(client)
    vpc = Vpc.objects.for_account(account_a).get()
    assert vpc.status == "Pending"
    # Redis is back: what beat sends every RECONCILE_INTERVAL seconds finishes it.
    reconcile_stuck_resources.delay(0)
    wait_until(lambda: Vpc.objects.get(pk=vpc.pk).status == "Available", timeout=15)


def test_pages_and_logins_serve_without_redis(account_a, redis_away, client):
    make_login(account_a, "trainee")
    from factories import PASSWORD

    response = client.post("/login/", {"username": "trainee", "password": PASSWORD})
    assert response.status_code == 302
    for url in ("/vpcs/", "/vpcs/create/", "/labs/"):
        assert client.get(url).status_code == 200, url
