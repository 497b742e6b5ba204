"""Provisioning through a real Celery worker and a real Redis, and recovery after a crash."""

import json
import re

import pytest
import redis
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


ADVANCE = "console.tasks.advance_resource"


def held_by_worker(worker, pk):
    """IDs of the ``advance_resource`` tasks of ``pk`` the worker holds until their ETA."""
    inspect = worker.app.control.inspect(destination=[worker.hostname], timeout=1)
    entries = (inspect.scheduled() or {}).get(worker.hostname, [])
    return [
        e["request"]["id"]
        for e in entries
        if e["request"]["name"] == ADVANCE and pk in repr(e["request"]["args"])
    ]


def unacknowledged(worker, pk):
    """IDs of the ``advance_resource`` messages of ``pk`` delivered but never acknowledged:
    what the broker keeps for redelivery (after its visibility timeout) of a crashed worker."""
    client = redis.Redis.from_url(worker.env["REDIS_URL"])
    try:
        messages = [json.loads(raw)[0] for raw in client.hvals("unacked")]
    finally:
        client.close()
    return [
        m["headers"]["id"]
        for m in messages
        if m["headers"]["task"] == ADVANCE and pk in m["headers"]["argsrepr"]
    ]


def reconciler_steps(worker, task_id):
    """The steps the reconciler task ``task_id`` reported (its return value, as the worker
    logs it), or None while it has not finished."""
    pattern = re.compile(
        rf"reconcile_stuck_resources\[{re.escape(task_id)}\] succeeded in [0-9.e-]+s: (\d+)"
    )
    match = pattern.search(worker.log_path.read_text(errors="replace"))
    return int(match.group(1)) if match else None


# The step is held for a minute: the crash always comes while the worker holds it, and only
# the reconciler (RECONCILE_AFTER 0: anything transitional counts as stuck) can finish it.
@pytest.mark.parametrize(
    ("worker_provision_delay", "celery_worker_env"), [(60.0, {"RECONCILE_AFTER": "0"})]
)
def test_killed_worker_leaves_nothing_stuck(celery_worker, account_a, wait_until):
    instance = create_instance(account_a)
    held = wait_until(lambda: held_by_worker(celery_worker, instance.pk), timeout=20)
    assert status_of(EcsInstance, instance.pk) == "Pending"

    celery_worker.kill()
    assert not celery_worker.alive
    # The crashed worker took its step with it: the broker holds it unacknowledged, and
    # nothing else will run it before its visibility timeout (an hour).
    assert unacknowledged(celery_worker, instance.pk) == held
    assert status_of(EcsInstance, instance.pk) == "Pending"

    celery_worker.restart()
    # What beat sends every RECONCILE_INTERVAL seconds; here sent once, by hand.
    task_id = reconcile_stuck_resources.delay().id
    wait_until(lambda: reconciler_steps(celery_worker, task_id) is not None, timeout=20)

    # The reconciler took both steps (Pending → Starting → Running) itself; the killed task
    # never ran: its message is still the broker's, unacknowledged (beside the no-op step the
    # reconciler scheduled on its way, which the new worker now holds).
    assert reconciler_steps(celery_worker, task_id) == 2
    assert status_of(EcsInstance, instance.pk) == "Running"
    history = Event.objects.filter(resource_id=instance.pk).order_by("created_at", "id")
    assert list(history.values_list("to_state", flat=True)) == ["Pending", "Starting", "Running"]
    assert set(held) <= set(unacknowledged(celery_worker, instance.pk))


def test_reconciler_is_scheduled_by_beat():
    entry = settings.CELERY_BEAT_SCHEDULE["reconcile-stuck-resources"]
    assert entry["task"] == "console.tasks.reconcile_stuck_resources"
    assert entry["schedule"] == settings.RECONCILE_INTERVAL
