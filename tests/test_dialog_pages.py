"""One URL, two renderings: each panel and dialog the walkthroughs name is a whole page without
JavaScript, and under htmx (asked for by the dialog slot) only its own content in a <dialog>."""

import importlib.util
from pathlib import Path

import pytest
from django.urls import reverse

from factories import client_for
from labs.services import lab_run_start
from loadbalancer.models import ClbInstance
from privatelink.models import Endpoint

HTMX = {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": "dialog-slot"}


def _solver():
    spec = importlib.util.spec_from_file_location(
        "lab_solver", Path(__file__).parent / "labs" / "solver.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def dialogs(catalogue):
    """``[(name, client, url, kind)]``: every named panel and dialog, with a login that may
    open it (Lab 2 up to the endpoint, Lab 3 at its end)."""
    solver = _solver()
    lab2 = lab_run_start(lab="lab2", label="Dialogs · Lab 2", login_prefix="dlg2-")
    two = solver.Lab1(lab2)
    for step in ("activate", "clb", "listener", "service", "whitelist", "endpoint"):
        getattr(two, f"step_{step}")()
    lab3 = lab_run_start(lab="lab3", label="Dialogs · Lab 3", login_prefix="dlg3")
    three = solver.Lab3(lab3)
    for step in ("alb", "server_group", "listener", "service", "endpoint", "allow"):
        getattr(three, f"step_{step}")()
    b = client_for(lab2.logins.get(role="B").user)
    c = client_for(lab3.logins.get().user, region="cn-hangzhou")

    clb = ClbInstance.objects.get(pk=two.clb.pk)
    start = b.get(reverse("loadbalancer:clb-instances-listener-create", kwargs={"pk": clb.pk}))
    protocol = start.url
    servers = b.post(protocol, {"protocol": "TCP", "port": "8080"}).url
    my_servers = servers.replace("/servers/", "/my-servers/")

    def action(service, endpoint, name):
        kwargs = {"pk": service.pk, "endpoint_id": endpoint.pk, "action": name}
        return reverse("privatelink:endpoint-services-connection-action", kwargs=kwargs)

    endpoint2 = Endpoint.objects.get(pk=two.endpoint.pk)
    endpoint3 = Endpoint.objects.get(pk=three.endpoint.pk)
    service_pk = {"pk": two.service.pk}
    return [
        ("My Servers", b, my_servers, "side-panel"),
        ("Allow Connection", b, action(two.service, endpoint2, "allow"), "dialog"),
        (
            "Add Whitelist Account",
            b,
            reverse("privatelink:endpoint-services-whitelist-add", kwargs=service_pk),
            "dialog",
        ),
        ("Create Server Group", c, reverse("loadbalancer:server-groups-create"), "dialog"),
        (
            "Add Backend Server",
            c,
            reverse("loadbalancer:server-groups-add-backends", kwargs={"pk": three.group.pk}),
            "side-panel",
        ),
        ("Change Bandwidth", c, action(three.service, endpoint3, "bandwidth"), "dialog"),
    ]


def test_each_panel_and_dialog_is_a_page_without_javascript(dialogs):
    for name, client, url, _ in dialogs:
        response = client.get(url)
        assert response.status_code == 200, (name, url)
        body = response.content.decode()
        assert body.lstrip().startswith("<!DOCTYPE html>"), name
        assert 'aria-label="Products"' in body and 'id="main"' in body, name
        assert name in body, name


def test_each_panel_and_dialog_under_htmx_is_only_its_own_content(dialogs):
    for name, client, url, kind in dialogs:
        response = client.get(url, **HTMX)
        assert response.status_code == 200, (name, url)
        body = response.content.decode().strip()
        assert body.startswith('<dialog class="dialog modal'), (name, body[:80])
        assert body.endswith("</dialog>"), name
        assert ("side-panel" in body.split(">", 1)[0]) == (kind == "side-panel"), name
        assert 'id="dialog-title">' + name in body, name
        for page_part in ("<html", 'aria-label="Products"', 'class="back"', "lab-panel"):
            assert page_part not in body, (name, page_part)
        # Its forms post back to the dialog's own URL, so they stay in the dialog.
        assert f'action="{url.split("?")[0]}"' in body, name
