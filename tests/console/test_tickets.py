"""The privilege ticket: submitted from the ALB refusal, decided by an instructor (or, for the
demo accounts, approved by itself), its state followed live; the privilege it grants."""

import re
from html import unescape

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from console import lifecycle, services
from console.models import Account, Event, Ticket
from console.views import tickets
from factories import client_for, make_login, region
from labs.models import LabRun
from resource_tests import ResourceTests

ALB = Ticket.Privilege.ALB_PRIVATELINK
HTMX = {"HX-Request": "true"}


def submit(account, **kwargs):
    return services.ticket_submit(account=account, region=region(), privilege=ALB, **kwargs)


def fresh(ticket):
    return Ticket.objects.get(pk=ticket.pk)


def privileged(account):
    return Account.objects.get(pk=account.pk).alb_privatelink_privilege


class TestTicketPages(ResourceTests):
    resource = tickets
    deletable = False
    no_dropdown = "no page offers a ticket in a dropdown"

    def make(self, account):
        # Settled: a rejected ticket (so that another one may be submitted).
        return services.ticket_reject(ticket=submit(account), actor=None)

    def create_data(self, account):
        return {"privilege": ALB, "description": "Lab 3 needs an ALB as the service resource"}


def test_the_alb_refusal_offers_submit_a_ticket(client_a, account_a):
    services.account_activate_privatelink(account=account_a)
    page = client_a.get(
        "/privatelink/endpoint-services/create/", {"resource_type": "alb"}
    ).content.decode()
    assert '<a href="/tickets/create/?privilege=alb_privatelink">Submit a Ticket</a>' in page, page[
        :2000
    ]
    form = client_a.get("/tickets/create/", {"privilege": ALB}).content.decode()
    assert f'<option value="{ALB}" selected>ALB as a PrivateLink service resource</option>' in form
    assert '<label for="id_privilege">Privilege</label>' in form


def test_a_submitted_ticket_is_pending_and_followed_live(client_a, account_a):
    response = client_a.post("/tickets/create/", {"privilege": ALB, "description": "Lab 3"})
    ticket = Ticket.objects.for_account(account_a).get()
    assert response.status_code == 302 and response["Location"] == f"/tickets/{ticket.pk}/"
    assert ticket.status == "Pending" and not ticket.auto_approve
    header = client_a.get(f"/tickets/{ticket.pk}/", {"fragment": "header"}, headers=HTMX)
    assert header.status_code == 200  # it keeps polling while Pending
    assert "Pending" in header.content.decode()
    page = client_a.get(f"/tickets/{ticket.pk}/").content.decode()
    assert "Your instructor approves or rejects it" in page
    assert not privileged(account_a)


def test_the_instructor_approves_and_the_privilege_is_granted(
    client_a, account_a, instructor_client
):
    ticket = submit(account_a, description="Lab 3")
    review = instructor_client.get("/tickets/review/").content.decode()
    assert f'aria-label="Approve {ticket.pk}"' in review and account_a.uid in review
    url = f"/tickets/review/{ticket.pk}/approve/"
    assert instructor_client.post(url).status_code == 302
    ticket = fresh(ticket)
    assert ticket.status == "Approved" and ticket.decided_by == "teacher"
    assert privileged(account_a)
    header = client_a.get(f"/tickets/{ticket.pk}/", {"fragment": "header"}, headers=HTMX)
    assert header.status_code == 286 and "Approved" in header.content.decode()
    history = Event.objects.filter(resource_id=ticket.pk).order_by("created_at", "id")
    assert list(history.values_list("action", "to_state")) == [
        ("submit", "Pending"),
        ("approve", "Approved"),
    ]
    # A decided ticket names its state when decided again.
    response = instructor_client.post(f"/tickets/review/{ticket.pk}/reject/", follow=True)
    assert (
        f"The ticket {ticket.pk} is Approved; it cannot be rejected any more."
        in response.content.decode()
    )
    assert fresh(ticket).status == "Approved"
    # ALB is now accepted as a service resource.
    services.account_activate_privatelink(account=account_a)
    page = client_a.get(
        "/privatelink/endpoint-services/create/", {"resource_type": "alb"}
    ).content.decode()
    assert "Submit a Ticket" not in page


def test_the_instructor_rejects_and_a_new_ticket_may_follow(client_a, account_a, instructor_client):
    ticket = submit(account_a)
    instructor_client.post(f"/tickets/review/{ticket.pk}/reject/", {"answer": "Not in Lab 1."})
    ticket = fresh(ticket)
    assert ticket.status == "Rejected" and ticket.answer == "Not in Lab 1."
    assert not privileged(account_a)
    assert submit(account_a).status == "Pending"


def test_refusals_beside_the_field_create_nothing(client_a, account_a):
    pending = submit(account_a)
    response = client_a.post("/tickets/create/", {"privilege": ALB})
    html = response.content.decode()
    assert f"Ticket {pending.pk} asking for this privilege is still Pending." in html
    assert 'id="id_privilege_error"' in html
    Account.objects.filter(pk=account_a.pk).update(alb_privatelink_privilege=True)
    services.ticket_reject(ticket=pending, actor=None)
    html = client_a.post("/tickets/create/", {"privilege": ALB}).content.decode()
    assert (
        "Your account already holds the privilege &quot;ALB as a PrivateLink service "
        "resource&quot;." in html
    )
    assert Ticket.objects.count() == 1


def test_only_instructors_review_or_decide(client_a, client_b, account_a, instructor_client):
    ticket = submit(account_a)
    assert client_a.get("/tickets/review/").status_code == 404
    for client in (client_a, client_b):
        assert client.post(f"/tickets/review/{ticket.pk}/approve/").status_code == 404
    assert fresh(ticket).status == "Pending" and not privileged(account_a)
    # Looking at the account, the instructor sees the ticket read-only.
    instructor_client.post("/accounts/view/", {"account": account_a.pk})
    assert instructor_client.get(f"/tickets/{ticket.pk}/").status_code == 200
    assert instructor_client.post("/tickets/create/", {"privilege": ALB}).status_code == 403


def test_review_page_query_count_does_not_grow_with_tickets(instructor_client, account_a):
    accounts = [account_a, *(services.account_create(name=f"T{n}") for n in range(3))]
    submit(accounts[0])
    with CaptureQueriesContext(connection) as one:
        instructor_client.get("/tickets/review/")
    for account in accounts[1:]:
        submit(account)
    with CaptureQueriesContext(connection) as four:
        instructor_client.get("/tickets/review/")
    assert len(four) == len(one)


def test_only_a_demo_accounts_ticket_advances_by_itself(account_a, account_b, settings):
    Account.objects.filter(pk=account_b.pk).update(demo=True)
    ordinary = submit(account_a)
    demo = submit(Account.objects.get(pk=account_b.pk))
    assert demo.auto_approve and not ordinary.auto_approve
    # The worker's step and the reconciler leave an instructor's ticket alone...
    assert lifecycle.advance(Ticket, ordinary.pk, "Pending").status == "Pending"
    assert lifecycle.reconcile(older_than=-1) == 1
    assert fresh(ordinary).status == "Pending" and not privileged(account_a)
    # ...and approve the demo account's.
    demo = fresh(demo)
    assert demo.status == "Approved" and demo.decided_by == "system"
    assert privileged(account_b)


@pytest.mark.parametrize("demo", [True, False])
def test_a_lab_started_by_a_demo_login_has_demo_accounts(catalogue, demo):
    own = services.account_create(name="Account A")
    Account.objects.filter(pk=own.pk).update(demo=demo)
    client_for(make_login(own, "presenter")).post("/labs/start/lab2/")
    run = LabRun.objects.get()
    assert {run.account_a.demo, run.account_b.demo} == {demo}


def test_the_trainees_ticket_page_hears_of_the_decision(
    transactional_db, client_a, account_a, instructor_client
):
    """Committed for real: the Pending header polls for nothing until the instructor decides."""
    ticket = submit(account_a)
    page = client_a.get(f"/tickets/{ticket.pk}/").content.decode()
    tag = re.search(r'<div class="detail-head" id="detail-head"[^>]*>', page).group(0)
    poll = unescape(re.search(r'hx-get="([^"]*)"', tag).group(1))
    assert client_a.get(poll, headers=HTMX).status_code == 204
    instructor_client.post(f"/tickets/review/{ticket.pk}/approve/")
    decided = client_a.get(poll, headers=HTMX)
    assert decided.status_code == 286 and "Approved" in decided.content.decode()
