"""Redis clients a process shares: one per URL and timeout.

redis-py clients are thread-safe and their pools start afresh in a forked child, so the live
counters, the login throttle and the API's rate counters each keep one per process. A short
timeout makes Redis being away a fallback, not a hanging request.
"""

import threading

import redis

_lock = threading.Lock()
_clients: dict[tuple[str, float], redis.Redis] = {}


def shared(url: str, timeout: float) -> redis.Redis:
    """The process's client for ``url``, giving up after ``timeout`` seconds to connect or
    to answer."""
    key = (url, timeout)
    client = _clients.get(key)
    if client is None:
        with _lock:
            client = _clients.get(key)
            if client is None:
                client = _clients[key] = redis.Redis.from_url(
                    url,
                    socket_connect_timeout=timeout,
                    socket_timeout=timeout,
                    retry_on_timeout=False,
                )
    return client
