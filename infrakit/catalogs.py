"""Deprecated import path: the catalogs live in ``infrakit.core.catalogs`` (the ground package)."""

from infrakit.core.catalogs import (  # noqa: F401
    EngineCatalog,
    MajorVersion,
    MinorVersion,
    Region,
    engine_catalog,
    region_catalog,
    version_key,
)
