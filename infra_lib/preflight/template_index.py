"""Deprecated import path: the template reader lives in ``infrakit.core.cfn``."""

from infrakit.core.cfn import (  # noqa: F401
    ALL_PORTS,
    IngressRule,
    TemplateIndex,
    as_port,
    describe,
    is_true,
    logical_id,
)
