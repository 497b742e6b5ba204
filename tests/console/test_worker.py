"""Provisioning through a real Celery worker and a real Redis, and recovery after a crash."""

import time

import pytest
from django.conf import settings

from console import services
from console.models import EcsInstance, Event, Vpc
from console.tasks import reconcile_stuck_resources
from factories import make_security_group, make_vpc, make_vswitch, region, zone

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def status_of(model, pk):
    return model.objects.filter(pk=pk).values_list("status", flat=True).first()


def create_instance(account):
    vpc = make_vpc(account)
    vswitch = make_vswitch(account, vpc)
    group = make_security_group(account, vpc)
    return services.ecs_instance_create(
        account=account,
        zone=zone(),
        vpc=vpc,
        vswitch=vswitch,
        name="ECS2",
        image="aliyun_3",
        security_groups=[group],
        service="nginx",
    )


def test_worker_provisions_vpc_and_instance(celery_worker, account_a, wait_until):
    vpc = services.vpc_create(account=account_a, region=region(), cidr_block="192.168.0.0/16")
    assert vpc.status == "Pending"
    wait_until(lambda: status_of(Vpc, vpc.pk) == "Available", timeout=15)

    instance = create_instance(account_a)
    assert instance.status == "Pending"
    seen = set()

    def running():
        seen.add(status_of(EcsInstance, instance.pk))
        return "Running" in seen

    wait_until(running, timeout=20, interval=0.02)
    history = Event.objects.filter(resource_id=instance.pk).order_by("created_at", "id")
    assert list(history.values_list("to_state", flat=True)) == ["Pending", "Starting", "Running"]

    services.ecs_instance_stop(account=account_a, instance=instance)
    wait_until(lambda: status_of(EcsInstance, instance.pk) == "Stopped", timeout=15)


@pytest.mark.parametrize(
    ("worker_provision_delay", "celery_worker_env"), [(4.0, {"RECONCILE_AFTER": "1"})]
)
def test_killed_worker_leaves_nothing_stuck(celery_worker, account_a, wait_until):
    instance = create_instance(account_a)
    time.sleep(1.0)  # the worker has fetched the delayed step and holds it
    celery_worker.kill()
    assert not celery_worker.alive
    time.sleep(4.5)  # long past the step's delay: without the reconciler it would stay
    assert status_of(EcsInstance, instance.pk) == "Pending"

    celery_worker.restart()
    # What beat sends every RECONCILE_INTERVAL seconds; here sent once, by hand.
    reconcile_stuck_resources.delay()
    wait_until(lambda: status_of(EcsInstance, instance.pk) == "Running", timeout=20)


def test_reconciler_is_scheduled_by_beat():
    entry = settings.CELERY_BEAT_SCHEDULE["reconcile-stuck-resources"]
    assert entry["task"] == "console.tasks.reconcile_stuck_resources"
    assert entry["schedule"] == settings.RECONCILE_INTERVAL
