"""Health checks through the simulated network.

:func:`probe` answers for one backend what a real probe would see. :func:`check_clb_listener`
and :func:`check_server_group` probe every backend of one listener / server group, count
successes and failures in a row and flip a backend's health when a threshold is reached.
The Celery tasks that call them are thin (``loadbalancer.tasks``); beat enqueues what is due
(:func:`due`).
"""

from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from console import lifecycle, live
from console.models import EcsInstance

from .models import AlbBackend, AlbServerGroup, ClbBackend, ClbInstance, ClbListener

# What the simulated NGINX answers to any path.
NGINX_STATUS = 200
COUNTER_CAP = 1000
PROBE_FIELDS = [
    "consecutive_ok",
    "consecutive_failed",
    "last_probe_at",
    "last_probe_reason",
    "health_status",
]


def _config(backend: ClbBackend | AlbBackend) -> ClbListener | AlbServerGroup:
    return backend.listener if isinstance(backend, ClbBackend) else backend.server_group


def code_is_healthy(code: int, codes: Iterable[str]) -> bool:
    return f"http_{code // 100}xx" in codes


def probe(backend: ClbBackend | AlbBackend) -> tuple[bool, str]:
    """``(ok, reason)`` for one backend: Running, service on the port, healthy HTTP code."""
    config = _config(backend)
    instance = backend.instance
    port = getattr(config, "health_check_port", None) or backend.port
    target = f"port {port}"
    if instance.status != EcsInstance.Status.RUNNING:
        return False, f"The instance is {instance.status}."
    if not instance.listens_on(port):
        if not instance.serves_http:
            return False, f"Connection to {target} refused: no service is deployed."
        return False, (
            f"Connection to {target} refused: the service listens on port {instance.service_port}."
        )
    if config.health_check_protocol == "TCP":
        return True, f"TCP connection to {target} succeeded."
    codes = config.healthy_code_list
    if not code_is_healthy(NGINX_STATUS, codes):
        shown = ", ".join(c.replace("http_", "") for c in codes)
        return False, f"HTTP {NGINX_STATUS} from {target} is not a healthy code ({shown})."
    return True, f"HTTP {NGINX_STATUS} from {target}{config.health_check_path}."


def evaluate(
    backend: ClbBackend | AlbBackend,
    ok: bool,
    reason: str,
    config: ClbListener | AlbServerGroup,
    now: datetime,
) -> str | None:
    """Count one probe result; returns the new health if it flipped, else ``None``."""
    backend.last_probe_at = now
    backend.last_probe_reason = reason[:200]
    if ok:
        backend.consecutive_ok = min(backend.consecutive_ok + 1, COUNTER_CAP)
        backend.consecutive_failed = 0
        if backend.health_status != backend.HEALTHY and (
            backend.consecutive_ok >= config.healthy_threshold
        ):
            backend.health_status = backend.HEALTHY
            return backend.HEALTHY
    else:
        backend.consecutive_failed = min(backend.consecutive_failed + 1, COUNTER_CAP)
        backend.consecutive_ok = 0
        if backend.health_status != backend.UNHEALTHY and (
            backend.consecutive_failed >= config.unhealthy_threshold
        ):
            backend.health_status = backend.UNHEALTHY
            return backend.UNHEALTHY
    return None


def _save(backends: list[ClbBackend | AlbBackend], now: datetime) -> None:
    """Write the probe results: one UPDATE per distinct result, not one per backend."""
    if not backends:
        return
    groups = defaultdict(list)
    for backend in backends:
        key = tuple(getattr(backend, name) for name in PROBE_FIELDS if name != "last_probe_at")
        groups[key].append(backend.pk)
    names = [name for name in PROBE_FIELDS if name != "last_probe_at"]
    manager = type(backends[0]).objects
    for key, pks in groups.items():
        manager.filter(pk__in=pks).update(last_probe_at=now, **dict(zip(names, key, strict=True)))


def _run(
    backends: list[ClbBackend | AlbBackend],
    config: ClbListener | AlbServerGroup,
    resource: ClbInstance | AlbServerGroup,
) -> tuple[int, int]:
    now = timezone.now()
    flips = []
    shown_changed = set()  # accounts whose pages show a different health now
    for backend in backends:
        before, label = backend.health_status, backend.health_label
        ok, reason = probe(backend)
        after = evaluate(backend, ok, reason, config, now)
        if after:
            flips.append((backend, before, after, reason))
        if backend.health_label != label:
            shown_changed.add(backend.account_id)
    _save(backends, now)
    # Probe results are saved quietly (bulk updates send no signals); a flip records an event,
    # but Checking → Abnormal is not a flip, so tell live pages here.
    live.touch(*shown_changed)
    for backend, before, after, reason in flips:
        lifecycle.record_event(
            resource,
            "health check",
            from_state=before,
            to_state=after,
            message=f"{backend.instance_id}:{backend.port}: {reason}",
        )
    return len(backends), len(flips)


@transaction.atomic
def check_clb_listener(listener_id: str) -> tuple[int, int]:
    """Probe every backend of a running CLB listener once. Returns (probed, flipped)."""
    listener = (
        ClbListener.objects.select_for_update().select_related("clb").filter(pk=listener_id).first()
    )
    if listener is None or not listener.is_checking:
        return 0, 0
    backends = list(
        ClbBackend.objects.filter(listener=listener)
        .exclude(health_status=ClbBackend.Health.UNAVAILABLE)
        .select_related("instance")
    )
    for backend in backends:
        backend.listener = listener
    return _run(backends, listener, listener.clb)


@transaction.atomic
def check_server_group(group_id: str) -> tuple[int, int]:
    """Probe every available backend of an ALB server group once. Returns (probed, flipped)."""
    group = AlbServerGroup.objects.select_for_update().filter(pk=group_id).first()
    if group is None or not group.is_checking:
        return 0, 0
    backends = list(
        AlbBackend.objects.filter(server_group=group, status=AlbBackend.Status.AVAILABLE)
        .exclude(health_status=AlbBackend.Health.UNAVAILABLE)
        .select_related("instance")
    )
    for backend in backends:
        backend.server_group = group
    return _run(backends, group, group)


def _claim(queryset: QuerySet, now: datetime) -> list[str]:
    """Rows due for a probe, their next probe moved one interval on (so enqueued once)."""
    due = list(queryset.filter(Q(next_probe_at__lte=now) | Q(next_probe_at=None)))
    for row in due:
        row.next_probe_at = now + timezone.timedelta(seconds=row.health_check_interval)
    queryset.model.objects.bulk_update(due, ["next_probe_at"])
    return [row.pk for row in due]


@transaction.atomic
def due(now: datetime | None = None) -> tuple[list[str], list[str]]:
    """IDs of CLB listeners and ALB server groups whose next probe is due: (listeners, groups)."""
    now = now or timezone.now()
    listeners = ClbListener.objects.filter(
        status=ClbListener.Status.RUNNING, health_check_enabled=True
    ).only("pk", "health_check_interval", "next_probe_at")
    groups = (
        AlbServerGroup.objects.filter(
            health_check_enabled=True, backends__status=AlbBackend.Status.AVAILABLE
        )
        .distinct()
        .only("pk", "health_check_interval", "next_probe_at")
    )
    return _claim(listeners, now), _claim(groups, now)
