"""The on-disk template cache: ``<cache dir>/synth/<key>/``, one cloud assembly per key.

jsii start-up dominates synthesis (about 3 s for the first stack of a process), so a
template already built for the same inputs is read back instead. The key hashes *every*
input of synthesis, so a change to any of them builds anew:

- the scenario's infrastructure keys (``infrakit.core.schema.INFRA_KEYS``: derived from each
  key's declared role, so a new key that shapes the template cannot be forgotten here);
- the AZ names the stack reads from the regions catalog for this scenario;
- the kit and aws-cdk-lib versions, cdk.json's context, and the source of ``infra_lib.cdk``
  (not preflight or the emulator: editing a rule does not rebuild templates).

An entry is written whole (a staging folder renamed into place) and checked when read: a
truncated or partial entry (a crash, a full disk, a hand edit) is rebuilt, never served.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Callable, Mapping
from importlib import metadata
from pathlib import Path
from typing import Any

import infrakit
from infrakit.core.catalogs import availability_zones
from infrakit.core.files import OutputError
from infrakit.core.paths import CDK_JSON, cache_dir
from infrakit.core.schema import INFRA_KEYS

CDK_SOURCE_DIR = Path(__file__).resolve().parent


def default_cache_dir() -> Path:
    """``$INFRAKIT_CACHE_DIR/synth`` if set, else ``.infrakit-cache/synth`` in the checkout."""
    return cache_dir() / "synth"


@functools.cache
def cdk_context() -> dict[str, Any]:
    """The feature flags and context of cdk.json, so in-process synthesis matches `cdk synth`."""
    if not CDK_JSON.exists():
        return {}
    return json.loads(CDK_JSON.read_text())["context"]


@functools.cache
def _source_digest() -> str:
    digest = hashlib.sha256()
    for path in sorted(CDK_SOURCE_DIR.rglob("*.py")):
        digest.update(str(path.relative_to(CDK_SOURCE_DIR)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def cache_key(scenario: Mapping[str, Any]) -> str:
    payload = {
        "scenario": {k: scenario[k] for k in INFRA_KEYS},
        "availability_zones": availability_zones(scenario["region"], scenario["az_count"]),
        "infrakit": infrakit.__version__,
        "aws-cdk-lib": metadata.version("aws-cdk-lib"),
        "context": cdk_context(),
        "infra_lib.cdk": _source_digest(),
    }
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()[:24]


def read_entry(entry: Path, stack_name: str) -> dict[str, Any] | None:
    """The template of a whole, readable entry; None when there is none or it is damaged
    (a damaged entry is removed: the kit wrote it, and serving it would fail every run)."""
    template_path = entry / f"{stack_name}.template.json"
    if not entry.exists():
        return None
    try:
        template = json.loads(template_path.read_text(encoding="utf-8"))
        manifest = json.loads((entry / "manifest.json").read_text(encoding="utf-8"))
        if not isinstance(template, dict) or not isinstance(template.get("Resources"), dict) \
                or not isinstance(manifest, dict) or "artifacts" not in manifest:
            raise ValueError("not a whole cloud assembly")
    except (OSError, ValueError):
        shutil.rmtree(entry, ignore_errors=True)
        return None
    return template


STAGING_PREFIX = ".staging-"
STALE_STAGING_S = 3600  # a synthesis takes seconds; a staging folder this old was left by a killed process


def _remove_stale_staging(cache_root: Path) -> None:
    """Staging folders a killed synthesis left behind (SIGKILL, power loss): only the kit's own,
    by their prefix, and only those no live synthesis could still be writing."""
    import time

    cutoff = time.time() - STALE_STAGING_S
    for path in cache_root.glob(f"{STAGING_PREFIX}*"):
        try:
            if path.is_dir() and not path.is_symlink() and path.stat().st_mtime < cutoff:
                shutil.rmtree(path, ignore_errors=True)
        except OSError:
            continue


def write_entry(cache_root: Path, key: str, build: Callable[[Path], tuple[str, dict]]) -> tuple[Path, str, dict]:
    """Build into a staging folder, then rename it into place as ``cache_root/key``."""
    entry = cache_root / key
    try:
        cache_root.mkdir(parents=True, exist_ok=True)
        _remove_stale_staging(cache_root)
        staging = Path(tempfile.mkdtemp(prefix=STAGING_PREFIX, dir=cache_root))
    except OSError as exc:
        raise OutputError(f"cannot write the synth cache {cache_root}: {exc.strerror or exc}; set "
                          f"INFRAKIT_CACHE_DIR to a folder you can write to (default: .infrakit-cache in the "
                          f"checkout)") from None
    try:
        name, template = build(staging)
        try:
            os.replace(staging, entry)  # atomic: readers see a whole entry or none
        except OSError:  # another process wrote the same entry first; theirs is identical
            shutil.rmtree(staging, ignore_errors=True)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return entry, name, template
