"""Whose request runs next in a full web process (``console.turns``, ``console.asgi``)."""

import asyncio
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from console import asgi
from console.turns import Turns


def run(coroutine):
    """Run a scenario on an event loop of its own thread (the browser tests' Playwright keeps
    one running in this one); one that waits for a turn that never comes fails after 10 s."""
    with ThreadPoolExecutor(1) as thread:
        return thread.submit(asyncio.run, asyncio.wait_for(coroutine, 10)).result()


async def settle():
    for _ in range(5):
        await asyncio.sleep(0)


async def holder(turns, name, order, later=False, release=None):
    await turns.enter(later=later)
    order.append(name)
    try:
        if release is not None:
            await release.wait()
    finally:
        turns.leave()


async def one_busy_turn(patience=60):
    """A process with one thread, taken by "busy" until ``release`` is set."""
    turns, order, release = Turns(1, patience=patience), [], asyncio.Event()
    busy = asyncio.create_task(holder(turns, "busy", order, release=release))
    await settle()
    return turns, order, release, busy


def test_a_free_turn_is_taken_at_once_and_the_rest_wait_in_arrival_order():
    async def scenario():
        turns, order, release = Turns(2, patience=60), [], asyncio.Event()
        tasks = [asyncio.create_task(holder(turns, n, order, release=release)) for n in "abcde"]
        await settle()
        assert (order, turns.inside, turns.waiting()) == (["a", "b"], 2, 3)
        release.set()
        await asyncio.gather(*tasks)
        assert (order, turns.inside, turns.waiting()) == (list("abcde"), 0, 0)

    run(scenario())


def test_a_waiting_login_goes_after_every_waiting_page():
    async def scenario():
        turns, order, release, busy = await one_busy_turn()
        tasks = [
            asyncio.create_task(holder(turns, "login-1", order, later=True)),
            asyncio.create_task(holder(turns, "page-1", order)),
            asyncio.create_task(holder(turns, "login-2", order, later=True)),
            asyncio.create_task(holder(turns, "page-2", order)),
        ]
        await settle()
        release.set()
        await asyncio.gather(busy, *tasks)
        assert order == ["busy", "page-1", "page-2", "login-1", "login-2"]

    run(scenario())


def test_a_login_that_waited_its_patience_goes_first():
    async def scenario():
        turns, order, release, busy = await one_busy_turn(patience=0.05)
        login = asyncio.create_task(holder(turns, "login", order, later=True))
        await asyncio.sleep(0.06)
        page = asyncio.create_task(holder(turns, "page", order))
        await settle()
        release.set()
        await asyncio.gather(busy, login, page)
        assert order == ["busy", "login", "page"]

    run(scenario())


def test_a_request_that_goes_away_while_waiting_gives_up_its_place():
    async def scenario():
        turns, order, release, busy = await one_busy_turn()
        gone = asyncio.create_task(holder(turns, "gone", order))
        after = asyncio.create_task(holder(turns, "after", order))
        await settle()
        gone.cancel()
        await settle()
        assert turns.waiting() == 1
        release.set()
        await asyncio.gather(busy, after)
        assert (order, turns.inside) == (["busy", "after"], 0)

    run(scenario())


def test_a_turn_handed_to_a_request_that_went_away_passes_on():
    async def scenario():
        turns, order = Turns(1, patience=60), []
        await turns.enter()
        gone = asyncio.create_task(holder(turns, "gone", order))
        after = asyncio.create_task(holder(turns, "after", order))
        await settle()
        turns.leave()  # hands the turn to "gone", which goes away before it runs again
        gone.cancel()
        with pytest.raises(asyncio.CancelledError):
            await gone
        await after
        assert (order, turns.inside, turns.waiting()) == (["after"], 0, 0)

    run(scenario())


async def request(app, path, method="GET"):
    """One request through an ASGI application; its status."""
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [],
        "server": ("testserver", 80),
        "client": ("127.0.0.1", 1),
    }
    sent = []

    async def receive():
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message):
        sent.append(message)

    await app(scope, receive, send)
    return sent[0]["status"]


def test_the_application_serves_a_login_after_the_waiting_pages():
    """The class server's application with one thread: while a page runs, the login form, a
    login and a page arrive, in that order. The form and the page are served first."""
    order, running, release = [], threading.Event(), threading.Event()

    def wsgi(environ, start_response):
        order.append(f"{environ['REQUEST_METHOD']} {environ['PATH_INFO']}")
        if environ["PATH_INFO"] == "/slow/":
            running.set()
            release.wait(timeout=10)
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"ok"]

    async def scenario():
        app = asgi.Application(wsgi, threads=1)
        slow = asyncio.create_task(request(app, "/slow/"))
        await asyncio.to_thread(running.wait, 10)
        arriving = []
        for path, method in [(app.login_path, "POST"), (app.login_path, "GET"), ("/vpcs/", "GET")]:
            arriving.append(asyncio.create_task(request(app, path, method)))
            await settle()
        release.set()
        assert await asyncio.gather(slow, *arriving) == [200, 200, 200, 200]
        return app.login_path

    login = run(scenario())
    assert order == ["GET /slow/", f"GET {login}", "GET /vpcs/", f"POST {login}"]
