"""The path of an endpoint or an endpoint service as a picture: server-rendered SVG.

Columns: client VPC → endpoint ENIs per zone → endpoint service → load balancer per zone →
listener → backends. Each box is coloured by its status and links to its page. What belongs
to another account is one opaque box labelled with the owner's UID only: nothing of it leaks.
"""

from dataclasses import dataclass, field

from django.db.models import Prefetch
from django.urls import NoReverseMatch, reverse
from django.utils.html import escape

from loadbalancer.models import AlbBackend, AlbListener, ClbListener
from privatelink.models import Endpoint, EndpointConnection, ServiceResource

COLUMNS = (
    "Client VPC",
    "Endpoint ENIs",
    "Endpoint service",
    "Load balancer",
    "Listener",
    "Backends",
)
BOX_W, BOX_H, COL_W, ROW_H, PAD, HEAD = 176, 58, 206, 70, 16, 26

GOOD = {"Available", "Active", "Running", "Connected", "Normal", "Healthy"}
BUSY = {
    "Creating",
    "Pending",
    "Connecting",
    "Disconnecting",
    "Provisioning",
    "Configuring",
    "Adding",
    "Removing",
    "Wait",
    "Deleting",
    "Starting",
    "Stopping",
}
IDLE = {"", "Unavailable"}
COLOURS = {
    "ok": ("#e8f7ee", "#2e9e5b"),
    "busy": ("#eef6fd", "#2d7fd3"),
    "bad": ("#fdf0ef", "#d93025"),
    "idle": ("#f5f5f5", "#999999"),
    "opaque": ("#e4e4e4", "#777777"),
}


def status_class(status):
    if status in GOOD:
        return "ok"
    if status in BUSY:
        return "busy"
    if status in IDLE:
        return "idle"
    return "bad"


@dataclass
class Node:
    key: str
    column: int
    lines: tuple
    status: str = ""
    url: str = ""
    opaque: bool = False
    kind: str = ""


@dataclass
class Graph:
    title: str
    nodes: dict = field(default_factory=dict)
    edges: list = field(default_factory=list)  # (from key, to key, status)

    def add(self, node):
        self.nodes.setdefault(node.key, node)
        return node.key

    def link(self, a, b, status=""):
        if (a, b, status) not in self.edges:
            self.edges.append((a, b, status))


def _url(name, pk):
    try:
        return reverse(name, kwargs={"pk": pk})
    except NoReverseMatch:
        return ""


def _opaque(graph, column, uid, status=""):
    return graph.add(
        Node(
            f"account:{uid}:{column}",
            column,
            ("Another account", f"Account {uid}"),
            status,
            opaque=True,
            kind="account",
        )
    )


def _eni_nodes(graph, endpoint, viewer):
    """Client VPC and the endpoint's ENIs; returns the ENI keys by zone."""
    vpc = endpoint.vpc
    vpc_key = graph.add(
        Node(
            f"vpc:{vpc.pk}",
            0,
            (vpc.name or vpc.pk, vpc.pk, vpc.cidr_block),
            vpc.status,
            _url("console:vpcs-detail", vpc.pk),
            kind="vpc",
        )
    )
    enis = {}
    for zone in endpoint.zones.all():
        key = graph.add(
            Node(
                f"eni:{zone.eni_id}",
                1,
                (zone.eni_id, f"{zone.zone.name} · {zone.ip}", zone.status),
                zone.status,
                _url("privatelink:endpoints-detail", endpoint.pk),
                kind="eni",
            )
        )
        graph.link(vpc_key, key, zone.status)
        enis[zone.zone_id] = key
    return enis


def _provider_side(graph, service, zone_ids=None):
    """Service → load balancer per zone → listeners → backends (the provider's own)."""
    service_key = graph.add(
        Node(
            f"service:{service.pk}",
            2,
            (service.pk, f"{service.get_resource_type_display()} service", service.status_label),
            service.status,
            _url("privatelink:endpoint-services-detail", service.pk),
            kind="service",
        )
    )
    lb_keys = _load_balancer_nodes(graph, service, service_key)
    _clb_listener_nodes(graph, lb_keys)
    _alb_listener_nodes(graph, lb_keys)
    return service_key


def _load_balancer_nodes(graph, service, service_key):
    """One node per service resource (a load balancer in a zone), linked from the service;
    returns their keys by ``(kind, load balancer ID)``."""
    resources = list(
        ServiceResource.objects.filter(service=service).select_related("zone", "clb", "alb")
    )
    lb_keys = {}
    for r in resources:
        lb = r.clb or r.alb
        if lb is None:
            continue
        kind = "clb" if r.clb_id else "alb"
        address = lb.address if kind == "clb" else ""
        if kind == "alb":
            mapping = next((m for m in lb.zone_mappings.all() if m.zone_id == r.zone_id), None)
            address = mapping.address if mapping else ""
        key = graph.add(
            Node(
                f"lb:{lb.pk}:{r.zone_id}",
                3,
                (lb.name or lb.pk, f"{r.zone.name} · {address}".strip(" ·"), lb.status),
                lb.status,
                _url(f"loadbalancer:{kind}-instances-detail", lb.pk),
                kind=kind,
            )
        )
        graph.link(service_key, key, service.status)
        lb_keys.setdefault((kind, lb.pk), []).append(key)
    return lb_keys


def _clb_listener_nodes(graph, lb_keys):
    """The listeners of the CLBs in ``lb_keys``, each with its default server group."""
    clb_ids = [pk for kind, pk in lb_keys if kind == "clb"]
    for listener in ClbListener.objects.filter(clb_id__in=clb_ids).prefetch_related(
        "backends__instance"
    ):
        key = graph.add(
            Node(
                f"clb-listener:{listener.pk}",
                4,
                (listener.display_name, f"{listener.protocol}:{listener.port}", listener.status),
                listener.status,
                _url("loadbalancer:clb-instances-detail", listener.clb_id),
                kind="listener",
            )
        )
        for lb_key in lb_keys[("clb", listener.clb_id)]:
            graph.link(lb_key, key, listener.status)
        for b in listener.backends.all():
            _backend(graph, key, b.instance, b.port, b.health_status)


def _alb_listener_nodes(graph, lb_keys):
    """The listeners of the ALBs in ``lb_keys``, each with the backends of its server group."""
    alb_ids = [pk for kind, pk in lb_keys if kind == "alb"]
    albs = AlbListener.objects.filter(alb_id__in=alb_ids).select_related("server_group")
    backends = AlbBackend.objects.select_related("instance")
    for listener in albs.prefetch_related(Prefetch("server_group__backends", queryset=backends)):
        group = listener.server_group
        key = graph.add(
            Node(
                f"alb-listener:{listener.pk}",
                4,
                (
                    listener.name or f"{listener.protocol}:{listener.port}",
                    f"{listener.protocol}:{listener.port} → {group.name}",
                    listener.status,
                ),
                listener.status,
                _url("loadbalancer:server-groups-detail", group.pk),
                kind="listener",
            )
        )
        for lb_key in lb_keys[("alb", listener.alb_id)]:
            graph.link(lb_key, key, listener.status)
        for b in group.backends.all():
            _backend(graph, key, b.instance, b.port, b.health_status)


def _backend(graph, listener_key, instance, port, health):
    key = graph.add(
        Node(
            f"backend:{instance.pk}:{port}",
            5,
            (instance.name or instance.pk, f"{instance.private_ip}:{port}", health),
            health,
            _url("console:instances-detail", instance.pk),
            kind="backend",
        )
    )
    graph.link(listener_key, key, health)


def endpoint_graph(endpoint, viewer):
    """The picture of an endpoint as its owner ``viewer`` (an Account) sees it."""
    endpoint = (
        Endpoint.objects.select_related("vpc", "service__account")
        .prefetch_related("zones__zone")
        .get(pk=endpoint.pk)
    )
    connection = EndpointConnection.objects.filter(pk=endpoint.pk).first()
    conn_status = connection.status if connection else ""
    graph = Graph(f"Topology of endpoint {endpoint.pk}")
    enis = _eni_nodes(graph, endpoint, viewer)
    service = endpoint.service
    if service is None:
        return graph
    if service.account_id == viewer.pk:
        service_key = _provider_side(graph, service)
    else:
        service_key = _opaque(graph, 2, service.account.uid, conn_status)
    for eni_key in enis.values():
        graph.link(eni_key, service_key, conn_status)
    return graph


def service_graph(service, viewer):
    """The picture of an endpoint service as its owner ``viewer`` sees it."""
    graph = Graph(f"Topology of endpoint service {service.pk}")
    service_key = _provider_side(graph, service)
    connections = (
        EndpointConnection.objects.for_provider(viewer)
        .filter(service=service)
        .select_related("account", "endpoint__vpc")
        .prefetch_related("endpoint__zones__zone")
    )
    for connection in connections:
        if connection.account_id == viewer.pk:
            for eni_key in _eni_nodes(graph, connection.endpoint, viewer).values():
                graph.link(eni_key, service_key, connection.status)
        else:
            key = _opaque(graph, 1, connection.account.uid, connection.status)
            graph.nodes[key].lines = ("Endpoint owner", f"Account {connection.account.uid}")
            graph.link(key, service_key, connection.status)
    return graph


# --- drawing -------------------------------------------------------------------------------


def _text(value, limit=27):
    value = str(value)
    return escape(value if len(value) <= limit else value[: limit - 1] + "…")


def render(graph, *, standalone=False):
    """The graph as an ``<svg>`` element (``standalone``: a document with its XML namespace)."""
    used = sorted({n.column for n in graph.nodes.values()})
    x_of = {col: PAD + i * COL_W for i, col in enumerate(used)}
    by_column = {col: [n for n in graph.nodes.values() if n.column == col] for col in used}
    rows = max((len(v) for v in by_column.values()), default=1)
    height = HEAD + PAD + rows * ROW_H
    width = PAD * 2 + max(len(used), 1) * COL_W - (COL_W - BOX_W)
    pos = {}
    for col, nodes in by_column.items():
        offset = (rows - len(nodes)) * ROW_H / 2
        for i, node in enumerate(nodes):
            pos[node.key] = (x_of[col], HEAD + PAD + offset + i * ROW_H)
    xmlns = 'xmlns="http://www.w3.org/2000/svg" ' if standalone else ""
    out = [
        f'<svg class="topology" {xmlns}'
        f'width="{width}" height="{height}" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="{escape(graph.title)}" font-family="Arial, sans-serif" font-size="11">',
        f"<title>{escape(graph.title)}</title>",
    ]
    for col in used:
        out.append(
            f'<text x="{x_of[col]}" y="{PAD + 4}" font-weight="bold" fill="#555">'
            f"{escape(COLUMNS[col])}</text>"
        )
    for a, b, status in graph.edges:
        if a not in pos or b not in pos:
            continue
        (x1, y1), (x2, y2) = pos[a], pos[b]
        x1, y1, y2 = x1 + BOX_W, y1 + BOX_H / 2, y2 + BOX_H / 2
        mid = (x1 + x2) / 2
        stroke = COLOURS[status_class(status)][1]
        out.append(
            f'<path d="M{x1},{y1} C{mid},{y1} {mid},{y2} {x2},{y2}" fill="none" '
            f'stroke="{stroke}" stroke-width="1.5" data-status="{escape(status)}"/>'
        )
    for key, node in graph.nodes.items():
        x, y = pos[key]
        css = "opaque" if node.opaque else status_class(node.status)
        fill, stroke = COLOURS[css]
        dash = ' stroke-dasharray="4 3"' if node.opaque else ""
        group = [
            f'<g class="node {css}" data-kind="{node.kind}" data-status="{escape(node.status)}">',
            f"<title>{escape(' · '.join(str(line) for line in node.lines))}</title>",
            f'<rect x="{x}" y="{y}" width="{BOX_W}" height="{BOX_H}" rx="4" fill="{fill}" '
            f'stroke="{stroke}" stroke-width="1.5"{dash}/>',
        ]
        for i, line in enumerate(node.lines[:3]):
            weight = ' font-weight="bold"' if i == 0 else ""
            group.append(
                f'<text x="{x + 8}" y="{y + 16 + i * 15}"{weight} fill="#222">{_text(line)}</text>'
            )
        group.append("</g>")
        body = "".join(group)
        if node.url and not node.opaque:
            body = f'<a href="{escape(node.url)}">{body}</a>'
        out.append(body)
    out.append("</svg>")
    return "\n".join(out)
