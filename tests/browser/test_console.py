"""In real Chromium: build a VPC, a vSwitch and an instance through the pages, watch the
instance reach Running without a reload, and check that another account sees none of it."""

import re

import pytest
from playwright.sync_api import expect

from browser_helpers import choose, nav
from console.models import EcsInstance, SecurityGroup, Vpc, VSwitch
from factories import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def test_account_a_builds_an_instance_and_account_b_sees_nothing(
    celery_worker, live_url, new_context, login, user_a, user_b
):
    page = new_context().new_page()
    login(page, user_a.username, PASSWORD)

    # VPC: the mistake from the walkthroughs is refused beside the field.
    nav(page, "VPC", "VPCs")
    page.get_by_role("link", name="Create VPC", exact=True).click()
    page.get_by_label("Name", exact=True).fill("VPC1")
    page.get_by_label("IPv4 CIDR Block").fill("10.10.1.0/16")
    page.get_by_role("button", name="OK", exact=True).click()
    expect(page.locator("#field-cidr_block .field-error")).to_have_text(
        "Invalid CIDR block: host bits are set. Did you mean 10.10.0.0/16?"
    )
    assert not Vpc.objects.exists()
    page.get_by_label("IPv4 CIDR Block").fill("10.10.0.0/16")
    page.get_by_role("button", name="OK", exact=True).click()
    vpc = Vpc.objects.get()
    row = page.locator(f"#row-{vpc.pk}")
    expect(row.locator(".badge")).to_have_text("Available", timeout=15_000)

    # vSwitch
    nav(page, "VPC", "vSwitches")
    page.get_by_role("link", name="Create vSwitch", exact=True).click()
    page.get_by_label("VPC", exact=True).select_option(vpc.pk)
    page.get_by_label("Zone", exact=True).select_option("eu-central-1b")
    page.get_by_label("Name", exact=True).fill("vsw-b")
    page.get_by_label("IPv4 CIDR Block").fill("10.10.0.0/24")
    page.get_by_role("button", name="OK", exact=True).click()
    vswitch = VSwitch.objects.get()
    expect(page.locator(f"#row-{vswitch.pk}")).to_contain_text("252")

    # Security group
    nav(page, "ECS", "Security Groups")
    page.get_by_role("link", name="Create Security Group", exact=True).click()
    page.get_by_label("Security Group Name").fill("web")
    page.get_by_label("VPC", exact=True).select_option(vpc.pk)
    page.get_by_role("button", name="OK", exact=True).click()
    group = SecurityGroup.objects.get()

    # ECS instance: choosing the zone and the VPC narrows the vSwitch list (htmx).
    nav(page, "ECS", "Instances")
    page.get_by_role("link", name="Create Instance", exact=True).click()
    page.get_by_label("Instance Name").fill("ECS1")
    choose(page, "Zone", "eu-central-1b")
    choose(page, "VPC", vpc.pk)
    expect(page.get_by_label("vSwitch", exact=True).locator("option")).to_have_count(2)
    page.get_by_label("vSwitch", exact=True).select_option(vswitch.pk)
    page.get_by_label("Private IP").fill("10.10.0.182")
    page.get_by_label("Image").select_option(label="Windows Server 2012 R2")
    page.get_by_label("Security Group", exact=True).select_option(group.pk)
    page.get_by_label("Deployed Service").select_option(label="NGINX")
    page.get_by_role("button", name="OK", exact=True).click()

    instance = EcsInstance.objects.get()
    assert instance.private_ip == "10.10.0.182"
    page.evaluate("window.__notReloaded = true")
    badge = page.locator(f"#row-{instance.pk} .badge")
    expect(badge).to_have_text(re.compile("Pending|Starting|Running"))
    expect(badge).to_have_text("Running", timeout=20_000)
    assert page.evaluate("window.__notReloaded") is True

    # Account B, in its own browser context, sees none of it.
    other = new_context().new_page()
    login(other, user_b.username, PASSWORD)
    for product, link in [
        ("VPC", "VPCs"),
        ("VPC", "vSwitches"),
        ("ECS", "Instances"),
        ("ECS", "Security Groups"),
    ]:
        nav(other, product, link)
        body = other.content()
        for obj in (vpc, vswitch, instance, group):
            assert obj.pk not in body
    response = other.goto(f"{live_url}/instances/{instance.pk}/")
    assert response.status == 404
    other.goto(f"{live_url}/instances/create/")
    assert vpc.pk not in other.content()
