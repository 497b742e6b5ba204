"""Reads of load balancers, always through an account-scoped object or queryset.

Also what the connectivity test needs: a listener's scheduling candidates.
"""

from collections import Counter
from collections.abc import Iterable

from django.db.models import QuerySet

from . import scheduling
from .models import (
    AlbBackend,
    AlbInstance,
    AlbListener,
    AlbServerGroup,
    ClbBackend,
    ClbInstance,
    ClbListener,
)


def clb_listeners(*, clb: ClbInstance) -> list[ClbListener]:
    """The listeners of ``clb`` with their backends' health counted (two queries)."""
    listeners = list(ClbListener.objects.filter(clb=clb))
    rows = ClbBackend.objects.filter(listener__clb=clb).values_list(
        "listener_id", "health_status", "consecutive_failed"
    )
    counts = Counter(
        (listener_id, ClbBackend.label_for(status, failed)) for listener_id, status, failed in rows
    )
    for listener in listeners:
        listener.health = {
            status: counts.get((listener.pk, status), 0)
            for status in [*ClbBackend.Health.values, ClbBackend.CHECKING]
        }
        listener.backend_total = sum(listener.health.values())
    return listeners


def clb_backends(*, clb: ClbInstance) -> QuerySet[ClbBackend]:
    return (
        ClbBackend.objects.filter(listener__clb=clb)
        .select_related("instance", "listener")
        .order_by("listener__port", "id")
    )


def server_group_backends(*, group: AlbServerGroup) -> QuerySet[AlbBackend]:
    return AlbBackend.objects.filter(server_group=group).select_related("instance__zone")


def server_group_health(group_ids: Iterable[str]) -> dict[str, tuple[int, int, int]]:
    """``{group_id: (total, unhealthy, checking)}`` over Available backends."""
    result = {}
    rows = AlbBackend.objects.filter(server_group_id__in=group_ids).values_list(
        "server_group_id", "health_status", "consecutive_failed"
    )
    for group_id, status, failed in rows:
        label = AlbBackend.label_for(status, failed)
        total, bad, checking = result.get(group_id, (0, 0, 0))
        result[group_id] = (
            total + 1,
            bad + (label == AlbBackend.Health.UNHEALTHY),
            checking + (label == AlbBackend.CHECKING),
        )
    return result


def alb_listeners(*, alb: AlbInstance) -> list[AlbListener]:
    listeners = list(AlbListener.objects.filter(alb=alb).select_related("server_group"))
    health = server_group_health({li.server_group_id for li in listeners})
    for listener in listeners:
        total, bad, checking = health.get(listener.server_group_id, (0, 0, 0))
        listener.backend_total, listener.unhealthy_count = total, bad
        listener.checking_count = checking
    return listeners


def clb_listener_candidates(listener: ClbListener) -> list[scheduling.Candidate]:
    """Scheduling candidates of a CLB listener (health check off counts as healthy)."""
    return [
        scheduling.Candidate(
            key=f"{b.instance_id}:{b.port}",
            weight=b.weight,
            healthy=b.health_status != ClbBackend.Health.ABNORMAL,
            backend=b,
        )
        for b in listener.backends.select_related("instance")
    ]
