"""Lab 2 through the API in real Chromium: the lab panel's "Through the API" section makes a
lab account's AccessKey, shows its secret once (the steps' polling does not hide it), and the
key works with the official SDK on the lab's own resources."""

import pytest
from alibabacloud_tea_openapi.models import Config
from alibabacloud_vpc20160428 import models
from alibabacloud_vpc20160428.client import Client
from playwright.sync_api import expect

from cloudapi.models import AccessKey
from factories import PASSWORD
from labs.definitions import LABS
from labs.models import LabRun

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def open_api_section(page):
    panel = page.get_by_role("complementary", name="Lab panel")
    panel.get_by_text("Through the API", exact=True).click()
    section = panel.locator("#lab-api")
    expect(section.get_by_role("region", name="Account B (service provider)")).to_be_visible()
    return section


def test_create_a_lab_key_in_the_panel_and_use_it(page, live_url, login, user_a):
    login(page, "alice", PASSWORD)
    page.goto(f"{live_url}/labs/")
    page.get_by_role("button", name=f"Start {LABS['lab2'].title}").click()
    expect(page.get_by_role("complementary", name="Lab panel")).to_contain_text("steps done")
    run = LabRun.objects.get()

    section = open_api_section(page)
    provider = section.get_by_role("region", name="Account B (service provider)")
    expect(provider).to_contain_text("No AccessKey yet.")
    provider.get_by_role("button", name="Create AccessKey").click()
    secret_cell = section.locator("[data-new-secret]")
    expect(secret_cell).to_be_visible()
    key = AccessKey.objects.get(account=run.account_b)
    expect(secret_cell).to_contain_text(key.secret)
    expect(section.locator("[data-api-command]")).to_contain_text(
        f"PROVIDER_KEY={key.pk} PROVIDER_SECRET={key.secret}"
    )
    expect(provider).to_contain_text(f"{key.pk} · Enabled")
    # The steps poll every 3 s; the secret stays until the page changes.
    page.wait_for_timeout(3500)
    expect(secret_cell).to_contain_text(key.secret)

    client = Client(
        Config(
            access_key_id=key.pk,
            access_key_secret=key.secret,
            endpoint=live_url.removeprefix("http://"),
            protocol="http",
            region_id="eu-central-1",
        )
    )
    vpcs = client.describe_vpcs(models.DescribeVpcsRequest(region_id="eu-central-1")).body
    assert [v.vpc_name for v in vpcs.vpcs.vpc] == ["VPC2"]

    page.reload()
    section = open_api_section(page)
    expect(section.get_by_role("region", name="Account B (service provider)")).to_contain_text(
        f"{key.pk} · Enabled"
    )
    expect(section.locator("[data-new-secret]")).to_have_count(0)
    expect(section.locator("[data-api-command]")).not_to_contain_text(key.secret)
