"""What every product module shares: scoped lookups, pages, times, DryRun."""

import re

from ..errors import ApiError, illegal, missing

# ASCII digits only: str.isdigit() also accepts "¹", which int() refuses.
DIGITS = re.compile(r"^[0-9]{1,9}$")


def iso(moment):
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ") if moment else ""


def lookup(model, call, param, code, what, *, required=True, value=None):
    """The caller's own ``model`` row named by ``param``; another account's is not found."""
    ident = value if value is not None else call.params.str(param, max_length=64)
    if not ident:
        if required:
            raise missing(param)
        return None
    row = model.objects.for_account(call.account).filter(pk=ident).first()
    if row is None:
        raise ApiError(code, f"The specified {what} {ident} does not exist.", status=404)
    return row


def lookup_all(model, call, ids, param, code, what):
    rows = {r.pk: r for r in model.objects.for_account(call.account).filter(pk__in=ids)}
    for ident in ids:
        if ident not in rows:
            raise ApiError(code, f"The specified {what} {ident} does not exist.", status=404)
    return [rows[i] for i in ids]


def numbered_page(call, queryset, *, default=10, maximum=50):
    """PageNumber / PageSize (ECS, VPC, CLB): rows, and the paging fields of the answer."""
    number = call.params.int("PageNumber", default=1, low=1, high=100_000)
    size = call.params.int("PageSize", default=default, low=1, high=maximum)
    total = queryset.count()
    rows = list(queryset[(number - 1) * size : number * size])
    return rows, {"TotalCount": total, "PageNumber": number, "PageSize": size}


def token_page(call, queryset, *, default=50, maximum=1000):
    """NextToken / MaxResults (PrivateLink, ALB): rows, and the paging fields of the answer."""
    size = call.params.int("MaxResults", default=default, low=1, high=maximum)
    token = call.params.str("NextToken", max_length=32)
    start = 0
    if token:
        if not DIGITS.match(token):
            raise illegal("NextToken", "Pass the NextToken of the previous answer.")
        start = int(token)
    total = queryset.count()
    rows = list(queryset[start : start + size])
    following = start + size
    return rows, {
        "TotalCount": total,
        "MaxResults": size,
        "NextToken": str(following) if following < total else "",
    }
