"""One module per product; importing them registers their operations."""

from . import ecs, sts, vpc  # noqa: F401
