"""Copying a synthesized cloud assembly to the folder a user names (``synth --out DIR``).

Never delete what the kit did not create: ``--out .`` inside a git work tree once emptied
the folder, ``.git`` and the input scenario included. The rules:

- a folder that does not exist, or is empty, is used;
- a folder holding a cloud assembly the kit wrote before (it carries ``MARKER``, which lists
  the files written) is replaced by the new one: the new assembly is copied beside it, then
  swapped in; only when every file in it is one the kit wrote (a file added since, such as
  notes beside the template, would go with the folder, so it is refused instead);
- anything else (a non-empty folder the kit did not write) is refused as bad input, before
  any synthesis starts.
"""

from __future__ import annotations

import fnmatch
import json
import os
import shutil
import uuid
from pathlib import Path

from infrakit.core.errors import InputError
from infrakit.core.files import DIR_MODE, FILE_MODE, json_text, make_dirs, output_problem
from infrakit.core.text import shown

MARKER = ".infrakit-assembly"
# The CDK CLI's own lock files (``cdk deploy --app DIR`` takes a read lock, ``read.<pid>.<n>.lock``):
# never copied out of the cache, and an earlier assembly may hold a stale one.
CDK_LOCKS = ("read.*.lock", "synth.lock")
# What a cloud assembly holds, for a marker written before it listed its files.
_ASSEMBLY_NAMES = ("manifest.json", "tree.json", "cdk.out", "validation-report.json", "*.template.json",
                   "*.assets.json", "*.metadata.json", "asset.*", *CDK_LOCKS)
MAX_ENTRIES = 10_000  # an assembly holds tens of files; a folder past this is not one the kit wrote


def _listed_files(target: Path) -> set[str] | None:
    """The relative paths the marker lists; None for an older marker that lists none."""
    try:
        data = json.loads((target / MARKER).read_text(encoding="utf-8"))
        files = data["files"]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return {name for name in files if isinstance(name, str)} if isinstance(files, list) else None


def _matches_assembly(relative: str) -> bool:
    top = relative.split("/", 1)[0]
    return any(fnmatch.fnmatch(top, pattern) for pattern in _ASSEMBLY_NAMES)


def _is_kit_file(relative: str, listed: set[str] | None) -> bool:
    if relative == MARKER or any(fnmatch.fnmatch(relative, pattern) for pattern in CDK_LOCKS):
        return True
    return relative in listed if listed is not None else _matches_assembly(relative)


def foreign_files(target: Path, *, limit: int = 5) -> list[str]:
    """Up to ``limit`` relative paths under ``target`` (a folder carrying ``MARKER``) that the
    kit did not write: files it does not list, symbolic links, folders holding none of its files."""
    listed = _listed_files(target)
    kit_dirs = {parent.as_posix() for name in (listed or ()) for parent in Path(name).parents}
    found: list[str] = []
    seen = 0
    for root, dirs, names in os.walk(target):
        for name in [*dirs, *names]:
            seen += 1
            path = Path(root) / name
            relative = path.relative_to(target).as_posix()
            if path.is_symlink() or (path.is_file() and not _is_kit_file(relative, listed)):
                found.append(relative)
            elif path.is_dir() and not (relative in kit_dirs if listed is not None else _matches_assembly(relative)):
                found.append(f"{relative}/")
                dirs.remove(name)  # what it holds goes unlisted: the folder is named
            if len(found) >= limit or seen > MAX_ENTRIES:
                return found or [f"(more than {MAX_ENTRIES:,} entries)"]
    return found


def out_dir_problem(target: Path) -> str | None:
    """Why ``target`` cannot receive an assembly, or None."""
    target = Path(target)
    if not target.exists():
        parent = next((p for p in target.parents if p.exists()), Path("."))
        if not parent.is_dir():
            return (f"--out: {target} cannot be created: {parent} is a file, not a folder; name a folder whose "
                    f"parents are folders (such as cdk.out).")
        if not os.access(parent, os.W_OK):
            return f"--out: {target} cannot be created: {parent} is not writable; choose a folder you can write to."
        return None
    if not target.is_dir():
        return f"--out: {target} is a file, not a folder; name a new or empty folder (such as cdk.out)."
    if (target / MARKER).is_file() or not any(target.iterdir()):
        if not os.access(target, os.W_OK):
            return f"--out: {target} is not writable; choose a folder you can write to."
        if (target / MARKER).is_file() and (extra := foreign_files(target)):
            return (f"--out: {target} holds an assembly an earlier `infrakit synth --out` wrote, and also what it "
                    f"did not write: {shown(', '.join(extra), limit=200)}; replacing the folder would delete "
                    f"them, and the kit never deletes what it did not create. Move them elsewhere, or name a new "
                    f"or empty folder.")
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
        shutil.copytree(source, staging, ignore=shutil.ignore_patterns(MARKER, *CDK_LOCKS))
        written = sorted(p.relative_to(staging).as_posix() for p in staging.rglob("*") if p.is_file())
        (staging / MARKER).write_text(json_text({
            "written_by": "infrakit synth", "note": "the next synth --out may replace this folder when it holds "
                                                   "only these files", "files": written}), encoding="utf-8")
        for path in [staging, *staging.rglob("*")]:  # mkdtemp's 0700 is not for a shared folder
            os.chmod(path, DIR_MODE if path.is_dir() else FILE_MODE)
        if target.exists() and any(target.iterdir()):
            retired = target.parent / f".{target.name}.{uuid.uuid4().hex[:8]}.old"
            os.replace(target, retired)
            os.replace(staging, target)
            shutil.rmtree(retired, ignore_errors=True)  # the kit's own earlier assembly (MARKER and its list checked)
        else:
            if target.exists():
                target.rmdir()  # empty
            os.replace(staging, target)
    except OSError as exc:
        shutil.rmtree(staging, ignore_errors=True)
        raise output_problem(target, exc) from None
