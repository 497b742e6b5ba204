"""Generic list / detail / create / delete / action views, configured once per resource type.

A resource type is a subclass of :class:`ResourceViews` (like a ModelAdmin): it names its
model, columns, form, tabs and services; ``urls()`` gives its routes. Every object is read
through ``model.objects.for_account(request.account)``, so another account's ID is a 404 by
construction. Under htmx a page renders only the fragment asked for.
"""

import uuid
from dataclasses import dataclass
from functools import cached_property
from urllib.parse import urlsplit, urlunsplit

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.http import url_has_allowed_host_and_scheme
from django_fsm import can_proceed
from django_htmx.http import HttpResponseClientRedirect

from .errors import ConsoleError
from .models import IdempotencyKey

HTMX_STOP_POLLING = 286
IDEMPOTENCY_FIELD = "idempotency_key"


class _AlreadyCreated(Exception):
    """The form's token was used by a create that committed first."""


# Page sizes of list pages, as the console offers them.
PAGE_SIZES = {"10": 10, "20": 20, "50": 50, "100": 100}
DEFAULT_PAGE_SIZE = "20"


@dataclass
class Column:
    """A list column: ``value`` is an attribute path or a callable; ``template`` wins."""

    title: str
    value: object = None
    template: str | None = None
    link: bool = False

    def cell(self, obj, resource):
        if self.template:
            return render_to_string(self.template, {"obj": obj, "resource": resource})
        if self.link:
            return format_html(
                '<a href="{}">{}</a><div class="muted mono">{}</div>',
                resource.url("detail", obj),
                obj.display_name,
                obj.pk,
            )
        value = self.value(obj) if callable(self.value) else _resolve(obj, self.value)
        return "" if value is None else value


@dataclass
class Tab:
    """A tab of a detail page: ``context(request, obj)`` adds what its template needs."""

    slug: str
    title: str
    template: str
    context: object = None  # callable(request, obj) -> dict


@dataclass(kw_only=True)
class MemberAction:
    """A write on one resource or on one of its children, as configuration.

    ``ResourceViews.member_view`` dispatches every POST below a resource to one of these: it
    reads the resource through the account scope, the child through ``child`` (``None`` is a
    404), binds ``form`` to the POST, calls ``service(account=, actor=, **arguments)`` and
    answers with a message and a site-relative redirect to ``back``. A ``ConsoleError`` goes
    beside its field when the form is shown, otherwise into a message. Several actions may
    share a ``route`` with an ``<str:action>`` parameter; ``name`` is that parameter's value.
    """

    name: str
    label: str = ""
    service: object = None
    route: str = "action/<str:action>/"
    url_name: str = "action"
    child: object = None  # callable(obj, account, **route_kwargs) -> child or None (404)
    child_kwarg: str | None = None  # the service argument that receives the child
    kwarg: str | None = "instance"  # the service argument that receives the resource
    form: object = None  # callable(data, call) -> form; data is None on GET
    arguments: object = None  # callable(call, cleaned_data) -> service kwargs
    success: object = None  # message: a str.format() with obj, child, result; or callable
    back: object = None  # a tab slug, or callable(call) -> URL; default: the detail page
    template: str | None = None  # the page showing the form (GET, invalid, refused)
    context: object = None  # callable(call, form) -> extra context of ``template``
    invalid: str | None = None  # message (and back) for an invalid form without a template
    form_name: str = "form"
    get_redirects: bool = False  # a GET goes back instead of answering 405
    field_errors_only: bool = False  # a refusal without a field of the form: a message
    available: object = None  # callable(obj) -> bool: shown enabled
    transition: str | None = None  # or: enabled while this fsm transition of obj may run
    confirm: str | None = None
    style: str = "secondary"

    def enabled(self, obj):
        if self.available is not None:
            return self.available(obj)
        if self.transition is not None:
            return can_proceed(getattr(obj, self.transition))
        return True


def Action(
    name,
    label,
    service,
    available=None,
    *,
    transition=None,
    confirm=None,
    style="secondary",
    kwarg="instance",
):
    """A button on a resource (Start, Stop...): a member action without a form."""
    return MemberAction(
        name=name,
        label=label,
        service=service,
        available=available,
        transition=transition,
        confirm=confirm,
        style=style,
        kwarg=kwarg,
    )


@dataclass
class ActionCall:
    """One dispatched member action: who asks, on what, with which route parameters."""

    view: "ResourceViews"
    request: object
    obj: object
    child: object
    params: dict

    @property
    def account(self):
        return acting_account(self.request)

    @property
    def initial(self):
        """A form page's initial values from its query string."""
        return initial_from(self.request.GET)

    def tab_url(self, tab):
        return self.view.url("tab", self.obj, tab=tab)


def _resolve(obj, dotted):
    value = obj
    for part in (dotted or "").split("."):
        if value is None:
            return None
        value = getattr(value, part)
        if callable(value) and not hasattr(value, "all"):
            value = value()
    return value


def acting_account(request):
    """The account the login acts for (or views, read-only, as an instructor)."""
    return getattr(request, "account", None)


def ensure_writable(request):
    if getattr(request, "read_only", False) or acting_account(request) is None:
        raise PermissionDenied("This console is read-only for your login.")


SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


def writes_guarded(func, *, writes_on_get=False):
    """The read-only guard: every unsafe request through ``func`` needs a writable login.

    Every route of every resource passes through it (``ResourceViews.view``), so no view
    repeats the check and none can forget it.
    """

    def guarded(request, *args, **kwargs):
        if writes_on_get or request.method not in SAFE_METHODS:
            ensure_writable(request)
        return func(request, *args, **kwargs)

    guarded.__name__ = func.__name__
    guarded.__doc__ = func.__doc__
    return guarded


def site_relative(target, default, host=None):
    """``target`` as a path on this site, else ``default``: never off-site.

    A full URL of this very site (``host``, e.g. htmx's current URL) becomes its path.
    """
    if not isinstance(target, str) or "\x00" in target:
        return default
    parts = urlsplit(target)
    if host and parts.scheme in ("http", "https") and parts.netloc == host:
        target = urlunsplit(("", "", parts.path or "/", parts.query, parts.fragment))
    if (
        target.startswith("/")
        and not target.startswith(("//", "/\\"))
        and url_has_allowed_host_and_scheme(target, allowed_hosts=None)
    ):
        return target
    return default


def safe_next(request, default="console:home"):
    """The posted ``next`` address if it stays on this site; the URL name ``default`` else."""
    return site_relative(request.POST.get("next"), reverse(default), request.get_host())


def form_error_from(form, error):
    """Put a service's refusal beside its field, or above the form."""
    field_name = error.field if error.field in form.fields else None
    form.add_error(field_name, error.message)


def initial_from(query):
    """Form initial values from a query string; multi-valued fields keep every value."""
    return {
        key: values if len(values) > 1 else values[0]
        for key, values in query.lists()
        if key not in ("fragment", "csrfmiddlewaretoken")
    }


class _CountOf:
    """Lets a Paginator count a cheaper queryset than the one it slices."""

    def __init__(self, rows, count_rows):
        self.rows, self.count_rows = rows, count_rows

    def count(self):
        return self.count_rows.count()

    def __getitem__(self, index):
        return self.rows[index]


def paginate(request, queryset, *, count=None) -> dict:
    """One page of ``queryset`` as the console's lists show it (``page``, ``page_size``…).

    ``count``: a queryset with the same rows but without annotations, for the total.
    """
    page_size = request.GET.get("page_size", "")
    page_size = int(page_size) if page_size in PAGE_SIZES else PAGE_SIZES[DEFAULT_PAGE_SIZE]
    number = request.GET.get("page")
    if number in (None, "", "1"):
        # The first page: read one row more than it shows. Most lists fit on it, and then its
        # rows are the total (no count query); otherwise they are the page, and the count
        # follows.
        first = list(queryset[: page_size + 1])
        rows = (
            first
            if len(first) <= page_size
            else _CountOf(first, queryset if count is None else count)
        )
    else:
        rows = queryset if count is None else _CountOf(queryset, count)
    page = Paginator(rows, page_size).get_page(number)
    return {"page": page, "page_size": page_size, "page_sizes": PAGE_SIZES}


def htmx_redirect(request, url):
    if request.htmx:
        return HttpResponseClientRedirect(url)
    return redirect(url)


class ResourceViews:
    """Configuration of one resource type; subclass it and set the class attributes."""

    model = None
    app = "console"
    slug = ""
    singular = ""
    title = ""
    product = ""
    create_label = ""
    form_class = None
    submit_label = "OK"
    columns = ()
    search_fields = ("id", "name")
    list_select_related = ()
    list_prefetch = ()
    tabs = ()
    actions = ()
    region_scoped = True
    list_template = "layout/list.html"
    detail_template = "layout/detail.html"
    form_template = "layout/form.html"
    # What the one form layout varies by: the heading (else ``create_label``), the fields (a
    # resource with rows of drop-downs or sub-fields has its own body) and a stylesheet.
    form_title = ""
    form_body_template = "layout/partials/form_body.html"
    stylesheet = ""
    delete_service = None  # staticmethod(service): called with account, actor, <delete_kwarg>
    delete_kwarg = "instance"

    # --- querysets ---------------------------------------------------------------------

    def get_queryset(self, request):
        queryset = self.model.objects.for_account(acting_account(request))
        if self.region_scoped and getattr(request, "region", None) is not None:
            queryset = queryset.filter(region=request.region)
        return queryset

    def list_queryset(self, request):
        queryset = self.get_queryset(request)
        if self.list_select_related:
            queryset = queryset.select_related(*self.list_select_related)
        if self.list_prefetch:
            queryset = queryset.prefetch_related(*self.list_prefetch)
        queryset = self.filtered(request, queryset)
        # Explicit: Meta.ordering does not apply to the GROUP BY of annotated lists.
        ordering = [*(self.model._meta.ordering or ["-pk"]), "pk"]
        return self.annotate_list(queryset).order_by(*ordering)

    def filtered(self, request, queryset):
        """``queryset`` narrowed by the list's search box."""
        query = request.GET.get("q", "").strip()
        if query:
            condition = Q()
            for name in self.search_fields:
                condition |= Q(**{f"{name}__icontains": query})
            queryset = queryset.filter(condition)
        return queryset

    def annotate_list(self, queryset):
        return queryset

    def get_object(self, request, pk):
        obj = self.detail_queryset(request).filter(pk=pk).first()
        if obj is None:
            raise Http404(f"No {self.singular} {pk} in this account and region.")
        return obj

    def detail_queryset(self, request):
        # Detail pages ignore the region filter only in that a shared URL still works from
        # any region selection; the account scope always applies.
        return self.model.objects.for_account(acting_account(request))

    # --- hooks -------------------------------------------------------------------------

    @property
    def can_delete(self):
        return self.delete_service is not None

    def gate(self, request):
        """A response to show instead of the resource's pages (e.g. an activation page)."""
        return None

    def form_kwargs(self, request):
        return {"account": acting_account(request), "region": request.region}

    def perform_create(self, request, form):
        raise NotImplementedError

    def perform_delete(self, request, obj):
        self.delete_service(
            account=acting_account(request), actor=request.user, **{self.delete_kwarg: obj}
        )

    def created_url(self, request, obj):
        return self.url("list")

    def detail_context(self, request, obj):
        return {}

    # --- urls --------------------------------------------------------------------------

    def url(self, kind, obj=None, **kwargs):
        name = f"{self.app}:{self.slug}-{kind}"
        if obj is not None:
            kwargs["pk"] = obj.pk
        return reverse(name, kwargs=kwargs)

    # Routes below one resource that are not member actions (the listener wizards), as
    # (path after "<slug>/<pk>/", view method name, URL name suffix[, writes on GET]).
    member_routes = ()
    # Writes on a resource or its children (``MemberAction``); ``actions`` are the buttons.
    member_actions = ()

    @cached_property
    def all_member_actions(self):
        return (*self.actions, *self.member_actions)

    @cached_property
    def member_actions_by_route(self):
        routes = {}
        for action in self.all_member_actions:
            routes.setdefault(action.route, []).append(action)
        return routes

    def member_action(self, name, url_name="action"):
        """The configured member action ``name`` of the route named ``url_name``."""
        return next(a for a in self.all_member_actions if a.name == name and a.url_name == url_name)

    def urls(self):
        p = self.slug
        members = [
            path(
                f"{p}/<str:pk>/{route}",
                self.view(getattr(self, method), writes_on_get=bool(rest and rest[0])),
                name=f"{p}-{name}",
            )
            for route, method, name, *rest in self.member_routes
        ]
        for route, actions in self.member_actions_by_route.items():
            members.append(
                path(
                    f"{p}/<str:pk>/{route}",
                    self.view(self.member_view),
                    {"_route": route},
                    name=f"{p}-{actions[0].url_name}",
                )
            )
        return members + [
            path(f"{p}/", self.view(self.list_view), name=f"{p}-list"),
            path(f"{p}/create/", self.view(self.create_view), name=f"{p}-create"),
            path(f"{p}/<str:pk>/", self.view(self.detail_view), name=f"{p}-detail"),
            path(f"{p}/<str:pk>/delete/", self.view(self.delete_view), name=f"{p}-delete"),
            path(f"{p}/<str:pk>/<str:tab>/", self.view(self.detail_view), name=f"{p}-tab"),
        ]

    def view(self, func, *, writes_on_get=False):
        """Every route of the resource: the read-only guard, then the gate, then ``func``."""

        def wrapped(request, *args, **kwargs):
            response = self.gate(request)
            if response is not None:
                return response
            return func(request, *args, **kwargs)

        wrapped.__name__ = f"{self.slug}_{func.__name__}"
        guarded = writes_guarded(wrapped, writes_on_get=writes_on_get)
        guarded.resource = self  # lets the route tests find every route of every resource
        return guarded

    # --- views -------------------------------------------------------------------------

    def base_context(self, request, **extra):
        return {"resource": self, "product": self.product, **extra}

    def list_view(self, request):
        pages = paginate(request, self.list_queryset(request), count=self.count_queryset(request))
        for obj in pages["page"].object_list:
            obj.live = self.polls(obj)
        context = self.base_context(
            request, objects=pages["page"].object_list, query=request.GET.get("q", ""), **pages
        )
        return render(request, self.list_template, context)

    def count_queryset(self, request):
        """The list's rows without annotations or joins: what the paginator counts."""
        return self.filtered(request, self.get_queryset(request))

    def create_view(self, request):
        form_class = self.form_class
        key = request.POST.get(IDEMPOTENCY_FIELD, "")[:64] or uuid.uuid4().hex
        if request.method == "POST":
            done = self.created_before(request, key)
            if done is not None:
                return htmx_redirect(request, done)
            form = form_class(request.POST, **self.form_kwargs(request))
            if form.is_valid():
                try:
                    obj = self.create_once(request, form, key)
                except ConsoleError as error:
                    form_error_from(form, error)
                except _AlreadyCreated:
                    return htmx_redirect(request, self.created_before(request, key))
                else:
                    messages.success(request, f"{self.singular} {obj.pk} was created.")
                    return htmx_redirect(request, self.created_url(request, obj))
        elif request.htmx and request.GET.get("fragment") == "form":
            # A dependent field changed (VPC → vSwitches) or a row was added: re-render the
            # form, no errors.
            form = form_class(initial=initial_from(request.GET), **self.form_kwargs(request))
            return render(request, self.form_body_template, self.base_context(request, form=form))
        else:
            form = form_class(initial=initial_from(request.GET), **self.form_kwargs(request))
        context = self.base_context(request, form=form, idempotency_key=key)
        return render(request, self.form_template, context)

    def create_once(self, request, form, key):
        """``perform_create`` and the form's token in one transaction: the second of two
        submissions of one form (a retry, a double click) creates nothing."""
        with transaction.atomic():
            obj = self.perform_create(request, form)
            try:
                with transaction.atomic():
                    IdempotencyKey.objects.create(
                        account=acting_account(request), key=key, resource_id=obj.pk
                    )
            except IntegrityError:
                raise _AlreadyCreated from None
        return obj

    def created_before(self, request, key):
        """Where a form already submitted with ``key`` went (its resource, or the list)."""
        done = IdempotencyKey.objects.filter(account=acting_account(request), key=key).first()
        if done is None:
            return None
        obj = self.detail_queryset(request).filter(pk=done.resource_id).first()
        return self.created_url(request, obj) if obj is not None else self.url("list")

    @property
    def tabs_by_slug(self):
        return {tab.slug: tab for tab in self.tabs}

    def register_tab(self, tab, *, before=None):
        """Add a tab from another app (its ``ready()``), before the tab ``before`` or last.

        A lower app's page learns of a higher app's tab this way, without importing it.
        """
        tabs = [t for t in self.tabs if t.slug != tab.slug]
        index = next((i for i, t in enumerate(tabs) if t.slug == before), len(tabs))
        tabs.insert(index, tab)
        self.tabs = tuple(tabs)

    def detail_view(self, request, pk, tab=None):
        fragment = request.GET.get("fragment") if request.htmx else None
        if fragment == "row":
            return self.row_view(request, pk)
        obj = self.get_object(request, pk)
        tab_obj = self.tabs_by_slug.get(tab) if tab else (self.tabs[0] if self.tabs else None)
        if tab and tab_obj is None:
            raise Http404("No such tab.")
        context = self.base_context(request, obj=obj, tab=tab_obj)
        if tab_obj and tab_obj.context:
            context.update(tab_obj.context(request, obj))
        context.update(self.detail_context(request, obj))
        if fragment == "header":
            return self.polled(render(request, "layout/partials/detail_header.html", context), obj)
        if fragment == "tab":
            return render(request, "layout/partials/tab_body.html", context)
        return render(request, self.detail_template, context)

    def polls(self, obj):
        """Whether the resource's list row keeps asking for news (while it is in flux)."""
        return obj.is_transitional

    def polled(self, response, obj):
        """A polled fragment: tell htmx to stop polling once the resource has settled."""
        if not obj.is_transitional:
            response.status_code = HTMX_STOP_POLLING
        return response

    def row_view(self, request, pk):
        """One list row, with the list's annotations, for a row that polls its status."""
        queryset = self.annotate_list(
            self.detail_queryset(request)
            .select_related(*self.list_select_related)
            .prefetch_related(*self.list_prefetch)
        )
        obj = queryset.filter(pk=pk).first()
        if obj is None:
            raise Http404(f"No {self.singular} {pk} in this account.")
        obj.live = self.polls(obj)
        context = self.base_context(request, obj=obj)
        response = render(request, "layout/partials/list_row.html", context)
        if not obj.live:
            response.status_code = HTMX_STOP_POLLING
        return response

    def delete_view(self, request, pk):
        obj = self.get_object(request, pk)
        if request.method == "POST":
            try:
                self.perform_delete(request, obj)
            except ConsoleError as error:
                messages.error(request, error.message)
                return htmx_redirect(request, self.url("detail", obj))
            messages.success(request, f"{self.singular} {pk} was deleted.")
            return htmx_redirect(request, self.url("list"))
        template = (
            "layout/partials/confirm_delete_dialog.html"
            if request.htmx
            else "layout/confirm_delete.html"
        )
        return render(request, template, self.base_context(request, obj=obj))

    # --- member actions: one dispatcher ------------------------------------------------

    def member_view(self, request, pk, _route, **params):
        """Every POST (and form page) of every member action of the resource.

        Login and the read-only guard come from ``view``; the resource and the child are read
        through the account scope, so another account's IDs are a 404 by construction.
        """
        key = params.pop("action", None)
        chosen = [a for a in self.member_actions_by_route[_route] if key is None or a.name == key]
        if not chosen:
            raise Http404("No such action.")
        action = chosen[0]
        obj = self.get_object(request, pk)
        child = None
        if action.child is not None:
            child = action.child(obj, acting_account(request), **params)
            if child is None:
                raise Http404("No such item.")
        call = ActionCall(view=self, request=request, obj=obj, child=child, params=params)
        if request.method != "POST":
            return self.show_action(call, action)
        form = action.form(request.POST, call) if action.form else None
        if form is not None and not form.is_valid():
            if action.template is None:
                messages.error(request, action.invalid or "Check the values and try again.")
                return self.action_done(call, action)
            return self.render_action(call, action, form)
        return self.run_action(call, action, form)

    def run_action(self, call, action, form):
        """Call the service; its refusal goes beside the field, or into a message."""
        request = call.request
        data = form.cleaned_data if form is not None else {}
        kwargs = dict(action.arguments(call, data) if action.arguments else data)
        if action.kwarg:
            kwargs[action.kwarg] = call.obj
        if action.child_kwarg:
            kwargs[action.child_kwarg] = call.child
        try:
            result = action.service(account=acting_account(request), actor=request.user, **kwargs)
        except ConsoleError as error:
            if form is not None and action.template and self.error_fits(action, form, error):
                form_error_from(form, error)
                return self.render_action(call, action, form)
            messages.error(request, error.message)
            return self.action_done(call, action)
        message = action.success
        if callable(message):
            message = message(call, result)
        elif message:
            message = message.format(obj=call.obj, child=call.child, result=result)
        if message:
            messages.success(request, message)
        return self.action_done(call, action)

    def error_fits(self, action, form, error):
        """Whether a refusal belongs in the form (its field, or above a form page)."""
        return not action.field_errors_only or error.field in form.fields

    def action_done(self, call, action):
        return htmx_redirect(call.request, self.action_back(call, action))

    def action_back(self, call, action):
        """Where an action returns: the posted ``next`` if site-relative, else ``back``."""
        back = action.back
        if callable(back):
            default = back(call)
        elif back:
            default = call.tab_url(back)
        else:
            default = self.url("detail", call.obj)
        return site_relative(call.request.POST.get("next"), default, call.request.get_host())

    def show_action(self, call, action):
        """A GET: the form page (or only its body, for a dependent field), else 405."""
        if action.template is None:
            if action.get_redirects:
                return redirect(self.action_back(call, action))
            return HttpResponse(status=405)
        form = action.form(None, call) if action.form else None
        request = call.request
        if form is not None and request.htmx and request.GET.get("fragment") == "form":
            context = self.base_context(request, form=form)
            return render(request, "layout/partials/form_body.html", context)
        return self.render_action(call, action, form)

    def render_action(self, call, action, form):
        context = self.base_context(call.request, obj=call.obj, child=call.child)
        context["back"] = self.action_back(call, action)
        context["action"] = action
        if form is not None:
            context[action.form_name] = form
        if action.context:
            context.update(action.context(call, form))
        return render(call.request, action.template, context)
