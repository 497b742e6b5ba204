"""CLB and ALB pages: the generic resource views, configured, plus the listener wizards."""

from django.contrib import messages
from django.db.models import Count
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse

from console import validators as console_validators
from console.columns import CREATED, HISTORY, STATUS
from console.errors import ConsoleError
from console.generic import (
    Column,
    MemberAction,
    ResourceViews,
    Tab,
    acting_account,
    paginate,
)
from console.models import EcsInstance

from . import selectors, services, validators
from .forms import (
    AddBackendsForm,
    AlbInstanceForm,
    AlbListenerForm,
    AlbServerGroupPickForm,
    ClbHealthCheckForm,
    ClbInstanceForm,
    ClbListenerProtocolForm,
    ServerGroupForm,
)
from .models import (
    AlbBackend,
    AlbInstance,
    AlbListener,
    AlbServerGroup,
    ClbInstance,
    ClbListener,
)
from .wizard import WizardState


def listener_actions(model, parent, route, services_by_name):
    """Start, Stop and Delete of a listener, found through its load balancer."""

    def listener(lb, account, listener_id):
        return model.objects.for_account(account).filter(**{parent: lb, "pk": listener_id}).first()

    return tuple(
        MemberAction(
            name=name,
            label=label,
            route=route,
            url_name="listener-action",
            service=service,
            kwarg=None,
            child=listener,
            child_kwarg="listener",
            success=success,
            back="listeners",
        )
        for name, label, service, success in services_by_name
    )


class ListenerWizard:
    """The listener wizard of a load balancer, as configuration: one shape for CLB and ALB.

    Steps are methods ``step_<slug>`` (``step_finished`` for ``done``); ``wizard_needs`` says
    which steps must be done before a step opens (a skipped step redirects back to it);
    ``wizard_substeps`` map a page to the step the progress bar shows as current. State lives
    in the session (``WizardState``) until the last Submit.
    """

    wizard_kind = ""
    wizard_steps = ()  # (slug, title) of the progress bar, in order
    wizard_substeps = {}
    wizard_needs = {}
    wizard_template = ""
    # Pages that open as a side panel over their step under htmx (**My Servers**).
    wizard_panel_steps = ()

    def wizard_exit(self, lb):
        raise NotImplementedError

    def wizard_url(self, lb, wizard, step):
        return reverse(
            f"{self.app}:{self.slug}-listener-wizard",
            kwargs={"pk": lb.pk, "token": wizard.token, "step": step},
        )

    def wizard_start_view(self, request, pk):
        lb = self.get_object(request, pk)
        if not lb.is_active:
            messages.error(
                request, f"The {self.singular} {lb.id} is {lb.status}; wait until it is Active."
            )
            return redirect(self.wizard_exit(lb))
        wizard = WizardState.start(request, self.wizard_kind, lb.pk)
        return redirect(self.wizard_url(lb, wizard, self.wizard_steps[0][0]))

    def step_handler(self, step):
        if step == "done":
            return self.step_finished
        known = {slug for slug, _ in self.wizard_steps} | set(self.wizard_substeps)
        if step not in known:
            raise Http404("No such step.")
        return getattr(self, "step_" + step.replace("-", "_"))

    def wizard_view(self, request, pk, token, step):
        lb = self.get_object(request, pk)
        wizard = WizardState.load(request, self.wizard_kind, lb.pk, token)
        if wizard is None:
            messages.error(request, "This listener wizard has expired. Start again.")
            return redirect(self.wizard_exit(lb))
        handler = self.step_handler(step)
        if wizard.done and step != "done":
            return redirect(self.wizard_url(lb, wizard, "done"))
        missing = next(
            (name for name in self.wizard_needs.get(step, ()) if not self.step_done(wizard, name)),
            None,
        )
        if missing:
            return redirect(self.wizard_url(lb, wizard, missing))
        return handler(request, lb, wizard)

    def step_done(self, wizard, name):
        return bool(wizard.get(name))

    def render_step(self, request, lb, wizard, step, **context):
        current = self.wizard_substeps.get(step, step)
        context.update(
            resource=self,
            product=self.product,
            obj=lb,
            wizard=wizard,
            step=step,
            steps=[
                {"slug": slug, "title": title, "current": slug == current, "number": n}
                for n, (slug, title) in enumerate(self.wizard_steps, start=1)
            ],
            data=wizard.data,
            step_url=lambda s: self.wizard_url(lb, wizard, s),
            panel=bool(request.htmx) and step in self.wizard_panel_steps,
        )
        for slug in [s for s, _ in self.wizard_steps] + list(self.wizard_substeps):
            context[f"url_{slug.replace('-', '_')}"] = self.wizard_url(lb, wizard, slug)
        return render(request, self.wizard_template, context)


# --- CLB -----------------------------------------------------------------------------------

clb_listener_services = (
    ("start", "Start", services.clb_listener_start, "The listener {child} was started."),
    ("stop", "Stop", services.clb_listener_stop, "The listener {child} was stopped."),
    ("delete", "Delete", services.clb_listener_delete, "The listener {child} was deleted."),
)


def clb_listeners_tab(request, obj):
    return {"listeners": selectors.clb_listeners(clb=obj)}


def clb_servers_tab(request, obj):
    pages = paginate(request, selectors.clb_backends(clb=obj))
    return {"backends": pages["page"].object_list, **pages}


CLB_WIZARD_STEPS = [
    ("protocol", "Protocol and Listener"),
    ("servers", "Backend Servers"),
    ("health", "Health Check"),
    ("confirm", "Confirm"),
]
CLB_SUBSTEPS = {"my-servers": "servers", "weights": "servers", "done": "confirm"}


class ClbInstanceViews(ListenerWizard, ResourceViews):
    model = ClbInstance
    app = "loadbalancer"
    slug = "clb-instances"
    singular = "CLB instance"
    title = "CLB Instances"
    product = "Server Load Balancer"
    form_title = "Server Load Balancer"
    create_label = "Create CLB"
    submit_label = "Buy Now"
    form_class = ClbInstanceForm
    search_fields = ("id", "name", "address")
    list_select_related = ("zone", "backup_zone", "vpc")
    list_prefetch = ("listeners__backends",)
    columns = (
        Column("Instance ID/Name", link=True),
        Column("Service Address", "address"),
        Column("Network Type", template="loadbalancer/partials/clb_network_cell.html"),
        Column("Address Type", "get_address_type_display"),
        STATUS,
        Column(
            "Port/Health Check/Backend Server",
            template="loadbalancer/partials/clb_health_cell.html",
        ),
        Column("Specification", "get_specification_display"),
        Column("Billing Method", "get_billing_method_display"),
        Column("Zone", template="loadbalancer/partials/clb_zone_cell.html"),
        Column("Actions", template="loadbalancer/partials/clb_actions_cell.html"),
    )
    tabs = (
        Tab("basic", "Basic information", "loadbalancer/partials/clb_basic.html"),
        Tab(
            "listeners", "Listeners", "loadbalancer/partials/clb_listeners.html", clb_listeners_tab
        ),
        Tab(
            "servers",
            "Default Server Group",
            "loadbalancer/partials/clb_servers.html",
            clb_servers_tab,
        ),
        HISTORY,
    )
    delete_service = staticmethod(services.clb_delete)

    def polls(self, obj):
        """The row follows its listeners' health as long as a health check runs (a stopped
        backend turns Abnormal on an open list); an unchanged poll costs nothing."""
        return obj.is_transitional or any(listener.is_checking for listener in obj.listeners.all())

    def perform_create(self, request, form):
        data = dict(form.cleaned_data)
        return services.clb_create(account=acting_account(request), actor=request.user, **data)

    member_routes = (
        ("listeners/create/", "wizard_start_view", "listener-create", True),
        ("listeners/wizard/<str:token>/<str:step>/", "wizard_view", "listener-wizard"),
    )
    member_actions = listener_actions(
        ClbListener, "clb", "listeners/<int:listener_id>/<str:action>/", clb_listener_services
    )

    # --- the four-step wizard ------------------------------------------------------------

    wizard_kind = "clb-listener"
    wizard_steps = CLB_WIZARD_STEPS
    wizard_substeps = CLB_SUBSTEPS
    wizard_needs = {
        "servers": ["protocol"],
        "my-servers": ["protocol"],
        "weights": ["protocol"],
        "health": ["protocol", "servers"],
        "confirm": ["protocol", "servers", "health"],
    }
    wizard_template = "loadbalancer/clb_wizard.html"
    wizard_panel_steps = ("my-servers", "weights")

    def wizard_exit(self, clb):
        return self.url("list")

    def step_done(self, wizard, name):
        if name == "servers":
            return bool(wizard.get("servers") and wizard.get("servers_done"))
        return super().step_done(wizard, name)

    def step_protocol(self, request, clb, wizard):
        form = ClbListenerProtocolForm(
            request.POST if request.method == "POST" else None,
            initial=wizard.get("protocol") or {"protocol": "TCP"},
            clb=clb,
        )
        if request.method == "POST" and form.is_valid():
            wizard.set("protocol", form.cleaned_data)
            return redirect(self.wizard_url(clb, wizard, "servers"))
        return self.render_step(request, clb, wizard, "protocol", form=form)

    def step_servers(self, request, clb, wizard):
        servers = wizard.get("servers", [])
        errors = {}
        if request.method == "POST":
            for server in servers:
                # A re-post may omit a row's port: keep the one already entered (text or number).
                server["port"] = str(
                    request.POST.get(f"port_{server['id']}", server["port"])
                ).strip()
            action = request.POST.get("action", "next")
            if action.startswith("remove:"):
                servers = [s for s in servers if s["id"] != action.split(":", 1)[1]]
                wizard.set("servers", servers)
                return redirect(self.wizard_url(clb, wizard, "servers"))
            wizard.set("servers", servers)
            if action == "add":
                return redirect(self.wizard_url(clb, wizard, "my-servers"))
            for server in servers:
                try:
                    server["port"] = console_validators.port(server["port"])
                except ConsoleError as error:
                    errors[server["id"]] = error.message
            if not servers:
                errors["servers"] = "Add at least one server: click Add More."
            if not errors:
                wizard.data["servers_done"] = True
                wizard.set("servers", servers)
                return redirect(self.wizard_url(clb, wizard, "health"))
            wizard.data["servers_done"] = False
            wizard.save()
        rows = [(s, errors.get(s["id"])) for s in servers]
        return self.render_step(request, clb, wizard, "servers", rows=rows, errors=errors)

    def candidate_instances(self, request, clb):
        return (
            EcsInstance.objects.for_account(acting_account(request))
            .filter(vpc_id=clb.vpc_id)
            .select_related("zone")
            .order_by("name", "id")
        )

    def step_my_servers(self, request, clb, wizard):
        instances = list(self.candidate_instances(request, clb))
        added = {s["id"] for s in wizard.get("servers", [])}
        error = ""
        if request.method == "POST":
            chosen = [i for i in request.POST.getlist("instances") if i not in added]
            allowed = {i.pk for i in instances}
            foreign = [i for i in chosen if i not in allowed]
            if foreign:
                error = (
                    f"The instance {foreign[0]} is not an ECS instance of the CLB's VPC "
                    f"{clb.vpc_id}; choose servers from the list."
                )
            elif not chosen:
                error = "Select at least one server."
            else:
                wizard.set("pending", chosen)
                return redirect(self.wizard_url(clb, wizard, "weights"))
        return self.render_step(
            request, clb, wizard, "my-servers", instances=instances, added=added, error=error
        )

    def step_weights(self, request, clb, wizard):
        pending = wizard.get("pending") or []
        instances = list(self.candidate_instances(request, clb).filter(pk__in=pending))
        if not instances:
            return redirect(self.wizard_url(clb, wizard, "my-servers"))
        errors, values = {}, {}
        for instance in instances:
            values[instance.pk] = request.POST.get(f"weight_{instance.pk}", "100")
        if request.method == "POST":
            for instance in instances:
                try:
                    values[instance.pk] = validators.weight(values[instance.pk])
                except ConsoleError as error:
                    errors[instance.pk] = error.message
            if not errors:
                servers = wizard.get("servers", [])
                for instance in instances:
                    servers.append(
                        {
                            "id": instance.pk,
                            "name": instance.display_name,
                            "ip": instance.private_ip,
                            "zone": instance.zone.name,
                            "weight": values[instance.pk],
                            "port": "",
                        }
                    )
                wizard.data["pending"] = []
                wizard.data["servers_done"] = False
                wizard.set("servers", servers)
                return redirect(self.wizard_url(clb, wizard, "servers"))
        rows = [(i, values[i.pk], errors.get(i.pk)) for i in instances]
        return self.render_step(request, clb, wizard, "weights", rows=rows)

    def step_health(self, request, clb, wizard):
        form = ClbHealthCheckForm(
            request.POST if request.method == "POST" else None, initial=wizard.get("health")
        )
        if request.method == "POST" and form.is_valid():
            wizard.set("health", form.cleaned_data)
            return redirect(self.wizard_url(clb, wizard, "confirm"))
        return self.render_step(request, clb, wizard, "health", form=form)

    def step_confirm(self, request, clb, wizard):
        if request.method == "POST":
            protocol, health = wizard.get("protocol"), wizard.get("health")
            try:
                listener = services.clb_listener_create(
                    account=acting_account(request),
                    actor=request.user,
                    clb=clb,
                    protocol=protocol["protocol"],
                    port=protocol["port"],
                    name=protocol.get("name", ""),
                    servers=[(s["id"], s["weight"], s["port"]) for s in wizard.get("servers")],
                    wizard_token=wizard.token,
                    **health,
                )
            except ConsoleError as error:
                messages.error(request, error.message)
            else:
                wizard.finish(listener.pk)
                return redirect(self.wizard_url(clb, wizard, "done"))
        return self.render_step(request, clb, wizard, "confirm")

    def step_finished(self, request, clb, wizard):
        if not wizard.done:
            return redirect(self.wizard_url(clb, wizard, "confirm"))
        listener = ClbListener.objects.for_account(acting_account(request)).filter(pk=wizard.done)
        return self.render_step(request, clb, wizard, "done", listener=listener.first())


# --- ALB -----------------------------------------------------------------------------------

alb_listener_services = (
    ("start", "Start", services.alb_listener_start, None),
    ("stop", "Stop", services.alb_listener_stop, None),
    ("delete", "Delete", services.alb_listener_delete, None),
)


def alb_listeners_tab(request, obj):
    return {"listeners": selectors.alb_listeners(alb=obj)}


ALB_WIZARD_STEPS = [
    ("listener", "Configure Listener"),
    ("server-group", "Select Server Group"),
    ("confirm", "Confirm"),
]


class AlbInstanceViews(ListenerWizard, ResourceViews):
    model = AlbInstance
    app = "loadbalancer"
    slug = "alb-instances"
    singular = "ALB instance"
    title = "ALB Instances"
    product = "ALB"
    form_title = "ALB (Pay-As-You-Go)"
    create_label = "Create ALB"
    submit_label = "Buy Now"
    form_class = AlbInstanceForm
    search_fields = ("id", "name", "dns_name")
    list_select_related = ("vpc",)
    list_prefetch = ("zone_mappings__zone",)
    columns = (
        Column("Instance ID/Name", link=True),
        Column("DNS Name", "dns_name"),
        Column("Network Type", "get_network_type_display"),
        Column("VPC", "vpc_id"),
        Column("Zones", template="loadbalancer/partials/alb_zones_cell.html"),
        Column("IP Mode", "get_ip_mode_display"),
        Column("Edition", "get_edition_display"),
        STATUS,
        Column("Actions", template="loadbalancer/partials/alb_actions_cell.html"),
    )
    tabs = (
        Tab("details", "Instance Details", "loadbalancer/partials/alb_basic.html"),
        Tab("listeners", "Listener", "loadbalancer/partials/alb_listeners.html", alb_listeners_tab),
        Tab("zones", "Zones", "loadbalancer/partials/alb_zones.html"),
        HISTORY,
    )
    delete_service = staticmethod(services.alb_delete)

    def detail_queryset(self, request):
        return super().detail_queryset(request).prefetch_related("zone_mappings__zone")

    def perform_create(self, request, form):
        data = form.cleaned_data
        return services.alb_create(
            account=acting_account(request),
            actor=request.user,
            region=data["region"],
            vpc=data["vpc"],
            zone_mappings=data["zone_mappings"],
            name=data["name"],
            network_type=data["network_type"],
            ip_mode=data["ip_mode"],
            edition=data["edition"],
            resource_group=data["resource_group"],
        )

    member_routes = (
        ("listeners/create/", "wizard_start_view", "listener-create", True),
        ("listeners/wizard/<str:token>/<str:step>/", "wizard_view", "listener-wizard"),
    )
    member_actions = listener_actions(
        AlbListener, "alb", "listeners/<str:listener_id>/<str:action>/", alb_listener_services
    )

    wizard_kind = "alb-listener"
    wizard_steps = ALB_WIZARD_STEPS
    wizard_substeps = {"done": "confirm"}
    wizard_needs = {"server-group": ["listener"], "confirm": ["listener", "server-group"]}
    wizard_template = "loadbalancer/alb_wizard.html"

    def wizard_exit(self, alb):
        return self.url("tab", alb, tab="listeners")

    def step_listener(self, request, alb, wizard):
        posted = request.POST if request.method == "POST" else None
        form = AlbListenerForm(posted, initial=wizard.get("listener"), alb=alb)
        if posted is not None and form.is_valid():
            wizard.set("listener", form.cleaned_data)
            return redirect(self.wizard_url(alb, wizard, "server-group"))
        return self.render_step(request, alb, wizard, "listener", form=form)

    def step_server_group(self, request, alb, wizard):
        posted = request.POST if request.method == "POST" else None
        initial = {"server_group": wizard.get("server-group")}
        form = AlbServerGroupPickForm(
            posted, initial=initial, alb=alb, account=acting_account(request)
        )
        if posted is not None and form.is_valid():
            wizard.set("server-group", form.cleaned_data["server_group"].pk)
            return redirect(self.wizard_url(alb, wizard, "confirm"))
        return self.render_step(request, alb, wizard, "server-group", form=form)

    def step_confirm(self, request, alb, wizard):
        account = acting_account(request)
        group = (
            AlbServerGroup.objects.for_account(account)
            .filter(pk=wizard.get("server-group"))
            .first()
        )
        if request.method == "POST":
            try:
                if group is None:
                    raise ConsoleError("The server group no longer exists; choose another.")
                listener = services.alb_listener_create(
                    account=account,
                    actor=request.user,
                    alb=alb,
                    server_group=group,
                    wizard_token=wizard.token,
                    **wizard.get("listener"),
                )
            except ConsoleError as error:
                messages.error(request, error.message)
            else:
                wizard.finish(listener.pk)
                return redirect(self.wizard_url(alb, wizard, "done"))
        return self.render_step(request, alb, wizard, "confirm", server_group=group)

    def step_finished(self, request, alb, wizard):
        if not wizard.done:
            return redirect(self.wizard_url(alb, wizard, "confirm"))
        listener = AlbListener.objects.for_account(acting_account(request)).filter(pk=wizard.done)
        return self.render_step(request, alb, wizard, "done", listener=listener.first())


# --- ALB server groups -----------------------------------------------------------------------


def server_group_backends_tab(request, obj):
    pages = paginate(request, selectors.server_group_backends(group=obj).order_by("id"))
    return {"backends": pages["page"].object_list, **pages}


class ServerGroupViews(ResourceViews):
    model = AlbServerGroup
    app = "loadbalancer"
    slug = "server-groups"
    singular = "Server group"
    title = "Server Groups"
    product = "ALB"
    create_label = "Create Server Group"
    create_in_dialog = True  # the console's **Create Server Group** is a dialog box
    submit_label = "Create"
    form_class = ServerGroupForm
    form_template = "loadbalancer/server_group_form.html"
    list_select_related = ("vpc",)
    columns = (
        Column("Server Group ID/Name", link=True),
        Column("Server Group Type", "get_server_group_type_display"),
        Column("VPC", "vpc_id"),
        Column("Backend Server Protocol", "get_protocol_display"),
        Column("Scheduling Algorithm", "get_scheduler_display"),
        Column("Backend Servers", "backend_count"),
        Column("Health Check", lambda g: "Enabled" if g.health_check_enabled else "Disabled"),
        CREATED,
        Column("Actions", template="layout/partials/actions_cell.html"),
    )
    tabs = (
        Tab("basic", "Basic Information", "loadbalancer/partials/sg_basic.html"),
        Tab(
            "backends",
            "Backend Servers",
            "loadbalancer/partials/sg_backends.html",
            server_group_backends_tab,
        ),
        HISTORY,
    )
    delete_service = staticmethod(services.server_group_delete)
    delete_kwarg = "group"

    def annotate_list(self, queryset):
        return queryset.annotate(backend_count=Count("backends"))

    def perform_create(self, request, form):
        return services.server_group_create(
            account=acting_account(request), actor=request.user, **form.cleaned_data
        )

    member_actions = (
        MemberAction(
            name="add-backends",
            label="Add Backend Server",
            route="backends/add/",
            url_name="add-backends",
            service=services.server_group_add_backends,
            kwarg="group",
            form=lambda data, call: AddBackendsForm(data, group=call.obj, account=call.account),
            success=lambda call, created: f"{len(created)} backend server(s) are being added.",
            back="backends",
            template="loadbalancer/sg_add_backends.html",
            context=lambda call, form: form.context(),
        ),
        MemberAction(
            name="remove-backend",
            label="Remove",
            route="backends/<int:backend_id>/remove/",
            url_name="remove-backend",
            service=services.alb_backend_remove,
            kwarg=None,
            child=lambda group, account, backend_id: (
                AlbBackend.objects.for_account(account)
                .filter(server_group=group, pk=backend_id)
                .first()
            ),
            child_kwarg="backend",
            back="backends",
        ),
    )


clb_instances = ClbInstanceViews()
alb_instances = AlbInstanceViews()
server_groups = ServerGroupViews()
RESOURCES = (clb_instances, alb_instances, server_groups)
