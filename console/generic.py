"""Generic list / detail / create / delete / action views, configured once per resource type.

A resource type is a subclass of :class:`ResourceViews` (like a ModelAdmin): it names its
model, columns, form, tabs and services; ``urls()`` gives its routes. Every object is read
through ``model.objects.for_account(request.account)``, so another account's ID is a 404 by
construction. Under htmx a page renders only the fragment asked for.
"""

import uuid
from dataclasses import dataclass
from functools import cached_property

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
    slug: str
    title: str
    template: str
    context: object = None  # callable(request, obj) -> dict


@dataclass
class Action:
    """A state-changing button on a resource (Start, Stop...): calls ``service``."""

    name: str
    label: str
    service: object
    available: object = None  # callable(obj) -> bool: shown enabled
    confirm: str | None = None
    style: str = "secondary"
    kwarg: str = "instance"

    def enabled(self, obj):
        return self.available(obj) if self.available else True


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
    rows = queryset if count is None else _CountOf(queryset, count)
    page = Paginator(rows, page_size).get_page(request.GET.get("page"))
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

    # Routes below one resource, as (path after "<slug>/<pk>/", view method name, URL name
    # suffix): e.g. ("rules/<int:rule_id>/delete/", "delete_rule_view", "delete-rule").
    member_routes = ()

    def urls(self):
        p = self.slug
        members = [
            path(f"{p}/<str:pk>/{route}", self.view(getattr(self, method)), name=f"{p}-{name}")
            for route, method, name in self.member_routes
        ]
        return members + [
            path(f"{p}/", self.view(self.list_view), name=f"{p}-list"),
            path(f"{p}/create/", self.view(self.create_view), name=f"{p}-create"),
            path(f"{p}/<str:pk>/", self.view(self.detail_view), name=f"{p}-detail"),
            path(f"{p}/<str:pk>/delete/", self.view(self.delete_view), name=f"{p}-delete"),
            path(
                f"{p}/<str:pk>/action/<str:action>/",
                self.view(self.action_view),
                name=f"{p}-action",
            ),
            path(f"{p}/<str:pk>/<str:tab>/", self.view(self.detail_view), name=f"{p}-tab"),
        ]

    def view(self, func):
        def wrapped(request, *args, **kwargs):
            response = self.gate(request)
            if response is not None:
                return response
            return func(request, *args, **kwargs)

        wrapped.__name__ = f"{self.slug}_{func.__name__}"
        return wrapped

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
            ensure_writable(request)
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
            # A dependent field changed (VPC → vSwitches): re-render the form, no errors.
            form = form_class(initial=initial_from(request.GET), **self.form_kwargs(request))
            return render(
                request, "layout/partials/form_body.html", self.base_context(request, form=form)
            )
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

    @cached_property
    def tabs_by_slug(self):
        return {tab.slug: tab for tab in self.tabs}

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
            ensure_writable(request)
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

    def action_view(self, request, pk, action):
        obj = self.get_object(request, pk)
        chosen = next((a for a in self.actions if a.name == action), None)
        if chosen is None:
            raise Http404("No such action.")
        if request.method != "POST":
            return HttpResponse(status=405)
        ensure_writable(request)
        try:
            chosen.service(
                account=acting_account(request), actor=request.user, **{chosen.kwarg: obj}
            )
        except ConsoleError as error:
            messages.error(request, error.message)
        return htmx_redirect(request, request.POST.get("next") or self.url("detail", obj))
