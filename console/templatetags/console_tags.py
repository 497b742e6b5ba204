from urllib.parse import quote

from django import template
from django.utils.html import format_html
from django.utils.safestring import mark_safe
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
        '<button type="button" class="copy" data-copy="{}" aria-label="{} {}">{}</button>',
        value,
        label,
        value,
        icon("copy"),
    )


# Icons are inline SVG drawn in the text colour: no font has to carry a glyph for them.
ICONS = {
    "copy": '<rect x="5.5" y="5.5" width="8" height="8" rx="1.5"/>'
    '<path d="M3.5 10.5h-.5a1 1 0 0 1-1-1v-6.5a1 1 0 0 1 1-1h6.5a1 1 0 0 1 1 1v.5"/>',
    "check": '<path d="M3 8.5l3.2 3.2L13 4.8"/>',
    "cross": '<path d="M4 4l8 8M12 4l-8 8"/>',
    "circle": '<circle cx="8" cy="8" r="5"/>',
    "back": '<path d="M13 8H3M7 4L3 8l4 4"/>',
    "reload": '<path d="M13 8a5 5 0 1 1-1.5-3.5M13 2.5v3h-3"/>',
    "sad": '<circle cx="8" cy="8" r="6.5"/><path d="M5.5 11.5a3.5 3.5 0 0 1 5 0"/>'
    '<path d="M6 6.2v.1M10 6.2v.1"/>',
}


@register.simple_tag
def icon(name):
    """An inline SVG icon (a name of ``ICONS``), hidden from screen readers."""
    return format_html(
        '<svg class="icon icon-{}" width="14" height="14" viewBox="0 0 16 16" fill="none" '
        'stroke="currentColor" stroke-width="1.6" stroke-linecap="round" '
        'stroke-linejoin="round" aria-hidden="true" focusable="false">{}</svg>',
        name,
        mark_safe(ICONS[name]),
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


@register.simple_tag
def live_trigger(every_ms):
    """``hx-trigger`` of a live fragment: news arrive as ``live`` events from the page's event
    stream (static/js/console.js); the poll every ``every_ms`` runs only when the stream is not
    open, or as a slow safety net (``LIVE_FALLBACK_MS``) when it is."""
    return f"every {int(every_ms)}ms [!window.consoleLive||consoleLive.due(this)], live"


@register.simple_tag(takes_context=True)
def live_query(context, first=False):
    """``&live=<token>`` (``?live=`` with ``first``) for a poll URL: the request's snapshot
    of the counters it shows. Empty when the page took no snapshot (Redis away): the poll
    then always renders.
    """
    request = context.get("request")
    token = getattr(request, "live_token", None)
    return f"{'?' if first else '&'}{PARAM}={quote(token, safe='')}" if token else ""
