"""The console's field rules, with its messages. Used by forms and by services alike."""

import ipaddress
import re

from .errors import ConsoleError

PRIVATE_RANGES = [
    ipaddress.ip_network("10.0.0.0/8"),
    ipaddress.ip_network("172.16.0.0/12"),
    ipaddress.ip_network("192.168.0.0/16"),
]

NAME_RE = re.compile(r"^[A-Za-z][A-Za-z0-9._-]*$")
LETTER_START_RE = re.compile(r"^[A-Za-z]")


def _fail(message, field):
    raise ConsoleError(message, field=field)


def resource_name(value, *, field="name", minimum=1, maximum=128, optional=True):
    """VPC/vSwitch names: starts with a letter; letters, digits, '.', '_', '-'."""
    if not value:
        if optional:
            return ""
        _fail("This field is required.", field)
    if not (minimum <= len(value) <= maximum) or not NAME_RE.match(value):
        _fail(
            f"The name must be {minimum} to {maximum} characters long, start with a letter, "
            "and contain only letters, digits, periods (.), underscores (_) and hyphens (-).",
            field,
        )
    return value


def display_name(value, *, field="name", minimum=2, maximum=128):
    """Instance and group names: 2 to 128 characters, starting with a letter."""
    if not value:
        _fail("This field is required.", field)
    if not (minimum <= len(value) <= maximum) or not LETTER_START_RE.match(value):
        _fail(
            f"The name must be {minimum} to {maximum} characters long and start with a letter.",
            field,
        )
    return value


def description(value, *, field="description"):
    if not value:
        return ""
    if not (2 <= len(value) <= 256):
        _fail("The description must be 2 to 256 characters long.", field)
    if value.lower().startswith(("http://", "https://")):
        _fail("The description cannot start with http:// or https://.", field)
    return value


def cidr_block(value, *, field="cidr_block", min_prefix=8, max_prefix=28):
    """A private IPv4 network address with no host bits; returns the normalised string."""
    value = (value or "").strip()
    if not value:
        _fail("This field is required.", field)
    if "/" not in value:
        _fail(f"Enter a CIDR block with a prefix length, such as {value}/24.", field)
    try:
        network = ipaddress.IPv4Network(value, strict=False)
    except ValueError:
        _fail("Enter a valid IPv4 CIDR block, such as 192.168.0.0/16.", field)
    if str(network) != value:
        address = value.split("/")[0]
        try:
            ipaddress.IPv4Address(address)
        except ValueError:
            _fail("Enter a valid IPv4 CIDR block, such as 192.168.0.0/16.", field)
        if address != str(network.network_address):
            _fail(f"Invalid CIDR block: host bits are set. Did you mean {network}?", field)
        _fail(f"Enter the CIDR block as {network}.", field)
    if not (min_prefix <= network.prefixlen <= max_prefix):
        _fail(f"The prefix length must be between /{min_prefix} and /{max_prefix}.", field)
    return str(network)


def private_cidr_block(value, *, field="cidr_block"):
    text = cidr_block(value, field=field)
    network = ipaddress.IPv4Network(text)
    if not any(network.subnet_of(r) for r in PRIVATE_RANGES):
        _fail("The CIDR block must be within 10.0.0.0/8, 172.16.0.0/12 or 192.168.0.0/16.", field)
    return text


def ipv4_address(value, *, field):
    try:
        return str(ipaddress.IPv4Address((value or "").strip()))
    except ValueError:
        _fail("Enter a valid IPv4 address, such as 192.168.0.10.", field)


def port(value, *, field="port"):
    try:
        number = int(value)
    except (TypeError, ValueError, OverflowError):
        _fail("Enter a port from 1 to 65535.", field)
    if not 1 <= number <= 65535:
        _fail("Enter a port from 1 to 65535.", field)
    return number


def int_range(value, low, high, *, field, what):
    try:
        number = int(value)
    except (TypeError, ValueError, OverflowError):
        _fail(f"The {what} must be a whole number from {low} to {high}.", field)
    if not low <= number <= high:
        _fail(f"The {what} must be from {low} to {high}.", field)
    return number


def port_range(value, protocol, *, field="port_range"):
    """``80/80``, ``1/65535``; ``-1/-1`` for ICMP and All. Returns (from, to)."""
    text = (value or "").strip()
    if protocol in ("all", "icmp"):
        if text not in ("", "-1/-1"):
            _fail("For ICMP and All the port range is -1/-1.", field)
        return -1, -1
    match = re.fullmatch(r"(\d{1,5})/(\d{1,5})", text)
    if not match:
        _fail("Enter a port range as start/end, such as 80/80 or 1/65535.", field)
    start, end = int(match.group(1)), int(match.group(2))
    if not (1 <= start <= 65535 and 1 <= end <= 65535):
        _fail("Ports must be from 1 to 65535.", field)
    if start > end:
        _fail("The start port must not be greater than the end port.", field)
    return start, end
