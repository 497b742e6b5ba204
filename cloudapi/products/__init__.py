"""One module per product; importing them registers their operations."""

from . import sts  # noqa: F401
