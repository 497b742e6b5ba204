"""Lab prerequisites, every step check (done and not done), reset, classes and isolation."""

import time

import pytest
from django.test import Client
from solver import Lab1, Lab3

from console.models import EcsInstance, Login, SecurityGroup, Vpc, VSwitch
from factories import make_login
from labs import services
from labs.definitions import LABS
from labs.models import LabRun


def progress(run):
    run.refresh_from_db()
    return {step.key: (done, reason) for step, done, reason in LABS[run.lab].progress(run)}


def start(lab, label="T1"):
    return services.lab_run_start(lab=lab, label=label, login_prefix=f"{lab}-{label}-")


@pytest.mark.parametrize("lab", ["lab1", "lab2", "lab3"])
def test_prerequisites_are_provisioned_and_settled(catalogue, lab):
    run = start(lab)
    definition = LABS[lab]
    assert set(run.resources) == {p[1] for p in definition.prerequisites}
    for kind, name, role, details in definition.prerequisites:
        owner = run.account_a if role == "A" else run.account_b
        if kind == "ecs":
            instance = EcsInstance.objects.get(pk=run.resources[name])
            assert instance.status == "Running"
            assert instance.private_ip == details["ip"]
            assert instance.account == owner
            assert instance.serves_http == bool(details["page"])
            if details["page"]:
                assert instance.page_body == details["page"]
        if kind == "vpc":
            assert Vpc.objects.get(pk=run.resources[name]).status == "Available"
    assert (run.account_b is not None) == definition.pair
    assert run.account_a.alb_privatelink_privilege == (lab == "lab3")
    assert run.account_a.privatelink_activated == (lab != "lab2")
    assert run.logins.count() == (2 if definition.pair else 1)


def test_lab1_every_step_not_done_then_done(catalogue):
    run = start("lab1")
    solver = Lab1(run)
    state = progress(run)
    assert state["clb"] == (
        False,
        "There is no CLB instance in VPC2 yet: Server Load Balancer → Instances → Create CLB.",
    )
    assert not any(done for done, _ in state.values())

    wrong = solver.step_clb(billing_method="Subscription", name="wrong")
    assert progress(run)["clb"][1] == (
        f"The CLB {wrong.id} is billed by Subscription: only Pay-As-You-Go instances support "
        "PrivateLink. Create a Pay-As-You-Go one."
    )
    solver.step_clb()
    assert progress(run)["clb"] == (True, "")
    assert progress(run)["listener"][1].startswith("The CLB ")
    solver.step_listener()
    assert progress(run)["listener"] == (True, "")

    assert progress(run)["service"][1].startswith("There is no endpoint service yet")
    solver.step_service(auto_accept=True)
    assert progress(run)["service"][1] == (
        "The endpoint service still accepts connections automatically: set Automatically "
        "Accept Endpoint Connections to No."
    )
    solver.modify_service(auto_accept=False, description="")
    state = progress(run)
    assert state["service"][1] == "Give the endpoint service a description (Basic information)."
    solver.modify_service(description="Lab service")
    assert progress(run)["service"] == (True, "")

    assert progress(run)["endpoint"][1].startswith("There is no endpoint in VPC1 yet")
    solver.step_endpoint()
    state = progress(run)
    assert state["endpoint"] == (True, "")
    assert state["allow"][1].startswith("The connection is Disconnected: the service provider")
    assert state["browse"][0] is False
    assert state["browse"][1].endswith("(CONNECTION_NOT_CONNECTED)")
    solver.step_allow()
    assert progress(run)["allow"] == (True, "")
    endpoint = solver.endpoint
    assert progress(run)["browse"] == (
        False,
        f"Everything is in place: on ECS1 press Open Browser and enter {endpoint.domain}.",
    )
    outcome = solver.step_browse()
    assert outcome.ok
    assert progress(run)["browse"] == (True, "")
    assert all(done for done, _ in progress(run).values())


def test_lab2_whitelist_and_activation_steps(catalogue):
    run = start("lab2")
    solver = Lab1(run)
    state = progress(run)
    assert state["activate"][1] == (
        "Account A (service consumer) has not activated PrivateLink yet: open PrivateLink and "
        "press Activate PrivateLink."
    )
    solver.step_activate()
    solver.step_clb()
    solver.step_listener()
    solver.step_service(description="")
    state = progress(run)
    assert [state[k][0] for k in ("activate", "clb", "listener", "service")] == [True] * 4
    assert state["whitelist"][1] == (
        f"Account A's UID ({run.account_a.uid}) is not on the service whitelist: Service "
        "Whitelist → Add Whitelist Account."
    )
    solver.step_whitelist()
    assert progress(run)["whitelist"] == (True, "")
    solver.step_endpoint()
    state = progress(run)
    assert state["endpoint"] == (True, "")
    assert f"UID {run.account_b.uid}" in state["allow"][1]
    solver.step_allow()
    assert progress(run)["allow"] == (True, "")
    assert progress(run)["browse"][0] is False
    solver.step_browse()
    assert progress(run)["browse"] == (True, "")


def test_lab3_steps(catalogue):
    run = start("lab3")
    solver = Lab3(run)
    assert progress(run)["alb"][1].startswith("There is no ALB instance in VPC2 yet")
    solver.step_alb()
    assert progress(run)["alb"] == (True, "")
    assert progress(run)["server-group"][1].startswith("There is no server group named RS1")
    solver.step_server_group()
    assert progress(run)["server-group"] == (True, "")
    assert progress(run)["listener"][1].startswith("The ALB ")
    solver.step_listener()
    assert progress(run)["listener"] == (True, "")
    solver.step_service()
    assert progress(run)["service"] == (True, "")
    solver.step_endpoint()
    assert progress(run)["endpoint"] == (True, "")
    solver.step_allow()
    state = progress(run)
    assert state["allow"] == (True, "")
    assert state["browse"][1].startswith("ECS01: Everything is in place: on ECS01 press Open")
    solver.step_browse()
    state = progress(run)
    assert state["browse"] == (True, ""), state["browse"]


def test_reset_leaves_exactly_the_prerequisites(catalogue):
    run = start("lab2")
    fresh = {model: model.objects.count() for model in (Vpc, VSwitch, SecurityGroup, EcsInstance)}
    solver = Lab1(run)
    solver.step_activate()
    solver.step_clb()
    solver.step_listener()
    solver.step_service()
    solver.step_whitelist()
    solver.step_endpoint()
    solver.step_allow()
    make_extra = Vpc.objects.filter(pk=run.resources["VPC1"]).get()
    assert make_extra
    started = time.perf_counter()
    services.lab_run_reset(run=run)
    elapsed = time.perf_counter() - started
    assert elapsed < 5
    run.refresh_from_db()
    assert {m: m.objects.count() for m in fresh} == fresh
    from loadbalancer.models import ClbInstance
    from privatelink.models import Endpoint, EndpointService

    for model in (ClbInstance, EndpointService, Endpoint):
        assert not model.objects.exists(), model
    assert not run.account_a.privatelink_activated
    state = progress(run)
    assert not any(done for done, _ in state.values())
    assert run.reset_at is not None
    # The logins still work and still act for the same accounts.
    assert {seat.user.login.account_id for seat in run.logins.all()} == {
        run.account_a_id,
        run.account_b_id,
    }


def test_two_classes_of_20_pairs_do_not_see_each_other(catalogue):
    started = time.perf_counter()
    first = services.classroom_create(name="Morning", lab="lab2", size=20)
    elapsed = time.perf_counter() - started
    second = services.classroom_create(name="Evening", lab="lab2", size=20)
    assert first.runs.count() == second.runs.count() == 20
    assert elapsed < 60
    theirs = set(
        Vpc.objects.filter(account__in=[r.account_a for r in second.runs.all()]).values_list(
            "pk", flat=True
        )
    )
    for run in first.runs.all():
        for lab_login in run.logins.all():
            client = Client()
            client.force_login(lab_login.user)
            page = client.get("/vpcs/").content.decode()
            assert not any(pk in page for pk in theirs)
            own = Vpc.objects.filter(account=lab_login.user.login.account)
            assert all(v.pk in page for v in own)


def test_instructor_starts_a_class_prints_the_sheet_follows_and_resets(instructor_client):
    response = instructor_client.post(
        "/labs/classes/", {"name": "Demo class", "lab": "lab2", "size": "2"}
    )
    assert response.status_code == 302
    run = LabRun.objects.get(label="Demo class · Pair 1")
    page = instructor_client.get(response["Location"]).content.decode()
    assert "Demo class · Pair 2" in page and "0/8" in page
    sheet = instructor_client.get(response["Location"] + "sheet/").content.decode()
    for lab_login in run.logins.all():
        assert lab_login.user.username in sheet and lab_login.password in sheet
    trainee = Client()
    assert trainee.login(
        username=run.logins.get(role="A").user.username, password=run.logins.get(role="A").password
    )
    instructor_client.post(f"/labs/runs/{run.pk}/look/a/")
    assert "Read-only" in instructor_client.get("/vpcs/").content.decode()
    response = instructor_client.post(f"/labs/classes/{run.classroom_id}/reset/")
    assert response.status_code == 302


def test_class_form_errors_beside_the_field(instructor_client):
    response = instructor_client.post("/labs/classes/", {"name": "", "lab": "lab9", "size": "0"})
    page = response.content.decode()
    assert page.count("field-error") == 3
    assert not LabRun.objects.exists()


def test_members_cannot_manage_classes(client_a):
    assert client_a.get("/labs/classes/").status_code == 404


def test_lab_panel_shows_steps_and_the_reason(catalogue):
    run = start("lab1")
    client = Client()
    client.force_login(run.logins.get().user)
    page = client.get("/vpcs/").content.decode()
    assert 'aria-label="Lab panel"' in page
    panel = client.get("/labs/panel/", headers={"HX-Request": "true"}).content.decode()
    assert "0 of 6 steps done" in panel
    assert "There is no CLB instance in VPC2 yet" in panel
    assert "Hint" in panel


def test_trainee_starts_a_pair_lab_alone_and_switches_accounts(account_a):
    user = make_login(account_a, "solo")
    client = Client()
    client.force_login(user)
    response = client.post("/labs/start/lab2/")
    assert response.status_code == 302
    login = Login.objects.get(user=user)
    assert login.is_presenter
    run = LabRun.objects.get()
    assert set(login.switchable_accounts.all()) == {run.account_a, run.account_b}
    page = client.get("/vpcs/").content.decode()
    assert f"Acting as <strong>{run.account_a.name}</strong>" in page
    client.post("/accounts/switch/", {"account": run.account_b.pk})
    page = client.get("/vpcs/").content.decode()
    assert run.resources["VPC2"] in page and run.resources["VPC1"] not in page


def test_another_trainee_cannot_reset_my_lab(catalogue, client_b):
    run = start("lab1")
    assert client_b.post(f"/labs/runs/{run.pk}/reset/").status_code == 404


def test_pair_panel_shows_the_cross_account_timeline(catalogue):
    run = start("lab2")
    solver = Lab1(run)
    solver.step_activate()
    solver.step_clb()
    solver.step_listener()
    solver.step_service()
    solver.step_whitelist()
    solver.step_endpoint()
    solver.step_allow()
    for seat in run.logins.all():
        client = Client()
        client.force_login(seat.user)
        panel = client.get("/labs/panel/", headers={"HX-Request": "true"}).content.decode()
        assert f"Account A requested a connection to {solver.service.pk}" in panel
        assert "Account B allowed the connection" in panel
        assert "The connection is established (Connected)" in panel


def test_a_lab3_trainee_logs_in_to_hangzhou(catalogue):
    run = start("lab3")
    seat = run.logins.get()
    client = Client()
    response = client.post("/login/", {"username": seat.user.username, "password": seat.password})
    assert response.status_code == 302
    page = client.get("/vpcs/").content.decode()
    assert '<option value="cn-hangzhou" selected>China (Hangzhou)</option>' in page
    assert run.resources["VPC1"] in page


@pytest.mark.parametrize("lab", ["lab1", "lab2", "lab3"])
def test_at_the_start_no_step_is_done_and_each_says_why(catalogue, lab):
    run = start(lab)
    results = LABS[lab].progress(run)
    assert len(results) == len(LABS[lab].steps)
    for step, done, reason in results:
        assert done is False, step.key
        assert reason and reason[0].isupper() and reason.endswith((".", ")")), (step.key, reason)


def test_a_self_started_lab_keeps_the_way_back_to_the_own_account(account_a):
    user = make_login(account_a, "presenter-a")
    client = Client()
    client.force_login(user)
    client.post("/labs/start/lab1/")
    page = client.get("/vpcs/").content.decode()
    assert f'<option value="{account_a.pk}"' in page
    client.post("/accounts/switch/", {"account": account_a.pk})
    assert "Acting as <strong>Account A</strong>" in client.get("/vpcs/").content.decode()


def test_reset_never_redirects_off_site(catalogue):
    run = start("lab1")
    client = Client()
    client.force_login(run.logins.get().user)
    response = client.post(f"/labs/runs/{run.pk}/reset/", {"next": "//evil.example/"})
    assert response["Location"] == "/labs/"


@pytest.mark.parametrize("lab", ["lab1", "lab2"])
def test_the_panel_says_why_the_lab_data_differs_from_the_document(catalogue, lab):
    run = start(lab)
    client = Client()
    client.force_login(run.logins.first().user)
    page = client.get("/vpcs/").content.decode()
    assert "Why some values differ from the document" in page
    assert (
        "<strong>VPC1 IPv4 CIDR block</strong>: 10.10.0.0/16, not the document's 10.10.1.0/16."
        in page
    )
    assert "<strong>ECS1 private IP</strong>: 10.10.0.182, not the document's 10.0.0.182." in page
    # Every line matches what the lab really provisioned.
    assert Vpc.objects.get(pk=run.resources["VPC1"]).cidr_block == "10.10.0.0/16"
    assert EcsInstance.objects.get(pk=run.resources["ECS1"]).private_ip == "10.10.0.182"
    labs_page = client.get("/labs/").content.decode()
    # The cards of Labs 1 and 2, and the panel of the lab in progress.
    assert labs_page.count("Why some values differ from the document") == 3
