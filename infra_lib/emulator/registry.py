"""Installing the kit's models and patches into moto, once per process, and what the emulator supports."""

from __future__ import annotations

import threading
from typing import Any

from infra_lib.emulator.common import NO_OP_TYPES

_MODELS: dict[str, type] = {}
_INSTALLED = False
_INSTALL_LOCK = threading.Lock()


def install_models() -> None:
    """Check moto's version, register the kit's models and AWS-like failure handling (idempotent).

    Raises ``MotoVersionError`` (an ``EmulatorError``) before touching moto when the installed
    moto is not the pinned one.
    """
    global _INSTALLED
    with _INSTALL_LOCK:
        if _INSTALLED:
            return
        from infra_lib.emulator import moto_patches

        moto_patches.check_moto_version()
        from infra_lib.emulator.models import MODELS

        _MODELS.update(MODELS)
        moto_patches.apply_patches()
        _INSTALLED = True


def kit_models() -> dict[str, type]:
    """The kit's model for each CloudFormation type it models (empty until ``install_models``)."""
    return _MODELS


def supported_types() -> set[str]:
    """Resource types the emulator can create (moto's models and the kit's)."""
    from moto.cloudformation import parsing

    install_models()
    types = set(parsing.get_model_map()) | set(_MODELS) | set(NO_OP_TYPES) | set(parsing.NULL_MODELS)
    return types - {"", "AWS::SERVICE::RESOURCE"}  # the abstract bases' placeholders


def unsupported_types(template: dict[str, Any]) -> list[str]:
    """Types in ``template`` the emulator cannot create (``Custom::*`` needs a Lambda runtime)."""
    known = supported_types()
    found = {r.get("Type", "?") for r in (template.get("Resources") or {}).values()}
    return sorted(t for t in found if t not in known)
