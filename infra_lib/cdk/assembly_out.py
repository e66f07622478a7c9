"""Copying a synthesized cloud assembly to the folder a user names (``synth --out DIR``).

Never delete what the kit did not create: ``--out .`` inside a git work tree once emptied
the folder, ``.git`` and the input scenario included. The rules:

- a folder that does not exist, or is empty, is used;
- a folder holding a cloud assembly the kit wrote before (it carries ``MARKER``) is replaced
  by the new one: the new assembly is copied beside it, then swapped in;
- anything else (a non-empty folder the kit did not write) is refused as bad input, before
  any synthesis starts.
"""

from __future__ import annotations

import os
import shutil
import uuid
from pathlib import Path

from infrakit.core.errors import InputError
from infrakit.core.files import DIR_MODE, FILE_MODE, make_dirs, output_problem

MARKER = ".infrakit-assembly"


def out_dir_problem(target: Path) -> str | None:
    """Why ``target`` cannot receive an assembly, or None."""
    target = Path(target)
    if not target.exists():
        parent = next((p for p in target.parents if p.exists()), Path("."))
        if not os.access(parent, os.W_OK):
            return f"--out: {target} cannot be created: {parent} is not writable; choose a folder you can write to."
        return None
    if not target.is_dir():
        return f"--out: {target} is a file, not a folder; name a new or empty folder (such as cdk.out)."
    if (target / MARKER).is_file() or not any(target.iterdir()):
        if not os.access(target, os.W_OK):
            return f"--out: {target} is not writable; choose a folder you can write to."
        return None
    return (f"--out: {target} is not empty and was not written by infrakit; the kit never deletes what it did "
            f"not create. Name a new or empty folder (such as cdk.out), or one an earlier `infrakit synth --out` "
            f"wrote.")


def check_out_dir(target: Path) -> None:
    if problem := out_dir_problem(target):
        raise InputError([problem])


def copy_assembly(source: Path, target: Path) -> None:
    """Copy the assembly folder ``source`` to ``target`` (see the module docstring)."""
    target = Path(target)
    check_out_dir(target)
    make_dirs(target.parent)
    staging = target.parent / f".{target.name}.{uuid.uuid4().hex[:8]}.tmp"
    try:
        shutil.copytree(source, staging)
        (staging / MARKER).write_text("written by infrakit synth; the next synth --out may replace this folder\n")
        for path in [staging, *staging.rglob("*")]:  # mkdtemp's 0700 is not for a shared folder
            os.chmod(path, DIR_MODE if path.is_dir() else FILE_MODE)
        if target.exists() and any(target.iterdir()):
            retired = target.parent / f".{target.name}.{uuid.uuid4().hex[:8]}.old"
            os.replace(target, retired)
            os.replace(staging, target)
            shutil.rmtree(retired, ignore_errors=True)  # the kit's own earlier assembly (MARKER checked)
        else:
            if target.exists():
                target.rmdir()  # empty
            os.replace(staging, target)
    except OSError as exc:
        shutil.rmtree(staging, ignore_errors=True)
        raise output_problem(target, exc) from None
