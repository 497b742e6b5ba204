"""A Redis cache that steps aside when Redis is away.

Sessions are ``cached_db``: read from Redis, written to both. With this backend a Redis outage
is a cache miss (the database answers) instead of a server error on every page.

One connection pool and one client per Redis server for the whole process. Django keeps a
cache object per context, and the class server runs each request in a fresh context (a2wsgi
copies it into a pool thread), so Django's own per-object pool made a new Redis connection,
with its handshake, for every request (measured: 13 % of a web process's CPU in a class).
"""

import logging
import threading

import redis
from django.core.cache.backends.redis import RedisCache, RedisCacheClient

log = logging.getLogger(__name__)


def _quiet(method, fallback):
    def wrapped(self, *args, **kwargs):
        try:
            return method(self, *args, **kwargs)
        except redis.RedisError as error:
            log.warning("cache: Redis unavailable (%s); falling back", error)
            return fallback(*args, **kwargs) if callable(fallback) else fallback

    wrapped.__name__ = method.__name__
    return wrapped


class SharedRedisCacheClient(RedisCacheClient):
    """Django's client, keeping one pool and one ``redis.Redis`` per server instead of a new
    ``redis.Redis`` for every call."""

    def __init__(self, servers, **options):
        super().__init__(servers, **options)
        self._lock = threading.Lock()
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        index = self._get_connection_pool_index(write)
        client = self._clients.get(index)
        if client is None:
            with self._lock:
                client = self._clients.get(index)
                if client is None:
                    pool = self._pool_class.from_url(self._servers[index], **self._pool_options)
                    client = self._clients[index] = self._client(connection_pool=pool)
        return client


_shared_lock = threading.Lock()
_shared: dict[tuple, SharedRedisCacheClient] = {}


def shared_client(servers, options) -> SharedRedisCacheClient:
    """The process's client for ``servers`` with ``options`` (redis-py pools are thread-safe
    and start afresh in a forked child)."""
    key = (tuple(servers), repr(sorted(options.items())))
    with _shared_lock:
        client = _shared.get(key)
        if client is None:
            client = _shared[key] = SharedRedisCacheClient(servers, **options)
    return client


class ResilientRedisCache(RedisCache):
    @property
    def _cache(self):
        return shared_client(self._servers, self._options)

    get = _quiet(RedisCache.get, lambda key, default=None, version=None: default)
    get_many = _quiet(RedisCache.get_many, {})
    has_key = _quiet(RedisCache.has_key, False)
    set = _quiet(RedisCache.set, None)
    add = _quiet(RedisCache.add, False)
    touch = _quiet(RedisCache.touch, False)
    delete = _quiet(RedisCache.delete, False)
    set_many = _quiet(RedisCache.set_many, [])
    delete_many = _quiet(RedisCache.delete_many, None)
