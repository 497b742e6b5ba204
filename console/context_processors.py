from django.conf import settings

from .middleware import regions
from .navigation import navigation


def console(request):
    if not getattr(request, "user", None) or not request.user.is_authenticated:
        return {}
    return {
        "regions": regions(),
        "current_region": request.region,
        "acting_account": request.account,
        "login": request.login,
        "switchable_accounts": request.switchable_accounts,
        "read_only": request.read_only,
        # Only whole pages show it, not the fragments rendered with this context.
        "nav_products": lambda: navigation(request.path),
        "status_poll_ms": settings.STATUS_POLL_MS,
        "live_fallback_ms": settings.LIVE_FALLBACK_MS,
    }
