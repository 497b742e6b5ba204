"""The pages in the console's words: forms, dialogs, live fragments and isolation."""

import re
from html import unescape

import pytest
from pl_factories import (
    connection_of,
    lab1_consumer,
    lab1_provider,
    make_clb,
    make_endpoint,
    make_service,
    settle,
)

from console.models import Account
from factories import make_instance
from privatelink.models import EndpointConnection, EndpointService

HTMX = {"HX-Request": "true"}


def poll_url(html, element_id):
    """The URL the element ``element_id`` of ``html`` polls (its ``hx-get``)."""
    tag = re.search(rf'<[^>]* id="{element_id}"[^>]*>', html).group(0)
    return unescape(re.search(r'hx-get="([^"]*)"', tag).group(1))


SERVICES = "/privatelink/endpoint-services"
ENDPOINTS = "/privatelink/endpoints"


def labels_of(html):
    return html


def test_service_form_has_the_spec_labels(client_a, account_a):
    body = client_a.get(f"{SERVICES}/create/").content.decode()
    for text in (
        '<legend id="id_resource_type_label"><span class="req" aria-hidden="true">*</span>'
        "Service Resource Type</legend>",
        "Select Service Resource</legend>",
        "+Add Resource from Another Zone",
        "Automatically Accept Endpoint Connections</legend>",
        "Whether to Enable Zone Affinity</legend>",
        ">Description</label>",
        ">OK</button>",
    ):
        assert text in body, text
    nlb = body.split('value="nlb"')[1].split(">")[0]
    assert "disabled" in nlb


def test_add_resource_row_fragment(client_a, account_a):
    response = client_a.get(
        f"{SERVICES}/create/",
        {"fragment": "form", "rows": "1", "add_row": "1", "resource_type": "slb"},
        headers=HTMX,
    )
    body = response.content.decode()
    assert "<html" not in body
    assert 'name="zone_1"' in body and 'name="instance_1"' in body
    assert 'name="rows" value="2"' in body


def test_ineligible_instances_are_listed_disabled_with_reason(client_a, account_a):
    vpc, vswitch, good = lab1_provider(account_a)
    bad = make_clb(account_a, vpc, vswitch, address_type="internet", name="public")
    body = client_a.get(
        f"{SERVICES}/create/", {"fragment": "form", "zone_0": "eu-central-1b"}, headers=HTMX
    ).content.decode()
    assert f'<option value="{good.pk}">' in body
    option = body.split(f'<option value="{bad.pk}"')[1].split("</option>")[0]
    assert "disabled" in option and "Internet-facing" in option
    # Choosing it anyway gets the reason beside the rows.
    response = client_a.post(
        f"{SERVICES}/create/",
        {
            "resource_type": "slb",
            "rows": "1",
            "zone_0": "eu-central-1b",
            "instance_0": bad.pk,
            "auto_accept": "no",
            "zone_affinity": "no",
        },
    )
    assert response.status_code == 200
    assert "Internet-facing" in response.content.decode()
    assert not EndpointService.objects.exists()


def test_alb_without_privilege_says_how_to_apply(client_a, account_a):
    body = client_a.get(
        f"{SERVICES}/create/", {"fragment": "form", "resource_type": "alb"}, headers=HTMX
    ).content.decode()
    assert "submitting a ticket" in body
    response = client_a.post(
        f"{SERVICES}/create/",
        {"resource_type": "alb", "rows": "1", "auto_accept": "no", "zone_affinity": "no"},
    )
    assert "submitting a ticket" in response.content.decode()
    Account.objects.filter(pk=account_a.pk).update(alb_privatelink_privilege=True)
    body = client_a.get(
        f"{SERVICES}/create/", {"fragment": "form", "resource_type": "alb"}, headers=HTMX
    ).content.decode()
    assert "submitting a ticket" not in body


def test_same_zone_twice_on_the_form(client_a, account_a):
    clb = lab1_provider(account_a)[2]
    response = client_a.post(
        f"{SERVICES}/create/",
        {
            "resource_type": "slb",
            "rows": "2",
            "zone_0": "eu-central-1b",
            "instance_0": clb.pk,
            "zone_1": "eu-central-1b",
            "instance_1": clb.pk,
            "auto_accept": "no",
            "zone_affinity": "no",
        },
    )
    assert "selected twice" in response.content.decode()
    assert not EndpointService.objects.exists()


def test_another_accounts_instances_are_never_offered(client_b, account_a, account_b):
    clb = lab1_provider(account_a)[2]
    body = client_b.get(
        f"{SERVICES}/create/", {"fragment": "form", "zone_0": "eu-central-1b"}, headers=HTMX
    ).content.decode()
    assert clb.pk not in body
    response = client_b.post(
        f"{SERVICES}/create/",
        {
            "resource_type": "slb",
            "rows": "1",
            "zone_0": "eu-central-1b",
            "instance_0": clb.pk,
            "auto_accept": "no",
            "zone_affinity": "no",
        },
    )
    assert response.status_code == 200
    assert not EndpointService.objects.exists()


def endpoint_post(service_name, vpc, group, vswitch, **extra):
    data = {
        "name": "ep1",
        "endpoint_type": "Interface",
        "service_mode": "name",
        "service_name": service_name,
        "vpc": vpc.pk,
        "security_groups": [group.pk],
        "rows": "1",
        "zone_0": "eu-central-1b",
        "vswitch_0": vswitch.pk,
    }
    data.update(extra)
    return data


def test_endpoint_form_labels(client_a, account_a):
    body = client_a.get(f"{ENDPOINTS}/create/").content.decode()
    for text in (
        ">Endpoint Name</label>",
        "Endpoint Type</legend>",
        "Interface Endpoint",
        "Endpoints Service</legend>",
        "Add by Service Name",
        "Select Service",
        ">VPC</label>",
        ">Security Groups</label>",
        "Make sure that the rules in the security group allow access to the endpoint ENI",
        "Zone and vSwitch</legend>",
        "+Add vSwitch",
        ">Description</label>",
    ):
        assert text in body, text


def test_endpoint_by_name_across_accounts_needs_the_whitelist(client_a, account_a, account_b):
    service = make_service(account_b)
    vpc, vswitch, group = lab1_consumer(account_a)
    data = endpoint_post(service.service_name, vpc, group, vswitch)
    response = client_a.post(f"{ENDPOINTS}/create/", data)
    assert response.status_code == 200
    body = response.content.decode()
    assert (
        "The endpoint service does not exist or your account is not authorized to use it." in body
    )
    # The zone list reveals nothing about the hidden service either: every zone is offered.
    fragment = client_a.get(
        f"{ENDPOINTS}/create/",
        {"fragment": "form", "service_name": service.service_name, "vpc": vpc.pk},
        headers=HTMX,
    ).content.decode()
    assert "eu-central-1a" in fragment
    from privatelink import services

    services.whitelist_add(account=account_b, service=service, uids=account_a.uid)
    fragment = client_a.get(
        f"{ENDPOINTS}/create/",
        {"fragment": "form", "service_name": service.service_name, "vpc": vpc.pk},
        headers=HTMX,
    ).content.decode()
    assert 'value="eu-central-1a"' not in fragment and 'value="eu-central-1b"' in fragment
    response = client_a.post(f"{ENDPOINTS}/create/", data)
    assert response.status_code == 302
    assert EndpointConnection.objects.get().status == "Disconnected"


def test_select_service_lists_own_and_whitelisted_only(client_a, account_a, account_b):
    own = make_service(account_a)
    hidden = make_service(account_b)
    shared = make_service(account_b, whitelist=[account_a])
    body = client_a.get(f"{ENDPOINTS}/create/", {"service_mode": "select"}).content.decode()
    assert own.service_name in body and shared.service_name in body
    assert hidden.id not in body


def test_endpoint_zone_not_of_the_service_is_refused_on_the_form(client_a, account_a):
    from factories import make_vswitch

    service = make_service(account_a)
    vpc, vswitch, group = lab1_consumer(account_a)
    vsw_a = make_vswitch(account_a, vpc, cidr="10.10.1.0/24", zone_id="eu-central-1a")
    data = endpoint_post(service.service_name, vpc, group, vsw_a, zone_0="eu-central-1a")
    body = client_a.post(f"{ENDPOINTS}/create/", data).content.decode()
    assert "The endpoint service is not available in zone Frankfurt Zone A (eu-central-1a)." in body


def test_endpoint_form_never_offers_another_accounts_vpc(client_b, account_a, account_b):
    vpc, vswitch, group = lab1_consumer(account_a)
    body = client_b.get(f"{ENDPOINTS}/create/", {"vpc": vpc.pk}).content.decode()
    # The forged query is echoed in the page's own URL, but never offered as a choice.
    for obj in (vpc, vswitch, group):
        assert f'value="{obj.pk}"' not in body
    assert "VPC1" not in body


# --- the provider's Endpoint Connections tab ------------------------------------------------


@pytest.fixture
def lab2(account_a, account_b):
    service = make_service(account_b, whitelist=[account_a])
    endpoint = make_endpoint(account_a, service)
    return service, endpoint


def test_connections_tab_shows_owner_uid_and_vpc_never_names(client_b, lab2, account_a):
    service, endpoint = lab2
    body = client_b.get(f"{SERVICES}/{service.pk}/connections/").content.decode()
    assert endpoint.pk in body and endpoint.vpc_id in body and account_a.uid in body
    assert "VPC1" not in body and endpoint.name not in body and "alice" not in body
    assert ">Allow</a>" in body


def test_own_connection_shows_current_account(client_a, account_a):
    service = make_service(account_a)
    make_endpoint(account_a, service)
    body = client_a.get(f"{SERVICES}/{service.pk}/connections/").content.decode()
    assert "Current Account" in body


def test_allow_dialog_then_live_fragments(
    client_a, client_b, lab2, django_capture_on_commit_callbacks
):
    service, endpoint = lab2
    url = f"{SERVICES}/{service.pk}/connections/{endpoint.pk}"
    body = client_b.get(f"{url}/allow/").content.decode()
    assert "Allow Connection" in body
    assert "automatically allocate service resources" not in body  # CLB: no checkbox
    # The consumer's strip keeps polling while the request waits for the provider.
    strip = client_a.get(f"{ENDPOINTS}/{endpoint.pk}/", {"fragment": "connection"}, headers=HTMX)
    assert strip.status_code == 200 and "Disconnected" in strip.content.decode()
    tab = client_b.get(f"{SERVICES}/{service.pk}/connections/", {"fragment": "tab"}, headers=HTMX)
    poll = poll_url(tab.content.decode(), "connections")
    assert client_b.get(poll, headers=HTMX).status_code == 204
    # The commit signals the change (and, tasks being eager here, completes the connection).
    with django_capture_on_commit_callbacks(execute=True):
        response = client_b.post(f"{url}/allow/")
    assert response.status_code == 302
    assert connection_of(endpoint).status == "Connected"
    changed = client_b.get(poll, headers=HTMX)
    assert changed.status_code == 200 and "Connected" in changed.content.decode()
    again = poll_url(changed.content.decode(), "connections")
    assert client_b.get(again, headers=HTMX).status_code == 204
    settle(connection_of(endpoint))
    strip = client_a.get(f"{ENDPOINTS}/{endpoint.pk}/", {"fragment": "connection"}, headers=HTMX)
    # Settled, it keeps polling: the provider may still Deny or change the bandwidth.
    assert strip.status_code == 200 and "Connected" in strip.content.decode()
    # A second Allow is refused with a message naming the state, not an error page.
    response = client_b.post(f"{url}/allow/", follow=True)
    assert response.status_code == 200
    assert "The connection is Connected" in response.content.decode()


def test_deny_and_change_bandwidth_pages(client_b, lab2):
    service, endpoint = lab2
    url = f"{SERVICES}/{service.pk}/connections/{endpoint.pk}"
    response = client_b.post(f"{url}/deny/", follow=True)
    assert "was denied" in response.content.decode()
    assert connection_of(endpoint).status == "Disconnected"
    client_b.post(f"{url}/allow/")
    settle(connection_of(endpoint))
    body = client_b.post(f"{url}/bandwidth/", {"bandwidth": "50"}).content.decode()
    assert "from 100 to 10240 Mbps" in body
    client_b.post(f"{url}/bandwidth/", {"bandwidth": "2048"})
    connection = connection_of(endpoint)
    assert (connection.status, connection.bandwidth) == ("Pending", 2048)


def test_consumer_cannot_reach_provider_actions(client_a, lab2):
    service, endpoint = lab2
    url = f"{SERVICES}/{service.pk}/connections/{endpoint.pk}"
    for action in ("allow", "deny", "bandwidth"):
        assert client_a.post(f"{url}/{action}/").status_code == 404
    assert client_a.get(f"{SERVICES}/{service.pk}/").status_code == 404
    assert connection_of(endpoint).status == "Disconnected"


def test_provider_cannot_reach_the_consumers_endpoint(client_b, lab2):
    service, endpoint = lab2
    assert client_b.get(f"{ENDPOINTS}/{endpoint.pk}/").status_code == 404
    assert endpoint.pk not in client_b.get(f"{ENDPOINTS}/").content.decode()
    # Nor a connection of another service through its own.
    other = make_service(service.account)
    url = f"{SERVICES}/{other.pk}/connections/{endpoint.pk}/allow/"
    assert client_b.post(url).status_code == 404


def test_whitelist_tab_and_dialog(client_b, lab2, account_a, account_b):
    service, _ = lab2
    body = client_b.get(f"{SERVICES}/{service.pk}/whitelist/").content.decode()
    assert "Add Whitelist Account" in body and account_b.uid in body and account_a.uid in body
    assert "existing endpoint connections stay as they are" in body
    response = client_b.post(f"{SERVICES}/{service.pk}/whitelist/add/", {"uids": "123"})
    assert "16-digit" in response.content.decode()
    owner = service.whitelist.get(uid=account_b.uid)
    response = client_b.post(f"{SERVICES}/{service.pk}/whitelist/{owner.pk}/remove/", follow=True)
    assert "cannot be removed" in response.content.decode()


def test_basic_information_edit_in_place(client_a, account_a):
    service = make_service(account_a)
    response = client_a.post(
        f"{SERVICES}/{service.pk}/modify/",
        {"auto_accept": "yes", "zone_affinity": "no", "description": "https://nope"},
    )
    assert "cannot start with http" in response.content.decode()
    client_a.post(
        f"{SERVICES}/{service.pk}/modify/",
        {"auto_accept": "yes", "zone_affinity": "no", "description": "Edited"},
    )
    service.refresh_from_db()
    assert service.get_status_display() == "Modifying" and service.auto_accept


def test_endpoint_detail_tabs_show_eni_and_zone_domain(client_a, account_a):
    service = make_service(account_a)
    endpoint = make_endpoint(account_a, service)
    zone_row = endpoint.zones.get()
    body = client_a.get(f"{ENDPOINTS}/{endpoint.pk}/zones/").content.decode()
    for text in (zone_row.eni_id, zone_row.ip, zone_row.domain, "Wait", "vsw1"):
        assert text in body
    body = client_a.get(f"{ENDPOINTS}/{endpoint.pk}/connection/").content.decode()
    assert "read-only" in body and "request" in body


def test_list_pages(client_a, account_a):
    service = make_service(account_a)
    make_instance  # noqa: B018 - the builders make what the list needs
    endpoint = make_endpoint(account_a, service)
    body = client_a.get(f"{SERVICES}/").content.decode()
    for text in (service.service_name, service.service_domain, "Available", "CLB"):
        assert text in body
    body = client_a.get(f"{ENDPOINTS}/").content.decode()
    for text in (endpoint.domain, "Interface Endpoint", "Disconnected", service.id):
        assert text in body


def test_alb_allow_dialog_offers_automatic_allocation(client_a, account_a):
    from pl_factories import make_alb

    from factories import make_vpc, make_vswitch, region, zone
    from privatelink import services

    Account.objects.filter(pk=account_a.pk).update(alb_privatelink_privilege=True)
    account_a.refresh_from_db()
    vpc = make_vpc(account_a, cidr="192.168.0.0/16", region_id="cn-hangzhou")
    vsw_h = make_vswitch(account_a, vpc, cidr="192.168.3.0/24", zone_id="cn-hangzhou-h")
    vsw_i = make_vswitch(account_a, vpc, cidr="192.168.5.0/24", zone_id="cn-hangzhou-i")
    alb = make_alb(account_a, vpc, [vsw_h, vsw_i])
    service = settle(
        services.endpoint_service_create(
            account=account_a,
            region=region("cn-hangzhou"),
            resource_type="alb",
            resources=[(zone("cn-hangzhou-h"), alb), (zone("cn-hangzhou-i"), alb)],
        )
    )
    consumer = make_vpc(account_a, cidr="10.0.0.0/8", region_id="cn-hangzhou")
    c_h = make_vswitch(account_a, consumer, cidr="10.0.10.0/24", zone_id="cn-hangzhou-h")
    c_i = make_vswitch(account_a, consumer, cidr="10.10.0.0/24", zone_id="cn-hangzhou-i")
    from factories import make_security_group

    group = make_security_group(account_a, consumer)
    endpoint = settle(
        services.endpoint_create(
            account=account_a,
            region=region("cn-hangzhou"),
            name="ep-lab3",
            service=service,
            vpc=consumer,
            security_groups=[group],
            zones=[(zone("cn-hangzhou-h"), c_h), (zone("cn-hangzhou-i"), c_i)],
        )
    )
    assert sorted(endpoint.zones.values_list("ip", flat=True)) == ["10.0.10.1", "10.10.0.1"]
    url = f"{SERVICES}/{service.pk}/connections/{endpoint.pk}/allow/"
    body = client_a.get(url).content.decode()
    assert "Allow connections and automatically allocate service resources" in body
    client_a.post(url, {"auto_allocate": "on"})
    connection = settle(connection_of(endpoint))
    assert (connection.status, connection.auto_allocate) == ("Connected", True)
    assert set(endpoint.zones.values_list("status", flat=True)) == {"Connected"}
