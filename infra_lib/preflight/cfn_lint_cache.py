"""cfn-lint's verdict on a template it has seen before, kept in the kit's cache folder.

cfn-lint takes 1-2 s on the kit's own stack, and a warm ``make report`` lints the same dozen
templates every run. Its matches depend only on the template, the region, cfn-lint's version
(its bundled specifications) and the worker that runs it, so a complete run (the worker said
"done", exit 0) is stored under a digest of exactly those and served instead of a new
process. A run that was skipped, cut off, out of memory or crashed is never stored. Entries
live in ``<cache>/cfn-lint/`` (``$INFRAKIT_CACHE_DIR``), the newest ``MAX_ENTRIES`` kept;
delete the folder to forget them.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
from pathlib import Path
from typing import Any

from infrakit.core.files import OutputError, write_json_atomic
from infrakit.core.paths import cache_dir

MAX_ENTRIES = 256
PREFIX = "lint-"  # the kit's own entries; nothing else in the folder is ever removed


def folder() -> Path:
    return cache_dir() / "cfn-lint"


def key(body: str, region: str, version: str, worker: Path, memory_bytes: int) -> str:
    digest = hashlib.sha256()
    for part in (version, region, str(memory_bytes)):
        digest.update(part.encode("utf-8") + b"\0")
    digest.update(hashlib.sha256(worker.read_bytes()).digest())
    digest.update(body.encode("utf-8"))
    return digest.hexdigest()


def load(entry: str) -> list[dict[str, Any]] | None:
    """The stored matches, or None (not stored, or damaged: then linted again)."""
    try:
        data = json.loads((folder() / f"{PREFIX}{entry}.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    records = data.get("records") if isinstance(data, dict) else None
    if not isinstance(records, list) or not all(isinstance(r, dict) for r in records):
        return None
    return records


def store(entry: str, records: list[dict[str, Any]]) -> None:
    """Keep a complete run's matches; a cache that cannot be written only costs time."""
    with contextlib.suppress(OutputError, OSError):
        write_json_atomic(folder() / f"{PREFIX}{entry}.json", {"records": records})
        entries = sorted(folder().glob(f"{PREFIX}*.json"), key=lambda p: p.stat().st_mtime, reverse=True)
        for old in entries[MAX_ENTRIES:]:
            old.unlink(missing_ok=True)
