"""Live fragments: an unchanged poll costs no query; a changed one never carries a newer
version than its rows (the provider's table could freeze on "Connecting" that way)."""

import re
from html import unescape

import pytest
from pl_factories import activate, connection_of, make_endpoint, make_service

from console import live
from factories import make_account
from privatelink import services, views

HTMX = {"HX-Request": "true"}
SERVICES = "/privatelink/endpoint-services"
ENDPOINTS = "/privatelink/endpoints"


def poll_url(html, element_id):
    tag = re.search(rf'<[^>]* id="{element_id}"[^>]*>', html).group(0)
    return unescape(re.search(r'hx-get="([^"]*)"', tag).group(1))


@pytest.fixture
def lab2(transactional_db, account_a, account_b):
    """Committed for real (no test transaction): the change signals run after each commit."""
    service = make_service(account_b, whitelist=[account_a])
    endpoint = make_endpoint(account_a, service)
    return service, endpoint


def table(client, service):
    response = client.get(f"{SERVICES}/{service.pk}/connections/", {"fragment": "tab"})
    return response.content.decode()


def test_unchanged_poll_answers_204_without_a_query(client_b, lab2, django_assert_num_queries):
    service, _ = lab2
    poll = poll_url(table(client_b, service), "connections")
    with django_assert_num_queries(0):
        response = client_b.get(poll, headers=HTMX)
    assert response.status_code == 204


def test_a_change_by_the_other_account_reaches_the_poll(client_a, client_b, lab2):
    service, endpoint = lab2
    provider_poll = poll_url(table(client_b, service), "connections")
    page = client_a.get(f"{ENDPOINTS}/{endpoint.pk}/").content.decode()
    consumer_poll = poll_url(page, "connection-status")
    assert client_a.get(consumer_poll, headers=HTMX).status_code == 204
    # The provider allows: both accounts' pages hear of it.
    services.connection_allow(
        account=service.account, service=service, connection=connection_of(endpoint)
    )
    consumer = client_a.get(consumer_poll, headers=HTMX)
    assert consumer.status_code == 200 and "Connect" in consumer.content.decode()
    provider = client_b.get(provider_poll, headers=HTMX)
    assert provider.status_code == 200
    assert connection_of(endpoint).status in provider.content.decode()


def test_a_commit_between_reading_rows_and_rendering_is_seen_by_the_next_poll(
    client_b, lab2, monkeypatch
):
    """The worker commits while the table is being rendered: the page shows the old rows,
    so its poll must not be answered "unchanged" afterwards."""
    service, endpoint = lab2
    histories = views.load_histories
    calls = []

    def histories_then_worker_commits(connections):
        if not calls:
            calls.append([c.pk for c in connections])
            services.connection_allow(
                account=service.account, service=service, connection=connection_of(endpoint)
            )
        return histories(connections)

    monkeypatch.setattr(views, "load_histories", histories_then_worker_commits)
    html = table(client_b, service)
    assert calls and 'data-status="Disconnected"' in html  # the rows read before the commit
    monkeypatch.setattr(views, "load_histories", histories)
    response = client_b.get(poll_url(html, "connections"), headers=HTMX)
    assert response.status_code == 200
    assert f'data-status="{connection_of(endpoint).status}"' in response.content.decode()
    assert 'data-status="Disconnected"' not in response.content.decode()


def test_a_forged_or_stale_token_renders(client_b, lab2, settings):
    service, _ = lab2
    poll = poll_url(table(client_b, service), "connections")
    forged = re.sub(r"live=[^&]*", "live=1:0:0:forged", poll)
    assert client_b.get(forged, headers=HTMX).status_code == 200
    settings.LIVE_MAX_AGE = -1
    assert client_b.get(poll, headers=HTMX).status_code == 200


def test_without_redis_polls_render_from_the_database(client_b, lab2, settings):
    service, _ = lab2
    settings.LIVE_REDIS_URL = "redis://127.0.0.1:1/0"  # nothing listens there
    html = table(client_b, service)
    poll = poll_url(html, "connections")
    assert "live=" not in poll
    assert client_b.get(poll, headers=HTMX).status_code == 200
    assert live.versions([service.account_id]) is None


def test_connections_table_shows_one_page(client_b, account_b, transactional_db):
    consumers = [make_account(f"Consumer {n}") for n in range(3)]
    service = make_service(account_b, whitelist=consumers)
    for consumer in consumers:
        activate(consumer)
        make_endpoint(consumer, service)
    url = f"{SERVICES}/{service.pk}/connections/"
    html = client_b.get(url, {"fragment": "tab", "page_size": "10"}).content.decode()
    assert html.count('<tr id="connection-') == 3 and "Total 3 items" in html
    # The console's smallest page: 10 rows, never all of them.
    for consumer in [make_account(f"More {n}") for n in range(8)]:
        services.whitelist_add(account=account_b, service=service, uids=[consumer.uid])
        activate(consumer)
        make_endpoint(consumer, service)
    html = client_b.get(url, {"fragment": "tab", "page_size": "10"}).content.decode()
    assert html.count('<tr id="connection-') == 10 and "Total 11 items" in html
    poll = poll_url(html, "connections")
    assert "page=1" in poll and "page_size=10" in poll


def test_the_application_server_answers_unchanged_polls_before_django(
    client_b, lab2, django_assert_num_queries
):
    """What gunicorn calls (console.wsgi): an unchanged poll never reaches Django."""
    import io
    from urllib.parse import urlsplit

    from console.wsgi import application

    service, endpoint = lab2
    poll = urlsplit(poll_url(table(client_b, service), "connections"))
    environ = {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": poll.path,
        "QUERY_STRING": poll.query,
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "8000",
        "HTTP_HX_REQUEST": "true",
        "wsgi.input": io.BytesIO(b""),
        "wsgi.url_scheme": "http",
    }
    answers = []
    with django_assert_num_queries(0):
        body = application(dict(environ), lambda status, headers: answers.append(status))
    assert answers == ["204 No Content"] and list(body) == []
    services.connection_allow(
        account=service.account, service=service, connection=connection_of(endpoint)
    )
    body = application(dict(environ), lambda status, headers: answers.append(status))
    assert answers[-1] == "302 Found"  # through Django: no session in this bare request


def test_a_deny_after_connected_reaches_the_consumers_open_page(client_a, lab2):
    service, endpoint = lab2
    services.connection_allow(
        account=service.account, service=service, connection=connection_of(endpoint)
    )
    page = client_a.get(f"{ENDPOINTS}/{endpoint.pk}/").content.decode()
    poll = poll_url(page, "connection-status")
    assert "Connected" in page and client_a.get(poll, headers=HTMX).status_code == 204
    services.connection_deny(
        account=service.account, service=service, connection=connection_of(endpoint)
    )
    response = client_a.get(poll, headers=HTMX)
    assert response.status_code == 200
    assert connection_of(endpoint).status in response.content.decode()
    assert connection_of(endpoint).status != "Connected"
