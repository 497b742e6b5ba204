"""List, detail, create, delete and isolation of every load balancer resource type."""

from lb_factories import (
    lab1_provider,
    lab3_provider,
    make_alb,
    make_clb,
    make_server_group,
)

from factories import client_for, make_instance, make_vpc, make_vswitch
from loadbalancer import views
from resource_tests import ResourceTests


class TestClbPages(ResourceTests):
    resource = views.clb_instances
    no_dropdown = "offered only as a service resource once a zone is chosen"

    def make(self, account):
        count = type(self).__dict__.get("_n", 0) + 1
        type(self)._n = count
        vpc = make_vpc(account, cidr=f"10.{count % 250}.0.0/16", name="VPC2")
        vswitch = make_vswitch(account, vpc, cidr=f"10.{count % 250}.1.0/24")
        return make_clb(account, vpc, vswitch, name=f"clb{count}")

    def create_data(self, account):
        vpc = make_vpc(account, cidr="192.168.0.0/16")
        vswitch = make_vswitch(account, vpc, cidr="192.168.20.0/24")
        return {
            "billing_method": "PayAsYouGo",
            "region": "eu-central-1",
            "zone_type": "multi",
            "zone": "eu-central-1b",
            "backup_zone": "eu-central-1a",
            "name": "lab1-clb",
            "specification": "slb.s1.small",
            "address_type": "intranet",
            "network_type": "vpc",
            "vpc": vpc.pk,
            "vswitch": vswitch.pk,
            "ip_version": "ipv4",
        }


class TestAlbPages(ResourceTests):
    resource = views.alb_instances
    no_dropdown = "offered only as a service resource once a zone is chosen"

    def make(self, account):
        vpc = make_vpc(account, cidr="192.168.0.0/16", region_id="eu-central-1")
        count = type(self).__dict__.get("_n", 0) + 1
        type(self)._n = count
        a = make_vswitch(account, vpc, cidr=f"192.168.{count % 120}.0/24", zone_id="eu-central-1a")
        b = make_vswitch(
            account, vpc, cidr=f"192.168.{count % 120 + 128}.0/24", zone_id="eu-central-1b"
        )
        return make_alb(account, vpc, [a, b], name=f"alb{count}")

    def create_data(self, account):
        vpc = make_vpc(account, cidr="192.168.0.0/16")
        a = make_vswitch(account, vpc, cidr="192.168.3.0/24", zone_id="eu-central-1a")
        b = make_vswitch(account, vpc, cidr="192.168.5.0/24", zone_id="eu-central-1b")
        return {
            "region": "eu-central-1",
            "network_type": "Internal",
            "vpc": vpc.pk,
            "zone_eu_central_1a": "on",
            "vswitch_eu_central_1a": a.pk,
            "zone_eu_central_1b": "on",
            "vswitch_eu_central_1b": b.pk,
            "ip_mode": "Static",
            "edition": "Basic",
            "name": "alb-lab3",
            "resource_group": "Default Resource Group",
        }


class TestServerGroupPages(ResourceTests):
    resource = views.server_groups
    no_dropdown = "offered only below a resource: the ALB listener wizard"

    def make(self, account):
        vpc = make_vpc(account, cidr="192.168.0.0/16")
        vswitch = make_vswitch(account, vpc, cidr="192.168.3.0/24")
        return make_server_group(account, vpc, instances=[make_instance(account, vswitch)])

    def create_data(self, account):
        vpc = make_vpc(account, cidr="192.168.0.0/16")
        return {
            "server_group_type": "Instance",
            "name": "RS1",
            "vpc": vpc.pk,
            "protocol": "HTTP",
            "scheduler": "Wrr",
            "resource_group": "Default Resource Group",
            "health_check_enabled": "on",
            "health_check_protocol": "HTTP",
            "health_check_path": "/",
            "health_check_method": "HEAD",
            "health_check_codes": ["http_2xx", "http_3xx"],
            "health_check_interval": "2",
            "health_check_timeout": "5",
            "healthy_threshold": "3",
            "unhealthy_threshold": "3",
        }


def test_another_accounts_listener_and_backend_urls_are_404(account_a, client_b):
    vpc, vswitch, instances = lab1_provider(account_a)
    clb = make_clb(account_a, vpc, vswitch)
    from lb_factories import make_clb_listener

    listener = make_clb_listener(account_a, clb, instances)
    base = f"/loadbalancer/clb-instances/{clb.pk}"
    assert client_b.get(f"{base}/listeners/create/").status_code == 404
    assert client_b.post(f"{base}/listeners/{listener.pk}/stop/").status_code == 404
    listener.refresh_from_db()
    assert listener.status == "Running"
    group = make_server_group(account_a, vpc, instances=instances)
    backend = group.backends.first()
    sgp = f"/loadbalancer/server-groups/{group.pk}"
    assert client_b.get(f"{sgp}/backends/add/").status_code == 404
    assert client_b.post(f"{sgp}/backends/{backend.pk}/remove/").status_code == 404


def test_eligibility_is_shown_on_the_instance_page(account_a, client_a):
    vpc, vswitch, _ = lab1_provider(account_a)
    good = make_clb(account_a, vpc, vswitch)
    bad = make_clb(account_a, vpc, vswitch, billing_method="Subscription", name="sub")
    page = client_a.get(views.clb_instances.url("detail", good)).content.decode()
    assert "Supported" in page
    page = client_a.get(views.clb_instances.url("detail", bad)).content.decode()
    assert "Not supported" in page and "Subscription" in page


def test_alb_pages_in_hangzhou(account_a, user_a):
    client = client_for(user_a, region="cn-hangzhou")
    vpc, vswitches, instances = lab3_provider(account_a)
    alb = make_alb(account_a, vpc, vswitches, ip_mode="Dynamic")
    page = client.get(views.alb_instances.url("list")).content.decode()
    assert alb.pk in page and "Hangzhou Zone H" in page
    page = client.get(views.alb_instances.url("detail", alb)).content.decode()
    assert "Dynamic IP" in page and "Not supported" in page
    assert f"{alb.pk}.cn-hangzhou.alb.aliyuncs.com" in page


def test_backend_tables_poll_one_page_of_rows(client_a, account_a):
    """A live table never re-renders more than a page: 12 backends, pages of 10."""
    import re

    from lb_factories import lab1_provider, make_server_group

    vpc, vswitch, instances = lab1_provider(
        account_a,
        names=[f"ECS{n}" for n in range(12)],
        ips=[f"192.168.20.{10 + n}" for n in range(12)],
    )
    group = make_server_group(account_a, vpc, instances=instances)
    url = f"/loadbalancer/server-groups/{group.pk}/backends/"
    html = client_a.get(url, {"fragment": "tab", "page_size": "10"}).content.decode()
    assert html.count('<tr id="backend-') == 10 and "Total 12 items" in html
    poll = re.search(r'id="sg-backends" hx-get="([^"]*)"', html).group(1)
    assert "page=1&amp;page_size=10" in poll
    second = client_a.get(url, {"fragment": "tab", "page_size": "10", "page": "2"})
    assert second.content.decode().count('<tr id="backend-') == 2
