"""The load balancer pages' field rules, with the console's messages (forms and services)."""

import re

from console import validators
from console.errors import ConsoleError

CLB_NAME_RE = re.compile(r"^[A-Za-z0-9/._-]+$")
HEALTHY_CODES = ["http_2xx", "http_3xx", "http_4xx", "http_5xx"]


def clb_name(value, *, field="name"):
    """1 to 80 characters; letters, digits, '-', '/', '.', '_'. Optional."""
    value = (value or "").strip()
    if not value:
        return ""
    if len(value) > 80 or not CLB_NAME_RE.match(value):
        raise ConsoleError(
            "The instance name must be 1 to 80 characters long and contain only letters, "
            "digits, hyphens (-), forward slashes (/), periods (.) and underscores (_).",
            field=field,
        )
    return value


def alb_name(value, *, field="name"):
    """2 to 128 characters, starts with a letter; letters, digits, '.', '_', '-'."""
    return validators.resource_name(
        (value or "").strip(), field=field, minimum=2, maximum=128, optional=False
    )


def listener_name(value, *, field="name"):
    value = (value or "").strip()
    if value and not (1 <= len(value) <= 80):
        raise ConsoleError("The listener name must be 1 to 80 characters long.", field=field)
    return value


def weight(value, *, field="weight"):
    return validators.int_range(value, 0, 100, field=field, what="weight")


def interval(value, *, field="health_check_interval"):
    return validators.int_range(value, 1, 50, field=field, what="health check interval")


def threshold(value, *, field):
    return validators.int_range(value, 2, 10, field=field, what="threshold")


def timeout(value, *, field="health_check_timeout"):
    return validators.int_range(value, 1, 300, field=field, what="health check timeout")


def healthy_codes(values, *, field="health_check_codes"):
    values = [v for v in (values or []) if v]
    if not values:
        raise ConsoleError("Select at least one healthy status code.", field=field)
    unknown = [v for v in values if v not in HEALTHY_CODES]
    if unknown:
        raise ConsoleError("Choose from 2xx, 3xx, 4xx and 5xx.", field=field)
    return ",".join(v for v in HEALTHY_CODES if v in values)


def health_check_path(value, *, field="health_check_path"):
    value = (value or "/").strip() or "/"
    if not value.startswith("/") or len(value) > 80 or " " in value:
        raise ConsoleError(
            "The path must start with / and be at most 80 characters, without spaces.",
            field=field,
        )
    return value
