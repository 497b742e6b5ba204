"""The three walkthroughs as labs: prerequisites to provision and steps to check.

A prerequisite is a row of data (provisioned by ``labs.services`` through the console's own
services); a step is a check over the console's data that answers done, or not done with the
reason in a trainee's words. ``Lab.progress(run)`` evaluates them in order.
"""

from dataclasses import dataclass, field

from . import checks

WINDOWS = "win2012r2"
LINUX = "aliyun_3"


@dataclass(frozen=True)
class Step:
    key: str
    title: str
    hint: str
    check: object  # callable(ctx) -> (done, reason)
    role: str = "A"  # whose step it is (Lab 2 pairs)


@dataclass(frozen=True)
class Difference:
    """A value the lab sets differently from the walkthrough document, and why."""

    what: str
    document: str
    lab: str
    why: str


@dataclass(frozen=True)
class Lab:
    slug: str
    title: str
    region: str
    pair: bool
    prerequisites: tuple
    steps: tuple
    summary: str = ""
    alb_privilege: bool = False
    activated: tuple = ("A", "B")  # roles whose PrivateLink is active from the start
    roles: dict = field(default_factory=lambda: {"A": "Account A"})
    differences: tuple = ()  # Difference rows: where the lab's data is not the document's
    # The lab can be done through the API too: the command of the example script that does it
    # (the lab panel then shows the lab accounts' AccessKeys and this command).
    api_script: str = ""
    api_env: dict = field(default_factory=dict)  # role -> the script's variable prefix

    def progress(self, run):
        """[(step, done, reason)] for every step; stops computing after a failed dependency."""
        ctx = checks.Context(run)
        results = []
        for step in self.steps:
            try:
                done, reason = step.check(ctx)
            except checks.NotYet as missing:
                done, reason = False, str(missing)
            results.append((step, done, "" if done else reason))
        return results


# Prerequisites: (kind, name, role, details...)
def vpc(name, role, cidr):
    return ("vpc", name, role, {"cidr_block": cidr})


def vswitch(name, role, vpc_name, zone, cidr):
    return ("vswitch", name, role, {"vpc": vpc_name, "zone": zone, "cidr_block": cidr})


def group(name, role, vpc_name, inbound):
    return ("group", name, role, {"vpc": vpc_name, "inbound": inbound})


def ecs(name, role, vswitch_name, group_name, ip, image, page=None):
    return (
        "ecs",
        name,
        role,
        {"vswitch": vswitch_name, "group": group_name, "ip": ip, "image": image, "page": page},
    )


# The document's Chapter 1 and 2 example addresses cannot all exist together: the console
# refuses them, so the labs use the nearest consistent values and say so.
LAB1_DIFFERENCES = (
    Difference(
        "VPC1 IPv4 CIDR block",
        "10.10.1.0/16",
        "10.10.0.0/16",
        "10.10.1.0/16 has host bits set; the console refuses it and suggests 10.10.0.0/16.",
    ),
    Difference(
        "ECS1 private IP",
        "10.0.0.182",
        "10.10.0.182",
        "10.0.0.182 is outside VPC1 (10.10.0.0/16) and its vSwitch (10.10.0.0/24); an "
        "instance's address must be inside its vSwitch.",
    ),
)


def lab1_prerequisites(consumer="A", provider="A"):
    return (
        vpc("VPC1", consumer, "10.10.0.0/16"),
        vswitch("VSW1", consumer, "VPC1", "eu-central-1b", "10.10.0.0/24"),
        vpc("VPC2", provider, "192.168.0.0/16"),
        vswitch("VSW2", provider, "VPC2", "eu-central-1b", "192.168.20.0/24"),
        group("SG1", consumer, "VPC1", [("tcp", "80/80", "10.10.0.0/16")]),
        group("SG2", provider, "VPC2", [("tcp", "80/80", "192.168.0.0/16")]),
        ecs("ECS1", consumer, "VSW1", "SG1", "10.10.0.182", WINDOWS),
        ecs("ECS2", provider, "VSW2", "SG2", "192.168.20.200", LINUX, "ECS2"),
        ecs("ECS3", provider, "VSW2", "SG2", "192.168.20.201", LINUX, "ECS3"),
    )


LAB1 = Lab(
    slug="lab1",
    title="Lab 1 — Share a service between two VPCs of the same account",
    summary="One account: a CLB in VPC2 becomes an endpoint service; an endpoint in VPC1 "
    "reaches it.",
    region="eu-central-1",
    pair=False,
    prerequisites=lab1_prerequisites(),
    differences=LAB1_DIFFERENCES,
    steps=(
        Step(
            "clb",
            "Create an internal-facing CLB instance that supports PrivateLink",
            "Server Load Balancer → Instances → Create CLB: Pay-As-You-Go, Germany (Frankfurt), "
            "Multi-zone, primary Zone B, backup Zone A, Small I (slb.s1.small), Intranet, VPC2 "
            "and its vSwitch, IPv4; Buy Now.",
            checks.clb_created(provider="A"),
        ),
        Step(
            "listener",
            "Configure the CLB: TCP listener on port 80 with ECS2 and ECS3",
            "Configure Listener: TCP, port 80; Default Server Group → Add More → ECS2 and ECS3, "
            "weight 100, port 80; default health check; Submit. Wait until both are Normal.",
            checks.clb_configured(provider="A"),
        ),
        Step(
            "service",
            "Create an endpoint service with the CLB in Zone B",
            "PrivateLink → Endpoint Service → Create Endpoint Service: CLB, Zone B and the CLB; "
            "Automatically Accept Endpoint Connections: No; Zone Affinity: Yes; a description.",
            checks.service_created(
                provider="A", kind="slb", zones=("eu-central-1b",), affinity=True, description=True
            ),
        ),
        Step(
            "endpoint",
            "Create an endpoint in VPC1",
            "PrivateLink → Endpoints → Create Endpoint: Add by Service Name, VPC1, the security "
            "group SG1, Zone B with the VPC1 vSwitch.",
            checks.endpoint_created(consumer="A", zones={"eu-central-1b": "VSW1"}),
        ),
        Step(
            "allow",
            "Accept the connection request",
            "Endpoint Service → your service → Endpoint Connections → Allow.",
            checks.connection_connected(consumer="A"),
        ),
        Step(
            "browse",
            "From ECS1, open the endpoint's domain name",
            "ECS → Instances → ECS1 → Open Browser; enter the endpoint's domain name.",
            checks.reaches_backend(client="ECS1", via="endpoint", backends=("ECS2", "ECS3")),
        ),
    ),
)

LAB2 = Lab(
    slug="lab2",
    title="Lab 2 — Access a service in a VPC of another account",
    summary="Two accounts: Account B provides the service, Account A consumes it.",
    region="eu-central-1",
    api_script="examples/lab2_sdk.py",
    api_env={"A": "CONSUMER", "B": "PROVIDER"},
    pair=True,
    activated=("B",),
    roles={"A": "Account A (service consumer)", "B": "Account B (service provider)"},
    prerequisites=lab1_prerequisites(consumer="A", provider="B"),
    differences=LAB1_DIFFERENCES,
    steps=(
        Step(
            "activate",
            "Account A: activate PrivateLink",
            "As Account A open PrivateLink and press Activate PrivateLink.",
            checks.activated("A"),
        ),
        Step(
            "clb",
            "Account B: create the internal-facing Pay-As-You-Go CLB in VPC2",
            "As Account B: Server Load Balancer → Instances → Create CLB (Pay-As-You-Go, "
            "Multi-zone, primary Zone B, backup Zone A, Small I, Intranet, VPC2).",
            checks.clb_created(provider="B"),
            role="B",
        ),
        Step(
            "listener",
            "Account B: TCP listener 80 with ECS2 and ECS3, both Normal",
            "As Account B: Configure Listener: TCP 80; ECS2 and ECS3, weight 100, port 80.",
            checks.clb_configured(provider="B"),
            role="B",
        ),
        Step(
            "service",
            "Account B: create the endpoint service",
            "As Account B: Create Endpoint Service: CLB in Zone B; automatic acceptance No; "
            "zone affinity Yes.",
            checks.service_created(
                provider="B", kind="slb", zones=("eu-central-1b",), affinity=True
            ),
            role="B",
        ),
        Step(
            "whitelist",
            "Account B: add Account A's UID to the service whitelist",
            "As Account B: the service → Service Whitelist → Add Whitelist Account → Account "
            "A's UID (Account A finds it in the account menu).",
            checks.whitelisted(provider="B", consumer="A"),
            role="B",
        ),
        Step(
            "endpoint",
            "Account A: create the endpoint by service name",
            "As Account A: Create Endpoint → Add by Service Name (Account B can copy it from "
            "the service's page), VPC1, SG1, Zone B with the VPC1 vSwitch.",
            checks.endpoint_created(consumer="A", zones={"eu-central-1b": "VSW1"}),
        ),
        Step(
            "allow",
            "Account B: allow the connection",
            "As Account B: the service → Endpoint Connections → Allow (the Endpoint Owner shows "
            "Account A's UID).",
            checks.connection_connected(consumer="A"),
            role="B",
        ),
        Step(
            "browse",
            "Account A: from ECS1 open the endpoint's domain name",
            "As Account A: ECS → Instances → ECS1 → Open Browser; enter the endpoint domain.",
            checks.reaches_backend(client="ECS1", via="endpoint", backends=("ECS2", "ECS3")),
        ),
    ),
)

LAB3 = Lab(
    slug="lab3",
    title="Lab 3 — An ALB instance as the service resource, across two zones",
    summary="One account with the ALB privilege: an ALB in two zones behind an endpoint with "
    "an ENI in each zone.",
    region="cn-hangzhou",
    pair=False,
    alb_privilege=True,
    prerequisites=(
        vpc("VPC1", "A", "10.0.0.0/8"),
        vswitch("VSW1-H", "A", "VPC1", "cn-hangzhou-h", "10.0.10.0/24"),
        vswitch("VSW1-I", "A", "VPC1", "cn-hangzhou-i", "10.10.0.0/24"),
        vpc("VPC2", "A", "192.168.0.0/16"),
        vswitch("VSW2-H", "A", "VPC2", "cn-hangzhou-h", "192.168.3.0/24"),
        vswitch("VSW2-I", "A", "VPC2", "cn-hangzhou-i", "192.168.5.0/24"),
        group(
            "SG1",
            "A",
            "VPC1",
            [
                ("icmp", "-1/-1", "0.0.0.0/0"),
                ("tcp", "22/22", "0.0.0.0/0"),
                ("tcp", "3389/3389", "0.0.0.0/0"),
                ("tcp", "80/80", "0.0.0.0/0"),
                ("tcp", "443/443", "0.0.0.0/0"),
            ],
        ),
        group("SG2", "A", "VPC2", [("tcp", "80/80", "192.168.0.0/16")]),
        ecs("ECS01", "A", "VSW1-H", "SG1", "10.0.10.3", WINDOWS),
        ecs("ECS02", "A", "VSW1-I", "SG1", "10.10.0.27", WINDOWS),
        ecs("ECS03", "A", "VSW2-H", "SG2", "192.168.3.190", LINUX, "ECS03"),
        ecs("ECS04", "A", "VSW2-I", "SG2", "192.168.5.20", LINUX, "ECS04"),
    ),
    steps=(
        Step(
            "alb",
            "Create an internal-facing ALB in zones H and I",
            "ALB → Instances → Create ALB: China (Hangzhou), Internal, VPC2, Zone H and Zone I "
            "each with its vSwitch, Static IP, Basic edition, a name, the default resource group.",
            checks.alb_created(),
        ),
        Step(
            "server-group",
            "Create server group RS1 with ECS03 and ECS04",
            "ALB → Server Groups → Create Server Group: Instance, RS1, VPC2, HTTP, Weighted Round "
            "Robin, session persistence off, health check on; then Add Backend Server: ECS03 "
            "and ECS04, port 80, weight 100.",
            checks.server_group_ready(),
        ),
        Step(
            "listener",
            "Configure an HTTP listener on port 80 with RS1",
            "The ALB → Listener → Create Listener: HTTP, port 80, a name; server group RS1; "
            "Submit. Wait until its health shows Healthy.",
            checks.alb_listener_ready(),
        ),
        Step(
            "service",
            "Create an endpoint service with the ALB in Zone H and Zone I",
            "Create Endpoint Service: ALB; Zone H and (+Add Resource from Another Zone) Zone I, "
            "both the ALB; automatic acceptance No; zone affinity No.",
            checks.service_created(
                provider="A", kind="alb", zones=("cn-hangzhou-h", "cn-hangzhou-i"), affinity=False
            ),
        ),
        Step(
            "endpoint",
            "Create an endpoint in VPC1 with a vSwitch in each zone",
            "Create Endpoint: Select Service, VPC1, SG1, Zone H + its vSwitch and (+Add vSwitch) "
            "Zone I + its vSwitch.",
            checks.endpoint_created(
                consumer="A", zones={"cn-hangzhou-h": "VSW1-H", "cn-hangzhou-i": "VSW1-I"}
            ),
        ),
        Step(
            "allow",
            "Accept the connection (allocating service resources automatically)",
            "Endpoint Connections → Allow, with Allow connections and automatically allocate "
            "service resources checked.",
            checks.connection_connected(consumer="A"),
        ),
        Step(
            "browse",
            "From ECS01 and ECS02 open the zone domain names of their zones",
            "ECS01 (Zone H) → Open Browser → the Zone H domain name; ECS02 (Zone I) → the Zone I "
            "domain name. Each page comes from ECS03 or ECS04.",
            checks.zone_domains_reach_backends(
                {"ECS01": "cn-hangzhou-h", "ECS02": "cn-hangzhou-i"}, ("ECS03", "ECS04")
            ),
        ),
    ),
)

LABS = {lab.slug: lab for lab in (LAB1, LAB2, LAB3)}
