"""One module per product; importing them registers their operations."""

from . import alb, clb, ecs, privatelink, sts, vpc  # noqa: F401
