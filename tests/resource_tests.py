"""The tests every resource type's pages inherit: list, detail, create, delete, isolation.

Subclass :class:`ResourceTests` in a test module and set:

- ``resource``: the ``ResourceViews`` configuration of the type;
- ``make(self, account)``: build a settled resource of ``account`` (through services);
- ``create_data(self, account)``: valid POST data for the create page (or None to skip);
- ``dropdowns``: ``[(create_page_url, field_name)]`` where the owner's object is offered and
  another account's never; or ``no_dropdown``: why no create page offers the type;
- ``deletable``: whether the type has a Delete.
"""

import re

from django.db import connection
from django.test.utils import CaptureQueriesContext


class ResourceTests:
    resource = None
    dropdowns = ()
    no_dropdown = ""
    deletable = True

    def make(self, account):
        raise NotImplementedError

    def create_data(self, account):
        return None

    @property
    def model(self):
        return self.resource.model

    def list_url(self):
        return self.resource.url("list")

    # --- own resources ---------------------------------------------------------------------

    def test_list_shows_own_resource(self, client_a, account_a):
        obj = self.make(account_a)
        response = client_a.get(self.list_url())
        assert response.status_code == 200
        assert obj.pk in response.content.decode()

    def test_list_search_by_id(self, client_a, account_a):
        obj = self.make(account_a)
        response = client_a.get(self.list_url(), {"q": obj.pk})
        assert obj.pk in response.content.decode()
        response = client_a.get(self.list_url(), {"q": "no-such-thing-anywhere"})
        assert obj.pk not in response.content.decode()

    def test_detail_and_every_tab_render(self, client_a, account_a):
        obj = self.make(account_a)
        response = client_a.get(self.resource.url("detail", obj))
        assert response.status_code == 200
        assert obj.pk in response.content.decode()
        for tab in self.resource.tabs:
            response = client_a.get(self.resource.url("tab", obj, tab=tab.slug))
            assert response.status_code == 200, tab.slug
            fragment = client_a.get(
                self.resource.url("tab", obj, tab=tab.slug) + "?fragment=tab",
                headers={"HX-Request": "true"},
            )
            assert fragment.status_code == 200
            assert "<html" not in fragment.content.decode()

    def test_polled_fragments_stop_polling_once_settled(self, client_a, account_a):
        obj = self.make(account_a)
        htmx = {"HX-Request": "true"}
        # A row polls while the type says so (in flux; an endpoint also while its connection
        # awaits the provider); a detail header while the resource itself is in flux.
        live = {"row": self.resource.polls(obj), "header": obj.is_transitional}
        for fragment in ("row", "header"):
            response = client_a.get(
                self.resource.url("detail", obj), {"fragment": fragment}, headers=htmx
            )
            expected = 200 if live[fragment] else 286
            assert response.status_code == expected, fragment
            assert "<html" not in response.content.decode()
            assert obj.pk in response.content.decode()

    def test_create_page_and_form(self, client_a, account_a):
        data = self.create_data(account_a)
        if data is None:
            return
        assert client_a.get(self.resource.url("create")).status_code == 200
        before = self.model.objects.for_account(account_a).count()
        response = client_a.post(self.resource.url("create"), data)
        assert response.status_code == 302, response.content.decode()[:3000]
        assert self.model.objects.for_account(account_a).count() == before + 1

    def test_create_page_is_the_one_form_layout(self, client_a, account_a):
        """Every create page (with its errors) renders through the one form layout, or the
        resource's dialog, and every field through the one field partial."""
        if self.create_data(account_a) is None:
            return
        response = client_a.post(self.resource.url("create"), {})
        used = {template.name for template in response.templates}
        if getattr(self.resource, "create_in_dialog", False):
            assert self.resource.form_template in used
        else:
            assert {"layout/form.html", self.resource.form_body_template} <= used
        assert {name for name in used if name.endswith("field.html")} == {
            "layout/partials/field.html"
        }

    def test_create_submitted_twice_makes_one(self, client_a, account_a):
        """A retried or double-clicked OK: the form's one-time token makes one resource."""
        data = self.create_data(account_a)
        if data is None:
            return
        page = client_a.get(self.resource.url("create")).content.decode()
        key = re.search(r'name="idempotency_key" value="([0-9a-f]{32})"', page).group(1)
        before = self.model.objects.for_account(account_a).count()
        first = client_a.post(self.resource.url("create"), {**data, "idempotency_key": key})
        second = client_a.post(self.resource.url("create"), {**data, "idempotency_key": key})
        assert first.status_code == second.status_code == 302
        assert second["Location"] == first["Location"]
        assert self.model.objects.for_account(account_a).count() == before + 1

    def test_create_with_nothing_filled_creates_nothing(self, client_a, account_a):
        if self.create_data(account_a) is None:
            return
        before = self.model.objects.count()
        response = client_a.post(self.resource.url("create"), {})
        assert response.status_code == 200
        assert "field-error" in response.content.decode()
        assert self.model.objects.count() == before

    def test_delete(self, client_a, account_a):
        if not self.deletable:
            return
        obj = self.make(account_a)
        assert client_a.get(self.resource.url("delete", obj)).status_code == 200
        dialog = client_a.get(self.resource.url("delete", obj), headers={"HX-Request": "true"})
        assert "<dialog" in dialog.content.decode() and "<html" not in dialog.content.decode()
        response = client_a.post(self.resource.url("delete", obj))
        assert response.status_code == 302
        assert not self.model.objects.filter(pk=obj.pk).exists()

    def test_list_query_count_does_not_grow_with_rows(self, client_a, account_a):
        self.make(account_a)
        with CaptureQueriesContext(connection) as one:
            client_a.get(self.list_url())
        for _ in range(3):
            self.make(account_a)
        with CaptureQueriesContext(connection) as four:
            client_a.get(self.list_url())
        assert len(four) == len(one), [q["sql"] for q in four.captured_queries]

    # --- isolation -------------------------------------------------------------------------

    def test_another_account_gets_404_everywhere(self, client_b, account_a):
        obj = self.make(account_a)
        urls = [self.resource.url("detail", obj), self.resource.url("delete", obj)]
        urls += [self.resource.url("tab", obj, tab=tab.slug) for tab in self.resource.tabs]
        for url in urls:
            assert client_b.get(url).status_code == 404, url
        assert client_b.post(self.resource.url("delete", obj)).status_code == 404
        for action in self.resource.actions:
            url = self.resource.url("action", obj, action=action.name)
            assert client_b.post(url).status_code == 404, url
        assert self.model.objects.filter(pk=obj.pk).exists()

    def test_another_account_never_sees_it_in_a_list(self, client_b, account_a):
        obj = self.make(account_a)
        link = self.resource.url("detail", obj)
        assert obj.pk not in client_b.get(self.list_url()).content.decode()
        # A search echoes its query; the row and its link must still be absent.
        assert link not in client_b.get(self.list_url(), {"q": obj.pk}).content.decode()

    def test_another_account_never_sees_it_in_a_dropdown(self, client_a, client_b, account_a):
        if not self.dropdowns:
            # Offered only on other resources' pages (checked there): say so, or add them.
            assert self.no_dropdown, "set dropdowns, or no_dropdown to the reason there is none"
            return
        obj = self.make(account_a)
        for url, _field in self.dropdowns:
            # The owner is offered it there: the check below can fail.
            assert obj.pk in client_a.get(url).content.decode(), url
            assert obj.pk not in client_b.get(url).content.decode(), url

    def test_instructor_sees_it_read_only(self, instructor_client, account_a):
        obj = self.make(account_a)
        instructor_client.post("/accounts/view/", {"account": account_a.pk})
        assert instructor_client.get(self.resource.url("detail", obj)).status_code == 200
        if self.deletable:
            assert instructor_client.post(self.resource.url("delete", obj)).status_code == 403
            assert self.model.objects.filter(pk=obj.pk).exists()
