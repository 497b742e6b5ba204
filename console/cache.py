"""A Redis cache that steps aside when Redis is away.

Sessions are ``cached_db``: read from Redis, written to both. With this backend a Redis outage
is a cache miss (the database answers) instead of a server error on every page.
"""

import logging

import redis
from django.core.cache.backends.redis import RedisCache

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


class ResilientRedisCache(RedisCache):
    get = _quiet(RedisCache.get, lambda key, default=None, version=None: default)
    get_many = _quiet(RedisCache.get_many, {})
    has_key = _quiet(RedisCache.has_key, False)
    set = _quiet(RedisCache.set, None)
    add = _quiet(RedisCache.add, False)
    touch = _quiet(RedisCache.touch, False)
    delete = _quiet(RedisCache.delete, False)
    set_many = _quiet(RedisCache.set_many, [])
    delete_many = _quiet(RedisCache.delete_many, None)
