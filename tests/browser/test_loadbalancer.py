"""In real Chromium, with a real worker and beat: Lab 1 steps 1–2 (a PrivateLink-ready CLB
with a TCP listener whose backends turn Normal) and Lab 3 steps 1–3 (an internal ALB, server
group RS1, an HTTP listener whose server group turns Healthy), through the pages only."""

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from browser_helpers import nav
from factories import PASSWORD, make_instance, make_vpc, make_vswitch
from loadbalancer.models import AlbInstance, AlbServerGroup, ClbInstance

pytestmark = [pytest.mark.browser, pytest.mark.worker, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parent.parent.parent
HEALTH_TIMEOUT = 30_000


def choose(page, label, value=None, *, option_label=None):
    """Select an option; the form may re-render (htmx) after a dependent field changes."""
    control = page.locator("form.console-form").get_by_label(label, exact=True)
    if option_label:
        control.select_option(label=option_label)
    else:
        control.select_option(value)
    # A dependent field re-renders the form through htmx: wait until that swap is done.
    page.wait_for_function("() => !document.querySelector('.htmx-request')")
    page.wait_for_load_state("networkidle")


def test_lab1_steps_1_and_2_and_lab3_steps_1_to_3(
    request, celery_beat, live_url, new_context, login, account_a, user_a
):
    # Prepared for the trainee (Lab 1): VPC2 with ECS2 and ECS3 serving NGINX on port 80.
    vpc2 = make_vpc(account_a, cidr="192.168.0.0/16", name="VPC2")
    vsw = make_vswitch(account_a, vpc2, cidr="192.168.20.0/24", name="vsw-b")
    ecs2 = make_instance(account_a, vsw, name="ECS2", ip="192.168.20.200", body="ECS2")
    ecs3 = make_instance(account_a, vsw, name="ECS3", ip="192.168.20.201", body="ECS3")

    page = new_context().new_page()
    request.node.funcargs["page"] = page  # a screenshot if the test fails
    login(page, user_a.username, PASSWORD)

    # Lab 1, step 1: the internal-facing, Pay-As-You-Go CLB.
    nav(page, "Server Load Balancer", "Instances")
    page.get_by_role("link", name="Create CLB", exact=True).click()
    expect(page.get_by_text("Only Pay-As-You-Go instances support PrivateLink.")).to_be_visible()
    choose(page, "Billing Method", option_label="Pay-As-You-Go")
    choose(page, "Region", option_label="Germany (Frankfurt)")
    choose(page, "Zone Type", option_label="Multi-zone")
    choose(page, "Primary Zone", "eu-central-1b")
    choose(page, "Backup Zone", "eu-central-1a")
    choose(page, "Specification", option_label="Small I (slb.s1.small)")
    choose(page, "SLB instance", option_label="Intranet")
    choose(page, "Network Type", option_label="VPC")
    choose(page, "VPCId", vpc2.pk)
    expect(page.get_by_label("vSwitch", exact=True).locator("option")).to_have_count(2)
    choose(page, "vSwitch", vsw.pk)
    choose(page, "IP Version", option_label="IPv4")
    page.get_by_role("button", name="Buy Now", exact=True).click()
    expect(page).to_have_url(re.compile(r"/clb-instances/$"))
    clb = ClbInstance.objects.get()
    row = page.locator(f"#row-{clb.pk}")
    expect(row.locator(".badge")).to_have_text("Active", timeout=15_000)
    expect(row).to_contain_text("192.168.20.1")
    expect(row).to_contain_text("Intranet")

    # Lab 1, step 2: TCP listener 80 → ECS2 + ECS3, weight 100, port 80, default health check.
    row.get_by_role("link", name="Configure Listener", exact=True).click()
    page.get_by_label("TCP", exact=True).check()
    page.get_by_label("Listening Port").fill("80")
    page.get_by_role("button", name="Next", exact=True).click()
    expect(page.get_by_label("Default Server Group")).to_be_checked()
    page.get_by_role("button", name="Add More", exact=True).click()
    page.get_by_label("ECS2", exact=True).check()
    page.get_by_label("ECS3", exact=True).check()
    page.get_by_role("button", name="Next", exact=True).click()
    for instance in (ecs2, ecs3):
        expect(page.locator(f"#server-{instance.pk}").get_by_label("Weight")).to_have_value("100")
    page.get_by_role("button", name="Add", exact=True).click()
    for instance in (ecs2, ecs3):
        page.locator(f"#server-{instance.pk}").get_by_label("Port").fill("80")
    page.get_by_role("button", name="Next", exact=True).click()
    expect(page.get_by_label("Enable Health Check")).to_be_checked()
    expect(page.get_by_label("Health Check Interval")).to_have_value("2")
    page.get_by_role("button", name="Next", exact=True).click()
    expect(page.locator("#confirm")).to_contain_text("ECS3")
    page.get_by_role("button", name="Submit", exact=True).click()
    page.get_by_role("link", name="OK", exact=True).click()
    expect(page.get_by_role("heading", name="CLB Instances")).to_be_visible()
    page.get_by_role("link", name=clb.name).click()
    expect(page.locator("#privatelink-eligibility")).to_contain_text("Supported")
    page.get_by_role("link", name="Default Server Group", exact=True).click()
    for instance in (ecs2, ecs3):
        cell = page.locator(f"tr[data-instance='{instance.pk}'] .health .badge")
        expect(cell).to_have_text("Normal", timeout=HEALTH_TIMEOUT)

    # Lab 3 prerequisites (Hangzhou): VPC2 with Zone H / Zone I vSwitches, ECS03 and ECS04.
    hz = make_vpc(account_a, cidr="192.168.0.0/16", name="VPC2-HZ", region_id="cn-hangzhou")
    vsw_h = make_vswitch(account_a, hz, cidr="192.168.3.0/24", zone_id="cn-hangzhou-h", name="h")
    vsw_i = make_vswitch(account_a, hz, cidr="192.168.5.0/24", zone_id="cn-hangzhou-i", name="i")
    ecs03 = make_instance(account_a, vsw_h, name="ECS03", ip="192.168.3.190", body="ECS03")
    ecs04 = make_instance(account_a, vsw_i, name="ECS04", ip="192.168.5.20", body="ECS04")
    page.locator("header").get_by_label("Region", exact=True).select_option(
        label="China (Hangzhou)"
    )
    page.wait_for_load_state("networkidle")

    # Lab 3, step 1: the internal ALB in zones H and I, Static IP, Basic.
    nav(page, "ALB", "Instances")
    page.get_by_role("link", name="Create ALB", exact=True).click()
    choose(page, "Network Type", option_label="Internal")
    choose(page, "VPC", hz.pk)
    expect(page.get_by_label("vSwitch in Hangzhou Zone H").locator("option")).to_have_count(2)
    page.get_by_label("Hangzhou Zone H", exact=True).check()
    choose(page, "vSwitch in Hangzhou Zone H", vsw_h.pk)
    page.get_by_label("Hangzhou Zone I", exact=True).check()
    choose(page, "vSwitch in Hangzhou Zone I", vsw_i.pk)
    choose(page, "IP Mode", option_label="Static IP")
    choose(page, "Edition", option_label="Basic")
    page.get_by_label("Instance Name").fill("alb-lab3")
    choose(page, "Resource Group", option_label="Default Resource Group")
    page.get_by_role("button", name="Buy Now", exact=True).click()
    expect(page).to_have_url(re.compile(r"/alb-instances/$"))
    alb = AlbInstance.objects.get()
    expect(page.locator(f"#row-{alb.pk} .badge")).to_have_text("Active", timeout=15_000)

    # Lab 3, step 2: server group RS1 with ECS03 and ECS04 on port 80, weight 100.
    nav(page, "ALB", "Server Groups")
    page.get_by_role("link", name="Create Server Group", exact=True).click()
    page.get_by_label("Instance", exact=True).check()
    page.get_by_label("Server Group Name").fill("RS1")
    choose(page, "VPC", hz.pk)
    choose(page, "Backend Server Protocol", option_label="HTTP")
    choose(page, "Scheduling Algorithm", option_label="Weighted Round Robin")
    expect(page.get_by_label("Session Persistence")).not_to_be_checked()
    expect(page.get_by_label("Configure Health Check")).to_be_checked()
    page.get_by_role("button", name="Modify", exact=True).click()
    expect(page.get_by_label("Health Check Path")).to_have_value("/")
    page.get_by_role("button", name="Create", exact=True).click()
    expect(page).to_have_url(re.compile(r"/server-groups/$"))
    group = AlbServerGroup.objects.get()
    page.get_by_role("link", name="RS1", exact=True).click()
    page.get_by_role("link", name="Backend Servers", exact=True).click()
    page.get_by_role("link", name="Add Backend Server", exact=True).click()
    page.get_by_label("ECS03", exact=True).check()
    page.get_by_label("ECS04", exact=True).check()
    page.get_by_role("button", name="Next", exact=True).click()
    for instance in (ecs03, ecs04):
        page.locator(f"#server-{instance.pk}").get_by_label("Port").fill("80")
        expect(page.locator(f"#server-{instance.pk}").get_by_label("Weight")).to_have_value("100")
    page.get_by_role("button", name="OK", exact=True).click()
    for instance in (ecs03, ecs04):
        cell = page.locator(f"tr[data-instance='{instance.pk}'] .health .badge")
        expect(cell).to_have_text("Healthy", timeout=HEALTH_TIMEOUT)

    # Lab 3, step 3: HTTP listener 80 → RS1; its health shows Healthy.
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
    expect(page.get_by_text("ALB Configuration Wizard")).to_be_visible()
    page.get_by_role("link", name="OK", exact=True).click()
    listener_row = page.locator("#alb-listeners tbody tr").first
    expect(listener_row.locator(".badge").first).to_have_text("Running", timeout=15_000)
    expect(listener_row.locator(".listener-health .badge")).to_have_text(
        "Healthy", timeout=HEALTH_TIMEOUT
    )
