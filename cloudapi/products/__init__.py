"""One module per product; importing them registers their operations."""

from . import clb, ecs, privatelink, sts, vpc  # noqa: F401
