"""A scenario's files on the client: what a worker returned, written under ``--out``.

Each file is written atomically (``infrakit.core.files.write_atomic``), ``report.html`` last,
and only once the scenario has finished, so an interrupted batch never leaves a
half-written scenario folder: a folder holds one whole run, this one or an earlier one. The
kit's own files from an earlier run that this run did not produce are removed first (a page
must never show a previous run's notebook or results); nothing else in the folder is touched.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path, PurePosixPath

from infrakit.core.errors import InfrakitError
from infrakit.core.files import make_dirs, write_atomic
from infrakit.report.task import NOTEBOOKS

PAGE = "report.html"
KIT_FILES = tuple(f"{stem}{suffix}" for stem in NOTEBOOKS for suffix in (".ipynb", ".json", ".parquet")) + (
    "kernel.log", PAGE)


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


def write_scenario_files(out_dir: Path, slug: str, files: Mapping[str, bytes], *,
                         worker_folder: str | None = None) -> Path:
    """Write ``files`` (relative path -> bytes) into ``out_dir/slug``; returns the page's path.
    ``worker_folder``: where the files were on the worker (see ``_relocated``)."""
    folder = make_dirs(Path(out_dir) / slug)
    for name in KIT_FILES:
        if name not in files:
            (folder / name).unlink(missing_ok=True)
    order = sorted(files, key=lambda name: (name == PAGE, name))
    for name in order:
        write_atomic(folder / Path(*_safe(name).parts), _relocated(files[name], name, worker_folder, folder))
    return folder / PAGE
