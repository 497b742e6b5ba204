"""The connection state machine: the spec's whole table, allowed and refused, zones, history."""

import pytest
from pl_factories import connection_of, make_endpoint, make_service, settle

from console.errors import ConsoleError, StateRefused
from privatelink import services
from privatelink.models import Endpoint, EndpointConnection, EndpointZone

S = EndpointConnection.Status
Z = EndpointZone.Status


def provider_call(action, connection, account, user=None, **kwargs):
    service = connection.service
    fn = {
        "allow": services.connection_allow,
        "deny": services.connection_deny,
        "bandwidth": services.connection_change_bandwidth,
    }[action]
    if action == "bandwidth":
        kwargs.setdefault("bandwidth", 2048)
    return fn(account=account, actor=user, service=service, connection=connection, **kwargs)


def connection_in(state, account_a, account_b):
    """A connection of account_a's endpoint to account_b's service, in ``state``."""
    service = make_service(account_b, whitelist=[account_a])
    endpoint = make_endpoint(account_a, service)
    connection = connection_of(endpoint)
    assert connection.status == S.DISCONNECTED
    if state == S.DISCONNECTED:
        return connection
    if state == S.SERVICE_DELETED:
        services.service_resource_remove(
            account=account_b, service=service, resource=service.resources.get()
        )
        services.endpoint_service_delete(account=account_b, service=service)
        settle(service)
        return EndpointConnection.objects.get(pk=connection.pk)
    if state == S.DELETING:
        services.endpoint_delete(account=account_a, endpoint=endpoint)
        return connection_of(endpoint)
    connection = provider_call("allow", connection, account_b)
    if state == S.CONNECTING:
        return connection
    connection = settle(connection)
    if state == S.CONNECTED:
        return connection
    if state == S.DISCONNECTING:
        return provider_call("deny", connection, account_b)
    if state == S.PENDING:
        return provider_call("bandwidth", connection, account_b)
    raise AssertionError(state)


ALLOWED = {
    ("allow", S.DISCONNECTED): S.CONNECTING,
    ("deny", S.CONNECTED): S.DISCONNECTING,
    ("deny", S.DISCONNECTED): S.DISCONNECTED,  # the request is rejected, and that is recorded
    ("bandwidth", S.CONNECTED): S.PENDING,
}
WORKER = {
    S.CONNECTING: S.CONNECTED,
    S.DISCONNECTING: S.DISCONNECTED,
    S.PENDING: S.CONNECTED,
}


# Deleted is never seen: the row is removed in the same step (console.lifecycle.advance).
OBSERVABLE = [state for state in S if state != S.DELETED]


@pytest.mark.parametrize("state", OBSERVABLE)
@pytest.mark.parametrize("action", ["allow", "deny", "bandwidth"])
def test_transition_table(action, state, account_a, account_b, user_b):
    connection = connection_in(state, account_a, account_b)
    assert connection.status == state
    if state == S.SERVICE_DELETED:
        # The provider no longer has the service: nothing to act through.
        assert connection.service is None
        return
    before = connection.events.count()
    expected = ALLOWED.get((action, state))
    if expected is None:
        with pytest.raises(StateRefused) as refused:
            provider_call(action, connection, account_b, user_b)
        assert f"The connection is {state}" in refused.value.message
        assert connection_of(connection.endpoint).status == state
        assert connection.events.count() == before
        return
    result = provider_call(action, connection, account_b, user_b)
    assert result.status == expected
    event = connection.events.first()
    assert (event.from_state, event.to_state, event.actor) == (state, expected, user_b)
    assert event.actor_account == account_b
    if expected in WORKER:
        settled = settle(result)
        assert settled.status == WORKER[expected]
        last = connection.events.first()
        assert (last.from_state, last.to_state, last.actor) == (expected, WORKER[expected], None)


def test_refusal_wording(account_a, account_b):
    connecting = connection_in(S.CONNECTING, account_a, account_b)
    with pytest.raises(
        StateRefused, match="The connection is Connecting; wait until it is Connected."
    ):
        provider_call("deny", connecting, account_b)
    connected = settle(connecting)
    with pytest.raises(StateRefused, match="only a Disconnected connection can be allowed"):
        provider_call("allow", connected, account_b)


def test_worker_completes_each_transitional_state(account_a, account_b):
    for state, target in WORKER.items():
        connection = connection_in(state, account_a, account_b)
        assert settle(connection).status == target


def test_deleting_removes_endpoint_and_connection(account_a, account_b):
    connection = connection_in(S.CONNECTED, account_a, account_b)
    endpoint = connection.endpoint
    services.endpoint_delete(account=account_a, endpoint=endpoint)
    assert connection_of(endpoint).status == S.DELETING
    assert Endpoint.objects.get(pk=endpoint.pk).status == Endpoint.Status.DELETING
    assert set(endpoint.zones.values_list("status", flat=True)) == {Z.DELETING}
    settle(Endpoint.objects.get(pk=endpoint.pk))
    assert not Endpoint.objects.filter(pk=endpoint.pk).exists()
    assert not EndpointConnection.objects.filter(pk=endpoint.pk).exists()
    assert not connection.service.connections.exists()


def test_auto_accept_goes_straight_through(account_a):
    service = make_service(account_a, auto_accept=True)
    endpoint = make_endpoint(account_a, service, settle_=False)
    connection = connection_of(endpoint)
    assert connection.status == S.CONNECTING
    assert settle(connection).status == S.CONNECTED
    settle(endpoint)
    assert set(endpoint.zones.values_list("status", flat=True)) == {Z.CONNECTED}
    history = list(
        connection.events.order_by("created_at", "id").values_list("to_state", flat=True)
    )
    assert history == [S.DISCONNECTED, S.CONNECTING, S.CONNECTED]


def test_zones_follow_the_connection(account_a, account_b):
    service = make_service(account_b, whitelist=[account_a])
    endpoint = make_endpoint(account_a, service, settle_=False)

    def zone_status():
        return EndpointZone.objects.get(endpoint=endpoint).status

    assert zone_status() == Z.CREATING
    settle(endpoint)
    assert zone_status() == Z.WAIT
    connection = provider_call("allow", connection_of(endpoint), account_b)
    assert zone_status() == Z.CONNECTING
    connection = settle(connection)
    assert zone_status() == Z.CONNECTED
    connection = provider_call("deny", connection, account_b)
    assert zone_status() == Z.DISCONNECTING
    settle(connection)
    assert zone_status() == Z.DISCONNECTED


def test_bandwidth_range_by_resource_type(account_a, account_b):
    connection = connection_in(S.CONNECTED, account_a, account_b)
    for bad in (99, 10241, "fast"):
        with pytest.raises(ConsoleError, match="from 100 to 10240 Mbps"):
            provider_call("bandwidth", connection, account_b, bandwidth=bad)
    result = settle(provider_call("bandwidth", connection, account_b, bandwidth=10240))
    assert (result.status, result.bandwidth) == (S.CONNECTED, 10240)


def test_default_bandwidth_is_1024(account_a, account_b):
    assert connection_in(S.DISCONNECTED, account_a, account_b).bandwidth == 1024


def test_service_deleted_is_refused_while_connected(account_a, account_b):
    connection = connection_in(S.CONNECTED, account_a, account_b)
    service = connection.service
    with pytest.raises(ConsoleError, match="Delete the endpoint connections and service resources"):
        services.endpoint_service_delete(account=account_b, service=service)
    with pytest.raises(ConsoleError, match="use that zone"):
        services.service_resource_remove(
            account=account_b, service=service, resource=service.resources.get()
        )


def test_only_the_provider_acts_and_only_through_its_service(account_a, account_b):
    connection = connection_in(S.DISCONNECTED, account_a, account_b)
    # The consumer cannot allow its own request through the provider's service.
    with pytest.raises(ConsoleError, match="does not exist"):
        provider_call("allow", connection, account_a)
    # Nor the provider through another service of its own.
    other = make_service(account_b)
    with pytest.raises(StateRefused, match="no longer exists"):
        services.connection_allow(account=account_b, service=other, connection=connection)
    assert connection_of(connection.endpoint).status == S.DISCONNECTED


def test_history_hides_the_other_accounts_login(account_a, account_b, user_a, user_b):
    connection = connection_in(S.DISCONNECTED, account_a, account_b)
    provider_call("allow", connection, account_b, user_b)
    event = connection.events.first()
    assert event.actor_for(account_b) == user_b.username
    assert event.actor_for(account_a) == f"Account {account_b.uid}"
