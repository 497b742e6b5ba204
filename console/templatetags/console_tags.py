from urllib.parse import quote

from django import template
from django.utils.html import format_html
from django_fsm import can_proceed

from console.live import PARAM

register = template.Library()

GOOD = {"Available", "Running", "Active", "Connected", "Normal", "Healthy"}
BAD = {"Abnormal", "Unhealthy", "CreateFailed", "Locked", "ServiceDeleted", "Failed"}


@register.simple_tag(takes_context=True)
def cell(context, column, obj, resource):
    """One table cell; a column's template renders within the page's own context."""
    if column.template:
        template = context.template.engine.get_template(column.template)
        with context.push(obj=obj, resource=resource):
            return template.render(context)
    return column.cell(obj, resource)


@register.filter
def status_class(status):
    if status in GOOD:
        return "ok"
    if status in BAD:
        return "bad"
    return "idle"


@register.simple_tag
def copy_button(value, label="Copy"):
    return format_html(
        '<button type="button" class="copy" data-copy="{}" aria-label="{} {}">'
        '<span aria-hidden="true">⧉</span></button>',
        value,
        label,
        value,
    )


@register.simple_tag
def action_enabled(action, obj):
    return action.enabled(obj)


@register.filter
def can(obj, transition_name):
    """Whether ``obj``'s fsm transition ``transition_name`` may run now: templates ask the
    model instead of restating which states allow it."""
    method = getattr(obj, transition_name, None)
    return method is not None and can_proceed(method)


@register.simple_tag(takes_context=True)
def resource_url(context, resource, kind, obj=None, **kwargs):
    return resource.url(kind, obj, **kwargs)


@register.simple_tag(takes_context=True)
def live_query(context, first=False):
    """``&live=<token>`` (``?live=`` with ``first``) for a poll URL: the request's snapshot
    of the counters it shows. Empty when the page took no snapshot (Redis away): the poll
    then always renders.
    """
    request = context.get("request")
    token = getattr(request, "live_token", None)
    return f"{'?' if first else '&'}{PARAM}={quote(token, safe='')}" if token else ""
