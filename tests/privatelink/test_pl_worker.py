"""The real worker (through a real Redis) completes connections and endpoints."""

import pytest
from pl_factories import connection_of, lab1_consumer, lab1_provider

from console import lifecycle
from factories import region, zone
from privatelink import services
from privatelink.models import Endpoint, EndpointConnection, EndpointService, EndpointZone

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def test_worker_completes_connecting_to_connected_and_deleting(
    celery_worker, wait_until, account_a, account_b
):
    clb = lab1_provider(account_b)[2]
    service = services.endpoint_service_create(
        account=account_b, region=region(), resources=[(zone("eu-central-1b"), clb)]
    )
    wait_until(lambda: EndpointService.objects.get(pk=service.pk).status == "Active", timeout=20)
    service.refresh_from_db()
    services.whitelist_add(account=account_b, service=service, uids=account_a.uid)
    vpc, vswitch, group = lab1_consumer(account_a)
    endpoint = services.endpoint_create(
        account=account_a,
        region=region(),
        name="ep1",
        service=service,
        vpc=vpc,
        security_groups=[group],
        zones=[(zone("eu-central-1b"), vswitch)],
    )
    wait_until(lambda: Endpoint.objects.get(pk=endpoint.pk).status == "Active", timeout=20)
    assert EndpointZone.objects.get(endpoint=endpoint).status == "Wait"

    connection = services.connection_allow(
        account=account_b, service=service, connection=connection_of(endpoint)
    )
    assert connection.status == "Connecting"
    wait_until(lambda: connection_of(endpoint).status == "Connected", timeout=20)
    assert EndpointZone.objects.get(endpoint=endpoint).status == "Connected"
    history = list(
        connection_of(endpoint)
        .events.order_by("created_at", "id")
        .values_list("to_state", flat=True)
    )
    assert history == ["Disconnected", "Connecting", "Connected"]

    services.endpoint_delete(account=account_a, endpoint=Endpoint.objects.get(pk=endpoint.pk))
    wait_until(lambda: not Endpoint.objects.filter(pk=endpoint.pk).exists(), timeout=20)
    assert not EndpointConnection.objects.filter(pk=endpoint.pk).exists()
    assert not vswitch.private_ips.exists()


def test_reconciler_finishes_a_connection_whose_task_was_lost(account_a, monkeypatch, settings):
    from pl_factories import make_endpoint, make_service

    monkeypatch.setattr(lifecycle, "schedule_advance", lambda obj, delay=None: None)
    service = make_service(account_a)
    endpoint = make_endpoint(account_a, service)
    services.connection_allow(
        account=account_a, service=service, connection=connection_of(endpoint)
    )
    assert connection_of(endpoint).status == "Connecting"
    monkeypatch.undo()
    lifecycle.reconcile(older_than=0)
    assert connection_of(endpoint).status == "Connected"
