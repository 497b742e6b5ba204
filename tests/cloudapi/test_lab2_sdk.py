"""All of Lab 2 through the official SDKs with two accounts' keys, a real worker and beat:
the README's example script, run unchanged against the live server."""

import pytest
from lab2_flow import example
from sdk_fixtures import *  # noqa: F403

from cloudapi.models import AccessKey
from console.models import EcsInstance, Event, Vpc
from labs import services as lab_services
from labs.definitions import LABS
from loadbalancer.models import ClbBackend
from privatelink.models import Endpoint, EndpointConnection, EndpointService

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def test_lab2_through_the_sdks(celery_beat, api_host, account_a, account_b):
    key_a = AccessKey.objects.create(account=account_a)
    key_b = AccessKey.objects.create(account=account_b)

    result = example.main(
        api_host, (key_b.pk, key_b.secret), (key_a.pk, key_a.secret), health_timeout=60
    )

    endpoint_id, service = result["endpoint_id"], result["service"]
    assert EndpointConnection.objects.get(pk=endpoint_id).status == "Connected"
    assert Endpoint.objects.for_account(account_a).filter(pk=endpoint_id).exists()
    assert EndpointService.objects.for_account(account_b).filter(pk=service.service_id).exists()
    assert ClbBackend.objects.get(listener__clb_id=result["lb_id"]).health_status == "Normal"
    assert set(Vpc.objects.for_account(account_a).values_list("name", flat=True)) == {"VPC1"}
    assert EcsInstance.objects.for_account(account_b).get().service == "nginx"
    for account, key in ((account_a, key_a), (account_b, key_b)):
        labels = set(Event.objects.for_account(account).values_list("actor_label", flat=True))
        assert f"AccessKey {key.pk}" in labels


def test_a_lab2_run_done_through_the_api_ticks_its_steps(celery_beat, api_host, catalogue):
    """The lab panel's command: the example script with the lab's keys and ``USE_LAB=1``
    uses the run's prepared VPCs and instances, and every step but the last (opened from ECS1
    in the console) is done."""
    run = lab_services.lab_run_start(lab="lab2", label="API", login_prefix="api-")
    a, b = run.account_a, run.account_b
    key_a, key_b = AccessKey.objects.create(account=a), AccessKey.objects.create(account=b)

    result = example.main(
        api_host,
        (key_b.pk, key_b.secret),
        (key_a.pk, key_a.secret),
        health_timeout=60,
        use_lab=True,
    )

    run.refresh_from_db()
    steps = LABS["lab2"].progress(run)
    assert [(step.key, done) for step, done, _ in steps[:-1]] == [
        (step.key, True) for step, _, _ in steps[:-1]
    ]
    assert not steps[-1][1]
    # Nothing new was built where the lab prepared it.
    assert set(Vpc.objects.for_account(a).values_list("name", flat=True)) == {"VPC1"}
    assert set(Vpc.objects.for_account(b).values_list("name", flat=True)) == {"VPC2"}
    assert EcsInstance.objects.for_account(b).count() == 2
    listener_backends = ClbBackend.objects.filter(listener__clb_id=result["lb_id"])
    assert {x.instance_id for x in listener_backends} == {
        run.resources["ECS2"],
        run.resources["ECS3"],
    }
