"""Lab step checks count work done through the API like work done in the pages."""

import json

import pytest
from lab2_flow import REGION, ZONE
from sdk_fixtures import *  # noqa: F403

from cloudapi.models import AccessKey
from console.models import EcsInstance, SecurityGroup, Vpc, VSwitch
from labs import services as lab_services
from labs.definitions import LABS

pytestmark = pytest.mark.django_db(transaction=True)


def progress(run):
    run.refresh_from_db()
    return {step.key: (done, reason) for step, done, reason in LABS[run.lab].progress(run)}


def test_lab2_steps_done_through_the_api(catalogue, sdk):
    run = lab_services.lab_run_start(lab="lab2", label="API", login_prefix="api-")
    a, b = run.account_a, run.account_b
    key_a, key_b = AccessKey.objects.create(account=a), AccessKey.objects.create(account=b)
    assert not progress(run)["activate"][0]

    pa, pb, slb = sdk("privatelink", key_a), sdk("privatelink", key_b), sdk("slb", key_b)
    pm, sm = pa.models, slb.models
    pa.open_private_link_service(pm.OpenPrivateLinkServiceRequest())
    assert progress(run)["activate"] == (True, "")

    vpc2 = Vpc.objects.for_account(b).get(name="VPC2")
    vsw2 = VSwitch.objects.for_account(b).get(vpc=vpc2)
    lb_id = slb.create_load_balancer(
        sm.CreateLoadBalancerRequest(
            region_id=REGION,
            vpc_id=vpc2.pk,
            v_switch_id=vsw2.pk,
            master_zone_id=ZONE,
            slave_zone_id="eu-central-1a",
            load_balancer_spec="slb.s1.small",
            address_type="intranet",
            pay_type="PayOnDemand",
        )
    ).body.load_balancer_id
    assert progress(run)["clb"] == (True, "")

    servers = [
        {"ServerId": EcsInstance.objects.for_account(b).get(name=n).pk, "Weight": 100}
        for n in ("ECS2", "ECS3")
    ]
    slb.create_load_balancer_tcplistener(
        sm.CreateLoadBalancerTCPListenerRequest(
            load_balancer_id=lb_id, listener_port=80, backend_server_port=80
        )
    )
    slb.add_backend_servers(
        sm.AddBackendServersRequest(load_balancer_id=lb_id, backend_servers=json.dumps(servers))
    )
    # Both are backends now; only their health (probed by beat, not here) is missing.
    assert "health" in progress(run)["listener"][1]

    service = pb.create_vpc_endpoint_service(
        pm.CreateVpcEndpointServiceRequest(
            region_id=REGION,
            zone_affinity_enabled=True,
            auto_accept_enabled=False,
            resource=[
                pm.CreateVpcEndpointServiceRequestResource(
                    resource_id=lb_id, resource_type="slb", zone_id=ZONE
                )
            ],
        )
    ).body
    assert progress(run)["service"] == (True, "")
    pb.add_user_to_vpc_endpoint_service(
        pm.AddUserToVpcEndpointServiceRequest(service_id=service.service_id, user_id=a.uid)
    )
    assert progress(run)["whitelist"] == (True, "")

    vpc1 = Vpc.objects.for_account(a).get(name="VPC1")
    endpoint_id = pa.create_vpc_endpoint(
        pm.CreateVpcEndpointRequest(
            region_id=REGION,
            vpc_id=vpc1.pk,
            service_name=service.service_name,
            endpoint_name="ep1",
            security_group_id=[SecurityGroup.objects.for_account(a).get(vpc=vpc1).pk],
            zone=[
                pm.CreateVpcEndpointRequestZone(
                    zone_id=ZONE, v_switch_id=VSwitch.objects.for_account(a).get(vpc=vpc1).pk
                )
            ],
        )
    ).body.endpoint_id
    assert progress(run)["endpoint"] == (True, "")
    pb.enable_vpc_endpoint_connection(
        pm.EnableVpcEndpointConnectionRequest(
            service_id=service.service_id, endpoint_id=endpoint_id
        )
    )
    assert progress(run)["allow"] == (True, "")
