"""Rules that need the database: vSwitch placement, IP allocation, ECS placement, SG rules."""

import pytest

from console import services
from console.errors import ConsoleError
from console.models import EcsInstance, Event, PrivateIp, SecurityGroupRule, Vpc, VSwitch
from factories import make_instance, make_security_group, make_vpc, make_vswitch, region, zone


def refusal(fn, **kwargs):
    with pytest.raises(ConsoleError) as info:
        fn(**kwargs)
    return info.value


def test_vpc_starts_pending_and_worker_makes_it_available(
    account_a, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        vpc = services.vpc_create(account=account_a, region=region(), cidr_block="10.10.0.0/16")
    assert vpc.status == Vpc.Status.PENDING
    # After the commit: the worker is asked to finish it (and live pages are told).
    scheduled = [c for c in callbacks if "enqueue" in c.__qualname__]
    assert len(scheduled) == 1
    with django_capture_on_commit_callbacks(execute=True):
        scheduled[0]()
    vpc.refresh_from_db()
    assert vpc.status == Vpc.Status.AVAILABLE


def test_vpc_refuses_host_bits_and_creates_nothing(account_a):
    error = refusal(
        services.vpc_create, account=account_a, region=region(), cidr_block="10.10.1.0/16"
    )
    assert error.field == "cidr_block"
    assert error.message == "Invalid CIDR block: host bits are set. Did you mean 10.10.0.0/16?"
    assert not Vpc.objects.exists()


def test_vswitch_must_be_inside_the_vpc(account_a):
    vpc = make_vpc(account_a, cidr="10.10.0.0/16")
    error = refusal(
        services.vswitch_create, account=account_a, vpc=vpc, zone=zone(), cidr_block="10.11.0.0/24"
    )
    assert error.message == (
        "The vSwitch CIDR block must be within the VPC's CIDR block 10.10.0.0/16."
    )
    assert error.field == "cidr_block"


def test_vswitches_of_a_vpc_cannot_overlap(account_a):
    vpc = make_vpc(account_a, cidr="10.10.0.0/16")
    make_vswitch(account_a, vpc, cidr="10.10.0.0/24", name="first")
    error = refusal(
        services.vswitch_create, account=account_a, vpc=vpc, zone=zone(), cidr_block="10.10.0.0/25"
    )
    assert error.message == "The CIDR block overlaps vSwitch first (10.10.0.0/24)."
    assert VSwitch.objects.count() == 1


def test_vswitch_of_a_pending_vpc_is_refused(account_a):
    vpc = make_vpc(account_a, settle_=False)
    error = refusal(
        services.vswitch_create, account=account_a, vpc=vpc, zone=zone(), cidr_block="10.10.0.0/24"
    )
    assert error.message == "The VPC VPC1 is Pending; wait until it is Available."


def test_vswitch_zone_must_be_of_the_vpc_region(account_a):
    vpc = make_vpc(account_a)
    error = refusal(
        services.vswitch_create,
        account=account_a,
        vpc=vpc,
        zone=zone("cn-hangzhou-h"),
        cidr_block="10.10.0.0/24",
    )
    assert error.field == "zone"


def test_available_ip_count_reserves_four_addresses(account_a, client_a):
    vpc = make_vpc(account_a)
    vswitch = make_vswitch(account_a, vpc, cidr="10.10.0.0/24")
    assert vswitch.total_usable == 252
    make_instance(account_a, vswitch)
    response = client_a.get("/vswitches/")
    assert "<td>251</td>" in response.content.decode()


class TestInstancePlacement:
    @pytest.fixture
    def net(self, account_a):
        vpc = make_vpc(account_a)
        vswitch = make_vswitch(account_a, vpc, cidr="10.10.0.0/24")
        group = make_security_group(account_a, vpc)
        return vpc, vswitch, group

    def create(self, account, net, **overrides):
        vpc, vswitch, group = net
        kwargs = dict(
            account=account,
            zone=vswitch.zone,
            vpc=vpc,
            vswitch=vswitch,
            name="ECS1",
            image="win2012r2",
            security_groups=[group],
        )
        kwargs.update(overrides)
        return services.ecs_instance_create(**kwargs)

    def test_auto_ip_is_the_first_free_address(self, account_a, net):
        assert self.create(account_a, net).private_ip == "10.10.0.1"
        assert self.create(account_a, net, name="ECS2").private_ip == "10.10.0.2"

    def test_given_ip_is_used(self, account_a, net):
        assert self.create(account_a, net, private_ip="10.10.0.182").private_ip == "10.10.0.182"

    @pytest.mark.parametrize(
        ("address", "message"),
        [
            (
                "10.10.1.5",
                "The IP address 10.10.1.5 is not within the vSwitch's CIDR block 10.10.0.0/24.",
            ),
            (
                "10.10.0.0",
                "The IP address 10.10.0.0 is reserved: the first and the last three addresses "
                "of 10.10.0.0/24 cannot be used.",
            ),
            (
                "10.10.0.253",
                "The IP address 10.10.0.253 is reserved: the first and the last three addresses "
                "of 10.10.0.0/24 cannot be used.",
            ),
            ("10.10.0.999", "Enter a valid IPv4 address, such as 192.168.0.10."),
        ],
    )
    def test_bad_ip_is_refused_and_nothing_is_created(self, account_a, net, address, message):
        error = refusal(self.create, account=account_a, net=net, private_ip=address)
        assert (error.field, error.message) == ("private_ip", message)
        assert not EcsInstance.objects.exists()
        assert not PrivateIp.objects.exists()

    def test_ip_in_use_is_refused(self, account_a, net):
        self.create(account_a, net, private_ip="10.10.0.182")
        error = refusal(
            self.create, account=account_a, net=net, name="ECS2", private_ip="10.10.0.182"
        )
        assert error.message == "The IP address 10.10.0.182 is already in use in this vSwitch."
        assert EcsInstance.objects.count() == 1

    def test_vswitch_must_be_in_the_zone(self, account_a, net):
        error = refusal(self.create, account=account_a, net=net, zone=zone("eu-central-1a"))
        assert error.field == "vswitch"
        assert "choose a vSwitch in Frankfurt Zone A" in error.message

    def test_security_group_of_another_vpc_is_refused(self, account_a, net):
        other = make_security_group(account_a, make_vpc(account_a, cidr="192.168.0.0/16"))
        error = refusal(self.create, account=account_a, net=net, security_groups=[other])
        assert error.field == "security_groups"

    def test_at_least_one_security_group(self, account_a, net):
        error = refusal(self.create, account=account_a, net=net, security_groups=[])
        assert error.message == "Select at least one security group."

    def test_another_accounts_resources_are_refused_even_if_forged(self, account_a, account_b, net):
        error = refusal(self.create, account=account_b, net=net)
        assert error.code == "NotFound"
        assert not EcsInstance.objects.exists()

    def test_nginx_defaults(self, account_a, net):
        instance = self.create(account_a, net, service="nginx", service_port="")
        assert instance.service_port == 80
        assert instance.page_body == "Welcome to nginx on ECS1"


def test_instance_start_stop_and_refusals_name_the_state(
    account_a, django_capture_on_commit_callbacks
):
    vswitch = make_vswitch(account_a, make_vpc(account_a))
    instance = make_instance(account_a, vswitch)
    assert instance.status == "Running"
    error = refusal(services.ecs_instance_start, account=account_a, instance=instance)
    assert error.message == (
        f"The instance {instance.id} is Running; only a Stopped instance can be started."
    )
    with django_capture_on_commit_callbacks(execute=True):
        stopped = services.ecs_instance_stop(account=account_a, instance=instance)
    assert stopped.status == "Stopping"
    instance.refresh_from_db()
    assert instance.status == "Stopped"  # the (eager) worker completed Stopping → Stopped
    with django_capture_on_commit_callbacks(execute=True):
        services.ecs_instance_start(account=account_a, instance=instance)
    instance.refresh_from_db()
    assert instance.status == "Running"
    history = Event.objects.filter(resource_id=instance.id).order_by("created_at", "id")
    assert list(history.values_list("from_state", "to_state")) == [
        ("", "Pending"),
        ("Pending", "Starting"),
        ("Starting", "Running"),
        ("Running", "Stopping"),
        ("Stopping", "Stopped"),
        ("Stopped", "Starting"),
        ("Starting", "Running"),
    ]
    assert history.filter(action="stop").get().actor_label == "system"


def test_delete_refused_while_transitional(account_a):
    vswitch = make_vswitch(account_a, make_vpc(account_a))
    instance = make_instance(account_a, vswitch, settle_=False)
    error = refusal(services.ecs_instance_delete, account=account_a, instance=instance)
    assert "is Pending" in error.message
    assert EcsInstance.objects.filter(pk=instance.pk).exists()


def test_deleting_instance_frees_its_ip(account_a):
    vswitch = make_vswitch(account_a, make_vpc(account_a))
    instance = make_instance(account_a, vswitch)
    services.ecs_instance_delete(account=account_a, instance=instance)
    assert not PrivateIp.objects.exists()


def test_vpc_with_vswitches_cannot_be_deleted(account_a):
    vpc = make_vpc(account_a)
    make_vswitch(account_a, vpc)
    error = refusal(services.vpc_delete, account=account_a, vpc=vpc)
    assert error.message == f"VPC {vpc.id} cannot be deleted: it still has vSwitches."


def test_new_security_group_allows_all_outbound_and_no_inbound(account_a):
    group = make_security_group(account_a, make_vpc(account_a))
    rules = list(group.rules.values_list("direction", "policy", "protocol", "cidr_block"))
    assert rules == [("egress", "accept", "all", "0.0.0.0/0")]


def test_security_group_rules(account_a):
    vpc = make_vpc(account_a)
    group = make_security_group(account_a, vpc)
    peer = make_security_group(account_a, vpc, name="peer")
    rule = services.security_group_rule_add(
        account=account_a,
        group=group,
        direction="ingress",
        protocol="tcp",
        port_range="80/80",
        cidr_block="10.10.0.0/16",
        priority=5,
    )
    assert (rule.port_from, rule.port_to, rule.priority) == (80, 80, 5)
    rule = services.security_group_rule_add(
        account=account_a,
        group=group,
        direction="ingress",
        protocol="icmp",
        peer_group=peer,
    )
    assert rule.authorization_object == peer.id
    error = refusal(
        services.security_group_rule_add,
        account=account_a,
        group=group,
        direction="ingress",
        protocol="tcp",
        port_range="80/80",
        cidr_block="10.10.0.0/16",
        priority=101,
    )
    assert (error.field, error.message) == ("priority", "The priority must be from 1 to 100.")
    other_vpc_group = make_security_group(account_a, make_vpc(account_a, cidr="192.168.0.0/16"))
    error = refusal(
        services.security_group_rule_add,
        account=account_a,
        group=group,
        direction="ingress",
        protocol="tcp",
        port_range="80/80",
        peer_group=other_vpc_group,
    )
    assert error.message == "The authorization object must be a security group of the same VPC."
    assert SecurityGroupRule.objects.filter(group=group, direction="ingress").count() == 2


def test_security_group_in_use_cannot_be_deleted(account_a):
    vswitch = make_vswitch(account_a, make_vpc(account_a))
    instance = make_instance(account_a, vswitch)
    group = instance.security_groups.get()
    error = refusal(services.security_group_delete, account=account_a, group=group)
    assert f"instances {instance.id} use it" in error.message
