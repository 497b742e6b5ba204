"""Open Browser (a tab of every ECS instance), Diagnose (an endpoint's), the topology pictures.

Every object is read through ``for_account`` of the acting account: another account's
instance, endpoint or service is a 404. The trace links only the viewer's own resources.
"""

from urllib.parse import urlencode

from django import forms
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.safestring import mark_safe

from console.generic import acting_account
from console.models import EcsInstance
from privatelink.models import Endpoint, EndpointConnection, EndpointService

from . import services, topology

HISTORY_KEY = "network_browser_history"
MAX_HISTORY = 10

# Which page a trace hop links to, by the kind of resource it crossed.
URL_NAMES = {
    "instance": "console:instances-detail",
    "vpc": "console:vpcs-detail",
    "security-group": "console:security-groups-detail",
    "endpoint": "privatelink:endpoints-detail",
    "endpoint-service": "privatelink:endpoint-services-detail",
    "clb": "loadbalancer:clb-instances-detail",
    "alb": "loadbalancer:alb-instances-detail",
    "server-group": "loadbalancer:server-groups-detail",
}


def hop_url(ref, viewer):
    if ref is None or viewer is None or ref.owner != viewer.uid or ref.kind not in URL_NAMES:
        return ""
    try:
        return reverse(URL_NAMES[ref.kind], kwargs={"pk": ref.id})
    except NoReverseMatch:
        return ""


def trace_rows(outcome, viewer):
    """The hops as the template shows them: each with its link and its owner's words."""
    if outcome is None:
        return []
    rows = []
    for hop in outcome.hops:
        ref = hop.ref
        owner = ""
        if ref is not None and ref.owner:
            owner = "Current Account" if viewer and ref.owner == viewer.uid else ref.owner
        rows.append({"hop": hop, "url": hop_url(ref, viewer), "owner": owner})
    return rows


# --- Open Browser --------------------------------------------------------------------------


def _own_instance(request, pk):
    instance = EcsInstance.objects.for_account(acting_account(request)).filter(pk=pk).first()
    if instance is None:
        raise Http404(f"No instance {pk} in this account.")
    return instance


def _history(request, instance_id):
    return list(request.session.get(HISTORY_KEY, {}).get(instance_id, []))


def _save_history(request, instance_id, history):
    everything = dict(request.session.get(HISTORY_KEY, {}))
    everything[instance_id] = history[-MAX_HISTORY:]
    request.session[HISTORY_KEY] = everything


def tab_url(instance, address=""):
    url = reverse("console:instances-tab", kwargs={"pk": instance.pk, "tab": "browser"})
    return f"{url}?{urlencode({'address': address})}" if address else url


def browser_context(request, instance):
    """Load the address asked for (or go back one page) and say what the browser shows."""
    account = acting_account(request)
    history = _history(request, instance.pk)
    address = request.GET.get("address", "").strip()
    if request.GET.get("back") and len(history) > 1:
        history.pop()
        address = history[-1]
        _save_history(request, instance.pk, history)
    elif address:
        if not history or history[-1] != address:
            history.append(address)
            _save_history(request, instance.pk, history)
    outcome = None
    if address:
        outcome = services.browse(
            account=account,
            instance=instance,
            address=address,
            commit=not getattr(request, "read_only", False),
        )
    recent = list(dict.fromkeys(reversed(history)))
    return {
        "instance": instance,
        "address": address,
        "outcome": outcome,
        "trace": trace_rows(outcome, account),
        "recent": recent,
        "can_go_back": len(history) > 1,
        "tab_url": tab_url(instance),
        "fragment_url": reverse("network:instance-browser", kwargs={"pk": instance.pk}),
    }


def browser_tab_context(request, obj):
    """The **Open Browser** tab of an ECS instance's page (console.views.EcsInstanceViews)."""
    return browser_context(request, obj)


def instance_browser(request, pk):
    """The browser frame and trace as an htmx fragment; the address goes in the tab's URL."""
    instance = _own_instance(request, pk)
    if not request.htmx:
        query = request.GET.urlencode()
        return redirect(tab_url(instance) + (f"?{query}" if query else ""))
    context = browser_context(request, instance)
    response = render(request, "network/partials/browser.html", context)
    response["HX-Push-Url"] = tab_url(instance, context["address"])
    return response


# --- Diagnose -------------------------------------------------------------------------------


class DiagnoseForm(forms.Form):
    instance = forms.ModelChoiceField(
        label="Client Instance",
        queryset=EcsInstance.objects.none(),
        empty_label="Select an instance",
        error_messages={"required": "Select the instance that sends the request."},
    )
    port = forms.IntegerField(
        label="Port",
        min_value=1,
        max_value=65535,
        initial=80,
        error_messages={
            "min_value": "The port must be from 1 to 65535.",
            "max_value": "The port must be from 1 to 65535.",
        },
    )
    domain = forms.ChoiceField(label="Domain name")

    def __init__(self, *args, account, endpoint, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["instance"].queryset = (
            EcsInstance.objects.for_account(account)
            .filter(region_id=endpoint.region_id)
            .order_by("name", "id")
        )
        self.fields["instance"].label_from_instance = lambda i: (
            f"{i.display_name} ({i.pk}, {i.private_ip}, {i.zone_id})"
        )
        choices = [(endpoint.domain, f"{endpoint.domain} (endpoint domain)")]
        choices += [(z.domain, f"{z.domain} ({z.zone_id})") for z in endpoint.zones.all()]
        self.fields["domain"].choices = choices


def _own(model, request, pk):
    obj = model.objects.for_account(acting_account(request)).filter(pk=pk).first()
    if obj is None:
        raise Http404(f"No {model._meta.verbose_name} {pk} in this account.")
    return obj


def endpoint_diagnose(request, pk):
    """**Diagnose**: the trace from a chosen instance to the endpoint on a chosen port."""
    account = acting_account(request)
    endpoint = _own(Endpoint, request, pk)
    data = request.GET if "instance" in request.GET else None
    form = DiagnoseForm(data, account=account, endpoint=endpoint)
    outcome = None
    if form.is_valid():
        outcome = services.diagnose(
            account=account,
            endpoint=endpoint,
            instance=form.cleaned_data["instance"],
            port=form.cleaned_data["port"],
            domain=form.cleaned_data["domain"],
        )
    context = {
        "product": "PrivateLink",
        "endpoint": endpoint,
        "form": form,
        "outcome": outcome,
        "trace": trace_rows(outcome, account),
        "connection": EndpointConnection.objects.for_consumer(account).filter(pk=pk).first(),
        "topology": mark_safe(topology.render(topology.endpoint_graph(endpoint, account))),
    }
    template = "network/partials/diagnose_result.html" if request.htmx else "network/diagnose.html"
    return render(request, template, context)


# --- pictures ---------------------------------------------------------------------------------


def _svg(graph):
    return HttpResponse(topology.render(graph, standalone=True), content_type="image/svg+xml")


def endpoint_topology(request, pk):
    return _svg(topology.endpoint_graph(_own(Endpoint, request, pk), acting_account(request)))


def service_topology(request, pk):
    service = _own(EndpointService, request, pk)
    return _svg(topology.service_graph(service, acting_account(request)))
