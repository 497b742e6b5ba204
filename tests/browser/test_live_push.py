"""Live pages in Chromium: a change made by Account B reaches Account A's open page through
the page's event stream within a second, while the page's own polls are slowed to minutes
(so no poll can be what showed it)."""

import re
import sys
import time
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import unquote

import pytest
from django.db import transaction
from playwright.sync_api import expect

from console import live
from factories import PASSWORD, make_account, make_login

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "privatelink"))

from pl_factories import activate, connection_of, make_endpoint, make_service

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "labs"))

from solver import Lab1

from labs import services as labs_services
from loadbalancer.models import ClbInstance
from privatelink import services

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
MINUTES = 600_000


def test_the_other_accounts_change_shows_through_the_event_stream(
    settings, catalogue, new_context, login, live_url
):
    settings.STATUS_POLL_MS = MINUTES
    settings.LIVE_FALLBACK_MS = MINUTES
    consumer, provider = activate(make_account("Account A")), activate(make_account("Account B"))
    service = make_service(provider, whitelist=[consumer])
    endpoint = make_endpoint(consumer, service)
    make_login(consumer, "consumer")
    page = new_context().new_page()
    login(page, "consumer", PASSWORD)
    fragment_requests = []
    page.on(
        "request",
        lambda request: "fragment=connection" in request.url and fragment_requests.append(request),
    )
    page.goto(f"{live_url}/privatelink/endpoints/{endpoint.pk}/")
    page.wait_for_function("() => window.consoleLive && consoleLive.streaming()")
    badge = page.locator("#connection-badge")
    expect(badge).to_contain_text("Disconnected")

    services.connection_allow(account=provider, service=service, connection=connection_of(endpoint))
    status = connection_of(endpoint).status
    assert status != "Disconnected"
    expect(page.locator("#connection-badge")).to_contain_text(status, timeout=1_500)
    # The allowing commits a few changes (the worker's among them). Each request of the
    # fragment was made because an event named a counter newer than the one it showed: one,
    # or more when a first answer was read between those commits. None asked for what it
    # already showed.
    last = live.versions([consumer.pk])[0]
    shown = [counter_in(request.url, consumer.pk) for request in fragment_requests]
    assert shown and all(counter < last for counter in shown), (shown, last)


def counter_in(url, account_id):
    """The counter of ``account_id`` named by a live fragment URL's token."""
    token = unquote(re.search(r"[?&]live=([^&]+)", url).group(1))
    accounts, counters = token.split("-")[:2]
    return dict(zip(accounts.split("."), map(int, counters.split(".")), strict=True))[
        str(account_id)
    ]


# The page's EventSource, kept where the test can hand it an event as the server would.
KEEP_SOURCES = """
(() => {
  const Native = window.EventSource;
  window.__sources = [];
  window.EventSource = function (url, options) {
    const source = new Native(url, options);
    window.__sources.push(source);
    return source;
  };
  window.EventSource.prototype = Native.prototype;
  Object.assign(window.EventSource, {CONNECTING: 0, OPEN: 1, CLOSED: 2});
})();
"""

# Hands the open stream a change event for the first account of the fragment's token, at
# that account's counter plus ``ahead``; answers whether the fragment asked (htmx marks a
# fragment whose request is out at once, in the same task).
ANNOUNCE = """
([selector, ahead]) => {
  const el = document.querySelector(selector);
  const token = decodeURIComponent(/[?&]live=([^&]+)/.exec(el.getAttribute("hx-get"))[1]);
  const [accounts, counters] = token.split("-");
  const data = accounts.split(".")[0] + " " + (Number(counters.split(".")[0]) + ahead);
  window.__sources.at(-1).dispatchEvent(new MessageEvent("change", {data}));
  return el.classList.contains("htmx-request");
}
"""


def test_an_event_the_fragment_already_shows_asks_nothing(
    settings, catalogue, new_context, login, live_url
):
    """An event can come after the answer that already shows its change (the request was
    read after the commit, the event was still on its way): the fragment's token names that
    counter, so it does not ask again. An event past its token makes it ask."""
    settings.STATUS_POLL_MS = MINUTES
    settings.LIVE_FALLBACK_MS = MINUTES
    consumer, provider = activate(make_account("Account A")), activate(make_account("Account B"))
    endpoint = make_endpoint(consumer, make_service(provider, whitelist=[consumer]))
    make_login(consumer, "consumer")
    context = new_context()
    context.add_init_script(KEEP_SOURCES)
    page = context.new_page()
    login(page, "consumer", PASSWORD)
    page.goto(f"{live_url}/privatelink/endpoints/{endpoint.pk}/")
    page.wait_for_function("() => window.consoleLive && consoleLive.streaming()")

    assert page.evaluate(ANNOUNCE, ["#connection-status", 0]) is False
    with page.expect_response(lambda response: "fragment=connection" in response.url):
        assert page.evaluate(ANNOUNCE, ["#connection-status", 1]) is True


# --- a fragment's answer older than a change the page already heard of -----------------------


@pytest.fixture
def creating_clb(catalogue):
    """A Lab 1 trainee whose CLBs are still Creating: the rows and the panel's step follow them."""
    run = labs_services.lab_run_start(lab="lab1", label="L1", login_prefix="l1-")
    solver = Lab1(run)
    solver.step_activate()
    # A second one keeps the page's stream following the account when the lab's CLB (the
    # newest) stops being live.
    still_creating = solver.step_clb()
    clb = solver.step_clb()
    ClbInstance.objects.filter(pk__in=[clb.pk, still_creating.pk]).update(
        status=ClbInstance.Status.CREATING
    )
    return run, clb


def hold(page, pattern, on_page):
    """Let the first request matching ``pattern`` made by the page at ``on_page`` reach the
    server, but keep its answer from the page until ``release()``: the answer was read before
    whatever the test does meanwhile."""
    held = []

    def handle(route):
        if held or not route.request.headers.get("hx-current-url", "").endswith(on_page):
            route.continue_()
        else:
            held.append((route, route.fetch()))

    page.route(pattern, handle)

    def release():
        route, response = held[0]
        route.fulfill(response=response)

    def answered_by_server():
        return bool(held)

    return answered_by_server, release


def log_in(page, run, login):
    seat = run.logins.get(role="A")
    login(page, seat.user.username, seat.password)


def open_clb_list(page, live_url):
    page.goto(live_url + CLB_LIST)
    page.wait_for_function("() => window.consoleLive && consoleLive.streaming()")


def finish(clb):
    """The worker's last step, in one commit: the CLB is Active, the account's counter moves
    once (one event)."""
    with transaction.atomic():
        ClbInstance.objects.filter(pk=clb.pk).update(status=ClbInstance.Status.ACTIVE)
        live.touch(clb.account_id)


CLB_LIST = "/loadbalancer/clb-instances/"
PANEL_STEP = 'aside[aria-label="Lab panel"] li[data-step="clb"]'


@pytest.mark.parametrize("panel", ["loading", "live"])
def test_a_fragment_whose_answer_is_older_than_a_heard_change_asks_again(
    panel, settings, creating_clb, new_context, login, live_url
):
    """The change's event arrives while the panel's request is out, read before the commit
    (the panel's first load, or its own live request). Its answer shows the old state with
    an old token; the page heard of the newer state, so the panel asks again at once."""
    settings.STATUS_POLL_MS = MINUTES
    settings.LIVE_FALLBACK_MS = MINUTES
    run, clb = creating_clb
    page = new_context().new_page()
    log_in(page, run, login)
    if panel == "loading":
        answered, release = hold(page, "**/labs/panel/", CLB_LIST)
        open_clb_list(page, live_url)
    else:
        open_clb_list(page, live_url)
        expect(page.locator(PANEL_STEP)).to_contain_text("Creating")
        answered, release = hold(page, "**/labs/panel/?live=*", CLB_LIST)
        # A change the panel does not show (an empty commit's bump): its event makes the
        # panel ask, and that request is the one held.
        with transaction.atomic():
            live.touch(clb.account_id)
    # Each wait is a step of the page's own clock; the held request comes within a few.
    for _ in range(250):
        if answered():
            break
        page.wait_for_timeout(20)
    assert answered(), "the panel's request never reached the server"

    finish(clb)
    # The event came: the row asked and shows it.
    expect(page.locator(f"#row-{clb.pk} .badge")).to_have_text("Active")
    release()
    expect(page.locator(PANEL_STEP)).to_have_class(re.compile(r"(^|\s)done(\s|$)"))


def test_fragments_read_in_the_same_request_each_catch_up(
    monkeypatch, settings, creating_clb, new_context, login, live_url
):
    """Rows of a list and the lab panel beside them, read at the same counters in the same
    second, carry the same token. When one of them catches up (asks again because its answer
    was older than a heard change), the others whose answers are just as old must still ask:
    "once per token" is once per fragment."""
    issued = time.time()
    monkeypatch.setattr(
        live, "time", SimpleNamespace(time=lambda: issued, monotonic=time.monotonic)
    )
    settings.STATUS_POLL_MS = MINUTES
    settings.LIVE_FALLBACK_MS = MINUTES
    run, clb = creating_clb
    other = ClbInstance.objects.filter(account=clb.account).exclude(pk=clb.pk).get()
    page = new_context().new_page()
    log_in(page, run, login)
    open_clb_list(page, live_url)
    expect(page.locator(PANEL_STEP)).to_contain_text("Creating")
    panel_answered, release_panel = hold(page, "**/labs/panel/?live=*", CLB_LIST)
    row_answered, release_row = hold(
        page, re.compile(rf"/clb-instances/{other.pk}/\?fragment=row&"), CLB_LIST
    )
    # A change neither shows: the panel and both rows ask; the panel's and the other row's
    # answers (read at the new counter: one token) are held.
    with transaction.atomic():
        live.touch(clb.account_id)
    for _ in range(250):
        if panel_answered() and row_answered():
            break
        page.wait_for_timeout(20)
    assert panel_answered() and row_answered(), "the held requests never reached the server"

    finish(clb)
    expect(page.locator(f"#row-{clb.pk} .badge")).to_have_text("Active")
    # The other row's old answer comes first and catches up ...
    with page.expect_request(lambda request: f"/clb-instances/{other.pk}/" in request.url):
        release_row()
    # ... and the panel's, with the same token, still does.
    release_panel()
    expect(page.locator(PANEL_STEP)).to_have_class(re.compile(r"(^|\s)done(\s|$)"))
