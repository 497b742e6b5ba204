"""Two logins on two machines do Lab 2 together, without an instructor, through a join code.

The demo login ``account-a`` starts Lab 2 from **Labs**; its lab panel shows a join code.
``account-b`` (another browser) uses **Join a Partner's Lab** with it and acts as Account B.
Every step is done through the pages by whoever the document says; each step ticks on both
panels, and the timeline is the same on both. Then either of them can leave the pair.
"""

import pytest
from django.conf import settings
from django.core.management import call_command
from playwright.sync_api import expect
from test_lab_walkthroughs import (
    ARTIFACTS,
    LIVE,
    Walkthrough,
    allow_connection,
    configure_clb_listener,
    copied,
    create_clb,
    create_clb_service,
    create_endpoint_by_name,
    endpoint_domain,
    open_browser,
)

from browser_helpers import nav
from labs.definitions import LABS
from labs.models import LabRun

pytestmark = [pytest.mark.browser, pytest.mark.worker, pytest.mark.django_db(transaction=True)]


class Pair(Walkthrough):
    """Lab 2's steps, with the screenshots in test-artifacts/labs/lab2-partners/."""

    def __init__(self):
        self.keys = [step.key for step in LABS["lab2"].steps]
        self.folder = ARTIFACTS / "lab2-partners"
        self.folder.mkdir(parents=True, exist_ok=True)
        for old in self.folder.glob("*.png"):
            old.unlink()
        self.walked = []

    def done(self, page, key):
        # Both pages tick the step: the second one records it again, keep the list in order.
        if self.walked and self.walked[-1] == key:
            self.walked.pop()
        super().done(page, key)


def open_labs(page):
    page.get_by_role("navigation", name="Products").locator(
        "a.product-link", has_text="Labs"
    ).click()
    expect(page.get_by_role("heading", name="Labs", exact=True)).to_be_visible()


def both(walk, pages, key):
    for page in pages:
        walk.done(page, key)


def panel(page):
    return page.locator('aside[aria-label="Lab panel"]')


def accept_confirmations(page):
    page.on("dialog", lambda dialog: dialog.accept())


def test_two_demo_logins_do_lab2_together_through_a_join_code(
    request, celery_beat, live_url, new_context, login, catalogue
):
    call_command("seed_demo", stdout=open("/dev/null", "w"))
    a = new_context().new_page()
    b = new_context().new_page()
    request.node.funcargs["page"] = b  # a screenshot if the test fails
    for page in (a, b):
        accept_confirmations(page)
    login(a, "account-a", settings.DEMO_PASSWORD)
    login(b, "account-b", settings.DEMO_PASSWORD)

    # account-a starts Lab 2 alone: the panel offers a join code.
    open_labs(a)
    a.get_by_role(
        "button", name="Start Lab 2 — Access a service in a VPC of another account"
    ).click()
    code = panel(a).locator("[data-join-code]")
    expect(code).to_have_text(LabRun.objects.get().join_code, timeout=LIVE)
    run = LabRun.objects.select_related("account_a", "account_b").get()
    res = run.resources

    # account-b joins with it and acts as Account B.
    open_labs(b)
    b.get_by_label("Join Code", exact=True).fill(code.inner_text())
    b.get_by_role("button", name="Join a Partner's Lab").click()
    expect(b.locator(".pill.acting")).to_contain_text(run.account_b.name)
    expect(panel(a)).to_contain_text(
        "You act as Account A; account-b acts as Account B.", timeout=LIVE
    )
    expect(panel(b)).to_contain_text("You act as Account B; account-a acts as Account A.")

    walk = Pair()
    walk.start(a)
    walk.start(b)

    nav(a, "PrivateLink", "Endpoints")
    a.get_by_role("button", name="Activate PrivateLink").click()
    both(walk, (a, b), "activate")
    clb = create_clb(b, run.account_b, res["VPC2"], res["VSW2"])
    both(walk, (b, a), "clb")
    configure_clb_listener(b, clb, {n: res[n] for n in ("ECS2", "ECS3")})
    both(walk, (b, a), "listener")
    service = create_clb_service(b, run.account_b, clb, "Lab 2 together")
    both(walk, (b, a), "service")

    a.get_by_label("Account menu").click()
    uid = copied(a.locator(".menu-row", has=a.locator("#account-uid")))
    a.get_by_label("Account menu").click()
    assert uid == run.account_a.uid
    b.get_by_role("link", name="Service Whitelist").click()
    b.get_by_role("link", name="Add Whitelist Account").click()
    b.get_by_label("Account ID").fill(uid)
    b.get_by_role("button", name="OK").click()
    expect(b.locator(f"#whitelist-{uid}")).to_be_visible()
    both(walk, (b, a), "whitelist")

    b.get_by_role("link", name="Basic information").click()
    service_name = copied(b.locator("#service-name"))
    endpoint = create_endpoint_by_name(
        a, run.account_a, service_name, res["VPC1"], res["SG1"], res["VSW1"]
    )
    both(walk, (a, b), "endpoint")
    allow_connection(b, service, endpoint, owner=uid)
    both(walk, (b, a), "allow")
    # One timeline, read by both.
    for page in (a, b):
        timeline = panel(page).locator(".timeline")
        expect(timeline).to_contain_text("Account A requested a connection to", timeout=LIVE)
        expect(timeline).to_contain_text("Account B allowed the connection")

    body = open_browser(a, "ECS1", endpoint_domain(a, endpoint))
    expect(body).to_contain_text("ECS")
    both(walk, (a, b), "browse")
    walk.complete(a)
    walk.complete(b)

    # account-b leaves: its own account again, no lab; account-a may act as B again.
    panel(b).get_by_role("button", name="Leave Pair").click()
    expect(b.locator("#main .message")).to_contain_text("you act as your own account again")
    expect(panel(b)).to_have_count(0)
    a.reload()
    expect(panel(a).locator("[data-join-code]")).to_have_text(code.inner_text(), timeout=LIVE)
    switch = a.get_by_label("Switch account", exact=True)
    expect(switch.locator("option", has_text=run.account_b.name)).to_have_count(1)

    # It joins again, and this time account-a ends the pairing.
    open_labs(b)
    b.get_by_label("Join Code", exact=True).fill(run.join_code)
    b.get_by_role("button", name="Join a Partner's Lab").click()
    expect(b.locator(".pill.acting")).to_contain_text(run.account_b.name)
    expect(panel(a).get_by_role("button", name="Leave Pair")).to_be_visible(timeout=LIVE)
    panel(a).get_by_role("button", name="Leave Pair").click()
    expect(a.locator("#main .message")).to_contain_text("Your partner left")
    b.reload()
    expect(panel(b)).to_have_count(0)
