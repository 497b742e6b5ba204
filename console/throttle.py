"""Login throttling per username, counted in Redis.

A class sits behind one address, so counting per IP would lock out the whole room: failures
are counted per username (case-folded). ``LOGIN_FAILURE_LIMIT`` failures within
``LOGIN_FAILURE_WINDOW`` seconds lock the username for ``LOGIN_LOCKOUT`` seconds; an
instructor can unlock it earlier.

Every web process must see the same counters, hence Redis rather than a per-process cache.
If Redis does not answer, logins are not throttled (fail open) and a warning is logged: a
broker hiccup must not lock a class out of its lab, and the passwords people choose keep the
slow default hasher meanwhile.
"""

import logging
import math

import redis
from django.conf import settings

from console import redis_clients

logger = logging.getLogger(__name__)


def _client() -> redis.Redis:
    return redis_clients.shared(settings.LOGIN_THROTTLE_REDIS_URL, 0.3)


def _keys(username):
    name = username.strip().casefold()
    return f"login:failures:{name}", f"login:locked:{name}"


def _fail_open(action, error):
    logger.warning("login throttling skipped (%s): Redis does not answer: %s", action, error)


def locked_for(username):
    """Seconds the username stays locked (0 when it is not, or when Redis is down)."""
    try:
        ttl = _client().ttl(_keys(username)[1])
    except redis.RedisError as error:
        _fail_open("check", error)
        return 0
    return max(ttl, 0)


def record_failure(username):
    """Count a failed login; returns the seconds of lockout it caused (0 if none)."""
    failures, locked = _keys(username)
    try:
        client = _client()
        with client.pipeline() as pipe:
            pipe.incr(failures).expire(failures, settings.LOGIN_FAILURE_WINDOW, nx=True)
            count = pipe.execute()[0]
        if count < settings.LOGIN_FAILURE_LIMIT:
            return 0
        with client.pipeline() as pipe:
            pipe.set(locked, 1, ex=settings.LOGIN_LOCKOUT).delete(failures).execute()
    except redis.RedisError as error:
        _fail_open("count", error)
        return 0
    logger.warning("login %r locked after %s failed attempts", username, count)
    return settings.LOGIN_LOCKOUT


def clear(username):
    """Forget the username's failures and lockout (a successful login, or an unlock)."""
    try:
        _client().delete(*_keys(username))
    except redis.RedisError as error:
        _fail_open("clear", error)


def locked_among(usernames):
    """The subset of ``usernames`` that is locked now (one round trip)."""
    usernames = list(usernames)
    if not usernames:
        return set()
    try:
        values = _client().mget([_keys(name)[1] for name in usernames])
    except redis.RedisError as error:
        _fail_open("list", error)
        return set()
    return {name for name, value in zip(usernames, values, strict=True) if value is not None}


def minutes(seconds):
    """'4 minutes' / '1 minute': how a lockout's remaining time is said."""
    count = max(1, math.ceil(seconds / 60))
    return f"{count} minute{'s' if count != 1 else ''}"


def announce(username):
    """Tell live pages that show this login (the instructor's class page) that its lock
    changed: they follow their accounts' change counters, which a lock does not otherwise
    move."""
    from . import live
    from .models import Login

    live.touch(*Login.objects.filter(user__username=username).values_list("account_id", flat=True))
