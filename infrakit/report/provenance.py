"""Where a report came from: package versions, the git commit, when it ran."""

from __future__ import annotations

import datetime as dt
import platform
import subprocess
from importlib import metadata
from pathlib import Path
from typing import Any

from infrakit.core.paths import PROJECT_ROOT

PACKAGES = ("infrakit", "pandas", "numpy", "matplotlib", "papermill", "nbconvert", "nbclient", "ipykernel",
            "jupytext", "aws-cdk-lib", "cdk-nag", "cfn-lint", "boto3", "moto", "pyarrow")


def versions() -> dict[str, str]:
    found = {"python": platform.python_version()}
    for name in PACKAGES:
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            found[name] = "not installed"
    return found


def git_commit(root: Path = PROJECT_ROOT) -> dict[str, Any]:
    """HEAD and whether the working tree has changes (a report from uncommitted code says so)."""
    try:
        head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True, timeout=10,
                              check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=root,
                               capture_output=True, text=True, timeout=10, check=True).stdout.strip() != ""
    except (OSError, subprocess.SubprocessError):
        return {"commit": "unknown (not a git checkout)", "dirty": None}
    return {"commit": head, "dirty": dirty}


def provenance() -> dict[str, Any]:
    return {"generated_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"), "git": git_commit(),
            "versions": versions()}
