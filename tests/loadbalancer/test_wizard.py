"""The CLB four-step listener wizard and the ALB three-step wizard, through the pages."""

import re

import pytest
from lb_factories import lab1_provider, lab3_provider, make_alb, make_clb, make_server_group

from factories import client_for, make_instance, make_vpc, make_vswitch
from loadbalancer.models import AlbListener, ClbBackend, ClbListener


@pytest.fixture
def lab1(account_a):
    vpc, vswitch, instances = lab1_provider(account_a)
    return make_clb(account_a, vpc, vswitch), instances


def start(client, clb):
    response = client.get(f"/loadbalancer/clb-instances/{clb.pk}/listeners/create/")
    assert response.status_code == 302
    return response["Location"].rsplit("/", 2)[0]  # .../wizard/<token>


def walk_to_confirm(client, base, instances, port="80"):
    r = client.post(f"{base}/protocol/", {"protocol": "TCP", "port": port, "name": "web"})
    assert r["Location"].endswith("/servers/")
    r = client.post(f"{base}/servers/", {"action": "add"})
    assert r["Location"].endswith("/my-servers/")
    r = client.post(f"{base}/my-servers/", {"instances": [i.pk for i in instances]})
    assert r["Location"].endswith("/weights/")
    r = client.post(f"{base}/weights/", {f"weight_{i.pk}": "100" for i in instances})
    assert r["Location"].endswith("/servers/")
    r = client.post(
        f"{base}/servers/", {"action": "next", **{f"port_{i.pk}": "80" for i in instances}}
    )
    assert r["Location"].endswith("/health/"), r.content.decode()[:2000]
    r = client.post(
        f"{base}/health/",
        {
            "health_check_enabled": "on",
            "health_check_protocol": "TCP",
            "health_check_path": "/",
            "health_check_codes": ["http_2xx", "http_3xx"],
            "health_check_interval": "2",
            "healthy_threshold": "3",
            "unhealthy_threshold": "3",
        },
    )
    assert r["Location"].endswith("/confirm/")


def test_forward_creates_the_listener_only_on_submit(client_a, lab1):
    clb, instances = lab1
    base = start(client_a, clb)
    walk_to_confirm(client_a, base, instances)
    assert not ClbListener.objects.exists()
    page = client_a.get(f"{base}/confirm/").content.decode()
    assert "ECS2" in page and "ECS3" in page and "Submit" in page
    r = client_a.post(f"{base}/confirm/")
    assert r["Location"].endswith("/done/")
    listener = ClbListener.objects.get()
    assert (listener.protocol, listener.port, listener.name) == ("TCP", 80, "web")
    backends = listener.backends.order_by("instance__name")
    assert [(b.instance.name, b.weight, b.port) for b in backends] == [
        ("ECS2", 100, 80),
        ("ECS3", 100, 80),
    ]
    done = client_a.get(f"{base}/done/").content.decode()
    assert ">OK</a>" in done and "/loadbalancer/clb-instances/" in done


def test_double_submit_creates_one_listener(client_a, lab1):
    clb, instances = lab1
    base = start(client_a, clb)
    walk_to_confirm(client_a, base, instances)
    client_a.post(f"{base}/confirm/")
    r = client_a.post(f"{base}/confirm/")
    assert r["Location"].endswith("/done/")
    assert ClbListener.objects.count() == 1
    assert ClbBackend.objects.count() == 2


def test_back_and_refresh_keep_what_was_entered(client_a, lab1):
    clb, instances = lab1
    base = start(client_a, clb)
    walk_to_confirm(client_a, base, instances, port="8080")
    page = client_a.get(f"{base}/protocol/").content.decode()  # Previous … Previous
    assert 'value="8080"' in page and 'value="web"' in page
    page = client_a.get(f"{base}/servers/").content.decode()
    assert page.count('value="80"') == 2 and "ECS2" in page
    page = client_a.get(f"{base}/health/").content.decode()  # a refresh mid-way
    assert 'name="health_check_interval" value="2"' in page


def test_steps_cannot_be_skipped(client_a, lab1):
    clb, _ = lab1
    base = start(client_a, clb)
    assert client_a.get(f"{base}/confirm/")["Location"].endswith("/protocol/")
    assert client_a.post(f"{base}/confirm/")["Location"].endswith("/protocol/")
    assert not ClbListener.objects.exists()


def test_each_step_validates(client_a, lab1, account_a):
    clb, instances = lab1
    base = start(client_a, clb)
    page = client_a.post(f"{base}/protocol/", {"protocol": "TCP", "port": "70000"}).content
    assert "Enter a port from 1 to 65535." in page.decode()
    client_a.post(f"{base}/protocol/", {"protocol": "TCP", "port": "80"})
    page = client_a.post(f"{base}/servers/", {"action": "next"}).content.decode()
    assert "Add at least one server" in page
    page = client_a.post(f"{base}/my-servers/", {}).content.decode()
    assert "Select at least one server." in page
    client_a.post(f"{base}/my-servers/", {"instances": [instances[0].pk]})
    page = client_a.post(f"{base}/weights/", {f"weight_{instances[0].pk}": "101"}).content
    assert "The weight must be from 0 to 100." in page.decode()
    client_a.post(f"{base}/weights/", {f"weight_{instances[0].pk}": "0"})
    page = client_a.post(
        f"{base}/servers/", {"action": "next", f"port_{instances[0].pk}": ""}
    ).content.decode()
    assert "Enter a port from 1 to 65535." in page
    client_a.post(f"{base}/servers/", {"action": "next", f"port_{instances[0].pk}": "80"})
    page = client_a.post(
        f"{base}/health/",
        {
            "health_check_protocol": "TCP",
            "health_check_interval": "51",
            "healthy_threshold": "1",
            "unhealthy_threshold": "11",
        },
    ).content.decode()
    assert "The health check interval must be from 1 to 50." in page
    assert page.count("The threshold must be from 2 to 10.") == 2
    assert not ClbListener.objects.exists()


def test_listener_port_is_unique_per_instance_and_protocol_family(client_a, lab1):
    clb, instances = lab1
    base = start(client_a, clb)
    walk_to_confirm(client_a, base, instances)
    client_a.post(f"{base}/confirm/")
    base = start(client_a, clb)
    page = client_a.post(f"{base}/protocol/", {"protocol": "HTTP", "port": "80"}).content
    assert "Port 80 is already used by a TCP/HTTP/HTTPS listener" in page.decode()
    r = client_a.post(f"{base}/protocol/", {"protocol": "UDP", "port": "80"})
    assert r.status_code == 302


def test_servers_of_another_vpc_or_account_cannot_be_chosen(client_a, lab1, account_a, account_b):
    clb, _ = lab1
    other_vpc = make_vpc(account_a, cidr="10.10.0.0/16", name="VPC1")
    ecs1 = make_instance(account_a, make_vswitch(account_a, other_vpc), name="ECS1")
    foreign_vpc = make_vpc(account_b, cidr="192.168.0.0/16")
    foreign = make_instance(account_b, make_vswitch(account_b, foreign_vpc, cidr="192.168.20.0/24"))
    base = start(client_a, clb)
    client_a.post(f"{base}/protocol/", {"protocol": "TCP", "port": "80"})
    page = client_a.get(f"{base}/my-servers/").content.decode()
    assert ecs1.pk not in page and foreign.pk not in page
    for forged in (ecs1, foreign):
        r = client_a.post(f"{base}/my-servers/", {"instances": [forged.pk]})
        assert r.status_code == 200
        assert "is not an ECS instance of the CLB" in r.content.decode()


def test_an_abandoned_wizard_leaves_nothing(client_a, lab1):
    clb, instances = lab1
    base = start(client_a, clb)
    walk_to_confirm(client_a, base, instances)
    # A new wizard starts empty; the old one never wrote anything.
    page = client_a.get(start(client_a, clb) + "/protocol/").content.decode()
    assert 'value="web"' not in page
    assert not ClbListener.objects.exists() and not ClbBackend.objects.exists()


def test_another_account_cannot_use_the_wizard_token(client_a, client_b, lab1):
    clb, _ = lab1
    base = start(client_a, clb)
    assert client_b.get(f"{base}/protocol/").status_code == 404


def test_alb_listener_wizard(account_a, user_a):
    client = client_for(user_a, region="cn-hangzhou")
    vpc, vswitches, instances = lab3_provider(account_a)
    alb = make_alb(account_a, vpc, vswitches)
    group = make_server_group(account_a, vpc, instances=instances)
    other = make_server_group(account_a, make_vpc(account_a, cidr="10.0.0.0/8"), name="Other")
    r = client.get(f"/loadbalancer/alb-instances/{alb.pk}/listeners/create/")
    base = r["Location"].rsplit("/", 2)[0]
    page = client.get(f"{base}/listener/").content.decode()
    assert "Advanced Settings" in page and "Modify" in page
    data = {
        "protocol": "HTTP",
        "port": "80",
        "name": "web",
        "idle_timeout": "61",
        "request_timeout": "60",
    }
    page = client.post(f"{base}/listener/", data).content.decode()
    assert "The idle timeout must be from 1 to 60." in page
    data["idle_timeout"] = "15"
    assert client.post(f"{base}/listener/", data)["Location"].endswith("/server-group/")
    page = client.get(f"{base}/server-group/").content.decode()
    assert group.pk in page and other.pk not in page
    r = client.post(f"{base}/server-group/", {"server_group": other.pk})
    assert r.status_code == 200  # not a choice
    client.post(f"{base}/server-group/", {"server_group": group.pk})
    assert not AlbListener.objects.exists()
    assert client.post(f"{base}/confirm/")["Location"].endswith("/done/")
    client.post(f"{base}/confirm/")
    listener = AlbListener.objects.get()
    assert (listener.port, listener.server_group_id, listener.status) == (
        80,
        group.pk,
        "Provisioning",
    )
    done = client.get(f"{base}/done/").content.decode()
    assert "ALB Configuration Wizard" in done and re.search(r">OK</a>", done)
