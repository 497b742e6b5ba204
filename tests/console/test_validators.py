"""Every field rule of the base resources, valid and invalid, with the exact message."""

import pytest

from console import validators
from console.errors import ConsoleError


def refusal(fn, *args, **kwargs):
    with pytest.raises(ConsoleError) as info:
        fn(*args, **kwargs)
    return info.value.message


@pytest.mark.parametrize(
    "value",
    ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "10.10.0.0/16", "172.31.255.240/28"],
)
def test_private_cidr_blocks_are_accepted(value):
    assert validators.private_cidr_block(value) == value


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("10.10.1.0/16", "Invalid CIDR block: host bits are set. Did you mean 10.10.0.0/16?"),
        ("192.168.1.5/24", "Invalid CIDR block: host bits are set. Did you mean 192.168.1.0/24?"),
        (
            "11.0.0.0/8",
            "The CIDR block must be within 10.0.0.0/8, 172.16.0.0/12 or 192.168.0.0/16.",
        ),
        (
            "172.32.0.0/16",
            "The CIDR block must be within 10.0.0.0/8, 172.16.0.0/12 or 192.168.0.0/16.",
        ),
        (
            "192.168.0.0/15",
            "The CIDR block must be within 10.0.0.0/8, 172.16.0.0/12 or 192.168.0.0/16.",
        ),
        ("10.0.0.0/29", "The prefix length must be between /8 and /28."),
        ("8.0.0.0/7", "The prefix length must be between /8 and /28."),
        ("10.0.0.0", "Enter a CIDR block with a prefix length, such as 10.0.0.0/24."),
        ("10.0.0.300/24", "Enter a valid IPv4 CIDR block, such as 192.168.0.0/16."),
        ("banana", "Enter a CIDR block with a prefix length, such as banana/24."),
        ("", "This field is required."),
    ],
)
def test_vpc_cidr_rules(value, message):
    assert refusal(validators.private_cidr_block, value) == message


def test_vswitch_prefix_range():
    assert validators.cidr_block("10.10.0.0/29", min_prefix=16, max_prefix=29) == "10.10.0.0/29"
    assert refusal(validators.cidr_block, "10.10.0.0/30", min_prefix=16, max_prefix=29) == (
        "The prefix length must be between /16 and /29."
    )
    assert refusal(validators.cidr_block, "10.0.0.0/15", min_prefix=16, max_prefix=29) == (
        "The prefix length must be between /16 and /29."
    )


NAME_MESSAGE = (
    "The name must be 1 to 128 characters long, start with a letter, and contain only "
    "letters, digits, periods (.), underscores (_) and hyphens (-)."
)


@pytest.mark.parametrize("value", ["", "V", "VPC1", "my.vpc_name-2", "a" * 128])
def test_resource_names_accepted(value):
    assert validators.resource_name(value) == value


@pytest.mark.parametrize("value", ["1vpc", "-vpc", "vpc one", "vpc/1", "a" * 129, "vpç"])
def test_resource_names_refused(value):
    assert refusal(validators.resource_name, value) == NAME_MESSAGE


def test_display_names():
    assert validators.display_name("ECS1") == "ECS1"
    message = "The name must be 2 to 128 characters long and start with a letter."
    assert refusal(validators.display_name, "E") == message
    assert refusal(validators.display_name, "1ECS") == message
    assert refusal(validators.display_name, "x" * 129) == message
    assert refusal(validators.display_name, "") == "This field is required."


def test_descriptions():
    assert validators.description("") == ""
    assert validators.description("ok") == "ok"
    assert refusal(validators.description, "x") == (
        "The description must be 2 to 256 characters long."
    )
    assert refusal(validators.description, "x" * 257) == (
        "The description must be 2 to 256 characters long."
    )
    for value in ("http://example", "HTTPS://example"):
        assert refusal(validators.description, value) == (
            "The description cannot start with http:// or https://."
        )


def test_port_ranges():
    assert validators.port_range("80/80", "tcp") == (80, 80)
    assert validators.port_range("1/65535", "udp") == (1, 65535)
    assert validators.port_range("-1/-1", "icmp") == (-1, -1)
    assert validators.port_range("", "all") == (-1, -1)
    assert refusal(validators.port_range, "80", "tcp") == (
        "Enter a port range as start/end, such as 80/80 or 1/65535."
    )
    assert refusal(validators.port_range, "0/80", "tcp") == "Ports must be from 1 to 65535."
    assert refusal(validators.port_range, "90/80", "tcp") == (
        "The start port must not be greater than the end port."
    )
    assert refusal(validators.port_range, "80/80", "icmp") == (
        "For ICMP and All the port range is -1/-1."
    )
