"""At most RATE requests per second per AccessKey (then ``Throttling.User``).

A fixed one-second window per key, counted in Redis so that every web process shares it
(``make run`` serves with several): the key ``api:rate:<AccessKey ID>:<second>`` is
incremented and given a short expiry in one pipeline, one round trip per request. The second
is the wall clock's, the one clock all processes agree on. A refusal writes nothing else.

If Redis does not answer, requests are not throttled (fail open) and a warning is logged, as
for login throttling (``console.throttle``): a broker hiccup must not lock a class out of its
lab.
"""

import logging
import time

import redis
from django.conf import settings

from console import redis_clients

from .errors import ApiError

log = logging.getLogger(__name__)

RATE = 50
PREFIX = "api:rate:"
# A window's counter outlives its second a little (clocks of two processes differ by
# milliseconds), then goes by itself: nothing to purge.
EXPIRY = 2
_clock = time.time  # a name of this module, so a test can hold the second still


def _client() -> redis.Redis:
    return redis_clients.shared(
        getattr(settings, "API_THROTTLE_REDIS_URL", None) or settings.REDIS_URL, 0.25
    )


def window_key(key_id, now=None) -> str:
    """The Redis key counting ``key_id``'s requests in the second of ``now`` (default: now)."""
    second = int(now if now is not None else _clock())
    return f"{PREFIX}{key_id}:{second}"


def take(key_id, now=None):
    """Count one request of ``key_id``; refuse the ones over the rate in this second."""
    name = window_key(key_id, now)
    try:
        with _client().pipeline(transaction=False) as pipe:
            count = pipe.incr(name).expire(name, EXPIRY).execute()[0]
    except redis.RedisError as error:
        log.warning("API throttling skipped: Redis does not answer: %s", error)
        return
    if count > RATE:
        raise ApiError(
            "Throttling.User",
            f"Request was denied due to user flow control: at most {RATE} requests per "
            "second per AccessKey.",
        )


def reset():
    """Forget every window (tests and benchmarks start with a full budget)."""
    try:
        client = _client()
        keys = list(client.scan_iter(f"{PREFIX}*", count=1000))
        if keys:
            client.delete(*keys)
    except redis.RedisError as error:
        log.warning("API throttling reset skipped: Redis does not answer: %s", error)
