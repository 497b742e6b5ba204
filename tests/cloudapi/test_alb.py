"""ALB through the official client: Lab 3's ALB and server group, isolation, refusals."""

import pytest
from alibabacloud_tea_openapi.exceptions import ClientException
from lab3_flow import build_alb
from sdk_fixtures import *  # noqa: F403

from factories import make_instance, make_vpc, make_vswitch
from loadbalancer.models import AlbBackend, AlbInstance, AlbListener

pytestmark = pytest.mark.django_db(transaction=True)


def _code(call):
    with pytest.raises(ClientException) as caught:
        call()
    return caught.value.code


def lab3_provider(account):
    vpc = make_vpc(account, cidr="192.168.0.0/16", name="VPC2", region_id="cn-hangzhou")
    vsw_h = make_vswitch(account, vpc, cidr="192.168.3.0/24", zone_id="cn-hangzhou-h", name="h")
    vsw_i = make_vswitch(account, vpc, cidr="192.168.5.0/24", zone_id="cn-hangzhou-i", name="i")
    ecs03 = make_instance(account, vsw_h, name="ECS03", ip="192.168.3.190", body="ECS03")
    ecs04 = make_instance(account, vsw_i, name="ECS04", ip="192.168.5.20", body="ECS04")
    return vpc, (vsw_h, vsw_i), (ecs03, ecs04)


def test_lab3_alb_and_server_group(sdk, key_b, account_b):
    vpc, vswitches, instances = lab3_provider(account_b)
    alb, lb_id, group_id, listener_id = build_alb(sdk, key_b, vpc, vswitches, instances)
    m = alb.models
    listed = alb.list_load_balancers(m.ListLoadBalancersRequest()).body
    assert [(lb.load_balancer_id, lb.load_balancer_status) for lb in listed.load_balancers] == [
        (lb_id, "Active")
    ]
    attribute = alb.get_load_balancer_attribute(
        m.GetLoadBalancerAttributeRequest(load_balancer_id=lb_id)
    ).body
    assert sorted(z.zone_id for z in attribute.zone_mappings) == ["cn-hangzhou-h", "cn-hangzhou-i"]
    servers = alb.list_server_group_servers(
        m.ListServerGroupServersRequest(server_group_id=group_id)
    ).body.servers
    assert sorted((s.server_id, s.port, s.status) for s in servers) == sorted(
        (i.pk, 80, "Available") for i in instances
    )
    groups = alb.list_server_groups(m.ListServerGroupsRequest()).body.server_groups
    assert [(g.server_group_id, g.server_count) for g in groups] == [(group_id, 2)]
    assert groups[0].health_check_config.health_check_interval == 1
    listeners = alb.list_listeners(m.ListListenersRequest(load_balancer_ids=[lb_id])).body
    row = listeners.listeners[0]
    assert (row.listener_id, row.listener_port, row.listener_status) == (
        listener_id,
        80,
        "Running",
    )
    assert row.default_actions[0].forward_group_config.server_group_tuples[0].server_group_id == (
        group_id
    )
    health = alb.get_listener_health_status(
        m.GetListenerHealthStatusRequest(listener_id=listener_id)
    ).body
    assert health.listener_health_status[0].server_group_infos[0].server_group_id == group_id
    assert AlbListener.objects.get(pk=listener_id).server_group_id == group_id


def test_alb_another_account_not_found(sdk, key_a, key_b, account_b):
    vpc, vswitches, instances = lab3_provider(account_b)
    _, lb_id, group_id, listener_id = build_alb(sdk, key_b, vpc, vswitches, instances)
    alb = sdk("alb", key_a)
    m = alb.models
    assert alb.list_load_balancers(m.ListLoadBalancersRequest()).body.load_balancers == []
    cases = [
        (
            lambda: alb.get_load_balancer_attribute(
                m.GetLoadBalancerAttributeRequest(load_balancer_id=lb_id)
            ),
            "ResourceNotFound.LoadBalancer",
        ),
        (
            lambda: alb.delete_load_balancer(m.DeleteLoadBalancerRequest(load_balancer_id=lb_id)),
            "ResourceNotFound.LoadBalancer",
        ),
        (
            lambda: alb.list_server_group_servers(
                m.ListServerGroupServersRequest(server_group_id=group_id)
            ),
            "ResourceNotFound.ServerGroup",
        ),
        (
            lambda: alb.get_listener_health_status(
                m.GetListenerHealthStatusRequest(listener_id=listener_id)
            ),
            "ResourceNotFound.Listener",
        ),
        (
            lambda: alb.create_server_group(
                m.CreateServerGroupRequest(server_group_name="x", vpc_id=vpc.pk)
            ),
            "ResourceNotFound.Vpc",
        ),
    ]
    for call, code in cases:
        assert _code(call) == code
    assert AlbInstance.objects.filter(pk=lb_id).exists()


def test_alb_refusals(sdk, key_b, account_b):
    vpc, vswitches, instances = lab3_provider(account_b)
    alb = sdk("alb", key_b)
    m = alb.models
    one_zone = m.CreateLoadBalancerRequest(
        load_balancer_name="one",
        vpc_id=vpc.pk,
        address_type="Intranet",
        zone_mappings=[
            m.CreateLoadBalancerRequestZoneMappings(
                zone_id=vswitches[0].zone_id, v_switch_id=vswitches[0].pk
            )
        ],
    )
    assert _code(lambda: alb.create_load_balancer(one_zone)) == "IllegalParamFormat.ZoneMappings"
    no_zones = m.CreateLoadBalancerRequest(load_balancer_name="x", vpc_id=vpc.pk)
    assert _code(lambda: alb.create_load_balancer(no_zones)) == "MissingParam.ZoneMappings"
    group_id = alb.create_server_group(
        m.CreateServerGroupRequest(server_group_name="RS1", vpc_id=vpc.pk)
    ).body.server_group_id
    twice = m.AddServersToServerGroupRequest(
        server_group_id=group_id,
        servers=[
            m.AddServersToServerGroupRequestServers(server_id=instances[0].pk, port=80),
            m.AddServersToServerGroupRequestServers(server_id=instances[0].pk, port=80),
        ],
    )
    assert _code(lambda: alb.add_servers_to_server_group(twice)) == "IllegalParamFormat.Servers"
    assert not AlbBackend.objects.exists()
    dry = m.CreateServerGroupRequest(server_group_name="RS2", vpc_id=vpc.pk, dry_run=True)
    assert _code(lambda: alb.create_server_group(dry)) == "DryRunOperation"
    assert _code(lambda: alb.list_asyn_jobs(m.ListAsynJobsRequest(job_ids=["nope"]))) == (
        "ResourceNotFound.Job"
    )


@pytest.mark.worker
def test_lab3_alb_settles_and_is_healthy_with_a_real_worker(celery_beat, sdk, key_b, account_b):
    from lab2_flow import poll

    vpc, vswitches, instances = lab3_provider(account_b)
    alb, lb_id, group_id, listener_id = build_alb(sdk, key_b, vpc, vswitches, instances)
    m = alb.models
    poll(
        lambda: (
            alb.list_asyn_jobs(m.ListAsynJobsRequest(job_ids=[f"job-{listener_id}"]))
            .body.jobs[0]
            .status
        ),
        lambda status: status == "Succeeded",
    )
    health = m.GetListenerHealthStatusRequest(listener_id=listener_id)
    info = poll(
        lambda: (
            alb.get_listener_health_status(health)
            .body.listener_health_status[0]
            .server_group_infos[0]
        ),
        lambda info: info.server_count == 2 and info.non_normal_servers == [],
        timeout=60,
    )
    assert info.server_group_id == group_id
    listener = alb.list_listeners(m.ListListenersRequest(listener_ids=[listener_id])).body
    assert listener.listeners[0].listener_status == "Running"


def test_non_ascii_digits_are_malformed_not_errors(sdk, key_b, account_b):
    """The fuzz found "¹": str.isdigit() accepts it and int() does not."""
    alb, ecs = sdk("alb", key_b), sdk("ecs", key_b)
    request = alb.models.ListServerGroupsRequest(next_token="¹")
    assert _code(lambda: alb.list_server_groups(request)) == "IllegalParamFormat.NextToken"
    vpc, vswitches, instances = lab3_provider(account_b)
    m = ecs.models
    run = m.RunInstancesRequest(
        image_id="aliyun_3",
        security_group_id=instances[0].security_groups.get().pk,
        v_switch_id=vswitches[0].pk,
        tag=[m.RunInstancesRequestTag(key="console:service", value="nginx:¹")],
    )
    assert _code(lambda: ecs.run_instances(run)) == "IllegalParamFormat.Tag"
