"""State changes of resources: explicit fsm transitions, recorded, completed asynchronously.

A service calls :func:`transition` to make a user-requested change (it locks the row, refuses
with a message naming the current state, records the event and schedules the follow-up); the
worker calls :func:`advance` to complete a transitional state. Both are idempotent. A new
row enters its first state through :func:`created`; a row whose state only follows another's
(an endpoint zone) changes through :func:`follow`. Nothing else changes a state: every change
is recorded in one trail (``console.models.Event``), the connections' included.
"""

import logging
import threading
from collections.abc import Callable, Iterable
from contextvars import ContextVar
from typing import Any

from django.apps import apps
from django.conf import settings
from django.db import models, transaction
from django.utils import timezone
from django.utils.text import capfirst
from django_fsm import can_proceed
from kombu.exceptions import OperationalError as KombuOperationalError
from redis import RedisError

from .errors import DependencyViolation, StateRefused
from .models import SYSTEM_ACTOR, Account, Event

log = logging.getLogger(__name__)

# Follow-up work: callable(obj, from_state), registered per model by the app that needs it.
FollowUp = Callable[[Any, str], None]
# model -> [callable(obj) -> list of messages naming what depends on it]
_delete_guards: dict[type, list[Callable[[Any], list[str]]]] = {}
# model -> follow-ups once the worker completed a step
_after_advance: dict[type, list[FollowUp]] = {}
# model -> follow-ups after every state change, the user's and the worker's
_on_change: dict[type, list[FollowUp]] = {}
# The task that completes a step (console/apps.py registers it: no import of tasks here).
_advance_task = None


def register_advance_task(task: Any) -> None:
    """The Celery task ``schedule_advance`` enqueues (``console.tasks.advance_resource``)."""
    global _advance_task
    _advance_task = task


def after(model: type, callback: FollowUp) -> None:
    """Run ``callback(obj, from_state)`` once the worker completed a step of a ``model`` row.

    Each app registers its own follow-up work (from its services, loaded by its ``ready()``),
    so models stay state-only and import no services. A step into a removed state (see
    :func:`advance`) runs it while the row still exists, just before the row goes.
    """
    _after_advance.setdefault(model, []).append(callback)


def on_change(model: type, callback: FollowUp) -> None:
    """Run ``callback(obj, from_state)`` after every state change of a ``model`` row.

    For what follows a row's state wherever the change came from (an endpoint's zones follow
    its connection, whether the provider or the worker moved it).
    """
    _on_change.setdefault(model, []).append(callback)


def _run(registry: dict[type, list[FollowUp]], obj: Any, from_state: str) -> None:
    for model, callbacks in registry.items():
        if isinstance(obj, model):
            for callback in callbacks:
                callback(obj, from_state)


def register_delete_guard(model: type, guard: Callable[[Any], list[str]]) -> None:
    """Let another app refuse the deletion of ``model`` rows it depends on."""
    _delete_guards.setdefault(model, []).append(guard)


def ensure_deletable(obj: Any) -> None:
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


def record_event(
    obj: Any,
    action: str,
    *,
    actor: Any = None,
    actor_account: Account | None = None,
    from_state: str = "",
    to_state: str = "",
    message: str = "",
) -> Event:
    """Add one line to the audit trail of ``obj`` (every resource's, connections' too).

    ``actor``: a login's user, an API caller (it names itself: "AccessKey LTAI…") or None for
    the system; ``actor_account``: the account it acted for, when another account reads the
    trail (see :meth:`Event.actor_for`).
    """
    return Event.objects.create(
        account_id=obj.account_id,
        resource_id=obj.pk,
        resource_type=obj._meta.verbose_name,
        action=action,
        from_state=from_state or "",
        to_state=to_state or "",
        actor=actor if getattr(actor, "pk", None) else None,
        actor_label=(
            actor.get_username()
            if getattr(actor, "pk", None)
            else getattr(actor, "event_label", SYSTEM_ACTOR)
        ),
        actor_account=actor_account,
        message=message,
    )


def created(
    obj: Any,
    *,
    actor: Any = None,
    actor_account: Account | None = None,
    action: str = "create",
    message: str = "",
) -> Any:
    """A new row entered its first state: record it, let the worker complete it if needed."""
    record_event(
        obj,
        action,
        actor=actor,
        actor_account=actor_account,
        to_state=obj.status,
        message=message,
    )
    if obj.is_transitional:
        schedule_advance(obj)
    return obj


def provision_delay(obj: Any) -> float:
    """Seconds per asynchronous step; accounts set to fast provisioning (demos) go faster."""
    account_id = getattr(obj, "account_id", None)
    if account_id and Account.objects.filter(pk=account_id, fast_provisioning=True).exists():
        return min(settings.FAST_PROVISION_DELAY, settings.PROVISION_DELAY)
    return settings.PROVISION_DELAY


# Steps scheduled in this thread whose transaction has not committed yet. ``advance`` taking
# one of them first (``complete``: a lab's set-up) means the worker has nothing left to do.
_scheduled = threading.local()


def _unsent() -> set[tuple[str, Any, str]]:
    if not hasattr(_scheduled, "steps"):
        _scheduled.steps = set()
    return _scheduled.steps


def schedule_advance(obj: Any, delay: float | None = None) -> None:
    """After the current transaction commits, ask the worker to complete ``obj``'s state,
    unless this thread has completed it meanwhile: a class of 30 pairs set up at once sent
    500 tasks that found nothing to do, each taking SQLite's write lock while the class
    logged in."""
    advance_resource = _advance_task
    countdown = provision_delay(obj) if delay is None else delay
    step = (obj._meta.label, obj.pk, obj.status)
    _unsent().add(step)

    def still_due() -> bool:
        unsent = _unsent()
        due = step in unsent
        unsent.discard(step)
        return due

    enqueue(advance_resource, *step, countdown=countdown, when=still_due)


# Set when a task could not be handed to the broker during this request (see ``enqueue``).
dispatch_delayed: ContextVar[bool] = ContextVar("dispatch_delayed", default=False)


def enqueue(
    task: Any, *args: Any, countdown: float | None = None, when: Callable[[], bool] | None = None
) -> None:
    """After the current transaction commits, send ``task(*args)`` to the worker.

    With the broker (Redis) away the write is kept, nothing is raised: the resource stays in
    its transitional state, ``dispatch_delayed`` tells the page to say so, and the reconciler
    finishes it once Redis and the worker are back.
    """

    def send() -> None:
        if when is not None and not when():
            return
        try:
            task.apply_async(args, countdown=countdown)
        except (KombuOperationalError, RedisError, OSError) as error:
            log.warning(
                "broker unavailable, %s%r left to the reconciler: %s", task.name, args, error
            )
            dispatch_delayed.set(True)

    transaction.on_commit(send)


def lock(model: type[models.Model], pk: Any) -> Any:
    """The row, locked for the rest of the transaction (IMMEDIATE transactions on SQLite)."""
    return model._default_manager.select_for_update().filter(pk=pk).first()


def refusal(obj: Any, action_label: str) -> StateRefused:
    name = obj._meta.verbose_name
    return StateRefused(
        f"The {name} {obj.pk} is {obj.status}; it cannot be {action_label} in this state."
    )


def _stamp(obj: Any) -> None:
    """When the state changed: ``state_since`` (the reconciler's clock) and any other
    timestamp the model shows for it (``STATE_TIMESTAMPS``)."""
    now = timezone.now()
    for name in getattr(obj, "STATE_TIMESTAMPS", ("state_since",)):
        if any(field.name == name for field in obj._meta.concrete_fields):
            setattr(obj, name, now)


def _is_removed(obj: Any) -> bool:
    """Whether ``obj`` reached the state in which its row is removed (``REMOVED``)."""
    removed = getattr(obj, "REMOVED", None)
    return removed is not None and obj.status == removed


@transaction.atomic
def transition(
    obj: Any,
    method_name: str | Callable[[Any], str],
    *,
    actor: Any = None,
    actor_account: Account | None = None,
    action: str | None = None,
    refused: Callable[[Any], str] | None = None,
    check: Callable[[Any], None] | None = None,
    message: str = "",
    fields: dict[str, Any] | None = None,
    record_on: Callable[[Any], Any] | None = None,
    **kwargs: Any,
) -> Any:
    """Apply the fsm transition ``method_name`` to a fresh, locked copy of ``obj``.

    ``method_name`` may be a function of the locked row (a deny that is a reject while the
    request is not yet allowed); ``check(locked)`` may refuse before anything changes (the
    row no longer belongs where the caller found it). Raises :class:`StateRefused` naming the
    current state if the transition is not allowed (also when another user changed the state
    first: a lost race is an ordinary refusal). ``fields``: other values that change with the
    state, saved in the same write; ``record_on(locked)``: the resource whose trail records
    the change, if not the row itself (a listener's start is its load balancer's event).
    """
    locked = lock(type(obj), obj.pk)
    if locked is None:
        raise StateRefused(f"The {obj._meta.verbose_name} {obj.pk} no longer exists.")
    if check is not None:
        check(locked)
    name = method_name(locked) if callable(method_name) else method_name
    method = getattr(locked, name)
    if not can_proceed(method):
        if refused:
            raise StateRefused(refused(locked))
        raise refusal(locked, (action or name).replace("_", " ") + "ed")
    from_state = locked.status
    method(**kwargs)
    _stamp(locked)
    for field, value in (fields or {}).items():
        setattr(locked, field, value)
    locked.save()
    record_event(
        record_on(locked) if record_on else locked,
        action or name,
        actor=actor,
        actor_account=actor_account,
        from_state=from_state,
        to_state=locked.status,
        message=message,
    )
    _run(_on_change, locked, from_state)
    if getattr(locked, "is_transitional", False):
        schedule_advance(locked)
    return locked


def follow(obj: Any, method_name: str, **kwargs: Any) -> bool:
    """Apply a transition that follows another row's state change (an endpoint zone follows
    its endpoint and connection); True if the state changed.

    The caller holds the lock of the row being followed and has just saved it: that row's
    event is the record and its save tells the open pages, so this adds neither.
    """
    method = getattr(obj, method_name)
    if not can_proceed(method):
        return False
    before = obj.status
    method(**kwargs)
    if obj.status == before:
        return False
    obj.live_quiet = True
    obj.save(update_fields=["status"])
    return True


def by_itself(obj: Any) -> bool:
    """Whether the worker completes ``obj``'s transitional state (a ticket may wait for a
    person instead; see ``Resource.advances_by_itself``)."""
    return getattr(obj, "advances_by_itself", True)


@transaction.atomic
def advance(model: type[models.Model], pk: Any, expected_state: str | None = None) -> Any:
    """Complete one transitional step of a resource; a no-op if it has moved on already.

    A step into the model's ``REMOVED`` state (Deleting → Deleted) is recorded, its follow-up
    work runs while the row still exists, then the row is removed.
    """
    obj = lock(model, pk)
    if obj is None or not obj.is_transitional or not by_itself(obj):
        return obj
    if expected_state is not None and obj.status != expected_state:
        return obj
    method_name = obj.TRANSITIONAL[obj.status]
    from_state = obj.status
    getattr(obj, method_name)()
    _stamp(obj)
    removed = _is_removed(obj)
    if not removed:
        obj.save()
    record_event(obj, method_name, from_state=from_state, to_state=obj.status)
    _unsent().discard((model._meta.label, obj.pk, from_state))
    _run(_after_advance, obj, from_state)
    if removed:
        obj.delete()
        return obj
    _run(_on_change, obj, from_state)
    if obj.is_transitional:
        schedule_advance(obj)
    return obj


def complete(obj: Any) -> Any:
    """Run every remaining asynchronous step of ``obj`` now (lab set-up, tests); fresh copy."""
    model = type(obj)
    fresh = model._default_manager.get(pk=obj.pk)
    while fresh is not None and fresh.is_transitional and by_itself(fresh):
        fresh = advance(model, fresh.pk, fresh.status)
    return fresh


def lifecycle_models() -> list[type[models.Model]]:
    """Models the reconciler watches: transitional states and a ``state_since`` timestamp."""
    return [
        m
        for m in apps.get_models()
        if getattr(m, "TRANSITIONAL", None)
        and any(f.name == "state_since" for f in m._meta.get_fields())
    ]


def stuck(model: type[models.Model], older_than: float | None = None) -> Iterable:
    older_than = settings.RECONCILE_AFTER if older_than is None else older_than
    cutoff = timezone.now() - timezone.timedelta(seconds=older_than)
    queryset = model._default_manager.filter(
        status__in=list(model.TRANSITIONAL), state_since__lt=cutoff
    )
    worker_rows = getattr(model, "worker_rows", None)
    if worker_rows is not None:
        queryset = worker_rows(queryset)
    return queryset.values_list("pk", "status")


def reconcile(older_than: float | None = None) -> int:
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
