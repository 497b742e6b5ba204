"""Thin Celery tasks of the API."""

from celery import shared_task

from .endpoint import purge_used_nonces


@shared_task
def purge_nonces():
    return purge_used_nonces()
