"""Every rule and refusal of privatelink.md for endpoint services, whitelists and endpoints."""

import re

import pytest
from pl_factories import (
    activate,
    connection_of,
    lab1_consumer,
    lab1_provider,
    make_alb,
    make_clb,
    make_endpoint,
    make_service,
    settle,
)

from console.errors import ConsoleError
from console.models import Account
from factories import make_account, make_security_group, make_vpc, make_vswitch, region, zone
from privatelink import services
from privatelink.models import EndpointConnection, EndpointService, WhitelistEntry

FRANKFURT = "eu-central-1"


def create_service(account, resources, **kwargs):
    kwargs.setdefault("resource_type", "slb")
    return services.endpoint_service_create(
        account=account, region=region(FRANKFURT), resources=resources, **kwargs
    )


# --- endpoint services ---------------------------------------------------------------------


def test_service_ids_names_domains_and_owner_whitelisted(account_a):
    service = make_service(account_a, settle_=False)
    assert re.fullmatch(r"epsrv-[a-z0-9]{17}", service.id)
    assert service.service_name == f"com.aliyuncs.privatelink.eu-central-1.{service.id}"
    assert service.service_domain == f"{service.id}.eu-central-1.privatelink.aliyuncs.com"
    assert list(service.whitelist.values_list("uid", flat=True)) == [account_a.uid]
    assert service.status == EndpointService.Status.CREATING
    assert service.get_status_display() == "Creating"
    service = settle(service)
    assert (service.status, service.get_status_display()) == ("Active", "Available")


def test_activation_is_required(catalogue):
    account = make_account("Fresh")
    clb = lab1_provider(account)[2]
    with pytest.raises(ConsoleError, match="not activated"):
        create_service(account, [(zone("eu-central-1b"), clb)])


def test_clb_must_be_intranet_and_pay_as_you_go(account_a):
    vpc = make_vpc(account_a, cidr="192.168.0.0/16")
    vsw = make_vswitch(account_a, vpc, cidr="192.168.20.0/24")
    internet = make_clb(account_a, vpc, vsw, address_type="internet")
    subscription = make_clb(account_a, vpc, vsw, billing_method="Subscription")
    for clb, reason in ((internet, "Internet-facing"), (subscription, "Subscription")):
        with pytest.raises(ConsoleError, match=reason):
            create_service(account_a, [(zone("eu-central-1b"), clb)])


def test_instance_must_be_deployed_in_the_zone_and_active(account_a):
    vpc = make_vpc(account_a, cidr="192.168.0.0/16")
    vsw = make_vswitch(account_a, vpc, cidr="192.168.20.0/24")
    single = make_clb(account_a, vpc, vsw, backup_zone_id=None)
    with pytest.raises(ConsoleError, match="not deployed in Frankfurt Zone A"):
        create_service(account_a, [(zone("eu-central-1a"), single)])
    creating = make_clb(account_a, vpc, vsw, settle_=False)
    with pytest.raises(ConsoleError, match="is Creating; wait until it is Active"):
        create_service(account_a, [(zone("eu-central-1b"), creating)])


def test_same_zone_twice_and_at_least_one_resource(account_a):
    clb = lab1_provider(account_a)[2]
    with pytest.raises(ConsoleError, match="selected twice"):
        create_service(account_a, [(zone("eu-central-1b"), clb), (zone("eu-central-1b"), clb)])
    with pytest.raises(ConsoleError, match="at least one service resource"):
        create_service(account_a, [])


def test_at_most_20_resources(account_a):
    clb = lab1_provider(account_a)[2]
    with pytest.raises(ConsoleError, match="at most 20"):
        create_service(account_a, [(zone("eu-central-1b"), clb)] * 21)


def test_zone_without_privatelink_is_refused(account_a):
    vpc = make_vpc(account_a, cidr="192.168.0.0/16")
    vsw = make_vswitch(account_a, vpc, cidr="192.168.30.0/24", zone_id="eu-central-1c")
    clb = make_clb(account_a, vpc, vsw, backup_zone_id=None)
    with pytest.raises(ConsoleError, match="does not support PrivateLink"):
        create_service(account_a, [(zone("eu-central-1c"), clb)])


def test_one_instance_serves_one_service(account_a):
    clb = lab1_provider(account_a)[2]
    first = make_service(account_a, clb)
    with pytest.raises(
        ConsoleError, match=f"already the service resource of endpoint service {first.id}"
    ):
        create_service(account_a, [(zone("eu-central-1b"), clb)])


def test_nlb_is_listed_but_refused(account_a):
    clb = lab1_provider(account_a)[2]
    with pytest.raises(ConsoleError, match="NLB is not available"):
        create_service(account_a, [(zone("eu-central-1b"), clb)], resource_type="nlb")


def hangzhou_alb(account, **kwargs):
    vpc = make_vpc(account, cidr="192.168.0.0/16", region_id="cn-hangzhou")
    vsw_h = make_vswitch(account, vpc, cidr="192.168.3.0/24", zone_id="cn-hangzhou-h")
    vsw_i = make_vswitch(account, vpc, cidr="192.168.5.0/24", zone_id="cn-hangzhou-i")
    return make_alb(account, vpc, [vsw_h, vsw_i], **kwargs)


def test_alb_needs_the_privilege_and_says_how_to_apply(account_a):
    alb = hangzhou_alb(account_a)
    resources = [(zone("cn-hangzhou-h"), alb), (zone("cn-hangzhou-i"), alb)]
    kwargs = {"region": region("cn-hangzhou"), "resource_type": "alb", "resources": resources}
    with pytest.raises(ConsoleError, match="Submit a Ticket"):
        services.endpoint_service_create(account=account_a, **kwargs)
    Account.objects.filter(pk=account_a.pk).update(alb_privatelink_privilege=True)
    account_a.refresh_from_db()
    service = settle(services.endpoint_service_create(account=account_a, **kwargs))
    assert sorted(service.resources.values_list("zone_id", flat=True)) == [
        "cn-hangzhou-h",
        "cn-hangzhou-i",
    ]
    assert service.bandwidth_range == (100, 25000)


def test_alb_must_be_internal_with_static_ip(account_a):
    Account.objects.filter(pk=account_a.pk).update(alb_privatelink_privilege=True)
    account_a.refresh_from_db()
    alb = hangzhou_alb(account_a, ip_mode="Dynamic")
    with pytest.raises(ConsoleError, match="Dynamic IP"):
        services.endpoint_service_create(
            account=account_a,
            region=region("cn-hangzhou"),
            resource_type="alb",
            resources=[(zone("cn-hangzhou-h"), alb)],
        )


@pytest.mark.parametrize(
    "description,ok",
    [
        ("", True),
        ("ab", True),
        ("a", False),
        ("x" * 257, False),
        ("http://x", False),
        ("https://x", False),
    ],
)
def test_description_rules(account_a, description, ok):
    clb = lab1_provider(account_a)[2]
    if ok:
        create_service(account_a, [(zone("eu-central-1b"), clb)], description=description)
    else:
        with pytest.raises(ConsoleError):
            create_service(account_a, [(zone("eu-central-1b"), clb)], description=description)


def test_in_place_edit_passes_through_modifying(account_a):
    service = make_service(account_a)
    service = services.endpoint_service_modify(
        account=account_a, service=service, auto_accept=True, zone_affinity=False, description="New"
    )
    assert (service.status, service.get_status_display()) == ("Pending", "Modifying")
    with pytest.raises(ConsoleError, match="is Modifying"):
        services.endpoint_service_modify(account=account_a, service=service, auto_accept=False)
    service = settle(service)
    assert (service.status, service.auto_accept, service.zone_affinity, service.description) == (
        "Active",
        True,
        False,
        "New",
    )


def test_add_and_remove_resources(account_a):
    vpc, vsw_b, clb = lab1_provider(account_a)
    service = make_service(account_a, clb)
    with pytest.raises(ConsoleError, match="already has a resource in Frankfurt Zone B"):
        services.service_resource_add(
            account=account_a, service=service, zone=zone("eu-central-1b"), instance=clb
        )
    vsw_a = make_vswitch(account_a, vpc, cidr="192.168.10.0/24", zone_id="eu-central-1a")
    other = make_clb(account_a, vpc, vsw_a, backup_zone_id=None)
    row = services.service_resource_add(
        account=account_a, service=service, zone=zone("eu-central-1a"), instance=other
    )
    assert service.resources.count() == 2
    services.service_resource_remove(account=account_a, service=service, resource=row)
    assert service.resources.count() == 1


def test_delete_guards_of_load_balancers(account_a):
    from loadbalancer import services as lb_services

    clb = lab1_provider(account_a)[2]
    service = make_service(account_a, clb)
    with pytest.raises(ConsoleError, match=f"service resource of endpoint service {service.id}"):
        lb_services.clb_delete(account=account_a, instance=clb)


# --- whitelist -----------------------------------------------------------------------------


def test_whitelist_rules(account_a, account_b):
    service = make_service(account_a)
    with pytest.raises(ConsoleError, match="16-digit"):
        services.whitelist_add(account=account_a, service=service, uids="12345")
    added = services.whitelist_add(
        account=account_a,
        service=service,
        uids=f"{account_b.uid}, 1234567890123456\n{account_b.uid}",
    )
    assert len(added) == 2
    assert services.whitelist_add(account=account_a, service=service, uids=account_b.uid) == []
    owner = service.whitelist.get(uid=account_a.uid)
    with pytest.raises(ConsoleError, match="cannot be removed"):
        services.whitelist_remove(account=account_a, service=service, entry=owner)
    entry = service.whitelist.get(uid=account_b.uid)
    services.whitelist_remove(account=account_a, service=service, entry=entry)
    assert not WhitelistEntry.objects.filter(pk=entry.pk).exists()


def test_removing_from_whitelist_stops_new_endpoints_but_keeps_connections(account_a, account_b):
    service = make_service(account_b, whitelist=[account_a])
    consumer = lab1_consumer(account_a)
    endpoint = make_endpoint(account_a, service, consumer)
    services.whitelist_remove(
        account=account_b, service=service, entry=service.whitelist.get(uid=account_a.uid)
    )
    assert connection_of(endpoint).status == EndpointConnection.Status.DISCONNECTED
    services.connection_allow(
        account=account_b, service=service, connection=connection_of(endpoint)
    )
    with pytest.raises(ConsoleError, match="does not exist or your account is not authorized"):
        make_endpoint(account_a, service, consumer, name="ep2")


# --- endpoints -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name,ok",
    [
        ("ep1", True),
        ("e_-1", True),
        ("e", False),
        ("1ep", False),
        ("ep.1", False),
        ("e" * 129, False),
    ],
)
def test_endpoint_name_rules(account_a, name, ok):
    service = make_service(account_a)
    if ok:
        make_endpoint(account_a, service, name=name)
    else:
        with pytest.raises(ConsoleError, match="2 to 128"):
            make_endpoint(account_a, service, name=name)


def test_endpoint_ids_eni_and_domains(account_a):
    service = make_service(account_a)
    endpoint = make_endpoint(account_a, service)
    assert re.fullmatch(r"ep-[a-z0-9]{17}", endpoint.id)
    assert endpoint.domain == f"{endpoint.id}.{service.id}.eu-central-1.privatelink.aliyuncs.com"
    zone_row = endpoint.zones.get()
    assert re.fullmatch(r"eni-[a-z0-9]{17}", zone_row.eni_id)
    assert zone_row.ip == "10.10.0.1"
    assert zone_row.domain == (
        f"{endpoint.id}-eu-central-1b.{service.id}.eu-central-1.privatelink.aliyuncs.com"
    )
    assert endpoint.status == "Active"


def test_unknown_and_unauthorised_names_get_the_same_refusal(account_a, account_b):
    hidden = make_service(account_b)
    messages = []
    for name in ("com.aliyuncs.privatelink.eu-central-1.epsrv-nosuchservice", hidden.service_name):
        with pytest.raises(ConsoleError) as error:
            services.endpoint_service_resolve(account=account_a, region=region(), service_name=name)
        messages.append(error.value.message)
    assert messages == [services.NOT_AUTHORIZED] * 2
    with pytest.raises(ConsoleError, match="not authorized"):
        make_endpoint(account_a, hidden)


def test_zone_must_be_one_of_the_services(account_a):
    service = make_service(account_a)
    vpc, vswitch, group = lab1_consumer(account_a)
    vsw_a = make_vswitch(account_a, vpc, cidr="10.10.1.0/24", zone_id="eu-central-1a")
    with pytest.raises(
        ConsoleError, match=r"not available in zone Frankfurt Zone A \(eu-central-1a\)"
    ):
        make_endpoint(account_a, service, (vpc, vsw_a, group), zone_id="eu-central-1a")


def test_zone_rows_rules(account_a):
    service = make_service(account_a)
    vpc, vswitch, group = lab1_consumer(account_a)
    base = dict(account=account_a, region=region(), name="ep1", service=service, vpc=vpc)
    with pytest.raises(ConsoleError, match="selected twice"):
        services.endpoint_create(
            **base, security_groups=[group], zones=[(zone("eu-central-1b"), vswitch)] * 2
        )
    with pytest.raises(ConsoleError, match="at least one zone"):
        services.endpoint_create(**base, security_groups=[group], zones=[])
    with pytest.raises(ConsoleError, match="at most 10"):
        services.endpoint_create(
            **base, security_groups=[group], zones=[(zone("eu-central-1b"), vswitch)] * 11
        )


def test_security_group_rules(account_a):
    service = make_service(account_a)
    vpc, vswitch, group = lab1_consumer(account_a)
    other_vpc = make_vpc(account_a, cidr="172.16.0.0/16")
    foreign = make_security_group(account_a, other_vpc)
    base = dict(
        account=account_a,
        region=region(),
        name="ep1",
        service=service,
        vpc=vpc,
        zones=[(zone("eu-central-1b"), vswitch)],
    )
    with pytest.raises(ConsoleError, match="at least one security group"):
        services.endpoint_create(**base, security_groups=[])
    with pytest.raises(ConsoleError, match="belongs to another VPC"):
        services.endpoint_create(**base, security_groups=[foreign])
    many = [make_security_group(account_a, vpc, name=f"g{n}") for n in range(11)]
    with pytest.raises(ConsoleError, match="at most 10"):
        services.endpoint_create(**base, security_groups=many)


def test_endpoint_zone_and_group_changes_pass_through_pending(account_a):
    service = make_service(account_a)
    vpc, vswitch, group = lab1_consumer(account_a)
    endpoint = make_endpoint(account_a, service, (vpc, vswitch, group))
    second = make_security_group(account_a, vpc, name="second")
    services.endpoint_attach_security_group(account=account_a, endpoint=endpoint, group=second)
    endpoint.refresh_from_db()
    assert endpoint.status == "Pending"
    with pytest.raises(ConsoleError, match="is Pending"):
        services.endpoint_detach_security_group(account=account_a, endpoint=endpoint, group=group)
    endpoint = settle(endpoint)
    services.endpoint_detach_security_group(account=account_a, endpoint=endpoint, group=group)
    endpoint = settle(endpoint)
    assert list(endpoint.security_groups.all()) == [second]
    with pytest.raises(ConsoleError, match="at least one security group"):
        services.endpoint_detach_security_group(account=account_a, endpoint=endpoint, group=second)
    with pytest.raises(ConsoleError, match="at least one zone"):
        services.endpoint_remove_zone(
            account=account_a, endpoint=endpoint, endpoint_zone=endpoint.zones.get()
        )


def test_add_and_remove_endpoint_zone(account_a):
    vpc2, vsw2, clb = lab1_provider(account_a)
    service = make_service(account_a, clb)
    vsw2a = make_vswitch(account_a, vpc2, cidr="192.168.10.0/24", zone_id="eu-central-1a")
    clb_a = make_clb(account_a, vpc2, vsw2a, backup_zone_id=None)
    services.service_resource_add(
        account=account_a, service=service, zone=zone("eu-central-1a"), instance=clb_a
    )
    vpc, vswitch, group = lab1_consumer(account_a)
    endpoint = make_endpoint(account_a, service, (vpc, vswitch, group))
    vsw_a = make_vswitch(account_a, vpc, cidr="10.10.1.0/24", zone_id="eu-central-1a")
    row = services.endpoint_add_zone(
        account=account_a, endpoint=endpoint, zone=zone("eu-central-1a"), vswitch=vsw_a
    )
    assert row.ip == "10.10.1.1" and row.status == "Creating"
    endpoint = settle(endpoint)
    assert endpoint.zones.count() == 2
    row.refresh_from_db()
    assert row.status == "Wait"
    services.endpoint_remove_zone(account=account_a, endpoint=endpoint, endpoint_zone=row)
    settle(endpoint)
    assert endpoint.zones.count() == 1
    assert not vsw_a.private_ips.exists()


def test_delete_guards_of_vswitch_and_security_group(account_a):
    from console import services as console_services

    service = make_service(account_a)
    vpc, vswitch, group = lab1_consumer(account_a)
    make_endpoint(account_a, service, (vpc, vswitch, group))
    with pytest.raises(ConsoleError, match="endpoint"):
        console_services.vswitch_delete(account=account_a, vswitch=vswitch)
    with pytest.raises(ConsoleError, match="endpoints .* use it"):
        console_services.security_group_delete(account=account_a, group=group)


def test_service_deleted_keeps_the_endpoint(account_a, account_b):
    service = make_service(account_b, whitelist=[account_a])
    endpoint = make_endpoint(account_a, service)
    services.service_resource_remove(
        account=account_b, service=service, resource=service.resources.get()
    )
    settle(services.endpoint_service_delete(account=account_b, service=service))
    assert not EndpointService.objects.filter(pk=service.pk).exists()
    connection = connection_of(endpoint)
    assert connection.status == "ServiceDeleted"
    assert set(endpoint.zones.values_list("status", flat=True)) == {"Disconnected"}
    services.endpoint_delete(account=account_a, endpoint=endpoint)


def test_unactivated_account_sees_activation_page(catalogue, client):
    from factories import client_for, make_login

    account = make_account("New")
    c = client_for(make_login(account, "newbie"))
    for url in ("/privatelink/endpoints/", "/privatelink/endpoint-services/create/"):
        body = c.get(url).content.decode()
        assert "Activate PrivateLink" in body
    response = c.post("/privatelink/activate/", {"next": "/privatelink/endpoints/"})
    assert response.status_code == 302
    account.refresh_from_db()
    assert account.privatelink_activated
    assert "Create Endpoint" in c.get("/privatelink/endpoints/").content.decode()


def test_activation_is_recorded_once(catalogue):
    account = make_account("Once")
    activate(account)
    first = account.privatelink_activated_at
    activate(account)
    assert account.privatelink_activated_at == first
