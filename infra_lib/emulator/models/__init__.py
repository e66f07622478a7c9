"""The kit's CloudFormation models, one module per type; importing this package imports moto.

Every module here is imported, and every class with a ``cfn_type`` registers itself
(``base.Registered``): a new type is a new module, with no list to update.
"""

from __future__ import annotations

import importlib
import pkgutil

from infra_lib.emulator.models.base import REGISTRY, KitModel, Registered

for _module in pkgutil.iter_modules(__path__):
    importlib.import_module(f"{__name__}.{_module.name}")

MODELS: dict[str, type] = dict(REGISTRY)

__all__ = ["MODELS", "KitModel", "Registered"]
