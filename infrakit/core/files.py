"""Writing files: atomically, with the same permissions everywhere, and with a clear error
when the disk is full or the folder is read-only.

Every file the kit writes goes through ``write_atomic`` (a temporary file in the same
folder, then ``os.replace``), so a reader sees the old file or the new one, never half of
one, and an interrupted run leaves no partial output. ``mkstemp`` creates files readable by
the owner only; reports are for sharing, so the file gets the mode a plain ``open`` would
give (``0o666`` minus the umask), the same for JSON, HTML, logs and Parquet.
"""

from __future__ import annotations

import datetime as dt
import errno
import json
import math
import os
import tempfile
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from infrakit.core.errors import InfrakitError


class OutputError(InfrakitError):
    """A file or folder could not be written (full disk, read-only folder, permissions)."""


def _read_umask() -> int:
    current = os.umask(0o022)
    os.umask(current)
    return current


# Read once at import: os.umask is process-wide, so probing it later could race other threads.
_UMASK = _read_umask()
FILE_MODE = 0o666 & ~_UMASK
DIR_MODE = 0o777 & ~_UMASK


def output_problem(path: str | os.PathLike, exc: OSError) -> OutputError:
    """An ``OutputError`` that names the path, the cause in words and what to do."""
    import shutil

    if isinstance(exc, shutil.Error) and exc.args and isinstance(exc.args[0], list):
        # copytree collects one (source, destination, reason) per file: the first reason is the cause.
        first = next((why for *_, why in exc.args[0] if why), str(exc))
        return OutputError(f"cannot write {path}: {first}; free some space or choose another output folder (--out)")
    advice = {
        errno.ENOSPC: "the disk is full; free some space or choose another output folder",
        errno.EDQUOT: "the disk quota is exhausted; free some space or choose another output folder",
        errno.EROFS: "the file system is read-only; choose another output folder (--out)",
        errno.EACCES: "permission denied; choose a folder you can write to (--out)",
        errno.EPERM: "permission denied; choose a folder you can write to (--out)",
    }.get(exc.errno, "choose another output folder (--out)")
    return OutputError(f"cannot write {path}: {exc.strerror or exc}; {advice}")


def make_dirs(path: str | os.PathLike) -> Path:
    """``mkdir -p`` with the kit's folder mode; an ``OutputError`` when that is impossible."""
    path = Path(path)
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise output_problem(path, exc) from None
    return path


def write_atomic(path: str | os.PathLike, content: str | bytes | Callable[[str], None]) -> Path:
    """Write ``content`` (text, bytes, or a function that writes the file at the path it is
    given) to ``path`` atomically, with ``FILE_MODE``. Raises ``OutputError`` on a full disk,
    a read-only folder or missing permissions; the old file, if any, is left as it was."""
    path = Path(path)
    make_dirs(path.parent)
    try:
        handle, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as exc:
        raise output_problem(path, exc) from None
    try:
        if callable(content):
            os.close(handle)
            content(temp)
        else:
            data = content.encode("utf-8") if isinstance(content, str) else content
            with os.fdopen(handle, "wb") as out:
                out.write(data)
                out.flush()
                os.fsync(out.fileno())
        os.chmod(temp, FILE_MODE)
        os.replace(temp, path)
    except OSError as exc:
        Path(temp).unlink(missing_ok=True)
        raise output_problem(path, exc) from None
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
    return path


def plain(value: Any) -> Any:
    """JSON-safe: numpy scalars to Python (duck-typed: no numpy import here), NaN and
    infinities to None (JSON has neither; a missing price must read as null, never $0), dates
    to ISO strings, tuples and arrays to lists."""
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [plain(v) for v in value]
    if hasattr(value, "tolist") and not isinstance(value, (str, bytes)):
        return plain(value.tolist())  # numpy arrays and scalars
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if hasattr(value, "isoformat") and callable(value.isoformat):  # pandas Timestamp
        return value.isoformat()
    return value


def json_text(data: Any, *, indent: int | None = 2, sort_keys: bool = False) -> str:
    """``data`` as JSON text (through ``plain``), ending in a newline."""
    return json.dumps(plain(data), indent=indent, sort_keys=sort_keys, allow_nan=False, default=str) + "\n"


def write_json_atomic(path: str | os.PathLike, data: Any, *, sort_keys: bool = False) -> Path:
    return write_atomic(path, json_text(data, sort_keys=sort_keys))


def write_lines_atomic(path: str | os.PathLike, lines: list[str]) -> Path:
    return write_atomic(path, "\n".join(lines) + "\n")


class FolderLock:
    """An exclusive lock on a folder held by one process at a time (``fcntl.flock`` on a
    ``.infrakit.lock`` file inside it, removed on release), for work that must not run twice
    at once: two reports into one folder, two deploys of one stack.

    ``acquire`` raises ``LockedError`` at once (never waits) naming the holder's process id.
    """

    NAME = ".infrakit.lock"

    def __init__(self, folder: str | os.PathLike, *, what: str):
        self.folder = Path(folder)
        self.path = self.folder / self.NAME
        self.what = what
        self._handle = None

    def acquire(self) -> FolderLock:
        import fcntl

        make_dirs(self.folder)
        while True:
            try:
                handle = open(self.path, "a+")  # noqa: SIM115 - held until release()
            except OSError as exc:
                raise output_problem(self.path, exc) from None
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                handle.seek(0)
                holder = handle.read().strip() or "another process"
                handle.close()
                raise LockedError(f"{self.what} is already running (process {holder} holds {self.path}); wait for "
                                  f"it to finish, or use another folder") from None
            # The holder before us may have removed the file after we opened it: lock the file
            # that is there now, not an unlinked one.
            try:
                same = os.fstat(handle.fileno()).st_ino == os.stat(self.path).st_ino
            except FileNotFoundError:
                same = False
            if same:
                break
            handle.close()
        try:
            handle.seek(0)
            handle.truncate()
            handle.write(str(os.getpid()))
            handle.flush()
        except OSError as exc:  # a full disk: the lock is held all the same, the holder's pid just unsaid
            if exc.errno not in (errno.ENOSPC, errno.EDQUOT):
                handle.close()
                raise output_problem(self.path, exc) from None
        self._handle = handle
        return self

    def acquire_waiting(self, timeout_s: float, *, poll_s: float = 0.2) -> FolderLock:
        """``acquire``, taking turns: wait up to ``timeout_s`` for the holder to finish, then
        raise ``LockedError`` as ``acquire`` does."""
        import time

        deadline = time.monotonic() + timeout_s
        while True:
            try:
                return self.acquire()
            except LockedError:
                if time.monotonic() >= deadline:
                    raise
                time.sleep(poll_s)

    def release(self) -> None:
        if self._handle is None:
            return
        try:
            self.path.unlink(missing_ok=True)
        finally:
            self._handle.close()  # closing drops the flock
            self._handle = None

    def __enter__(self) -> FolderLock:
        return self.acquire()

    def __exit__(self, *exc_info) -> None:
        self.release()


class LockedError(InfrakitError):
    """Someone else holds the folder's lock."""
