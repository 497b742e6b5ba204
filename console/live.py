"""Live pages that cost nothing while nothing changes.

Every account has a change counter in Redis (``live:<account pk>``). Any committed write to a
resource an account can see bumps that account's counter: saves and deletes through the model
signals below, bulk ``.update()`` calls through :func:`touch`. A connection is seen by two
accounts (consumer and provider), so its writes bump both.

A page snapshots the counters it depends on *before* it reads any rows (the acting account's
counter at the start of every request, extra accounts with :func:`watch`), and its polled
fragments carry that snapshot as a signed token (``?live=…``). A poll whose token still matches
the counters is answered ``204 No Content`` by :class:`LiveWSGI` (under the application server)
or :class:`LiveMiddleware`, before sessions, authentication or any database query. Because the
snapshot is taken before the rows are read and the counters move only after a write commits, a
fragment can never carry a token newer than its rows: at worst one extra render.

Redis down: no snapshot, no token, so polls go through to the view and render from the database
(correct, just not cheap). A token is trusted for ``LIVE_MAX_AGE`` seconds only, so a bump lost
while Redis was away costs at most that long.
"""

import hashlib
import hmac
import logging
import time
from functools import lru_cache
from urllib.parse import parse_qs

import redis
from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist
from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.http import HttpResponse

from console import redis_clients

log = logging.getLogger(__name__)

PARAM = "live"


def _client() -> redis.Redis:
    return redis_clients.shared(
        getattr(settings, "LIVE_REDIS_URL", None) or settings.REDIS_URL, 0.25
    )


def counter_key(account_id) -> str:
    """The Redis key of ``account_id``'s change counter."""
    return f"live:{account_id}"


def versions(account_ids) -> list[int] | None:
    """The counters of ``account_ids`` (0 for a new one), or ``None`` when Redis is away."""
    try:
        values = _client().mget([counter_key(pk) for pk in account_ids])
    except redis.RedisError:
        return None
    return [int(v) if v is not None else 0 for v in values]


def channel(account_id) -> str:
    """The pub/sub channel on which each bump of ``account_id``'s counter is announced."""
    return f"live.changed:{account_id}"


# Bump each counter and announce it with its new value, in one step: "<account> <counter>".
_BUMP = """
for i, key in ipairs(KEYS) do
  local counter = redis.call('INCR', key)
  redis.call('PUBLISH', ARGV[2 * i - 1], ARGV[2 * i] .. ' ' .. counter)
end
"""


@lru_cache(maxsize=8)
def _bump_script(client: redis.Redis):
    return client.register_script(_BUMP)


def _incr(account_ids) -> None:
    ids = sorted(account_ids)
    args = [part for pk in ids for part in (channel(pk), str(pk))]
    try:
        _bump_script(_client())(keys=[counter_key(pk) for pk in ids], args=args)
    except redis.RedisError as error:
        # Pages relying on this bump re-render within LIVE_MAX_AGE anyway.
        log.warning("live: could not bump %s: %s", ids, error)


def touch(*account_ids) -> None:
    """After the current transaction commits, tell pages of these accounts that data changed."""
    ids = {pk for pk in account_ids if pk}
    if ids:
        transaction.on_commit(lambda: _incr(ids))


def accounts_of(obj) -> set:
    """The accounts that see ``obj`` (``live_accounts()`` if the model says, else its owner)."""
    method = getattr(obj, "live_accounts", None)
    if method is not None:
        return {pk for pk in method() if pk}
    account_id = getattr(obj, "account_id", None)
    return {account_id} if account_id else set()


def _changed(sender, instance, **kwargs):
    if getattr(instance, "live_quiet", False):
        return
    try:
        ids = accounts_of(instance)
    except ObjectDoesNotExist:  # a parent already deleted in a cascade: its own signal bumps
        return
    if ids:
        touch(*ids)


post_save.connect(_changed, dispatch_uid="console.live.saved")
post_delete.connect(_changed, dispatch_uid="console.live.deleted")


# --- tokens ----------------------------------------------------------------------------------


@lru_cache(maxsize=4)
def _secret(secret: str) -> bytes:
    return hashlib.sha256(b"console.live:" + secret.encode()).digest()


def _mac(payload: str) -> str:
    return hmac.new(_secret(settings.SECRET_KEY), payload.encode(), hashlib.sha256).hexdigest()[:24]


def _sign(snapshot: dict) -> str:
    ids = sorted(snapshot)
    payload = "{}-{}-{}".format(
        ".".join(map(str, ids)), ".".join(str(snapshot[pk]) for pk in ids), int(time.time())
    )
    return f"{payload}-{_mac(payload)}"


def _verify(token: str, max_age: float) -> tuple[list[int], list[int]] | None:
    """The (account ids, counters) of ``token`` when it is ours and at most ``max_age`` old."""
    payload, _, mac = token.rpartition("-")
    if not payload or not hmac.compare_digest(mac, _mac(payload)):
        return None
    try:
        ids, snapshot, issued = payload.split("-")
        if time.time() - int(issued) > max_age:
            return None
        ids = [int(pk) for pk in ids.split(".")]
        snapshot = [int(v) for v in snapshot.split(".")]
    except ValueError:
        return None
    return (ids, snapshot) if len(ids) == len(snapshot) else None


def unchanged(token: str) -> bool:
    """True when ``token`` is ours, recent, and no counter it covers has moved since."""
    verified = _verify(token, settings.LIVE_MAX_AGE)
    return verified is not None and versions(verified[0]) == verified[1]


def poll_is_unchanged(query_string: str, htmx: bool) -> bool:
    """Whether a request is an htmx poll whose live token is still current."""
    if not htmx or f"{PARAM}=" not in query_string:
        return False
    tokens = parse_qs(query_string).get(PARAM)
    return bool(tokens) and unchanged(tokens[-1])


def watch(request, account_ids=()) -> str | None:
    """Snapshot the acting account and ``account_ids`` for this request's live fragments.

    Call before reading the rows a polled fragment shows (the middleware calls it for the
    acting account before any view runs). An account already snapshotted keeps its earlier,
    older version. Templates put the token in the poll URL with ``{% live_query %}``.
    """
    snapshot = getattr(request, "live_versions", None)
    if snapshot is None:
        snapshot = request.live_versions = {}
    ids = {int(pk) for pk in account_ids if pk}
    account = getattr(request, "account", None)
    if account is not None:
        ids.add(account.pk)
    new = sorted(ids - snapshot.keys())
    current = versions(new) if new else []
    if current is None:  # Redis away: no token, every poll renders
        request.live_token = None
        return None
    snapshot.update(zip(new, current, strict=True))
    request.live_token = _sign(snapshot) if snapshot else None
    return request.live_token


class LiveMiddleware:
    """Answers an htmx poll whose live token is still current with 204, touching nothing else.

    Placed before sessions and authentication: an unchanged poll costs one Redis MGET. (Under
    the application server, :class:`LiveWSGI` answers such polls even before Django.)
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path == EVENTS_PATH:  # no session, no database: the tokens say it all
            return events_view(request)
        if request.method == "GET" and poll_is_unchanged(
            request.META.get("QUERY_STRING", ""), bool(request.headers.get("HX-Request"))
        ):
            return unchanged_response()
        return self.get_response(request)


def unchanged_response() -> HttpResponse:
    response = HttpResponse(status=204)
    response["Cache-Control"] = "no-store"
    return response


class LiveWSGI:
    """The WSGI application, with unchanged live polls answered before Django sees them.

    An idle open page polls about once a second; here each such poll costs one HMAC and one
    Redis MGET (measured by ``make bench``), not a trip through Django's request handling.
    """

    HEADERS = [("Cache-Control", "no-store"), ("Content-Length", "0")]

    def __init__(self, application):
        self.application = application

    def __call__(self, environ, start_response):
        if environ.get("REQUEST_METHOD") == "GET" and poll_is_unchanged(
            environ.get("QUERY_STRING", ""), bool(environ.get("HTTP_HX_REQUEST"))
        ):
            start_response("204 No Content", list(self.HEADERS))
            return []
        return self.application(environ, start_response)


# --- the event stream ------------------------------------------------------------------------
#
# An open page keeps one EventSource on EVENTS_PATH with the tokens of its live fragments. The
# stream subscribes to the channels of exactly the accounts those signed tokens name (so a page
# hears of no other account's changes), sends ``event: change`` / ``data: <account> <counter>``
# when one of their counters moves, and a comment line now and then so dead connections are
# noticed. static/js/console.js then asks the fragments of that account for news (``204`` when
# a fragment's own snapshot is still current), and asks again any fragment whose answer carries
# a token older than a counter the page has heard of (its rows were read before that change).
# Served natively by console.asgi under the class server; :func:`events_view` serves it with a
# thread per stream under runserver and tests.

EVENTS_PATH = "/live/events/"
MAX_STREAM_TOKENS = 8
STREAM_HEADERS = [
    ("Content-Type", "text/event-stream"),
    ("Cache-Control", "no-store"),
    ("X-Accel-Buffering", "no"),
]
# How long the browser waits before it reconnects after the server closed the stream.
STREAM_PREAMBLE = b"retry: 2000\n\n"
HEARTBEAT = b": still here\n\n"
FORBIDDEN = "The live stream needs the live tokens of a page."
UNAVAILABLE = "Live updates are unavailable; the page polls instead."


def stream_accounts(query_string: str) -> dict[int, int] | None:
    """The accounts an event stream may follow, with the oldest counter its page showed:
    those of its ``live`` tokens, each ours and at most ``LIVE_STREAM_MAX_AGE`` old. ``None``
    when there is none or one is not valid."""
    tokens = parse_qs(query_string).get(PARAM, [])
    if not tokens or len(tokens) > MAX_STREAM_TOKENS:
        return None
    seen: dict[int, int] = {}
    for token in tokens:
        verified = _verify(token, settings.LIVE_STREAM_MAX_AGE)
        if verified is None:
            return None
        for pk, version in zip(*verified, strict=True):
            seen[pk] = min(version, seen.get(pk, version))
    return seen


def missed(seen: dict[int, int], current) -> list[tuple[int, int]]:
    """The accounts whose counters moved between the page's render and its stream's
    subscription (their events went out before anyone listened), with their counters now."""
    return [(pk, now) for pk, now in zip(seen, current, strict=True) if now != seen[pk]]


def announced(data) -> tuple[int, int]:
    """The (account, counter) of a message on an account's channel (see :func:`_incr`)."""
    account, counter = (data.decode() if isinstance(data, bytes) else str(data)).split()
    return int(account), int(counter)


def change_event(account: int, counter: int) -> bytes:
    """One ``change`` event: the account whose counter moved, and the counter now (a page's
    fragment whose token shows an older one was read before the change)."""
    return f"event: change\ndata: {int(account)} {int(counter)}\n\n".encode()


def stream_forbidden() -> HttpResponse:
    return HttpResponse(FORBIDDEN, status=403, content_type="text/plain")


def stream_unavailable() -> HttpResponse:
    return HttpResponse(UNAVAILABLE, status=503, content_type="text/plain")


def subscribe(account_ids):
    """A pub/sub connection listening to ``account_ids``' channels (raises ``RedisError``)."""
    pubsub = _client().pubsub(ignore_subscribe_messages=True)
    try:
        pubsub.subscribe(*[channel(pk) for pk in account_ids])
    except redis.RedisError:
        pubsub.close()
        raise
    return pubsub


def sync_stream(pubsub, seen, lifetime: float | None = None, heartbeat: float | None = None):
    """The event stream of a connection from :func:`subscribe` (following the accounts of
    ``seen``, see :func:`stream_accounts`), as a blocking generator."""
    lifetime = settings.LIVE_STREAM_LIFETIME if lifetime is None else lifetime
    heartbeat = settings.LIVE_HEARTBEAT if heartbeat is None else heartbeat
    try:
        yield STREAM_PREAMBLE
        for pk, counter in missed(seen, versions(list(seen)) or list(seen.values())):
            yield change_event(pk, counter)
        now = time.monotonic()
        end, beat = now + lifetime, now + heartbeat
        while now < end:
            message = pubsub.get_message(timeout=max(0.0, min(beat, end) - now))
            now = time.monotonic()
            if message is not None and message["type"] == "message":
                yield change_event(*announced(message["data"]))
            elif now >= beat:
                beat = now + heartbeat
                yield HEARTBEAT
    except redis.RedisError as error:
        # The page polls until it can open the stream again.
        log.warning("live: a stream ended: %s", error)
    finally:
        pubsub.close()


def events_view(request):
    """The event stream under runserver and the test server (a thread per open stream);
    :class:`LiveMiddleware` serves it before sessions and authentication."""
    from django.http import StreamingHttpResponse

    seen = stream_accounts(request.META.get("QUERY_STRING", ""))
    if not seen:
        return stream_forbidden()
    try:
        pubsub = subscribe(seen)
    except redis.RedisError:
        return stream_unavailable()
    response = StreamingHttpResponse(sync_stream(pubsub, seen))
    for name, value in STREAM_HEADERS:
        response[name] = value
    return response
