"""Lab 2 steps 1–7 in real Chromium, two accounts in two browser contexts, live.

Account B (provider) builds the CLB and the endpoint service and whitelists Account A;
Account A (consumer) activates PrivateLink and creates the endpoint by service name. B's
Endpoint Connections tab shows the new request without a reload; when B allows it, A's
endpoint page moves to Connected without a reload.
"""

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from browser_helpers import nav
from factories import (
    PASSWORD,
    make_account,
    make_instance,
    make_login,
    make_security_group,
    make_vpc,
    make_vswitch,
)
from loadbalancer.models import ClbInstance
from privatelink.models import Endpoint, EndpointService

pytestmark = [pytest.mark.browser, pytest.mark.worker, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parent.parent.parent
LIVE = 20_000
HEALTH_TIMEOUT = 30_000


def settled(page):
    page.wait_for_function("() => !document.querySelector('.htmx-request')")


def choose(scope, label, value=None, *, option_label=None):
    """Select an option of a field that may re-render its form through htmx, and wait."""
    page = scope.page if hasattr(scope, "page") else scope
    control = scope.get_by_label(label, exact=True)
    if option_label:
        control.select_option(label=option_label)
    else:
        control.select_option(value)
    settled(page)
    page.wait_for_load_state("networkidle")


def prepared(account_a, account_b):
    """What the lab prepares: B owns VPC2, ECS2, ECS3; A owns VPC1, ECS1 and the group."""
    vpc2 = make_vpc(account_b, cidr="192.168.0.0/16", name="VPC2")
    vsw2 = make_vswitch(account_b, vpc2, cidr="192.168.20.0/24", name="vsw-b")
    ecs2 = make_instance(account_b, vsw2, name="ECS2", ip="192.168.20.200", body="ECS2")
    ecs3 = make_instance(account_b, vsw2, name="ECS3", ip="192.168.20.201", body="ECS3")
    vpc1 = make_vpc(account_a, cidr="10.10.0.0/16", name="VPC1")
    vsw1 = make_vswitch(account_a, vpc1, cidr="10.10.0.0/24", name="vsw-1")
    group = make_security_group(
        account_a, vpc1, name="web-clients", inbound=[("tcp", "80/80", "10.10.0.0/16")]
    )
    make_instance(account_a, vsw1, groups=[group], name="ECS1", ip="10.10.0.182", image="win2012r2")
    return vpc2, vsw2, (ecs2, ecs3), vpc1, vsw1, group


def test_lab2_two_accounts_live(request, celery_beat, live_url, new_context, login, catalogue):
    account_a, account_b = make_account("Account A"), make_account("Account B")
    make_login(account_a, "account-a")
    make_login(account_b, "account-b")
    vpc2, vsw2, (ecs2, ecs3), vpc1, vsw1, group = prepared(account_a, account_b)

    a = new_context().new_page()
    b = new_context().new_page()
    request.node.funcargs["page"] = b  # a screenshot if the test fails
    login(a, "account-a", PASSWORD)
    login(b, "account-b", PASSWORD)

    # Step 1 — Account A activates PrivateLink on the activation page.
    nav(a, "PrivateLink", "Endpoints")
    expect(a.get_by_role("heading", name="PrivateLink")).to_be_visible()
    a.get_by_role("button", name="Activate PrivateLink", exact=True).click()
    expect(a.get_by_role("link", name="Create Endpoint", exact=True)).to_be_visible()
    account_a.refresh_from_db()
    assert account_a.privatelink_activated

    # Step 2 — Account B: the internal-facing Pay-As-You-Go CLB in VPC2.
    nav(b, "Server Load Balancer", "Instances")
    b.get_by_role("link", name="Create CLB", exact=True).click()
    choose(b, "Billing Method", option_label="Pay-As-You-Go")
    choose(b, "Zone Type", option_label="Multi-zone")
    choose(b, "Primary Zone", "eu-central-1b")
    choose(b, "Backup Zone", "eu-central-1a")
    choose(b, "Specification", option_label="Small I (slb.s1.small)")
    choose(b, "SLB instance", option_label="Intranet")
    choose(b, "VPCId", vpc2.pk)
    choose(b, "vSwitch", vsw2.pk)
    b.get_by_role("button", name="Buy Now", exact=True).click()
    clb = ClbInstance.objects.get()
    row = b.locator(f"#row-{clb.pk}")
    expect(row.locator(".badge")).to_have_text("Active", timeout=LIVE)

    # Step 3 — TCP listener 80 → ECS2 + ECS3, weight 100, port 80; both backends Normal.
    row.get_by_role("link", name="Configure Listener", exact=True).click()
    b.get_by_label("TCP", exact=True).check()
    b.get_by_label("Listening Port").fill("80")
    b.get_by_role("button", name="Next", exact=True).click()
    b.get_by_role("button", name="Add More", exact=True).click()
    b.get_by_label("ECS2", exact=True).check()
    b.get_by_label("ECS3", exact=True).check()
    b.get_by_role("button", name="Next", exact=True).click()
    b.get_by_role("button", name="Add", exact=True).click()
    for instance in (ecs2, ecs3):
        b.locator(f"#server-{instance.pk}").get_by_label("Port").fill("80")
    b.get_by_role("button", name="Next", exact=True).click()
    b.get_by_role("button", name="Next", exact=True).click()
    b.get_by_role("button", name="Submit", exact=True).click()
    b.get_by_role("link", name="OK", exact=True).click()
    b.get_by_role("link", name=clb.name).click()
    b.get_by_role("link", name="Default Server Group", exact=True).click()
    for instance in (ecs2, ecs3):
        cell = b.locator(f"tr[data-instance='{instance.pk}'] .health .badge")
        expect(cell).to_have_text("Normal", timeout=HEALTH_TIMEOUT)

    # Step 4 — Account B: the endpoint service (Zone B, the CLB, auto-accept No, affinity Yes).
    nav(b, "PrivateLink", "Endpoint Service")
    b.get_by_role("button", name="Activate PrivateLink", exact=True).click()
    b.get_by_role("link", name="Create Endpoint Service", exact=True).click()
    expect(b.get_by_role("group", name="Service Resource Type").get_by_label("CLB")).to_be_checked()
    expect(
        b.get_by_role("group", name="Service Resource Type").get_by_label("NLB")
    ).to_be_disabled()
    resources = b.get_by_role("group", name="Select Service Resource")
    choose(resources, "Zone", "eu-central-1b")
    choose(resources, "Service Resource", clb.pk)
    b.get_by_role("group", name="Automatically Accept Endpoint Connections").get_by_label(
        "No"
    ).check()
    b.get_by_role("group", name="Whether to Enable Zone Affinity").get_by_label("Yes").check()
    b.get_by_label("Description").fill("Lab 2: web service of Account B")
    b.get_by_role("button", name="OK", exact=True).click()
    service = EndpointService.objects.get()
    expect(b.locator("#detail-head .badge")).to_have_text("Available", timeout=LIVE)
    expect(b.locator("#service-name")).to_contain_text(service.service_name)

    # Step 5 — Service Whitelist → Add Whitelist Account → Account A's UID.
    b.get_by_role("link", name="Service Whitelist", exact=True).click()
    b.get_by_role("link", name="Add Whitelist Account", exact=True).click()
    b.get_by_label("Account ID").fill(account_a.uid)
    b.get_by_role("button", name="OK", exact=True).click()
    expect(b.locator(f"#whitelist-{account_a.uid}")).to_be_visible()

    # B watches the Endpoint Connections tab: nothing yet.
    b.get_by_role("link", name="Endpoint Connections", exact=True).click()
    expect(b.locator("#connections")).to_contain_text("No endpoint connections yet")
    b.evaluate("window.__notReloaded = true")

    # Step 6 — Account A: the endpoint by service name.
    a.get_by_role("link", name="Create Endpoint", exact=True).click()
    a.get_by_label("Endpoint Name").fill("ep-lab2")
    expect(a.get_by_label("Interface Endpoint")).to_be_checked()
    expect(a.get_by_label("Add by Service Name")).to_be_checked()
    name_box = a.get_by_label("Service Name", exact=True)
    name_box.fill(service.service_name)
    with a.expect_response(lambda r: "fragment=form" in r.url):
        name_box.dispatch_event("change")
    settled(a)
    choose(a, "VPC", vpc1.pk)
    a.get_by_label("Security Groups").select_option(group.pk)
    zones = a.get_by_role("group", name="Zone and vSwitch")
    expect(zones.get_by_label("Zone").locator("option")).to_have_count(2)  # Zone B only
    choose(zones, "Zone", "eu-central-1b")
    choose(zones, "vSwitch", vsw1.pk)
    a.get_by_role("button", name="OK", exact=True).click()
    endpoint = Endpoint.objects.get()
    expect(a.locator("#connection-badge")).to_have_text("Disconnected", timeout=LIVE)
    a.evaluate("window.__notReloaded = true")

    # B sees the request appear without a reload, with A's UID as Endpoint Owner.
    request_row = b.locator(f"#connection-{endpoint.pk}")
    expect(request_row).to_be_visible(timeout=LIVE)
    expect(request_row.locator(".owner")).to_have_text(account_a.uid)
    expect(request_row.locator(".connection-status")).to_have_text("Disconnected")
    assert b.evaluate("window.__notReloaded") is True
    assert "VPC1" not in b.content() and "account-a" not in b.content()

    # Step 7 — Account B allows it; A's page moves to Connected without a reload.
    request_row.get_by_role("link", name="Allow", exact=True).click()
    expect(b.get_by_role("heading", name="Allow Connection")).to_be_visible()
    b.get_by_role("button", name="OK", exact=True).click()
    row = b.locator(f"#connection-{endpoint.pk}")
    expect(row.locator(".connection-status")).to_have_text(
        re.compile("Connecting|Connected"), timeout=LIVE
    )
    expect(row.locator(".connection-status")).to_have_text("Connected", timeout=LIVE)
    expect(row).to_contain_text("1024 Mbps")
    expect(row.locator(".owner")).to_have_text(account_a.uid)

    expect(a.locator("#connection-badge")).to_have_text("Connected", timeout=LIVE)
    expect(a.locator("#connection-status .zone-status")).to_contain_text("Connected")
    assert a.evaluate("window.__notReloaded") is True
    assert "VPC2" not in a.content() and "account-b" not in a.content()
