"""Every route of every resource type, with real IDs of one account: for generated tests."""

from django.urls import URLPattern, URLResolver, get_resolver
from net_factories import activate, lab1_provider, lab3

from console import services as console_services
from console.models import Ticket
from factories import region
from privatelink import services as pl


def build_world(account_a, account_b):
    """Account A with one of everything (Labs 1 and 3); account B activated, owning nothing."""
    activate(account_b)  # else its PrivateLink pages show only the activation page
    ticket = console_services.ticket_submit(
        account=account_a, region=region(), privilege=Ticket.Privilege.ALB_PRIVATELINK
    )
    built = lab3(account_a)
    built.ticket = ticket
    built.clb = lab1_provider(account_a)
    pl.whitelist_add(account=account_a, service=built.service, uids=[account_b.uid])
    return built


def resource_routes(patterns=None, prefix=""):
    """(resource, URL pattern) of every route that a ResourceViews configuration serves."""
    for entry in patterns if patterns is not None else get_resolver().url_patterns:
        if isinstance(entry, URLResolver):
            yield from resource_routes(entry.url_patterns, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern) and hasattr(entry.callback, "resource"):
            yield entry.callback.resource, entry, prefix


def route_values(world):
    """A real value of account A for every route parameter, by resource type."""
    clb, endpoint, service = world.clb, world.endpoint, world.service
    return {
        "vpcs": {"pk": world.vpc1.pk},
        "tickets": {"pk": world.ticket.pk},
        "vswitches": {"pk": world.vsw1_h.pk},
        "instances": {"pk": world.ecs01.pk},
        "security-groups": {
            "pk": world.sg1.pk,
            "rule_id": world.sg1.rules.first().pk,
            "direction": "ingress",
        },
        "clb-instances": {
            "pk": clb.clb.pk,
            "listener_id": clb.listener.pk,
            "token": "token",
            "step": "protocol",
        },
        "alb-instances": {
            "pk": world.alb.pk,
            "listener_id": world.listener.pk,
            "token": "token",
            "step": "listener",
        },
        "server-groups": {"pk": world.group.pk, "backend_id": world.group.backends.first().pk},
        "endpoint-services": {
            "pk": service.pk,
            "resource_id": service.resources.first().pk,
            "entry_id": service.whitelist.last().pk,
            "endpoint_id": endpoint.pk,
        },
        "endpoints": {
            "pk": endpoint.pk,
            "zone_id": endpoint.zones.first().pk,
            "group_id": world.sg1.pk,
        },
    }


def route_urls(world):
    """Every (resource, URL, has an object ID, action) to post to; one per member action."""
    values = route_values(world)
    urls = []
    for resource, pattern, prefix in resource_routes():
        names = set(pattern.pattern.converters)
        kwargs = {name: values[resource.slug][name] for name in names - {"action", "tab"}}
        if "tab" in names:
            kwargs["tab"] = resource.tabs[0].slug
        route = pattern.default_args.get("_route")
        actions = resource.member_actions_by_route[route] if route else [None]
        for action in actions:
            args = dict(kwargs, **({"action": action.name} if "action" in names else {}))
            path = "/" + prefix + str(pattern.pattern)
            for name, value in args.items():
                path = path.replace(f"<{pattern_type(pattern, name)}{name}>", str(value))
            urls.append((resource, path, "pk" in names, action))
    return urls


def pattern_type(pattern, name):
    route = str(pattern.pattern)
    return next(t for t in ("str:", "int:", "") if f"<{t}{name}>" in route)
