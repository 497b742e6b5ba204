"""Columns and tabs that every resource type's configuration may use."""

from .generic import Column, Tab, acting_account
from .models import Event

STATUS = Column("Status", template="layout/partials/status_cell.html")
CREATED = Column("Created at", template="layout/partials/created_cell.html")


def events_tab_context(request, obj):
    # The resource's own lines: an endpoint's connection shares its ID, and its history (with
    # the provider as actor) is shown by the connection's own tab, in the viewer's words.
    events = Event.objects.for_account(acting_account(request)).filter(
        resource_type=obj._meta.verbose_name, resource_id=obj.pk
    )
    return {"events": events}


HISTORY = Tab("events", "Events", "console/partials/events_tab.html", events_tab_context)
