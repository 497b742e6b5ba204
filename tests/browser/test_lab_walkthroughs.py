"""The three labs walked end to end in real Chromium, as a trainee at a class seat does them.

Each test starts a lab run the way a class seat is made (``labs.services.lab_run_start``),
logs in with the seat's generated login(s) and does every step through the pages only (Lab 2
as two logins in two browser contexts). After each step the lab panel beside the page must
tick that step (``li[data-step=…]`` gets ``done``; the panel polls every 3 s), and a screenshot
of the step is kept in ``test-artifacts/labs/<lab>/<NN>-<step-key>.png``. Each walkthrough ends
in the Open Browser tab of a client instance with the page of a backend in its frame, and the
panel saying the lab is complete.
"""

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from browser_helpers import htmx_settled, nav
from labs.definitions import LABS
from labs.services import lab_run_start
from loadbalancer.models import AlbInstance, AlbServerGroup, ClbInstance
from privatelink.models import Endpoint, EndpointService

pytestmark = [pytest.mark.browser, pytest.mark.worker, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parent.parent.parent
ARTIFACTS = ROOT / "test-artifacts" / "labs"
LIVE = 20_000  # asynchronous states, and the panel's 3 s poll
HEALTH = 30_000  # backends turning Normal / Healthy (beat ticks every 0.5 s)
DONE = re.compile(r"(^|\s)done(\s|$)")


# --- the lab panel and the screenshots ----------------------------------------------------


class Walkthrough:
    """One lab's steps as the panel shows them, with a screenshot of each step when it ticks."""

    def __init__(self, slug):
        self.keys = [step.key for step in LABS[slug].steps]
        self.folder = ARTIFACTS / slug
        self.folder.mkdir(parents=True, exist_ok=True)
        for old in self.folder.glob("*.png"):
            old.unlink()
        self.walked = []

    @staticmethod
    def panel(page):
        return page.locator('aside[aria-label="Lab panel"]')

    def start(self, page):
        panel = self.panel(page)
        expect(panel.locator("li[data-step]")).to_have_count(len(self.keys), timeout=LIVE)
        expect(panel).to_contain_text(f"0 of {len(self.keys)} steps done")

    def done(self, page, key):
        """The panel ticks ``key`` (without a reload: it polls); then the step's screenshot."""
        step = self.panel(page).locator(f'li[data-step="{key}"]')
        expect(step).to_have_class(DONE, timeout=LIVE)
        number = self.keys.index(key) + 1
        # The screen as the trainee sees it, from the top. (Not full_page: Chromium leaves the
        # sandboxed Open Browser frame blank in full-page captures.)
        page.evaluate("window.scrollTo(0, 0)")
        page.screenshot(path=str(self.folder / f"{number:02d}-{key}.png"))
        self.walked.append(key)

    def complete(self, page):
        assert self.walked == self.keys, "every step of the lab is walked, in order"
        panel = self.panel(page)
        expect(panel.locator("li[data-step].done")).to_have_count(len(self.keys), timeout=LIVE)
        expect(panel.get_by_role("status").filter(has_text="Lab complete")).to_be_visible()
        expect(panel).to_contain_text(f"{len(self.keys)} of {len(self.keys)} steps done")


# --- page helpers ----------------------------------------------------------------------------


def pick(scope, label, value=None, *, option_label=None):
    """Select an option in ``scope``; when the field re-renders its form (htmx), wait for it."""
    page = getattr(scope, "page", scope)
    control = scope.get_by_label(label, exact=True)

    def select():
        if option_label is not None:
            control.select_option(label=option_label)
        else:
            control.select_option(value)

    if control.get_attribute("hx-get"):
        with page.expect_response(lambda r: "fragment=form" in r.url):
            select()
        htmx_settled(page)
    else:
        select()


def copied(locator):
    """What a copy button (⧉) beside ``locator`` puts on the clipboard."""
    return locator.locator("button.copy").first.get_attribute("data-copy")


def switch_region(page, name, region_id):
    """The region drop-down in the top bar (it submits itself and reloads the page)."""
    region = page.locator("header").get_by_label("Region", exact=True)
    with page.expect_navigation():
        region.select_option(label=name)
    expect(region).to_have_value(region_id)


def open_browser(page, instance_name, address):
    """ECS → Instances → the instance → Open Browser; type ``address`` and press Enter."""
    nav(page, "ECS", "Instances")
    page.get_by_role("link", name=instance_name, exact=True).click()
    page.get_by_role("link", name="Open Browser", exact=True).click()
    field = page.get_by_label("Address", exact=True)
    field.fill(address)
    with page.expect_response(lambda r: "/browser/" in r.url):
        field.press("Enter")
    htmx_settled(page)
    expect(page.locator("#status-line")).to_contain_text("HTTP/1.1 200 OK")
    trace = page.get_by_role("complementary", name="Trace")
    expect(trace.locator(".trace-summary")).to_contain_text("Reached")
    expect(trace.locator("li.hop.stop")).to_have_count(0)
    return page.frame_locator("iframe[title='Page']").locator("body")


# --- CLB (Labs 1 and 2) ----------------------------------------------------------------------


def create_clb(page, account, vpc2, vsw2):
    """Step "clb": the internal-facing, Pay-As-You-Go, Multi-zone CLB in VPC2."""
    nav(page, "Server Load Balancer", "Instances")
    page.get_by_role("link", name="Create CLB", exact=True).click()
    form = page.locator("form.console-form")
    pick(form, "Billing Method", option_label="Pay-As-You-Go")
    pick(form, "Region", option_label="Germany (Frankfurt)")
    pick(form, "Zone Type", option_label="Multi-zone")
    pick(form, "Primary Zone", "eu-central-1b")
    pick(form, "Backup Zone", "eu-central-1a")
    pick(form, "Specification", option_label="Small I (slb.s1.small)")
    pick(form, "SLB instance", option_label="Intranet")
    pick(form, "Network Type", option_label="VPC")
    pick(form, "VPCId", vpc2)
    pick(form, "vSwitch", vsw2)
    pick(form, "IP Version", option_label="IPv4")
    page.get_by_role("button", name="Buy Now", exact=True).click()
    expect(page).to_have_url(re.compile(r"/clb-instances/$"))
    clb = ClbInstance.objects.get(account=account)
    row = page.locator(f"#row-{clb.pk}")
    expect(row.locator(".badge")).to_have_text("Active", timeout=LIVE)
    expect(row).to_contain_text("Intranet")
    return clb


def configure_clb_listener(page, clb, backends):
    """Step "listener": TCP 80 → the default server group with ECS2 and ECS3 (weight 100,
    port 80), the default health check; both backends become Normal. ``backends``: name → ID."""
    page.locator(f"#row-{clb.pk}").get_by_role(
        "link", name="Configure Listener", exact=True
    ).click()
    page.get_by_label("TCP", exact=True).check()
    page.get_by_label("Listening Port").fill("80")
    page.get_by_role("button", name="Next", exact=True).click()
    expect(page.get_by_label("Default Server Group")).to_be_checked()
    page.get_by_role("button", name="Add More", exact=True).click()
    for name in backends:
        page.get_by_label(name, exact=True).check()
    page.get_by_role("button", name="Next", exact=True).click()
    for pk in backends.values():
        expect(page.locator(f"#server-{pk}").get_by_label("Weight")).to_have_value("100")
    page.get_by_role("button", name="Add", exact=True).click()
    for pk in backends.values():
        page.locator(f"#server-{pk}").get_by_label("Port").fill("80")
    page.get_by_role("button", name="Next", exact=True).click()
    expect(page.get_by_label("Enable Health Check")).to_be_checked()
    page.get_by_role("button", name="Next", exact=True).click()
    page.get_by_role("button", name="Submit", exact=True).click()
    page.get_by_role("link", name="OK", exact=True).click()
    page.get_by_role("link", name=clb.name).click()
    page.get_by_role("link", name="Default Server Group", exact=True).click()
    for pk in backends.values():
        badge = page.locator(f"tr[data-instance='{pk}'] .health .badge")
        expect(badge).to_have_text("Normal", timeout=HEALTH)


def create_clb_service(page, account, clb, description):
    """Step "service": the CLB in Zone B; auto-accept No; zone affinity Yes; a description."""
    nav(page, "PrivateLink", "Endpoint Service")
    page.get_by_role("link", name="Create Endpoint Service", exact=True).click()
    types = page.get_by_role("group", name="Service Resource Type")
    expect(types.get_by_label("CLB", exact=True)).to_be_checked()
    resources = page.get_by_role("group", name="Select Service Resource")
    pick(resources, "Zone", "eu-central-1b")
    pick(resources, "Service Resource", clb.pk)
    page.get_by_role("group", name="Automatically Accept Endpoint Connections").get_by_label(
        "No", exact=True
    ).check()
    page.get_by_role("group", name="Whether to Enable Zone Affinity").get_by_label(
        "Yes", exact=True
    ).check()
    page.get_by_label("Description").fill(description)
    page.get_by_role("button", name="OK", exact=True).click()
    service = EndpointService.objects.get(account=account)
    expect(page.locator("#detail-head .badge")).to_have_text("Available", timeout=LIVE)
    expect(page.locator("#auto-accept")).to_have_text("No")
    expect(page.locator("#zone-affinity")).to_have_text("Yes")
    return service


def create_endpoint_by_name(page, account, service_name, vpc1, sg1, vsw1, zone="eu-central-1b"):
    """Step "endpoint": Add by Service Name, VPC1, SG1, Zone B with the VPC1 vSwitch."""
    nav(page, "PrivateLink", "Endpoints")
    page.get_by_role("link", name="Create Endpoint", exact=True).click()
    page.get_by_label("Endpoint Name").fill("ep-lab")
    expect(page.get_by_label("Interface Endpoint")).to_be_checked()
    expect(page.get_by_label("Add by Service Name")).to_be_checked()
    name_box = page.get_by_label("Service Name", exact=True)
    name_box.fill(service_name)
    with page.expect_response(lambda r: "fragment=form" in r.url):
        name_box.dispatch_event("change")
    htmx_settled(page)
    pick(page, "VPC", vpc1)
    page.get_by_label("Security Groups").select_option(sg1)
    zones = page.get_by_role("group", name="Zone and vSwitch")
    pick(zones, "Zone", zone)
    pick(zones, "vSwitch", vsw1)
    page.get_by_role("button", name="OK", exact=True).click()
    endpoint = Endpoint.objects.get(account=account)
    expect(page.locator("#connection-badge")).to_have_text("Disconnected", timeout=LIVE)
    return endpoint


def allow_connection(page, service, endpoint, *, auto_allocate=False, owner=None):
    """Step "allow": the service → Endpoint Connections → Allow → OK; Connected, 1024 Mbps."""
    nav(page, "PrivateLink", "Endpoint Service")
    page.get_by_role("link", name=service.pk, exact=True).click()
    page.get_by_role("link", name="Endpoint Connections", exact=True).click()
    row = page.locator(f"#connection-{endpoint.pk}")
    expect(row.locator(".connection-status")).to_have_text("Disconnected", timeout=LIVE)
    if owner is not None:
        expect(row.locator(".owner")).to_have_text(owner)
    row.get_by_role("link", name="Allow", exact=True).click()
    expect(page.get_by_role("heading", name="Allow Connection")).to_be_visible()
    if auto_allocate:
        box = page.get_by_label("Allow connections and automatically allocate service resources")
        box.check()
        expect(box).to_be_checked()
    page.get_by_role("button", name="OK", exact=True).click()
    row = page.locator(f"#connection-{endpoint.pk}")
    expect(row.locator(".connection-status")).to_have_text("Connected", timeout=LIVE)
    expect(row).to_contain_text("1024 Mbps")


def endpoint_domain(page, endpoint):
    """The endpoint's domain name, copied from its page as a trainee would."""
    nav(page, "PrivateLink", "Endpoints")
    page.get_by_role("link", name=endpoint.name, exact=True).click()
    expect(page.locator("#connection-badge")).to_have_text("Connected", timeout=LIVE)
    return copied(page.locator("#endpoint-domain"))


# --- Lab 1 ---------------------------------------------------------------------------------


def test_lab1_walkthrough(request, celery_beat, live_url, new_context, login, catalogue):
    run = lab_run_start(lab="lab1", label="Walkthrough · Lab 1", login_prefix="walk1")
    (seat,) = run.logins.all()
    account, res = run.account_a, run.resources
    walk = Walkthrough("lab1")

    page = new_context().new_page()
    request.node.funcargs["page"] = page  # a screenshot if the test fails
    login(page, seat.user.username, seat.password)
    walk.start(page)

    clb = create_clb(page, account, res["VPC2"], res["VSW2"])
    walk.done(page, "clb")

    configure_clb_listener(page, clb, {n: res[n] for n in ("ECS2", "ECS3")})
    walk.done(page, "listener")

    service = create_clb_service(page, account, clb, "Lab 1: the web service in VPC2")
    walk.done(page, "service")

    service_name = copied(page.locator("#service-name"))
    assert service_name == service.service_name
    endpoint = create_endpoint_by_name(
        page, account, service_name, res["VPC1"], res["SG1"], res["VSW1"]
    )
    walk.done(page, "endpoint")

    allow_connection(page, service, endpoint)
    walk.done(page, "allow")

    domain = endpoint_domain(page, endpoint)
    body = open_browser(page, "ECS1", domain)
    expect(body).to_contain_text(re.compile(r"ECS[23]"))
    walk.done(page, "browse")
    walk.complete(page)


# --- Lab 2 ---------------------------------------------------------------------------------


def test_lab2_walkthrough(request, celery_beat, live_url, new_context, login, catalogue):
    run = lab_run_start(lab="lab2", label="Walkthrough · Lab 2", login_prefix="walk2-")
    seats = {seat.role: seat for seat in run.logins.all()}
    account_a, account_b, res = run.account_a, run.account_b, run.resources
    walk = Walkthrough("lab2")

    a = new_context().new_page()
    b = new_context().new_page()
    request.node.funcargs["page"] = b  # a screenshot if the test fails
    login(a, seats["A"].user.username, seats["A"].password)
    login(b, seats["B"].user.username, seats["B"].password)
    walk.start(a)
    walk.start(b)

    # 1. Account A activates PrivateLink (first use).
    nav(a, "PrivateLink", "Endpoints")
    a.get_by_role("button", name="Activate PrivateLink", exact=True).click()
    expect(a.get_by_role("link", name="Create Endpoint", exact=True)).to_be_visible()
    walk.done(a, "activate")

    # 2–4. Account B: the CLB, its listener, the endpoint service.
    clb = create_clb(b, account_b, res["VPC2"], res["VSW2"])
    walk.done(b, "clb")
    configure_clb_listener(b, clb, {n: res[n] for n in ("ECS2", "ECS3")})
    walk.done(b, "listener")
    service = create_clb_service(b, account_b, clb, "Lab 2: the web service of Account B")
    walk.done(b, "service")

    # 5. Account B whitelists Account A's UID (A reads it in the account menu).
    a.get_by_label("Account menu").click()
    uid = copied(a.locator(".menu-row", has=a.locator("#account-uid")))
    assert uid == account_a.uid
    a.get_by_label("Account menu").click()
    b.get_by_role("link", name="Service Whitelist", exact=True).click()
    b.get_by_role("link", name="Add Whitelist Account", exact=True).click()
    b.get_by_label("Account ID").fill(uid)
    b.get_by_role("button", name="OK", exact=True).click()
    expect(b.locator(f"#whitelist-{uid}")).to_be_visible()
    walk.done(b, "whitelist")

    # 6. Account A: the endpoint by the service name B hands over.
    b.get_by_role("link", name="Basic information", exact=True).click()
    service_name = copied(b.locator("#service-name"))
    endpoint = create_endpoint_by_name(
        a, account_a, service_name, res["VPC1"], res["SG1"], res["VSW1"]
    )
    walk.done(a, "endpoint")

    # 7. Account B allows it; the Endpoint Owner is Account A's UID.
    allow_connection(b, service, endpoint, owner=uid)
    walk.done(b, "allow")

    # 8. Account A: ECS1 → Open Browser → the endpoint domain.
    domain = endpoint_domain(a, endpoint)
    body = open_browser(a, "ECS1", domain)
    expect(body).to_contain_text(re.compile(r"ECS[23]"))
    walk.done(a, "browse")
    walk.complete(a)
    walk.complete(b)


# --- Lab 3 ---------------------------------------------------------------------------------


def test_lab3_walkthrough(request, celery_beat, live_url, new_context, login, catalogue):
    run = lab_run_start(lab="lab3", label="Walkthrough · Lab 3", login_prefix="walk3")
    (seat,) = run.logins.all()
    account, res = run.account_a, run.resources
    walk = Walkthrough("lab3")

    page = new_context().new_page()
    request.node.funcargs["page"] = page  # a screenshot if the test fails
    login(page, seat.user.username, seat.password)
    walk.start(page)
    switch_region(page, "China (Hangzhou)", "cn-hangzhou")

    # 1. The internal ALB in zones H and I, Static IP, Basic.
    nav(page, "ALB", "Instances")
    page.get_by_role("link", name="Create ALB", exact=True).click()
    form = page.locator("form.console-form")
    pick(form, "Network Type", option_label="Internal")
    pick(form, "VPC", res["VPC2"])
    page.get_by_label("Hangzhou Zone H", exact=True).check()
    pick(form, "vSwitch in Hangzhou Zone H", res["VSW2-H"])
    page.get_by_label("Hangzhou Zone I", exact=True).check()
    pick(form, "vSwitch in Hangzhou Zone I", res["VSW2-I"])
    pick(form, "IP Mode", option_label="Static IP")
    pick(form, "Edition", option_label="Basic")
    page.get_by_label("Instance Name").fill("alb-lab3")
    pick(form, "Resource Group", option_label="Default Resource Group")
    page.get_by_role("button", name="Buy Now", exact=True).click()
    expect(page).to_have_url(re.compile(r"/alb-instances/$"))
    alb = AlbInstance.objects.get(account=account)
    expect(page.locator(f"#row-{alb.pk} .badge")).to_have_text("Active", timeout=LIVE)
    walk.done(page, "alb")

    # 2. Server group RS1 with ECS03 and ECS04 on port 80, weight 100.
    nav(page, "ALB", "Server Groups")
    page.get_by_role("link", name="Create Server Group", exact=True).click()
    page.get_by_label("Instance", exact=True).check()
    page.get_by_label("Server Group Name").fill("RS1")
    form = page.locator("form.console-form")
    pick(form, "VPC", res["VPC2"])
    pick(form, "Backend Server Protocol", option_label="HTTP")
    pick(form, "Scheduling Algorithm", option_label="Weighted Round Robin")
    expect(page.get_by_label("Session Persistence")).not_to_be_checked()
    expect(page.get_by_label("Configure Health Check")).to_be_checked()
    page.get_by_role("button", name="Create", exact=True).click()
    expect(page).to_have_url(re.compile(r"/server-groups/$"))
    group = AlbServerGroup.objects.get(account=account)
    page.get_by_role("link", name="RS1", exact=True).click()
    page.get_by_role("link", name="Backend Servers", exact=True).click()
    page.get_by_role("link", name="Add Backend Server", exact=True).click()
    page.get_by_label("ECS03", exact=True).check()
    page.get_by_label("ECS04", exact=True).check()
    page.get_by_role("button", name="Next", exact=True).click()
    for name in ("ECS03", "ECS04"):
        server = page.locator(f"#server-{res[name]}")
        server.get_by_label("Port").fill("80")
        expect(server.get_by_label("Weight")).to_have_value("100")
    page.get_by_role("button", name="OK", exact=True).click()
    for name in ("ECS03", "ECS04"):
        cell = page.locator(f"tr[data-instance='{res[name]}'] .health .badge")
        expect(cell).to_have_text("Healthy", timeout=HEALTH)
    walk.done(page, "server-group")

    # 3. The HTTP:80 listener → RS1; its health shows Healthy.
    nav(page, "ALB", "Instances")
    page.get_by_role("link", name="alb-lab3", exact=True).click()
    page.get_by_role("link", name="Listener", exact=True).click()
    page.get_by_role("link", name="Create Listener", exact=True).click()
    page.get_by_label("HTTP", exact=True).check()
    page.get_by_label("Listener Port").fill("80")
    page.get_by_label("Listener Name").fill("lab3-http")
    page.get_by_role("button", name="Next", exact=True).click()
    page.get_by_label("Server Group").select_option(group.pk)
    page.get_by_role("button", name="Next", exact=True).click()
    page.get_by_role("button", name="Submit", exact=True).click()
    page.get_by_role("link", name="OK", exact=True).click()
    listener_row = page.locator("#alb-listeners tbody tr").first
    expect(listener_row.locator(".badge").first).to_have_text("Running", timeout=LIVE)
    expect(listener_row.locator(".listener-health .badge")).to_have_text("Healthy", timeout=HEALTH)
    walk.done(page, "listener")

    # 4. The endpoint service: ALB in Zone H and (another zone) Zone I; auto-accept No,
    # zone affinity No.
    nav(page, "PrivateLink", "Endpoint Service")
    page.get_by_role("link", name="Create Endpoint Service", exact=True).click()
    alb_type = page.get_by_role("group", name="Service Resource Type").get_by_label(
        "ALB", exact=True
    )
    with page.expect_response(lambda r: "fragment=form" in r.url):
        alb_type.check()
    htmx_settled(page)
    expect(page.get_by_role("note")).to_have_count(0)  # the lab granted the privilege
    resources = page.get_by_role("group", name="Select Service Resource")
    pick(resources.locator("#row-0"), "Zone", "cn-hangzhou-h")
    pick(resources.locator("#row-0"), "Service Resource", alb.pk)
    with page.expect_response(lambda r: "add_row=1" in r.url):
        resources.get_by_role("button", name="+Add Resource from Another Zone", exact=True).click()
    htmx_settled(page)
    pick(resources.locator("#row-1"), "Zone", "cn-hangzhou-i")
    pick(resources.locator("#row-1"), "Service Resource", alb.pk)
    page.get_by_role("group", name="Automatically Accept Endpoint Connections").get_by_label(
        "No", exact=True
    ).check()
    page.get_by_role("group", name="Whether to Enable Zone Affinity").get_by_label(
        "No", exact=True
    ).check()
    page.get_by_label("Description").fill("Lab 3: the ALB in two zones")
    page.get_by_role("button", name="OK", exact=True).click()
    service = EndpointService.objects.get(account=account)
    expect(page.locator("#detail-head .badge")).to_have_text("Available", timeout=LIVE)
    expect(page.locator("#zone-affinity")).to_have_text("No")
    walk.done(page, "service")

    # 5. The endpoint: Select Service, VPC1, SG1, Zone H + its vSwitch and (+Add vSwitch)
    # Zone I + its vSwitch.
    nav(page, "PrivateLink", "Endpoints")
    page.get_by_role("link", name="Create Endpoint", exact=True).click()
    page.get_by_label("Endpoint Name").fill("ep-lab3")
    expect(page.get_by_label("Interface Endpoint")).to_be_checked()
    with page.expect_response(lambda r: "fragment=form" in r.url):
        page.get_by_label("Select Service", exact=True).check()
    htmx_settled(page)
    pick(page, "Endpoint Service", service.pk)
    pick(page, "VPC", res["VPC1"])
    page.get_by_label("Security Groups").select_option(res["SG1"])
    zones = page.get_by_role("group", name="Zone and vSwitch")
    pick(zones.locator("#row-0"), "Zone", "cn-hangzhou-h")
    pick(zones.locator("#row-0"), "vSwitch", res["VSW1-H"])
    with page.expect_response(lambda r: "add_row=1" in r.url):
        zones.get_by_role("button", name="+Add vSwitch", exact=True).click()
    htmx_settled(page)
    pick(zones.locator("#row-1"), "Zone", "cn-hangzhou-i")
    pick(zones.locator("#row-1"), "vSwitch", res["VSW1-I"])
    page.get_by_role("button", name="OK", exact=True).click()
    endpoint = Endpoint.objects.get(account=account)
    expect(page.locator("#connection-badge")).to_have_text("Disconnected", timeout=LIVE)
    walk.done(page, "endpoint")

    # 6. Allow, allocating service resources automatically.
    allow_connection(page, service, endpoint, auto_allocate=True)
    walk.done(page, "allow")

    # 7. ECS01 (Zone H) → the Zone H domain; ECS02 (Zone I) → the Zone I domain.
    nav(page, "PrivateLink", "Endpoints")
    page.get_by_role("link", name="ep-lab3", exact=True).click()
    page.get_by_role("link", name="Zones and ENIs", exact=True).click()
    zone_domains, enis = {}, {}
    for zone in ("cn-hangzhou-h", "cn-hangzhou-i"):
        row = page.locator(f"#zone-{zone}")
        expect(row.locator(".badge")).to_have_text("Connected", timeout=LIVE)
        zone_domains[zone] = copied(row)
        enis[zone] = row.locator("td").nth(2).inner_text().strip()
    for client, zone in (("ECS01", "cn-hangzhou-h"), ("ECS02", "cn-hangzhou-i")):
        body = open_browser(page, client, zone_domains[zone])
        expect(body).to_contain_text(re.compile(r"ECS0[34]"))
        # In through the endpoint ENI and the ALB of the client's own zone.
        trace = page.get_by_role("complementary", name="Trace")
        expect(trace.locator("li.hop", has_text="Route")).to_contain_text(enis[zone])
        resource_hop = trace.locator("li.hop", has_text="Service resource")
        expect(resource_hop).to_contain_text(f"in {zone}")
        expect(resource_hop).to_contain_text(alb.pk)
    walk.done(page, "browse")
    walk.complete(page)
