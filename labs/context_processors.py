from .services import lab_of_request


def lab(request):
    """The lab run of the acting account, for the lab panel beside every page."""
    account = getattr(request, "account", None)
    if account is None:
        return {}
    return {"lab_run": lab_of_request(request)}
