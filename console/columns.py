"""Columns and tabs that every resource type's configuration may use."""

from .generic import Column, Tab, acting_account
from .models import Event

STATUS = Column("Status", template="layout/partials/status_cell.html")
CREATED = Column("Created at", template="layout/partials/created_cell.html")


def events_tab_context(request, obj):
    return {"events": Event.objects.for_account(acting_account(request)).filter(resource_id=obj.pk)}


HISTORY = Tab("events", "Events", "console/partials/events_tab.html", events_tab_context)
