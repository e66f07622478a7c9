"""A scenario's files on the client: what a worker returned, written under ``--out``.

Each file is written atomically (``infrakit.core.files.write_atomic``), ``report.html`` last,
and only once the scenario has finished, so an interrupted batch never leaves a
half-written scenario folder: a folder holds one whole run, this one or an earlier one. The
kit's own files from an earlier run that this run did not produce are removed first (a page
must never show a previous run's notebook, results or deploy record); nothing else in the
folder is touched.

What the kit wrote is listed in the folder's ``MANIFEST`` (relative paths); a folder an older
kit wrote has none, and then only the kit's known names count as its own (``KIT_FILES``, and
the decision notebook's ``deploy/`` files, its assembly only when it carries the assembly
marker).
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterable, Mapping
from pathlib import Path, PurePosixPath

from infrakit.core.errors import InfrakitError
from infrakit.core.files import json_text, make_dirs, write_atomic
from infrakit.report.task import NOTEBOOKS

PAGE = "report.html"
INTERRUPTED_PAGE = "interrupted.html"  # an interrupted run's note beside an earlier run's files
MANIFEST = ".infrakit-files.json"
KIT_FILES = tuple(f"{stem}{suffix}" for stem in NOTEBOOKS for suffix in (".ipynb", ".json", ".parquet")) + (
    "kernel.log", PAGE, INTERRUPTED_PAGE)
# What the decision notebook's deploy writes under its results folder (infrakit.deploy): the
# names a folder without a manifest may hold from the kit.
DEPLOY_FILES = ("deploy/deploy.json", "deploy/destroy.json", "deploy/outputs.json", "deploy/cdk-deploy.log",
                "deploy/cdk-destroy.log")
ASSEMBLY = "deploy/assembly"


def _safe(relative: str) -> PurePosixPath:
    path = PurePosixPath(relative)
    if path.is_absolute() or ".." in path.parts or not path.parts:
        raise InfrakitError(f"a worker returned a file outside its scenario folder: {relative!r}")
    return path


def _relocated(data: bytes, name: str, worker_folder: str | None, folder: Path) -> bytes:
    """Text files name the worker's temporary folder (deploy.json's paths, the notebooks'
    injected ``results_dir``): name the folder the files now live in instead."""
    if not worker_folder or name.endswith(".parquet") or worker_folder.encode() not in data:
        return data
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return data
    return data.replace(worker_folder.encode(), str(folder).encode())


def kit_files(folder: Path) -> list[str]:
    """The relative paths of the files the kit wrote in ``folder`` (its manifest, else the
    kit's known names that are there)."""
    try:
        listed = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))["files"]
        return [name for name in listed if isinstance(name, str) and _is_safe(name)]
    except (OSError, ValueError, KeyError, TypeError):
        pass
    names = [name for name in (*KIT_FILES, *DEPLOY_FILES) if (folder / name).is_file()]
    assembly = folder / ASSEMBLY
    from infra_lib.cdk.assembly_out import MARKER, MAX_ENTRIES, foreign_files

    if (assembly / MARKER).is_file():  # the kit's assembly: its files, less any added since
        foreign = foreign_files(assembly, limit=MAX_ENTRIES)
        for path in sorted(assembly.rglob("*")):
            relative = path.relative_to(assembly).as_posix()
            if path.is_file() and not path.is_symlink() and not any(
                    relative == f or (f.endswith("/") and relative.startswith(f)) for f in foreign):
                names.append(f"{ASSEMBLY}/{relative}")
    return names


def _is_safe(name: str) -> bool:
    try:
        _safe(name)
    except InfrakitError:
        return False
    return True


def _remove_earlier(folder: Path, keep: Iterable[str]) -> None:
    """Delete the kit's own earlier files that this run does not write again, and the folders
    that leaves empty (only those)."""
    keep = set(keep)
    emptied: set[Path] = set()
    for name in kit_files(folder):
        if name in keep:
            continue
        path = folder / Path(*PurePosixPath(name).parts)
        if path.is_file() and not path.is_symlink():
            path.unlink(missing_ok=True)
            emptied.update(p for p in path.parents if folder in p.parents)
    for path in sorted(emptied, key=lambda p: len(p.parts), reverse=True):
        with contextlib.suppress(OSError):
            path.rmdir()  # only an empty folder goes


def write_scenario_files(out_dir: Path, slug: str, files: Mapping[str, bytes], *,
                         worker_folder: str | None = None) -> Path:
    """Write ``files`` (relative path -> bytes) into ``out_dir/slug``; returns the page's path.
    ``worker_folder``: where the files were on the worker (see ``_relocated``)."""
    folder = make_dirs(Path(out_dir) / slug)
    names = [_safe(name).as_posix() for name in files]
    earlier = kit_files(folder)
    # The manifest lists what is there now, before and after: nothing the kit wrote goes unlisted.
    write_atomic(folder / MANIFEST, json_text({"files": sorted(set(earlier) | set(names))}))
    _remove_earlier(folder, names)
    order = sorted(files, key=lambda name: (name == PAGE, name))
    for name in order:
        write_atomic(folder / Path(*_safe(name).parts), _relocated(files[name], name, worker_folder, folder))
    write_atomic(folder / MANIFEST, json_text({"files": sorted(names)}))
    return folder / PAGE


def write_interrupted_page(out_dir: Path, slug: str, html_text: str) -> Path:
    """An interrupted run's short page beside whatever an earlier run left (which stays)."""
    folder = make_dirs(Path(out_dir) / slug)
    earlier = kit_files(folder)
    write_atomic(folder / MANIFEST, json_text({"files": sorted({*earlier, INTERRUPTED_PAGE})}))
    return write_atomic(folder / INTERRUPTED_PAGE, html_text)



# --- the output folder: the kit's own, or refused ---------------------------------------------

OUT_MARKER = ".infrakit-report"  # in every folder `infrakit report --out` writes
_HARMLESS = frozenset({".gitkeep", ".infrakit.lock", OUT_MARKER})
REPO_SCREENSHOTS = "screenshots"  # reports/screenshots/: what the report's browser test (make test) saves


def _legacy_index(folder: Path) -> bool:
    """An index.json an earlier kit wrote (before the marker): it has "runs" and "provenance"."""
    try:
        data = json.loads((folder / "index.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(data, dict) and {"runs", "provenance"} <= set(data)


def out_dir_problem(folder: Path) -> str | None:
    """Why ``infrakit report --out folder`` must not write there (bad input), or None: it would
    overwrite index.html, index.json, summary.md and scenario folders, so a folder holding
    files the kit did not write is refused. Accepted: a new or empty folder (``.gitkeep`` only
    counts as empty), one carrying ``OUT_MARKER``, or one with an earlier kit's index.json; the
    repository's own reports/ may also hold what `infrakit deploy`, the notebooks and `make test`
    write there."""
    from infrakit.core import paths
    from infrakit.core.text import shown

    folder = Path(folder)
    if not folder.exists():
        return None
    if not folder.is_dir():
        return f"--out: {folder} is a file, not a folder; name a new or empty folder for the report."
    if (folder / OUT_MARKER).is_file() or _legacy_index(folder):
        return None
    kits = {paths.DEPLOY_RUNS_DIR.name, paths.INTERACTIVE_RESULTS_DIR.name, REPO_SCREENSHOTS} \
        if folder == paths.REPORTS_DIR else set()
    foreign = sorted(p.name for p in folder.iterdir() if p.name not in _HARMLESS and p.name not in kits)
    if not foreign:
        return None
    listed = ", ".join(shown(name, limit=60) for name in foreign[:5]) + (f" and {len(foreign) - 5} more"
                                                                        if len(foreign) > 5 else "")
    return (f"--out: {folder} holds files infrakit did not write ({listed}); the report writes index.html, "
            f"index.json, summary.md and a folder per scenario there and never overwrites what it did not create. "
            f"Name a new or empty folder (e.g. --out reports), or one an earlier `infrakit report` wrote.")


def claim_out_dir(folder: Path) -> None:
    """Mark ``folder`` as the kit's report folder (see ``out_dir_problem``)."""
    folder = make_dirs(folder)
    if not (folder / OUT_MARKER).is_file():
        write_atomic(folder / OUT_MARKER, "written by infrakit report; a later `infrakit report --out` may replace "
                                          "the report files here (index.*, summary.md, scenario folders)\n")
