"""Inside another account the trace names the account and the verdict, never its resources."""

import pytest
from net_factories import browse, lab1, lab3, zone_domain

from console import services as console_services
from console.models import EcsInstance
from factories import network_resource_ids
from network import dataplane as dp

INSIDE_PROVIDER = (dp.SERVICE_RESOURCE, dp.LISTENER, dp.BACKEND_CHOICE, dp.BACKEND)


def words(outcome):
    """Everything of an outcome the viewer can read."""
    parts = [outcome.response.body, outcome.response.title]
    for hop in outcome.hops:
        parts += [hop.title, hop.detail, hop.fix]
        if hop.ref:
            parts += [hop.ref.id, hop.ref.label]
    return "\n".join(parts)


def assert_opaque(outcome, provider):
    text = words(outcome)
    leaked = sorted(i for i in network_resource_ids(provider) if i in text)
    assert not leaked, leaked
    for name in ("CLB1", "VPC2", "VSW2"):
        assert name not in text


def test_lab2_consumer_sees_the_providers_account_and_verdicts_only(account_a, account_b):
    lab = lab1(account_a, account_b)
    outcome = browse(lab, lab.ecs1, lab.endpoint.domain)
    assert outcome.ok, outcome.hops[-1]
    assert_opaque(outcome, account_b)
    inside = [h for h in outcome.hops if h.step in INSIDE_PROVIDER]
    assert [h.step for h in inside] == list(INSIDE_PROVIDER)
    for hop in inside:
        assert hop.ok and hop.ref.owner == account_b.uid and hop.ref.opaque, hop
        assert f"account {account_b.uid}" in hop.detail, hop
    assert inside[0].detail == (
        f"The service resource of {lab.service.pk} in eu-central-1b: a CLB instance of account "
        f"{account_b.uid} is Active."
    )
    assert inside[-1].detail == (
        f"An ECS instance of account {account_b.uid} answers on port 80: HTTP/1.1 200 OK."
    )
    # The consumer's own hops stay in full.
    endpoint_hop = next(h for h in outcome.hops if h.step == dp.ENDPOINT)
    assert lab.endpoint.pk in endpoint_hop.detail and not endpoint_hop.ref.opaque


def test_lab2_stops_inside_the_provider_name_the_account_not_its_resources(account_a, account_b):
    lab = lab1(account_a, account_b, weights=(0, 0))
    outcome = browse(lab, lab.ecs1, lab.endpoint.domain)
    assert outcome.code == dp.NO_HEALTHY_BACKEND
    assert outcome.response.status == 503
    assert outcome.stop.detail == (
        f"503 Service Unavailable: server group of account {account_b.uid}: every healthy "
        "backend server has weight 0."
    )
    assert f"Account {account_b.uid} must do it." in outcome.stop.fix
    assert_opaque(outcome, account_b)


def test_lab2_a_stopped_backend_is_named_by_its_account(account_a, account_b):
    lab = lab1(account_a, account_b)
    for instance in (lab.ecs2, lab.ecs3):
        console_services.ecs_instance_stop(
            account=account_b, instance=EcsInstance.objects.get(pk=instance.pk)
        )
    outcome = browse(lab, lab.ecs1, lab.endpoint.domain)
    assert outcome.code == dp.BACKEND_NOT_LISTENING
    assert outcome.stop.detail.startswith(f"An ECS instance of account {account_b.uid} is ")
    assert_opaque(outcome, account_b)


def test_the_provider_sees_its_own_hops_in_full(account_a, account_b):
    lab = lab1(account_a, account_b)
    outcome = browse(account_b, lab.ecs2, lab.clb.address)
    assert outcome.ok, outcome.hops[-1]
    text = words(outcome)
    assert lab.clb.pk in text and "CLB1" in text
    assert lab.ecs2.pk in text or lab.ecs3.pk in text
    assert not any(h.ref and h.ref.opaque for h in outcome.hops)


@pytest.mark.parametrize("lab_name", ["lab1", "lab3"])
def test_one_account_labs_show_every_hop_in_full(account_a, lab_name):
    if lab_name == "lab1":
        lab = lab1(account_a)
        outcome = browse(lab, lab.ecs1, lab.endpoint.domain)
        lb_id, backends = lab.clb.pk, (lab.ecs2.pk, lab.ecs3.pk)
    else:
        lab = lab3(account_a)
        outcome = browse(lab, lab.ecs01, zone_domain(lab.endpoint, "cn-hangzhou-h"))
        lb_id, backends = lab.alb.pk, (lab.ecs03.pk, lab.ecs04.pk)
    assert outcome.ok, outcome.hops[-1]
    inside = {h.step: h for h in outcome.hops if h.step in INSIDE_PROVIDER}
    assert lb_id in inside[dp.SERVICE_RESOURCE].ref.id
    assert inside[dp.BACKEND].ref.id in backends
    assert inside[dp.BACKEND].ref.id in inside[dp.BACKEND_CHOICE].detail
    assert not any(h.ref and h.ref.opaque for h in outcome.hops)
