"""What the live parts of a class cost: queries of the lab panel, the instructor's class page
and the polled fragments (pinned), and none at all for a poll that finds nothing new."""

import re
from html import unescape

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from solver import Lab1

from console.middleware import regions
from labs import services

HTMX = {"HX-Request": "true"}

# Pinned: a change here is a change of what a class costs; look at the queries before moving it.
# The panel of a Lab 2 pair halfway: every step's check, the timeline, the login.
PANEL_QUERIES = 38
# A fresh Lab 1 class of 30 seats: the checks stop early, so about five queries a seat.
CLASS_PAGE_QUERIES = 156


def poll_url(html, element_id):
    tag = re.search(rf'<[^>]* id="{element_id}"[^>]*>', html).group(0)
    return unescape(re.search(r'hx-get="([^"]*)"', tag).group(1))


def queries(client, url, **kwargs):
    regions()  # the region catalogue is read once per process, not by the request measured
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, **kwargs)
    assert response.status_code in (200, 204, 286), (url, response.status_code)
    return response, len(captured)


def seat_client(run, role="A"):
    client = Client()
    client.force_login(run.logins.get(role=role).user)
    return client


@pytest.fixture
def pair(catalogue):
    """A Lab 2 pair halfway: Account B's service exists, Account A has an endpoint."""
    run = services.lab_run_start(lab="lab2", label="P1", login_prefix="p1-")
    solver = Lab1(run)
    for step in ("activate", "clb", "listener", "service", "whitelist", "endpoint"):
        getattr(solver, f"step_{step}")()
    run.solver = solver
    return run


def test_lab_panel_queries_are_pinned_and_an_unchanged_poll_costs_none(pair):
    client = seat_client(pair)
    response, count = queries(client, "/labs/panel/", headers=HTMX)
    assert count == PANEL_QUERIES
    poll = poll_url(response.content.decode(), "lab-steps")
    response, count = queries(client, poll, headers=HTMX)
    assert (response.status_code, count) == (204, 0)


def test_class_page_of_30_seats_is_pinned_and_an_unchanged_poll_costs_none(instructor_client):
    room = services.classroom_create(name="Big class", lab="lab1", size=30)
    url = f"/labs/classes/{room.pk}/"
    response, count = queries(instructor_client, url, headers=HTMX)
    assert count == CLASS_PAGE_QUERIES
    poll = poll_url(response.content.decode(), "class-rows")
    response, count = queries(instructor_client, poll, headers=HTMX)
    assert (response.status_code, count) == (204, 0)


@pytest.mark.parametrize(
    ("address", "element", "expected"),
    [
        ("/privatelink/endpoint-services/{service}/connections/", "connections", 7),
        ("/privatelink/endpoints/{endpoint}/", "connection-status", 5),
    ],
)
def test_polled_fragments_are_pinned(pair, address, element, expected):
    from privatelink.models import Endpoint, EndpointService

    url = address.format(
        service=EndpointService.objects.get(account=pair.account_b).pk,
        endpoint=Endpoint.objects.get(account=pair.account_a).pk,
    )
    client = seat_client(pair, "B" if "services" in address else "A")
    poll = poll_url(client.get(url).content.decode(), element)
    forced = re.sub(r"&live=[^&]*", "", poll)  # as if something had changed
    response, count = queries(client, forced, headers=HTMX)
    assert count == expected
    response, count = queries(client, poll, headers=HTMX)
    assert (response.status_code, count) == (204, 0)


def test_a_partners_change_reaches_the_other_seats_panel(pair, django_capture_on_commit_callbacks):
    client_a = seat_client(pair, "A")
    poll = poll_url(client_a.get("/labs/panel/", headers=HTMX).content.decode(), "lab-steps")
    assert client_a.get(poll, headers=HTMX).status_code == 204
    with django_capture_on_commit_callbacks(execute=True):
        pair.solver.step_allow()  # Account B allows
    response = client_a.get(poll, headers=HTMX)
    assert response.status_code == 200
    assert "Account B allowed the connection" in response.content.decode()
