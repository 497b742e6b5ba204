from .services import run_for_request


def lab(request):
    """The lab run of the acting account, for the lab panel beside every page."""
    account = getattr(request, "account", None)
    if account is None:
        return {}
    return {"lab_run": run_for_request(request)}
