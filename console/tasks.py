"""Thin Celery tasks: take an ID, call the lifecycle, retry when the database is busy."""

from typing import Any

from celery import shared_task
from django.apps import apps
from django.db import OperationalError

from . import lifecycle


@shared_task(autoretry_for=(OperationalError,), retry_backoff=0.5, max_retries=8, acks_late=True)
def advance_resource(model_label: str, pk: Any, expected_state: str | None = None) -> None:
    lifecycle.advance(apps.get_model(model_label), pk, expected_state)


@shared_task(autoretry_for=(OperationalError,), retry_backoff=1, max_retries=3)
def reconcile_stuck_resources(older_than: float | None = None) -> int:
    return lifecycle.reconcile(older_than)
