"""Allow and Deny pressed at the same moment on one connection: exactly one wins, no 500;
one create form submitted from several tabs at once: one resource.

Runs on the configured database (SQLite by default: IMMEDIATE transactions serialise the
writers) and again, in a subprocess, on a throwaway PostgreSQL (row locks).
"""

import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from django.db import connection as db_connection
from pl_factories import connection_of, make_endpoint, make_service, settle

from factories import client_for, make_login
from privatelink.models import connection_events

pytestmark = pytest.mark.django_db(transaction=True)
ROOT = Path(__file__).resolve().parents[2]
THREADS = 8


@pytest.fixture
def no_followups(monkeypatch):
    """Keep transitional states where the race leaves them (no worker step in between)."""
    from console import lifecycle

    monkeypatch.setattr(lifecycle, "schedule_advance", lambda obj, delay=None: None)


def press_at_once(clients, url_for_client, data_for_client=None):
    """Every client POSTs at the same moment; returns (status, final page text) per client."""
    barrier = threading.Barrier(len(clients))
    results = [None] * len(clients)

    def press(index, client):
        try:
            barrier.wait(timeout=10)
            data = data_for_client(index) if data_for_client else {}
            response = client.post(url_for_client(index), data, follow=True)
            results[index] = (response.status_code, response.content.decode())
        except Exception as exc:  # a crash is a failure of the test, reported below
            results[index] = (500, repr(exc))
        finally:
            db_connection.close()

    threads = [threading.Thread(target=press, args=(i, c)) for i, c in enumerate(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return results


@pytest.fixture
def race(account_a, account_b):
    service = make_service(account_b, whitelist=[account_a])
    endpoint = make_endpoint(account_a, service)
    clients = [client_for(make_login(account_b, f"provider-{n}")) for n in range(THREADS)]
    base = f"/privatelink/endpoint-services/{service.pk}/connections/{endpoint.pk}"
    return service, endpoint, clients, base


def state_changes(endpoint):
    return [
        (e.action, e.from_state, e.to_state)
        for e in connection_events().filter(resource_id=endpoint.pk)
        if e.from_state and e.from_state != e.to_state and e.actor_id is not None
    ]


def test_allow_and_deny_at_once_on_a_request(race, no_followups):
    service, endpoint, clients, base = race
    results = press_at_once(clients, lambda i: f"{base}/{'allow' if i % 2 == 0 else 'deny'}/")
    assert all(status == 200 for status, _ in results), results
    assert state_changes(endpoint) == [("allow", "Disconnected", "Connecting")]
    assert connection_of(endpoint).status == "Connecting"
    told = [body for _, body in results if "The connection is Connecting" in body]
    allowed = [body for _, body in results if "is being allowed" in body]
    assert len(allowed) == 1
    # Every other Allow, and every Deny that came after it, was told the state.
    denied_before = [body for _, body in results if "request of" in body and "was denied" in body]
    assert len(told) + len(allowed) + len(denied_before) == THREADS


def test_deny_and_change_bandwidth_at_once_on_a_connected_connection(race, no_followups):
    service, endpoint, clients, base = race
    from privatelink import services

    services.connection_allow(
        account=service.account, service=service, connection=connection_of(endpoint)
    )
    settle(connection_of(endpoint))
    before = len(state_changes(endpoint))
    results = press_at_once(
        clients,
        lambda i: f"{base}/{'deny' if i % 2 == 0 else 'bandwidth'}/",
        lambda i: {"bandwidth": "2048"},
    )
    assert all(status == 200 for status, _ in results), results
    changes = state_changes(endpoint)[: len(state_changes(endpoint)) - before]
    assert len(changes) == 1, changes
    final = connection_of(endpoint).status
    assert final in ("Disconnecting", "Pending")
    refused = [body for _, body in results if f"The connection is {final}" in body]
    assert len(refused) == THREADS - 1


def test_one_create_form_submitted_at_once_from_four_tabs_makes_one_vpc(account_a, no_followups):
    from console.models import Vpc

    clients = [client_for(make_login(account_a, f"trainee-{n}")) for n in range(4)]
    data = {"name": "VPC1", "cidr_block": "10.10.0.0/16", "idempotency_key": "a" * 32}
    results = press_at_once(clients, lambda i: "/vpcs/create/", lambda i: data)
    assert all(status == 200 for status, _ in results), results
    assert Vpc.objects.for_account(account_a).count() == 1


# --- the same on PostgreSQL ---------------------------------------------------------------


def test_concurrency_on_postgresql(postgres_url):
    """Run this module's races again with the test database on PostgreSQL."""
    env = dict(os.environ, DATABASE_URL=postgres_url, PYTHONUNBUFFERED="1")
    result = subprocess.run(
        [sys.executable, "-m", "pytest", __file__, "-q", "-p", "no:cacheprovider"]
        + ["-k", "not postgresql", "-o", "addopts="],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-4000:]
    assert "3 passed" in output, output[-4000:]
