"""Deprecated import path: the errors live in ``infrakit.core.errors`` (the ground package)."""

from infrakit.core.errors import (  # noqa: F401
    CatalogError,
    InfrakitError,
    InputError,
    PriceMissingError,
    _rebuild_input_error,
)
