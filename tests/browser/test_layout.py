"""Laptop screens: at 1366×768, 1440×900 and 1920×1080, with the lab panel open or collapsed,
every list and every tab with row actions shows each row's ID / name and its actions inside the
viewport, where a click lands on them, and the page itself never scrolls sideways.

The data is two labs part-way through (built through the services, as the pages would): Lab 2
up to the endpoint (the provider's Allow is the next step) and Lab 3 at its end.
"""

import importlib.util
from pathlib import Path

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from labs.services import lab_run_start
from loadbalancer.models import ClbInstance

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TESTS = Path(__file__).resolve().parent.parent
ARTIFACTS = TESTS.parent / "test-artifacts" / "layout"
SIZES = [(1366, 768), (1440, 900), (1920, 1080)]


def _solver():
    spec = importlib.util.spec_from_file_location("lab_solver", TESTS / "labs" / "solver.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _pages(run_pages):
    """``[(name, url)]`` of every list and tab with rows and row actions, for one login."""
    return [(name, reverse(route, kwargs=kwargs)) for name, route, kwargs in run_pages]


@pytest.fixture
def seats(catalogue):
    """``[(username, password, pages)]``: the logins of the two labs and the pages each sees."""
    solver = _solver()
    lab2 = lab_run_start(lab="lab2", label="Layout · Lab 2", login_prefix="lay2-")
    two = solver.Lab1(lab2)
    for step in ("activate", "clb", "listener", "service", "whitelist", "endpoint"):
        getattr(two, f"step_{step}")()
    lab3 = lab_run_start(lab="lab3", label="Layout · Lab 3", login_prefix="lay3")
    three = solver.Lab3(lab3)
    for step in ("alb", "server_group", "listener", "service", "endpoint", "allow"):
        getattr(three, f"step_{step}")()

    clb = ClbInstance.objects.get(pk=two.clb.pk)
    sg1 = lab2.resources["SG1"]
    consumer = [
        ("vpcs", "console:vpcs-list", {}),
        ("vswitches", "console:vswitches-list", {}),
        ("instances", "console:instances-list", {}),
        ("security-groups", "console:security-groups-list", {}),
        ("sg-inbound", "console:security-groups-tab", {"pk": sg1, "tab": "inbound"}),
        ("endpoints", "privatelink:endpoints-list", {}),
        ("endpoint-zones", "privatelink:endpoints-tab", {"pk": two.endpoint.pk, "tab": "zones"}),
        (
            "endpoint-groups",
            "privatelink:endpoints-tab",
            {"pk": two.endpoint.pk, "tab": "security-groups"},
        ),
    ]
    service_tabs = [
        (f"service-{tab}", "privatelink:endpoint-services-tab", {"tab": tab})
        for tab in ("resources", "connections", "whitelist")
    ]
    provider = [
        ("clb-instances", "loadbalancer:clb-instances-list", {}),
        ("clb-listeners", "loadbalancer:clb-instances-tab", {"pk": clb.pk, "tab": "listeners"}),
        ("clb-servers", "loadbalancer:clb-instances-tab", {"pk": clb.pk, "tab": "servers"}),
        ("endpoint-services", "privatelink:endpoint-services-list", {}),
    ] + [(name, route, {**kw, "pk": two.service.pk}) for name, route, kw in service_tabs]
    alb = [
        ("alb-instances", "loadbalancer:alb-instances-list", {}),
        (
            "alb-listeners",
            "loadbalancer:alb-instances-tab",
            {"pk": three.alb.pk, "tab": "listeners"},
        ),
        ("server-groups", "loadbalancer:server-groups-list", {}),
        (
            "sg-backends",
            "loadbalancer:server-groups-tab",
            {"pk": three.group.pk, "tab": "backends"},
        ),
        ("alb-services", "privatelink:endpoint-services-list", {}),
        ("alb-endpoints", "privatelink:endpoints-list", {}),
        ("alb-zones", "privatelink:endpoints-tab", {"pk": three.endpoint.pk, "tab": "zones"}),
    ] + [(name, route, {**kw, "pk": three.service.pk}) for name, route, kw in service_tabs]
    logins = {seat.role: seat for seat in lab2.logins.all()}
    (seat3,) = lab3.logins.all()
    return [
        (logins["A"].user.username, logins["A"].password, _pages(consumer)),
        (logins["B"].user.username, logins["B"].password, _pages(provider)),
        (seat3.user.username, seat3.password, _pages(alb)),
    ]


# Each row's first cell and every link or button of its last cell (Actions): inside the
# viewport, and the element a click at its centre lands on. Rows are brought into view by
# scrolling the window vertically only (a trainee scrolls down, never sideways).
OUT_OF_REACH = """() => {
  const problems = [];
  const main = document.querySelector("main");
  if (main.scrollWidth > main.clientWidth + 1)
    problems.push(`the page scrolls sideways (${main.scrollWidth} > ${main.clientWidth})`);
  const wraps = document.querySelectorAll(".table-wrap");
  if (!wraps.length) problems.push("no table");
  for (const wrap of wraps) {
    for (const row of wrap.querySelectorAll(":scope > table > tbody > tr")) {
      const cells = row.querySelectorAll(":scope > td");
      if (cells.length < 2) continue;
      const last = cells[cells.length - 1];
      for (const el of [cells[0], ...last.querySelectorAll("a, button")]) {
        window.scrollBy(0, el.getBoundingClientRect().top - innerHeight / 2);
        const r = el.getBoundingClientRect();
        const hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
        const inside = r.left >= 0 && r.right <= innerWidth
          && r.top >= 0 && r.bottom <= innerHeight;
        if (!inside || !hit || !(el === hit || el.contains(hit)))
          problems.push(`${row.id || "row"}: "${el.textContent.trim().slice(0, 30)}" at ` +
            `${Math.round(r.left)}..${Math.round(r.right)} of ${innerWidth}` +
            (hit ? ` under ${hit.tagName}.${hit.className}` : ""));
      }
    }
  }
  window.scrollTo(0, 0);
  return problems;
}"""


@pytest.mark.parametrize("width,height", SIZES, ids=[f"{w}x{h}" for w, h in SIZES])
def test_row_actions_stay_in_view(width, height, live_url, new_context, login, seats):
    folder = ARTIFACTS / f"{width}x{height}"
    folder.mkdir(parents=True, exist_ok=True)
    problems = []
    for username, password, pages in seats:
        page = new_context(viewport={"width": width, "height": height}).new_page()
        login(page, username, password)
        panel = page.locator('aside[aria-label="Lab panel"] > details')
        for state in ("open", "closed"):
            page.evaluate("state => localStorage.setItem('lab-panel', state)", state)
            for name, path in pages:
                page.goto(live_url + path)
                if state == "open":
                    expect(panel).to_have_attribute("open", "")
                else:
                    expect(panel).not_to_have_attribute("open", "")
                expect(page.locator(".table-wrap").first).to_be_visible()
                problems += [f"{name} (panel {state}): {p}" for p in page.evaluate(OUT_OF_REACH)]
                if state == "open":
                    page.screenshot(path=str(folder / f"{name}.png"))
        # The lab cards' Start Lab buttons line up (one line per row of cards).
        page.goto(live_url + reverse("labs:index"))
        bottoms = {
            round(box["y"] + box["height"]) for box in boxes(page, ".lab-card button.primary")
        }
        rows = {round(box["y"]) for box in boxes(page, ".lab-card")}
        assert len(bottoms) == len(rows), f"Start Lab buttons end at {sorted(bottoms)}"
    assert not problems, "\n".join(problems)


def boxes(page, selector):
    return [element.bounding_box() for element in page.locator(selector).all()]


# --- Panels and dialogs ------------------------------------------------------------------------

FOCUS_INSIDE = "dialog => dialog.contains(document.activeElement)"
TAB_STOPS = """dialog => [...dialog.querySelectorAll(
  "a[href], button:not([disabled]), input:not([disabled]):not([type=hidden]), select, textarea")]
  .filter(el => el.getClientRects().length).length"""


def check_dialog(page, opener, name):
    """Opened from the keyboard, the dialog ``name`` shows over its page with only its own
    content; Tab and Shift+Tab stay inside; Escape closes it and focus returns to the opener."""
    opener.focus()
    page.keyboard.press("Enter")
    dialog = page.get_by_role("dialog", name=name, exact=True)
    expect(dialog).to_be_visible()
    assert dialog.evaluate(FOCUS_INSIDE), f"{name}: focus moves into the dialog"
    box = dialog.bounding_box()
    viewport = page.viewport_size
    assert box["y"] >= 0 and box["x"] >= 0, f"{name}: the dialog's top left is on screen"
    assert box["x"] + box["width"] <= viewport["width"]
    assert box["y"] + box["height"] <= viewport["height"]
    expect(dialog.locator("nav, header, aside, a.back")).to_have_count(0)
    size = f"{viewport['width']}x{viewport['height']}"
    page.screenshot(path=str(ARTIFACTS / size / f"dialog-{name.lower().replace(' ', '-')}.png"))
    stops = dialog.evaluate(TAB_STOPS)
    assert stops >= 2
    for key in ["Tab"] * (stops + 1) + ["Shift+Tab"] * (stops + 1):
        page.keyboard.press(key)
        assert dialog.evaluate(FOCUS_INSIDE), f"{name}: {key} keeps focus inside"
    page.keyboard.press("Escape")
    expect(page.locator("#dialog-slot dialog")).to_have_count(0)
    expect(opener).to_be_focused()


@pytest.mark.parametrize("width,height", SIZES, ids=[f"{w}x{h}" for w, h in SIZES])
def test_panels_and_dialogs_open_over_their_page(
    width, height, live_url, new_context, login, seats
):
    (_, _, _), (b_user, b_password, provider), (lab3_user, lab3_password, alb) = seats
    urls = dict(provider) | {f"lab3:{name}": url for name, url in alb}
    viewport = {"width": width, "height": height}

    page = new_context(viewport=viewport).new_page()
    login(page, b_user, b_password)
    page.goto(live_url + urls["service-connections"])
    check_dialog(page, page.get_by_role("link", name="Allow", exact=True), "Allow Connection")
    page.goto(live_url + urls["service-whitelist"])
    check_dialog(
        page,
        page.get_by_role("link", name="Add Whitelist Account", exact=True),
        "Add Whitelist Account",
    )
    page.goto(live_url + urls["clb-instances"])
    page.get_by_role("link", name="Configure Listener", exact=True).click()
    page.get_by_label("TCP", exact=True).check()
    page.get_by_label("Listening Port").fill("8080")
    page.get_by_role("button", name="Next", exact=True).click()
    check_dialog(page, page.get_by_role("button", name="Add More", exact=True), "My Servers")

    page = new_context(viewport=viewport).new_page()
    login(page, lab3_user, lab3_password)
    page.goto(live_url + urls["lab3:server-groups"])
    check_dialog(
        page,
        page.get_by_role("link", name="Create Server Group", exact=True),
        "Create Server Group",
    )
    # Session Persistence: its cookie settings show only while it is on.
    page.get_by_role("link", name="Create Server Group", exact=True).click()
    dialog = page.get_by_role("dialog", name="Create Server Group", exact=True)
    expect(dialog.get_by_label("Cookie Timeout")).to_be_hidden()
    dialog.get_by_label("Session Persistence").check()
    expect(dialog.get_by_label("Cookie Timeout")).to_be_visible()
    dialog.get_by_role("link", name="Cancel", exact=True).click()
    expect(dialog).to_have_count(0)
    page.goto(live_url + urls["lab3:sg-backends"])
    check_dialog(
        page, page.get_by_role("link", name="Add Backend Server", exact=True), "Add Backend Server"
    )
    page.goto(live_url + urls["lab3:service-connections"])
    check_dialog(
        page, page.get_by_role("link", name="Change Bandwidth", exact=True), "Change Bandwidth"
    )
