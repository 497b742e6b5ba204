"""The AccessKey page: create (secret once), at most two, Disable / Enable / Delete."""

import html

import pytest
from django.urls import reverse
from sdk_fixtures import *  # noqa: F403

from cloudapi.models import AccessKey

pytestmark = pytest.mark.django_db

PAGE = "/accesskeys/"


def _create(client):
    return client.post(reverse("cloudapi:access-key-create"), follow=True)


def test_menu_links_to_page(client_a):
    page = client_a.get(reverse("cloudapi:access-keys"))
    assert page.status_code == 200
    assert f'href="{PAGE}">AccessKey</a>' in page.content.decode()


def test_create_shows_secret_once(client_a, account_a):
    page = _create(client_a).content.decode()
    key = AccessKey.objects.get(account=account_a)
    assert key.pk.startswith("LTAI") and len(key.pk) == 24
    assert key.secret in page and "shown only once" in page
    again = client_a.get(PAGE).content.decode()
    assert key.pk in again
    assert key.secret not in again


def test_at_most_two_pairs(client_a, account_a):
    _create(client_a)
    _create(client_a)
    page = _create(client_a).content.decode()
    assert AccessKey.objects.filter(account=account_a).count() == 2
    assert "at most 2 AccessKey pairs" in page


def test_disable_enable_delete(client_a, account_a):
    _create(client_a)
    key = AccessKey.objects.get(account=account_a)
    url = lambda action: reverse("cloudapi:access-key-action", args=[key.pk, action])  # noqa: E731
    refused = client_a.post(url("delete"), follow=True).content.decode()
    assert "is Enabled; disable it before deleting it" in refused
    client_a.post(url("disable"))
    assert AccessKey.objects.get(pk=key.pk).status == "Disabled"
    client_a.post(url("enable"))
    assert AccessKey.objects.get(pk=key.pk).status == "Enabled"
    client_a.post(url("disable"))
    client_a.post(url("delete"))
    assert not AccessKey.objects.filter(pk=key.pk).exists()


def test_another_account_gets_404(client_a, client_b, account_a):
    _create(client_a)
    key = AccessKey.objects.get(account=account_a)
    for action in ("disable", "enable", "delete"):
        url = reverse("cloudapi:access-key-action", args=[key.pk, action])
        assert client_b.post(url).status_code == 404
    assert key.pk not in client_b.get(PAGE).content.decode()
    assert AccessKey.objects.get(pk=key.pk).status == "Enabled"


def test_read_only_login_refused(instructor_client, account_a):
    key = AccessKey.objects.create(account=account_a)
    page = instructor_client.post(reverse("cloudapi:access-key-create"), follow=True)
    assert "read-only" in page.content.decode()
    url = reverse("cloudapi:access-key-action", args=[key.pk, "disable"])
    instructor_client.post(url)
    assert AccessKey.objects.get(pk=key.pk).status == "Enabled"
    assert AccessKey.objects.count() == 1


def test_developer_note_has_endpoint_and_snippet(client_a, account_a):
    _create(client_a)
    key = AccessKey.objects.get(account=account_a)
    page = html.unescape(client_a.get(PAGE).content.decode())
    assert "Developer" in page
    assert 'endpoint="testserver", protocol="http", region_id="eu-central-1"' in page
    assert f'access_key_id="{key.pk}"' in page


def test_page_query_count(client_a, account_a, django_assert_max_num_queries):
    _create(client_a)
    _create(client_a)
    with django_assert_max_num_queries(12):
        client_a.get(PAGE)


def test_management_command_prints_a_new_pair(user_a, account_a):
    from io import StringIO

    from django.core.management import CommandError, call_command

    out = StringIO()
    call_command("access_key_create", "alice", stdout=out)
    key = AccessKey.objects.get(account=account_a)
    assert key.pk in out.getvalue() and key.secret in out.getvalue()
    call_command("access_key_create", "alice", stdout=StringIO())
    with pytest.raises(CommandError, match="at most 2"):
        call_command("access_key_create", "alice", stdout=StringIO())
    with pytest.raises(CommandError, match="not a login"):
        call_command("access_key_create", "nobody", stdout=StringIO())
