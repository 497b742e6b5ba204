"""Live pages' event stream (``console.live``, ``console.asgi``): a committed change reaches
the open pages of the accounts that see it, as one small event, through a real Redis pub/sub;
a page never hears of another account's changes; streaming costs no query."""

import asyncio
import queue
import re
import threading
from html import unescape
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from pl_factories import connection_of, make_endpoint, make_service

from console import asgi, live
from factories import make_account, make_vpc
from privatelink import services

ENDPOINTS = "/privatelink/endpoints"
SERVICES = "/privatelink/endpoint-services"


def token_of(html, element_id):
    tag = re.search(rf'<[^>]* id="{element_id}"[^>]*>', html).group(0)
    url = unescape(re.search(r'hx-get="([^"]*)"', tag).group(1))
    return parse_qs(urlsplit(url).query)[live.PARAM][0]


@pytest.fixture
def lab2(transactional_db, account_a, account_b):
    """Committed for real: the change signals (and their PUBLISH) run after each commit."""
    service = make_service(account_b, whitelist=[account_a])
    endpoint = make_endpoint(account_a, service)
    return service, endpoint


@pytest.fixture
def consumer_token(client_a, lab2):
    _, endpoint = lab2
    return token_of(
        client_a.get(f"{ENDPOINTS}/{endpoint.pk}/").content.decode(), "connection-status"
    )


def change_now(account):
    """The event that names ``account`` and its counter now (the page compares it with its
    fragments' tokens)."""
    counter = live.versions([account.pk])[0]
    return f"event: change\ndata: {account.pk} {counter}\n\n".encode()


def counter(token):
    """The (one) counter a page's token snapshotted."""
    return int(token.split("-")[1])


def assert_change_of(account, body, after):
    """``body`` is one event naming ``account`` and a counter one of the changes since
    ``after`` made (a change's commit may bump more than once: each is announced)."""
    match = re.fullmatch(rb"event: change\ndata: (\d+) (\d+)\n\n", body)
    assert match, body
    assert int(match[1]) == account.pk
    assert after < int(match[2]) <= live.versions([account.pk])[0]


class AsgiStream:
    """``console.asgi.events`` on its own event loop in a thread, as uvicorn runs it: what
    it sends is queued; ``close()`` is the browser going away."""

    def __init__(self, query, heartbeat=60.0, lifetime=60.0):
        self.sent = queue.Queue()
        self.loop = asyncio.new_event_loop()
        self.gone = None
        scope = {"type": "http", "path": live.EVENTS_PATH, "query_string": query.encode()}
        ready = threading.Event()

        requested = []

        async def receive():
            if not requested:
                requested.append(True)
                return {"type": "http.request", "body": b"", "more_body": False}
            await self.gone.wait()
            return {"type": "http.disconnect"}

        async def send(message):
            self.sent.put(message)

        async def main():
            self.gone = asyncio.Event()
            ready.set()
            await asgi.events(scope, receive, send, lifetime=lifetime, heartbeat=heartbeat)
            self.sent.put(None)

        self.thread = threading.Thread(target=self.loop.run_until_complete, args=(main(),))
        self.thread.start()
        ready.wait(5)

    def next(self):
        """The next message the stream sends (waits for it)."""
        return self.sent.get(timeout=10)

    def close(self):
        if self.gone is not None:
            self.loop.call_soon_threadsafe(self.gone.set)
        self.thread.join(10)
        self.loop.close()


def opened(stream):
    """The response head and the preamble: the stream is subscribed from here on."""
    start = stream.next()
    assert start["type"] == "http.response.start" and start["status"] == 200
    assert dict(start["headers"])[b"content-type"] == b"text/event-stream"
    assert stream.next()["body"] == live.STREAM_PREAMBLE


def test_a_change_of_the_pages_account_arrives_as_one_event(account_a, consumer_token, lab2):
    service, endpoint = lab2
    stream = AsgiStream(urlencode({"live": consumer_token}))
    try:
        opened(stream)
        services.connection_allow(
            account=service.account, service=service, connection=connection_of(endpoint)
        )
        assert_change_of(account_a, stream.next()["body"], after=counter(consumer_token))
    finally:
        stream.close()
    assert stream.thread.is_alive() is False


def test_another_accounts_change_never_reaches_the_page(account_a, consumer_token, lab2):
    """Account C's VPC and then Account A's: the first event the page gets is A's."""
    other = make_account("Account C")
    stream = AsgiStream(urlencode({"live": consumer_token}))
    try:
        opened(stream)
        make_vpc(other, name="not-yours")  # committed, bumps and publishes C only
        make_vpc(account_a, name="yours")
        assert_change_of(account_a, stream.next()["body"], after=counter(consumer_token))
    finally:
        stream.close()


def test_a_change_before_the_stream_opened_arrives_first(account_a, consumer_token, lab2):
    """The page rendered, its account changed, then it subscribed: its event went out to
    nobody, so the stream sends it on opening."""
    make_vpc(account_a, name="meanwhile")
    stream = AsgiStream(urlencode({"live": consumer_token}))
    try:
        opened(stream)
        assert stream.next()["body"] == change_now(account_a)
    finally:
        stream.close()


def test_the_stream_costs_no_query(consumer_token, lab2, django_assert_num_queries):
    service, endpoint = lab2
    stream = AsgiStream(urlencode({"live": consumer_token}), heartbeat=0.05)
    try:
        with django_assert_num_queries(0):
            opened(stream)
            assert stream.next()["body"] == live.HEARTBEAT
            live._incr({endpoint.account_id})  # a bump as a commit makes it
            message = stream.next()
            while message["body"] == live.HEARTBEAT:
                message = stream.next()
            assert message["body"].startswith(b"event: change")
    finally:
        stream.close()


def test_the_stream_ends_after_its_lifetime_and_the_page_reconnects(consumer_token, lab2):
    stream = AsgiStream(urlencode({"live": consumer_token}), lifetime=0.2)
    opened(stream)
    assert stream.next() == {"type": "http.response.body", "body": b"", "more_body": False}
    assert stream.next() is None
    stream.close()


@pytest.mark.parametrize("query", ["", "live=1-0-0-forged", "other=1"])
def test_a_stream_needs_a_pages_signed_tokens(query, transactional_db):
    stream = AsgiStream(query)
    start = stream.next()
    assert start["status"] == 403
    assert stream.next()["body"].decode() == live.FORBIDDEN
    assert stream.next() is None
    stream.close()


def test_a_stale_token_opens_no_stream(consumer_token, settings):
    settings.LIVE_STREAM_MAX_AGE = -1
    assert live.stream_accounts(urlencode({"live": consumer_token})) is None


def test_without_redis_the_stream_is_refused_and_the_page_polls(consumer_token, settings):
    settings.LIVE_REDIS_URL = "redis://127.0.0.1:1/0"  # nothing listens there
    stream = AsgiStream(urlencode({"live": consumer_token}))
    assert stream.next()["status"] == 503
    assert stream.next()["body"].decode() == live.UNAVAILABLE
    stream.close()


def test_the_provider_page_follows_both_sides_of_its_connections(client_b, lab2, account_a):
    """A connection's write bumps both accounts; the provider's table follows its own."""
    service, endpoint = lab2
    html = client_b.get(f"{SERVICES}/{service.pk}/connections/", {"fragment": "tab"})
    token = token_of(html.content.decode(), "connections")
    assert list(live.stream_accounts(urlencode({"live": token}))) == [service.account_id]


# --- the same stream with a thread per stream (runserver, the test server) -------------------


def test_the_threaded_stream_sends_a_missed_change_first(client_a, consumer_token, account_a):
    make_vpc(account_a, name="meanwhile")
    response = client_a.get(live.EVENTS_PATH, {"live": consumer_token})
    chunks = iter(response.streaming_content)
    assert next(chunks) == live.STREAM_PREAMBLE
    assert next(chunks) == change_now(account_a)
    response.close()


def test_the_threaded_stream_sends_the_same_events(
    client_a, consumer_token, lab2, account_a, django_assert_num_queries
):
    other = make_account("Account C")
    response = client_a.get(live.EVENTS_PATH, {"live": consumer_token})
    assert response.status_code == 200 and response["Content-Type"] == "text/event-stream"
    chunks = iter(response.streaming_content)
    with django_assert_num_queries(0):
        assert next(chunks) == live.STREAM_PREAMBLE  # subscribed before the response began
        live._incr({other.pk})
        live._incr({account_a.pk})
        assert next(chunks) == change_now(account_a)
    response.close()


def test_the_threaded_stream_refuses_a_forged_token_and_says_when_redis_is_away(
    client_a, consumer_token, settings
):
    assert client_a.get(live.EVENTS_PATH, {"live": "1-0-0-forged"}).status_code == 403
    settings.LIVE_REDIS_URL = "redis://127.0.0.1:1/0"  # nothing listens there
    response = client_a.get(live.EVENTS_PATH, {"live": consumer_token})
    assert response.status_code == 503 and response.content.decode() == live.UNAVAILABLE
