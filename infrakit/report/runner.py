"""The batch runner behind `infrakit report`: check every parameter file, execute both
notebooks per scenario with papermill on the kernel set-up registered into .venv, render
each scenario's HTML report (or its failure page) and the index over the batch.

- Bad input stops the batch before any kernel starts (``InputError``, exit 2).
- A failing scenario gets a failure page and keeps its executed notebook; the others
  still run; the batch reports failure (exit 1).
- ``jobs > 1`` runs scenarios in parallel threads. Kernels talk over IPC sockets in a
  private temporary folder instead of TCP ports, so parallel kernels cannot race for the
  same port (papermill#511: "Address already in use").
- Each scenario that deploys locally gets its own AWS emulator (see ``scenario_emulator``);
  its kernels get the emulator's ``AWS_ENDPOINT_URL`` and dummy credentials.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import importlib.util
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from jupyter_client.manager import AsyncKernelManager

from infrakit.core.errors import InfrakitError
from infrakit.core.files import json_text, write_atomic
from infrakit.core.paths import NOTEBOOK_DIR
from infrakit.core.text import strip_ansi
from infrakit.report import html as pages
from infrakit.report.params import RunSpec, load_run_specs
from infrakit.report.provenance import provenance as current_provenance
from infrakit.report.status import FAILED, decided_figures, run_verdict
from infrakit.report.summary import summary_markdown

KERNEL_NAME = "infrakit"
NOTEBOOKS = ("trade_offs", "decision")
DEFAULT_PARAMS = ("dev", "prod", "seed_model", "seed_ideal")
REAL_AWS_VARIABLES = ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN", "AWS_ROLE_ARN",
                      "AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_CONTAINER_CREDENTIALS_FULL_URI",
                      "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI")
START_TIMEOUT_S = 120
CELL_TIMEOUT_S = 300  # a hung deploy fails its scenario in minutes, not never


def default_param_files() -> list[Path]:
    return [NOTEBOOK_DIR / "params" / f"{name}.yaml" for name in DEFAULT_PARAMS]


class IsolatedKernelManager(AsyncKernelManager):
    """A kernel on IPC sockets in its own temporary folder, with extra environment variables.

    Subclassed per scenario (``extra_env``) because nbclient builds the manager from a class.
    """

    extra_env: dict[str, str | None] = {}
    log_path: str | None = None  # the kernel's own stdout/stderr (not the cells'): kept, not printed

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._ipc_dir = tempfile.mkdtemp(prefix="ik-")  # short: socket paths are limited to ~100 bytes
        self.transport = "ipc"
        self.ip = os.path.join(self._ipc_dir, "kernel")
        self._log_file = None

    async def _async_pre_start_kernel(self, **kw):
        env = dict(kw.pop("env", None) or os.environ)
        for key, value in self.extra_env.items():
            if value is None:
                env.pop(key, None)
            else:
                env[key] = value
        kw["env"] = env
        if self.log_path:
            self._log_file = open(self.log_path, "a", encoding="utf-8")  # noqa: SIM115 - closed in cleanup
            kw["stdout"] = kw["stderr"] = self._log_file
        return await super()._async_pre_start_kernel(**kw)

    async def cleanup_resources(self, restart: bool = False) -> None:
        await super()._async_cleanup_resources(restart=restart)
        if not restart:
            shutil.rmtree(self._ipc_dir, ignore_errors=True)
            if self._log_file is not None:
                self._log_file.close()


def kernel_manager_for(env: dict[str, str | None], log_path: Path | None = None) -> type[IsolatedKernelManager]:
    return type("ScenarioKernelManager", (IsolatedKernelManager,),
                {"extra_env": dict(env), "log_path": str(log_path) if log_path else None})


def check_kernel() -> None:
    from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel

    try:
        KernelSpecManager().get_kernel_spec(KERNEL_NAME)
    except NoSuchKernel:
        raise InfrakitError(
            f"the Jupyter kernel {KERNEL_NAME!r} is not registered in this environment; run 'make setup' (it runs "
            f"'{sys.executable} -m ipykernel install --sys-prefix --name {KERNEL_NAME}')") from None


@dataclass
class RunRecord:
    spec: RunSpec
    status: str = "ok"  # ok | attention | failed (infrakit.report.status)
    failure: dict[str, Any] | None = None
    reasons: list[str] = field(default_factory=list)
    timings_s: dict[str, float] = field(default_factory=dict)
    page: Path | None = None
    trade: dict[str, Any] | None = None
    decision: dict[str, Any] | None = None

    @property
    def duration_s(self) -> float:
        return sum(self.timings_s.values())

    def index_entry(self, out_dir: Path) -> dict[str, Any]:
        entry: dict[str, Any] = {"name": self.spec.scenario["name"], "source": str(self.spec.source),
                                 "status": self.status, "reasons": list(self.reasons),
                                 "href": f"{self.spec.slug}/report.html",
                                 "duration_s": round(self.duration_s, 2),
                                 "timings_s": {k: round(v, 3) for k, v in self.timings_s.items()}}
        if self.failure:
            entry["error"] = f"{self.failure['notebook']}: {self.failure['ename']}: {self.failure['evalue']}"[:300]
            entry["failure"] = {k: v for k, v in self.failure.items() if k != "traceback"}
        compare: dict[str, Any] = {"status": self.status}
        if self.trade:
            picked = decided_figures(self.trade, self.decision)
            given = self.trade["as_given"]
            entry |= {"monthly_usd": picked.get("monthly_usd"), "horizon_usd": picked.get("horizon_usd"),
                      "recommendation": picked.get("description"), "configuration": picked.get("keys"),
                      "as_given_monthly_usd": given.get("monthly_usd"), "as_given_horizon_usd": given.get("horizon_usd"),
                      "decision_is_as_given": picked.get("config_id") == given.get("config_id")}
            compare |= {"recommendation": picked.get("description", ""),
                        "monthly": pages.money(picked.get("monthly_usd")),
                        "horizon": pages.money(picked.get("horizon_usd")),
                        "egress": pages.hours(picked.get("egress_outage_hours_per_year")),
                        "as_given": given["description"], "as_given_monthly": pages.money(given["monthly_usd"])}
        if self.decision:
            entry |= {"preflight": pages.preflight_verdict(self.decision), "deploy": pages.deploy_verdict(self.decision)}
            compare |= {"preflight": entry["preflight"], "deploy": entry["deploy"]}
            step = self.decision["steps"].get("as_given")
            compare["as_given_verdict"] = step["headline"] if step else "the decision is the configuration as given"
        entry["compare"] = compare
        return entry


@dataclass
class BatchResult:
    out_dir: Path
    runs: list[RunRecord]
    timings_s: dict[str, float]
    index: Path

    @property
    def failed(self) -> list[RunRecord]:
        return [r for r in self.runs if r.status == FAILED]


def _utc(value: str) -> dt.datetime:
    return dt.datetime.fromisoformat(value.replace("Z", "+00:00"))


def _kernel_start_s(notebook_path: Path, started: dt.datetime) -> float | None:
    """From the call to the first cell starting: kernel start-up plus papermill's set-up."""
    import nbformat

    nb = nbformat.read(notebook_path, as_version=4)
    for cell in nb.cells:
        start = cell.get("metadata", {}).get("papermill", {}).get("start_time")
        if start:
            return max(0.0, (_utc(start) - started).total_seconds())
    return None


def _failure_from(exc: BaseException, notebook: str) -> dict[str, Any]:
    from papermill.exceptions import PapermillExecutionError

    if isinstance(exc, PapermillExecutionError):
        return {"notebook": notebook, "cell_index": exc.cell_index, "exec_count": exc.exec_count,
                "source": exc.source, "ename": exc.ename, "evalue": strip_ansi(str(exc.evalue)),
                "traceback": "\n".join(exc.traceback)}
    return {"notebook": notebook, "cell_index": None, "exec_count": None, "source": None,
            "ename": type(exc).__name__, "evalue": str(exc), "traceback": ""}


def run_scenario(spec: RunSpec, *, out_dir: Path, provenance: dict[str, Any]) -> RunRecord:
    """Both notebooks for one scenario, then its page. Never raises for a notebook failure."""
    with scenario_emulator(spec) as emulator:
        return _run_notebooks(spec, RunRecord(spec), out_dir=out_dir, emulator=emulator, provenance=provenance)


def _run_notebooks(spec: RunSpec, record: RunRecord, *, out_dir: Path, emulator: EmulatorProcess | None,
                   provenance: dict[str, Any]) -> RunRecord:
    import papermill

    folder = out_dir / spec.slug
    folder.mkdir(parents=True, exist_ok=True)
    for stale in NOTEBOOKS:  # a page must never show a previous run's notebook or results
        for suffix in (".ipynb", ".json", ".parquet"):
            (folder / f"{stale}{suffix}").unlink(missing_ok=True)
    (folder / "kernel.log").unlink(missing_ok=True)
    executed: dict[str, str] = {}
    for stem in NOTEBOOKS:
        output = folder / f"{stem}.ipynb"
        clock = time.perf_counter()
        started = dt.datetime.now(dt.timezone.utc)
        try:
            # Only the decision notebook talks to AWS; it waits for the emulator, if any.
            manager = kernel_manager_for(kernel_env(spec, emulator if stem == "decision" else None),
                                         folder / "kernel.log")
            record.timings_s["emulator_start_s"] = record.timings_s.get("emulator_start_s", 0.0) + (
                time.perf_counter() - clock)
            started = dt.datetime.now(dt.timezone.utc)
            clock = time.perf_counter()
            papermill.execute_notebook(
                NOTEBOOK_DIR / f"{stem}.ipynb", output, parameters={**spec.parameters, "results_dir": str(folder)},
                kernel_name=KERNEL_NAME, progress_bar=False, start_timeout=START_TIMEOUT_S,
                execution_timeout=CELL_TIMEOUT_S, kernel_manager_class=manager,
                # The kernel's working folder, set on the kernel only: papermill's cwd= would
                # os.chdir this whole process, under the other scenarios' threads.
                resources={"metadata": {"path": str(folder)}})
        except Exception as exc:  # noqa: BLE001 - any failure becomes this scenario's failure page
            record.status = "failed"
            record.failure = _failure_from(exc, stem)
        finally:
            record.timings_s[f"{stem}_s"] = time.perf_counter() - clock
            if output.exists():
                executed[f"{stem}.ipynb"] = output.name
                kernel_s = _kernel_start_s(output, started)
                if kernel_s is not None:
                    record.timings_s["kernel_start_s"] = record.timings_s.get("kernel_start_s", 0.0) + kernel_s
                    record.timings_s[f"{stem}_s"] -= kernel_s
        if record.status != "ok":
            break
    clock = time.perf_counter()
    record.trade = pages.load_json(folder / "trade_offs.json")
    record.decision = pages.load_json(folder / "decision.json")
    # The decision notebook raises DecisionFailed at its end (after writing its results) when
    # the run failed, so that papermill alone exits non-zero: that is a verdict, not a crash.
    notebook_failed = record.failure is not None and record.failure.get("ename") != "DecisionFailed"
    verdict = run_verdict(record.trade, record.decision, record.failure if notebook_failed else None)
    record.status, record.reasons = verdict.status, list(verdict.reasons)
    if not notebook_failed:
        record.failure = None
    elif record.failure is None:
        record.failure = {"notebook": "results", "cell_index": None, "exec_count": None, "source": None,
                          "ename": "MissingResults", "evalue": "; ".join(verdict.reasons), "traceback": ""}
    page = folder / "report.html"
    if not notebook_failed and record.trade is not None and record.decision is not None:
        phases = {**(record.trade or {}).get("timings_s", {}), **(record.decision or {}).get("timings_s", {})}
        text = pages.report_page(name=spec.scenario["name"], source=str(spec.source), parameters=spec.parameters,
                                 trade=record.trade, decision=record.decision,
                                 bodies=[pages.notebook_body(folder / f"{s}.ipynb") for s in NOTEBOOKS],
                                 provenance=provenance, timings={**record.timings_s, **phases})
    else:
        text = pages.failure_page(name=spec.scenario["name"], source=str(spec.source), parameters=spec.parameters,
                                  failure=record.failure, notebooks=executed, provenance=provenance,
                                  timings=record.timings_s)
    write_atomic(page, text)
    record.page = page
    record.timings_s["render_s"] = time.perf_counter() - clock
    return record


class EmulatorProcess:
    """``infrakit emulator start`` in its own process: moto keeps its state per process, so
    emulators in one process would share every stack."""

    def __init__(self, *, timeout_s: float = 60.0):
        import queue
        import threading

        self._log = tempfile.TemporaryFile(mode="w+")
        self._timeout_s = timeout_s
        self._endpoint_url: str | None = None
        # Started now and waited for only when the decision notebook needs it: it comes up
        # while the trade-off notebook runs.
        self.process = subprocess.Popen(
            [sys.executable, "-m", "infrakit.cli", "emulator", "start", "--json"], stdout=subprocess.PIPE,
            stderr=self._log, stdin=subprocess.DEVNULL, text=True, start_new_session=True)
        self._lines: queue.Queue = queue.Queue()
        threading.Thread(target=lambda: self._lines.put(self.process.stdout.readline()), daemon=True).start()

    @property
    def endpoint_url(self) -> str:
        import json
        import queue

        if self._endpoint_url is None:
            try:
                self._endpoint_url = json.loads(self._lines.get(timeout=self._timeout_s))["endpoint_url"]
            except (queue.Empty, ValueError, KeyError):
                self.stop()
                self._log.seek(0)
                raise InfrakitError(f"the local AWS emulator did not start within {self._timeout_s:.0f} s: "
                                    f"{self._log.read()[-500:].strip() or 'no output'}. Run `infrakit emulator "
                                    f"start` to see why, or set deploy_target: none in the parameter file.") from None
        return self._endpoint_url

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)  # its Ctrl-C path stops moto cleanly
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if not self._log.closed:
            self._log.close()


@contextlib.contextmanager
def scenario_emulator(spec: RunSpec):
    """A local AWS emulator for one scenario that deploys locally; None when it does not, or
    when this build of the kit has no emulator (the deploy step then says it is unavailable).

    One per scenario, each in its own process: scenarios may share a stack name
    (PaymentApi-dev), and a deploy that updated a stack after other scenarios' stacks were
    created in the same moto server was seen to hang. Separate emulators keep each scenario's
    proof independent of the others and of the order they run in.
    """
    if spec.options.deploy_target != "local" or importlib.util.find_spec("infra_lib.emulator") is None:
        yield None
        return
    emulator = EmulatorProcess()
    try:
        yield emulator
    finally:
        emulator.stop()


def kernel_env(spec: RunSpec, emulator) -> dict[str, str | None]:
    env: dict[str, str | None] = {"MPLBACKEND": "Agg", "PYDEVD_DISABLE_FILE_VALIDATION": "1"}
    if spec.options.deploy_target == "local":
        # Local means local: dummy credentials, no profile, and the emulator as every endpoint.
        from infra_lib.emulator import DUMMY_CREDENTIALS  # never real ones: nothing can reach AWS

        env |= {key: None for key in REAL_AWS_VARIABLES} | DUMMY_CREDENTIALS
        env["AWS_DEFAULT_REGION"] = spec.scenario["region"]
        env["AWS_ENDPOINT_URL"] = emulator.endpoint_url if emulator is not None else None
    return env


def run_batch(paths: Sequence[str | Path], *, out_dir: str | Path = "reports", jobs: int = 1,
              on_done: Callable[[RunRecord], None] | None = None) -> BatchResult:
    """Run every parameter file; see the module docstring. Raises ``InputError`` on bad input
    (before any kernel) and ``InfrakitError`` when the kernel is not set up."""
    timings: dict[str, float] = {}
    clock = time.perf_counter()
    specs = load_run_specs(paths)
    timings["validation_s"] = time.perf_counter() - clock
    check_kernel()
    out_dir = Path(out_dir).resolve()
    out_dir.mkdir(parents=True, exist_ok=True)
    provenance = current_provenance()
    runs: dict[str, RunRecord] = {}
    clock = time.perf_counter()
    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        futures = {pool.submit(run_scenario, spec, out_dir=out_dir, provenance=provenance): spec for spec in specs}
        for future in as_completed(futures):
            record = future.result()
            runs[record.spec.slug] = record
            if on_done:
                on_done(record)
    timings["scenarios_s"] = time.perf_counter() - clock
    ordered = [runs[s.slug] for s in specs]
    entries = [r.index_entry(out_dir) for r in ordered]
    index = out_dir / "index.html"
    text = pages.index_page(entries, provenance)
    write_atomic(index, text)
    write_atomic(out_dir / "index.json", json_text({"runs": entries, "provenance": provenance, "timings_s": timings}))
    write_atomic(out_dir / "summary.md", summary_markdown(entries))
    return BatchResult(out_dir=out_dir, runs=ordered, timings_s=timings, index=index)
