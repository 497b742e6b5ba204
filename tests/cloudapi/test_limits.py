"""Per-AccessKey throttling (50 requests per second) and the 1 MiB request limit."""

import os
import subprocess
import sys

import pytest
import redis
from alibabacloud_tea_openapi.exceptions import ClientException
from sdk_fixtures import *  # noqa: F403

from cloudapi import throttle
from cloudapi.errors import ApiError
from cloudapi.models import UsedNonce

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def held_window(monkeypatch):
    """Tests hold the second still with ``now``; the counter's expiry runs in real time, so
    it is lengthened: a slow machine between two requests cannot end the window."""
    monkeypatch.setattr(throttle, "EXPIRY", 3600)


def test_more_than_rate_per_second_is_throttled(sdk, key_a, key_b, monkeypatch, held_window):
    # Hold the clock still so that every request falls into the same one-second window.
    monkeypatch.setattr(throttle, "_clock", lambda: 1000.0)
    client = sdk("sts", key_a)
    for _ in range(throttle.RATE):
        client.get_caller_identity()
    with pytest.raises(ClientException) as caught:
        client.get_caller_identity()
    assert caught.value.code == "Throttling.User"
    assert caught.value.status_code == 400
    # A refusal records nothing: no nonce was kept for it.
    assert UsedNonce.objects.filter(key_id=key_a.pk).count() == throttle.RATE
    # Another key has its own budget; the next second starts afresh.
    assert sdk("sts", key_b).get_caller_identity().body.account_id
    monkeypatch.setattr(throttle, "_clock", lambda: 1001.0)
    assert client.get_caller_identity().body.account_id


def test_window_edge_and_keys(held_window):
    """The window is the wall clock's whole second: 5.999 still counts with 5.0, 6.0 does
    not; another key has its own budget."""
    for _ in range(throttle.RATE - 1):
        throttle.take("LTAIa", now=5.0)
    throttle.take("LTAIa", now=5.999)
    with pytest.raises(ApiError) as caught:
        throttle.take("LTAIa", now=5.999)
    assert caught.value.code == "Throttling.User"
    throttle.take("LTAIa", now=6.0)
    throttle.take("LTAIb", now=5.5)


def test_counters_expire_by_themselves(redis_server, held_window):
    throttle.take("LTAIexp", now=7.2)
    client = redis.Redis.from_url(redis_server)
    ttl = client.ttl(throttle.window_key("LTAIexp", now=7.0))
    client.close()
    assert throttle.EXPIRY - 60 < ttl <= throttle.EXPIRY  # set on the counter, not forever


SHARE_SCRIPT = """
import django
django.setup()
from cloudapi import throttle
from cloudapi.errors import ApiError
throttle.EXPIRY = 3600  # the window outlives the slowest start of this process
refused = 0
for _ in range({count}):
    try:
        throttle.take("LTAIshared", now=42.5)
    except ApiError:
        refused += 1
print(refused)
"""


def test_two_processes_share_one_budget(redis_server, held_window):
    """Two processes (as two web workers) counting one key against one Redis: together they
    get RATE requests in a second, not RATE each. (The second is held still with ``now``; the
    counter's expiry, counted in real time, is lengthened so a slow process start cannot end
    the window.)"""
    first = throttle.RATE - 10
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "console.settings", "REDIS_URL": redis_server}
    other = subprocess.run(
        [sys.executable, "-c", SHARE_SCRIPT.format(count=first)],
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    assert other.stdout.split()[-1] == "0"
    for _ in range(10):
        throttle.take("LTAIshared", now=42.0)
    with pytest.raises(ApiError):
        throttle.take("LTAIshared", now=42.9)
    # And the other way round: that process now finds the budget spent.
    again = subprocess.run(
        [sys.executable, "-c", SHARE_SCRIPT.format(count=3)],
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    assert again.stdout.split()[-1] == "3"


def test_redis_away_fails_open(settings, caplog, held_window):
    settings.API_THROTTLE_REDIS_URL = "redis://127.0.0.1:1/0"  # nothing listens there
    for _ in range(throttle.RATE + 5):
        throttle.take("LTAIaway", now=9.0)
    assert "API throttling skipped" in caplog.text
