"""One scenario of a report batch, as a task that runs inside a Dask worker (or this process).

``run_scenario_task`` executes both notebooks in a temporary folder of the worker (its own
kernels, its own emulator when it deploys locally), renders the scenario's page, and returns
everything the folder holds as bytes (``ScenarioOutcome``): the client writes them under
``--out``, so workers and client share no filesystem. It never raises for a notebook or a
rendering failure: those are the scenario's failure page.

- A kernel that fails to start (no cell ran) is started once more before the notebook counts
  as failed.
- A batch can be stopped (``stop_batch``): its kernels and emulators in this process are killed
  and its tasks return at once; other batches on a shared worker are untouched.
- Temporary folders are named after the worker's process id; one left by a worker that was
  killed is removed by the next task on that machine.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import os
import re
import shutil
import socket
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from infrakit.core.text import strip_ansi
from infrakit.report import html as pages
from infrakit.report.emulator_process import scenario_emulator, stop_live_emulators
from infrakit.report.kernels import (
    KERNEL_NAME,
    START_TIMEOUT_S,
    batch_scope,
    cell_timeout_s,
    kernel_manager_for,
    stop_live_kernels,
)
from infrakit.report.params import RunSpec
from infrakit.report.status import gate, run_verdict

NOTEBOOKS = ("trade_offs", "decision")
REAL_AWS_VARIABLES = ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN", "AWS_ROLE_ARN",
                      "AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_CONTAINER_CREDENTIALS_FULL_URI",
                      "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI")
KERNEL_START_ATTEMPTS = 2
TEMP_PREFIX = "infrakit-report-"
_STOPPED: set[str] = set()  # batches stopped in this process
_STOPPED_LOCK = threading.Lock()


class Stopped(Exception):
    """The batch was stopped while this scenario ran."""


@dataclass
class ScenarioOutcome:
    """What a scenario's task returns to the client."""

    slug: str
    status: str
    reasons: list[str] = field(default_factory=list)
    failure: dict[str, Any] | None = None
    timings_s: dict[str, float] = field(default_factory=dict)
    trade: dict[str, Any] | None = None
    decision: dict[str, Any] | None = None
    files: dict[str, bytes] = field(default_factory=dict)  # relative path -> content
    worker: str = "local"
    host: str = ""
    kernel_starts: int = 0
    folder: str | None = None  # where the files were on the worker


def _utc(value: str) -> dt.datetime:
    return dt.datetime.fromisoformat(value.replace("Z", "+00:00"))


def kernel_start_s(notebook_path: Path, started: dt.datetime) -> float | None:
    """From the call to the first cell starting: kernel start-up plus papermill's set-up; None
    when no cell started (or there is no notebook)."""
    import nbformat

    try:
        nb = nbformat.read(notebook_path, as_version=4)
    except (OSError, ValueError):
        return None
    for cell in nb.cells:
        start = cell.get("metadata", {}).get("papermill", {}).get("start_time")
        if start:
            return max(0.0, (_utc(start) - started).total_seconds())
    return None


def failure_from(exc: BaseException, notebook: str) -> dict[str, Any]:
    from papermill.exceptions import PapermillExecutionError

    if isinstance(exc, PapermillExecutionError):
        return {"notebook": notebook, "cell_index": exc.cell_index, "exec_count": exc.exec_count,
                "source": exc.source, "ename": exc.ename, "evalue": strip_ansi(str(exc.evalue)),
                "traceback": "\n".join(exc.traceback)}
    import traceback

    return {"notebook": notebook, "cell_index": None, "exec_count": None, "source": None,
            "ename": type(exc).__name__, "evalue": str(exc),
            "traceback": "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))[-4000:]}


def kernel_env(spec: RunSpec, emulator) -> dict[str, str | None]:
    env: dict[str, str | None] = {"MPLBACKEND": "Agg", "PYDEVD_DISABLE_FILE_VALIDATION": "1"}
    if spec.options.deploy_target == "local":
        # Local means local: dummy credentials, no profile, and the emulator as every endpoint.
        from infra_lib.emulator import DUMMY_CREDENTIALS  # never real ones: nothing can reach AWS

        env |= {key: None for key in REAL_AWS_VARIABLES} | DUMMY_CREDENTIALS
        env["AWS_DEFAULT_REGION"] = spec.scenario["region"]
        env["AWS_ENDPOINT_URL"] = emulator.endpoint_url if emulator is not None else None
    return env


def _in_own_thread(work, batch: str | None):
    """``work()`` in a new thread (joined): nbclient runs its own event loop, which must not
    meet one a Dask worker thread already has (threads of an in-process cluster do)."""
    import uuid

    box: dict[str, Any] = {}

    def run():
        with batch_scope(batch):
            try:
                box["value"] = work()
            except BaseException as exc:  # noqa: BLE001 - re-raised in the caller's thread
                box["error"] = exc

    thread = threading.Thread(target=run, name=f"infrakit-notebook-{uuid.uuid4().hex[:8]}", daemon=True)
    thread.start()
    thread.join()
    if "error" in box:
        raise box["error"]
    return box.get("value")


def _check_stopped(batch: str | None) -> None:
    with _STOPPED_LOCK:
        if batch is not None and batch in _STOPPED:
            raise Stopped(f"batch {batch} was stopped")


def _execute(stem: str, source: Path, folder: Path, spec: RunSpec, emulator, outcome: ScenarioOutcome,
             batch: str | None) -> dict[str, Any] | None:
    """One notebook, with one more kernel start when the first fails before any cell ran;
    returns its failure or None. Adds its times to ``outcome.timings_s``."""
    import papermill

    output = folder / f"{stem}.ipynb"
    timings = outcome.timings_s
    failure = None
    for attempt in range(KERNEL_START_ATTEMPTS):
        _check_stopped(batch)
        clock = time.perf_counter()
        # Only the decision notebook talks to AWS; it waits for the emulator, if any.
        try:
            manager = kernel_manager_for(kernel_env(spec, emulator if stem == "decision" else None),
                                         folder / "kernel.log")
        except Exception as exc:  # noqa: BLE001 - an emulator that did not start fails this scenario
            return failure_from(exc, stem)
        finally:
            timings["emulator_start_s"] = timings.get("emulator_start_s", 0.0) + time.perf_counter() - clock
        started = dt.datetime.now(dt.timezone.utc)
        clock = time.perf_counter()
        outcome.kernel_starts += 1
        failure = None
        try:
            _in_own_thread(functools.partial(
                papermill.execute_notebook, source, output,
                parameters={**spec.parameters, "results_dir": str(folder)},
                kernel_name=KERNEL_NAME, progress_bar=False, start_timeout=START_TIMEOUT_S,
                execution_timeout=cell_timeout_s(spec.options.deploy_target), kernel_manager_class=manager,
                # The kernel's working folder, set on the kernel only: papermill's cwd= would
                # os.chdir this whole process, under the other scenarios' threads.
                resources={"metadata": {"path": str(folder)}}), batch)
        except Exception as exc:  # noqa: BLE001 - any failure becomes this scenario's failure page
            failure = failure_from(exc, stem)
        elapsed = time.perf_counter() - clock
        kernel_s = kernel_start_s(output, started) if output.exists() else None
        timings[f"{stem}_s"] = timings.get(f"{stem}_s", 0.0) + elapsed - (kernel_s or 0.0)
        if kernel_s is not None:
            timings["kernel_start_s"] = timings.get("kernel_start_s", 0.0) + kernel_s
        if failure is None or kernel_s is not None:  # a cell ran: the kernel started
            return failure
        _check_stopped(batch)
        if attempt + 1 < KERNEL_START_ATTEMPTS:
            timings["kernel_retries"] = timings.get("kernel_retries", 0) + 1
            output.unlink(missing_ok=True)
    if failure is not None:
        failure["evalue"] = f"the kernel did not start ({KERNEL_START_ATTEMPTS} attempts): {failure['evalue']}"
    return failure


def _verdict(outcome: ScenarioOutcome, folder: Path, failure: dict[str, Any] | None,
             fail_on: str = "failed") -> bool:
    """Status and reasons from the results files; True when the scenario gets a failure page
    (a notebook really failed, or its results are missing).

    ``fail_on`` (the scenario's own report key) is the run's gate: a status it names fails the
    run, as it fails the decision notebook, so that a green batch means safe to ship. A
    ``failed`` status fails the run whatever ``fail_on`` says (``none`` only keeps the notebook
    from raising, for exploring)."""
    outcome.trade = pages.load_json(folder / "trade_offs.json")
    outcome.decision = pages.load_json(folder / "decision.json")
    # The decision notebook raises DecisionFailed at its end (after writing its results) when
    # the run failed, so that papermill alone exits non-zero: that is a verdict, not a crash.
    notebook_failed = failure is not None and failure.get("ename") != "DecisionFailed"
    verdict = gate(run_verdict(outcome.trade, outcome.decision, failure if notebook_failed else None), fail_on)
    outcome.status, outcome.reasons = verdict.status, list(verdict.reasons)
    outcome.failure = failure if notebook_failed else None
    if not notebook_failed and (outcome.trade is None or outcome.decision is None):
        # The notebooks ran without an error yet a results file is missing: the failure page says which.
        outcome.failure = {"notebook": "results", "cell_index": None, "exec_count": None, "source": None,
                           "ename": "MissingResults", "evalue": "; ".join(verdict.reasons), "traceback": ""}
        return True
    return notebook_failed


def _render(spec: RunSpec, outcome: ScenarioOutcome, folder: Path, notebook_failed: bool,
            provenance: dict[str, Any]) -> str:
    """The scenario's page; a page that cannot be rendered becomes the failure page, and a
    failure page that cannot be rendered a plain one. Never raises."""
    common = {"name": spec.scenario["name"], "source": str(spec.source), "parameters": spec.parameters,
              "provenance": provenance}
    try:
        if not notebook_failed and outcome.trade is not None and outcome.decision is not None:
            phases = {**outcome.trade.get("timings_s", {}), **outcome.decision.get("timings_s", {})}
            return pages.report_page(trade=outcome.trade, decision=outcome.decision,
                                     bodies=[pages.notebook_body(folder / f"{s}.ipynb") for s in NOTEBOOKS],
                                     timings={**outcome.timings_s, **phases}, **common)
    except Exception as exc:  # noqa: BLE001 - one page's bug must not cost the batch its index
        outcome.status, outcome.failure = "failed", failure_from(exc, "render")
        outcome.reasons = [f"the report page could not be rendered: {type(exc).__name__}: {exc}"[:400]]
    executed = {f"{s}.ipynb": f"{s}.ipynb" for s in NOTEBOOKS if (folder / f"{s}.ipynb").exists()}
    try:
        return pages.failure_page(failure=outcome.failure, notebooks=executed, timings=outcome.timings_s, **common)
    except Exception as exc:  # noqa: BLE001
        import html

        return (f"<!doctype html><meta charset='utf-8'><title>{html.escape(spec.scenario['name'])}</title>"
                f"<h1>{html.escape(spec.scenario['name'])}: failed</h1><pre>{html.escape(str(outcome.failure))}"
                f"</pre><p>The failure page itself could not be rendered: {html.escape(repr(exc))}</p>")


def collect_files(folder: Path) -> dict[str, bytes]:
    """Every regular file under ``folder`` by its relative path (sockets, links and temporary
    files left out)."""
    out = {}
    for path in sorted(folder.rglob("*")):
        if path.is_symlink() or not path.is_file() or path.name.endswith(".tmp"):
            continue
        out[path.relative_to(folder).as_posix()] = path.read_bytes()
    return out


def remove_orphan_folders(root: str | None = None) -> list[str]:
    """Temporary folders of report tasks whose worker process is gone (killed mid-task)."""
    root = root or tempfile.gettempdir()
    removed = []
    with contextlib.suppress(OSError):
        for name in os.listdir(root):
            match = re.fullmatch(rf"{TEMP_PREFIX}(\d+)-.*", name)
            if match and not os.path.exists(f"/proc/{match.group(1)}") and os.path.exists("/proc/self"):
                shutil.rmtree(os.path.join(root, name), ignore_errors=True)
                removed.append(name)
    return removed


def run_scenario_task(spec: RunSpec, *, notebooks: dict[str, str], provenance: dict[str, Any],
                      batch: str | None = None, expected: dict[str, Any] | None = None) -> ScenarioOutcome:
    """Both notebooks for one scenario, then its page; the folder's files come back as bytes."""
    from infrakit import cluster

    cluster.ensure_this_worker(expected, cluster.REPORT)
    remove_orphan_folders()
    outcome = ScenarioOutcome(slug=spec.slug, status="failed", worker=cluster.worker_address(),
                              host=socket.gethostname())
    work = Path(tempfile.mkdtemp(prefix=f"{TEMP_PREFIX}{os.getpid()}-{spec.slug[:24]}-"))
    try:
        source, folder = work / "notebooks", work / spec.slug
        outcome.folder = str(folder)
        source.mkdir()
        folder.mkdir()
        for stem in NOTEBOOKS:
            (source / f"{stem}.ipynb").write_text(notebooks[stem], encoding="utf-8")
        with batch_scope(batch):
            _check_stopped(batch)
            failure = None
            with scenario_emulator(spec) as emulator:
                for stem in NOTEBOOKS:
                    failure = _execute(stem, source / f"{stem}.ipynb", folder, spec, emulator, outcome, batch)
                    if failure is not None:
                        break
            _check_stopped(batch)  # a kernel killed by stop_batch is no failure of the scenario
        clock = time.perf_counter()
        notebook_failed = _verdict(outcome, folder, failure, spec.options.fail_on)
        page = _render(spec, outcome, folder, notebook_failed, provenance)
        (folder / "report.html").write_text(page, encoding="utf-8")
        outcome.timings_s["render_s"] = time.perf_counter() - clock
        outcome.files = collect_files(folder)
        return outcome
    except Stopped as exc:
        outcome.status, outcome.reasons = "interrupted", [str(exc)]
        return outcome
    finally:
        shutil.rmtree(work, ignore_errors=True)


def stop_batch(batch: str) -> dict[str, list[int]]:
    """Run on every worker when a batch is interrupted: its kernels and emulators in this
    process are killed (its running tasks then return at once)."""
    with _STOPPED_LOCK:
        _STOPPED.add(batch)
    return {"kernels": stop_live_kernels(batch), "emulators": stop_live_emulators(batch)}
