"""A demo account's privilege ticket is approved by a real Celery worker, through Redis."""

import pytest
from django.core.management import call_command

from console import services
from console.models import Account, Event, Ticket
from factories import region

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def test_the_worker_approves_a_demo_accounts_ticket(celery_worker, catalogue, settings, wait_until):
    settings.TICKET_APPROVAL_DELAY = 0.5
    call_command("seed_demo", stdout=open("/dev/null", "w"))
    account = Account.objects.get(logins__user__username="account-a")
    assert account.demo and not account.alb_privatelink_privilege

    ticket = services.ticket_submit(
        account=account, region=region(), privilege=Ticket.Privilege.ALB_PRIVATELINK
    )
    assert ticket.status == "Pending" and ticket.auto_approve

    def approved():
        return Ticket.objects.filter(pk=ticket.pk, status="Approved").exists()

    wait_until(approved, timeout=15)
    ticket = Ticket.objects.get(pk=ticket.pk)
    assert ticket.decided_by == "system"
    assert Account.objects.get(pk=account.pk).alb_privatelink_privilege
    history = Event.objects.filter(resource_id=ticket.pk).order_by("created_at", "id")
    assert list(history.values_list("action", "to_state")) == [
        ("submit", "Pending"),
        ("approve", "Approved"),
    ]
