"""Send a simulated request, and record what it changes.

:func:`browse` loads a snapshot, evaluates it with the pure data plane and then writes the
two side effects of a request: the scheduler's next turn (optimistic: a lost race evaluates
again, so two concurrent requests never take the same turn) and one more request on the
connection's Monitor count (an ``F()`` update). :func:`diagnose` is the same walk without
side effects (Diagnose on an endpoint's page, and the labs' last step).
"""

from collections.abc import Iterable

from django.db import IntegrityError, transaction
from django.db.models import F, Model

from console.errors import ConsoleError
from console.models import Account, EcsInstance
from privatelink.models import Endpoint, EndpointConnection

from . import dataplane, snapshot
from .models import BrowseRecord, SchedulerState

ATTEMPTS = 5


def same_account(account: Account | None, *objects: Model | None) -> None:
    for obj in objects:
        if account is None or obj is None or obj.account_id != account.pk:
            raise ConsoleError("The specified resource does not exist.", code="NotFound")


def _save_turn(scope: str, turn: dataplane.SchedulerTurn) -> bool:
    """Store the scheduler's next state if nobody moved it meanwhile; False if someone did."""
    if turn.version is None:
        try:
            with transaction.atomic():
                SchedulerState.objects.create(scope=scope, current=turn.current, version=1)
        except IntegrityError:
            return False
        return True
    updated = SchedulerState.objects.filter(scope=scope, version=turn.version).update(
        current=turn.current, version=turn.version + 1
    )
    return updated == 1


def _evaluate(account: Account, instance: EcsInstance, address: str) -> dataplane.Outcome:
    snap = snapshot.load(client=instance, address=address)
    return dataplane.browse(snap, address, viewer=account.uid)


def browse(
    *, account: Account | None, instance: EcsInstance, address: str, commit: bool = True
) -> dataplane.Outcome:
    """One request from the browser on ``instance`` (the account's own) to ``address``.

    ``address``: what was typed in the address bar. Returns a :class:`dataplane.Outcome`.
    """
    same_account(account, instance)
    try:
        parsed = dataplane.parse_address(address)
    except ValueError as error:
        return dataplane.invalid(address, str(error))
    for _ in range(ATTEMPTS):
        outcome = _evaluate(account, instance, parsed)
        if not commit:
            return outcome
        with transaction.atomic():
            if outcome.turn is not None and not _save_turn(outcome.scope, outcome.turn):
                continue
            if outcome.connection_id:
                EndpointConnection.objects.filter(pk=outcome.connection_id).update(
                    request_count=F("request_count") + 1
                )
            BrowseRecord.objects.create(
                account=account,
                instance=instance,
                host=parsed.host,
                port=parsed.port,
                code=outcome.code,
                backend_instance=outcome.backend_instance,
                entered_zone=outcome.entered_zone,
            )
        return outcome
    return outcome


def diagnose(
    *,
    account: Account | None,
    endpoint: Endpoint,
    instance: EcsInstance,
    port: int = 80,
    domain: str | None = None,
) -> dataplane.Outcome:
    """The trace of a request from ``instance`` to ``endpoint``'s domain on ``port``.

    Both must be the account's own. Nothing is counted and the scheduler does not move: the
    chosen backend is the one the next request would get.
    """
    same_account(account, endpoint, instance)
    domains = {endpoint.domain, *endpoint.zones.values_list("domain", flat=True)}
    host = domain if domain in domains else endpoint.domain
    return browse(
        account=account, instance=instance, address=f"http://{host}:{int(port)}/", commit=False
    )


def lab_check(
    instance: EcsInstance,
    address: str,
    backend_names: Iterable[str],
    expect_zone: str | None = None,
) -> tuple[bool, str]:
    """A lab's last step: ``(done, reason)`` for a request from ``instance`` to ``address``.

    Done when a backend named in ``backend_names`` answers (and, with ``expect_zone``, the
    request entered the service through that zone). A dry run: nothing counted or moved.
    """
    outcome = browse(account=instance.account, instance=instance, address=address, commit=False)
    if not outcome.ok:
        stop = outcome.stop
        return False, f"{stop.detail} {stop.fix} ({stop.code})"
    name = EcsInstance.objects.filter(pk=outcome.backend_instance).values_list("name", flat=True)
    # Never the ID: the backend may be another account's (the trace keeps it opaque too).
    name = name.first() or "an instance without a name"
    if name not in backend_names:
        return False, f"The page came from {name}, not from {' or '.join(backend_names)}."
    if expect_zone and outcome.entered_zone != expect_zone:
        return False, (
            f"The request entered the service in {outcome.entered_zone}, not in {expect_zone}: "
            "open the zone domain name of the client's own zone."
        )
    return True, ""
