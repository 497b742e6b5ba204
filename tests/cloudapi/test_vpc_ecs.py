"""VPC and ECS operations through the official clients: wrapped lists, isolation, DryRun."""

import pytest
from alibabacloud_tea_openapi.exceptions import ClientException
from sdk_fixtures import *  # noqa: F403

from console.models import EcsInstance, Event, Vpc

pytestmark = pytest.mark.django_db(transaction=True)


def _code(call):
    with pytest.raises(ClientException) as caught:
        call()
    return caught.value.code


@pytest.fixture
def vpc_client(sdk, key_a):
    return sdk("vpc", key_a)


@pytest.fixture
def ecs_client(sdk, key_a):
    return sdk("ecs", key_a)


def _network(vpc_client):
    m = vpc_client.models
    vpc_id = vpc_client.create_vpc(
        m.CreateVpcRequest(region_id="eu-central-1", cidr_block="10.10.0.0/16", vpc_name="VPC1")
    ).body.vpc_id
    vsw_id = vpc_client.create_vswitch(
        m.CreateVSwitchRequest(
            region_id="eu-central-1",
            vpc_id=vpc_id,
            zone_id="eu-central-1b",
            cidr_block="10.10.0.0/24",
            v_switch_name="vsw1",
        )
    ).body.v_switch_id
    return vpc_id, vsw_id


def test_vpc_and_vswitch(vpc_client, key_a, account_a):
    vpc_id, vsw_id = _network(vpc_client)
    m = vpc_client.models
    body = vpc_client.describe_vpcs(m.DescribeVpcsRequest(region_id="eu-central-1")).body
    assert body.total_count == 1 and body.page_number == 1
    vpc = body.vpcs.vpc[0]
    assert (vpc.vpc_id, vpc.cidr_block, vpc.status) == (vpc_id, "10.10.0.0/16", "Available")
    assert vpc.v_switch_ids.v_switch_id == [vsw_id]
    switches = vpc_client.describe_vswitches(
        m.DescribeVSwitchesRequest(region_id="eu-central-1", vpc_id=vpc_id)
    ).body
    assert switches.v_switches.v_switch[0].available_ip_address_count == 252
    event = Event.objects.filter(resource_id=vpc_id, action="create").get()
    assert event.actor_label == f"AccessKey {key_a.pk}"


def test_another_accounts_ids_not_found(sdk, vpc_client, key_b):
    vpc_id, vsw_id = _network(vpc_client)
    other = sdk("vpc", key_b)
    m = other.models
    assert other.describe_vpcs(m.DescribeVpcsRequest(region_id="eu-central-1")).body.vpcs.vpc == []
    assert _code(lambda: other.delete_vpc(m.DeleteVpcRequest(vpc_id=vpc_id))) == (
        "InvalidVpcId.NotFound"
    )
    request = m.CreateVSwitchRequest(
        vpc_id=vpc_id, zone_id="eu-central-1b", cidr_block="10.10.1.0/24"
    )
    assert _code(lambda: other.create_vswitch(request)) == "InvalidVpcId.NotFound"
    assert Vpc.objects.filter(pk=vpc_id).exists()


def test_missing_and_malformed_parameters(vpc_client):
    m = vpc_client.models
    request = m.CreateVSwitchRequest(region_id="eu-central-1", vpc_id="vpc-nope")
    assert _code(lambda: vpc_client.create_vswitch(request)) == "InvalidVpcId.NotFound"
    vpc_id, _ = _network(vpc_client)
    request = m.CreateVSwitchRequest(vpc_id=vpc_id, zone_id="eu-central-1b")
    assert _code(lambda: vpc_client.create_vswitch(request)) == "MissingParam.CidrBlock"
    request = m.DescribeVpcsRequest(page_size=500)
    assert _code(lambda: vpc_client.describe_vpcs(request)) == "IllegalParamFormat.PageSize"
    bad = m.CreateVpcRequest(cidr_block="300.1.0.0/16")
    assert _code(lambda: vpc_client.create_vpc(bad)) == "IllegalParamFormat.CidrBlock"
    assert Vpc.objects.count() == 1


def test_dry_run_validates_and_creates_nothing(vpc_client):
    m = vpc_client.models
    request = m.CreateVpcRequest(cidr_block="10.0.0.0/16", dry_run=True)
    assert _code(lambda: vpc_client.create_vpc(request)) == "DryRunOperation"
    bad = m.CreateVpcRequest(cidr_block="nonsense", dry_run=True)
    assert _code(lambda: vpc_client.create_vpc(bad)) == "IllegalParamFormat.CidrBlock"
    assert not Vpc.objects.exists()
    assert not Event.objects.exists()


def test_delete_vpc_with_vswitch_refused(vpc_client):
    vpc_id, vsw_id = _network(vpc_client)
    m = vpc_client.models
    code = _code(lambda: vpc_client.delete_vpc(m.DeleteVpcRequest(vpc_id=vpc_id)))
    assert code == "DependencyViolation.Vpc"
    vpc_client.delete_vswitch(m.DeleteVSwitchRequest(v_switch_id=vsw_id))
    vpc_client.delete_vpc(m.DeleteVpcRequest(vpc_id=vpc_id))
    assert not Vpc.objects.exists()


def test_pagination(vpc_client):
    m = vpc_client.models
    for i in range(3):
        vpc_client.create_vpc(m.CreateVpcRequest(cidr_block=f"10.{i}.0.0/16"))
    first = vpc_client.describe_vpcs(m.DescribeVpcsRequest(page_size=2)).body
    second = vpc_client.describe_vpcs(m.DescribeVpcsRequest(page_size=2, page_number=2)).body
    assert first.total_count == 3
    assert len(first.vpcs.vpc) == 2 and len(second.vpcs.vpc) == 1
    ids = {v.vpc_id for v in first.vpcs.vpc + second.vpcs.vpc}
    assert len(ids) == 3


def test_security_group_and_nginx_instance(vpc_client, ecs_client, account_a):
    vpc_id, vsw_id = _network(vpc_client)
    m = ecs_client.models
    sg_id = ecs_client.create_security_group(
        m.CreateSecurityGroupRequest(region_id="eu-central-1", vpc_id=vpc_id)
    ).body.security_group_id
    permission = m.AuthorizeSecurityGroupRequestPermissions(
        ip_protocol="TCP", port_range="80/80", source_cidr_ip="10.10.0.0/16"
    )
    ecs_client.authorize_security_group(
        m.AuthorizeSecurityGroupRequest(security_group_id=sg_id, permissions=[permission])
    )
    attribute = ecs_client.describe_security_group_attribute(
        m.DescribeSecurityGroupAttributeRequest(security_group_id=sg_id)
    ).body
    rule = attribute.permissions.permission[0]
    assert (rule.ip_protocol, rule.port_range, rule.source_cidr_ip) == (
        "TCP",
        "80/80",
        "10.10.0.0/16",
    )
    images = ecs_client.describe_images(m.DescribeImagesRequest()).body.images.image
    assert "aliyun_3" in [i.image_id for i in images]
    run = m.RunInstancesRequest(
        region_id="eu-central-1",
        image_id="aliyun_3",
        instance_type="ecs.g7.large",
        security_group_id=sg_id,
        v_switch_id=vsw_id,
        instance_name="ECS2",
        private_ip_address="10.10.0.200",
        tag=[m.RunInstancesRequestTag(key="console:service", value="nginx:80")],
    )
    instance_id = ecs_client.run_instances(run).body.instance_id_sets.instance_id_set[0]
    instance = EcsInstance.objects.get(pk=instance_id)
    assert instance.serves_http and instance.service_port == 80
    listed = ecs_client.describe_instances(
        m.DescribeInstancesRequest(instance_ids=f'["{instance_id}"]')
    ).body.instances.instance[0]
    assert listed.status == "Running"
    assert listed.vpc_attributes.private_ip_address.ip_address == ["10.10.0.200"]
    assert listed.security_group_ids.security_group_id == [sg_id]
    ecs_client.stop_instance(m.StopInstanceRequest(instance_id=instance_id))
    code = _code(lambda: ecs_client.stop_instance(m.StopInstanceRequest(instance_id=instance_id)))
    assert code == "IncorrectStatus.Instance"
    ecs_client.delete_instance(m.DeleteInstanceRequest(instance_id=instance_id))
    assert not EcsInstance.objects.filter(pk=instance_id).exists()
