"""State changes of resources: explicit fsm transitions, recorded, completed asynchronously.

A service calls :func:`transition` to make a user-requested change (it locks the row, refuses
with a message naming the current state, records the event and schedules the follow-up); the
worker calls :func:`advance` to complete a transitional state. Both are idempotent.
"""

import logging
from contextvars import ContextVar

from django.apps import apps
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.text import capfirst
from django_fsm import can_proceed
from kombu.exceptions import OperationalError as KombuOperationalError
from redis import RedisError

from .errors import DependencyViolation, StateRefused
from .models import Account, Event

log = logging.getLogger(__name__)

# model -> [callable(obj) -> list of messages naming what depends on it]
_delete_guards: dict = {}
# model -> [callable(obj, from_state)]: follow-up work after the worker completes a step
_after_advance: dict = {}
# The task that completes a step (console/apps.py registers it: no import of tasks here).
_advance_task = None


def register_advance_task(task):
    """The Celery task ``schedule_advance`` enqueues (``console.tasks.advance_resource``)."""
    global _advance_task
    _advance_task = task


def after(model, callback):
    """Run ``callback(obj, from_state)`` once the worker completed a step of a ``model`` row.

    Each app registers its own follow-up work (from its services, loaded by its ``ready()``),
    so models stay state-only and import no services.
    """
    _after_advance.setdefault(model, []).append(callback)


def register_delete_guard(model, guard):
    """Let another app refuse the deletion of ``model`` rows it depends on."""
    _delete_guards.setdefault(model, []).append(guard)


def ensure_deletable(obj):
    reasons = []
    for model, guards in _delete_guards.items():
        if isinstance(obj, model):
            for guard in guards:
                reasons.extend(guard(obj))
    if reasons:
        raise DependencyViolation(
            f"{capfirst(obj._meta.verbose_name)} {obj.id} cannot be deleted: "
            + "; ".join(reasons)
            + "."
        )


def record_event(obj, action, *, actor=None, from_state="", to_state="", message=""):
    return Event.objects.create(
        account_id=obj.account_id,
        resource_id=obj.pk,
        resource_type=obj._meta.verbose_name,
        action=action,
        from_state=from_state or "",
        to_state=to_state or "",
        actor=actor if getattr(actor, "pk", None) else None,
        # An API caller is no login: it names itself ("AccessKey LTAI…").
        actor_label=(
            actor.get_username()
            if getattr(actor, "pk", None)
            else getattr(actor, "event_label", "system")
        ),
        message=message,
    )


def provision_delay(obj):
    """Seconds per asynchronous step; accounts set to fast provisioning (demos) go faster."""
    account_id = getattr(obj, "account_id", None)
    if account_id and Account.objects.filter(pk=account_id, fast_provisioning=True).exists():
        return min(settings.FAST_PROVISION_DELAY, settings.PROVISION_DELAY)
    return settings.PROVISION_DELAY


def schedule_advance(obj, delay=None):
    """After the current transaction commits, ask the worker to complete ``obj``'s state."""
    advance_resource = _advance_task
    countdown = provision_delay(obj) if delay is None else delay
    enqueue(advance_resource, obj._meta.label, obj.pk, obj.status, countdown=countdown)


# Set when a task could not be handed to the broker during this request (see ``enqueue``).
dispatch_delayed: ContextVar[bool] = ContextVar("dispatch_delayed", default=False)


def enqueue(task, *args, countdown=None) -> None:
    """After the current transaction commits, send ``task(*args)`` to the worker.

    With the broker (Redis) away the write is kept, nothing is raised: the resource stays in
    its transitional state, ``dispatch_delayed`` tells the page to say so, and the reconciler
    finishes it once Redis and the worker are back.
    """

    def send():
        try:
            task.apply_async(args, countdown=countdown)
        except (KombuOperationalError, RedisError, OSError) as error:
            log.warning(
                "broker unavailable, %s%r left to the reconciler: %s", task.name, args, error
            )
            dispatch_delayed.set(True)

    transaction.on_commit(send)


def lock(model, pk):
    """The row, locked for the rest of the transaction (IMMEDIATE transactions on SQLite)."""
    return model._default_manager.select_for_update().filter(pk=pk).first()


def refusal(obj, action_label):
    name = obj._meta.verbose_name
    return StateRefused(
        f"The {name} {obj.pk} is {obj.status}; it cannot be {action_label} in this state."
    )


@transaction.atomic
def transition(obj, method_name, *, actor=None, action=None, refused=None, **kwargs):
    """Apply the fsm transition ``method_name`` to a fresh, locked copy of ``obj``.

    Raises :class:`StateRefused` naming the current state if the transition is not allowed
    (also when another user changed the state first: a lost race is an ordinary refusal).
    """
    locked = lock(type(obj), obj.pk)
    if locked is None:
        raise StateRefused(f"The {obj._meta.verbose_name} {obj.pk} no longer exists.")
    method = getattr(locked, method_name)
    if not can_proceed(method):
        if refused:
            raise StateRefused(refused(locked))
        raise refusal(locked, (action or method_name).replace("_", " ") + "ed")
    from_state = locked.status
    method(**kwargs)
    locked.state_since = timezone.now()
    locked.save()
    record_event(
        locked, action or method_name, actor=actor, from_state=from_state, to_state=locked.status
    )
    if locked.is_transitional:
        schedule_advance(locked)
    return locked


def by_itself(obj):
    """Whether the worker completes ``obj``'s transitional state (a ticket may wait for a
    person instead; see ``Resource.advances_by_itself``)."""
    return getattr(obj, "advances_by_itself", True)


@transaction.atomic
def advance(model, pk, expected_state=None):
    """Complete one transitional step of a resource; a no-op if it has moved on already."""
    obj = lock(model, pk)
    if obj is None or not obj.is_transitional or not by_itself(obj):
        return obj
    if expected_state is not None and obj.status != expected_state:
        return obj
    method_name = obj.TRANSITIONAL[obj.status]
    from_state = obj.status
    getattr(obj, method_name)()
    obj.state_since = timezone.now()
    obj.save()
    record_event(obj, method_name, from_state=from_state, to_state=obj.status)
    for model, callbacks in _after_advance.items():
        if isinstance(obj, model):
            for callback in callbacks:
                callback(obj, from_state)
    if obj.is_transitional:
        schedule_advance(obj)
    return obj


def complete(obj):
    """Run every remaining asynchronous step of ``obj`` now (lab set-up, tests); fresh copy."""
    model = type(obj)
    fresh = model._default_manager.get(pk=obj.pk)
    while fresh is not None and fresh.is_transitional and by_itself(fresh):
        fresh = advance(model, fresh.pk, fresh.status)
    return fresh


def lifecycle_models():
    """Models the reconciler watches: transitional states and a ``state_since`` timestamp."""
    return [
        m
        for m in apps.get_models()
        if getattr(m, "TRANSITIONAL", None)
        and any(f.name == "state_since" for f in m._meta.get_fields())
    ]


def stuck(model, older_than=None):
    older_than = settings.RECONCILE_AFTER if older_than is None else older_than
    cutoff = timezone.now() - timezone.timedelta(seconds=older_than)
    queryset = model._default_manager.filter(
        status__in=list(model.TRANSITIONAL), state_since__lt=cutoff
    )
    worker_rows = getattr(model, "worker_rows", None)
    if worker_rows is not None:
        queryset = worker_rows(queryset)
    return queryset.values_list("pk", "status")


def reconcile(older_than=None):
    """Finish everything stuck in a transitional state; returns how many steps it took."""
    steps = 0
    for model in lifecycle_models():
        for pk, state in list(stuck(model, older_than)):
            # Advance until settled: a crash may have lost every later step too.
            obj = advance(model, pk, state)
            steps += 1
            while obj is not None and obj.is_transitional and by_itself(obj):
                obj = advance(model, pk, obj.status)
                steps += 1
    return steps
