"""Thin Celery tasks of the health checker: beat ticks, each probe takes one ID."""

from celery import shared_task
from django.db import OperationalError

from . import health


@shared_task(autoretry_for=(OperationalError,), retry_backoff=0.2, max_retries=3)
def health_check_tick():
    """Enqueue a probe of every listener / server group whose interval has passed."""
    listeners, groups = health.due()
    for pk in listeners:
        probe_listener.delay(pk)
    for pk in groups:
        probe_server_group.delay(pk)
    return len(listeners) + len(groups)


@shared_task(autoretry_for=(OperationalError,), retry_backoff=0.2, max_retries=3)
def probe_listener(listener_id):
    return health.check_clb_listener(listener_id)


@shared_task(autoretry_for=(OperationalError,), retry_backoff=0.2, max_retries=3)
def probe_server_group(group_id):
    return health.check_server_group(group_id)
