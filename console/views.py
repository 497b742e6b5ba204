"""The shell's pages (login, region, accounts) and the base resources' configurations."""

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.db.models import Count
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from . import services
from .columns import CREATED, HISTORY, STATUS
from .errors import ConsoleError
from .forms import (
    EcsInstanceForm,
    EcsServiceForm,
    SecurityGroupForm,
    SecurityGroupRuleForm,
    ThrottledLoginForm,
    TicketForm,
    VpcForm,
    VSwitchForm,
)
from .generic import (
    Action,
    Column,
    MemberAction,
    ResourceViews,
    Tab,
    acting_account,
    htmx_redirect,
    safe_next,
)
from .middleware import SESSION_ACTING, SESSION_REGION, SESSION_VIEWING, login_of
from .models import (
    Account,
    EcsInstance,
    Region,
    SecurityGroup,
    SecurityGroupRule,
    Ticket,
    Vpc,
    VSwitch,
)

# --- VPC ---------------------------------------------------------------------------------


class VpcViews(ResourceViews):
    model = Vpc
    slug = "vpcs"
    singular = "VPC"
    title = "VPCs"
    product = "VPC"
    create_label = "Create VPC"
    form_class = VpcForm
    search_fields = ("id", "name", "cidr_block")
    columns = (
        Column("Instance ID/Name", link=True),
        Column("IPv4 CIDR Block", "cidr_block"),
        STATUS,
        Column("vSwitches", "vswitch_count"),
        Column("Description", "description"),
        CREATED,
    )
    tabs = (
        Tab("basic", "Basic information", "console/partials/vpc_basic.html"),
        HISTORY,
    )
    delete_service = staticmethod(services.vpc_delete)
    delete_kwarg = "vpc"

    def annotate_list(self, queryset):
        return queryset.annotate(vswitch_count=Count("vswitches"))

    def detail_context(self, request, obj):
        return {"vswitches": obj.vswitches.select_related("zone")}

    def perform_create(self, request, form):
        return services.vpc_create(
            account=acting_account(request),
            actor=request.user,
            region=request.region,
            **form.cleaned_data,
        )


# --- vSwitch -----------------------------------------------------------------------------


class VSwitchViews(ResourceViews):
    model = VSwitch
    slug = "vswitches"
    singular = "vSwitch"
    title = "vSwitches"
    product = "VPC"
    create_label = "Create vSwitch"
    form_class = VSwitchForm
    search_fields = ("id", "name", "cidr_block")
    list_select_related = ("vpc", "zone")
    columns = (
        Column("Instance ID/Name", link=True),
        Column("VPC", "vpc.id"),
        Column("IPv4 CIDR Block", "cidr_block"),
        STATUS,
        Column("Zone", "zone.name"),
        Column("Available IPs", "available_ip_count"),
        CREATED,
    )
    tabs = (Tab("basic", "Basic information", "console/partials/vswitch_basic.html"), HISTORY)
    delete_service = staticmethod(services.vswitch_delete)
    delete_kwarg = "vswitch"

    def annotate_list(self, queryset):
        return queryset.annotate(used_ips=Count("private_ips"))

    def detail_context(self, request, obj):
        return {"addresses": obj.private_ips.order_by("address")}

    def perform_create(self, request, form):
        return services.vswitch_create(
            account=acting_account(request), actor=request.user, **form.cleaned_data
        )


# --- security groups ---------------------------------------------------------------------


def rules_tab(direction):
    def context(request, obj):
        return {
            "rules": obj.rules.filter(direction=direction).select_related("peer_group"),
            "direction": direction,
            "rule_form": SecurityGroupRuleForm(
                account=acting_account(request), region=request.region, group=obj
            ),
        }

    return context


class SecurityGroupViews(ResourceViews):
    model = SecurityGroup
    slug = "security-groups"
    singular = "Security group"
    title = "Security Groups"
    product = "ECS"
    create_label = "Create Security Group"
    form_class = SecurityGroupForm
    list_select_related = ("vpc",)
    columns = (
        Column("ID/Name", link=True),
        Column("VPC", "vpc.id"),
        Column("Instances", "instance_count"),
        Column("Description", "description"),
        CREATED,
    )
    tabs = (
        Tab("inbound", "Inbound", "console/partials/sg_rules.html", rules_tab("ingress")),
        Tab("outbound", "Outbound", "console/partials/sg_rules.html", rules_tab("egress")),
        HISTORY,
    )
    delete_service = staticmethod(services.security_group_delete)
    delete_kwarg = "group"

    def annotate_list(self, queryset):
        return queryset.annotate(instance_count=Count("instances"))

    def perform_create(self, request, form):
        return services.security_group_create(
            account=acting_account(request), actor=request.user, **form.cleaned_data
        )

    member_actions = (
        MemberAction(
            name="add-rule",
            route="rules/<str:direction>/add/",
            url_name="add-rule",
            service=services.security_group_rule_add,
            kwarg="group",
            # The direction is a route parameter: an unknown one is a 404, like a foreign ID.
            child=lambda group, account, direction: (
                direction if direction in SecurityGroupRule.Direction.values else None
            ),
            child_kwarg="direction",
            form=lambda data, call: SecurityGroupRuleForm(
                data, account=call.account, region=call.request.region, group=call.obj
            ),
            arguments=lambda call, data: {
                "policy": data["policy"],
                "priority": data["priority"],
                "protocol": data["protocol"],
                "port_range": data["port_range"],
                "cidr_block": data["cidr_block"],
                "peer_group": data["peer_group"],
                "description": data.get("description", ""),
            },
            success="The rule was added.",
            back=lambda call: rules_tab_url(call.view, call.obj, call.child),
            template="console/sg_rule_form.html",
            context=lambda call, form: {"direction": call.child},
        ),
        MemberAction(
            name="delete-rule",
            route="rules/<int:rule_id>/delete/",
            url_name="delete-rule",
            service=services.security_group_rule_delete,
            kwarg=None,
            child=lambda group, account, rule_id: group.rules.filter(pk=rule_id).first(),
            child_kwarg="rule",
            success="The rule was removed.",
            back=lambda call: rules_tab_url(call.view, call.obj, call.child.direction),
            get_redirects=True,
        ),
    )


def rules_tab_url(view, group, direction):
    return view.url("tab", group, tab="inbound" if direction == "ingress" else "outbound")


# --- ECS instances -----------------------------------------------------------------------


def service_tab_context(request, obj):
    return {
        "service_form": EcsServiceForm(
            initial={
                "service": obj.service,
                "service_port": obj.service_port,
                "page_body": obj.page_body,
            },
            account=acting_account(request),
            region=request.region,
        )
    }


class EcsInstanceViews(ResourceViews):
    model = EcsInstance
    slug = "instances"
    singular = "Instance"
    title = "Instances"
    product = "ECS"
    create_label = "Create Instance"
    form_class = EcsInstanceForm
    search_fields = ("id", "name", "private_ip")
    list_select_related = ("zone", "vpc", "vswitch")
    columns = (
        Column("Instance ID/Name", link=True),
        Column("Zone", "zone.name"),
        Column("IP Address", "private_ip"),
        STATUS,
        Column("VPC", "vpc.id"),
        Column("Image", "get_image_display"),
        Column("Deployed Service", template="console/partials/service_cell.html"),
        Column("Actions", template="layout/partials/actions_cell.html"),
    )
    tabs = (
        Tab("basic", "Instance Details", "console/partials/instance_basic.html"),
        Tab(
            "service",
            "Deployed Service",
            "console/partials/instance_service.html",
            service_tab_context,
        ),
        Tab("security-groups", "Security Groups", "console/partials/instance_groups.html"),
        HISTORY,
    )
    actions = (
        Action("start", "Start", services.ecs_instance_start, transition="start"),
        Action(
            "stop",
            "Stop",
            services.ecs_instance_stop,
            transition="stop",
            confirm="Stop this instance? Its service stops answering.",
        ),
    )
    delete_service = staticmethod(services.ecs_instance_delete)

    def perform_create(self, request, form):
        data = dict(form.cleaned_data)
        data["security_groups"] = list(data["security_groups"])
        return services.ecs_instance_create(
            account=acting_account(request), actor=request.user, **data
        )

    member_actions = (
        MemberAction(
            name="service",
            route="service/edit/",
            url_name="service",
            service=services.ecs_instance_set_service,
            form=lambda data, call: EcsServiceForm(
                data, account=call.account, region=call.request.region
            ),
            success="The deployed service was updated.",
            back="service",
            template="layout/detail.html",
            form_name="service_form",
            context=lambda call, form: {"tab": call.view.tabs_by_slug["service"]},
        ),
    )


# --- tickets -------------------------------------------------------------------------------


class TicketViews(ResourceViews):
    """A privilege asked for by ticket; the status moves live while it is Pending."""

    model = Ticket
    slug = "tickets"
    singular = "Ticket"
    title = "Tickets"
    product = "Tickets"
    create_label = "Submit a Ticket"
    submit_label = "Submit"
    form_class = TicketForm
    region_scoped = False  # an account's privileges hold in every region
    columns = (
        Column("Ticket ID/Privilege", link=True),
        STATUS,
        Column("Answer", "answer"),
        Column("Decided by", "decided_by"),
        CREATED,
    )
    tabs = (Tab("basic", "Basic information", "console/partials/ticket_basic.html"), HISTORY)

    def perform_create(self, request, form):
        return services.ticket_submit(
            account=acting_account(request),
            actor=request.user,
            region=request.region,
            **form.cleaned_data,
        )

    def created_url(self, request, obj):
        return self.url("detail", obj)

    def delete_view(self, request, pk):
        raise Http404("A ticket is never deleted.")


def require_instructor(request):
    if request.login is None or not request.login.is_instructor:
        raise Http404("Only instructors review tickets.")


def tickets_review(request):
    """The instructor's page: every account's tickets, the Pending ones first."""
    require_instructor(request)
    tickets = Ticket.objects.select_related("account").order_by("-status", "-created_at")
    pending = [t for t in tickets if t.is_pending]
    decided = [t for t in tickets if not t.is_pending][:50]
    return render(request, "console/tickets_review.html", {"pending": pending, "decided": decided})


@require_POST
def ticket_decide(request, pk, decision):
    """**Approve** or **Reject** a ticket (instructors only); a decided one names its state."""
    require_instructor(request)
    ticket = Ticket.objects.filter(pk=pk).first()
    if ticket is None or decision not in ("approve", "reject"):
        raise Http404("No such ticket.")
    try:
        if decision == "approve":
            ticket = services.ticket_approve(ticket=ticket, actor=request.user)
        else:
            ticket = services.ticket_reject(
                ticket=ticket, actor=request.user, answer=request.POST.get("answer", "")
            )
    except ConsoleError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, f"Ticket {ticket.pk} of {ticket.account} is {ticket.status}.")
    return redirect("console:tickets-review")


vpcs = VpcViews()
vswitches = VSwitchViews()
security_groups = SecurityGroupViews()
instances = EcsInstanceViews()
tickets = TicketViews()
RESOURCES = (vpcs, vswitches, instances, security_groups, tickets)


# --- the shell ---------------------------------------------------------------------------


def home_url(instructor: bool, viewing: bool) -> str:
    """Where the console opens: the accounts overview for an instructor not looking at an
    account, else the VPC list."""
    return reverse("console:accounts" if instructor and not viewing else "console:vpcs-list")


class LoginView(auth_views.LoginView):
    template_name = "console/login.html"
    redirect_authenticated_user = True
    authentication_form = ThrottledLoginForm

    def get_default_redirect_url(self):
        """Straight to the page the console opens on, not through ``/``: one request fewer
        for each of a class logging in at once."""
        login = login_of(self.request.user)  # read with the user
        instructor = login is not None and login.is_instructor
        return home_url(instructor, bool(self.request.session.get(SESSION_VIEWING)))


login_view = login_not_required(LoginView.as_view())


def home(request):
    instructor = request.login is not None and request.login.is_instructor
    return redirect(home_url(instructor, request.account is not None))


@require_POST
def switch_region(request):
    region = Region.objects.filter(pk=request.POST.get("region")).first()
    if region is not None:
        request.session[SESSION_REGION] = region.pk
    return htmx_redirect(request, safe_next(request))


def accounts_view(request):
    """The instructor's view of every account; members see only their own."""
    if request.login is None or not request.login.is_instructor:
        raise Http404("Only instructors see the accounts overview.")
    accounts = Account.objects.annotate(login_count=Count("logins")).order_by("name")
    return render(request, "console/accounts.html", {"accounts": accounts})


@require_POST
def switch_account(request):
    """A presenter switches the account they act for (like the real console's switch role)."""
    account = next(
        (a for a in request.switchable_accounts if str(a.pk) == request.POST.get("account")),
        None,
    )
    if account is None:
        raise Http404("You cannot act for that account.")
    request.session[SESSION_ACTING] = account.pk
    messages.info(request, f"You are now acting as {account.name} ({account.uid}).")
    return redirect(safe_next(request))


@require_POST
def view_account(request):
    if request.login is None or not request.login.is_instructor:
        raise Http404("Only instructors can look at other accounts.")
    account = Account.objects.filter(pk=request.POST.get("account")).first()
    if account is None:
        request.session.pop(SESSION_VIEWING, None)
        return redirect("console:accounts")
    request.session[SESSION_VIEWING] = account.pk
    messages.info(request, f"You are viewing {account.name} ({account.uid}), read-only.")
    return redirect("console:vpcs-list")
