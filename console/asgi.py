"""The class server's application (gunicorn with uvicorn workers, see scripts/gunicorn.conf.py).

Live pages' event streams (``console.live.EVENTS_PATH``) are served here, natively: an open
stream is a coroutine waiting on Redis pub/sub, costing no thread and no CPU while nothing
changes. Every other request goes to the WSGI application (Django, behind ``LiveWSGI``) on a
bounded pool of threads, as under gthread.
"""

import asyncio
import logging
import os
import signal
import sys
import weakref

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "console.settings")

import redis
import redis.asyncio
from a2wsgi import WSGIMiddleware
from django.conf import settings
from django.urls import reverse
from gunicorn.arbiter import Arbiter
from uvicorn import Server
from uvicorn_worker import UvicornWorker

from console import live
from console.turns import Turns
from console.wsgi import application as wsgi_application

log = logging.getLogger(__name__)

# How long a login may wait behind the pages of trainees already in (``console.turns``).
LOGIN_PATIENCE = 3.0

_redis: "weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict]" = weakref.WeakKeyDictionary()


def _client() -> redis.asyncio.Redis:
    """One connection pool per event loop (a process has one); each stream holds one
    connection of it while open."""
    url = getattr(settings, "LIVE_REDIS_URL", None) or settings.REDIS_URL
    clients = _redis.setdefault(asyncio.get_running_loop(), {})
    if url not in clients:
        clients[url] = redis.asyncio.Redis.from_url(url, socket_connect_timeout=0.5)
    return clients[url]


async def _text(send, status, text):
    body = text.encode()
    headers = [(b"content-type", b"text/plain; charset=utf-8"), (b"cache-control", b"no-store")]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


async def _disconnected(receive):
    while (await receive())["type"] != "http.disconnect":
        pass


async def _forward(pubsub, send):
    async for message in pubsub.listen():
        if message["type"] == "message":
            body = live.change_event(*live.announced(message["data"]))
            await send({"type": "http.response.body", "body": body, "more_body": True})


async def events(scope, receive, send, lifetime=None, heartbeat=None):
    """One page's event stream: ``change`` events of its accounts, a heartbeat now and then,
    until the page goes away or ``lifetime`` passes (the page then reconnects)."""
    seen = live.stream_accounts(scope.get("query_string", b"").decode("latin-1"))
    if not seen:
        return await _text(send, 403, live.FORBIDDEN)
    lifetime = settings.LIVE_STREAM_LIFETIME if lifetime is None else lifetime
    heartbeat = settings.LIVE_HEARTBEAT if heartbeat is None else heartbeat
    client = _client()
    pubsub = client.pubsub(ignore_subscribe_messages=True)
    try:
        await pubsub.subscribe(*[live.channel(pk) for pk in seen])
        current = [int(v or 0) for v in await client.mget([live.counter_key(pk) for pk in seen])]
    except (redis.RedisError, OSError):
        await pubsub.aclose()
        return await _text(send, 503, live.UNAVAILABLE)
    headers = [(k.lower().encode(), v.encode()) for k, v in live.STREAM_HEADERS]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": live.STREAM_PREAMBLE, "more_body": True})
    for pk, counter in live.missed(seen, current):
        body = live.change_event(pk, counter)
        await send({"type": "http.response.body", "body": body, "more_body": True})
    forward = asyncio.ensure_future(_forward(pubsub, send))
    gone = asyncio.ensure_future(_disconnected(receive))
    loop = asyncio.get_running_loop()
    end = loop.time() + lifetime
    try:
        while (left := end - loop.time()) > 0:
            done, _ = await asyncio.wait(
                {forward, gone}, timeout=min(heartbeat, left), return_when=asyncio.FIRST_COMPLETED
            )
            if done or loop.time() >= end:
                break
            await send({"type": "http.response.body", "body": live.HEARTBEAT, "more_body": True})
        if forward.done() and not forward.cancelled() and forward.exception():
            log.warning("live: a stream ended: %s", forward.exception())
        if not gone.done():
            await send({"type": "http.response.body", "body": b"", "more_body": False})
    finally:
        for task in (forward, gone):
            task.cancel()
        await asyncio.gather(forward, gone, return_exceptions=True)
        await pubsub.aclose()


async def _lifespan(receive, send):
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await send({"type": "lifespan.shutdown.complete"})
            return


class Application:
    """The ASGI application: event streams here, everything else to Django on threads, one
    turn per thread (``console.turns``: when all are busy, a login waits behind the pages of
    those already logged in)."""

    def __init__(self, wsgi, threads, patience=LOGIN_PATIENCE):
        self.wsgi = WSGIMiddleware(wsgi, workers=threads)
        self.turns = Turns(threads, patience)
        self.login_path = reverse("console:login")

    async def __call__(self, scope, receive, send):
        if scope["type"] == "http" and scope["path"] == live.EVENTS_PATH:
            return await events(scope, receive, send)
        if scope["type"] == "lifespan":
            return await _lifespan(receive, send)
        await self.turns.enter(
            later=scope.get("method") == "POST" and scope.get("path") == self.login_path
        )
        try:
            return await self.wsgi(scope, receive, send)
        finally:
            self.turns.leave()


application = Application(wsgi_application, threads=int(os.environ.get("WEB_THREADS") or 4))


class _OneAtATime(Server):
    """uvicorn's server whose asyncio servers accept ``config.backlog`` (1) connection per
    wake-up, while the kernel keeps queueing up to ``listen_backlog`` (asyncio sets both from
    one number, so the socket's queue is set again once serving)."""

    def __init__(self, config, listen_backlog):
        super().__init__(config=config)
        self.listen_backlog = listen_backlog

    async def startup(self, sockets=None):
        await super().startup(sockets=sockets)
        for sock in sockets or ():
            sock.listen(self.listen_backlog)


class Worker(UvicornWorker):
    """gunicorn's uvicorn worker, with two changes. On stop, open event streams are cut after
    a few seconds (their pages reconnect) instead of holding the stop for the graceful
    timeout. And, like gunicorn's own workers, it stops when its master has died (killed), so
    the master that replaces it can listen on the port."""

    CONFIG_KWARGS = {
        **UvicornWorker.CONFIG_KWARGS,
        # asyncio's loop, which takes ``backlog`` new connections per wake-up (uvloop takes
        # every waiting one), see ``_serve``.
        "loop": "asyncio",
        "timeout_graceful_shutdown": 3,
        "timeout_notify": 1,  # how often the master hears from us and we check on it
    }

    async def _serve(self) -> None:
        """Serve, taking one new connection at a time. The processes share one listening
        socket; a process that took every waiting connection at once queued the whole class's
        logins behind its own threads while the other process idled (measured: 630 against
        200 ms of CPU in one second of the burst). One at a time, a process whose threads are
        busy takes fewer, so both CPUs serve the burst."""
        self.config.app = self.wsgi
        self.config.backlog = 1
        server = _OneAtATime(config=self.config, listen_backlog=self.cfg.backlog)
        self._install_sigquit_handler()
        await server.serve(sockets=self.sockets)
        if not server.started:
            sys.exit(Arbiter.WORKER_BOOT_ERROR)

    async def callback_notify(self) -> None:
        if self.ppid != os.getppid():
            self.log.warning("web worker %s: its master died; stopping", os.getpid())
            os.kill(os.getpid(), signal.SIGTERM)
        self.notify()
