"""Two logins do Lab 2 together without an instructor: a join code makes the partner Account B."""

import re
from html import unescape

from solver import Lab1

from console import services as console_services
from console.models import Login
from factories import client_for, make_account, make_login
from labs import services
from labs.models import LabRun


def starter_and_partner():
    """``starter`` starts Lab 2 for itself; ``partner`` is another member login."""
    starter = make_login(make_account("Account A"), "starter")
    partner = make_login(make_account("Account B"), "partner")
    starter_client, partner_client = client_for(starter), client_for(partner)
    assert starter_client.post("/labs/start/lab2/").status_code == 302
    return LabRun.objects.get(), (starter, starter_client), (partner, partner_client)


HTMX = {"HX-Request": "true"}


def panel(client):
    return client.get("/labs/panel/", headers=HTMX).content.decode()


def switchable(user):
    return set(Login.objects.get(user=user).switchable_accounts.all())


def test_the_starter_sees_a_join_code_and_the_partner_joins_as_account_b(catalogue):
    run, (starter, starter_client), (partner, partner_client) = starter_and_partner()
    assert re.fullmatch(r"[A-Z2-9]{6}", run.join_code)
    assert f'data-join-code="{run.join_code}"' in panel(starter_client)

    labs_page = partner_client.get("/labs/").content.decode()
    assert '<label for="id_code">Join Code</label>' in labs_page
    assert ">Join a Partner's Lab</button>" in labs_page
    typed = f" {run.join_code[:3].lower()} {run.join_code[3:].lower()} "
    response = partner_client.post("/labs/join/", {"code": typed})
    assert response.status_code == 302

    run.refresh_from_db()
    assert run.partner == partner
    assert switchable(partner) == {run.account_b}
    assert switchable(starter) == {run.account_a}
    page = partner_client.get("/vpcs/").content.decode()
    assert f"Acting as <strong>{run.account_b.name}</strong>" in page
    assert run.resources["VPC2"] in page and run.resources["VPC1"] not in page
    # The starter can no longer act as Account B.
    starter_client.post("/accounts/switch/", {"account": run.account_b.pk})
    page = starter_client.get("/vpcs/").content.decode()
    assert run.resources["VPC2"] not in page

    # Steps and timeline are the run's: both read the same panel.
    solver = Lab1(run)
    for step in ("activate", "clb", "listener", "service", "whitelist", "endpoint", "allow"):
        getattr(solver, f"step_{step}")()
    starter_panel, partner_panel = panel(starter_client), panel(partner_client)
    for html in (starter_panel, partner_panel):
        assert "7 of 8 steps done" in html
        assert "Account B allowed the connection" in html
    assert "You act as Account A; <strong>partner</strong> acts as Account B." in starter_panel
    assert "You act as Account B; <strong>starter</strong> acts as Account A." in partner_panel
    assert run.join_code not in partner_panel


def test_the_partner_leaves_and_the_starter_has_account_b_again(catalogue):
    run, (starter, starter_client), (partner, partner_client) = starter_and_partner()
    partner_client.post("/labs/join/", {"code": run.join_code})
    response = partner_client.post(f"/labs/runs/{run.pk}/leave/")
    assert response.status_code == 302
    run.refresh_from_db()
    assert run.partner is None
    assert switchable(partner) == set()
    assert switchable(starter) == {run.account_a, run.account_b}
    page = partner_client.get("/vpcs/").content.decode()
    assert run.resources["VPC2"] not in page and "No lab." not in page
    assert 'aria-label="Lab panel"' not in page
    # The code still works for the next partner.
    assert partner_client.post("/labs/join/", {"code": run.join_code}).status_code == 302


def test_the_starter_can_end_the_pairing_too(catalogue):
    run, (starter, starter_client), (partner, partner_client) = starter_and_partner()
    partner_client.post("/labs/join/", {"code": run.join_code})
    assert starter_client.post(f"/labs/runs/{run.pk}/leave/").status_code == 302
    assert switchable(partner) == set()
    assert switchable(starter) == {run.account_a, run.account_b}


def test_join_refusals_are_beside_the_field_and_change_nothing(catalogue):
    run, (starter, starter_client), (partner, partner_client) = starter_and_partner()
    cases = [
        (partner_client, "", "Enter the join code your partner&#x27;s lab panel shows."),
        (partner_client, "ZZZZZZ", "No lab has the join code ZZZZZZ: check it on the lab panel."),
        (starter_client, run.join_code, "This is your own lab: give the code to your partner."),
    ]
    for client, code, message in cases:
        response = client.post("/labs/join/", {"code": code})
        assert response.status_code == 400
        html = response.content.decode()
        assert f'<div class="field-error" id="id_code_error" role="alert">{message}</div>' in html
    run.refresh_from_db()
    assert run.partner is None
    assert switchable(partner) == set()

    partner_client.post("/labs/join/", {"code": run.join_code})
    third = client_for(make_login(make_account("Third"), "third"))
    response = third.post("/labs/join/", {"code": run.join_code})
    assert "This lab already has a partner acting as Account B" in response.content.decode()
    run.refresh_from_db()
    assert run.partner == partner


def test_another_login_cannot_leave_or_see_the_pair(catalogue):
    run, _, (partner, partner_client) = starter_and_partner()
    partner_client.post("/labs/join/", {"code": run.join_code})
    third = client_for(make_login(make_account("Third"), "third"))
    assert third.post(f"/labs/runs/{run.pk}/leave/").status_code == 404
    assert third.post(f"/labs/runs/{run.pk}/reset/").status_code == 404
    assert "No lab." in panel(third)
    run.refresh_from_db()
    assert run.partner == partner


def test_instructors_do_not_join(instructor_client, catalogue):
    run, _, _ = starter_and_partner()
    assert instructor_client.post("/labs/join/", {"code": run.join_code}).status_code == 403


def test_only_self_started_pair_labs_have_a_join_code(catalogue):
    solo = make_login(make_account("Solo"), "solo")
    client_for(solo).post("/labs/start/lab1/")
    assert LabRun.objects.get(lab="lab1").join_code is None
    classroom = services.classroom_create(name="C", lab="lab2", size=2)
    assert all(run.join_code is None for run in classroom.runs.all())


def poll_url(html):
    tag = re.search(r'<div id="lab-steps"[^>]*>', html).group(0)
    return unescape(re.search(r'hx-get="([^"]*)"', tag).group(1))


def test_each_panel_hears_of_the_partners_work(transactional_db, catalogue):
    """Committed for real: a join, and a step by the other login, reach both polled panels."""
    run, (starter, starter_client), (partner, partner_client) = starter_and_partner()
    starter_poll = poll_url(panel(starter_client))
    assert starter_client.get(starter_poll, headers=HTMX).status_code == 204
    partner_client.post("/labs/join/", {"code": run.join_code})
    joined = starter_client.get(starter_poll, headers=HTMX).content.decode()
    assert "<strong>partner</strong> acts as Account B." in joined

    partner_poll = poll_url(panel(partner_client))
    assert partner_client.get(partner_poll, headers=HTMX).status_code == 204
    # Account A (the starter) activates PrivateLink: the partner's panel ticks it.
    console_services.account_activate_privatelink(account=run.account_a)
    ticked = partner_client.get(partner_poll, headers=HTMX).content.decode()
    assert '<li class="done" data-step="activate">' in ticked


def test_a_live_request_of_the_page_left_behind_does_not_eat_the_leave_message(catalogue):
    """Leaving bumps the accounts' change counters, so the page left behind may send one of
    its live requests after the leave was saved and before the browser loads the next page.
    Acting as its own account, that request is answered with a whole page (here: PrivateLink
    is not activated); an htmx request never shows, so never uses up, the messages."""
    run, _, (partner, partner_client) = starter_and_partner()
    partner_client.post("/labs/join/", {"code": run.join_code})
    console_services.account_activate_privatelink(account=run.account_b)
    page = "/privatelink/endpoint-services/"
    assert partner_client.get(page).status_code == 200
    response = partner_client.post(f"/labs/runs/{run.pk}/leave/", {"next": page})
    assert response["Location"] == page

    late = partner_client.get(page, headers={**HTMX, "HX-Current-URL": "http://testserver" + page})
    assert "PrivateLink is not activated" in late.content.decode()
    html = partner_client.get(page).content.decode()
    assert "you act as your own account again" in html
    assert partner_client.get(page).content.decode().count('class="message') == 0
