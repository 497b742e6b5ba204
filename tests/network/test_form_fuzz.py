"""A fuzz of every form and wizard step: hostile input is a message, never a server error.

The fields come from the pages themselves (every input, select and textarea of the page's
form), so a new field is fuzzed as soon as it is rendered. Each field in turn gets each
hostile value while the others keep their defaults; then every field at once; then each
field missing.
"""

from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest
from net_routes import build_world, resource_routes, route_urls

from console.models import Region

pytestmark = pytest.mark.django_db

HOSTILE = [
    "",
    "x" * 3000,
    "ünï漢字🙂",
    "a\x00b",
    "-1",
    "99999999999999999999999",
    "1.5",
    "<b>",
]
SHELL_FIELDS = {"region", "account", "next"}


class FormFields(HTMLParser):
    """The names and default values of the fields of a page's own POST form."""

    def __init__(self, path):
        super().__init__()
        self.path, self.inside, self.fields, self.select = path, False, {}, None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            action = urlsplit(attrs.get("action") or self.path).path
            self.inside = attrs.get("method", "").lower() == "post" and action == self.path
        elif not self.inside or not attrs.get("name") and tag != "option":
            return
        elif tag == "input" and attrs.get("type") == "checkbox":
            if "checked" in attrs:  # an unchecked box is not posted
                self.fields[attrs["name"]] = attrs.get("value", "on")
        elif tag == "input" and attrs.get("type") == "radio":
            if "checked" in attrs or attrs["name"] not in self.fields:
                self.fields[attrs["name"]] = attrs.get("value", "on")
        elif tag == "input" and attrs.get("type") not in ("submit", "button"):
            self.fields[attrs["name"]] = attrs.get("value", "")
        elif tag in ("select", "textarea"):
            self.select = attrs["name"]
            self.fields.setdefault(attrs["name"], "")
        elif tag == "option" and self.select and attrs.get("value"):
            if "selected" in attrs or not self.fields.get(self.select):
                self.fields[self.select] = attrs["value"]

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False
        elif tag in ("select", "textarea"):
            self.select = None


def page_fields(client, url):
    response = client.get(url)
    if response.status_code != 200:
        return {}
    parser = FormFields(urlsplit(url).path)
    parser.feed(response.content.decode())
    fields = {k: v for k, v in parser.fields.items() if k not in SHELL_FIELDS}
    if fields.get("name") == "":
        fields["name"] = "Fuzz1"  # a valid default, so that the other fields reach the service
    fields.pop("csrfmiddlewaretoken", None)
    return fields


def cases(fields):
    yield "nothing", {}
    for value in HOSTILE:
        yield f"every field {value[:12]!r}", dict.fromkeys(fields, value)
    for name in fields:
        for value in HOSTILE:
            yield f"{name}={value[:12]!r}", {**fields, name: value}
        yield f"no {name}", {k: v for k, v in fields.items() if k != name}


def fuzz(client, url, *, extra=None, method="post"):
    """Send every case to ``url``; the server errors found, as (url, case, what)."""
    fields = {**(extra or {}), **page_fields(client, url)}
    errors = []
    for label, data in cases(fields):
        try:
            status = getattr(client, method)(url, data).status_code
        except Exception as error:  # the point of a fuzz: report it with the input
            status = repr(error)[:300]
        if not isinstance(status, int) or status >= 500:
            errors.append((url, label, status))
    return errors


def step(client, url, data, expected):
    """Post a valid step and follow the wizard to the ``expected`` next step's URL."""
    response = client.post(url, data)
    assert response.status_code == 302 and response["Location"].endswith(f"/{expected}/"), (
        url,
        response.status_code,
        response.content.decode()[:2000],
    )
    return response["Location"]


@pytest.fixture
def world(account_a, account_b):
    return build_world(account_a, account_b)


def test_every_create_page(world, client_a):
    errors = []
    for resource in {r for r, *_ in resource_routes()}:
        errors += fuzz(client_a, resource.url("create"))
    assert not errors, "\n".join(map(str, errors))


def test_every_member_action(world, client_a):
    """Forms first (they read the children), then the actions that only take ``next``."""
    errors = []
    urls = route_urls(world)
    with_form = [(url, action) for _, url, _, action in urls if action and action.form]
    plain = [(url, action) for _, url, _, action in urls if action and not action.form]
    # Fields a page does not show: a form posted from a tab, the second stage of a form.
    extra = {
        "group-attach": {"group": world.sg1.pk},
        "add-backends": {
            "instances": world.ecs03.pk,
            "stage": "ports",
            f"port_{world.ecs03.pk}": "80",
            f"weight_{world.ecs03.pk}": "100",
        },
    }
    for url, action in with_form + plain:
        errors += fuzz(client_a, url, extra={"next": "/", **extra.get(action.name, {})})
    assert not errors, "\n".join(map(str, errors))


def test_the_shell(world, client_a):
    errors = fuzz(client_a, "/region/", extra={"region": "cn-hangzhou", "next": "/"})
    errors += fuzz(client_a, "/accounts/switch/", extra={"account": "1", "next": "/"})
    assert not errors, "\n".join(map(str, errors))
    assert Region.objects.exists()


def test_the_clb_listener_wizard(world, client_a):
    clb, ecs = world.clb.clb, world.clb.ecs2
    url = client_a.get(f"/loadbalancer/clb-instances/{clb.pk}/listeners/create/")["Location"]
    errors = fuzz(client_a, url)
    url = step(client_a, url, {"protocol": "HTTP", "port": "8081", "name": "fuzz"}, "servers")
    errors += fuzz(client_a, url, extra={"action": "add"})
    mine = url.replace("/servers/", "/my-servers/")
    errors += fuzz(client_a, mine, extra={"instances": ecs.pk})
    weights = step(client_a, mine, {"instances": ecs.pk}, "weights")
    # Its valid cases add the server to the list.
    errors += fuzz(client_a, weights, extra={f"weight_{ecs.pk}": "100"})
    errors += fuzz(client_a, url, extra={"action": "next", f"port_{ecs.pk}": "80"})
    health = step(client_a, url, {"action": "next", f"port_{ecs.pk}": "80"}, "health")
    # A re-post of the servers step without the port keeps the port entered before.
    step(client_a, url, {"action": "next"}, "health")
    errors += fuzz(client_a, health)
    fields = page_fields(client_a, health)
    confirm = step(client_a, health, fields, "confirm")
    errors += fuzz(client_a, confirm)
    assert not errors, "\n".join(map(str, errors))


def test_the_alb_listener_wizard(world, client_a):
    url = client_a.get(f"/loadbalancer/alb-instances/{world.alb.pk}/listeners/create/")
    url = url["Location"]
    errors = fuzz(client_a, url)
    fields = {**page_fields(client_a, url), "port": "8082", "name": "fuzz"}
    url = step(client_a, url, fields, "server-group")
    errors += fuzz(client_a, url, extra={"server_group": world.group.pk})
    confirm = step(client_a, url, {"server_group": world.group.pk}, "confirm")
    errors += fuzz(client_a, confirm)
    assert not errors, "\n".join(map(str, errors))


def test_the_network_pages(world, client_a):
    errors = fuzz(
        client_a,
        f"/network/instances/{world.ecs01.pk}/browser/",
        extra={"address": "10.0.0.1", "back": "1"},
        method="get",
    )
    errors += fuzz(
        client_a,
        f"/network/endpoints/{world.endpoint.pk}/diagnose/",
        extra={"instance": world.ecs01.pk, "port": "80", "domain": "", "run": "1"},
        method="get",
    )
    assert not errors, "\n".join(map(str, errors))
