"""The simulated data plane: what a browser on an ECS instance gets for an address.

Pure. :func:`browse` takes a :class:`Snapshot` (plain frozen data; ``network.snapshot`` loads
one from the console's resources) and an :class:`Address`, and returns an :class:`Outcome`:
the browser's response, the ordered trace of hops, and what the request changes (the
scheduler's next state, the connection to count). Nothing here reads the database or the
clock, so every situation is a table row in the tests.

The hops follow connectivity.md: name resolution, source instance, route, client security
group (outbound), target security group (inbound), endpoint and connection, service resource,
listener, backend choice, backend. A stop names the setting to change and the account that
must change it. Inside another account the trace names only that account (its UID) and the
verdict: never its load balancers, listeners, server groups or instances, by name or by ID.
"""

import ipaddress
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from django.utils.text import capfirst

from loadbalancer import scheduling

# --- codes and hops --------------------------------------------------------------------------

NAME_NOT_RESOLVED = "NAME_NOT_RESOLVED"
SOURCE_NOT_RUNNING = "SOURCE_NOT_RUNNING"
NO_ROUTE_TO_DESTINATION = "NO_ROUTE_TO_DESTINATION"
SG_EGRESS_DENIED = "SG_EGRESS_DENIED"
SG_INGRESS_DENIED = "SG_INGRESS_DENIED"
ENDPOINT_NOT_ACTIVE = "ENDPOINT_NOT_ACTIVE"
CONNECTION_NOT_CONNECTED = "CONNECTION_NOT_CONNECTED"
ZONE_NOT_CONNECTED = "ZONE_NOT_CONNECTED"
NO_RESOURCE_IN_ZONE = "NO_RESOURCE_IN_ZONE"
LB_NOT_ACTIVE = "LB_NOT_ACTIVE"
NO_LISTENER_ON_PORT = "NO_LISTENER_ON_PORT"
LISTENER_STOPPED = "LISTENER_STOPPED"
NO_HEALTHY_BACKEND = "NO_HEALTHY_BACKEND"
BACKEND_NOT_LISTENING = "BACKEND_NOT_LISTENING"
INVALID_ADDRESS = "INVALID_ADDRESS"

CODES = (
    NAME_NOT_RESOLVED,
    SOURCE_NOT_RUNNING,
    NO_ROUTE_TO_DESTINATION,
    SG_EGRESS_DENIED,
    SG_INGRESS_DENIED,
    ENDPOINT_NOT_ACTIVE,
    CONNECTION_NOT_CONNECTED,
    ZONE_NOT_CONNECTED,
    NO_RESOURCE_IN_ZONE,
    LB_NOT_ACTIVE,
    NO_LISTENER_ON_PORT,
    LISTENER_STOPPED,
    NO_HEALTHY_BACKEND,
    BACKEND_NOT_LISTENING,
)

RESOLVE, SOURCE, ROUTE, EGRESS, INGRESS = 1, 2, 3, 4, 5
ENDPOINT, SERVICE_RESOURCE, LISTENER, BACKEND_CHOICE, BACKEND = 6, 7, 8, 9, 10
STEP_TITLES = {
    RESOLVE: "Name resolution",
    SOURCE: "Source instance",
    ROUTE: "Route",
    EGRESS: "Client security group, outbound",
    INGRESS: "Endpoint ENI security group, inbound",
    ENDPOINT: "Endpoint state",
    SERVICE_RESOURCE: "Service resource",
    LISTENER: "Listener",
    BACKEND_CHOICE: "Server group / backend choice",
    BACKEND: "Backend",
}

# How the browser shows a stop (Chrome's words).
TIMED_OUT = ("This site can't be reached", "ERR_CONNECTION_TIMED_OUT")
REFUSED = ("This site can't be reached", "ERR_CONNECTION_REFUSED")
BROWSER_ERRORS = {
    NAME_NOT_RESOLVED: ("This site can't be reached", "ERR_NAME_NOT_RESOLVED"),
    INVALID_ADDRESS: ("This site can't be reached", "ERR_INVALID_URL"),
    SOURCE_NOT_RUNNING: ("The instance is not running", "ERR_INTERNET_DISCONNECTED"),
    NO_ROUTE_TO_DESTINATION: TIMED_OUT,
    SG_EGRESS_DENIED: TIMED_OUT,
    SG_INGRESS_DENIED: TIMED_OUT,
    ENDPOINT_NOT_ACTIVE: TIMED_OUT,
    CONNECTION_NOT_CONNECTED: TIMED_OUT,
    ZONE_NOT_CONNECTED: TIMED_OUT,
    NO_RESOURCE_IN_ZONE: TIMED_OUT,
    LB_NOT_ACTIVE: TIMED_OUT,
    NO_LISTENER_ON_PORT: REFUSED,
    LISTENER_STOPPED: REFUSED,
}
HTTP_ERRORS = {
    NO_HEALTHY_BACKEND: (503, "Service Unavailable"),
    BACKEND_NOT_LISTENING: (502, "Bad Gateway"),
}

RUNNING = "Running"
ACTIVE = "Active"
# A connection being modified (bandwidth) and an endpoint being modified still carry traffic.
CONNECTION_CARRIES = ("Connected", "Pending")
ENDPOINT_CARRIES = ("Active", "Pending")
ZONE_CARRIES = ("Connected",)

# --- the snapshot: plain data -----------------------------------------------------------------


@dataclass(frozen=True)
class Rule:
    id: int
    direction: str  # "ingress" / "egress"
    policy: str  # "accept" / "drop"
    priority: int
    protocol: str  # "all" / "tcp" / "udp" / "icmp"
    port_from: int
    port_to: int
    cidr: str = ""
    peer_group_id: str | None = None

    @property
    def allows(self):
        return self.policy == "accept"

    def describe(self):
        action = "Allow" if self.allows else "Deny"
        obj = self.peer_group_id or self.cidr
        return (
            f"{action}, priority {self.priority}, {self.protocol.upper()} "
            f"{self.port_from}/{self.port_to}, {obj}"
        )


@dataclass(frozen=True)
class Group:
    id: str
    name: str
    owner: str
    rules: tuple = ()


@dataclass(frozen=True)
class Instance:
    id: str
    name: str
    owner: str
    status: str
    vpc_id: str
    zone_id: str
    ip: str
    group_ids: tuple = ()
    service: str = "none"
    service_port: int = 80
    page_body: str = ""

    def listens_on(self, port):
        return self.status == RUNNING and self.service == "nginx" and self.service_port == port


@dataclass(frozen=True)
class Vpc:
    id: str
    name: str
    owner: str
    cidr: str


@dataclass(frozen=True)
class Eni:
    id: str
    zone_id: str
    zone_name: str
    ip: str
    domain: str
    status: str


@dataclass(frozen=True)
class Connection:
    id: str
    status: str


@dataclass(frozen=True)
class ServiceResource:
    zone_id: str
    kind: str  # "clb" / "alb"
    lb_id: str


@dataclass(frozen=True)
class Service:
    id: str
    owner: str
    status: str
    zone_affinity: bool
    resources: tuple = ()

    def resource_in(self, zone_id):
        return next((r for r in self.resources if r.zone_id == zone_id), None)


@dataclass(frozen=True)
class Endpoint:
    id: str
    name: str
    owner: str
    status: str
    vpc_id: str
    domain: str
    service_ref: str
    enis: tuple = ()
    group_ids: tuple = ()
    connection: Connection | None = None
    service: Service | None = None


@dataclass(frozen=True)
class Backend:
    key: str
    instance: Instance
    port: int
    weight: int
    healthy: bool
    health: str


@dataclass(frozen=True)
class Listener:
    id: str
    name: str
    protocol: str
    port: int
    status: str
    scheduler: str
    scope: str
    group_id: str = ""
    group_name: str = ""
    backends: tuple = ()

    @property
    def label(self):
        return f"{self.protocol}:{self.port}"


@dataclass(frozen=True)
class LoadBalancer:
    kind: str  # "clb" / "alb"
    id: str
    name: str
    owner: str
    status: str
    vpc_id: str
    addresses: tuple = ()  # (zone_id, ip) pairs
    listeners: tuple = ()

    def address_in(self, zone_id):
        return next((ip for z, ip in self.addresses if z == zone_id), "")


@dataclass(frozen=True)
class NameEntry:
    """What DNS knows of a name: A records, each with its zone, and whether affinity applies."""

    name: str
    records: tuple  # (ip, zone_id) pairs
    zone_affinity: bool = False
    what: str = ""  # "endpoint domain", "zone domain", "ALB DNS name"


@dataclass(frozen=True)
class Target:
    """What holds an IP address in the client's VPC."""

    kind: str  # "eni" / "instance" / "clb" / "alb"
    id: str  # endpoint ID, instance ID or load balancer ID
    zone_id: str = ""
    eni_id: str = ""


@dataclass(frozen=True)
class SchedulerTurn:
    version: int | None = None
    current: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Snapshot:
    client: Instance
    vpc: Vpc
    names: dict = field(default_factory=dict)  # lower-case name -> NameEntry
    targets: dict = field(default_factory=dict)  # IP in the client's VPC -> Target
    groups: dict = field(default_factory=dict)
    instances: dict = field(default_factory=dict)
    endpoints: dict = field(default_factory=dict)
    load_balancers: dict = field(default_factory=dict)
    turns: dict = field(default_factory=dict)  # scheduler scope -> SchedulerTurn


# --- the request -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Address:
    scheme: str
    host: str
    port: int
    path: str

    @property
    def url(self):
        default = 443 if self.scheme == "https" else 80
        port = "" if self.port == default else f":{self.port}"
        return f"{self.scheme}://{self.host}{port}{self.path}"


def parse_address(text):
    """What the address bar understood: ``name``, ``ip:port/path``, ``http(s)://…``.

    Raises ``ValueError`` with a sentence when it is not an address.
    """
    text = (text or "").strip()
    if not text:
        raise ValueError("Enter an address: a domain name or an IP address.")
    if "://" not in text:
        text = "http://" + text
    parts = urlsplit(text)
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        raise ValueError(f"The browser opens http:// and https:// addresses, not {scheme}://.")
    try:
        port = parts.port
    except ValueError:
        raise ValueError("The port must be a number from 1 to 65535.") from None
    host = (parts.hostname or "").rstrip(".").lower()
    if not host or any(c.isspace() for c in host):
        raise ValueError(f"{text} is not an address.")
    if port is None:
        port = 443 if scheme == "https" else 80
    if not 1 <= port <= 65535:
        raise ValueError("The port must be a number from 1 to 65535.")
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    return Address(scheme=scheme, host=host, port=port, path=path)


@dataclass(frozen=True)
class Ref:
    """A resource the request crossed; ``kind`` picks its page (see ``network.views``)."""

    kind: str
    id: str  # "" for another account's resource: the viewer may not know it
    owner: str
    label: str  # what the viewer may read: the name only for the viewer's own resources

    @property
    def opaque(self):
        return not self.id


# What a resource of another account is called in the trace instead of its ID.
OPAQUE_WORDS = {
    "clb": "a CLB instance",
    "alb": "an ALB instance",
    "listener": "a listener",
    "server-group": "a server group",
    "instance": "an ECS instance",
    "security-group": "a security group",
    "vpc": "a VPC",
    "endpoint": "an endpoint",
}


@dataclass(frozen=True)
class Hop:
    step: int
    title: str
    ok: bool
    detail: str
    ref: Ref | None = None
    code: str = ""
    fix: str = ""


@dataclass(frozen=True)
class Response:
    """What the browser shows: a page with its status line, or the browser's own error."""

    status: int = 0  # 0: no HTTP answer (the browser's error page)
    reason: str = ""
    headers: tuple = ()
    body: str = ""
    title: str = ""
    error: str = ""  # ERR_… of the browser's error page

    @property
    def status_line(self):
        return f"HTTP/1.1 {self.status} {self.reason}" if self.status else ""

    @property
    def is_page(self):
        return bool(self.status)


@dataclass(frozen=True)
class Outcome:
    address: Address | None
    response: Response
    hops: tuple
    code: str = ""  # "" when the backend answered 200
    connection_id: str = ""  # the connection the request went through (counted)
    scope: str = ""  # scheduler scope advanced
    turn: SchedulerTurn | None = None  # the scope's state after this request
    backend: str = ""  # the chosen backend's key ("i-…:80")
    backend_instance: str = ""
    entered_zone: str = ""  # the zone of the ENI / load balancer the request went through

    @property
    def ok(self):
        return not self.code

    @property
    def stop(self):
        return self.hops[-1] if self.code and self.hops else None


# --- security groups -------------------------------------------------------------------------


@dataclass(frozen=True)
class SgVerdict:
    allowed: bool
    group: Group | None = None
    rule: Rule | None = None


def _rule_matches(rule, direction, protocol, port, remote_ip, remote_groups):
    if rule.direction != direction:
        return False
    if rule.protocol not in ("all", protocol):
        return False
    if rule.protocol != "all" and rule.port_from != -1:
        if not rule.port_from <= port <= rule.port_to:
            return False
    if rule.peer_group_id:
        return rule.peer_group_id in remote_groups
    try:
        network = ipaddress.ip_network(rule.cidr or "", strict=False)
    except ValueError:
        return False
    return ipaddress.ip_address(remote_ip) in network


def evaluate_security_groups(
    groups, direction, *, protocol="tcp", port, remote_ip, remote_groups=()
):
    """The rules of all ``groups`` together, by priority (1 first); at one priority Deny wins.

    The first rule that matches decides; when none matches the traffic is dropped.
    """
    ordered = sorted(
        ((rule, group) for group in groups for rule in group.rules),
        key=lambda rg: (rg[0].priority, rg[0].allows, rg[0].id),
    )
    remote_groups = set(remote_groups)
    for rule, group in ordered:
        if _rule_matches(rule, direction, protocol, port, remote_ip, remote_groups):
            return SgVerdict(rule.allows, group, rule)
    return SgVerdict(False)


# --- scheduling --------------------------------------------------------------------------------


def schedule(algorithm, candidates, *, turn, group_label, client_ip):
    """The load balancer app's algorithms with the round-robin state passed in and out.

    Returns ``(pick, next_turn)``; ``next_turn`` is None when nothing changes.
    """
    algorithm = scheduling.ALIASES.get((algorithm or "wrr").lower(), scheduling.WRR)
    candidates = list(candidates)
    ready = scheduling.eligible(candidates)
    if not ready:
        return scheduling.no_backend(group_label, candidates), None
    if algorithm == scheduling.WLC:
        return scheduling.Pick(scheduling.least_connections(ready)), None
    if algorithm == scheduling.CONSISTENT_HASH:
        return scheduling.Pick(scheduling.consistent_hash(ready, client_ip)), None
    wrr = scheduling.SmoothWeightedRoundRobin()
    wrr.current = dict(turn.current if turn else {})
    chosen = wrr.pick(ready)
    return scheduling.Pick(chosen), SchedulerTurn(turn.version if turn else None, wrr.current)


# --- the evaluation ------------------------------------------------------------------------


# How a trace names a server group's scheduling algorithm.
ALGORITHMS = {
    "wrr": "weighted round robin",
    "rr": "round robin",
    "wlc": "weighted least connections",
    "sch": "consistent hash",
}


class _Stop(Exception):
    def __init__(self, code):
        self.code = code


# NGINX's default welcome page, with the instance's Page Body and name on it (trainees see
# which backend answered). No links: the classroom may be offline.
NGINX_PAGE = """<!DOCTYPE html>
<html>
<head>
<title>{text}</title>
<style>
body {{ max-width: 35em; margin: 0 auto; padding: 0 1em;
  font-family: Tahoma, Verdana, Arial, sans-serif; }}
.served {{ font-size: 1.3em; padding: .5em .8em; border-left: 4px solid #009639; }}
</style>
</head>
<body>
<h1>Welcome to nginx!</h1>
<p class="served">{text}</p>
<p>If you see this page, the nginx web server is successfully installed and
working. Further configuration is required.</p>
<p>Served by <strong>{name}</strong>.</p>
<p><em>Thank you for using nginx.</em></p>
</body>
</html>
"""


def _page(instance, address):
    text = instance.page_body or f"Welcome to nginx on {instance.name or instance.id}"
    # The name only: a consumer's browser never shows the provider's resource IDs.
    html = NGINX_PAGE.format(text=_escape(text), name=_escape(instance.name or "this instance"))
    return Response(
        status=200,
        reason="OK",
        headers=(
            ("Server", "nginx"),
            ("Content-Type", "text/html; charset=utf-8"),
            ("Content-Length", str(len(html.encode()))),
        ),
        body=html,
    )


def _escape(text):
    return (
        str(text)
        .replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace('"', "&quot;")
    )


def _error_page(status, reason, detail):
    html = (
        f"<!DOCTYPE html>\n<html><head><title>{status} {reason}</title></head>\n"
        f"<body><center><h1>{status} {reason}</h1></center>\n<hr><center>{_escape(detail)}"
        "</center>\n</body></html>\n"
    )
    return Response(
        status=status,
        reason=reason,
        headers=(("Server", "Tengine"), ("Content-Type", "text/html; charset=utf-8")),
        body=html,
    )


class _Evaluation:
    def __init__(self, snapshot, address, viewer):
        self.snap = snapshot
        self.address = address
        self.viewer = viewer
        self.hops = []
        self.connection_id = ""
        self.scope = ""
        self.turn = None
        self.backend = None
        self.entered_zone = ""

    # --- wording -------------------------------------------------------------------------

    def own(self, owner):
        return owner == self.viewer

    def ref(self, kind, id_, owner, name=""):
        """How the viewer reads a resource: by name and ID if its own, else only by owner.

        The endpoint service is the exception: the consumer connected to it by its ID.
        """
        if not self.own(owner) and kind in OPAQUE_WORDS:
            return Ref(
                kind=kind, id="", owner=owner, label=f"{OPAQUE_WORDS[kind]} of account {owner}"
            )
        label = f"{name} ({id_})" if name and self.own(owner) and name != id_ else id_
        return Ref(kind=kind, id=id_, owner=owner, label=label)

    @staticmethod
    def the(what, ref):
        """``the CLB instance lb-1`` for the viewer's own, ``a CLB instance of account …``."""
        return ref.label if ref.opaque else f"the {what} {ref.label}"

    def who(self, owner, role=""):
        """The account that must act, as the viewer reads it."""
        if self.own(owner):
            return "You (this account)" if not role else f"You, the {role} (this account)"
        return f"The {role} (account {owner})" if role else f"Account {owner}"

    def ok(self, step, detail, ref=None, title=None):
        self.hops.append(Hop(step, title or STEP_TITLES[step], True, detail, ref))

    def stop(self, step, code, detail, fix, ref=None, title=None):
        self.hops.append(Hop(step, title or STEP_TITLES[step], False, detail, ref, code, fix))
        raise _Stop(code)

    # --- the walk ------------------------------------------------------------------------

    def run(self):
        try:
            ip = self.resolve()
            client = self.source()
            target = self.route(ip)
            self.egress(client, ip, target)
            if target.kind == "instance":
                return self.to_instance(client, target)
            if target.kind == "eni":
                lb, zone_id = self.through_endpoint(client, target)
            else:
                lb = self.snap.load_balancers[target.id]
                zone_id = target.zone_id
                self.entered_zone = zone_id
                self.lb_active(lb, zone_id)
            return self.through_load_balancer(client, lb, zone_id)
        except _Stop as stop:
            return self.failed(stop.code)

    def resolve(self):
        host = self.address.host
        try:
            ipaddress.IPv4Address(host)
        except ValueError:
            pass
        else:
            self.ok(RESOLVE, f"{host} is an IP address: used as is.")
            return host
        entry = self.snap.names.get(host)
        if entry is None or not entry.records:
            self.stop(
                RESOLVE,
                NAME_NOT_RESOLVED,
                f"No DNS record for {host}.",
                "Check the address: copy the endpoint's domain name from its Basic information "
                "(or a zone domain name from Zones and ENIs).",
            )
        records = list(entry.records)
        note = ""
        if entry.zone_affinity:
            same = [r for r in records if r[1] == self.snap.client.zone_id]
            if same:
                note = (
                    f" Zone affinity is on: only the ENI in the client's zone "
                    f"({self.snap.client.zone_id}) is returned."
                )
                records = same
            else:
                note = (
                    " Zone affinity is on, but the endpoint has no ENI in the client's zone "
                    f"({self.snap.client.zone_id}): every ENI is returned."
                )
        ips = ", ".join(ip for ip, _ in records)
        chosen = records[0][0]
        self.ok(
            RESOLVE,
            f"{host} ({entry.what}) resolved to {ips}.{note} The browser connects to {chosen}.",
        )
        return chosen

    def source(self):
        client = self.snap.client
        ref = self.ref("instance", client.id, client.owner, client.name)
        if client.status != RUNNING:
            self.stop(
                SOURCE,
                SOURCE_NOT_RUNNING,
                f"The instance {ref.label} is {client.status}.",
                f"Start the instance (ECS → Instances → Start). {self.who(client.owner)} must "
                "do it.",
                ref,
            )
        self.ok(SOURCE, f"{ref.label} is Running, IP {client.ip} in {client.zone_id}.", ref)
        return client

    def route(self, ip):
        vpc = self.snap.vpc
        ref = self.ref("vpc", vpc.id, vpc.owner, vpc.name)
        fix = (
            "PrivateLink never routes between VPCs. "
            f"{self.who(vpc.owner)} must create an endpoint in {ref.label} and open its domain "
            "name or ENI IP instead."
        )
        if ipaddress.ip_address(ip) not in ipaddress.ip_network(vpc.cidr, strict=False):
            self.stop(
                ROUTE,
                NO_ROUTE_TO_DESTINATION,
                f"{ip} is outside {ref.label} ({vpc.cidr}): there is no route to it.",
                fix,
                ref,
            )
        target = self.snap.targets.get(ip)
        if target is None:
            self.stop(
                ROUTE,
                NO_ROUTE_TO_DESTINATION,
                f"No instance, endpoint ENI or load balancer of {ref.label} has the address "
                f"{ip}. Another VPC may use the same address, but its traffic never mixes with "
                "this VPC's.",
                fix,
                ref,
            )
        self.ok(ROUTE, f"{ip} is in {ref.label} ({vpc.cidr}): {self.describe(target)}.", ref)
        return target

    def describe(self, target):
        if target.kind == "eni":
            endpoint = self.snap.endpoints[target.id]
            return f"the ENI {target.eni_id} of endpoint {endpoint.id}"
        if target.kind == "instance":
            instance = self.snap.instances[target.id]
            ref = self.ref("instance", instance.id, instance.owner, instance.name)
            return f"the instance {ref.label}"
        lb = self.snap.load_balancers[target.id]
        what = "CLB instance" if lb.kind == "clb" else "ALB instance"
        return f"the {what} {self.ref(lb.kind, lb.id, lb.owner, lb.name).label}"

    def groups(self, ids):
        return [self.snap.groups[g] for g in ids if g in self.snap.groups]

    def target_groups(self, target):
        if target.kind == "eni":
            return tuple(self.snap.endpoints[target.id].group_ids)
        if target.kind == "instance":
            return tuple(self.snap.instances[target.id].group_ids)
        return ()

    def egress(self, client, ip, target):
        port = self.address.port
        groups = self.groups(client.group_ids)
        verdict = evaluate_security_groups(
            groups, "egress", port=port, remote_ip=ip, remote_groups=self.target_groups(target)
        )
        names = ", ".join(self.ref("security-group", g.id, g.owner, g.name).label for g in groups)
        if not verdict.allowed:
            if verdict.group is not None:
                group = self.ref(
                    "security-group", verdict.group.id, verdict.group.owner, verdict.group.name
                )
                detail = (
                    f"The security group {group.label} denies outbound TCP {port} to {ip}: rule "
                    f"({verdict.rule.describe()})."
                )
                fix = (
                    f"Remove that rule or add an outbound Allow rule of a higher priority (a "
                    f"lower number) for TCP {port} to {ip} in {group.label}."
                )
                ref = group
            else:
                detail = (
                    f"No outbound rule of the client's security groups ({names}) allows TCP "
                    f"{port} to {ip}."
                )
                fix = f"Add an outbound Allow rule for TCP {port} to {ip} (or 0.0.0.0/0)."
                ref = None
            self.stop(
                EGRESS,
                SG_EGRESS_DENIED,
                detail,
                f"{fix} {self.who(client.owner)} must change it (ECS → Security Groups → "
                "Outbound).",
                ref,
            )
        group = verdict.group
        self.ok(
            EGRESS,
            f"Outbound TCP {port} to {ip} allowed by "
            f"{self.ref('security-group', group.id, group.owner, group.name).label} "
            f"({verdict.rule.describe()}).",
            self.ref("security-group", group.id, group.owner, group.name),
        )

    def ingress(self, client, owner, group_ids, what, title):
        port = self.address.port
        groups = self.groups(group_ids)
        verdict = evaluate_security_groups(
            groups,
            "ingress",
            port=port,
            remote_ip=client.ip,
            remote_groups=client.group_ids,
        )
        labels = ", ".join(self.ref("security-group", g.id, g.owner, g.name).label for g in groups)
        if not verdict.allowed:
            if verdict.group is not None:
                group = self.ref(
                    "security-group", verdict.group.id, verdict.group.owner, verdict.group.name
                )
                detail = (
                    f"The security group {group.label} of {what} denies inbound TCP {port} from "
                    f"{client.ip}: rule ({verdict.rule.describe()})."
                )
                ref = group
            else:
                detail = (
                    f"No inbound rule of the security groups of {what} ({labels or 'none'}) "
                    f"allows TCP {port} from {client.ip}."
                )
                ref = (
                    self.ref("security-group", groups[0].id, groups[0].owner, groups[0].name)
                    if groups
                    else None
                )
            self.stop(
                INGRESS,
                SG_INGRESS_DENIED,
                detail,
                f"Add an inbound Allow rule for TCP {port} from {client.ip} (or the client's "
                f"CIDR block) to {labels or 'its security group'}. {self.who(owner)} must change "
                "it (ECS → Security Groups → Inbound).",
                ref,
                title,
            )
        group = verdict.group
        ref = self.ref("security-group", group.id, group.owner, group.name)
        self.ok(
            INGRESS,
            f"Inbound TCP {port} from {client.ip} allowed by {ref.label} "
            f"({verdict.rule.describe()}).",
            ref,
            title,
        )

    # --- a plain instance of the VPC ------------------------------------------------------

    def to_instance(self, client, target):
        instance = self.snap.instances[target.id]
        ref = self.ref("instance", instance.id, instance.owner, instance.name)
        self.ingress(
            client,
            instance.owner,
            instance.group_ids,
            f"the instance {ref.label}",
            "Target security group, inbound",
        )
        port = self.address.port
        if not instance.listens_on(port):
            self.stop(
                BACKEND,
                BACKEND_NOT_LISTENING,
                self.not_listening(instance, ref, port),
                self.listening_fix(instance, port),
                ref,
                "Target instance",
            )
        self.backend = instance
        self.ok(BACKEND, f"{ref.label} answers on port {port}: HTTP/1.1 200 OK.", ref, "Target")
        return self.succeeded(instance)

    def not_listening(self, instance, ref, port):
        if instance.status != RUNNING:
            return f"{capfirst(self.the('instance', ref))} is {instance.status}."
        if instance.service != "nginx":
            return f"No service is deployed on {ref.label}: nothing listens on port {port}."
        return f"The service on {ref.label} listens on port {instance.service_port}, not {port}."

    def listening_fix(self, instance, port):
        if instance.status != RUNNING:
            what = "Start the instance (ECS → Instances → Start)."
        else:
            what = f"Deploy NGINX on port {port} (ECS instance → Deployed Service)."
        return f"{what} {self.who(instance.owner)} must do it."

    # --- through an endpoint -------------------------------------------------------------

    def through_endpoint(self, client, target):
        """The hops of an endpoint: its security groups, its state, its connection, its
        zone, then the service resource of that zone; returns ``(load balancer, zone)``."""
        endpoint = self.snap.endpoints[target.id]
        eni = next(e for e in endpoint.enis if e.id == target.eni_id)
        ep_ref = self.ref("endpoint", endpoint.id, endpoint.owner, endpoint.name)
        self.entered_zone = eni.zone_id
        self.ingress(
            client,
            endpoint.owner,
            endpoint.group_ids,
            f"endpoint {ep_ref.label}",
            STEP_TITLES[INGRESS],
        )
        consumer = self.who(endpoint.owner, "service consumer")
        if endpoint.status not in ENDPOINT_CARRIES:
            self.stop(
                ENDPOINT,
                ENDPOINT_NOT_ACTIVE,
                f"The endpoint {ep_ref.label} is {endpoint.status}.",
                f"Wait until it is Active; if it stays {endpoint.status}, {consumer.lower()} must "
                "check its events (or create it again).",
                ep_ref,
            )
        service = endpoint.service
        provider = self.who(service.owner, "service provider") if service else "The provider"
        service_ref = (
            self.ref("endpoint-service", service.id, service.owner)
            if service
            else Ref("endpoint-service", endpoint.service_ref, "", endpoint.service_ref)
        )
        self.connection_carries(endpoint, ep_ref, service_ref, provider, consumer)
        self.zone_carries(endpoint, eni, ep_ref, service_ref, consumer)
        lb = self.service_resource(service, eni, service_ref, provider, consumer)
        self.lb_active(lb, eni.zone_id, via=service_ref)
        return lb, eni.zone_id

    def connection_carries(self, endpoint, ep_ref, service_ref, provider, consumer):
        """Stop unless the endpoint's connection to its (existing) service is Connected."""
        connection = endpoint.connection
        status = connection.status if connection else "missing"
        if connection is not None and endpoint.service is not None:
            if status in CONNECTION_CARRIES:
                self.connection_id = connection.id
                return
        detail, fix = self.connection_refusal(
            status, endpoint.service is None, service_ref, provider, consumer
        )
        self.stop(
            ENDPOINT,
            CONNECTION_NOT_CONNECTED,
            f"Endpoint {ep_ref.label} → endpoint service {service_ref.id}: {detail}",
            fix,
            service_ref,
            "Endpoint connection",
        )

    @staticmethod
    def connection_refusal(status, service_deleted, service_ref, provider, consumer):
        """``(detail, fix)`` of a connection that carries no traffic, by its state."""
        if status == "Disconnected":
            return (
                f"{provider} has not allowed this connection: it is Disconnected.",
                f"{provider} must allow it: Endpoint Service {service_ref.id} → Endpoint "
                f"Connections → Allow.",
            )
        if status in ("Connecting", "Disconnecting"):
            settles = "Connected" if status == "Connecting" else "Disconnected"
            fix = f"Wait until it is {settles}."
            if status == "Disconnecting":
                fix += f" {provider} denied it; only they can allow it again."
            return f"The connection is {status}.", fix
        if status == "ServiceDeleted" or service_deleted:
            return (
                f"The endpoint service {service_ref.id} was deleted.",
                f"{consumer} must connect to another endpoint service.",
            )
        return (
            f"The connection is {status}.",
            f"{provider} must allow it (Endpoint Connections → Allow).",
        )

    def zone_carries(self, endpoint, eni, ep_ref, service_ref, consumer):
        """Stop unless the zone of the ENI the domain name resolved to is Connected."""
        if eni.status not in ZONE_CARRIES:
            self.stop(
                ENDPOINT,
                ZONE_NOT_CONNECTED,
                f"The zone {eni.zone_name} ({eni.zone_id}) of endpoint {ep_ref.label} is "
                f"{eni.status}: its ENI {eni.id} carries no traffic.",
                f"Wait until the zone is Connected; if it stays {eni.status}, {consumer.lower()} "
                "must remove the zone and add it again (Zones and ENIs), or use another zone's "
                "domain name.",
                ep_ref,
                "Endpoint zone",
            )
        self.ok(
            ENDPOINT,
            f"Endpoint {ep_ref.label} is {endpoint.status}; its connection to "
            f"{service_ref.label} is {endpoint.connection.status}; the zone {eni.zone_id} is "
            f"{eni.status}.",
            ep_ref,
        )

    def service_resource(self, service, eni, service_ref, provider, consumer):
        """The load balancer the service offers in the ENI's zone; stop if there is none."""
        resource = service.resource_in(eni.zone_id)
        if resource is None or resource.lb_id not in self.snap.load_balancers:
            self.stop(
                SERVICE_RESOURCE,
                NO_RESOURCE_IN_ZONE,
                f"The endpoint service {service_ref.label} has no service resource in "
                f"{eni.zone_name} ({eni.zone_id}), the zone of the ENI {eni.id}.",
                f"{provider} must add a resource in {eni.zone_id} (Service Resources → Add "
                f"Resource from Another Zone), or {consumer.lower()} must use a zone where the "
                "service has one.",
                service_ref,
            )
        return self.snap.load_balancers[resource.lb_id]

    def lb_active(self, lb, zone_id, via=None):
        ref = self.ref(lb.kind, lb.id, lb.owner, lb.name)
        what = "CLB instance" if lb.kind == "clb" else "ALB instance"
        if lb.status != ACTIVE:
            self.stop(
                SERVICE_RESOURCE,
                LB_NOT_ACTIVE,
                f"{capfirst(self.the(what, ref))} is {lb.status}.",
                f"{self.who(lb.owner)} must make it Active again (a new instance becomes Active "
                "by itself; an Inactive or Locked one must be started or unlocked).",
                ref,
            )
        # Another account's load balancer address is inside that account's VPC: not shown.
        address = "" if ref.opaque else lb.address_in(zone_id)
        where = f" in {zone_id}" + (f" ({address})" if address else "")
        prefix = f"The service resource of {via.label}{where}: " if via else ""
        name = ref.label if ref.opaque else f"{what} {ref.label}"
        self.ok(SERVICE_RESOURCE, f"{prefix}{name} is Active.", ref)

    # --- through a load balancer ---------------------------------------------------------

    def through_load_balancer(self, client, lb, zone_id):
        """The hops of a load balancer: a Running listener on the port, the backend its
        server group picks, and that backend's answer."""
        ref = self.ref(lb.kind, lb.id, lb.owner, lb.name)
        owner = self.who(lb.owner)
        listener = self.running_listener(lb, ref, owner)
        backend = self.choose_backend(client, lb, ref, listener, owner)
        inst = backend.instance
        iref = self.ref("instance", inst.id, inst.owner, inst.name)
        self.backend = inst
        self.backend_key = backend.key
        if not inst.listens_on(backend.port):
            self.stop(
                BACKEND,
                BACKEND_NOT_LISTENING,
                self.not_listening(inst, iref, backend.port)
                + " The load balancer gets no answer: 502 Bad Gateway.",
                self.listening_fix(inst, backend.port),
                iref,
            )
        self.ok(
            BACKEND,
            f"{capfirst(iref.label)} answers on port {backend.port}: HTTP/1.1 200 OK.",
            iref,
        )
        return self.succeeded(inst)

    def running_listener(self, lb, ref, owner):
        """The listener on the requested port that speaks the browser's protocol, Running."""
        port = self.address.port
        on_port = [li for li in lb.listeners if li.port == port]
        speaks = {"http": ("TCP", "HTTP"), "https": ("TCP", "HTTPS")}[self.address.scheme]
        matching = [li for li in on_port if li.protocol in speaks]
        if not matching:
            if on_port:
                detail = (
                    f"{capfirst(ref.label)} listens on port {port} with {on_port[0].protocol}, "
                    f"but the browser speaks {self.address.scheme.upper()} over TCP."
                )
            else:
                others = ", ".join(li.label for li in lb.listeners) or "none"
                detail = (
                    f"{capfirst(ref.label)} has no listener on port {port} (its listeners: "
                    f"{others})."
                )
            self.stop(
                LISTENER,
                NO_LISTENER_ON_PORT,
                detail,
                f"Add a {'/'.join(speaks)} listener on port {port} (Configure Listener / Create "
                f"Listener), or request a port it listens on. {owner} must do it.",
                ref,
            )
        listener = matching[0]
        lref = Ref(
            "listener",
            "" if ref.opaque else listener.id,
            lb.owner,
            f"{listener.label} of {ref.label}",
        )
        if listener.status != RUNNING:
            action = "Start it" if listener.status == "Stopped" else "Wait until it is Running"
            self.stop(
                LISTENER,
                LISTENER_STOPPED,
                f"The listener {lref.label} is {listener.status}.",
                f"{action} (Listener → Start). {owner} must do it.",
                lref,
            )
        self.ok(LISTENER, f"The listener {lref.label} is Running.", lref)
        return listener

    def choose_backend(self, client, lb, ref, listener, owner):
        """The backend the listener's server group schedules this request to (its turn kept
        for the next request); stop if none is healthy."""
        group_ref = (
            self.ref("server-group", listener.group_id, lb.owner, listener.group_name)
            if listener.group_id
            else Ref(
                "listener",
                "" if ref.opaque else listener.id,
                lb.owner,
                f"the default server group of {ref.label}",
            )
        )
        candidates = [
            scheduling.Candidate(key=b.key, weight=b.weight, healthy=b.healthy, backend=b)
            for b in listener.backends
        ]
        pick, next_turn = schedule(
            listener.scheduler,
            candidates,
            turn=self.snap.turns.get(listener.scope),
            group_label=f"of account {lb.owner}" if group_ref.opaque else group_ref.label,
            client_ip=client.ip,
        )
        if not pick.ok:
            self.stop(
                BACKEND_CHOICE,
                NO_HEALTHY_BACKEND,
                pick.reason,
                "Make a backend healthy: start its instance and deploy its service on the "
                "backend port, or add healthy servers with a weight above 0. "
                f"{owner} must do it.",
                group_ref,
            )
        self.scope, self.turn = listener.scope, next_turn
        backend = pick.candidate.backend
        inst = backend.instance
        iref = self.ref("instance", inst.id, inst.owner, inst.name)
        algorithm = ALGORITHMS.get(listener.scheduler.lower(), listener.scheduler)
        chosen = f"{iref.label}, port" if iref.opaque else f"{iref.label}:"
        self.ok(
            BACKEND_CHOICE,
            f"{capfirst(group_ref.label)} ({algorithm}) chose {chosen}{backend.port} (weight "
            f"{backend.weight}, {backend.health}).",
            group_ref,
        )
        return backend

    # --- results -------------------------------------------------------------------------

    def _outcome(self, response, code):
        return Outcome(
            address=self.address,
            response=response,
            hops=tuple(self.hops),
            code=code,
            connection_id=self.connection_id,
            scope=self.scope,
            turn=self.turn,
            backend=getattr(self, "backend_key", "") or "",
            backend_instance=self.backend.id if self.backend else "",
            entered_zone=self.entered_zone,
        )

    def succeeded(self, instance):
        return self._outcome(_page(instance, self.address), "")

    def failed(self, code):
        stop = self.hops[-1]
        if code in HTTP_ERRORS:
            status, reason = HTTP_ERRORS[code]
            response = _error_page(status, reason, stop.detail)
        else:
            title, error = BROWSER_ERRORS.get(code, TIMED_OUT)
            response = Response(title=title, error=error)
        return self._outcome(response, code)


def browse(snapshot, address, *, viewer):
    """Send one simulated request from ``snapshot.client`` to ``address``.

    ``viewer``: the UID of the account looking at the trace; other accounts' resources are
    named by ID and owner UID only.
    """
    return _Evaluation(snapshot, address, viewer).run()


def invalid(text, message):
    """The outcome of an address the browser cannot open."""
    title, error = BROWSER_ERRORS[INVALID_ADDRESS]
    hop = Hop(RESOLVE, "Address", False, message, code=INVALID_ADDRESS, fix="Check the address.")
    return Outcome(None, Response(title=title, error=error), (hop,), code=INVALID_ADDRESS)
