"""All of Lab 2 through the official SDKs, two accounts' keys, a real worker and beat."""

import pytest
from lab2_flow import (
    consumer_side,
    consumer_waits_connected,
    provider_allows,
    provider_side,
    whitelist,
)

from cloudapi.models import AccessKey
from console.models import Event
from privatelink.models import Endpoint, EndpointConnection, EndpointService

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def test_lab2_through_the_sdks(celery_beat, sdk, account_a, account_b):
    key_a = AccessKey.objects.create(account=account_a)
    key_b = AccessKey.objects.create(account=account_b)

    provider = provider_side(sdk, key_b)
    service = provider["service"]
    whitelist(sdk, key_b, service.service_id, account_a.uid)

    endpoint_id = consumer_side(sdk, key_a, service.service_name)
    provider_allows(sdk, key_b, service.service_id, endpoint_id)
    settled = consumer_waits_connected(sdk, key_a, endpoint_id)

    assert settled.service_id == service.service_id
    assert EndpointConnection.objects.get(pk=endpoint_id).status == "Connected"
    assert Endpoint.objects.for_account(account_a).filter(pk=endpoint_id).exists()
    assert EndpointService.objects.for_account(account_b).filter(pk=service.service_id).exists()
    labels = set(Event.objects.for_account(account_b).values_list("actor_label", flat=True))
    assert f"AccessKey {key_b.pk}" in labels
