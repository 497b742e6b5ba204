"""PrivateLink pages: endpoint services (provider) and endpoints (consumer).

Both are generic resource views behind the activation gate. The provider reaches a
connection only through its own service (``service.connections``); the consumer only through
its own endpoint. What the provider sees of the consumer: endpoint ID, endpoint VPC ID and the
owner's UID.
"""

from django.contrib import messages
from django.db.models import Count
from django.shortcuts import render
from django.views.decorators.http import require_POST

from console import services as console_services
from console.columns import CREATED, HISTORY, STATUS
from console.generic import (
    HTMX_STOP_POLLING,
    Column,
    MemberAction,
    ResourceViews,
    Tab,
    acting_account,
    htmx_redirect,
    paginate,
    safe_next,
    writes_guarded,
)

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
    Endpoint,
    EndpointConnection,
    EndpointService,
    EndpointZone,
    ResourceType,
    load_histories,
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
@writes_guarded
def activate_view(request):
    console_services.account_activate_privatelink(account=acting_account(request))
    messages.success(request, "PrivateLink is activated.")
    return htmx_redirect(request, safe_next(request, default="privatelink:endpoints-list"))


class PrivateLinkViews(ResourceViews):
    app = "privatelink"
    product = "PrivateLink"

    stylesheet = "privatelink/partials/css.html"

    def gate(self, request):
        return activation_page(request)


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
        .prefetch_related("endpoint__zones__zone")
        .order_by("-created_at", "pk")
    )


def service_connections_tab(request, obj):
    """One page of the service's connections (the table polls; see ``console.live``)."""
    account = acting_account(request)
    pages = paginate(request, provider_connections(obj), count=obj.connections.all())
    connections = pages["page"].object_list
    load_histories(connections)
    for connection in connections:
        connection.history = connection.history_for(account)
        connection.owner_label = (
            "Current Account" if connection.account_id == account.pk else connection.account.uid
        )
    return {"connections": connections, **pages}


def service_whitelist_tab(request, obj):
    return {"entries": obj.whitelist.all(), "owner_uid": obj.account.uid}


CONNECTION_ROUTE = "connections/<str:endpoint_id>/<str:action>/"


def provider_connection(service, account, endpoint_id):
    """A connection through the provider's own service, never by a bare ID."""
    return service.connections.select_related("endpoint").filter(pk=endpoint_id).first()


def allow_form(data, call):
    form = AllowConnectionForm(data)
    if call.obj.resource_type != ResourceType.ALB:
        form.fields.pop("auto_allocate")
    return form


def denied_message(call, result):
    if result.status == EndpointConnection.Status.DISCONNECTED:
        return f"The connection request of {call.child.pk} was denied."
    return f"The connection of {call.child.pk} is being denied."


class EndpointServiceViews(PrivateLinkViews):
    model = EndpointService
    slug = "endpoint-services"
    singular = "Endpoint service"
    title = "Endpoint Service"
    create_label = "Create Endpoint Service"
    form_class = EndpointServiceForm
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

    # After OK the console shows the Endpoint Service list, where the new service's ID and
    # name appear (the generic create's default).

    member_actions = (
        MemberAction(
            name="modify",
            route="modify/",
            url_name="modify",
            service=services.endpoint_service_modify,
            kwarg="service",
            form=lambda data, call: EndpointServiceModifyForm(data),
            arguments=lambda call, data: {
                "auto_accept": data["auto_accept"] == "yes",
                "zone_affinity": data["zone_affinity"] == "yes",
                "description": data["description"],
            },
            success="The endpoint service {obj.id} is being modified.",
            template="layout/detail.html",
            form_name="modify_form",
            context=lambda call, form: {
                **service_basic_tab(call.request, call.obj),
                "tab": call.view.tabs_by_slug["basic"],
                "modify_form": form,
                "editing": True,
            },
            get_redirects=True,
            field_errors_only=True,
        ),
        MemberAction(
            name="resource-add",
            route="resources/add/",
            url_name="resource-add",
            service=services.service_resource_add,
            kwarg="service",
            form=lambda data, call: ServiceResourceAddForm(
                data,
                initial=call.initial,
                account=call.account,
                region=call.obj.region,
                service=call.obj,
            ),
            arguments=lambda call, data: {"zone": data["zone"], "instance": data["instance"]},
            success="The service resource was added.",
            back="resources",
            template="privatelink/dialog_form.html",
            context=lambda call, form: {"dialog_title": "Add Service Resource"},
        ),
        MemberAction(
            name="resource-remove",
            route="resources/<int:resource_id>/remove/",
            url_name="resource-remove",
            service=services.service_resource_remove,
            kwarg="service",
            child=lambda service, account, resource_id: service.resources.filter(
                pk=resource_id
            ).first(),
            child_kwarg="resource",
            success="The service resource in {child.zone.name} was removed.",
            back="resources",
        ),
        MemberAction(
            name="whitelist-add",
            route="whitelist/add/",
            url_name="whitelist-add",
            service=services.whitelist_add,
            kwarg="service",
            form=lambda data, call: WhitelistAddForm(data),
            success=lambda call, added: (
                f"{len(added)} account{'s' if len(added) != 1 else ''} added to the whitelist."
                if added
                else "Those accounts are already in the whitelist."
            ),
            back="whitelist",
            template="privatelink/dialog_form.html",
            context=lambda call, form: {"dialog_title": "Add Whitelist Account"},
        ),
        MemberAction(
            name="whitelist-remove",
            route="whitelist/<int:entry_id>/remove/",
            url_name="whitelist-remove",
            service=services.whitelist_remove,
            kwarg="service",
            child=lambda service, account, entry_id: service.whitelist.filter(pk=entry_id).first(),
            child_kwarg="entry",
            success=(
                "The account {child.uid} was removed from the whitelist. It can no longer "
                "create endpoints of this service; its existing connections stay as they are."
            ),
            back="whitelist",
        ),
        *(
            MemberAction(
                route=CONNECTION_ROUTE,
                url_name="connection-action",
                kwarg="service",
                child=provider_connection,
                child_kwarg="connection",
                back="connections",
                **options,
            )
            for options in (
                {
                    "name": "allow",
                    "label": "Allow",
                    "service": services.connection_allow,
                    "form": allow_form,
                    "arguments": lambda call, data: {
                        "auto_allocate": bool(data.get("auto_allocate"))
                        and call.obj.resource_type == ResourceType.ALB
                    },
                    "success": "The connection of {child.pk} is being allowed.",
                    "template": "privatelink/connection_allow.html",
                    "context": lambda call, form: {"connection": call.child},
                    "field_errors_only": True,
                    "transition": "allow",
                },
                {
                    "name": "deny",
                    "label": "Deny",
                    "service": services.connection_deny,
                    "success": denied_message,
                },
                {
                    "name": "bandwidth",
                    "label": "Change Bandwidth",
                    "service": services.connection_change_bandwidth,
                    "form": lambda data, call: BandwidthForm(
                        data, service=call.obj, initial={"bandwidth": call.child.bandwidth}
                    ),
                    "success": "The bandwidth of the connection of {child.pk} is changing.",
                    "template": "privatelink/dialog_form.html",
                    "context": lambda call, form: {
                        "dialog_title": "Change Bandwidth",
                        "dialog_intro": f"Endpoint {call.child.pk}: connection bandwidth in Mbps.",
                    },
                    "field_errors_only": True,
                    "transition": "change_bandwidth",
                },
            )
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


# --- endpoints (consumer) -------------------------------------------------------------------


def endpoint_zones_tab(request, obj):
    return {"zones": obj.zones.select_related("zone", "vswitch")}


def endpoint_groups_tab(request, obj):
    form = SecurityGroupAttachForm(account=acting_account(request), region=obj.region, endpoint=obj)
    return {"groups": obj.security_groups.all(), "attach_form": form}


def endpoint_connection_tab(request, obj):
    connection = (
        EndpointConnection.objects.for_consumer(acting_account(request)).filter(pk=obj.pk).first()
    )
    history = connection.history_for(acting_account(request)) if connection else []
    return {"connection": connection, "history": history}


class EndpointViews(PrivateLinkViews):
    model = Endpoint
    slug = "endpoints"
    singular = "Endpoint"
    title = "Endpoints"
    create_label = "Create Endpoint"
    form_class = EndpointForm
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
        connection = (
            EndpointConnection.objects.for_consumer(acting_account(request))
            .filter(pk=obj.pk)
            .first()
        )
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

    member_actions = (
        MemberAction(
            name="zone-add",
            route="zones/add/",
            url_name="zone-add",
            service=services.endpoint_add_zone,
            kwarg="endpoint",
            form=lambda data, call: EndpointZoneAddForm(
                data,
                initial=call.initial,
                endpoint=call.obj,
                account=call.account,
                region=call.obj.region,
            ),
            arguments=lambda call, data: {"zone": data["zone"], "vswitch": data["vswitch"]},
            success="The zone is being added.",
            back="zones",
            template="privatelink/dialog_form.html",
            context=lambda call, form: {"dialog_title": "Add Zone"},
        ),
        MemberAction(
            name="zone-remove",
            route="zones/<int:zone_id>/remove/",
            url_name="zone-remove",
            service=services.endpoint_remove_zone,
            kwarg="endpoint",
            child=lambda endpoint, account, zone_id: endpoint.zones.filter(pk=zone_id).first(),
            child_kwarg="endpoint_zone",
            success="The zone {child.zone_id} is being removed.",
            back="zones",
        ),
        MemberAction(
            name="group-attach",
            route="security-groups/attach/",
            url_name="group-attach",
            service=services.endpoint_attach_security_group,
            kwarg="endpoint",
            form=lambda data, call: SecurityGroupAttachForm(
                data, account=call.account, region=call.obj.region, endpoint=call.obj
            ),
            arguments=lambda call, data: {"group": data["group"]},
            invalid="Choose a security group of the endpoint's VPC.",
            success="The security group is being attached.",
            back="security-groups",
        ),
        MemberAction(
            name="group-detach",
            route="security-groups/<str:group_id>/detach/",
            url_name="group-detach",
            service=services.endpoint_detach_security_group,
            kwarg="endpoint",
            child=lambda endpoint, account, group_id: endpoint.security_groups.filter(
                pk=group_id
            ).first(),
            child_kwarg="group",
            success="The security group {child.id} is being detached.",
            back="security-groups",
        ),
    )


endpoint_services = EndpointServiceViews()
endpoints = EndpointViews()
RESOURCES = (endpoints, endpoint_services)
