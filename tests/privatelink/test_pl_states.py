"""Every state of PrivateLink resources changes through console.lifecycle: zones follow their
endpoint and connection there, deletion is a state change (Deleting → Deleted) after which the
row goes, and everything lands in the one audit trail."""

import pytest
from pl_factories import connection_of, make_endpoint, make_service, settle

from console import lifecycle
from console.models import Event
from privatelink import services
from privatelink.models import Endpoint, EndpointConnection, EndpointService, EndpointZone

Z = EndpointZone.Status


def trail(obj):
    rows = Event.objects.filter(resource_type=obj._meta.verbose_name, resource_id=obj.pk)
    return list(rows.order_by("created_at", "id").values_list("action", "from_state", "to_state"))


def test_a_zone_state_cannot_be_written_directly(account_a, account_b):
    service = make_service(account_b, whitelist=[account_a])
    zone = make_endpoint(account_a, service).zones.get()
    with pytest.raises(AttributeError):
        zone.status = Z.CONNECTED
    assert EndpointZone.objects.get(pk=zone.pk).status == Z.WAIT


def test_zones_change_through_the_lifecycle(account_a, account_b, monkeypatch):
    followed = []
    follow = lifecycle.follow

    def recording_follow(obj, method_name, **kwargs):
        changed = follow(obj, method_name, **kwargs)
        if changed:
            followed.append(obj.status)
        return changed

    monkeypatch.setattr(lifecycle, "follow", recording_follow)
    service = make_service(account_b, whitelist=[account_a])
    endpoint = make_endpoint(account_a, service, settle_=False)
    endpoint = settle(endpoint)
    connection = services.connection_allow(
        account=account_b, service=service, connection=connection_of(endpoint)
    )
    connection = settle(connection)
    services.connection_deny(account=account_b, service=service, connection=connection)
    settle(connection_of(endpoint))
    services.endpoint_delete(account=account_a, endpoint=endpoint)
    assert followed == [
        Z.WAIT,
        Z.CONNECTING,
        Z.CONNECTED,
        Z.DISCONNECTING,
        Z.DISCONNECTED,
        Z.DELETING,
    ]
    assert list(endpoint.zones.values_list("status", flat=True)) == [Z.DELETING]


def test_deleting_an_endpoint_ends_in_deleted_then_the_rows_go(account_a, account_b):
    service = make_service(account_b, whitelist=[account_a])
    endpoint = make_endpoint(account_a, service)
    connection = connection_of(endpoint)
    services.endpoint_delete(account=account_a, endpoint=endpoint)
    # The connection's step may come first: it goes, the endpoint is still Deleting.
    assert settle(connection_of(endpoint)).status == EndpointConnection.Status.DELETED
    assert not EndpointConnection.objects.filter(pk=endpoint.pk).exists()
    assert Endpoint.objects.get(pk=endpoint.pk).status == Endpoint.Status.DELETING
    assert settle(Endpoint.objects.get(pk=endpoint.pk)).status == Endpoint.Status.DELETED
    assert not Endpoint.objects.filter(pk=endpoint.pk).exists()
    assert not EndpointZone.objects.filter(endpoint_id=endpoint.pk).exists()
    assert trail(endpoint)[-2:] == [
        ("delete", "Active", "Deleting"),
        ("finish_delete", "Deleting", "Deleted"),
    ]
    assert trail(connection)[-2:] == [
        ("delete", "Disconnected", "Deleting"),
        ("finish_delete", "Deleting", "Deleted"),
    ]


def test_deleting_a_service_ends_in_deleted_and_its_requests_in_service_deleted(
    account_a, account_b
):
    service = make_service(account_b, whitelist=[account_a])
    endpoint = make_endpoint(account_a, service)
    services.service_resource_remove(
        account=account_b, service=service, resource=service.resources.get()
    )
    deleting = services.endpoint_service_delete(account=account_b, service=service)
    assert settle(deleting).status == EndpointService.Status.DELETED
    assert not EndpointService.objects.filter(pk=service.pk).exists()
    assert trail(service)[-1] == ("finish_delete", "Deleting", "Deleted")
    connection = connection_of(endpoint)
    assert trail(connection)[-1] == ("service deleted", "Disconnected", "ServiceDeleted")
    assert connection.events.first().actor_for(account_a) == "System"
    assert list(endpoint.zones.values_list("status", flat=True)) == [Z.DISCONNECTED]


def test_the_connection_history_is_the_audit_trail(account_a, account_b, user_a, user_b):
    service = make_service(account_b, whitelist=[account_a])
    endpoint = make_endpoint(account_a, service)
    services.connection_allow(
        account=account_b, actor=user_b, service=service, connection=connection_of(endpoint)
    )
    connection = settle(connection_of(endpoint))
    assert trail(connection) == [
        ("request", "", "Disconnected"),
        ("allow", "Disconnected", "Connecting"),
        ("finish_connect", "Connecting", "Connected"),
    ]
    as_provider = [who for _, who in connection.history_for(account_b)]
    as_consumer = [who for _, who in connection.history_for(account_a)]
    assert as_provider == ["System", user_b.username, f"Account {account_a.uid}"]
    assert as_consumer == ["System", f"Account {account_b.uid}", "Current Account"]
