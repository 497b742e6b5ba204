"""Performs the steps of a lab through the services, as a trainee would through the pages."""

from console import services as console_services
from console.models import EcsInstance, SecurityGroup, Vpc, VSwitch, Zone
from factories import settle
from loadbalancer import health
from loadbalancer import services as lb
from network import services as network
from privatelink import services as pl
from privatelink.models import Endpoint, EndpointService


def obj(run, model, name):
    return model.objects.get(pk=run.resources[name])


def healthy_clb(listener):
    for _ in range(listener.healthy_threshold + 1):
        health.check_clb_listener(listener.pk)


def healthy_group(group):
    for _ in range(group.healthy_threshold + 1):
        health.check_server_group(group.pk)


class Lab1:
    """Lab 1 (one account) and Lab 2 (provider B) share the CLB steps."""

    def __init__(self, run):
        self.run = run
        self.provider = run.account_b or run.account_a
        self.consumer = run.account_a

    def step_activate(self):
        console_services.account_activate_privatelink(account=self.consumer)

    def step_clb(self, **overrides):
        kwargs = dict(
            account=self.provider,
            region=obj(self.run, Vpc, "VPC2").region,
            zone=Zone.objects.get(pk="eu-central-1b"),
            vpc=obj(self.run, Vpc, "VPC2"),
            vswitch=obj(self.run, VSwitch, "VSW2"),
            specification="slb.s1.small",
            billing_method="PayAsYouGo",
            zone_type="multi",
            backup_zone=Zone.objects.get(pk="eu-central-1a"),
            address_type="intranet",
        )
        kwargs.update(overrides)
        self.clb = settle(lb.clb_create(**kwargs))
        return self.clb

    def step_listener(self):
        servers = [(obj(self.run, EcsInstance, n).pk, 100, 80) for n in ("ECS2", "ECS3")]
        listener = lb.clb_listener_create(
            account=self.provider, clb=self.clb, protocol="TCP", port=80, servers=servers
        )
        healthy_clb(listener)
        return listener

    def step_service(self, **overrides):
        kwargs = dict(
            account=self.provider,
            region=self.clb.region,
            resource_type="slb",
            resources=[(Zone.objects.get(pk="eu-central-1b"), self.clb)],
            auto_accept=False,
            zone_affinity=True,
            description="Lab service",
        )
        kwargs.update(overrides)
        self.service = settle(pl.endpoint_service_create(**kwargs))
        return self.service

    def modify_service(self, **changes):
        service = EndpointService.objects.get(pk=self.service.pk)
        settle(pl.endpoint_service_modify(account=self.provider, service=service, **changes))

    def step_whitelist(self):
        pl.whitelist_add(account=self.provider, service=self.service, uids=[self.consumer.uid])

    def step_endpoint(self):
        service = EndpointService.objects.get(pk=self.service.pk)
        endpoint = pl.endpoint_create(
            account=self.consumer,
            region=service.region,
            name="ep-lab",
            service=service,
            vpc=obj(self.run, Vpc, "VPC1"),
            security_groups=[obj(self.run, SecurityGroup, "SG1")],
            zones=[(Zone.objects.get(pk="eu-central-1b"), obj(self.run, VSwitch, "VSW1"))],
        )
        self.endpoint = settle(endpoint)
        return self.endpoint

    def step_allow(self):
        endpoint = Endpoint.objects.get(pk=self.endpoint.pk)
        connection = pl.connection_allow(
            account=self.provider, service=self.service, connection=endpoint.connection
        )
        settle(connection)

    def step_browse(self):
        endpoint = Endpoint.objects.get(pk=self.endpoint.pk)
        return browse(self.run, self.consumer, "ECS1", endpoint.domain)


def browse(run, account, client, host):
    """What a trainee does in Open Browser: one real (recorded, counted) request."""
    instance = obj(run, EcsInstance, client)
    return network.browse(account=account, instance=instance, address=f"http://{host}/")


class Lab3:
    def __init__(self, run):
        self.run = run
        self.account = run.account_a

    def step_alb(self):
        zones = [
            (Zone.objects.get(pk="cn-hangzhou-h"), obj(self.run, VSwitch, "VSW2-H")),
            (Zone.objects.get(pk="cn-hangzhou-i"), obj(self.run, VSwitch, "VSW2-I")),
        ]
        vpc2 = obj(self.run, Vpc, "VPC2")
        self.alb = settle(
            lb.alb_create(
                account=self.account,
                region=vpc2.region,
                vpc=vpc2,
                zone_mappings=zones,
                name="alb-lab3",
                network_type="Internal",
                ip_mode="Static",
                edition="Basic",
            )
        )
        return self.alb

    def step_server_group(self):
        self.group = lb.server_group_create(
            account=self.account, vpc=obj(self.run, Vpc, "VPC2"), name="RS1"
        )
        servers = [(obj(self.run, EcsInstance, n).pk, 80, 100) for n in ("ECS03", "ECS04")]
        backends = lb.server_group_add_backends(
            account=self.account, group=self.group, servers=servers
        )
        for backend in backends or self.group.backends.all():
            settle(backend)
        healthy_group(self.group)
        return self.group

    def step_listener(self):
        listener = lb.alb_listener_create(
            account=self.account, alb=self.alb, protocol="HTTP", port=80, server_group=self.group
        )
        return settle(listener)

    def step_service(self):
        self.service = settle(
            pl.endpoint_service_create(
                account=self.account,
                region=self.alb.region,
                resource_type="alb",
                resources=[
                    (Zone.objects.get(pk="cn-hangzhou-h"), self.alb),
                    (Zone.objects.get(pk="cn-hangzhou-i"), self.alb),
                ],
                auto_accept=False,
                zone_affinity=False,
            )
        )
        return self.service

    def step_endpoint(self):
        self.endpoint = settle(
            pl.endpoint_create(
                account=self.account,
                region=self.service.region,
                name="ep-lab3",
                service=self.service,
                vpc=obj(self.run, Vpc, "VPC1"),
                security_groups=[obj(self.run, SecurityGroup, "SG1")],
                zones=[
                    (Zone.objects.get(pk="cn-hangzhou-h"), obj(self.run, VSwitch, "VSW1-H")),
                    (Zone.objects.get(pk="cn-hangzhou-i"), obj(self.run, VSwitch, "VSW1-I")),
                ],
            )
        )
        return self.endpoint

    def step_allow(self):
        endpoint = Endpoint.objects.get(pk=self.endpoint.pk)
        settle(
            pl.connection_allow(
                account=self.account,
                service=self.service,
                connection=endpoint.connection,
                auto_allocate=True,
            )
        )

    def step_browse(self):
        endpoint = Endpoint.objects.get(pk=self.endpoint.pk)
        for client, zone_id in (("ECS01", "cn-hangzhou-h"), ("ECS02", "cn-hangzhou-i")):
            browse(self.run, self.account, client, endpoint.zones.get(zone_id=zone_id).domain)
