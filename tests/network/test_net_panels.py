"""The endpoint and endpoint service pages carry the connectivity panel and the topology."""

from net_factories import allow, lab1


def test_endpoint_page_has_diagnose_monitor_and_topology(client_a, client_b, account_a, account_b):
    lab = lab1(account_a, account_b)
    page = client_a.get(f"/privatelink/endpoints/{lab.endpoint.pk}/").content.decode()
    assert 'aria-label="Connectivity"' in page
    assert f'href="/network/endpoints/{lab.endpoint.pk}/diagnose/"' in page
    svg = page.split("<svg", 1)[1].split("</svg>", 1)[0]
    # The provider's side appears only as its owner's UID in the consumer's picture.
    assert account_b.uid in svg
    assert "ECS2" not in svg and "VPC2" not in svg


def test_service_page_has_the_topology_and_hides_the_consumer(client_b, account_a, account_b):
    lab = lab1(account_a, account_b)
    page = client_b.get(f"/privatelink/endpoint-services/{lab.service.pk}/").content.decode()
    assert 'aria-label="Topology"' in page
    svg = page.split("<svg", 1)[1].split("</svg>", 1)[0]
    assert account_a.uid in svg
    # Nothing of the consumer's VPC or instances by name.
    assert "VPC1" not in svg and "ECS1" not in svg


def test_allow_and_whitelist_open_as_dialogs_under_htmx(client_b, account_a, account_b):
    lab = lab1(account_a, account_b, connect=False)
    base = f"/privatelink/endpoint-services/{lab.service.pk}"
    htmx = {"HX-Request": "true"}
    for url in (f"{base}/connections/{lab.endpoint.pk}/allow/", f"{base}/whitelist/add/"):
        dialog = client_b.get(url, headers=htmx).content.decode()
        assert dialog.lstrip().startswith("<dialog") and "<html" not in dialog, url
        page = client_b.get(url).content.decode()
        assert "<html" in page and "<dialog" not in page, url


def test_endpoint_rows_poll_while_the_connection_awaits_the_provider(client_a, account_a):
    lab = lab1(account_a, connect=False)
    htmx = {"HX-Request": "true"}
    url = f"/privatelink/endpoints/{lab.endpoint.pk}/"
    page = client_a.get("/privatelink/endpoints/").content.decode()
    assert f'hx-get="{url}?fragment=row&amp;live=' in page
    assert client_a.get(url, {"fragment": "row"}, headers=htmx).status_code == 200
    allow(account_a, lab.endpoint)
    response = client_a.get(url, {"fragment": "row"}, headers=htmx)
    assert response.status_code == 286
    assert "Connected" in response.content.decode()
