#!/usr/bin/env python3
"""Lab 2 through the official Alibaba Cloud SDKs, against this console (``make run``).

Account B (the provider) builds VPC2, ECS2 serving NGINX, a CLB with a TCP:80 listener and
a healthy backend, an endpoint service, and whitelists Account A; Account A (the consumer)
builds VPC1 and ECS1, finds the service by name and creates an endpoint; B allows the
connection and A waits until it is Connected. Every resource shows live in the console.

    make run                                   # in another terminal
    .venv/bin/python manage.py access_key_create account-a   # prints ID and secret
    .venv/bin/python manage.py access_key_create account-b
    CONSUMER_KEY=LTAI… CONSUMER_SECRET=… PROVIDER_KEY=LTAI… PROVIDER_SECRET=… \
        .venv/bin/python examples/lab2_sdk.py

In a Lab 2 run, the lab has prepared VPC1, ECS1 and the security group (Account A) and VPC2,
ECS2 and ECS3 (Account B): with ``USE_LAB=1`` the script uses them instead of making its own,
so that the lab panel's steps tick (its API section shows the command with the lab's keys).

Nothing but the endpoint differs from a script for the real cloud.
"""

import importlib
import json
import os
import sys
import time

from alibabacloud_tea_openapi.models import Config

PACKAGES = {
    "privatelink": "alibabacloud_privatelink20200415",
    "slb": "alibabacloud_slb20140515",
    "vpc": "alibabacloud_vpc20160428",
    "ecs": "alibabacloud_ecs20140526",
    "sts": "alibabacloud_sts20150401",
}


def client_factory(endpoint):
    """``sdk(product, (key_id, secret))``: the product's official client, its models on it."""

    def sdk(product, key):
        package = PACKAGES[product]
        client_class = importlib.import_module(f"{package}.client").Client
        client = client_class(
            Config(
                access_key_id=key[0],
                access_key_secret=key[1],
                endpoint=endpoint,
                protocol="http",
                region_id=REGION,
            )
        )
        client.models = importlib.import_module(f"{package}.models")
        return client

    return sdk


REGION = "eu-central-1"
ZONE = "eu-central-1b"
BACKUP_ZONE = "eu-central-1a"


def poll(read, done, timeout=60.0, interval=0.2):
    """Call ``read()`` until ``done(value)``; the value, or an AssertionError naming it."""
    deadline = time.monotonic() + timeout
    value = read()
    while not done(value):
        if time.monotonic() > deadline:
            raise AssertionError(f"not settled within {timeout}s: {value}")
        time.sleep(interval)
        value = read()
    return value


def network(sdk, key, cidr, vsw_cidr, name):
    """VPC (polled to Available), vSwitch, a group open on port 80; their IDs."""
    vpc_client, ecs = sdk("vpc", key), sdk("ecs", key)
    vm, em = vpc_client.models, ecs.models
    vpc_id = vpc_client.create_vpc(
        vm.CreateVpcRequest(region_id=REGION, cidr_block=cidr, vpc_name=name)
    ).body.vpc_id
    poll(
        lambda: (
            vpc_client.describe_vpcs(vm.DescribeVpcsRequest(region_id=REGION, vpc_id=vpc_id))
            .body.vpcs.vpc[0]
            .status
        ),
        lambda status: status == "Available",
    )
    vsw_id = vpc_client.create_vswitch(
        vm.CreateVSwitchRequest(
            region_id=REGION, vpc_id=vpc_id, zone_id=ZONE, cidr_block=vsw_cidr, v_switch_name="vsw"
        )
    ).body.v_switch_id
    sg_id = ecs.create_security_group(
        em.CreateSecurityGroupRequest(region_id=REGION, vpc_id=vpc_id, security_group_name="web")
    ).body.security_group_id
    ecs.authorize_security_group(
        em.AuthorizeSecurityGroupRequest(
            region_id=REGION,
            security_group_id=sg_id,
            permissions=[
                em.AuthorizeSecurityGroupRequestPermissions(
                    ip_protocol="TCP", port_range="80/80", source_cidr_ip="0.0.0.0/0"
                )
            ],
        )
    )
    return vpc_id, vsw_id, sg_id


def run_instance(sdk, key, vsw_id, sg_id, name, ip, nginx=True):
    ecs = sdk("ecs", key)
    m = ecs.models
    tags = [m.RunInstancesRequestTag(key="console:service", value="nginx:80")] if nginx else None
    instance_id = ecs.run_instances(
        m.RunInstancesRequest(
            region_id=REGION,
            image_id="aliyun_3",
            instance_type="ecs.g7.large",
            security_group_id=sg_id,
            v_switch_id=vsw_id,
            instance_name=name,
            private_ip_address=ip,
            tag=tags,
        )
    ).body.instance_id_sets.instance_id_set[0]
    return instance_id


def wait_running(sdk, key, instance_ids):
    ecs = sdk("ecs", key)
    request = ecs.models.DescribeInstancesRequest(
        region_id=REGION, instance_ids=json.dumps(instance_ids)
    )
    poll(
        lambda: [i.status for i in ecs.describe_instances(request).body.instances.instance],
        lambda statuses: statuses == ["Running"] * len(instance_ids),
    )


def prepared(sdk, key, vpc_name, instance_names):
    """A lab's prepared VPC (by name), its vSwitch, its security group (or None) and the
    IDs of the named instances."""
    vpc_client, ecs = sdk("vpc", key), sdk("ecs", key)
    vm, em = vpc_client.models, ecs.models
    vpcs = vpc_client.describe_vpcs(vm.DescribeVpcsRequest(region_id=REGION, vpc_name=vpc_name))
    if not vpcs.body.vpcs.vpc:
        raise SystemExit(f"No {vpc_name} in this account: is it a Lab 2 run's account?")
    vpc_id = vpcs.body.vpcs.vpc[0].vpc_id
    vsw_id = (
        vpc_client.describe_vswitches(vm.DescribeVSwitchesRequest(region_id=REGION, vpc_id=vpc_id))
        .body.v_switches.v_switch[0]
        .v_switch_id
    )
    groups = ecs.describe_security_groups(
        em.DescribeSecurityGroupsRequest(region_id=REGION, vpc_id=vpc_id)
    ).body.security_groups.security_group
    instance_ids = [
        ecs.describe_instances(em.DescribeInstancesRequest(region_id=REGION, instance_name=name))
        .body.instances.instance[0]
        .instance_id
        for name in instance_names
    ]
    return vpc_id, vsw_id, (groups[0].security_group_id if groups else None), instance_ids


def provider_side(sdk, key, health_timeout=60.0, use_lab=False):
    """VPC2, ECS2 with NGINX (and ECS3 in a lab), a CLB with a TCP:80 listener and healthy
    backends, a service."""
    if use_lab:
        vpc_id, vsw_id, _, backends = prepared(sdk, key, "VPC2", ["ECS2", "ECS3"])
    else:
        vpc_id, vsw_id, sg_id = network(sdk, key, "192.168.0.0/16", "192.168.20.0/24", "VPC2")
        backends = [run_instance(sdk, key, vsw_id, sg_id, "ECS2", "192.168.20.200")]
    wait_running(sdk, key, backends)
    slb = sdk("slb", key)
    sm = slb.models
    lb_id = slb.create_load_balancer(
        sm.CreateLoadBalancerRequest(
            region_id=REGION,
            vpc_id=vpc_id,
            v_switch_id=vsw_id,
            address_type="intranet",
            load_balancer_spec="slb.s1.small",
            master_zone_id=ZONE,
            slave_zone_id=BACKUP_ZONE,
            pay_type="PayOnDemand",
            load_balancer_name="CLB1",
        )
    ).body.load_balancer_id
    poll(
        lambda: (
            slb.describe_load_balancer_attribute(
                sm.DescribeLoadBalancerAttributeRequest(load_balancer_id=lb_id)
            ).body.load_balancer_status
        ),
        lambda status: status == "active",
    )
    slb.create_load_balancer_tcplistener(
        sm.CreateLoadBalancerTCPListenerRequest(
            load_balancer_id=lb_id, listener_port=80, backend_server_port=80, bandwidth=-1
        )
    )
    slb.add_backend_servers(
        sm.AddBackendServersRequest(
            load_balancer_id=lb_id,
            backend_servers=json.dumps(
                [{"ServerId": i, "Weight": "100", "Type": "ecs"} for i in backends]
            ),
        )
    )
    slb.start_load_balancer_listener(
        sm.StartLoadBalancerListenerRequest(load_balancer_id=lb_id, listener_port=80)
    )
    health = sm.DescribeHealthStatusRequest(load_balancer_id=lb_id)
    poll(
        lambda: [
            s.server_health_status
            for s in slb.describe_health_status(health).body.backend_servers.backend_server
        ],
        lambda statuses: statuses == ["normal"] * len(backends),
        timeout=health_timeout,
    )
    pl = sdk("privatelink", key)
    pm = pl.models
    pl.open_private_link_service(pm.OpenPrivateLinkServiceRequest())
    service = pl.create_vpc_endpoint_service(
        pm.CreateVpcEndpointServiceRequest(
            region_id=REGION,
            service_resource_type="slb",
            service_description="lab2",
            auto_accept_enabled=False,
            zone_affinity_enabled=True,
            resource=[
                pm.CreateVpcEndpointServiceRequestResource(
                    resource_id=lb_id, resource_type="slb", zone_id=ZONE
                )
            ],
        )
    ).body
    attribute = pm.GetVpcEndpointServiceAttributeRequest(
        region_id=REGION, service_id=service.service_id
    )
    poll(
        lambda: pl.get_vpc_endpoint_service_attribute(attribute).body.service_status,
        lambda status: status == "Active",
    )
    return {"lb_id": lb_id, "ecs2": backends[0], "service": service}


def whitelist(sdk, key, service_id, uid):
    pl = sdk("privatelink", key)
    pl.add_user_to_vpc_endpoint_service(
        pl.models.AddUserToVpcEndpointServiceRequest(
            region_id=REGION, service_id=service_id, user_id=int(uid)
        )
    )


def consumer_side(sdk, key, service_name, use_lab=False):
    """VPC1, ECS1, and an endpoint to the service by its name; the endpoint's ID."""
    if use_lab:
        vpc_id, vsw_id, sg_id, _ = prepared(sdk, key, "VPC1", [])
    else:
        vpc_id, vsw_id, sg_id = network(sdk, key, "10.10.0.0/16", "10.10.0.0/24", "VPC1")
        ecs1 = run_instance(sdk, key, vsw_id, sg_id, "ECS1", "10.10.0.182", nginx=False)
        wait_running(sdk, key, [ecs1])
    pl = sdk("privatelink", key)
    pm = pl.models
    pl.open_private_link_service(pm.OpenPrivateLinkServiceRequest())
    offered = pl.list_vpc_endpoint_services_by_end_user(
        pm.ListVpcEndpointServicesByEndUserRequest(region_id=REGION, service_name=service_name)
    ).body.services
    assert [s.service_name for s in offered] == [service_name]
    endpoint = pl.create_vpc_endpoint(
        pm.CreateVpcEndpointRequest(
            region_id=REGION,
            vpc_id=vpc_id,
            service_name=service_name,
            security_group_id=[sg_id],
            endpoint_name="ep-lab2",
            zone=[pm.CreateVpcEndpointRequestZone(zone_id=ZONE, v_switch_id=vsw_id)],
        )
    ).body
    return endpoint.endpoint_id


def provider_allows(sdk, key, service_id, endpoint_id):
    pl = sdk("privatelink", key)
    pm = pl.models
    request = pm.ListVpcEndpointConnectionsRequest(region_id=REGION, service_id=service_id)
    connections = poll(
        lambda: pl.list_vpc_endpoint_connections(request).body.connections,
        lambda rows: (
            [(c.endpoint_id, c.connection_status) for c in rows] == [(endpoint_id, "Disconnected")]
        ),
    )
    pl.enable_vpc_endpoint_connection(
        pm.EnableVpcEndpointConnectionRequest(
            region_id=REGION, service_id=service_id, endpoint_id=endpoint_id
        )
    )
    return connections


def consumer_waits_connected(sdk, key, endpoint_id):
    pl = sdk("privatelink", key)
    request = pl.models.GetVpcEndpointAttributeRequest(region_id=REGION, endpoint_id=endpoint_id)
    return poll(
        lambda: pl.get_vpc_endpoint_attribute(request).body,
        lambda body: (body.endpoint_status, body.connection_status) == ("Active", "Connected"),
    )


def say(message):
    print(message, flush=True)


def main(endpoint, provider_key, consumer_key, *, health_timeout=120.0, use_lab=False):
    """Run Lab 2; ``*_key`` are ``(AccessKey ID, AccessKey Secret)`` pairs; ``use_lab``: the
    accounts are a Lab 2 run's, whose prepared VPCs and instances are used."""
    sdk = client_factory(endpoint)
    consumer_uid = sdk("sts", consumer_key).get_caller_identity().body.account_id
    say("Provider: VPC2, ECS2 with NGINX, CLB1 with TCP:80, endpoint service…")
    provider = provider_side(sdk, provider_key, health_timeout=health_timeout, use_lab=use_lab)
    service = provider["service"]
    say(f"Provider: service {service.service_name}; whitelisting {consumer_uid}")
    whitelist(sdk, provider_key, service.service_id, consumer_uid)
    say("Consumer: VPC1, ECS1, endpoint by service name…")
    endpoint_id = consumer_side(sdk, consumer_key, service.service_name, use_lab=use_lab)
    say(f"Provider: allowing the connection of {endpoint_id}")
    provider_allows(sdk, provider_key, service.service_id, endpoint_id)
    settled = consumer_waits_connected(sdk, consumer_key, endpoint_id)
    say(f"Consumer: {endpoint_id} is {settled.connection_status}: {settled.endpoint_domain}")
    return {"endpoint_id": endpoint_id, "service": service, **provider}


if __name__ == "__main__":
    try:
        main(
            os.environ.get("ENDPOINT", "127.0.0.1:8000"),
            (os.environ["PROVIDER_KEY"], os.environ["PROVIDER_SECRET"]),
            (os.environ["CONSUMER_KEY"], os.environ["CONSUMER_SECRET"]),
            use_lab=os.environ.get("USE_LAB") == "1",
        )
    except KeyError as missing:
        sys.exit(f"Set {missing.args[0]} (see the docstring at the top of this file).")
