"""Scheduling across requests, zone affinity, overlapping CIDR blocks, plain instances of the
client's own VPC, and the snapshot's fixed number of queries."""

from net_factories import browse, connection, fresh, lab1, lab3, zone_domain

from factories import make_instance, make_vswitch, settle
from loadbalancer import services as lb
from network import dataplane as dp
from network import snapshot
from network.models import SchedulerState
from network.services import diagnose


def backends_of(lab, instance, address, n):
    names = (
        {lab.ecs2.pk: "ECS2", lab.ecs3.pk: "ECS3"}
        if hasattr(lab, "ecs2")
        else {
            lab.ecs03.pk: "ECS03",
            lab.ecs04.pk: "ECS04",
        }
    )
    return [names[browse(lab, instance, address).backend_instance] for _ in range(n)]


def test_equal_weights_alternate(account_a):
    lab = lab1(account_a)
    seq = backends_of(lab, lab.ecs1, lab.endpoint.domain, 6)
    assert seq in (["ECS2", "ECS3"] * 3, ["ECS3", "ECS2"] * 3)
    assert connection(lab.endpoint).request_count == 6


def test_weights_2_to_1_give_a_smooth_a_b_a(account_a):
    lab = lab1(account_a, weights=(100, 50))
    assert backends_of(lab, lab.ecs1, lab.endpoint.domain, 6) == ["ECS2", "ECS3", "ECS2"] * 2


def test_weight_zero_gets_nothing(account_a):
    lab = lab1(account_a, weights=(100, 0))
    assert set(backends_of(lab, lab.ecs1, lab.endpoint.domain, 4)) == {"ECS2"}


def test_the_turn_is_stored_and_diagnose_does_not_move_it(account_a):
    lab = lab1(account_a)
    first = browse(lab, lab.ecs1, lab.endpoint.domain)
    state = SchedulerState.objects.get()
    assert state.version == 1 and state.scope == first.scope
    dry = diagnose(account=account_a, endpoint=lab.endpoint, instance=fresh(lab.ecs1))
    assert dry.ok and dry.backend_instance != first.backend_instance
    assert SchedulerState.objects.get().version == 1
    assert connection(lab.endpoint).request_count == 1
    assert browse(lab, lab.ecs1, lab.endpoint.domain).backend_instance == dry.backend_instance


def test_lab3_alternates_across_both_zones(account_a):
    lab = lab3(account_a)
    h, i = zone_domain(lab.endpoint, "cn-hangzhou-h"), zone_domain(lab.endpoint, "cn-hangzhou-i")
    seq = [
        backends_of(lab, lab.ecs01, h, 1)[0],
        backends_of(lab, lab.ecs02, i, 1)[0],
        backends_of(lab, lab.ecs01, h, 1)[0],
        backends_of(lab, lab.ecs02, i, 1)[0],
    ]
    assert sorted(seq) == ["ECS03", "ECS03", "ECS04", "ECS04"]
    assert seq[0] != seq[1]


def test_zone_affinity_resolves_to_the_clients_zone(account_a):
    lab = lab3(account_a, zone_affinity=True)
    for client, zone_id in ((lab.ecs01, "cn-hangzhou-h"), (lab.ecs02, "cn-hangzhou-i")):
        outcome = browse(lab, client, lab.endpoint.domain)
        assert outcome.ok and outcome.entered_zone == zone_id
        assert "Zone affinity is on" in outcome.hops[0].detail


def test_zone_affinity_with_no_eni_in_the_clients_zone_returns_every_eni(account_a):
    lab = lab3(account_a, zone_affinity=True)
    vsw_j = make_vswitch(
        account_a, lab.vpc1, cidr="10.20.0.0/24", zone_id="cn-hangzhou-j", name="J1"
    )
    ecs_j = make_instance(account_a, vsw_j, groups=[lab.sg1], name="ECSJ", nginx=False)
    outcome = browse(lab, ecs_j, lab.endpoint.domain)
    assert outcome.ok and "every ENI is returned" in outcome.hops[0].detail


def test_without_zone_affinity_the_domain_resolves_to_every_eni(account_a):
    lab = lab3(account_a)
    outcome = browse(lab, lab.ecs02, lab.endpoint.domain)
    ips = [z.ip for z in lab.endpoint.zones.order_by("zone_id")]
    assert outcome.ok
    assert f"resolved to {ips[0]}, {ips[1]}." in outcome.hops[0].detail
    assert "Zone affinity" not in outcome.hops[0].detail


def test_overlapping_cidr_blocks_do_not_confuse_routing(account_a):
    overlap = {"cidr": "192.168.0.0/16", "vsw_cidr": "192.168.20.0/24", "ip": "192.168.20.182"}
    lab = lab1(account_a, consumer_kwargs=overlap)
    # The endpoint still works: the ENI is an address of the consumer's own VPC.
    assert browse(lab, lab.ecs1, lab.endpoint.domain).ok
    # ECS2's address, looked up from VPC1: nobody in VPC1 has it, so no route.
    outcome = browse(lab, lab.ecs1, lab.ecs2.private_ip)
    assert outcome.code == dp.NO_ROUTE_TO_DESTINATION
    # A VPC1 instance with the very same address answers for it: its own page, not ECS2's.
    local = make_instance(
        account_a, lab.vsw1, groups=[lab.sg1], name="LOCAL", ip="192.168.20.200", body="local"
    )
    outcome = browse(lab, lab.ecs1, "192.168.20.200")
    assert outcome.ok and outcome.backend_instance == local.pk
    assert "local" in outcome.response.body and "ECS2" not in outcome.response.body


def test_another_instance_of_the_same_vpc_answers_directly(account_a):
    lab = lab1(account_a)
    web = make_instance(account_a, lab.vsw1, groups=[lab.sg1], name="WEB", body="hello")
    outcome = browse(lab, lab.ecs1, f"http://{web.private_ip}/index.html")
    assert outcome.ok, outcome.hops[-1]
    assert [h.step for h in outcome.hops] == [1, 2, 3, 4, 5, 10]
    assert "hello" in outcome.response.body
    # Port 8080 is closed by its security group; with a rule, nothing listens there.
    assert browse(lab, lab.ecs1, f"{web.private_ip}:8080").code == dp.SG_INGRESS_DENIED


def test_the_clb_address_of_the_own_vpc_goes_through_the_listener(account_a):
    lab = lab1(account_a)
    client = make_instance(account_a, lab.vsw2, name="PROBE", nginx=False)
    outcome = browse(lab, client, lab.clb.address)
    assert outcome.ok and not outcome.connection_id
    assert [h.step for h in outcome.hops] == [1, 2, 3, 4, 7, 8, 9, 10]


def test_the_snapshot_takes_a_fixed_number_of_queries(account_a, django_assert_num_queries):
    lab = lab3(account_a)
    address = dp.parse_address(zone_domain(lab.endpoint, "cn-hangzhou-h"))
    browse(lab, lab.ecs01, address.url)  # the scheduler state exists from now on
    client = fresh(lab.ecs01)
    with django_assert_num_queries(QUERIES):
        snap = snapshot.load(client=client, address=address)
    assert dp.browse(snap, address, viewer=account_a.uid).ok
    # More backends, same queries.
    more = [make_instance(account_a, lab.vsw2_h, name=f"B{n}", body=f"B{n}") for n in range(5)]
    for backend in lb.server_group_add_backends(
        account=account_a, group=lab.group, servers=[(i.pk, 80, 100) for i in more]
    ):
        settle(backend)
    with django_assert_num_queries(QUERIES):
        snapshot.load(client=client, address=address)


QUERIES = 16


def test_a_lost_race_for_the_turn_evaluates_again(account_a, monkeypatch):
    from network import services as network_services

    lab = lab1(account_a)
    browse(lab, lab.ecs1, lab.endpoint.domain)
    real = network_services._evaluate
    calls = []

    def racing(*args):
        outcome = real(*args)
        if not calls:
            # Someone else took a turn between this request's read and its write.
            state = SchedulerState.objects.get()
            SchedulerState.objects.filter(pk=state.pk).update(version=state.version + 1)
        calls.append(outcome)
        return outcome

    monkeypatch.setattr(network_services, "_evaluate", racing)
    outcome = browse(lab, lab.ecs1, lab.endpoint.domain)
    assert len(calls) == 2 and outcome.ok
    assert SchedulerState.objects.get().version == 3
    assert connection(lab.endpoint).request_count == 2


def test_lab_check_for_the_labs_last_step(account_a):
    from network.services import lab_check

    lab = lab3(account_a)
    h = zone_domain(lab.endpoint, "cn-hangzhou-h")
    assert lab_check(fresh(lab.ecs01), h, ("ECS03", "ECS04"), "cn-hangzhou-h") == (True, "")
    done, reason = lab_check(fresh(lab.ecs02), h, ("ECS03", "ECS04"), "cn-hangzhou-i")
    assert not done and "entered the service in cn-hangzhou-h" in reason
    done, reason = lab_check(fresh(lab.ecs01), "nowhere.example", ("ECS03",))
    assert not done and "NAME_NOT_RESOLVED" in reason
    assert connection(lab.endpoint).request_count == 0
