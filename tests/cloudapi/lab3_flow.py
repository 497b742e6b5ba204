"""Lab 3's ALB through the official ALB client: instance, server group, servers, listener."""

from lab2_flow import poll


def build_alb(sdk, key, vpc, vswitches, instances, *, health_interval=1):
    alb = sdk("alb", key)
    m = alb.models
    lb_id = alb.create_load_balancer(
        m.CreateLoadBalancerRequest(
            load_balancer_name="ALB1",
            vpc_id=vpc.pk,
            address_type="Intranet",
            address_allocated_mode="Fixed",
            load_balancer_edition="Basic",
            load_balancer_billing_config=m.CreateLoadBalancerRequestLoadBalancerBillingConfig(
                pay_type="PostPay"
            ),
            zone_mappings=[
                m.CreateLoadBalancerRequestZoneMappings(zone_id=v.zone_id, v_switch_id=v.pk)
                for v in vswitches
            ],
        )
    ).body.load_balancer_id
    group_id = alb.create_server_group(
        m.CreateServerGroupRequest(
            server_group_name="RS1",
            vpc_id=vpc.pk,
            protocol="HTTP",
            health_check_config=m.CreateServerGroupRequestHealthCheckConfig(
                health_check_enabled=True,
                health_check_protocol="HTTP",
                health_check_path="/",
                health_check_interval=health_interval,
                healthy_threshold=2,
                unhealthy_threshold=2,
            ),
        )
    ).body.server_group_id
    job = alb.add_servers_to_server_group(
        m.AddServersToServerGroupRequest(
            server_group_id=group_id,
            servers=[
                m.AddServersToServerGroupRequestServers(
                    server_id=i.pk, server_type="Ecs", port=80, weight=100
                )
                for i in instances
            ],
        )
    ).body.job_id
    poll(
        lambda: alb.list_asyn_jobs(m.ListAsynJobsRequest(job_ids=[job])).body.jobs[0].status,
        lambda status: status == "Succeeded",
    )
    poll(
        lambda: (
            alb.get_load_balancer_attribute(
                m.GetLoadBalancerAttributeRequest(load_balancer_id=lb_id)
            ).body.load_balancer_status
        ),
        lambda status: status == "Active",
    )
    listener_id = alb.create_listener(
        m.CreateListenerRequest(
            load_balancer_id=lb_id,
            listener_protocol="HTTP",
            listener_port=80,
            default_actions=[
                m.CreateListenerRequestDefaultActions(
                    type="ForwardGroup",
                    forward_group_config=m.CreateListenerRequestDefaultActionsForwardGroupConfig(
                        server_group_tuples=[
                            m.CreateListenerRequestDefaultActionsForwardGroupConfigServerGroupTuples(
                                server_group_id=group_id
                            )
                        ]
                    ),
                )
            ],
        )
    ).body.listener_id
    return alb, lb_id, group_id, listener_id
