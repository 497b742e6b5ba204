"""List, detail, create, delete and isolation of every base resource type."""

import pytest

from console import views
from factories import make_instance, make_security_group, make_vpc, make_vswitch
from resource_tests import ResourceTests


class TestVpcPages(ResourceTests):
    resource = views.vpcs
    dropdowns = [
        ("/vswitches/create/", "vpc"),
        ("/instances/create/", "vpc"),
        ("/security-groups/create/", "vpc"),
    ]

    def make(self, account):
        count = type(self).__dict__.get("_n", 0) + 1
        type(self)._n = count
        return make_vpc(account, cidr=f"10.{count % 250}.0.0/16", name=f"VPC{count}")

    def create_data(self, account):
        return {"name": "VPC1", "cidr_block": "10.10.0.0/16", "description": "Consumer side"}


class TestVSwitchPages(ResourceTests):
    resource = views.vswitches
    dropdowns = [("/instances/create/", "vswitch")]

    def make(self, account):
        vpc = make_vpc(account, cidr="10.0.0.0/8")
        count = type(self).__dict__.get("_n", 0) + 1
        type(self)._n = count
        return make_vswitch(account, vpc, cidr=f"10.{count % 250}.0.0/24")

    def create_data(self, account):
        vpc = make_vpc(account)
        return {
            "vpc": vpc.pk,
            "zone": "eu-central-1b",
            "cidr_block": "10.10.0.0/24",
            "name": "vsw1",
        }


class TestSecurityGroupPages(ResourceTests):
    resource = views.security_groups
    dropdowns = [("/instances/create/", "security_groups")]

    def make(self, account):
        return make_security_group(account, make_vpc(account), name="web")

    def create_data(self, account):
        return {"vpc": make_vpc(account).pk, "name": "web-sg", "description": "Web servers"}


class TestEcsInstancePages(ResourceTests):
    resource = views.instances
    no_dropdown = "offered only below a resource: the CLB listener wizard, Add Backend Server"

    def make(self, account):
        vpc = make_vpc(account)
        vswitch = make_vswitch(account, vpc)
        return make_instance(account, vswitch, name="ECS2", body="ECS2 page")

    def create_data(self, account):
        vpc = make_vpc(account)
        vswitch = make_vswitch(account, vpc)
        group = make_security_group(account, vpc)
        return {
            "name": "ECS1",
            "zone": "eu-central-1b",
            "vpc": vpc.pk,
            "vswitch": vswitch.pk,
            "private_ip": "10.10.0.182",
            "image": "win2012r2",
            "security_groups": [group.pk],
            "service": "none",
            "service_port": "80",
        }


def test_edit_pages_of_another_account_answer_404(client_a, client_b, account_a):
    vswitch = make_vswitch(account_a, make_vpc(account_a))
    instance = make_instance(account_a, vswitch)
    group = instance.security_groups.get()
    rule = group.rules.get()
    for url in [
        f"/instances/{instance.pk}/service/edit/",
        f"/security-groups/{group.pk}/rules/ingress/add/",
        f"/security-groups/{group.pk}/rules/{rule.pk}/delete/",
    ]:
        assert client_b.get(url).status_code == 404, url
        assert client_b.post(url, {"service": "none"}).status_code == 404, url
    assert client_a.get(f"/instances/{instance.pk}/service/edit/").status_code == 200
    instance.refresh_from_db()
    assert instance.service == "nginx"
    assert group.rules.count() == 1


def test_setting_the_service_to_none_through_the_page(client_a, account_a):
    vswitch = make_vswitch(account_a, make_vpc(account_a))
    instance = make_instance(account_a, vswitch)
    response = client_a.post(
        f"/instances/{instance.pk}/service/edit/", {"service": "none", "service_port": "80"}
    )
    assert response.status_code == 302
    instance.refresh_from_db()
    assert instance.service == "none" and not instance.listens_on(80)


def test_adding_a_rule_through_the_page_shows_errors_beside_fields(client_a, account_a):
    group = make_security_group(account_a, make_vpc(account_a))
    url = f"/security-groups/{group.pk}/rules/ingress/add/"
    response = client_a.post(
        url,
        {
            "policy": "accept",
            "priority": "0",
            "protocol": "tcp",
            "port_range": "80",
            "authorization_object": "10.10.1.0/16",
        },
    )
    page = response.content.decode()
    assert "The priority must be from 1 to 100." in page
    assert "Enter a port range as start/end, such as 80/80 or 1/65535." in page
    assert "Invalid CIDR block: host bits are set. Did you mean 10.10.0.0/16?" in page
    assert group.rules.filter(direction="ingress").count() == 0
    response = client_a.post(
        url,
        {
            "policy": "accept",
            "priority": "1",
            "protocol": "tcp",
            "port_range": "80/80",
            "authorization_object": "10.10.0.0/16",
        },
    )
    assert response.status_code == 302
    assert group.rules.filter(direction="ingress", port_from=80).count() == 1


@pytest.mark.parametrize(
    "target",
    ["javascript:alert(1)", "//evil.example/", "https://evil.example/", "/\\evil.example", "x\x00"],
)
def test_an_action_returns_only_to_a_page_of_this_site(client_a, account_a, target):
    instance = make_instance(account_a, make_vswitch(account_a, make_vpc(account_a)))
    url = views.instances.url("action", instance, action="stop")
    response = client_a.post(url, {"next": target})
    assert response.status_code == 302
    assert response["Location"] == views.instances.url("detail", instance)
    instance.refresh_from_db()
    assert instance.status != "Running"


def test_an_action_returns_to_the_page_it_was_posted_from(client_a, account_a):
    instance = make_instance(account_a, make_vswitch(account_a, make_vpc(account_a)))
    url = views.instances.url("action", instance, action="stop")
    response = client_a.post(url, {"next": "/instances/?page=2"})
    assert response["Location"] == "/instances/?page=2"
