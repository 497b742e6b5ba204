"""Every stop of the trace: build the situation, send the request, expect the code and hop."""

import pytest
from net_factories import allow, browse, deny, fresh, healthy_clb, lab1

from console import services as console_services
from console.models import SecurityGroupRule
from factories import settle
from loadbalancer import health
from loadbalancer import services as lb
from loadbalancer.models import ClbInstance, ClbListener
from network import dataplane as dp
from privatelink.models import Endpoint, EndpointZone, ServiceResource


def add_rule(lab, direction, policy, ports="80/80", cidr="0.0.0.0/0", priority=1):
    console_services.security_group_rule_add(
        account=lab.consumer,
        group=lab.sg1,
        direction=direction,
        policy=policy,
        priority=priority,
        protocol="tcp",
        port_range=ports,
        cidr_block=cidr,
    )


def stop_instance(instance):
    instance = fresh(instance)
    console_services.ecs_instance_stop(account=instance.account, instance=instance)
    return settle(instance)


def no_service(instance):
    instance = fresh(instance)
    console_services.ecs_instance_set_service(
        account=instance.account, instance=instance, service="none", service_port=80, page_body=""
    )


def listener(lab):
    return ClbListener.objects.get(clb=lab.clb)


def unknown_name(lab):
    return "ep-doesnotexist.example.com"


def stopped_client(lab):
    stop_instance(lab.ecs1)


def ip_of_another_vpc(lab):
    return lab.ecs2.private_ip


def unused_ip_of_own_vpc(lab):
    return "10.10.0.99"


def egress_deny(lab):
    add_rule(lab, "egress", "drop")


def egress_no_rule(lab):
    SecurityGroupRule.objects.filter(group=lab.sg1, direction="egress").delete()


def ingress_deny(lab):
    add_rule(lab, "ingress", "drop", cidr=f"{lab.ecs1.private_ip}/32")


def ingress_wrong_port(lab):
    return f"{lab.endpoint.domain}:8080"


def endpoint_creating(lab):
    Endpoint.objects.filter(pk=lab.endpoint.pk).update(status="Creating")


def not_allowed(lab):
    deny(lab.provider, lab.endpoint)


def zone_disconnected(lab):
    EndpointZone.objects.filter(endpoint=lab.endpoint).update(status="Disconnected")


def resource_gone(lab):
    ServiceResource.objects.filter(service=lab.service).delete()


def lb_inactive(lab):
    ClbInstance.objects.filter(pk=lab.clb.pk).update(status="Inactive")


def no_listener(lab):
    add_rule(lab, "ingress", "accept", ports="8080/8080", cidr="10.10.0.0/16")
    return f"{lab.endpoint.domain}:8080"


def udp_listener(lab):
    add_rule(lab, "ingress", "accept", ports="53/53", cidr="10.10.0.0/16")
    lb.clb_listener_create(
        account=lab.provider, clb=lab.clb, protocol="UDP", port=53, servers=[(lab.ecs2.pk, 100, 53)]
    )
    return f"{lab.endpoint.domain}:53"


def listener_stopped(lab):
    lb.clb_listener_stop(account=lab.provider, listener=listener(lab))


def backends_down(lab):
    stop_instance(lab.ecs2)
    stop_instance(lab.ecs3)
    for _ in range(3):
        health.check_clb_listener(listener(lab).pk)


def weights_zero(lab):
    listener(lab).backends.update(weight=0)


def services_removed(lab):
    # The health checker has not noticed yet: the backends still count as Normal.
    no_service(lab.ecs2)
    no_service(lab.ecs3)


CASES = [
    (unknown_name, dp.NAME_NOT_RESOLVED, dp.RESOLVE, "ERR_NAME_NOT_RESOLVED"),
    (stopped_client, dp.SOURCE_NOT_RUNNING, dp.SOURCE, "ERR_INTERNET_DISCONNECTED"),
    (ip_of_another_vpc, dp.NO_ROUTE_TO_DESTINATION, dp.ROUTE, "ERR_CONNECTION_TIMED_OUT"),
    (unused_ip_of_own_vpc, dp.NO_ROUTE_TO_DESTINATION, dp.ROUTE, "ERR_CONNECTION_TIMED_OUT"),
    (egress_deny, dp.SG_EGRESS_DENIED, dp.EGRESS, "ERR_CONNECTION_TIMED_OUT"),
    (egress_no_rule, dp.SG_EGRESS_DENIED, dp.EGRESS, "ERR_CONNECTION_TIMED_OUT"),
    (ingress_deny, dp.SG_INGRESS_DENIED, dp.INGRESS, "ERR_CONNECTION_TIMED_OUT"),
    (ingress_wrong_port, dp.SG_INGRESS_DENIED, dp.INGRESS, "ERR_CONNECTION_TIMED_OUT"),
    (endpoint_creating, dp.ENDPOINT_NOT_ACTIVE, dp.ENDPOINT, "ERR_CONNECTION_TIMED_OUT"),
    (not_allowed, dp.CONNECTION_NOT_CONNECTED, dp.ENDPOINT, "ERR_CONNECTION_TIMED_OUT"),
    (zone_disconnected, dp.ZONE_NOT_CONNECTED, dp.ENDPOINT, "ERR_CONNECTION_TIMED_OUT"),
    (resource_gone, dp.NO_RESOURCE_IN_ZONE, dp.SERVICE_RESOURCE, "ERR_CONNECTION_TIMED_OUT"),
    (lb_inactive, dp.LB_NOT_ACTIVE, dp.SERVICE_RESOURCE, "ERR_CONNECTION_TIMED_OUT"),
    (no_listener, dp.NO_LISTENER_ON_PORT, dp.LISTENER, "ERR_CONNECTION_REFUSED"),
    (udp_listener, dp.NO_LISTENER_ON_PORT, dp.LISTENER, "ERR_CONNECTION_REFUSED"),
    (listener_stopped, dp.LISTENER_STOPPED, dp.LISTENER, "ERR_CONNECTION_REFUSED"),
    (backends_down, dp.NO_HEALTHY_BACKEND, dp.BACKEND_CHOICE, "503"),
    (weights_zero, dp.NO_HEALTHY_BACKEND, dp.BACKEND_CHOICE, "503"),
    (services_removed, dp.BACKEND_NOT_LISTENING, dp.BACKEND, "502"),
]


@pytest.mark.parametrize("situation, code, step, shown", CASES, ids=[c[0].__name__ for c in CASES])
def test_the_trace_stops_with_the_code_at_its_hop(account_a, situation, code, step, shown):
    lab = lab1(account_a)
    address = situation(lab) or lab.endpoint.domain
    outcome = browse(lab, lab.ecs1, address)

    assert outcome.code == code, outcome.hops[-1]
    stop = outcome.stop
    assert stop.step == step and not stop.ok and stop.code == code
    assert all(h.ok for h in outcome.hops[:-1])
    assert [h.step for h in outcome.hops] == sorted(h.step for h in outcome.hops)
    # Every stop explains itself: what is wrong, and who changes which setting.
    assert stop.detail and stop.fix
    assert "must" in stop.fix or "Check the address" in stop.fix
    response = outcome.response
    if shown.isdigit():
        assert response.status == int(shown)
        assert response.status_line.startswith(f"HTTP/1.1 {shown}")
    else:
        assert not response.is_page and response.error == shown


def test_every_code_of_the_spec_has_a_case():
    assert {c[1] for c in CASES} == set(dp.CODES)


def test_connection_not_connected_names_the_provider_and_the_status(account_a, account_b):
    lab = lab1(account_a, account_b, connect=False)
    outcome = browse(lab, lab.ecs1, lab.endpoint.domain)
    assert outcome.code == dp.CONNECTION_NOT_CONNECTED
    assert "Disconnected" in outcome.stop.detail
    assert f"The service provider (account {account_b.uid}) has not allowed" in outcome.stop.detail
    assert "Allow" in outcome.stop.fix
    # Once allowed, the same request goes through and is counted.
    allow(account_b, lab.endpoint)
    assert browse(lab, lab.ecs1, lab.endpoint.domain).ok


def test_egress_stop_names_the_group_and_the_rule(account_a):
    lab = lab1(account_a)
    egress_deny(lab)
    stop = browse(lab, lab.ecs1, lab.endpoint.domain).stop
    assert lab.sg1.pk in stop.detail and "Deny, priority 1, TCP 80/80, 0.0.0.0/0" in stop.detail
    assert stop.ref.id == lab.sg1.pk


def test_failed_requests_before_the_connection_are_not_counted(account_a):
    lab = lab1(account_a)
    egress_deny(lab)
    browse(lab, lab.ecs1, lab.endpoint.domain)
    assert Endpoint.objects.get(pk=lab.endpoint.pk).connection.request_count == 0


def test_health_recovers_and_the_request_goes_through_again(account_a):
    lab = lab1(account_a)
    backends_down(lab)
    assert browse(lab, lab.ecs1, lab.endpoint.domain).code == dp.NO_HEALTHY_BACKEND
    for instance in (lab.ecs2, lab.ecs3):
        instance = fresh(instance)
        console_services.ecs_instance_start(account=instance.account, instance=instance)
        settle(instance)
    healthy_clb(listener(lab))
    assert browse(lab, lab.ecs1, lab.endpoint.domain).ok


def test_an_address_the_browser_cannot_open(account_a):
    lab = lab1(account_a)
    outcome = browse(lab, lab.ecs1, "ftp://files")
    assert outcome.code == dp.INVALID_ADDRESS and outcome.response.error == "ERR_INVALID_URL"
