"""The last step of each lab: the request reaches a backend, through the right zone."""

from net_factories import browse, connection, eni_ip, lab1, lab3, zone_domain

from network import dataplane as dp


def stops(outcome):
    return [(h.step, h.ok) for h in outcome.hops]


def test_lab1_endpoint_domain_serves_ecs2_or_ecs3(account_a):
    lab = lab1(account_a)
    outcome = browse(lab, lab.ecs1, lab.endpoint.domain)
    assert outcome.ok, outcome.hops[-1]
    assert outcome.response.status_line == "HTTP/1.1 200 OK"
    assert ("Server", "nginx") in outcome.response.headers
    assert outcome.backend_instance in {lab.ecs2.pk, lab.ecs3.pk}
    assert f"{'ECS2' if outcome.backend_instance == lab.ecs2.pk else 'ECS3'} page" in (
        outcome.response.body
    )
    assert [h.step for h in outcome.hops] == list(range(1, 11))
    assert all(h.ok for h in outcome.hops)
    assert connection(lab.endpoint).request_count == 1


def test_lab1_eni_ip_and_zone_domain_work_too(account_a):
    lab = lab1(account_a)
    zone_b = "eu-central-1b"
    for address in (eni_ip(lab.endpoint, zone_b), zone_domain(lab.endpoint, zone_b)):
        outcome = browse(lab, lab.ecs1, address)
        assert outcome.ok, outcome.hops[-1]
    assert connection(lab.endpoint).request_count == 2


def test_lab3_each_zone_domain_enters_through_its_own_eni_and_alb_zone(account_a):
    lab = lab3(account_a)
    for client, zone_id in ((lab.ecs01, "cn-hangzhou-h"), (lab.ecs02, "cn-hangzhou-i")):
        outcome = browse(lab, client, zone_domain(lab.endpoint, zone_id))
        assert outcome.ok, outcome.hops[-1]
        assert outcome.entered_zone == zone_id
        assert outcome.backend_instance in {lab.ecs03.pk, lab.ecs04.pk}
        route = outcome.hops[dp.ROUTE - 1]
        assert eni_ip(lab.endpoint, zone_id) in route.detail
        resource = next(h for h in outcome.hops if h.step == dp.SERVICE_RESOURCE)
        assert zone_id in resource.detail and lab.alb.pk in resource.detail


def test_lab3_zone_h_domain_from_zone_i_client_still_enters_zone_h(account_a):
    lab = lab3(account_a)
    outcome = browse(lab, lab.ecs02, zone_domain(lab.endpoint, "cn-hangzhou-h"))
    assert outcome.ok
    assert outcome.entered_zone == "cn-hangzhou-h"
