"""Health checks through a real Celery worker and Redis: stop an instance → Abnormal,
start it → Normal. The test sends what beat sends every HEALTH_CHECK_TICK seconds."""

import pytest
from django.conf import settings
from lb_factories import (
    lab1_provider,
    lab3_provider,
    make_clb,
    make_clb_listener,
    make_server_group,
)

from console import services as console_services
from loadbalancer.models import AlbBackend, ClbBackend
from loadbalancer.tasks import health_check_tick

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def health_of(model, **filters):
    return set(model.objects.filter(**filters).values_list("health_status", flat=True))


def ticking(predicate):
    """A predicate for ``wait_until`` that first sends beat's tick."""

    def check():
        health_check_tick.delay()
        return predicate()

    return check


def test_clb_backend_turns_abnormal_when_its_instance_stops_and_normal_again(
    celery_worker, account_a, wait_until
):
    vpc, vswitch, (ecs2, ecs3) = lab1_provider(account_a)
    clb = make_clb(account_a, vpc, vswitch)
    listener = make_clb_listener(account_a, clb, [ecs2, ecs3])
    wait_until(
        ticking(lambda: health_of(ClbBackend, listener=listener) == {"Normal"}),
        timeout=20,
        interval=0.5,
    )
    console_services.ecs_instance_stop(account=account_a, instance=ecs2)
    wait_until(
        ticking(lambda: health_of(ClbBackend, instance=ecs2) == {"Abnormal"}),
        timeout=20,
        interval=0.5,
    )
    assert health_of(ClbBackend, instance=ecs3) == {"Normal"}
    ecs2.refresh_from_db()
    console_services.ecs_instance_start(account=account_a, instance=ecs2)
    wait_until(
        ticking(lambda: health_of(ClbBackend, instance=ecs2) == {"Normal"}),
        timeout=20,
        interval=0.5,
    )


def test_alb_backend_turns_unhealthy_when_its_service_is_removed(
    celery_worker, account_a, wait_until
):
    vpc, _, (ecs03, ecs04) = lab3_provider(account_a)
    group = make_server_group(account_a, vpc, instances=[ecs03, ecs04])
    wait_until(
        ticking(lambda: health_of(AlbBackend, server_group=group) == {"Healthy"}),
        timeout=20,
        interval=0.5,
    )
    console_services.ecs_instance_set_service(
        account=account_a, instance=ecs03, service="none", service_port=80, page_body=""
    )
    wait_until(
        ticking(lambda: health_of(AlbBackend, instance=ecs03) == {"Unhealthy"}),
        timeout=20,
        interval=0.5,
    )
    assert health_of(AlbBackend, instance=ecs04) == {"Healthy"}


def test_health_checks_are_scheduled_by_beat():
    entry = settings.CELERY_BEAT_SCHEDULE["health-check-tick"]
    assert entry["task"] == "loadbalancer.tasks.health_check_tick"
    assert entry["schedule"] == settings.HEALTH_CHECK_TICK <= 2
