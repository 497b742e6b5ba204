"""Builders and fixtures for tests: accounts with logins, and resources made through services.

Resources are made with the same services the console uses; ``settle`` completes their
asynchronous states the way the worker would.
"""

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from console import lifecycle, services
from console.catalogue import load_catalogue
from console.models import Login, Region, Zone

PASSWORD = "test-password"


def settle(obj):
    """Advance ``obj`` through its transitional states, as the worker would; returns it fresh."""
    return lifecycle.complete(obj)


def make_account(name="Account", **kwargs):
    return services.account_create(name=name, **kwargs)


def make_login(account, username=None, role=Login.Role.MEMBER):
    username = username or f"user-{account.uid}"
    user = get_user_model().objects.create_user(username=username, password=PASSWORD)
    Login.objects.create(user=user, account=account, role=role)
    return user


def client_for(user, region="eu-central-1"):
    client = Client()
    client.force_login(user)
    if region:
        session = client.session
        session["region_id"] = region
        session.save()
    return client


def region(region_id="eu-central-1"):
    return Region.objects.get(pk=region_id)


def zone(zone_id="eu-central-1b"):
    return Zone.objects.get(pk=zone_id)


def make_vpc(account, cidr="10.10.0.0/16", name="VPC1", region_id="eu-central-1", settle_=True):
    vpc = services.vpc_create(account=account, region=region(region_id), cidr_block=cidr, name=name)
    return settle(vpc) if settle_ else vpc


def make_vswitch(account, vpc, cidr="10.10.0.0/24", zone_id="eu-central-1b", name="vsw1"):
    return services.vswitch_create(
        account=account, vpc=vpc, zone=zone(zone_id), cidr_block=cidr, name=name
    )


def make_security_group(account, vpc, name="sg1", inbound=()):
    """``inbound``: (protocol, port_range, cidr) triples of Allow rules to add."""
    group = services.security_group_create(account=account, vpc=vpc, name=name)
    for protocol, ports, cidr in inbound:
        services.security_group_rule_add(
            account=account,
            group=group,
            direction="ingress",
            protocol=protocol,
            port_range=ports,
            cidr_block=cidr,
        )
    return group


def make_instance(
    account,
    vswitch,
    groups=None,
    name="ECS1",
    ip="",
    image="aliyun_3",
    nginx=True,
    port=80,
    body="",
    settle_=True,
):
    groups = groups or [make_security_group(account, vswitch.vpc, name=f"sg-{name}")]
    instance = services.ecs_instance_create(
        account=account,
        zone=vswitch.zone,
        vpc=vswitch.vpc,
        vswitch=vswitch,
        name=name,
        image=image,
        security_groups=groups,
        private_ip=ip,
        service="nginx" if nginx else "none",
        service_port=port,
        page_body=body,
    )
    return settle(instance) if settle_ else instance


# --- fixtures ------------------------------------------------------------------------------


@pytest.fixture
def catalogue(db):
    """The region catalogue (a data migration; transactional tests flush it, so reload)."""
    if not Zone.objects.exists():
        load_catalogue(Region, Zone)


@pytest.fixture
def account_a(catalogue):
    return make_account("Account A")


@pytest.fixture
def account_b(catalogue):
    return make_account("Account B")


@pytest.fixture
def user_a(account_a):
    return make_login(account_a, "alice")


@pytest.fixture
def user_b(account_b):
    return make_login(account_b, "bob")


@pytest.fixture
def client_a(user_a):
    return client_for(user_a)


@pytest.fixture
def client_b(user_b):
    return client_for(user_b)


@pytest.fixture
def instructor_client(catalogue):
    user = get_user_model().objects.create_user(username="teacher", password=PASSWORD)
    Login.objects.create(user=user, account=None, role=Login.Role.INSTRUCTOR)
    return client_for(user)


def network_resource_ids(account):
    """Every ID of ``account``'s own network resources (VPCs, vSwitches, security groups,
    instances, load balancers, listeners, server groups...), but not its endpoint services:
    a consumer connects to a service by its ID."""
    from labs.services import _owned_models

    ids = set()
    for model in _owned_models():
        if model._meta.app_label not in ("console", "loadbalancer"):
            continue
        for pk in model._default_manager.filter(account=account).values_list("pk", flat=True):
            if isinstance(pk, str) and "-" in pk:
                ids.add(pk)
    return ids
