"""Field rules of the purchase pages and the server group dialog, with their messages."""

import pytest
from lb_factories import lab1_provider, lab3_provider, make_clb

from console.errors import ConsoleError
from factories import client_for, make_vpc, make_vswitch
from loadbalancer import services, validators
from loadbalancer.models import AlbInstance, AlbServerGroup, ClbInstance

CLB_URL = "/loadbalancer/clb-instances/create/"
ALB_URL = "/loadbalancer/alb-instances/create/"
SG_URL = "/loadbalancer/server-groups/create/"


def clb_data(vpc, vswitch, **overrides):
    data = {
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
    data.update(overrides)
    return data


def errors_of(response):
    return response.content.decode()


@pytest.mark.parametrize("name", ["a", "x" * 80, "web/clb-1.a_b", ""])
def test_clb_name_accepts(name):
    assert validators.clb_name(name) == name


@pytest.mark.parametrize("name", ["x" * 81, "bad name", "clb!", "名前"])
def test_clb_name_refuses(name):
    with pytest.raises(ConsoleError, match="1 to 80 characters"):
        validators.clb_name(name)


@pytest.mark.parametrize(
    ("name", "ok"), [("ab", True), ("a", False), ("1alb", False), ("alb.lab_3-x", True)]
)
def test_alb_name(name, ok):
    if ok:
        assert validators.alb_name(name) == name
    else:
        with pytest.raises(ConsoleError, match="2 to 128 characters"):
            validators.alb_name(name)


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"name": "bad name"}, "name", "1 to 80 characters"),
        ({"backup_zone": ""}, "backup_zone", "A Multi-zone instance needs a backup zone."),
        ({"backup_zone": "eu-central-1b"}, "backup_zone", "must differ from the primary zone"),
        ({"network_type": "classic"}, "network_type", "classic network is not available"),
        ({"zone": "eu-central-1a", "backup_zone": "eu-central-1b"}, "vswitch", "valid choice"),
        ({"specification": "slb.s9.huge"}, "specification", "valid choice"),
    ],
)
def test_clb_purchase_rules(client_a, account_a, overrides, field, message):
    vpc, vswitch, _ = lab1_provider(account_a)
    response = client_a.post(CLB_URL, clb_data(vpc, vswitch, **overrides))
    assert response.status_code == 200
    page = errors_of(response)
    assert f'id="field-{field}"' in page and message in page
    assert not ClbInstance.objects.exists()


def test_clb_purchase_creates_creating_then_active_with_a_vswitch_address(
    client_a, account_a, django_capture_on_commit_callbacks
):
    vpc, vswitch, _ = lab1_provider(account_a)
    with django_capture_on_commit_callbacks() as after_commit:
        response = client_a.post(CLB_URL, clb_data(vpc, vswitch))
    assert response.status_code == 302
    clb = ClbInstance.objects.get()
    assert clb.status == "Creating"  # the worker's step runs after the commit
    assert clb.address == "192.168.20.1" and clb.zone_ids == {"eu-central-1a", "eu-central-1b"}
    assert after_commit  # the step was enqueued; it runs now (tasks are eager in unit tests)
    for callback in after_commit:
        callback()
    clb.refresh_from_db()
    assert clb.status == "Active"


def test_clb_service_refuses_a_vswitch_outside_the_primary_zone(account_a):
    vpc = make_vpc(account_a, cidr="192.168.0.0/16")
    vswitch_a = make_vswitch(account_a, vpc, cidr="192.168.1.0/24", zone_id="eu-central-1a")
    with pytest.raises(ConsoleError, match="choose a vSwitch in the primary zone"):
        services.clb_create(
            account=account_a,
            region=vpc.region,
            zone=make_vswitch(account_a, vpc, cidr="192.168.2.0/24").zone,
            vpc=vpc,
            vswitch=vswitch_a,
            specification="slb.s1.small",
        )


def test_clb_of_another_accounts_vpc_is_refused_even_when_forged(client_b, account_a):
    vpc, vswitch, _ = lab1_provider(account_a)
    response = client_b.post(CLB_URL, clb_data(vpc, vswitch))
    assert response.status_code == 200 and "valid choice" in errors_of(response)
    assert not ClbInstance.objects.exists()


def test_clb_purchase_page_lists_the_fields_in_the_specs_order(client_a):
    page = client_a.get(CLB_URL).content.decode()
    page = page[page.index('class="console-form"') :]
    labels = [
        "Billing Method",
        "Region",
        "Zone Type",
        "Primary Zone",
        "Backup Zone",
        "Instance Name",
        "Specification",
        "SLB instance",
        "Network Type",
        "VPCId",
        "vSwitch",
        "IP Version",
        "Buy Now",
    ]
    positions = [
        page.index(f">{label}<") if label != "Buy Now" else page.index(label) for label in labels
    ]
    assert positions == sorted(positions)
    assert "Only Pay-As-You-Go instances support PrivateLink." in page
    assert '<option value="classic" disabled>Classic</option>' in page


@pytest.mark.parametrize(
    ("eligible", "kwargs", "reason"),
    [
        (True, {}, ""),
        (False, {"billing_method": "Subscription"}, "Pay-As-You-Go"),
        (False, {"address_type": "internet"}, "Intranet"),
    ],
)
def test_clb_privatelink_eligibility(account_a, eligible, kwargs, reason):
    vpc, vswitch, _ = lab1_provider(account_a)
    clb = make_clb(account_a, vpc, vswitch, **kwargs)
    assert clb.privatelink_eligible is eligible
    assert reason in clb.privatelink_ineligible_reason
    assert bool(clb.privatelink_ineligible_reason) is not eligible
    assert clb.is_active


def alb_data(vpc, vswitches, **overrides):
    h, i = vswitches
    data = {
        "region": "cn-hangzhou",
        "network_type": "Internal",
        "vpc": vpc.pk,
        "zone_cn_hangzhou_h": "on",
        "vswitch_cn_hangzhou_h": h.pk,
        "zone_cn_hangzhou_i": "on",
        "vswitch_cn_hangzhou_i": i.pk,
        "ip_mode": "Static",
        "edition": "Basic",
        "name": "alb-lab3",
        "resource_group": "Default Resource Group",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"zone_cn_hangzhou_i": None}, "zone_cn_hangzhou_h", "at least two zones"),
        ({"vswitch_cn_hangzhou_i": ""}, "vswitch_cn_hangzhou_i", "Choose a vSwitch in Hangzhou"),
        ({"name": "1alb"}, "name", "start with a letter"),
        ({"ip_mode": "Elastic"}, "ip_mode", "valid choice"),
    ],
)
def test_alb_purchase_rules(account_a, user_a, overrides, field, message):
    client = client_for(user_a, region="cn-hangzhou")
    vpc, vswitches, _ = lab3_provider(account_a)
    response = client.post(ALB_URL, alb_data(vpc, vswitches, **overrides))
    page = errors_of(response)
    assert f'id="field-{field}"' in page and message in page, page[-4000:]
    assert not AlbInstance.objects.exists()


def test_alb_vswitch_of_the_wrong_zone_is_not_offered(account_a, user_a):
    client = client_for(user_a, region="cn-hangzhou")
    vpc, (h, i), _ = lab3_provider(account_a)
    response = client.post(ALB_URL, alb_data(vpc, (i, h)))
    assert "valid choice" in errors_of(response)


def test_alb_purchase_maps_zones_and_addresses(account_a, user_a):
    client = client_for(user_a, region="cn-hangzhou")
    vpc, vswitches, _ = lab3_provider(account_a)
    assert client.post(ALB_URL, alb_data(vpc, vswitches)).status_code == 302
    alb = AlbInstance.objects.get()
    assert alb.status == "Provisioning"
    assert alb.zone_ids == {"cn-hangzhou-h", "cn-hangzhou-i"}
    assert sorted(alb.zone_mappings.values_list("address", flat=True)) == [
        "192.168.3.1",
        "192.168.5.1",
    ]
    assert alb.dns_name == f"{alb.pk}.cn-hangzhou.alb.aliyuncs.com"
    assert alb.privatelink_eligible


def test_alb_eligibility_needs_internal_and_static(account_a):
    from lb_factories import make_alb

    vpc, vswitches, _ = lab3_provider(account_a)
    alb = make_alb(account_a, vpc, vswitches, network_type="Internet", ip_mode="Dynamic")
    assert not alb.privatelink_eligible
    assert "Internal" in alb.privatelink_ineligible_reason
    assert "Static IP" in alb.privatelink_ineligible_reason


def sg_data(vpc, **overrides):
    data = {
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
    data.update(overrides)
    return data


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"name": "R"}, "name", "2 to 128 characters"),
        ({"health_check_interval": "0"}, "health_check_interval", "from 1 to 50"),
        ({"health_check_timeout": "301"}, "health_check_timeout", "from 1 to 300"),
        ({"healthy_threshold": "11"}, "healthy_threshold", "from 2 to 10"),
        ({"health_check_codes": []}, "health_check_codes", "at least one healthy status code"),
        ({"health_check_path": "status"}, "health_check_path", "must start with /"),
        (
            {"sticky_session_enabled": "on", "sticky_session_type": "Server"},
            "cookie_name",
            "Enter the cookie name",
        ),
        (
            {"sticky_session_enabled": "on", "cookie_timeout": "0"},
            "cookie_timeout",
            "from 1 to 86400",
        ),
    ],
)
def test_server_group_rules(client_a, account_a, overrides, field, message):
    vpc = make_vpc(account_a, cidr="192.168.0.0/16")
    page = errors_of(client_a.post(SG_URL, sg_data(vpc, **overrides)))
    assert f'id="field-{field}"' in page and message in page
    assert not AlbServerGroup.objects.exists()


def test_server_group_with_defaults_and_session_persistence(client_a, account_a):
    vpc = make_vpc(account_a, cidr="192.168.0.0/16")
    data = sg_data(vpc, sticky_session_enabled="on", sticky_session_type="Insert")
    assert client_a.post(SG_URL, data).status_code == 302
    group = AlbServerGroup.objects.get()
    assert group.sticky_session_enabled and group.cookie_timeout == 1000
    assert group.health_check_codes == "http_2xx,http_3xx"
    assert (group.health_check_interval, group.health_check_timeout) == (2, 5)


def test_add_backend_server_checks_port_weight_and_vpc(client_a, account_a, account_b):
    from lb_factories import make_server_group

    vpc, _, (ecs2, ecs3) = lab1_provider(account_a)
    group = make_server_group(account_a, vpc)
    url = f"/loadbalancer/server-groups/{group.pk}/backends/add/"
    page = client_a.get(url).content.decode()
    assert ecs2.pk in page and "Next" in page
    page = client_a.post(url, {"instances": [ecs2.pk], "stage": "select"}).content.decode()
    assert 'name="port_' in page and 'value="100"' in page
    bad = {"instances": [ecs2.pk], "stage": "ports", f"port_{ecs2.pk}": "0"}
    assert "Enter a port from 1 to 65535." in client_a.post(url, bad).content.decode()
    bad = {
        "instances": [ecs2.pk],
        "stage": "ports",
        f"port_{ecs2.pk}": "80",
        f"weight_{ecs2.pk}": "101",
    }
    assert "The weight must be from 0 to 100." in client_a.post(url, bad).content.decode()
    foreign_vpc = make_vpc(account_b, cidr="10.0.0.0/8")
    from factories import make_instance

    foreign = make_instance(account_b, make_vswitch(account_b, foreign_vpc, cidr="10.0.0.0/24"))
    forged = {"instances": [foreign.pk], "stage": "ports", f"port_{foreign.pk}": "80"}
    assert (
        "is not an ECS instance of the server group" in client_a.post(url, forged).content.decode()
    )
    assert not group.backends.exists()
    ok = {
        "instances": [ecs2.pk, ecs3.pk],
        "stage": "ports",
        f"port_{ecs2.pk}": "80",
        f"port_{ecs3.pk}": "80",
        f"weight_{ecs2.pk}": "100",
        f"weight_{ecs3.pk}": "50",
    }
    assert client_a.post(url, ok).status_code == 302
    assert sorted(group.backends.values_list("weight", flat=True)) == [50, 100]
