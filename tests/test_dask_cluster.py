"""The kit on Dask clusters: a LocalCluster of worker processes, and separately started
`dask scheduler` / `dask worker` processes on 127.0.0.1 (started and stopped here by process
id). The cluster gives this machine's answer (sweep and report); a worker that differs is
refused at connect, named, with what differs."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pyarrow.dataset as ds
import pytest

from infrakit import cluster
from infrakit.core.schema import load_grid, validate_scenario
from infrakit.sweep_stream import MANIFEST, summarize
from tests.conftest import ROOT
from tests.test_report_faults import alive, assert_all_gone, tree, wait_for

DEFAULT_GRID = ROOT / "notebooks" / "grids" / "default.yaml"
DASK = ROOT / ".venv" / "bin" / "dask"
INFRAKIT = [sys.executable, "-m", "infrakit.cli"]


# --- the check, on facts ---------------------------------------------------------------------

def test_a_worker_is_compared_with_this_machine_and_every_difference_named():
    here = cluster.facts(cluster.REPORT)
    assert here["infrakit"] and here["distributions"]["papermill"] and "price catalog" in here["catalogs"]
    same = json.loads(json.dumps(here))
    assert cluster.differences(here, same, cluster.REPORT) == ([], [])
    other = json.loads(json.dumps(here))
    other["infrakit"] = "0.0.1"
    other["distributions"]["papermill"] = None
    other["distributions"]["pandas"] = "0.1"
    other["kernel"] = False
    other["catalogs"]["price catalog"] = "3 rows effective 2020-01-01 to 2020-01-01 (abc)"
    problems, warnings = cluster.differences(here, other, cluster.REPORT)
    text = "\n".join(problems)
    assert f"infrakit 0.0.1 (here {here['infrakit']})" in text
    assert "missing papermill" in text and "kernel 'infrakit' is not registered" in text
    assert "price catalog differs: 3 rows" in text
    assert warnings == [f"pandas 0.1 (here {here['distributions']['pandas']})"]
    # A sweep needs no kernel.
    sweep_facts = cluster.facts(cluster.SWEEP)
    assert cluster.differences(sweep_facts, {**sweep_facts, "kernel": False}, cluster.SWEEP) == ([], [])


# --- a LocalCluster ------------------------------------------------------------------------------

@pytest.mark.slow
def test_a_local_cluster_sweeps_and_writes_parquet_from_its_workers(tmp_path):
    grid = load_grid(DEFAULT_GRID)
    here, _ = summarize(grid, chunk_rows=16, top_k=5)
    there, info = summarize(grid, chunk_rows=16, top_k=5, jobs=2, parquet=str(tmp_path / "rows"))
    assert there.to_json() == here.to_json()
    assert info["workers"] == 2 and info["where"].startswith("tcp://127.0.0.1:")
    assert ds.dataset(tmp_path / "rows", format="parquet").count_rows() == grid.size
    assert json.loads((tmp_path / "rows" / MANIFEST).read_text())["status"] == "complete"


# --- dask scheduler and dask worker, started by the test ---------------------------------------------

class DaskProcesses:
    """`dask scheduler` and `dask worker`s on 127.0.0.1, each in its own session; stopped by pid."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.processes: list[subprocess.Popen] = []
        self.seen: set[int] = set()
        file = folder / "scheduler.json"
        self._start("scheduler", [str(DASK), "scheduler", "--host", "127.0.0.1", "--port", "0", "--no-dashboard",
                                  "--scheduler-file", str(file)])
        self.address = wait_for(lambda: file.exists() and json.loads(file.read_text() or "{}").get("address"), 60,
                                "the scheduler's address")

    def _start(self, name: str, argv: list[str], env: dict | None = None) -> subprocess.Popen:
        log = open(self.folder / f"{name}.log", "w")  # noqa: SIM115 - kept open by the child
        process = subprocess.Popen(argv, cwd=ROOT, env=env or dict(os.environ), stdout=log, stderr=log,
                                   stdin=subprocess.DEVNULL, start_new_session=True)
        self.processes.append(process)
        return process

    def add_worker(self, name: str, *, preload: Path | None = None) -> subprocess.Popen:
        argv = [str(DASK), "worker", self.address, "--host", "127.0.0.1", "--nthreads", "1", "--nworkers", "1",
                "--no-dashboard", "--name", name, "--memory-limit", "0"]
        if preload:
            argv += ["--preload", str(preload)]
        process = self._start(name, argv, env=dict(os.environ, PYTHONPATH=str(ROOT)))
        from distributed import Client

        with Client(self.address, timeout=60) as client:
            wait_for(lambda: any(w.get("name") == name for w in client.scheduler_info(n_workers=-1)["workers"].values()),
                     120, f"the worker {name}")
            return process

    def worker_address(self, name: str) -> str:
        from distributed import Client

        with Client(self.address, timeout=60) as client:
            return next(a for a, w in client.scheduler_info(n_workers=-1)["workers"].items() if w.get("name") == name)

    def stop(self) -> None:
        for process in self.processes:
            self.seen |= {process.pid} | tree(process.pid)
        for process in reversed(self.processes):  # workers first, then the scheduler
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        deadline = time.monotonic() + 20
        for process in self.processes:
            try:
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        assert_all_gone(self.seen)


@pytest.fixture(scope="module")
def dask_cluster(tmp_path_factory):
    processes = DaskProcesses(tmp_path_factory.mktemp("dask"))
    try:
        processes.add_worker("ext-1")
        yield processes
    finally:
        processes.stop()


def cli(*argv, timeout=600) -> subprocess.CompletedProcess:
    return subprocess.run([*INFRAKIT, *map(str, argv)], cwd=ROOT, capture_output=True, text=True, timeout=timeout)


@pytest.mark.slow
def test_a_sweep_on_an_existing_cluster_is_the_sweep_on_this_machine(dask_cluster, tmp_path):
    remote = cli("sweep", DEFAULT_GRID, "--summary", "--json", "--chunk-rows", "20", "--scheduler", dask_cluster.address)
    local = cli("sweep", DEFAULT_GRID, "--summary", "--json", "--chunk-rows", "20")
    assert remote.returncode == 0 and local.returncode == 0, remote.stderr + local.stderr
    there, here = json.loads(remote.stdout), json.loads(local.stdout)
    assert there.pop("run")["where"] == dask_cluster.address and here.pop("run")["where"] == "this process"
    assert there == here
    # A local folder with a remote cluster: the parts come back to this process, which writes them.
    done = cli("sweep", DEFAULT_GRID, "--parquet", tmp_path / "rows", "--chunk-rows", "50", "--scheduler",
               dask_cluster.address)
    assert done.returncode == 0, done.stderr
    assert ds.dataset(tmp_path / "rows", format="parquet").count_rows() == 128


@pytest.mark.slow
def test_a_report_on_an_existing_cluster_makes_the_decision_of_one_machine(dask_cluster, tmp_path):
    from infrakit.report import trade_offs

    params = tmp_path / "remote.yaml"
    params.write_text("name: remote\nhorizon_months: 12\nnat_strategy: per_az\ndeploy_target: none\n")
    done = cli("report", params, "--out", tmp_path / "out", "--scheduler", dask_cluster.address, timeout=900)
    assert done.returncode == 0, done.stdout + done.stderr
    index = json.loads((tmp_path / "out" / "index.json").read_text())
    [run] = index["runs"]
    assert run["worker"] == dask_cluster.worker_address("ext-1") and index["cluster"]["local"] is False
    study = trade_offs.study(validate_scenario({"name": "remote", "horizon_months": 12, "nat_strategy": "per_az"}))
    row = study.row(study.recommended)
    assert run["recommendation"] == trade_offs.describe(study.config(study.recommended))
    assert run["monthly_usd"] == pytest.approx(round(float(row["monthly_usd"]), 2))
    assert (tmp_path / "out" / "remote" / "report.html").exists() and run["status"] in ("ok", "attention")


@pytest.mark.slow
def test_a_worker_that_differs_is_refused_naming_it(tmp_path):
    preload = tmp_path / "other_version.py"
    preload.write_text("import infrakit\ninfrakit.__version__ = '0.0.0+other'\n")
    processes = DaskProcesses(tmp_path)
    try:
        processes.add_worker("odd-1", preload=preload)
        address = processes.worker_address("odd-1")
        done = cli("sweep", DEFAULT_GRID, "--summary", "--scheduler", processes.address)
        assert done.returncode == 1 and done.stdout == ""
        assert f"worker {address}" in done.stderr and "infrakit 0.0.0+other (here " in done.stderr
        assert "Traceback" not in done.stderr
        params = tmp_path / "p.yaml"
        params.write_text("name: p\ndeploy_target: none\n")
        done = cli("report", params, "--out", tmp_path / "out", "--scheduler", processes.address)
        assert done.returncode == 1 and f"worker {address}" in done.stderr and "0.0.0+other" in done.stderr
        assert not (tmp_path / "out" / "p").exists()  # nothing ran
    finally:
        processes.stop()
    assert not any(alive(p) for p in processes.seen)


def test_an_unreachable_scheduler_is_a_clear_error():
    import socket

    from infrakit.core.errors import InfrakitError, InputError

    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    start = time.monotonic()
    with pytest.raises(InfrakitError, match=f"cannot reach the Dask scheduler at tcp://127.0.0.1:{port}.*dask worker"):
        with cluster.connect(scheduler=f"tcp://127.0.0.1:{port}", timeout_s=2):
            pass
    assert time.monotonic() - start < 30
    with pytest.raises(InputError, match="is not HOST:PORT"):
        with cluster.connect(scheduler="localhost"):
            pass


def test_a_worker_running_other_code_with_the_same_version_is_refused():
    """__version__ does not change with an edit or a commit; the sources' digest does."""
    here = cluster.facts(cluster.REPORT)
    stale = json.loads(json.dumps(here))
    stale["code"] = "0123456789abcdef"
    problems, _ = cluster.differences(here, stale, cluster.REPORT)
    assert stale["infrakit"] == here["infrakit"]
    assert any("infrakit's code differs (sources 0123456789abcdef, here " in p for p in problems), problems
    assert cluster.differences(here, json.loads(json.dumps(here)), cluster.REPORT)[0] == []
    # Workers a LocalCluster of this process spawns load this checkout: their digest is not compared.
    assert "code" not in cluster.expected_facts(cluster.REPORT)
    assert cluster.expected_facts(cluster.REPORT, code=True)["code"] == here["code"]
    assert cluster.differences(cluster.expected_facts(cluster.REPORT), stale, cluster.REPORT)[0] == []


def test_the_code_fingerprint_changes_with_the_sources(tmp_path, monkeypatch):
    package = tmp_path / "ikfp_pkg"
    package.mkdir()
    (package / "__init__.py").write_text("x = 1\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setattr(cluster, "CODE_PACKAGES", ("ikfp_pkg",))
    cluster.code_fingerprint.cache_clear()
    try:
        before = cluster.code_fingerprint()
        (package / "__init__.py").write_text("x = 2\n")
        assert cluster.code_fingerprint() == before  # cached: what this process first saw
        cluster.code_fingerprint.cache_clear()
        assert cluster.code_fingerprint() != before
    finally:
        cluster.code_fingerprint.cache_clear()


def test_an_unreachable_scheduler_fails_fast_at_the_default_timeout():
    import socket

    from infrakit.core.errors import InfrakitError

    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    start = time.monotonic()
    with pytest.raises(InfrakitError, match="nothing answers at 127.0.0.1"):
        with cluster.connect(scheduler=f"tcp://127.0.0.1:{port}"):
            pass
    assert time.monotonic() - start < 5  # not the client's 30 s


@pytest.mark.slow
def test_a_local_cluster_starts_without_a_warning_when_another_holds_the_dashboard_port():
    import socket
    import warnings

    holder = socket.socket()
    with contextlib.suppress(OSError):  # already held by someone else: the same situation
        holder.bind(("127.0.0.1", 8787))
        holder.listen()
    try:
        with warnings.catch_warnings(record=True) as seen:
            warnings.simplefilter("always")
            with cluster.connect(jobs=1) as connection:
                assert connection.local
        assert not [str(w.message) for w in seen if "8787" in str(w.message)]
    finally:
        holder.close()
