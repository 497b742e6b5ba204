"""What a login and a page cost the database when a whole class logs in at once: a login writes
its session once (one write transaction fewer on SQLite's single write lock), the region
catalogue is read once per process, and the counts are pinned."""

import datetime
import re

import pytest
from django.contrib.sessions.models import Session
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from console import middleware
from console.models import Region
from console.sessions import SessionStore
from labs import services as lab_services
from labs.definitions import LABS

# Pinned: the user with its login (role and account: the lab's region, and the redirect straight
# to the first page, not through "/"), the account's lab, then one write transaction (a
# savepoint here; BEGIN IMMEDIATE ... COMMIT under the server) with the session's INSERT (in its
# own savepoint) and last_login. The new session key is not looked up first: its INSERT finds a
# taken one. It was 11, with the session written twice, then 10 with the user, the login's
# account and its role read apart, and last_login written in a transaction of its own.
LOGIN_QUERIES = 8
# The VPC list of a trainee: the user with its login and account, the page of VPCs (one row
# more than it shows: a list that fits on its first page needs no count), the lab run.
VPC_LIST_QUERIES = 3


@pytest.fixture
def lab_login(catalogue):
    room = lab_services.classroom_create(name="Morning", lab="lab2", size=1)
    return room.runs.get().logins.get(role="A")


def session_writes(captured):
    return [
        q["sql"].split()[0]
        for q in captured
        if '"django_session"' in q["sql"] and q["sql"].startswith(("INSERT", "UPDATE", "DELETE"))
    ]


def write_transactions(captured):
    """The writes of each outermost transaction (savepoint) the request opened."""
    transactions, depth = [], 0
    for query in captured:
        sql = query["sql"]
        if sql.startswith("SAVEPOINT"):
            depth += 1
            if depth == 1:
                transactions.append([])
        elif sql.startswith("RELEASE SAVEPOINT"):
            depth -= 1
        elif sql.startswith(("INSERT", "UPDATE", "DELETE")):
            assert depth > 0, f"a write outside a transaction: {sql[:60]}"
            verb, table = sql.split()[0], re.search(r'"(\w+)"', sql).group(1)
            transactions[-1].append(f"{verb} {table}")
    return transactions


def test_a_class_login_writes_its_session_once_with_pinned_queries(lab_login):
    client = Client()
    assert client.get("/login/").status_code == 200
    form = {"username": lab_login.user.username, "password": lab_login.password}
    with CaptureQueriesContext(connection) as captured:
        response = client.post("/login/", form)
    assert response.status_code == 302
    assert response["Location"] == "/vpcs/"
    assert session_writes(captured) == ["INSERT"]
    assert len(captured) == LOGIN_QUERIES, "\n".join(q["sql"][:90] for q in captured)
    assert write_transactions(captured) == [["INSERT django_session", "UPDATE auth_user"]]
    lab_login.user.refresh_from_db()
    assert lab_login.user.last_login is not None
    # The one row holds the login: with the cache emptied the database alone keeps it logged
    # in, in the lab's region.
    cache.clear()
    key = client.cookies["sessionid"].value
    stored = Session.objects.get(session_key=key).get_decoded()
    assert stored["_auth_user_id"] == str(lab_login.user.pk)
    assert stored["region_id"] == LABS["lab2"].region
    page = client.get("/vpcs/")
    assert page.status_code == 200
    assert f'value="{LABS["lab2"].region}" selected' in page.content.decode()


def test_a_trainees_vpc_list_has_pinned_queries(lab_login):
    client = Client()
    client.force_login(lab_login.user)
    middleware.regions()  # read once per process, not by the request measured
    with CaptureQueriesContext(connection) as captured:
        assert client.get("/vpcs/").status_code == 200
    assert len(captured) == VPC_LIST_QUERIES
    assert not [q for q in captured if '"console_region"' in q["sql"]]


def test_a_reserved_key_taken_meanwhile_is_replaced_and_the_data_kept(db):
    store = SessionStore()
    store["kept"] = "yes"
    store.save()
    old = store.session_key
    store.cycle_key()
    reserved = store.session_key
    assert not Session.objects.filter(session_key=reserved).exists()  # reserved, not written
    expire = timezone.now() + datetime.timedelta(days=1)
    Session.objects.create(session_key=reserved, session_data="{}", expire_date=expire)
    store.save()
    assert store.session_key not in (old, reserved)
    assert SessionStore(store.session_key).load() == {"kept": "yes"}
    assert not Session.objects.filter(session_key=old).exists()
    store["more"] = 1
    store.save()  # written already: an ordinary update from now on
    assert SessionStore(store.session_key).load() == {"kept": "yes", "more": 1}


@pytest.fixture
def fresh_regions(monkeypatch):
    """The process's catalogue cache, empty for the test and put back after it (the test adds
    a region that later tests must not see)."""
    monkeypatch.setattr(middleware, "_regions", ())


def test_a_region_loaded_after_the_first_read_is_found(catalogue, fresh_regions):
    assert middleware.region("eu-central-1").name == "Germany (Frankfurt)"
    Region.objects.create(id="xx-test-1", name="Test Region", city="Test", position=99)
    assert middleware.region("xx-test-1").name == "Test Region"
    assert "xx-test-1" in [r.pk for r in middleware.regions()]
    assert middleware.region("no-such-region") is None
