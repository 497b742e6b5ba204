"""Live pages in Chromium: a change made by Account B reaches Account A's open page through
the page's event stream within a second, while the page's own polls are slowed to minutes
(so no poll can be what showed it)."""

import sys
from pathlib import Path

import pytest
from playwright.sync_api import expect

from factories import PASSWORD, make_account, make_login

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "privatelink"))

from pl_factories import activate, connection_of, make_endpoint, make_service

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
    # One request of the fragment, made because the event came: no poll ran.
    assert len(fragment_requests) == 1
