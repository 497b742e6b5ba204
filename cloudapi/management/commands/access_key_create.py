"""Make an AccessKey pair for a login's account and print it (scripts, the example)."""

from django.core.management.base import BaseCommand, CommandError

from console.errors import ConsoleError
from console.models import Login

from ...services import access_key_create


class Command(BaseCommand):
    help = "Create an AccessKey pair for the account of LOGIN and print its ID and secret."

    def add_arguments(self, parser):
        parser.add_argument("login", help="a login name, e.g. account-a")

    def handle(self, *args, login, **options):
        row = Login.objects.select_related("account").filter(user__username=login).first()
        if row is None or row.account is None:
            raise CommandError(f"{login} is not a login that acts for an account.")
        try:
            key = access_key_create(account=row.account)
        except ConsoleError as exc:
            raise CommandError(exc.message) from None
        self.stdout.write(f"AccessKey ID:     {key.pk}\nAccessKey Secret: {key.secret}")
