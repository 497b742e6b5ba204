"""Who is acting, for which account, in which region: set on every request."""

from django.db.models import Q

from .catalogue import DEFAULT_REGION
from .models import Account, Login, Region

SESSION_REGION = "region_id"
SESSION_VIEWING = "viewing_account_id"
SESSION_ACTING = "acting_account_id"


class ConsoleContextMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.login = None
        request.account = None
        request.read_only = False
        request.region = None
        request.switchable_accounts = ()
        if request.user.is_authenticated:
            login = Login.objects.select_related("account").filter(user=request.user).first()
            request.login = login
            if login is not None and login.is_instructor:
                # An instructor looks at one account at a time, read-only.
                viewing = request.session.get(SESSION_VIEWING)
                request.account = Account.objects.filter(pk=viewing).first() if viewing else None
                request.read_only = True
            elif login is not None and login.is_presenter:
                # The lab accounts, and the login's own account to come back to.
                accounts = Account.objects.filter(
                    Q(presenters=login) | Q(pk=login.account_id)
                ).distinct()
                acting = request.session.get(SESSION_ACTING)
                request.account = (acting and accounts.filter(pk=acting).first()) or (
                    login.account or accounts.first()
                )
                request.switchable_accounts = accounts
            elif login is not None:
                request.account = login.account
            region_id = request.session.get(SESSION_REGION, DEFAULT_REGION)
            request.region = (
                Region.objects.filter(pk=region_id).first()
                or Region.objects.filter(pk=DEFAULT_REGION).first()
            )
        return self.get_response(request)
