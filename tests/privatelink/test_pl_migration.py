"""The connections' own history table goes: its rows are carried into the one audit trail."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("console", "0006_tickets"), ("privatelink", "0002_list_indexes")]
AFTER = [("console", "0007_one_audit_trail"), ("privatelink", "0003_one_audit_trail")]


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def old_connection(apps):
    """A connection with its history as the old code wrote it: a request, the provider's
    allow, the worker's step (then also in the general trail)."""
    Account = apps.get_model("console", "Account")
    User = apps.get_model("auth", "User")
    consumer = Account.objects.create(name="A", uid="1000000000000001")
    provider = Account.objects.create(name="B", uid="1000000000000002")
    bob = User.objects.create(username="bob")
    vpc = apps.get_model("console", "Vpc").objects.create(
        id="vpc-old", account=consumer, region_id="eu-central-1", cidr_block="10.0.0.0/16"
    )
    endpoint = apps.get_model("privatelink", "Endpoint").objects.create(
        id="ep-old", account=consumer, region_id="eu-central-1", vpc=vpc, service_ref="epsrv-x"
    )
    row = apps.get_model("privatelink", "EndpointConnection").objects.create(
        endpoint=endpoint, account=consumer, service_ref="epsrv-x", status="Connected"
    )
    events = apps.get_model("privatelink", "ConnectionEvent").objects
    events.create(connection=row, action="request", to_state="Disconnected", actor_account=consumer)
    events.create(
        connection=row,
        action="allow",
        from_state="Disconnected",
        to_state="Connecting",
        actor=bob,
        actor_account=provider,
        message="Service resources allocated automatically.",
    )
    events.create(
        connection=row, action="finish_connect", from_state="Connecting", to_state="Connected"
    )
    apps.get_model("console", "Event").objects.create(
        account=consumer,
        resource_id="ep-old",
        resource_type="endpoint connection",
        action="finish_connect",
        from_state="Connecting",
        to_state="Connected",
        actor_label="system",
    )
    return consumer, provider


@pytest.mark.django_db(transaction=True)
def test_connection_events_are_carried_into_the_audit_trail(catalogue):
    old = migrate(BEFORE)
    consumer, provider = old_connection(old)
    new = migrate(AFTER)
    Event = new.get_model("console", "Event")
    rows = Event.objects.filter(resource_type="endpoint connection", resource_id="ep-old")
    assert list(
        rows.order_by("created_at", "id").values_list(
            "account_id", "action", "from_state", "to_state", "actor_label", "actor_account_id"
        )
    ) == [
        (consumer.pk, "request", "", "Disconnected", "system", consumer.pk),
        (consumer.pk, "allow", "Disconnected", "Connecting", "bob", provider.pk),
        (consumer.pk, "finish_connect", "Connecting", "Connected", "system", None),
    ]
    assert rows.get(action="allow").message == "Service resources allocated automatically."
    # And back: the history returns to its own table.
    old = migrate(BEFORE)
    events = old.get_model("privatelink", "ConnectionEvent").objects.order_by("created_at", "id")
    assert list(events.values_list("action", "actor__username")) == [
        ("request", None),
        ("allow", "bob"),
        ("finish_connect", None),
    ]
    migrate(AFTER)
