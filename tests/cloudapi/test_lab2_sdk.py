"""All of Lab 2 through the official SDKs with two accounts' keys, a real worker and beat:
the README's example script, run unchanged against the live server."""

import pytest
from lab2_flow import example
from sdk_fixtures import *  # noqa: F403

from cloudapi.models import AccessKey
from console.models import EcsInstance, Event, Vpc
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
