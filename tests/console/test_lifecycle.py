"""The lifecycle is idempotent: a step run twice, or late, ends in the same state."""

from console import lifecycle
from console.models import EcsInstance, Event
from factories import make_instance, make_vpc, make_vswitch


def test_advance_twice_with_the_same_expected_state_moves_once(account_a):
    vswitch = make_vswitch(account_a, make_vpc(account_a))
    instance = make_instance(account_a, vswitch, settle_=False)
    lifecycle.advance(EcsInstance, instance.pk, "Pending")
    lifecycle.advance(EcsInstance, instance.pk, "Pending")
    instance.refresh_from_db()
    assert instance.status == "Starting"
    assert Event.objects.filter(resource_id=instance.pk, to_state="Starting").count() == 1


def test_advance_of_a_settled_or_deleted_resource_does_nothing(account_a):
    vswitch = make_vswitch(account_a, make_vpc(account_a))
    instance = make_instance(account_a, vswitch)
    assert lifecycle.advance(EcsInstance, instance.pk, "Pending").status == "Running"
    assert lifecycle.advance(EcsInstance, "i-doesnotexist", "Pending") is None


def test_reconcile_finishes_everything_stuck(account_a):
    vpc = make_vpc(account_a, settle_=False)
    assert lifecycle.reconcile(older_than=3600) == 0  # nothing is old enough yet
    assert lifecycle.reconcile(older_than=0) == 1
    vpc.refresh_from_db()
    assert vpc.status == "Available"
    vswitch = make_vswitch(account_a, vpc)
    instance = make_instance(account_a, vswitch, settle_=False)
    assert lifecycle.reconcile(older_than=0) == 2  # Pending → Starting → Running
    instance.refresh_from_db()
    assert instance.status == "Running"


def test_every_async_model_is_known_to_the_reconciler():
    names = {model.__name__ for model in lifecycle.lifecycle_models()}
    assert {"Vpc", "EcsInstance"} <= names


def test_a_step_taken_before_the_commit_is_not_sent_to_the_worker(
    account_a, django_capture_on_commit_callbacks, monkeypatch
):
    """A lab's set-up completes its resources at once (``complete``): the worker is not sent
    steps it would find done. A resource left to the worker still gets its step."""
    sent = []
    monkeypatch.setattr(
        lifecycle._advance_task, "apply_async", lambda args, **kw: sent.append(tuple(args))
    )
    from django.db import transaction

    with django_capture_on_commit_callbacks(execute=True):
        with transaction.atomic():
            done = make_vpc(account_a, name="done", settle_=False)
            assert lifecycle.complete(done).status == "Available"
            vswitch = make_vswitch(account_a, lifecycle.complete(done))
            ready = make_instance(account_a, vswitch, settle_=False)
            assert lifecycle.complete(ready).status == "Running"  # Pending → Starting → Running
            waiting = make_vpc(account_a, name="waiting", cidr="10.9.0.0/16", settle_=False)
    assert sent == [("console.Vpc", waiting.pk, "Pending")]
