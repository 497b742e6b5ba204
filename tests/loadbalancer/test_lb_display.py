"""Where the walkthroughs look: the CLB list's Port/Health Check/Backend Server column (live),
the ALB list's Create Listener, and the neutral "Checking" of a backend no probe has decided."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from lb_factories import (
    lab1_provider,
    lab3_provider,
    make_alb,
    make_clb,
    make_clb_listener,
    make_server_group,
)

from console import services as console_services
from factories import settle
from loadbalancer import health, services
from loadbalancer.models import AlbBackend, ClbBackend

LIST = reverse("loadbalancer:clb-instances-list")


@pytest.fixture
def provider(account_a):
    vpc, vswitch, instances = lab1_provider(account_a)
    return vpc, vswitch, instances


def health_cell(body, clb):
    row = re.search(rf'<tr id="row-{clb.pk}".*?</tr>', body, re.S).group(0)
    return row


def test_clb_list_says_configure_until_a_listener_exists(client_a, account_a, provider):
    vpc, vswitch, _ = provider
    clb = make_clb(account_a, vpc, vswitch)
    body = client_a.get(LIST).content.decode()
    assert "Port/Health Check/Backend Server" in body
    configure = reverse("loadbalancer:clb-instances-listener-create", kwargs={"pk": clb.pk})
    assert f'href="{configure}">Configure</a>' in health_cell(body, clb)


def test_clb_list_shows_each_listener_checking_then_normal_then_abnormal(
    client_a, account_a, provider
):
    vpc, vswitch, (ecs2, _) = provider
    clb = make_clb(account_a, vpc, vswitch)
    listener = make_clb_listener(account_a, clb, provider[2])
    row = health_cell(client_a.get(LIST).content.decode(), clb)
    assert 'data-listener="TCP:80"' in row
    assert 'data-status="Checking"' in row
    # The row keeps asking for news while a probe has still to decide.
    assert "fragment=row" in row
    fragment = reverse("loadbalancer:clb-instances-detail", kwargs={"pk": clb.pk})
    response = client_a.get(f"{fragment}?fragment=row", HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and b'data-status="Checking"' in response.content

    for _ in range(listener.healthy_threshold):
        health.check_clb_listener(listener.pk)
    row = health_cell(client_a.get(LIST).content.decode(), clb)
    assert 'data-status="Normal"' in row
    # Still live: the health check goes on, and so does the row.
    response = client_a.get(f"{fragment}?fragment=row", HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and b'data-status="Normal"' in response.content

    settle(console_services.ecs_instance_stop(account=account_a, instance=ecs2))
    for _ in range(listener.unhealthy_threshold):
        health.check_clb_listener(listener.pk)
    response = client_a.get(f"{fragment}?fragment=row", HTTP_HX_REQUEST="true")
    assert b'data-status="Abnormal"' in response.content
    row = health_cell(client_a.get(LIST).content.decode(), clb)
    assert 'data-status="Abnormal"' in row

    services.clb_listener_stop(account=account_a, listener=listener)
    response = client_a.get(f"{fragment}?fragment=row", HTTP_HX_REQUEST="true")
    assert response.status_code == 286  # no health check runs: the row stops polling


def test_clb_list_queries_do_not_grow_with_listeners(client_a, account_a, provider):
    vpc, vswitch, instances = provider
    clb = make_clb(account_a, vpc, vswitch, name="one")
    make_clb_listener(account_a, clb, instances)
    client_a.get(LIST)
    with CaptureQueriesContext(connection) as one:
        client_a.get(LIST)
    for n in range(3):
        other = make_clb(account_a, vpc, vswitch, name=f"more{n}")
        make_clb_listener(account_a, other, instances, port=81 + n)
    with CaptureQueriesContext(connection) as four:
        client_a.get(LIST)
    assert len(four) == len(one), [q["sql"] for q in four.captured_queries]


def test_a_backend_is_checking_until_a_probe_fails_or_it_turns_normal(account_a, provider):
    vpc, vswitch, instances = provider
    listener = make_clb_listener(account_a, make_clb(account_a, vpc, vswitch), instances)
    backend = listener.backends.first()
    assert backend.health_status == ClbBackend.Health.ABNORMAL  # the stored initial state
    assert backend.health_label == "Checking"
    health.check_clb_listener(listener.pk)  # one success of two needed
    backend.refresh_from_db()
    assert backend.health_label == "Checking"
    health.check_clb_listener(listener.pk)
    backend.refresh_from_db()
    assert backend.health_label == "Normal"
    backend.health_status, backend.consecutive_failed = ClbBackend.Health.ABNORMAL, 1
    assert backend.health_label == "Abnormal"


def test_new_alb_backends_show_checking_not_unhealthy(client_a, account_a):
    vpc, (vsw_h, vsw_i), (ecs03, ecs04) = lab3_provider(account_a)
    group = make_server_group(account_a, vpc, instances=[ecs03, ecs04])
    client_a.post(reverse("console:switch-region"), {"region": "cn-hangzhou", "next": "/"})
    tab = reverse("loadbalancer:server-groups-tab", kwargs={"pk": group.pk, "tab": "backends"})
    body = client_a.get(tab).content.decode()
    assert body.count('data-status="Checking"') == 2
    assert 'data-status="Unhealthy"' not in body
    AlbBackend.objects.filter(server_group=group).update(consecutive_failed=1)
    body = client_a.get(tab).content.decode()
    assert body.count('data-status="Unhealthy"') == 2


def test_alb_list_offers_create_listener(client_a, account_a):
    vpc, (vsw_h, vsw_i), _ = lab3_provider(account_a)
    alb = make_alb(account_a, vpc, [vsw_h, vsw_i])
    client_a.post(reverse("console:switch-region"), {"region": "cn-hangzhou", "next": "/"})
    body = client_a.get(reverse("loadbalancer:alb-instances-list")).content.decode()
    create = reverse("loadbalancer:alb-instances-listener-create", kwargs={"pk": alb.pk})
    row = health_cell(body, alb)
    assert f'href="{create}"' in row and ">Create Listener<" in row


def test_a_backend_leaving_checking_tells_the_open_pages(
    account_a, provider, django_capture_on_commit_callbacks
):
    """Checking → Abnormal is no flip (no event), yet the list shows it: the probe says so."""
    from console import live

    vpc, vswitch, (ecs2, _) = provider
    clb = make_clb(account_a, vpc, vswitch)
    listener = make_clb_listener(account_a, clb, provider[2])
    settle(console_services.ecs_instance_stop(account=account_a, instance=ecs2))
    before = live.versions([account_a.pk])
    with django_capture_on_commit_callbacks(execute=True):
        health.check_clb_listener(listener.pk)  # one failed probe: ECS2 Checking → Abnormal
    assert ClbBackend.objects.get(instance=ecs2).health_label == ClbBackend.Health.ABNORMAL
    assert live.versions([account_a.pk])[0] > before[0]
    for _ in range(listener.healthy_threshold):  # ECS3 turns Normal (a flip, an event)
        with django_capture_on_commit_callbacks(execute=True):
            health.check_clb_listener(listener.pk)
    before = live.versions([account_a.pk])
    with django_capture_on_commit_callbacks(execute=True):
        health.check_clb_listener(listener.pk)  # nothing shown changes: the pages stay quiet
    assert live.versions([account_a.pk]) == before
