"""Health checks: the probe's verdicts, thresholds, Unavailable, events; delete guards."""

import pytest
from lb_factories import (
    lab1_provider,
    lab3_provider,
    make_alb,
    make_alb_listener,
    make_clb,
    make_clb_listener,
    make_server_group,
)

from console import lifecycle
from console import services as console_services
from console.errors import ConsoleError
from console.models import Event
from factories import settle
from loadbalancer import health, selectors, services
from loadbalancer.models import AlbBackend, ClbBackend
from loadbalancer.scheduling import Scheduler


@pytest.fixture
def lab1(account_a):
    vpc, vswitch, instances = lab1_provider(account_a)
    clb = make_clb(account_a, vpc, vswitch)
    listener = make_clb_listener(account_a, clb, instances)
    return clb, listener, instances


def rounds(listener, n):
    for _ in range(n):
        health.check_clb_listener(listener.pk)


def statuses(listener):
    return list(listener.backends.order_by("id").values_list("health_status", flat=True))


def test_backends_start_abnormal_and_turn_normal_after_the_healthy_threshold(lab1):
    _, listener, _ = lab1
    assert statuses(listener) == ["Abnormal", "Abnormal"]
    rounds(listener, 1)
    assert statuses(listener) == ["Abnormal", "Abnormal"]  # 1 success of 2 needed
    rounds(listener, 1)
    assert statuses(listener) == ["Normal", "Normal"]
    assert listener.backends.first().last_probe_reason.startswith("TCP connection to port 80")


def test_stopping_an_instance_turns_its_backend_abnormal_and_starting_brings_it_back(
    lab1, account_a
):
    clb, listener, (ecs2, _) = lab1
    rounds(listener, 2)
    settle(console_services.ecs_instance_stop(account=account_a, instance=ecs2))
    rounds(listener, 1)
    assert statuses(listener) == ["Normal", "Normal"]  # one failure is below the threshold
    rounds(listener, 1)
    assert statuses(listener) == ["Abnormal", "Normal"]
    backend = listener.backends.get(instance=ecs2)
    assert backend.last_probe_reason == "The instance is Stopped."
    assert Event.objects.filter(resource_id=clb.pk, to_state="Abnormal").count() == 1
    settle(console_services.ecs_instance_start(account=account_a, instance=ecs2))
    rounds(listener, 2)
    assert statuses(listener) == ["Normal", "Normal"]


def test_removing_the_service_or_a_wrong_port_fails_the_probe(lab1, account_a):
    _, listener, (ecs2, ecs3) = lab1
    console_services.ecs_instance_set_service(
        account=account_a, instance=ecs2, service="none", service_port=80, page_body=""
    )
    console_services.ecs_instance_set_service(
        account=account_a, instance=ecs3, service="nginx", service_port=8080, page_body=""
    )
    ok2, why2 = health.probe(listener.backends.select_related("instance").get(instance=ecs2))
    ok3, why3 = health.probe(listener.backends.select_related("instance").get(instance=ecs3))
    assert (ok2, ok3) == (False, False)
    assert "no service is deployed" in why2
    assert "listens on port 8080" in why3


def test_http_check_honours_the_healthy_codes(account_a):
    vpc, vswitch, instances = lab1_provider(account_a)
    clb = make_clb(account_a, vpc, vswitch)
    listener = make_clb_listener(
        account_a,
        clb,
        instances,
        health_check_protocol="HTTP",
        health_check_codes=["http_4xx"],
    )
    ok, why = health.probe(listener.backends.select_related("instance").first())
    assert not ok and "HTTP 200" in why and "4xx" in why


def test_stopped_listener_makes_backends_unavailable_and_is_not_probed(lab1, account_a):
    _, listener, _ = lab1
    services.clb_listener_stop(account=account_a, listener=listener)
    assert statuses(listener) == ["Unavailable", "Unavailable"]
    assert health.check_clb_listener(listener.pk) == (0, 0)
    listener_ids, _ = health.due()
    assert listener.pk not in listener_ids
    with pytest.raises(ConsoleError, match="only a Running listener"):
        services.clb_listener_stop(account=account_a, listener=listener)
    services.clb_listener_start(account=account_a, listener=listener)
    assert statuses(listener) == ["Abnormal", "Abnormal"]
    rounds(listener, 2)
    assert statuses(listener) == ["Normal", "Normal"]


def test_health_check_off_means_unavailable_and_schedulable(account_a):
    vpc, vswitch, instances = lab1_provider(account_a)
    clb = make_clb(account_a, vpc, vswitch)
    listener = make_clb_listener(account_a, clb, instances, health_check_enabled=False)
    assert statuses(listener) == ["Unavailable", "Unavailable"]
    candidates = selectors.clb_listener_candidates(listener)
    assert all(c.healthy for c in candidates)


def test_due_claims_each_listener_once_per_interval(lab1):
    _, listener, _ = lab1
    listener.refresh_from_db()
    from django.utils import timezone

    now = timezone.now() + timezone.timedelta(seconds=5)
    assert listener.pk in health.due(now)[0]
    assert listener.pk not in health.due(now)[0]
    assert listener.pk in health.due(now + timezone.timedelta(seconds=1.5))[0]


def test_scheduler_only_sends_to_normal_backends(lab1, account_a):
    _, listener, (ecs2, ecs3) = lab1
    rounds(listener, 2)
    console_services.ecs_instance_stop(account=account_a, instance=ecs2)
    rounds(listener, 2)
    scheduler = Scheduler()
    keys = {
        scheduler.pick("wrr", selectors.clb_listener_candidates(listener), scope="x").candidate.key
        for _ in range(10)
    }
    assert keys == {f"{ecs3.pk}:80"}


def test_alb_server_group_backends_turn_healthy_and_unhealthy(account_a):
    vpc, vswitches, (ecs03, ecs04) = lab3_provider(account_a)
    group = make_server_group(account_a, vpc, instances=[ecs03, ecs04])
    assert set(group.backends.values_list("status", flat=True)) == {"Available"}
    for _ in range(2):
        health.check_server_group(group.pk)
    assert set(group.backends.values_list("health_status", flat=True)) == {"Healthy"}
    alb = make_alb(account_a, vpc, vswitches)
    listener = make_alb_listener(account_a, alb, group)
    assert listener.status == "Running"
    [row] = selectors.alb_listeners(alb=alb)
    assert (row.backend_total, row.unhealthy_count) == (2, 0)
    console_services.ecs_instance_stop(account=account_a, instance=ecs03)
    for _ in range(2):
        health.check_server_group(group.pk)
    assert group.backends.get(instance=ecs03).health_status == AlbBackend.Health.UNHEALTHY
    [row] = selectors.alb_listeners(alb=alb)
    assert row.unhealthy_count == 1


def test_deleting_an_instance_that_is_a_backend_is_refused(lab1, account_a):
    clb, _, (ecs2, _) = lab1
    with pytest.raises(ConsoleError, match=f"it is a backend server of CLB {clb.pk}"):
        console_services.ecs_instance_delete(account=account_a, instance=ecs2)


def test_deleting_an_instance_of_a_server_group_is_refused(account_a):
    vpc, _, (ecs03, _) = lab3_provider(account_a)
    group = make_server_group(account_a, vpc, instances=[ecs03])
    with pytest.raises(ConsoleError, match=f"server group {group.pk}"):
        console_services.ecs_instance_delete(account=account_a, instance=ecs03)


def test_server_group_used_by_a_listener_cannot_be_deleted(account_a):
    vpc, vswitches, instances = lab3_provider(account_a)
    group = make_server_group(account_a, vpc, instances=instances)
    listener = make_alb_listener(account_a, make_alb(account_a, vpc, vswitches), group)
    with pytest.raises(ConsoleError, match=listener.pk):
        services.server_group_delete(account=account_a, group=group)


def test_removing_a_backend_goes_through_removing(account_a):
    vpc, _, (ecs03, _) = lab3_provider(account_a)
    group = make_server_group(account_a, vpc, instances=[ecs03])
    backend = group.backends.get()
    services.alb_backend_remove(account=account_a, backend=backend)
    assert AlbBackend.objects.get(pk=backend.pk).status == "Removing"
    lifecycle.advance(AlbBackend, backend.pk, "Removing")
    assert not AlbBackend.objects.filter(pk=backend.pk).exists()


def test_clb_delete_releases_its_address(lab1, account_a):
    clb, _, _ = lab1
    services.clb_delete(account=account_a, instance=clb)
    assert not ClbBackend.objects.exists()
    assert not clb.vswitch.private_ips.filter(holder_id=clb.pk).exists()
