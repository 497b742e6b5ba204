"""What each lab's trainees read of a trace: their own hops in full, the other account's opaque.

The pages a consumer reads a trace on (Open Browser, Diagnose, the lab panel's reasons) are
rendered and scanned for every resource ID of the provider's account.
"""

import pytest
from django.urls import reverse
from solver import Lab1, Lab3, obj

from console import services as console_services
from console.models import EcsInstance
from factories import client_for, network_resource_ids, settle
from labs import services
from privatelink.models import Endpoint


def solved(lab):
    """A run of ``lab`` with every step done except opening the browser."""
    run = services.lab_run_start(lab=lab, label="T", login_prefix=f"{lab}-")
    if lab == "lab3":
        solver = Lab3(run)
        steps = ("alb", "server_group", "listener", "service", "endpoint", "allow")
    else:
        solver = Lab1(run)
        steps = ("clb", "listener", "service", "endpoint", "allow")
        if lab == "lab2":
            steps = ("activate", "clb", "listener", "service", "whitelist", "endpoint", "allow")
    for step in steps:
        getattr(solver, f"step_{step}")()
    run.refresh_from_db()
    return run, solver


def consumer_pages(run, solver, client_name, region):
    """Open Browser, Diagnose and the lab panel, as the consumer's login reads them."""
    client = client_for(run.logins.get(role="A").user, region=region)
    endpoint = Endpoint.objects.get(pk=solver.endpoint.pk)
    instance = obj(run, EcsInstance, client_name)
    browser = client.get(f"/instances/{instance.pk}/browser/", {"address": endpoint.domain})
    diagnose = client.get(
        reverse("network:endpoint-diagnose", kwargs={"pk": endpoint.pk}),
        {"instance": instance.pk, "port": 80, "domain": endpoint.domain},
    )
    panel = client.get("/labs/panel/", headers={"HX-Request": "true"})
    pages = {"browser": browser, "diagnose": diagnose, "panel": panel}
    for name, response in pages.items():
        assert response.status_code == 200, name
    return {name: response.content.decode() for name, response in pages.items()}


def test_lab2_consumer_pages_never_show_a_provider_resource_id(catalogue):
    run, solver = solved("lab2")
    provider_ids = network_resource_ids(run.account_b)
    assert solver.clb.pk in provider_ids and run.resources["ECS2"] in provider_ids
    pages = consumer_pages(run, solver, "ECS1", "eu-central-1")
    assert "HTTP/1.1 200 OK" in pages["browser"] and "Reached" in pages["diagnose"]
    for name, html in pages.items():
        leaked = sorted(i for i in provider_ids if i in html)
        assert not leaked, (name, leaked)
    for name in ("browser", "diagnose"):
        assert f"a CLB instance of account {run.account_b.uid}" in pages[name], name

    # A stop inside the provider: the panel's reason names the account, not the instance.
    for backend in ("ECS2", "ECS3"):
        settle(
            console_services.ecs_instance_stop(
                account=run.account_b, instance=obj(run, EcsInstance, backend)
            )
        )
    pages = consumer_pages(run, solver, "ECS1", "eu-central-1")
    assert f"An ECS instance of account {run.account_b.uid} is Stopped." in pages["panel"]
    assert "BACKEND_NOT_LISTENING" in pages["panel"]
    for name, html in pages.items():
        leaked = sorted(i for i in provider_ids if i in html)
        assert not leaked, (name, leaked)


def test_lab2_provider_reads_its_own_hops_in_full(catalogue):
    run, solver = solved("lab2")
    client = client_for(run.logins.get(role="B").user)
    ecs2 = obj(run, EcsInstance, "ECS2")
    clb = solver.clb.__class__.objects.get(pk=solver.clb.pk)
    html = client.get(f"/instances/{ecs2.pk}/browser/", {"address": clb.address}).content.decode()
    assert "HTTP/1.1 200 OK" in html
    assert clb.pk in html
    assert run.resources["ECS2"] in html or run.resources["ECS3"] in html
    assert "of account" not in html


@pytest.mark.parametrize(
    "lab, client_name, region",
    [("lab1", "ECS1", "eu-central-1"), ("lab3", "ECS01", "cn-hangzhou")],
)
def test_one_account_labs_show_the_whole_trace(catalogue, lab, client_name, region):
    run, solver = solved(lab)
    lb = solver.alb if lab == "lab3" else solver.clb
    pages = consumer_pages(run, solver, client_name, region)
    for name in ("browser", "diagnose"):
        assert lb.pk in pages[name], name
        assert "of account" not in pages[name], name
