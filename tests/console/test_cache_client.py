"""The session cache keeps one Redis connection pool per process.

Django keeps a cache object per context, and the class server runs each request in a fresh
context (a2wsgi copies it into a pool thread): with Django's own client every request made a
new Redis connection, with its handshake."""

import contextvars

import redis
from django.core.cache import caches


def connections_received(url):
    probe = redis.Redis.from_url(url)
    try:
        return probe.info("stats")["total_connections_received"]
    finally:
        probe.close()


def in_a_fresh_context(function):
    return contextvars.Context().run(function)


def test_requests_in_fresh_contexts_share_one_connection(live_redis):
    caches["default"].set("probe", 1)
    before = connections_received(live_redis)
    objects = set()
    for _ in range(20):
        cache = in_a_fresh_context(lambda: caches["default"])
        objects.add(id(cache))
        assert in_a_fresh_context(lambda: caches["default"].get("probe")) == 1
    assert len(objects) > 1  # Django did make a cache object per context
    # The probe's own connection is the only new one.
    assert connections_received(live_redis) - before == 1


def test_another_location_gets_its_own_client(live_redis, settings):
    from django.test.utils import override_settings

    first = caches["default"]._cache
    nowhere = {**settings.CACHES["default"], "LOCATION": "redis://127.0.0.1:1/0"}
    with override_settings(CACHES={"default": nowhere}):
        assert caches["default"]._cache is not first
        assert caches["default"].get("probe", "missed") == "missed"  # Redis away: a miss
    assert caches["default"]._cache is first
