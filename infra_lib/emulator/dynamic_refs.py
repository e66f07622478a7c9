"""``{{resolve:secretsmanager:...}}`` dynamic references, resolved as CloudFormation does (moto does not)."""

from __future__ import annotations

import json
import re
from typing import Any

_DYNAMIC_SECRET_REF = re.compile(
    r"\{\{resolve:secretsmanager:(?P<id>arn:[^:]+:secretsmanager:[^:]+:\d+:secret:[^:]+|[^:}]+)"
    r"(?::SecretString)?(?::(?P<key>[^:}]*))?(?::[^:}]*)?(?::[^:}]*)?\}\}")


def resolve_secret_refs(value: Any, account_id: str, region_name: str) -> Any:
    """``value`` with every Secrets Manager reference replaced by the secret (or its JSON key)."""
    if not isinstance(value, str) or "{{resolve:secretsmanager:" not in value:
        return value
    from moto.secretsmanager.models import secretsmanager_backends

    backend = secretsmanager_backends[account_id][region_name]

    def lookup(match: re.Match) -> str:
        secret = backend.get_secret_value(match["id"], None, None)
        text = secret["SecretString"]
        return str(json.loads(text)[match["key"]]) if match["key"] else text

    return _DYNAMIC_SECRET_REF.sub(lookup, value)
