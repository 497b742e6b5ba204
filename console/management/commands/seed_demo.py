"""Load the region catalogue and the demo logins; safe to run any number of times."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction

from console.catalogue import load_catalogue
from console.models import Account, Login, Region, Zone

DEMO_LOGINS = [
    # (username, account name, role)
    ("account-a", "Account A", Login.Role.MEMBER),
    ("account-b", "Account B", Login.Role.MEMBER),
    ("instructor", None, Login.Role.INSTRUCTOR),
]


class Command(BaseCommand):
    help = "Create the region catalogue and the demo logins account-a, account-b, instructor."

    @transaction.atomic
    def handle(self, *args, **options):
        load_catalogue(Region, Zone)
        password = settings.DEMO_PASSWORD
        User = get_user_model()
        for username, account_name, role in DEMO_LOGINS:
            account = None
            if account_name:
                account = Account.objects.filter(logins__user__username=username).first()
                if account is None:
                    account = Account.objects.create(name=account_name)
                if not account.demo:
                    # A presenter shows the ticket flow: its tickets are approved by themselves.
                    account.demo = True
                    account.save(update_fields=["demo"])
            user, _ = User.objects.get_or_create(username=username)
            user.set_password(password)
            user.save()
            Login.objects.update_or_create(user=user, defaults={"account": account, "role": role})
            shown = f"{account.name} (UID {account.uid})" if account else "all accounts"
            self.stdout.write(f"  {username:<11} → {shown}")
        self.stdout.write(self.style.SUCCESS("Demo logins ready."))
