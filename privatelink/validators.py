"""PrivateLink's field rules, with the console's messages (forms and services share them)."""

import re

from console.errors import ConsoleError

ENDPOINT_NAME_RE = re.compile(r"^[A-Za-z][A-Za-z0-9_-]*$")
UID_RE = re.compile(r"^[1-9]\d{15}$")


def endpoint_name(value, *, field="name"):
    """2 to 128 characters; starts with a letter; letters, digits, '_', '-'."""
    value = (value or "").strip()
    if not value:
        raise ConsoleError("This field is required.", field=field)
    if not (2 <= len(value) <= 128) or not ENDPOINT_NAME_RE.match(value):
        raise ConsoleError(
            "The name must be 2 to 128 characters long, start with a letter, and contain only "
            "letters, digits, underscores (_) and hyphens (-).",
            field=field,
        )
    return value


def account_uids(value, *, field="uids"):
    """One or more 16-digit account IDs, separated by commas, spaces or new lines."""
    if isinstance(value, str):
        value = re.split(r"[\s,;]+", value)
    uids = [v.strip() for v in value if v and v.strip()]
    if not uids:
        raise ConsoleError("Enter at least one account ID.", field=field)
    for uid in uids:
        if not UID_RE.match(uid):
            raise ConsoleError(
                f"{uid} is not an account ID: enter 16-digit account IDs, such as "
                "1234567890123456.",
                field=field,
            )
    return list(dict.fromkeys(uids))


def bandwidth(value, low, high, *, field="bandwidth"):
    try:
        number = int(value)
    except (TypeError, ValueError, OverflowError):
        number = None
    if number is None or not low <= number <= high:
        raise ConsoleError(
            f"The connection bandwidth must be a whole number from {low} to {high} Mbps.",
            field=field,
        )
    return number
