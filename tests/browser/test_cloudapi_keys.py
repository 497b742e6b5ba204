"""The AccessKey page in real Chromium: create a pair, use it with the official SDK, see the
resource the API made in the console with the key as the actor."""

import pytest
from alibabacloud_tea_openapi.models import Config
from alibabacloud_vpc20160428 import models
from alibabacloud_vpc20160428.client import Client
from playwright.sync_api import expect

from factories import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_create_key_and_use_it(page, live_url, login, user_a):
    login(page, "alice", PASSWORD)
    page.get_by_label("Account menu").click()
    page.get_by_role("link", name="AccessKey", exact=True).click()
    expect(page.get_by_role("heading", name="AccessKey", exact=True)).to_be_visible()
    page.get_by_role("button", name="Create AccessKey").click()
    key_id = page.locator("#new-access-key-id").inner_text().split()[0]
    secret = page.locator("#new-access-key-secret").inner_text().split()[0]
    assert key_id.startswith("LTAI")
    expect(page.get_by_role("button", name=f"Copy AccessKey Secret {secret}")).to_be_visible()
    page.reload()
    expect(page.locator("#new-access-key-secret")).to_have_count(0)
    expect(page.locator(f"#key-{key_id}")).to_contain_text("Enabled")
    expect(page.locator("#sdk-snippet")).to_contain_text(f'access_key_id="{key_id}"')

    client = Client(
        Config(
            access_key_id=key_id,
            access_key_secret=secret,
            endpoint=live_url.removeprefix("http://"),
            protocol="http",
            region_id="eu-central-1",
        )
    )
    vpc_id = client.create_vpc(
        models.CreateVpcRequest(region_id="eu-central-1", cidr_block="10.10.0.0/16", vpc_name="api")
    ).body.vpc_id

    page.goto(f"{live_url}/")
    page.locator(f"#row-{vpc_id}").get_by_role("link", name="api").click()
    page.get_by_role("link", name="Events").click()
    expect(page.get_by_role("cell", name=f"AccessKey {key_id}").first).to_be_visible()

    page.goto(f"{live_url}/accesskeys/")
    page.locator(f"#key-{key_id}").get_by_role("button", name="Disable").click()
    expect(page.locator(f"#key-{key_id}")).to_contain_text("Disabled")
    with pytest.raises(Exception) as caught:
        client.describe_vpcs(models.DescribeVpcsRequest(region_id="eu-central-1"))
    assert caught.value.code == "InvalidAccessKeyId.Inactive"
