"""Per-AccessKey throttling (50 requests per second) and the 1 MiB request limit."""

import pytest
from alibabacloud_tea_openapi.exceptions import ClientException
from sdk_fixtures import *  # noqa: F403

from cloudapi import throttle
from cloudapi.models import UsedNonce

pytestmark = pytest.mark.django_db(transaction=True)


def test_more_than_rate_per_second_is_throttled(sdk, key_a, key_b, monkeypatch):
    # Freeze the clock so that every request falls into the same one-second window.
    monkeypatch.setattr(throttle.time, "monotonic", lambda: 1000.0)
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
    monkeypatch.setattr(throttle.time, "monotonic", lambda: 1001.0)
    assert client.get_caller_identity().body.account_id


def test_window_counts_per_key():
    throttle.reset()
    for _ in range(throttle.RATE):
        throttle.take("LTAIa", now=5.0)
    with pytest.raises(Exception) as caught:
        throttle.take("LTAIa", now=5.9)
    assert caught.value.code == "Throttling.User"
    throttle.take("LTAIa", now=6.0)
    throttle.take("LTAIb", now=5.5)
