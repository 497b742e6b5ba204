"""The scheduler: smooth weighted round robin, weighted least connections, consistent hash."""

from collections import Counter

import pytest

from loadbalancer.scheduling import Candidate, Scheduler


def picks(scheduler, algorithm, candidates, n, **kwargs):
    counts = Counter()
    order = []
    for _ in range(n):
        pick = scheduler.pick(algorithm, candidates, scope="lsn-1", **kwargs)
        counts[pick.candidate.key] += 1
        order.append(pick.candidate.key)
    return counts, order


def test_wrr_weights_100_50_give_2_to_1_over_300_picks():
    counts, _ = picks(Scheduler(), "wrr", [Candidate("a", 100), Candidate("b", 50)], 300)
    assert counts == {"a": 200, "b": 100}


def test_wrr_is_smooth():
    cands = [Candidate("a", 5), Candidate("b", 1), Candidate("c", 1)]
    _, order = picks(Scheduler(), "wrr", cands, 7)
    assert order == ["a", "a", "b", "a", "c", "a", "a"]


def test_wrr_state_is_per_scope():
    scheduler = Scheduler()
    cands = [Candidate("a", 100), Candidate("b", 100)]
    first = scheduler.pick("wrr", cands, scope="one").candidate.key
    assert scheduler.pick("wrr", cands, scope="two").candidate.key == first
    assert scheduler.pick("wrr", cands, scope="one").candidate.key != first


@pytest.mark.parametrize("algorithm", ["wrr", "wlc", "sch"])
def test_weight_zero_and_unhealthy_get_nothing(algorithm):
    cands = [Candidate("a", 100), Candidate("zero", 0), Candidate("sick", 100, healthy=False)]
    scheduler = Scheduler()
    seen = {
        scheduler.pick(algorithm, cands, scope="s", client_ip=f"10.0.0.{k}").candidate.key
        for k in range(50)
    }
    assert seen == {"a"}


@pytest.mark.parametrize("algorithm", ["wrr", "wlc", "sch"])
def test_none_healthy_is_a_503_naming_the_group(algorithm):
    pick = Scheduler().pick(
        algorithm, [Candidate("a", healthy=False)], scope="s", group_label="RS1", client_ip="1.1"
    )
    assert not pick.ok
    assert pick.status_line == "503 Service Unavailable"
    assert "RS1" in pick.reason and "no healthy backend" in pick.reason


def test_no_backends_and_only_weight_zero_say_why():
    assert "no backend servers" in Scheduler().pick("wrr", [], scope="s").reason
    assert "weight 0" in Scheduler().pick("wrr", [Candidate("a", 0)], scope="s").reason


def test_wlc_picks_fewest_connections_per_weight_and_ties_by_weight():
    cands = [Candidate("a", 50, connections=5), Candidate("b", 100, connections=10)]
    assert Scheduler().pick("wlc", cands, scope="s").candidate.key == "b"  # tie 0.1: weight
    cands = [Candidate("a", 50, connections=1), Candidate("b", 100, connections=10)]
    assert Scheduler().pick("wlc", cands, scope="s").candidate.key == "a"


def test_consistent_hash_sticks_per_client_and_spreads_by_weight():
    cands = [Candidate("a", 100), Candidate("b", 100), Candidate("c", 100)]
    scheduler = Scheduler()
    first = {
        ip: scheduler.pick("sch", cands, scope="s", client_ip=ip).candidate.key
        for ip in (f"10.0.{k // 250}.{k % 250}" for k in range(600))
    }
    again = {
        ip: scheduler.pick("sch", cands, scope="s", client_ip=ip).candidate.key for ip in first
    }
    assert first == again
    spread = Counter(first.values())
    assert set(spread) == {"a", "b", "c"} and min(spread.values()) > 100
    # Removing one backend only moves that backend's clients.
    fewer = [c for c in cands if c.key != "c"]
    moved = [
        ip
        for ip, key in first.items()
        if key != "c" and scheduler.pick("sch", fewer, scope="s", client_ip=ip).candidate.key != key
    ]
    assert moved == []


def test_unknown_algorithm_is_an_error():
    with pytest.raises(ValueError):
        Scheduler().pick("random", [Candidate("a")], scope="s")
