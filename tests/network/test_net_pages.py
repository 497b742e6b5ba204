"""Open Browser, Diagnose and the topology pictures: pages, isolation, history, the Monitor."""

import re

from net_factories import connection, lab1, lab3, zone_domain

from factories import client_for, make_login
from network.templatetags.network_tags import endpoint_network_panel, service_network_panel


def tab(instance):
    return f"/instances/{instance.pk}/browser/"


def test_open_browser_tab_loads_the_endpoint_domain(account_a, client_a):
    lab = lab1(account_a)
    page = client_a.get(tab(lab.ecs1))
    assert page.status_code == 200
    assert 'aria-current="page" class="current">Open Browser<' in page.content.decode()
    assert '<label for="browser-address" class="visually-hidden">Address</label>' in (
        page.content.decode()
    )
    response = client_a.get(tab(lab.ecs1), {"address": lab.endpoint.domain})
    html = response.content.decode()
    assert "HTTP/1.1 200 OK" in html
    assert re.search(r"ECS[23] page", html)
    assert 'data-code="OK"' in html
    assert html.count('class="hop pass"') == 10
    assert connection(lab.endpoint).request_count == 1


def test_htmx_fragment_pushes_the_tab_url_and_remembers_addresses(account_a, client_a):
    lab = lab1(account_a)
    url = f"/network/instances/{lab.ecs1.pk}/browser/"
    first = client_a.get(url, {"address": lab.endpoint.domain}, HTTP_HX_REQUEST="true")
    assert first.status_code == 200
    assert first["HX-Push-Url"].startswith(tab(lab.ecs1) + "?address=")
    assert "<html" not in first.content.decode()[:200].lower()
    second = client_a.get(url, {"address": "nowhere.example"}, HTTP_HX_REQUEST="true")
    html = second.content.decode()
    assert "This site can&#x27;t be reached" in html and "ERR_NAME_NOT_RESOLVED" in html
    assert 'data-code="NAME_NOT_RESOLVED"' in html
    assert f'<option value="{lab.endpoint.domain}">' in html
    # Back goes to the previous address and loads it again.
    back = client_a.get(url, {"back": "1"}, HTTP_HX_REQUEST="true").content.decode()
    assert "HTTP/1.1 200 OK" in back and f'value="{lab.endpoint.domain}"' in back
    # Without htmx the fragment URL sends the browser to the tab.
    plain = client_a.get(url, {"address": "x"})
    assert plain.status_code == 302 and plain["Location"].startswith(tab(lab.ecs1))


def test_another_accounts_instance_is_a_404(account_a, account_b, client_b):
    lab = lab1(account_a)
    assert client_b.get(tab(lab.ecs1)).status_code == 404
    url = f"/network/instances/{lab.ecs1.pk}/browser/"
    assert client_b.get(url, {"address": "x"}, HTTP_HX_REQUEST="true").status_code == 404
    assert client_b.get(f"/network/endpoints/{lab.endpoint.pk}/diagnose/").status_code == 404
    assert client_b.get(f"/network/endpoints/{lab.endpoint.pk}/topology.svg").status_code == 404
    url = f"/network/endpoint-services/{lab.service.pk}/topology.svg"
    assert client_b.get(url).status_code == 404


def test_lab2_trace_links_only_own_resources_and_names_the_provider_by_uid(
    account_a, account_b, client_a
):
    lab = lab1(account_a, account_b)
    html = client_a.get(tab(lab.ecs1), {"address": lab.endpoint.domain}).content.decode()
    assert "HTTP/1.1 200 OK" in html
    assert f"Account {account_b.uid}" in html
    assert f'href="/loadbalancer/clb-instances/{lab.clb.pk}/"' not in html
    assert f'href="/instances/{lab.ecs1.pk}/"' in html
    assert "CLB1" not in html and "VPC2" not in html


def test_diagnose_gives_the_trace_without_counting(account_a, client_a):
    lab = lab3(account_a)
    url = f"/network/endpoints/{lab.endpoint.pk}/diagnose/"
    page = client_a.get(url)
    html = page.content.decode()
    assert page.status_code == 200
    for label in ("Client Instance", "Port", "Domain name"):
        assert f">{label}</label>" in html
    domain = zone_domain(lab.endpoint, "cn-hangzhou-i")
    result = client_a.get(url, {"instance": lab.ecs02.pk, "port": 80, "domain": domain})
    html = result.content.decode()
    assert 'class="badge ok">Reached' in html
    assert "<svg" in html and lab.alb.pk in html
    assert connection(lab.endpoint).request_count == 0
    closed = client_a.get(url, {"instance": lab.ecs02.pk, "port": 443, "domain": domain})
    assert "NO_LISTENER_ON_PORT" in closed.content.decode()


def test_topology_svg_of_one_account_shows_the_whole_path(account_a, client_a):
    lab = lab3(account_a)
    svg = client_a.get(f"/network/endpoints/{lab.endpoint.pk}/topology.svg")
    assert svg["Content-Type"] == "image/svg+xml"
    text = svg.content.decode()
    assert text.startswith('<svg class="topology" xmlns="http://www.w3.org/2000/svg"')
    for thing in ("VPC1", lab.service.pk, "alb-lab3", "web", "ECS03", "ECS04", "Healthy"):
        assert thing in text, thing
    for kind in ("vpc", "eni", "service", "alb", "listener", "backend"):
        assert f'data-kind="{kind}"' in text
    assert text.count('data-kind="eni"') == 2 and text.count('data-kind="alb"') == 2
    assert f'href="/privatelink/endpoint-services/{lab.service.pk}/"' in text
    svg = client_a.get(f"/network/endpoint-services/{lab.service.pk}/topology.svg")
    assert 'data-kind="eni"' in svg.content.decode()


def test_topology_draws_the_other_account_as_an_opaque_box(account_a, account_b):
    lab = lab1(account_a, account_b)
    consumer = client_for(make_login(account_a, "alice2"))
    text = consumer.get(f"/network/endpoints/{lab.endpoint.pk}/topology.svg").content.decode()
    assert f"Account {account_b.uid}" in text and 'data-kind="account"' in text
    for secret in (lab.service.pk, lab.clb.pk, "CLB1", "ECS2", lab.ecs2.private_ip):
        assert secret not in text
    provider = client_for(make_login(account_b, "bob2"))
    url = f"/network/endpoint-services/{lab.service.pk}/topology.svg"
    text = provider.get(url).content.decode()
    assert f"Account {account_a.uid}" in text and "ECS2" in text
    for secret in (lab.endpoint.pk, "VPC1", lab.vpc1.pk, "eni-"):
        assert secret not in text


def test_panels_for_the_privatelink_pages(account_a, account_b, rf):
    lab = lab1(account_a, account_b)
    request = rf.get("/")
    request.account = account_a
    panel = endpoint_network_panel({"request": request}, lab.endpoint)
    assert "Diagnose" in panel and "<svg" in panel and "request-count" in panel
    assert service_network_panel({"request": request}, lab.service) == ""
    request.account = account_b
    assert endpoint_network_panel({"request": request}, lab.endpoint) == ""
    assert "<svg" in service_network_panel({"request": request}, lab.service)
