"""Which backend gets the next request: pure functions over plain candidates, no database.

Algorithms: smooth weighted round robin (state per listener / server group), weighted least
connections (ties go to the higher weight), consistent hash on the client IP. A backend of
weight 0 receives no new requests; only healthy backends receive any. With none left the
result is a refusal naming the server group ("503 Service Unavailable").
"""

import bisect
import hashlib
from dataclasses import dataclass, field

WRR = "wrr"
WLC = "wlc"
CONSISTENT_HASH = "sch"
ALGORITHMS = (WRR, WLC, CONSISTENT_HASH)
# The server-group choices of the console map onto these.
ALIASES = {"wrr": WRR, "rr": WRR, "wlc": WLC, "sch": CONSISTENT_HASH, "ch": CONSISTENT_HASH}

VIRTUAL_NODES_PER_WEIGHT = 4


@dataclass(frozen=True)
class Candidate:
    """One backend as the scheduler sees it. ``key`` identifies it (e.g. "i-…:80")."""

    key: str
    weight: int = 100
    healthy: bool = True
    connections: int = 0
    backend: object = field(default=None, compare=False, hash=False)


@dataclass(frozen=True)
class Pick:
    """The scheduler's answer: a candidate, or ``None`` with the reason."""

    candidate: Candidate | None
    reason: str = ""

    @property
    def ok(self):
        return self.candidate is not None

    @property
    def status_line(self):
        return "" if self.ok else "503 Service Unavailable"


def eligible(candidates):
    return [c for c in candidates if c.healthy and c.weight > 0]


def no_backend(group_label, candidates):
    if not candidates:
        why = "it has no backend servers"
    elif not any(c.healthy for c in candidates):
        why = "no healthy backend server"
    else:
        why = "every healthy backend server has weight 0"
    return Pick(None, f"503 Service Unavailable: server group {group_label}: {why}.")


class SmoothWeightedRoundRobin:
    """nginx's smooth WRR: weights 5:1:1 give a a b a c a a, not a a a a a b c."""

    def __init__(self):
        self.current: dict[str, int] = {}

    def pick(self, candidates):
        total = 0
        best = None
        keys = {c.key for c in candidates}
        for stale in set(self.current) - keys:
            del self.current[stale]
        for c in candidates:
            self.current[c.key] = self.current.get(c.key, 0) + c.weight
            total += c.weight
            if best is None or self.current[c.key] > self.current[best.key]:
                best = c
        self.current[best.key] -= total
        return best


def least_connections(candidates):
    """Fewest connections per weight; ties go to the higher weight, then the first listed."""
    return min(
        enumerate(candidates),
        key=lambda ic: (ic[1].connections / ic[1].weight, -ic[1].weight, ic[0]),
    )[1]


def _hash(text):
    return int.from_bytes(hashlib.md5(text.encode(), usedforsecurity=False).digest()[:8], "big")


def consistent_hash(candidates, client_ip):
    """A ring with virtual nodes in proportion to weight; the client IP picks its point."""
    ring = sorted(
        (_hash(f"{c.key}#{n}"), c)
        for c in candidates
        for n in range(max(1, c.weight * VIRTUAL_NODES_PER_WEIGHT // 10))
    )
    points = [point for point, _ in ring]
    index = bisect.bisect(points, _hash(client_ip or "")) % len(ring)
    return ring[index][1]


class Scheduler:
    """Per listener or server group state (the round robin's counters) across requests."""

    def __init__(self):
        self._wrr: dict[str, SmoothWeightedRoundRobin] = {}

    def pick(self, algorithm, candidates, *, scope, group_label=None, client_ip=None):
        algorithm = ALIASES.get((algorithm or WRR).lower(), algorithm)
        if algorithm not in ALGORITHMS:
            raise ValueError(f"unknown scheduling algorithm {algorithm!r}")
        candidates = list(candidates)
        ready = eligible(candidates)
        if not ready:
            return no_backend(group_label or scope, candidates)
        if algorithm == WLC:
            return Pick(least_connections(ready))
        if algorithm == CONSISTENT_HASH:
            return Pick(consistent_hash(ready, client_ip))
        return Pick(self._wrr.setdefault(scope, SmoothWeightedRoundRobin()).pick(ready))

    def reset(self, scope=None):
        if scope is None:
            self._wrr.clear()
        else:
            self._wrr.pop(scope, None)


# The process-wide scheduler the connectivity test uses.
default_scheduler = Scheduler()


def pick(algorithm, candidates, *, scope, group_label=None, client_ip=None):
    """Pick with the process-wide per-scope state; see :class:`Scheduler`."""
    return default_scheduler.pick(
        algorithm, candidates, scope=scope, group_label=group_label, client_ip=client_ip
    )
