"""Generated from the URL configuration: every route of every resource type.

Each route is posted to twice: by a read-only login (an instructor looking at the account),
which must be refused (403) with nothing written, and by another account with the owner's
IDs, which must be a 404. A new route or member action is covered as soon as it exists; a new
route parameter needs one line in ``route_values``.
"""

import pytest
from net_routes import build_world, resource_routes, route_urls

from console.models import Event

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(account_a, account_b):
    return build_world(account_a, account_b)


def written_rows():
    return Event.objects.count()


def test_every_member_action_is_posted_to(world):
    posted = {(r.slug, a.name) for r, _, _, a in route_urls(world) if a is not None}
    configured = {
        (resource.slug, action.name)
        for resource, *_ in resource_routes()
        for action in resource.all_member_actions
    }
    assert configured and configured <= posted, configured - posted


def test_every_post_route_refuses_a_read_only_login(world, instructor_client, account_a):
    instructor_client.post("/accounts/view/", {"account": account_a.pk})
    before = written_rows()
    routes = route_urls(world)
    for _resource, url, _, _ in routes:
        response = instructor_client.post(url, {"name": "x", "next": "/"})
        assert response.status_code == 403, (url, response.status_code)
    assert written_rows() == before


def test_every_post_route_of_another_account_is_a_404(world, client_b):
    before = written_rows()
    for _resource, url, has_id, _ in route_urls(world):
        if not has_id:
            continue
        response = client_b.post(url, {"name": "x", "next": "/"})
        assert response.status_code == 404, (url, response.status_code)
    assert written_rows() == before
