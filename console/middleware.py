"""Who is acting, for which account, in which region: set on every request."""

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.db.models import Q

from . import lifecycle, live
from .catalogue import DEFAULT_REGION
from .models import Account, Login, Region

SESSION_REGION = "region_id"
SESSION_VIEWING = "viewing_account_id"
SESSION_ACTING = "acting_account_id"
PROVISIONING_DELAYED = (
    "Provisioning is delayed: the console cannot reach its worker right now. Your change is "
    "saved and completes by itself when the worker is back (no need to try again)."
)


_regions: tuple[Region, ...] = ()


def regions() -> tuple[Region, ...]:
    """The catalogue's regions, read once per process: every request resolves its region and
    every page lists them, and the rows change only when the catalogue is loaded (migrations,
    seeding), never while the console serves."""
    global _regions
    if not _regions:
        _regions = tuple(Region.objects.all())
    return _regions


def region(region_id) -> Region | None:
    """The catalogue's region ``region_id`` (None if there is no such region)."""
    global _regions
    for found in regions():
        if found.pk == region_id:
            return found
    # Not among the rows read before (a catalogue loaded since): read it again once.
    _regions = ()
    return next((found for found in regions() if found.pk == region_id), None)


def login_of(user) -> Login | None:
    """The console login of an authenticated ``user``, with its account: usually read with the
    user already (the authentication backend's ``get_user``)."""
    if get_user_model().login.is_cached(user):
        return getattr(user, "login", None)
    return Login.objects.select_related("account").filter(user=user).first()


class ConsoleContextMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.login = None
        request.account = None
        request.read_only = False
        request.region = None
        request.switchable_accounts = ()
        request.live_token = None
        if request.user.is_authenticated:
            login = login_of(request.user)
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
            request.region = region(region_id) or region(DEFAULT_REGION)
            # Before the view reads anything: the version its live fragments will carry.
            live.watch(request)
        lifecycle.dispatch_delayed.set(False)
        response = self.get_response(request)
        if lifecycle.dispatch_delayed.get():
            messages.warning(request, PROVISIONING_DELAYED)
        return response
