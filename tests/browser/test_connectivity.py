"""In real Chromium: Lab 1's last step. ECS1 → Open Browser → the endpoint's domain shows the
page of ECS2 or ECS3 with the trace beside it; the provider Denies the connection, and the
same address now stops at CONNECTION_NOT_CONNECTED."""

import re
import sys
from pathlib import Path

import pytest
from playwright.sync_api import expect

from factories import PASSWORD

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "network"))
from net_factories import lab1

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def open_address(page, address):
    field = page.get_by_label("Address", exact=True)
    field.fill(address)
    with page.expect_response(lambda r: "/network/instances/" in r.url):
        field.press("Enter")
    page.wait_for_function("() => !document.querySelector('.htmx-request, .htmx-settling')")


def test_lab1_open_browser_then_deny(live_url, page, login, account_a, user_a):
    lab = lab1(account_a)
    page.on("dialog", lambda dialog: dialog.accept())
    login(page, user_a.username, PASSWORD)

    page.goto(f"{live_url}/instances/{lab.ecs1.pk}/")
    page.get_by_role("link", name="Open Browser", exact=True).click()
    expect(page.get_by_label("Address", exact=True)).to_be_visible()

    open_address(page, lab.endpoint.domain)
    expect(page.locator("#status-line")).to_contain_text("HTTP/1.1 200 OK")
    expect(page.frame_locator("iframe[title='Page']").locator("body")).to_contain_text(
        re.compile(r"ECS[23] page")
    )
    trace = page.get_by_role("complementary", name="Trace")
    expect(trace.locator("li.hop.pass")).to_have_count(10)
    expect(trace).to_contain_text("Reached")
    # The address bar's URL is shareable: it is the tab's, with the address.
    assert f"/instances/{lab.ecs1.pk}/browser/?address=" in page.url

    # The provider (the same account in Lab 1) sees the request in the Monitor column and
    # denies the connection.
    page.goto(f"{live_url}/privatelink/endpoint-services/{lab.service.pk}/connections/")
    row = page.locator(f"#connection-{lab.endpoint.pk}")
    expect(row).to_contain_text("1 request")
    row.get_by_role("button", name="Deny", exact=True).click()
    expect(page.locator(f"#connection-{lab.endpoint.pk}")).to_have_attribute(
        "data-status", re.compile("Disconnecting|Disconnected"), timeout=15_000
    )

    page.goto(f"{live_url}/instances/{lab.ecs1.pk}/browser/")
    open_address(page, lab.endpoint.domain)
    view = page.locator("#browser-view")
    expect(view).to_contain_text("This site can't be reached")
    expect(view).to_contain_text("ERR_CONNECTION_TIMED_OUT")
    stop = page.get_by_role("complementary", name="Trace").locator("li.hop.stop")
    expect(stop).to_have_count(1)
    expect(stop).to_have_attribute("data-code", "CONNECTION_NOT_CONNECTED")
    expect(stop).to_contain_text("has not allowed this connection")
    expect(stop).to_contain_text("Endpoint Connections → Allow")
