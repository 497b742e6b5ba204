"""PrivateLink pages: endpoint services (provider) and endpoints (consumer).

Both are generic resource views behind the activation gate. The provider reaches a
connection only through its own service (``service.connections``); the consumer only through
its own endpoint. What the provider sees of the consumer: endpoint ID, endpoint VPC ID and the
owner's UID.
"""

from django.contrib import messages
from django.db.models import Count, Prefetch
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from console import services as console_services
from console.errors import ConsoleError
from console.generic import (
    HTMX_STOP_POLLING,
    Column,
    ResourceViews,
    Tab,
    acting_account,
    ensure_writable,
    form_error_from,
    htmx_redirect,
    initial_from,
    paginate,
)
from console.views import CREATED, HISTORY, STATUS

from . import services
from .forms import (
    AllowConnectionForm,
    BandwidthForm,
    EndpointForm,
    EndpointServiceForm,
    EndpointServiceModifyForm,
    EndpointZoneAddForm,
    SecurityGroupAttachForm,
    ServiceResourceAddForm,
    WhitelistAddForm,
)
from .models import (
    ConnectionEvent,
    Endpoint,
    EndpointConnection,
    EndpointService,
    EndpointZone,
    ResourceType,
)

ACTIONS = Column("Actions", template="layout/partials/actions_cell.html")


def activation_page(request):
    """Until the acting account activates PrivateLink, its PrivateLink pages show this."""
    account = acting_account(request)
    if account is None or account.privatelink_activated:
        return None
    return render(
        request,
        "privatelink/activate.html",
        {"product": "PrivateLink", "next": request.get_full_path()},
    )


@require_POST
def activate_view(request):
    ensure_writable(request)
    console_services.account_activate_privatelink(account=acting_account(request))
    messages.success(request, "PrivateLink is activated.")
    target = request.POST.get("next") or reverse("privatelink:endpoints-list")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = reverse("privatelink:endpoints-list")
    return htmx_redirect(request, target)


class PrivateLinkViews(ResourceViews):
    app = "privatelink"
    product = "PrivateLink"

    form_body_template = "layout/partials/form_body.html"

    def gate(self, request):
        return activation_page(request)

    def create_view(self, request):
        if request.method != "POST" and request.htmx and request.GET.get("fragment") == "form":
            # A dependent field changed or a row was added: re-render the rows form, no errors.
            form = self.form_class(initial=initial_from(request.GET), **self.form_kwargs(request))
            return render(request, self.form_body_template, self.base_context(request, form=form))
        return super().create_view(request)


def connection_history(connection, account):
    return [(event, event.actor_for(account)) for event in connection.events.all()]


EVENTS_PREFETCH = Prefetch(
    "events", queryset=ConnectionEvent.objects.select_related("actor", "actor_account")
)


# --- endpoint services (provider) ----------------------------------------------------------


def service_basic_tab(request, obj):
    form = EndpointServiceModifyForm(
        initial={
            "auto_accept": "yes" if obj.auto_accept else "no",
            "zone_affinity": "yes" if obj.zone_affinity else "no",
            "description": obj.description,
        }
    )
    return {"modify_form": form, "resources": obj.resources.select_related("zone")}


def service_resources_tab(request, obj):
    counts = dict(
        EndpointZone.objects.filter(endpoint__connection__service=obj)
        .values("zone_id")
        .annotate(n=Count("endpoint", distinct=True))
        .values_list("zone_id", "n")
    )
    resources = list(obj.resources.select_related("zone"))
    for resource in resources:
        resource.endpoint_count = counts.get(resource.zone_id, 0)
    return {"resources": resources}


def provider_connections(service):
    return (
        service.connections.select_related("endpoint", "account")
        .prefetch_related("endpoint__zones__zone", EVENTS_PREFETCH)
        .order_by("-created_at", "pk")
    )


def service_connections_tab(request, obj):
    """One page of the service's connections (the table polls; see ``console.live``)."""
    account = acting_account(request)
    pages = paginate(request, provider_connections(obj), count=obj.connections.all())
    connections = pages["page"].object_list
    for connection in connections:
        connection.history = connection_history(connection, account)
        connection.owner_label = (
            "Current Account" if connection.account_id == account.pk else connection.account.uid
        )
    return {"connections": connections, **pages}


def service_whitelist_tab(request, obj):
    return {"entries": obj.whitelist.all(), "owner_uid": obj.account.uid}


class EndpointServiceViews(PrivateLinkViews):
    model = EndpointService
    slug = "endpoint-services"
    singular = "Endpoint service"
    title = "Endpoint Service"
    create_label = "Create Endpoint Service"
    form_class = EndpointServiceForm
    form_template = "privatelink/endpoint_service_form.html"
    form_body_template = "privatelink/partials/service_form_body.html"
    search_fields = ("id", "service_name", "description")
    columns = (
        Column("Service ID/Name", template="privatelink/partials/service_id_cell.html"),
        Column("Service Resource Type", "get_resource_type_display"),
        Column("Service Domain", "service_domain"),
        STATUS,
        Column(
            "Automatically Accept Endpoint Connections",
            lambda s: "Yes" if s.auto_accept else "No",
        ),
        Column("Zone Affinity", lambda s: "Yes" if s.zone_affinity else "No"),
        CREATED,
        ACTIONS,
    )
    tabs = (
        Tab(
            "basic",
            "Basic information",
            "privatelink/partials/service_basic.html",
            service_basic_tab,
        ),
        Tab(
            "resources",
            "Service Resources",
            "privatelink/partials/service_resources.html",
            service_resources_tab,
        ),
        Tab(
            "connections",
            "Endpoint Connections",
            "privatelink/partials/service_connections.html",
            service_connections_tab,
        ),
        Tab(
            "whitelist",
            "Service Whitelist",
            "privatelink/partials/service_whitelist.html",
            service_whitelist_tab,
        ),
        HISTORY,
    )
    delete_service = staticmethod(services.endpoint_service_delete)
    delete_kwarg = "service"

    def perform_create(self, request, form):
        data = form.cleaned_data
        return services.endpoint_service_create(
            account=acting_account(request),
            actor=request.user,
            region=request.region,
            resource_type=data["resource_type"],
            resources=data["resources"],
            auto_accept=data["auto_accept"],
            zone_affinity=data["zone_affinity"],
            description=data["description"],
        )

    def created_url(self, request, obj):
        return self.url("detail", obj)

    member_routes = (
        ("modify/", "modify_view", "modify"),
        ("resources/add/", "resource_add_view", "resource-add"),
        ("resources/<int:resource_id>/remove/", "resource_remove_view", "resource-remove"),
        ("whitelist/add/", "whitelist_add_view", "whitelist-add"),
        ("whitelist/<int:entry_id>/remove/", "whitelist_remove_view", "whitelist-remove"),
        (
            "connections/<str:endpoint_id>/<str:action>/",
            "connection_action_view",
            "connection-action",
        ),
    )

    def tab_url(self, obj, tab):
        return self.url("tab", obj, tab=tab)

    def detail_view(self, request, pk, tab=None):
        if request.htmx and request.GET.get("fragment") == "connections":
            return self.connections_fragment(request, pk)
        return super().detail_view(request, pk, tab)

    def connections_fragment(self, request, pk):
        """The polled connections table (an unchanged poll never gets here: ``console.live``)."""
        service = self.get_object(request, pk)
        context = self.base_context(request, obj=service)
        context.update(service_connections_tab(request, service))
        return render(request, "privatelink/partials/connections_table.html", context)

    # --- Basic information: in-place edits -------------------------------------------------

    def modify_view(self, request, pk):
        service = self.get_object(request, pk)
        if request.method != "POST":
            return redirect(self.url("detail", service))
        ensure_writable(request)
        form = EndpointServiceModifyForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.endpoint_service_modify(
                    account=acting_account(request),
                    actor=request.user,
                    service=service,
                    auto_accept=data["auto_accept"] == "yes",
                    zone_affinity=data["zone_affinity"] == "yes",
                    description=data["description"],
                )
            except ConsoleError as error:
                messages.error(request, error.message)
            else:
                messages.success(request, f"The endpoint service {service.id} is being modified.")
                return htmx_redirect(request, self.url("detail", service))
        else:
            context = self.base_context(request, obj=service, tab=self.tabs_by_slug["basic"])
            context.update(service_basic_tab(request, service), modify_form=form, editing=True)
            return render(request, self.detail_template, context)
        return htmx_redirect(request, self.url("detail", service))

    # --- Service Resources -------------------------------------------------------------------

    def resource_add_view(self, request, pk):
        service = self.get_object(request, pk)
        kwargs = {"account": acting_account(request), "region": service.region, "service": service}
        if request.method == "POST":
            ensure_writable(request)
            form = ServiceResourceAddForm(request.POST, **kwargs)
            if form.is_valid():
                try:
                    services.service_resource_add(
                        account=acting_account(request),
                        actor=request.user,
                        service=service,
                        zone=form.cleaned_data["zone"],
                        instance=form.cleaned_data["instance"],
                    )
                except ConsoleError as error:
                    form_error_from(form, error)
                else:
                    messages.success(request, "The service resource was added.")
                    return htmx_redirect(request, self.tab_url(service, "resources"))
        else:
            form = ServiceResourceAddForm(initial=request.GET.dict(), **kwargs)
            if request.htmx and request.GET.get("fragment") == "form":
                return render(
                    request, "layout/partials/form_body.html", self.base_context(request, form=form)
                )
        context = self.base_context(
            request,
            obj=service,
            form=form,
            dialog_title="Add Service Resource",
            back=self.tab_url(service, "resources"),
        )
        return render(request, "privatelink/dialog_form.html", context)

    def resource_remove_view(self, request, pk, resource_id):
        service = self.get_object(request, pk)
        resource = service.resources.filter(pk=resource_id).first()
        if resource is None:
            raise Http404("No such service resource.")
        if request.method != "POST":
            return HttpResponse(status=405)
        ensure_writable(request)
        try:
            services.service_resource_remove(
                account=acting_account(request),
                actor=request.user,
                service=service,
                resource=resource,
            )
        except ConsoleError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, f"The service resource in {resource.zone.name} was removed.")
        return htmx_redirect(request, self.tab_url(service, "resources"))

    # --- Service Whitelist -------------------------------------------------------------------

    def whitelist_add_view(self, request, pk):
        service = self.get_object(request, pk)
        form = WhitelistAddForm(request.POST or None)
        if request.method == "POST":
            ensure_writable(request)
            if form.is_valid():
                try:
                    added = services.whitelist_add(
                        account=acting_account(request),
                        actor=request.user,
                        service=service,
                        uids=form.cleaned_data["uids"],
                    )
                except ConsoleError as error:
                    form.add_error("uids", error.message)
                else:
                    count = len(added)
                    messages.success(
                        request,
                        f"{count} account{'s' if count != 1 else ''} added to the whitelist."
                        if count
                        else "Those accounts are already in the whitelist.",
                    )
                    return htmx_redirect(request, self.tab_url(service, "whitelist"))
        context = self.base_context(
            request,
            obj=service,
            form=form,
            dialog_title="Add Whitelist Account",
            back=self.tab_url(service, "whitelist"),
        )
        return render(request, "privatelink/dialog_form.html", context)

    def whitelist_remove_view(self, request, pk, entry_id):
        service = self.get_object(request, pk)
        entry = service.whitelist.filter(pk=entry_id).first()
        if entry is None:
            raise Http404("No such whitelist entry.")
        if request.method != "POST":
            return HttpResponse(status=405)
        ensure_writable(request)
        try:
            services.whitelist_remove(
                account=acting_account(request), actor=request.user, service=service, entry=entry
            )
        except ConsoleError as error:
            messages.error(request, error.message)
        else:
            messages.success(
                request,
                f"The account {entry.uid} was removed from the whitelist. It can no longer "
                "create endpoints of this service; its existing connections stay as they are.",
            )
        return htmx_redirect(request, self.tab_url(service, "whitelist"))

    # --- Endpoint Connections ----------------------------------------------------------------

    def connection_action_view(self, request, pk, endpoint_id, action):
        service = self.get_object(request, pk)
        # Through the provider's own service, never by a bare ID.
        connection = service.connections.select_related("endpoint").filter(pk=endpoint_id).first()
        if connection is None or action not in ("allow", "deny", "bandwidth"):
            raise Http404("No such endpoint connection.")
        back = self.tab_url(service, "connections")
        account = acting_account(request)
        if action == "allow":
            form = AllowConnectionForm(request.POST or None)
            if request.method == "POST":
                ensure_writable(request)
                auto_allocate = (
                    service.resource_type == ResourceType.ALB
                    and request.POST.get("auto_allocate") == "on"
                )
                try:
                    services.connection_allow(
                        account=account,
                        actor=request.user,
                        service=service,
                        connection=connection,
                        auto_allocate=auto_allocate,
                    )
                except ConsoleError as error:
                    messages.error(request, error.message)
                else:
                    messages.success(request, f"The connection of {endpoint_id} is being allowed.")
                return htmx_redirect(request, back)
            if service.resource_type != ResourceType.ALB:
                form.fields.pop("auto_allocate")
            return render(
                request,
                "privatelink/connection_allow.html",
                self.base_context(
                    request, obj=service, connection=connection, form=form, back=back
                ),
            )
        if action == "deny":
            if request.method != "POST":
                return HttpResponse(status=405)
            ensure_writable(request)
            try:
                result = services.connection_deny(
                    account=account, actor=request.user, service=service, connection=connection
                )
            except ConsoleError as error:
                messages.error(request, error.message)
            else:
                if result.status == EndpointConnection.Status.DISCONNECTED:
                    messages.success(
                        request, f"The connection request of {endpoint_id} was denied."
                    )
                else:
                    messages.success(request, f"The connection of {endpoint_id} is being denied.")
            return htmx_redirect(request, back)
        form = BandwidthForm(
            request.POST or None, service=service, initial={"bandwidth": connection.bandwidth}
        )
        if request.method == "POST":
            ensure_writable(request)
            if form.is_valid():
                try:
                    services.connection_change_bandwidth(
                        account=account,
                        actor=request.user,
                        service=service,
                        connection=connection,
                        bandwidth=form.cleaned_data["bandwidth"],
                    )
                except ConsoleError as error:
                    if error.field == "bandwidth":
                        form.add_error("bandwidth", error.message)
                    else:
                        messages.error(request, error.message)
                        return htmx_redirect(request, back)
                else:
                    messages.success(
                        request, f"The bandwidth of the connection of {endpoint_id} is changing."
                    )
                    return htmx_redirect(request, back)
        context = self.base_context(
            request,
            obj=service,
            form=form,
            dialog_title="Change Bandwidth",
            dialog_intro=f"Endpoint {endpoint_id}: connection bandwidth in Mbps.",
            back=back,
        )
        return render(request, "privatelink/dialog_form.html", context)


# --- endpoints (consumer) -------------------------------------------------------------------


def endpoint_zones_tab(request, obj):
    return {"zones": obj.zones.select_related("zone", "vswitch")}


def endpoint_groups_tab(request, obj):
    form = SecurityGroupAttachForm(account=acting_account(request), region=obj.region, endpoint=obj)
    return {"groups": obj.security_groups.all(), "attach_form": form}


def endpoint_connection_tab(request, obj):
    connection = (
        EndpointConnection.objects.for_consumer(acting_account(request))
        .filter(pk=obj.pk)
        .prefetch_related(EVENTS_PREFETCH)
        .first()
    )
    history = connection_history(connection, acting_account(request)) if connection else []
    return {"connection": connection, "history": history}


class EndpointViews(PrivateLinkViews):
    model = Endpoint
    slug = "endpoints"
    singular = "Endpoint"
    title = "Endpoints"
    create_label = "Create Endpoint"
    form_class = EndpointForm
    form_template = "privatelink/endpoint_form.html"
    form_body_template = "privatelink/partials/endpoint_form_body.html"
    detail_template = "privatelink/endpoint_detail.html"
    search_fields = ("id", "name", "domain", "service_name")
    list_select_related = ("connection",)

    def polls(self, obj):
        # The Connection Status column changes when the provider acts, too.
        connection = getattr(obj, "connection", None)
        return obj.is_transitional or bool(connection and connection.awaits_change)

    columns = (
        Column("Endpoint ID/Name", link=True),
        Column("VPC", "vpc_id"),
        Column("Endpoint Service", template="privatelink/partials/endpoint_service_cell.html"),
        Column("Endpoint Type", "get_endpoint_type_display"),
        STATUS,
        Column("Connection Status", template="privatelink/partials/connection_status_cell.html"),
        Column("Domain name", template="privatelink/partials/domain_cell.html"),
        CREATED,
        ACTIONS,
    )
    tabs = (
        Tab("basic", "Basic information", "privatelink/partials/endpoint_basic.html"),
        Tab(
            "zones",
            "Zones and ENIs",
            "privatelink/partials/endpoint_zones.html",
            endpoint_zones_tab,
        ),
        Tab(
            "security-groups",
            "Security Groups",
            "privatelink/partials/endpoint_groups.html",
            endpoint_groups_tab,
        ),
        Tab(
            "connection",
            "Endpoint Connections",
            "privatelink/partials/endpoint_connection.html",
            endpoint_connection_tab,
        ),
        HISTORY,
    )
    delete_service = staticmethod(services.endpoint_delete)
    delete_kwarg = "endpoint"

    def perform_create(self, request, form):
        data = form.cleaned_data
        return services.endpoint_create(
            account=acting_account(request),
            actor=request.user,
            region=request.region,
            name=data["name"],
            endpoint_type=data["endpoint_type"],
            service=data["service"],
            vpc=data["vpc"],
            security_groups=data["security_groups"],
            zones=data["zones"],
            description=data["description"],
        )

    def created_url(self, request, obj):
        return self.url("detail", obj)

    def detail_context(self, request, obj):
        connection = getattr(obj, "_connection_cache", None)
        if connection is None:
            connection = EndpointConnection.objects.filter(pk=obj.pk).first()
        return {"connection": connection, "zones_summary": obj.zones.select_related("zone")}

    def detail_view(self, request, pk, tab=None):
        if request.htmx and request.GET.get("fragment") == "connection":
            return self.connection_fragment(request, pk)
        return super().detail_view(request, pk, tab)

    def connection_fragment(self, request, pk):
        """The consumer's polled connection status. It polls as long as there is a connection:
        the provider may Allow, Deny or change the bandwidth at any time, and an unchanged
        poll costs nothing (``console.live``)."""
        endpoint = self.get_object(request, pk)
        connection = EndpointConnection.objects.for_consumer(acting_account(request)).filter(
            pk=endpoint.pk
        )
        connection = connection.first()
        context = self.base_context(
            request,
            obj=endpoint,
            connection=connection,
            zones_summary=endpoint.zones.select_related("zone"),
        )
        response = render(request, "privatelink/partials/connection_strip.html", context)
        if connection is None:
            response.status_code = HTMX_STOP_POLLING
        return response

    member_routes = (
        ("zones/add/", "zone_add_view", "zone-add"),
        ("zones/<int:zone_id>/remove/", "zone_remove_view", "zone-remove"),
        ("security-groups/attach/", "group_attach_view", "group-attach"),
        ("security-groups/<str:group_id>/detach/", "group_detach_view", "group-detach"),
    )

    def zone_add_view(self, request, pk):
        endpoint = self.get_object(request, pk)
        kwargs = {"account": acting_account(request), "region": endpoint.region}
        if request.method == "POST":
            ensure_writable(request)
            form = EndpointZoneAddForm(request.POST, endpoint=endpoint, **kwargs)
            if form.is_valid():
                try:
                    services.endpoint_add_zone(
                        account=acting_account(request),
                        actor=request.user,
                        endpoint=endpoint,
                        zone=form.cleaned_data["zone"],
                        vswitch=form.cleaned_data["vswitch"],
                    )
                except ConsoleError as error:
                    form_error_from(form, error)
                else:
                    messages.success(request, "The zone is being added.")
                    return htmx_redirect(request, self.url("tab", endpoint, tab="zones"))
        else:
            form = EndpointZoneAddForm(initial=request.GET.dict(), endpoint=endpoint, **kwargs)
            if request.htmx and request.GET.get("fragment") == "form":
                return render(
                    request, "layout/partials/form_body.html", self.base_context(request, form=form)
                )
        context = self.base_context(
            request,
            obj=endpoint,
            form=form,
            dialog_title="Add Zone",
            back=self.url("tab", endpoint, tab="zones"),
        )
        return render(request, "privatelink/dialog_form.html", context)

    def zone_remove_view(self, request, pk, zone_id):
        endpoint = self.get_object(request, pk)
        row = endpoint.zones.filter(pk=zone_id).first()
        if row is None:
            raise Http404("No such zone.")
        if request.method != "POST":
            return HttpResponse(status=405)
        ensure_writable(request)
        try:
            services.endpoint_remove_zone(
                account=acting_account(request),
                actor=request.user,
                endpoint=endpoint,
                endpoint_zone=row,
            )
        except ConsoleError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, f"The zone {row.zone_id} is being removed.")
        return htmx_redirect(request, self.url("tab", endpoint, tab="zones"))

    def group_attach_view(self, request, pk):
        endpoint = self.get_object(request, pk)
        if request.method != "POST":
            return HttpResponse(status=405)
        ensure_writable(request)
        form = SecurityGroupAttachForm(
            request.POST, account=acting_account(request), region=endpoint.region, endpoint=endpoint
        )
        if form.is_valid():
            try:
                services.endpoint_attach_security_group(
                    account=acting_account(request),
                    actor=request.user,
                    endpoint=endpoint,
                    group=form.cleaned_data["group"],
                )
            except ConsoleError as error:
                messages.error(request, error.message)
            else:
                messages.success(request, "The security group is being attached.")
        else:
            messages.error(request, "Choose a security group of the endpoint's VPC.")
        return htmx_redirect(request, self.url("tab", endpoint, tab="security-groups"))

    def group_detach_view(self, request, pk, group_id):
        endpoint = self.get_object(request, pk)
        group = endpoint.security_groups.filter(pk=group_id).first()
        if group is None:
            raise Http404("No such security group.")
        if request.method != "POST":
            return HttpResponse(status=405)
        ensure_writable(request)
        try:
            services.endpoint_detach_security_group(
                account=acting_account(request), actor=request.user, endpoint=endpoint, group=group
            )
        except ConsoleError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, f"The security group {group.id} is being detached.")
        return htmx_redirect(request, self.url("tab", endpoint, tab="security-groups"))


endpoint_services = EndpointServiceViews()
endpoints = EndpointViews()
RESOURCES = (endpoints, endpoint_services)
