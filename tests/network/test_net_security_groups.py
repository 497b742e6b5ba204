"""Security-group evaluation: priorities (1 first), Deny wins a tie, protocols, ports, CIDRs
and group references."""

import pytest

from network.dataplane import Group, Rule, evaluate_security_groups

CLIENT = "10.10.0.182"


def rule(
    n,
    direction="ingress",
    policy="accept",
    priority=1,
    protocol="tcp",
    ports=(80, 80),
    cidr="0.0.0.0/0",
    peer=None,
):
    return Rule(
        n, direction, policy, priority, protocol, ports[0], ports[1], cidr if not peer else "", peer
    )


def check(rules, *, port=80, remote=CLIENT, remote_groups=(), direction="ingress", groups=None):
    groups = groups or [Group("sg-1", "web", "1", tuple(rules))]
    return evaluate_security_groups(
        groups, direction, port=port, remote_ip=remote, remote_groups=remote_groups
    )


CASES = [
    ("no rule: dropped", [], 80, False, None),
    ("allow TCP 80 from anywhere", [rule(1)], 80, True, 1),
    ("another port", [rule(1)], 81, False, None),
    ("port range", [rule(1, ports=(1, 65535))], 8080, True, 1),
    ("range edge", [rule(1, ports=(80, 90))], 90, True, 1),
    ("outside range", [rule(1, ports=(80, 90))], 91, False, None),
    ("protocol All ignores ports", [rule(1, protocol="all", ports=(-1, -1))], 8443, True, 1),
    ("UDP rule does not let TCP in", [rule(1, protocol="udp")], 80, False, None),
    ("ICMP rule does not let TCP in", [rule(1, protocol="icmp", ports=(-1, -1))], 80, False, None),
    ("CIDR containing the client", [rule(1, cidr="10.10.0.0/16")], 80, True, 1),
    ("CIDR not containing it", [rule(1, cidr="10.20.0.0/16")], 80, False, None),
    ("host /32", [rule(1, cidr=f"{CLIENT}/32")], 80, True, 1),
    (
        "priority 1 Deny beats priority 2 Allow",
        [rule(1, priority=2), rule(2, policy="drop", priority=1)],
        80,
        False,
        2,
    ),
    (
        "priority 1 Allow beats priority 5 Deny",
        [rule(1, policy="drop", priority=5), rule(2, priority=1)],
        80,
        True,
        2,
    ),
    (
        "same priority: Deny wins",
        [rule(1, priority=3), rule(2, policy="drop", priority=3)],
        80,
        False,
        2,
    ),
    (
        "a Deny that does not match is skipped",
        [rule(1, policy="drop", cidr="10.99.0.0/16"), rule(2, priority=50)],
        80,
        True,
        2,
    ),
    ("egress rules do not apply inbound", [rule(1, direction="egress")], 80, False, None),
]


@pytest.mark.parametrize("name, rules, port, allowed, decided_by", CASES, ids=[c[0] for c in CASES])
def test_rules(name, rules, port, allowed, decided_by):
    verdict = check(rules, port=port)
    assert verdict.allowed is allowed
    assert (verdict.rule.id if verdict.rule else None) == decided_by


def test_group_reference_matches_members_only():
    rules = [rule(1, peer="sg-clients")]
    assert check(rules, remote_groups=("sg-clients",)).allowed
    assert not check(rules, remote_groups=("sg-other",)).allowed


def test_rules_of_several_groups_are_merged_by_priority():
    allow = Group("sg-a", "a", "1", (rule(1, priority=10),))
    deny = Group("sg-b", "b", "1", (rule(2, policy="drop", priority=5),))
    verdict = check([], groups=[allow, deny])
    assert not verdict.allowed and verdict.group.id == "sg-b"


def test_outbound():
    rules = [rule(1, direction="egress", protocol="all", ports=(-1, -1), priority=100)]
    assert check(rules, direction="egress", remote="192.168.20.200").allowed
    rules.append(rule(2, direction="egress", policy="drop", cidr="192.168.0.0/16"))
    assert not check(rules, direction="egress", remote="192.168.20.200").allowed
    assert check(rules, direction="egress", remote="10.10.0.5").allowed
