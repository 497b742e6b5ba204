"""Pieces of the endpoint and endpoint-service pages that come from the network app.

On the endpoint page: ``{% load network_tags %}{% endpoint_network_panel obj %}`` (the
Diagnose link, the Monitor count and the topology picture). On the endpoint service page:
``{% load network_tags %}{% service_network_panel obj %}`` (the topology picture).
"""

from django import template
from django.db.models import Sum
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe

from console.generic import acting_account
from privatelink.models import EndpointConnection

from .. import topology

register = template.Library()


def _viewer(context):
    request = context.get("request")
    return acting_account(request) if request is not None else None


@register.simple_tag(takes_context=True)
def endpoint_network_panel(context, endpoint):
    viewer = _viewer(context)
    if viewer is None or endpoint.account_id != viewer.pk:
        return ""
    svg = topology.render(topology.endpoint_graph(endpoint, viewer))
    connection = EndpointConnection.objects.for_consumer(viewer).filter(pk=endpoint.pk).first()
    return render_to_string(
        "network/partials/endpoint_panel.html",
        {"endpoint": endpoint, "connection": connection, "topology": mark_safe(svg)},
        request=context.get("request"),
    )


@register.simple_tag(takes_context=True)
def service_network_panel(context, service):
    viewer = _viewer(context)
    if viewer is None or service.account_id != viewer.pk:
        return ""
    svg = topology.render(topology.service_graph(service, viewer))
    total = (
        EndpointConnection.objects.for_provider(viewer)
        .filter(service=service)
        .aggregate(total=Sum("request_count"))["total"]
        or 0
    )
    return render_to_string(
        "network/partials/service_panel.html",
        {"service": service, "topology": mark_safe(svg), "total_requests": total},
        request=context.get("request"),
    )


@register.simple_tag(takes_context=True)
def endpoint_topology(context, endpoint):
    viewer = _viewer(context)
    if viewer is None or endpoint.account_id != viewer.pk:
        return ""
    return mark_safe(topology.render(topology.endpoint_graph(endpoint, viewer)))


@register.simple_tag(takes_context=True)
def service_topology(context, service):
    viewer = _viewer(context)
    if viewer is None or service.account_id != viewer.pk:
        return ""
    return mark_safe(topology.render(topology.service_graph(service, viewer)))
