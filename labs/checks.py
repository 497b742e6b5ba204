"""Step checks: each looks at the console's own data and answers (done, reason).

The reasons speak to a trainee: what is missing or different, and where to change it.
"""

from console.models import EcsInstance, SecurityGroup, Vpc, VSwitch, Zone
from loadbalancer.models import AlbBackend, AlbInstance, AlbServerGroup, ClbInstance
from privatelink.models import Endpoint, EndpointConnection, EndpointService

from . import connectivity

DONE = (True, "")


class NotYet(Exception):
    """An earlier step's result is missing, so this step cannot be checked yet."""


class Context:
    """What the checks of one run share: its accounts, named resources, found objects."""

    def __init__(self, run):
        self.run = run
        self.cache = {}

    def account(self, role):
        return self.run.account_a if role == "A" else self.run.account_b

    def resource(self, model, name):
        key = ("resource", name)
        if key not in self.cache:
            pk = self.run.resources.get(name)
            # By its key: no ordering to compile.
            found = model.objects.filter(pk=pk).order_by()[:1] if pk else ()
            self.cache[key] = next(iter(found), None)
        return self.cache[key]

    def remember(self, key, compute):
        if key not in self.cache:
            self.cache[key] = compute()
        return self.cache[key]


def zone_name(zone_id):
    zone = Zone.objects.filter(pk=zone_id).first()
    return zone.name if zone else zone_id


# --- CLB (Labs 1 and 2) ---------------------------------------------------------------------


def clb_problems(clb):
    problems = []
    if clb.billing_method != ClbInstance.BillingMethod.PAY_AS_YOU_GO:
        problems.append(
            f"The CLB {clb.id} is billed by Subscription: only Pay-As-You-Go instances support "
            "PrivateLink. Create a Pay-As-You-Go one."
        )
    if clb.address_type != ClbInstance.AddressType.INTRANET:
        problems.append(
            f"The CLB {clb.id} is Internet-facing: choose Intranet (internal-facing) so that it "
            "can be a PrivateLink service resource."
        )
    if clb.zone_id != "eu-central-1b":
        problems.append(
            f"The CLB's primary zone is {clb.zone.name}; the lab uses Frankfurt Zone B."
        )
    if clb.zone_type != ClbInstance.ZoneType.MULTI or clb.backup_zone_id != "eu-central-1a":
        problems.append("The CLB should be Multi-zone with Frankfurt Zone A as its backup zone.")
    if clb.specification != ClbInstance.Specification.S1_SMALL:
        problems.append(
            f"The CLB's specification is {clb.get_specification_display()}; the lab uses "
            "Small I (slb.s1.small)."
        )
    return problems


def lab_clb(ctx, provider):
    """The CLB of the lab: the provider's CLB in VPC2 that fits best (fewest problems)."""

    def find():
        vpc2 = ctx.resource(Vpc, "VPC2")
        candidates = list(
            ClbInstance.objects.for_account(ctx.account(provider))
            .filter(vpc=vpc2)
            .select_related("zone")
        )
        if not candidates:
            return None
        return min(candidates, key=lambda c: (len(clb_problems(c)), -c.created_at.timestamp()))

    return ctx.remember(("clb", provider), find)


def clb_created(provider):
    def check(ctx):
        clb = lab_clb(ctx, provider)
        if clb is None:
            return False, (
                "There is no CLB instance in VPC2 yet: Server Load Balancer → Instances → "
                "Create CLB."
            )
        problems = clb_problems(clb)
        if problems:
            return False, problems[0]
        if clb.status != ClbInstance.Status.ACTIVE:
            return False, f"The CLB {clb.id} is {clb.status}; wait until it is Active."
        return DONE

    return check


def clb_configured(provider):
    def check(ctx):
        clb = lab_clb(ctx, provider)
        if clb is None:
            raise NotYet("Create the CLB first.")
        listener = clb.listeners.filter(protocol="TCP", port=80).first()
        if listener is None:
            return False, (
                f"The CLB {clb.id} has no TCP listener on port 80 yet: Configure Listener."
            )
        if listener.status != "Running":
            return False, "The TCP:80 listener is Stopped: start it."
        backends = {b.instance_id: b for b in listener.backends.all()}
        for name in ("ECS2", "ECS3"):
            instance = ctx.resource(EcsInstance, name)
            backend = backends.get(instance.pk if instance else None)
            if backend is None:
                return False, f"{name} is not a backend server of the TCP:80 listener yet."
            if backend.weight != 100 or backend.port != 80:
                return False, (
                    f"{name} has weight {backend.weight} and port {backend.port}; the lab uses "
                    "weight 100 and port 80."
                )
            if backend.health_status != "Normal":
                return False, (
                    f"{name}'s health is {backend.health_label}: wait a few seconds; if it "
                    f"stays so, check that {name} is Running with NGINX on port 80."
                )
        return DONE

    return check


# --- ALB (Lab 3) ------------------------------------------------------------------------


def lab_alb(ctx):
    def find():
        vpc2 = ctx.resource(Vpc, "VPC2")
        return (
            AlbInstance.objects.for_account(ctx.account("A"))
            .filter(vpc=vpc2)
            .order_by("-created_at")
            .first()
        )

    return ctx.remember("alb", find)


def alb_created():
    wanted = {"cn-hangzhou-h": "VSW2-H", "cn-hangzhou-i": "VSW2-I"}

    def check(ctx):
        alb = lab_alb(ctx)
        if alb is None:
            return False, "There is no ALB instance in VPC2 yet: ALB → Instances → Create ALB."
        if alb.network_type != AlbInstance.NetworkType.INTERNAL:
            return False, f"The ALB {alb.id} is Internet-facing: the lab needs Internal."
        if alb.ip_mode != AlbInstance.IpMode.STATIC:
            return False, f"The ALB {alb.id} uses Dynamic IP: PrivateLink needs Static IP."
        mappings = {m.zone_id: m.vswitch_id for m in alb.zone_mappings.all()}
        for zone_id, vswitch_name in wanted.items():
            vswitch = ctx.resource(VSwitch, vswitch_name)
            if mappings.get(zone_id) != (vswitch.pk if vswitch else None):
                return False, (
                    f"The ALB should be in {zone_name(zone_id)} with the vSwitch {vswitch_name} "
                    f"({vswitch.cidr_block if vswitch else '?'})."
                )
        if alb.edition != AlbInstance.Edition.BASIC:
            return False, "The lab uses the Basic edition."
        if alb.status != AlbInstance.Status.ACTIVE:
            return False, f"The ALB {alb.id} is {alb.status}; wait until it is Active."
        return DONE

    return check


def lab_server_group(ctx):
    return ctx.remember(
        "rs1",
        lambda: (
            AlbServerGroup.objects.for_account(ctx.account("A"))
            .filter(name="RS1")
            .order_by("-created_at")
            .first()
        ),
    )


# What RS1 must look like (Lab 3), in the order the trainee fills the form.
RS1_SETTINGS = (
    (
        lambda g: g.server_group_type == AlbServerGroup.GroupType.INSTANCE,
        "RS1's Server Group Type must be Instance.",
    ),
    (
        lambda g: g.protocol == AlbServerGroup.Protocol.HTTP,
        "RS1's Backend Server Protocol must be HTTP.",
    ),
    (
        lambda g: g.scheduler == AlbServerGroup.Scheduler.WRR,
        "RS1's Scheduling Algorithm must be Weighted Round Robin.",
    ),
    (lambda g: not g.sticky_session_enabled, "Turn Session Persistence off for RS1."),
    (lambda g: g.health_check_enabled, "Turn the health check of RS1 on."),
)


def _rs1_backends_refusal(ctx, group):
    backends = {b.instance_id: b for b in group.backends.all()}
    for name in ("ECS03", "ECS04"):
        instance = ctx.resource(EcsInstance, name)
        backend = backends.get(instance.pk if instance else None)
        if backend is None:
            return f"{name} is not a backend server of RS1 yet: Add Backend Server."
        if backend.port != 80 or backend.weight != 100:
            return f"{name} should be on port 80 with weight 100."
        if backend.status != AlbBackend.Status.AVAILABLE:
            return f"{name} is {backend.status} in RS1; wait until it is Available."
    return None


def server_group_ready():
    def check(ctx):
        group = lab_server_group(ctx)
        if group is None:
            return False, (
                "There is no server group named RS1 yet: ALB → Server Groups → Create Server Group."
            )
        vpc2 = ctx.resource(Vpc, "VPC2")
        if group.vpc_id != (vpc2.pk if vpc2 else None):
            return False, "RS1 must be in VPC2, the VPC of ECS03 and ECS04."
        refusal = next((message for ok, message in RS1_SETTINGS if not ok(group)), None)
        refusal = refusal or _rs1_backends_refusal(ctx, group)
        return (False, refusal) if refusal else DONE

    return check


def alb_listener_ready():
    def check(ctx):
        alb, group = lab_alb(ctx), lab_server_group(ctx)
        if alb is None or group is None:
            raise NotYet("Create the ALB and the server group RS1 first.")
        listener = alb.listeners.filter(protocol="HTTP", port=80).first()
        if listener is None:
            return False, f"The ALB {alb.id} has no HTTP listener on port 80 yet: Create Listener."
        if listener.server_group_id != group.pk:
            return False, "The HTTP:80 listener must forward to the server group RS1."
        if listener.status != "Running":
            return False, f"The HTTP:80 listener is {listener.status}; wait until it is Running."
        unhealthy = [b for b in group.backends.all() if b.health_status != "Healthy"]
        if unhealthy:
            return False, (
                f"{len(unhealthy)} backend server(s) of RS1 are not Healthy yet: wait a few "
                "seconds, or check that ECS03 and ECS04 are Running with NGINX on port 80."
            )
        return DONE

    return check


# --- PrivateLink ------------------------------------------------------------------------


def lab_service(ctx, provider):
    """The endpoint service of the lab: the provider's service that uses the lab's LB."""

    def find():
        services = EndpointService.objects.for_account(ctx.account(provider)).order_by(
            "-created_at"
        )
        clb = lab_clb(ctx, provider) if provider else None
        alb = lab_alb(ctx) if ctx.run.lab == "lab3" else None
        for service in services:
            ids = {r.resource_id for r in service.resources.all()}
            if (clb and clb.pk in ids) or (alb and alb.pk in ids):
                return service
        return services.first()

    return ctx.remember(("service", provider), find)


def service_created(provider, kind, zones, affinity, description=False):
    def check(ctx):
        service = lab_service(ctx, provider)
        if service is None:
            return False, (
                "There is no endpoint service yet: PrivateLink → Endpoint Service → Create "
                "Endpoint Service."
            )
        if service.resource_type != kind:
            return False, (
                f"The endpoint service uses {service.get_resource_type_display()}; the lab uses "
                f"{'ALB' if kind == 'alb' else 'CLB'}."
            )
        lb = lab_alb(ctx) if kind == "alb" else lab_clb(ctx, provider)
        by_zone = {r.zone_id: r.resource_id for r in service.resources.all()}
        for zone_id in zones:
            if by_zone.get(zone_id) != (lb.pk if lb else None):
                return False, (
                    f"The endpoint service has no resource in {zone_name(zone_id)} that is the "
                    f"lab's load balancer{f' {lb.pk}' if lb else ''}."
                )
        if service.auto_accept:
            return False, (
                "The endpoint service still accepts connections automatically: set "
                "Automatically Accept Endpoint Connections to No."
            )
        if service.zone_affinity != affinity:
            return False, (
                f"Zone affinity is {'on' if service.zone_affinity else 'off'}: set Whether to "
                f"Enable Zone Affinity to {'Yes' if affinity else 'No'}."
            )
        if description and not service.description:
            return False, "Give the endpoint service a description (Basic information)."
        if service.status != EndpointService.Status.ACTIVE:
            return False, (
                f"The endpoint service is {service.get_status_display()}; wait until it is "
                "Available."
            )
        return DONE

    return check


def whitelisted(provider, consumer):
    def check(ctx):
        service = lab_service(ctx, provider)
        if service is None:
            raise NotYet("Create the endpoint service first.")
        uid = ctx.account(consumer).uid
        if not service.whitelist.filter(uid=uid).exists():
            return False, (
                f"Account A's UID ({uid}) is not on the service whitelist: Service Whitelist → "
                "Add Whitelist Account."
            )
        return DONE

    return check


def lab_endpoint(ctx, consumer):
    def find():
        provider = "B" if ctx.run.lab == "lab2" else "A"
        service = lab_service(ctx, provider)
        endpoints = Endpoint.objects.for_account(ctx.account(consumer)).order_by("-created_at")
        if service is not None:
            mine = endpoints.filter(service=service).first()
            if mine is not None:
                return mine
        return endpoints.first()

    return ctx.remember(("endpoint", consumer), find)


def endpoint_created(consumer, zones):
    def check(ctx):
        endpoint = lab_endpoint(ctx, consumer)
        if endpoint is None:
            return False, (
                "There is no endpoint in VPC1 yet: PrivateLink → Endpoints → Create Endpoint."
            )
        provider = "B" if ctx.run.lab == "lab2" else "A"
        service = lab_service(ctx, provider)
        if service is None or endpoint.service_id != service.pk:
            return False, f"The endpoint {endpoint.id} is not connected to the lab's service."
        vpc1 = ctx.resource(Vpc, "VPC1")
        if endpoint.vpc_id != (vpc1.pk if vpc1 else None):
            return False, "The endpoint must be in VPC1, the VPC of the client instances."
        group = ctx.resource(SecurityGroup, "SG1")
        if group and not endpoint.security_groups.filter(pk=group.pk).exists():
            return False, "Add the security group SG1 to the endpoint (Security Groups tab)."
        placed = {z.zone_id: z.vswitch_id for z in endpoint.zones.all()}
        for zone_id, vswitch_name in zones.items():
            vswitch = ctx.resource(VSwitch, vswitch_name)
            if placed.get(zone_id) != (vswitch.pk if vswitch else None):
                return False, (
                    f"The endpoint needs {zone_name(zone_id)} with the vSwitch {vswitch_name} "
                    f"({vswitch.cidr_block if vswitch else '?'}): Zones and ENIs."
                )
        if endpoint.status != Endpoint.Status.ACTIVE:
            return False, f"The endpoint is {endpoint.status}; wait until it is Active."
        return DONE

    return check


def connection_connected(consumer):
    def check(ctx):
        endpoint = lab_endpoint(ctx, consumer)
        connection = (
            EndpointConnection.objects.filter(endpoint=endpoint).first() if endpoint else None
        )
        if connection is None:
            raise NotYet("Create the endpoint first.")
        if connection.status == EndpointConnection.Status.CONNECTED:
            return DONE
        provider = ctx.run.account_b if ctx.run.lab == "lab2" else ctx.run.account_a
        if connection.status == EndpointConnection.Status.DISCONNECTED:
            return False, (
                f"The connection is Disconnected: the service provider ({provider.name}, UID "
                f"{provider.uid}) must Allow it on the Endpoint Connections tab."
            )
        return False, f"The connection is {connection.status}; wait until it is Connected."

    return check


def activated(role):
    def check(ctx):
        if ctx.account(role).privatelink_activated:
            return DONE
        return False, (
            f"{ctx.run.definition.roles.get(role, role)} has not activated PrivateLink yet: open "
            "PrivateLink and press Activate PrivateLink."
        )

    return check


# --- connectivity (the last step) -------------------------------------------------------


def reaches_backend(client, via, backends):
    def check(ctx):
        endpoint = lab_endpoint(ctx, "A")
        instance = ctx.resource(EcsInstance, client)
        if endpoint is None or instance is None:
            raise NotYet("Create the endpoint first.")
        zones = list(endpoint.zones.all())
        accepted = {endpoint.domain, *(z.domain for z in zones), *(z.ip for z in zones)}
        return connectivity.check_browse(
            instance, endpoint.domain, backends, accepted=accepted, since=ctx.run.since
        )

    return check


def zone_domains_reach_backends(clients, backends):
    def check(ctx):
        endpoint = lab_endpoint(ctx, "A")
        if endpoint is None:
            raise NotYet("Create the endpoint first.")
        zones = {z.zone_id: z for z in endpoint.zones.all()}
        for name, zone_id in clients.items():
            instance = ctx.resource(EcsInstance, name)
            zone = zones.get(zone_id)
            if zone is None:
                raise NotYet(f"The endpoint has no ENI in {zone_name(zone_id)} yet.")
            done, reason = connectivity.check_browse(
                instance,
                zone.domain,
                backends,
                accepted={zone.domain, zone.ip},
                since=ctx.run.since,
                expect_zone=zone_id,
            )
            if not done:
                return False, f"{name}: {reason}"
        return DONE

    return check
