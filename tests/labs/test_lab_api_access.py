"""Lab 2 through the API: the lab panel lists the lab accounts' AccessKeys, makes them (the
secret shows once) and gives the example script's command with them."""

import re

from cloudapi.models import AccessKey
from factories import client_for, make_account, make_login
from labs.models import LabRun

HTMX = {"HX-Request": "true"}


def start(lab="lab2", username="starter"):
    login = make_login(make_account("Own"), username)
    client = client_for(login)
    assert client.post(f"/labs/start/{lab}/").status_code == 302
    return LabRun.objects.filter(lab=lab).latest("started_at"), client


def api_section(client):
    response = client.get("/labs/panel/api/", headers=HTMX)
    assert response.status_code == 200
    return response.content.decode()


def create(client, account, **kwargs):
    return client.post(f"/labs/panel/api/{account.pk}/create/", headers=HTMX, **kwargs)


def test_panel_of_lab2_offers_the_api_and_lab1_does_not(catalogue):
    run, client = start()
    page = client.get("/vpcs/").content.decode()
    assert "<summary>Through the API</summary>" in page
    assert 'hx-get="/labs/panel/api/"' in page
    _, other = start("lab1", "trainee1")
    assert "Through the API" not in other.get("/vpcs/").content.decode()
    assert other.get("/labs/panel/api/", headers=HTMX).status_code == 404


def test_keys_of_both_accounts_made_from_the_panel_and_the_secret_shows_once(catalogue):
    run, client = start()
    html = api_section(client)
    assert html.count("No AccessKey yet.") == 2
    assert html.count(">Create AccessKey</button>") == 2
    assert "CONSUMER_KEY=&lt;AccessKey ID&gt;" in html
    assert 'aria-label="Account A (service consumer)"' in html
    assert 'aria-label="Account B (service provider)"' in html

    html = create(client, run.account_b).content.decode()
    key_b = AccessKey.objects.get(account=run.account_b)
    assert key_b.secret in html and html.count(key_b.secret) >= 2  # shown, and in the command
    assert f"PROVIDER_KEY={key_b.pk} PROVIDER_SECRET={key_b.secret}" in html
    html = create(client, run.account_a).content.decode()
    key_a = AccessKey.objects.get(account=run.account_a)
    assert f"CONSUMER_KEY={key_a.pk} CONSUMER_SECRET={key_a.secret}" in html
    assert key_b.secret not in html  # the other account's secret was shown once, before

    html = api_section(client)
    assert key_a.secret not in html and key_b.secret not in html
    assert f"CONSUMER_KEY={key_a.pk} CONSUMER_SECRET=&lt;AccessKey Secret&gt;" in html
    assert re.search(rf"{key_a.pk}</span> · Enabled", html)
    command = re.search(r"<pre class=\"mono\" data-api-command>(.*?)</pre>", html).group(1)
    assert command.startswith("ENDPOINT=testserver USE_LAB=1 ")
    assert command.endswith(".venv/bin/python examples/lab2_sdk.py")


def test_a_disabled_key_is_listed_but_not_put_in_the_command(catalogue):
    run, client = start()
    key = AccessKey.objects.create(account=run.account_a, status=AccessKey.Status.DISABLED)
    html = api_section(client)
    assert f"{key.pk}</span> · Disabled" in html
    assert "CONSUMER_KEY=&lt;AccessKey ID&gt;" in html


def test_at_most_two_keys_an_account(catalogue):
    run, client = start()
    for _ in range(AccessKey.MAX_PER_ACCOUNT):
        assert create(client, run.account_a).status_code == 200
    html = api_section(client)
    assert html.count(">Create AccessKey</button>") == 1  # only Account B's is left
    html = create(client, run.account_a).content.decode()
    assert "at most 2 AccessKey pairs" in html and 'role="alert"' in html
    assert AccessKey.objects.filter(account=run.account_a).count() == 2


def test_a_partner_makes_keys_for_its_own_account_only(catalogue):
    run, starter = start()
    partner = client_for(make_login(make_account("B's own"), "partner"))
    assert partner.post("/labs/join/", {"code": run.join_code}).status_code == 302
    html = api_section(partner)
    assert html.count(">Create AccessKey</button>") == 1
    assert create(partner, run.account_a).status_code == 403
    assert create(starter, run.account_b).status_code == 403
    assert not AccessKey.objects.exists()
    assert create(partner, run.account_b).status_code == 200
    assert AccessKey.objects.get().account == run.account_b


def test_another_account_or_run_is_not_found(catalogue):
    run, client = start()
    other, _ = start("lab2", "someone")
    assert create(client, other.account_a).status_code == 404
    outsider = client_for(make_login(make_account("Outsider"), "outsider"))
    assert outsider.get("/labs/panel/api/", headers=HTMX).status_code == 404
    assert create(outsider, run.account_a).status_code == 404
    assert not AccessKey.objects.exists()


def test_instructor_sees_the_keys_and_makes_none(catalogue, instructor_client):
    run, client = start()
    create(client, run.account_a)
    key = AccessKey.objects.get()
    assert instructor_client.post(f"/labs/runs/{run.pk}/look/a/").status_code == 302
    html = api_section(instructor_client)
    assert key.pk in html and key.secret not in html
    assert "Create AccessKey" not in html
    assert create(instructor_client, run.account_a).status_code == 403
    assert AccessKey.objects.count() == 1


def test_making_both_keys_on_one_page_gives_one_complete_command(catalogue):
    run, client = start()
    create(client, run.account_a)
    key_a = AccessKey.objects.get(account=run.account_a)
    html = create(client, run.account_b, data={"shown": [f"{key_a.pk}:{key_a.secret}"]})
    html = html.content.decode()
    key_b = AccessKey.objects.get(account=run.account_b)
    assert f"CONSUMER_KEY={key_a.pk} CONSUMER_SECRET={key_a.secret}" in html
    assert f"PROVIDER_KEY={key_b.pk} PROVIDER_SECRET={key_b.secret}" in html
    # Only the secrets the page really showed: a wrong one is not repeated.
    html = client.post(
        f"/labs/panel/api/{run.account_b.pk}/create/",
        {"shown": [f"{key_a.pk}:not-the-secret"]},
        headers=HTMX,
    ).content.decode()
    assert "not-the-secret" not in html
    assert f"CONSUMER_KEY={key_a.pk} CONSUMER_SECRET=&lt;AccessKey Secret&gt;" in html
