"""The batch runner behind `infrakit report`: check every parameter file, run each scenario as
a task on a Dask cluster (``infrakit.report.task``: both notebooks with papermill on the
kernel ``infrakit``, the page rendered on the worker), write what comes back under ``--out``,
and the index over the batch.

- Bad input stops the batch before any kernel starts (``InputError``, exit 2), and so does an
  output folder holding files the kit did not write (``artefacts.out_dir_problem``): the
  kit's report folders carry a marker.
- The default start_date is resolved once for the batch and injected into both notebooks.
- One code path: ``scheduler`` is an existing cluster's address; otherwise a ``LocalCluster``
  of ``jobs`` worker processes on this machine. Workers are checked at connect
  (``infrakit.cluster.check_workers``). The notebooks go to the workers with each task and the
  files come back to this process, which writes them atomically: no shared filesystem.
- A failing scenario gets a failure page and keeps its executed notebook; a task whose worker
  died is run again elsewhere by the scheduler; the others still run; the batch reports
  failure (exit 1). Nothing a scenario does (a page that cannot be rendered, a lost worker,
  files that cannot be written) costs the batch its index. A scenario's own ``fail_on`` is its
  gate: a status it names fails the run (``status.gate``).
- The output folder is locked (``FolderLock``): a second report into it is refused at once.
- SIGINT or SIGTERM stops the batch promptly: queued scenarios are cancelled, running ones'
  kernels and emulators are killed, the index is written with what finished and the rest
  marked ``interrupted`` (each with a short page of its own beside an earlier run's files), and
  no process the batch started is left (exit 130, whichever signal).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import signal
import sys
import threading
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from infrakit.core.errors import InputError
from infrakit.core.files import FolderLock, json_text, write_atomic
from infrakit.core.paths import NOTEBOOK_DIR
from infrakit.core.signals import SIGNAL_EXIT_CODES
from infrakit.report import html as pages
from infrakit.report.artefacts import (
    PAGE,
    claim_out_dir,
    out_dir_problem,
    write_interrupted_page,
    write_scenario_files,
)
from infrakit.report.emulator_process import EmulatorProcess, scenario_emulator  # noqa: F401 - public seams
from infrakit.report.explain import changes
from infrakit.report.kernels import (  # noqa: F401 - the runner's public names, as before
    CELL_TIMEOUT_S,
    KERNEL_NAME,
    START_TIMEOUT_S,
    IsolatedKernelManager,
    kernel_manager_for,
)
from infrakit.report.params import RunSpec, load_run_specs
from infrakit.report.provenance import provenance as current_provenance
from infrakit.report.status import FAILED, decided_figures
from infrakit.report.summary import summary_markdown
from infrakit.report.task import NOTEBOOKS, ScenarioOutcome, kernel_env, run_scenario_task, stop_batch  # noqa: F401

INTERRUPTED = "interrupted"
DEFAULT_PARAMS = ("dev", "prod", "seed_model", "seed_ideal")
POLL_S = 0.2


def default_param_files() -> list[Path]:
    return [NOTEBOOK_DIR / "params" / f"{name}.yaml" for name in DEFAULT_PARAMS]


@dataclass
class RunRecord:
    spec: RunSpec
    status: str = "ok"  # ok | attention | failed (infrakit.report.status) | interrupted
    failure: dict[str, Any] | None = None
    reasons: list[str] = field(default_factory=list)
    timings_s: dict[str, float] = field(default_factory=dict)
    page: Path | None = None
    trade: dict[str, Any] | None = None
    decision: dict[str, Any] | None = None
    worker: str | None = None
    wall_s: float | None = None  # submitted to written, as the batch saw it

    @property
    def duration_s(self) -> float:
        return sum(v for k, v in self.timings_s.items() if k.endswith("_s"))

    def href(self, out_dir: Path) -> str | None:
        """The run's page relative to the index: the page this run wrote (an interrupted run's
        short page), else None."""
        if self.page is None or not self.page.exists():
            return None
        try:
            return self.page.relative_to(out_dir).as_posix()
        except ValueError:
            return None

    def index_entry(self, out_dir: Path) -> dict[str, Any]:
        entry: dict[str, Any] = {"name": self.spec.scenario["name"], "source": str(self.spec.source),
                                 "status": self.status, "reasons": list(self.reasons),
                                 "href": self.href(out_dir),
                                 "duration_s": round(self.duration_s, 2),
                                 "timings_s": {k: round(v, 3) for k, v in self.timings_s.items()},
                                 "worker": self.worker}
        if self.wall_s is not None:
            entry["wall_s"] = round(self.wall_s, 2)
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
                      "decision_is_as_given": picked.get("config_id") == given.get("config_id"),
                      "changes": changes(given, picked)}
            compare |= {"recommendation": picked.get("description", ""),
                        "monthly": pages.money(picked.get("monthly_usd")),
                        "horizon": pages.money(picked.get("horizon_usd")),
                        "egress": pages.hours(picked.get("egress_outage_hours_per_year")),
                        "as_given": given["description"], "as_given_monthly": pages.money(given["monthly_usd"])}
        if self.decision:
            entry |= {"preflight": pages.preflight_verdict(self.decision), "deploy": pages.deploy_verdict(self.decision)}
            compare |= {"preflight": entry["preflight"], "deploy": entry["deploy"]}
            step = (self.decision.get("steps") or {}).get("as_given")
            compare["as_given_verdict"] = step["headline"] if step else "the decision is the configuration as given"
        entry["compare"] = compare
        return entry


@dataclass
class BatchResult:
    out_dir: Path
    runs: list[RunRecord]
    timings_s: dict[str, float]
    index: Path
    interrupted: str | None = None  # the signal's name when the batch was stopped
    warnings: list[str] = field(default_factory=list)

    @property
    def failed(self) -> list[RunRecord]:
        return [r for r in self.runs if r.status == FAILED]

    @property
    def exit_signal_code(self) -> int | None:
        # one exit code whichever signal stopped it (index.json says which), as infrakit deploy
        return SIGNAL_EXIT_CODES.get(self.interrupted, 130) if self.interrupted else None


class StopSignals:
    """Within the block, SIGINT and SIGTERM set ``event`` (and name the signal) instead of
    raising: the batch then stops at its next poll, and a second signal cannot interrupt the
    clean-up. Off the main thread, signals keep their meaning."""

    def __init__(self, note: Callable[[str], None] | None = None):
        self.event = threading.Event()
        self.name: str | None = None
        self._previous: dict[int, Any] = {}
        self._note = note

    def _handle(self, signum, frame) -> None:
        first = not self.event.is_set()
        self.name = self.name or signal.Signals(signum).name
        self.event.set()
        if self._note:
            self._note("infrakit report: stopping: cancelling queued scenarios, stopping running kernels and "
                       "emulators, writing the index" if first else "infrakit report: already stopping; one moment")

    def __enter__(self) -> StopSignals:
        if threading.current_thread() is threading.main_thread():
            for sig in (signal.SIGINT, signal.SIGTERM):
                self._previous[sig] = signal.signal(sig, self._handle)
        return self

    def __exit__(self, *exc_info) -> None:
        for sig, handler in self._previous.items():
            signal.signal(sig, handler)


def _record_from(spec: RunSpec, outcome: ScenarioOutcome, out_dir: Path, provenance: dict[str, Any]) -> RunRecord:
    record = RunRecord(spec, status=outcome.status, failure=outcome.failure, reasons=list(outcome.reasons),
                       timings_s=dict(outcome.timings_s), trade=outcome.trade, decision=outcome.decision,
                       worker=outcome.worker)
    clock = time.perf_counter()
    files = dict(outcome.files)
    if "report.html" not in files:  # the task itself failed (a lost worker, a mismatch): say so on a page
        files["report.html"] = _failure_page(spec, record, provenance).encode("utf-8")
    record.page = write_scenario_files(out_dir, spec.slug, files, worker_folder=outcome.folder)
    record.timings_s["write_s"] = time.perf_counter() - clock
    return record


def _guarded_record(spec: RunSpec, outcome: ScenarioOutcome, out_dir: Path, provenance: dict[str, Any]) -> RunRecord:
    """``_record_from``, where anything raised while recording (a full disk, a file the worker
    named badly, a bug) fails this scenario alone: it is recorded as failed with the reason, a
    failure page is attempted, and the batch goes on."""
    try:
        return _record_from(spec, outcome, out_dir, provenance)
    except Exception as exc:  # noqa: BLE001 - one scenario's files, never the batch
        failure = {"notebook": "write", "cell_index": None, "exec_count": None, "source": None,
                   "ename": type(exc).__name__, "evalue": str(exc)[:2000], "traceback": ""}
        record = RunRecord(spec, status=FAILED, failure=failure, timings_s=dict(outcome.timings_s),
                           worker=outcome.worker,
                           reasons=[f"its files could not be written under {out_dir}: {type(exc).__name__}: "
                                    f"{exc}"[:400], *outcome.reasons])
        with contextlib.suppress(Exception):
            record.page = write_scenario_files(out_dir, spec.slug, {
                "report.html": _failure_page(spec, record, provenance).encode("utf-8")})
        return record


def _failure_page(spec: RunSpec, record: RunRecord, provenance: dict[str, Any]) -> str:
    try:
        return pages.failure_page(name=spec.scenario["name"], source=str(spec.source), parameters=spec.parameters,
                                  failure=record.failure, notebooks={}, provenance=provenance,
                                  timings=record.timings_s)
    except Exception as exc:  # noqa: BLE001 - the index must still be written
        import html

        return f"<!doctype html><meta charset='utf-8'><h1>failed</h1><pre>{html.escape(repr(exc))}</pre>"


def _task_failure(spec: RunSpec, exc: BaseException) -> ScenarioOutcome:
    """A task that raised (its worker died too often, a worker mismatch, a bug): the scenario
    failed with the reason; the batch goes on."""
    name = type(exc).__name__
    text = str(exc) or name
    if name == "KilledWorker":
        text = f"the workers running this scenario died repeatedly ({text}); see the workers' logs"
    failure = {"notebook": "worker", "cell_index": None, "exec_count": None, "source": None, "ename": name,
               "evalue": text[:2000], "traceback": ""}
    return ScenarioOutcome(slug=spec.slug, status=FAILED, failure=failure,
                           reasons=[f"the scenario's task failed: {name}: {text}"[:400]], worker=None)


def _interrupted(spec: RunSpec, signal_name: str, out_dir: Path, provenance: dict[str, Any]) -> RunRecord:
    """An unfinished scenario: its folder keeps an earlier run's files, if any, and gets a short
    page saying so (the index links to it, never to a stale page as if it were this run's)."""
    earlier_page = out_dir / spec.slug / PAGE
    earlier = None
    with contextlib.suppress(OSError):
        earlier = dt.datetime.fromtimestamp(earlier_page.stat().st_mtime, dt.timezone.utc).isoformat(timespec="seconds")
    reason = f"interrupted by {signal_name} before it finished"
    record = RunRecord(spec, status=INTERRUPTED, reasons=[
        reason + (f"; {spec.slug}/ holds an earlier run's files (from {earlier})" if earlier else "")])
    with contextlib.suppress(Exception):  # a full disk must not cost the batch its index
        record.page = write_interrupted_page(out_dir, spec.slug, pages.interrupted_page(
            name=spec.scenario["name"], reason=reason + ".", earlier=earlier, provenance=provenance))
    return record


def _run_tasks(connection, specs: Sequence[RunSpec], *, out_dir: Path, provenance: dict[str, Any],
               stop: StopSignals, on_done) -> dict[str, RunRecord]:
    """Submit one task per scenario; write each as it completes, until done or stopped."""
    from distributed import as_completed

    from infrakit import cluster

    client = connection.client
    batch = uuid.uuid4().hex[:12]
    notebooks = {stem: (NOTEBOOK_DIR / f"{stem}.ipynb").read_text(encoding="utf-8") for stem in NOTEBOOKS}
    expected = cluster.expected_facts(cluster.REPORT, code=not cluster.is_local(client))
    futures = {}
    submitted = time.perf_counter()
    for spec in specs:
        future = client.submit(run_scenario_task, spec, notebooks=notebooks, provenance=provenance, batch=batch,
                               expected=expected, key=f"infrakit-report-{batch}-{spec.slug}", pure=False)
        futures[future] = spec
    runs: dict[str, RunRecord] = {}
    pending = as_completed(list(futures))
    try:
        while not pending.is_empty() and not stop.event.is_set():
            for future in pending.next_batch(block=False) or ():
                spec = futures[future]
                try:
                    outcome = future.result()
                except Exception as exc:  # noqa: BLE001 - one scenario's task, never the batch
                    outcome = _task_failure(spec, exc)
                if outcome.status == INTERRUPTED and stop.event.is_set():
                    continue
                record = _guarded_record(spec, outcome, out_dir, provenance)
                record.wall_s = time.perf_counter() - submitted
                runs[spec.slug] = record
                future.release()
                if on_done:
                    on_done(record)
            stop.event.wait(POLL_S)
    finally:
        if stop.event.is_set() or len(runs) < len(specs):
            _stop(client, [f for f, s in futures.items() if s.slug not in runs], batch)
    return runs


def _stop(client, unfinished, batch: str) -> None:
    """Cancel what has not finished and stop this batch's kernels and emulators on every worker,
    bounded in time (a worker that does not answer is closed with the cluster)."""
    def work():
        with contextlib.suppress(Exception):
            client.cancel(unfinished, force=True)
        with contextlib.suppress(Exception):
            client.run(stop_batch, batch, on_error="ignore")

    thread = threading.Thread(target=work, daemon=True)
    thread.start()
    thread.join(timeout=20)


def with_one_start_date(specs: Sequence[RunSpec], start_date: str | None = None) -> list[RunSpec]:
    """The batch's default start_date (the first day of next month), resolved once here and
    injected into both notebooks of every scenario that does not set one: each kernel resolving
    it on its own could price from different months around a month's end."""
    from dataclasses import replace

    from infrakit.core.schema import default_start_date

    start_date = start_date or default_start_date()
    out = []
    for spec in specs:
        if spec.parameters.get("start_date") is None:
            spec = replace(spec, parameters={**spec.parameters, "start_date": start_date},
                           scenario={**spec.scenario, "start_date": start_date})
        out.append(spec)
    return out


def _write_index(out_dir: Path, records: list[RunRecord], provenance: dict[str, Any], timings: dict[str, float],
                 extra: dict[str, Any]) -> Path:
    """index.json first (data), then summary.md, then index.html; one failing does not stop the
    others (what failed is raised after)."""
    entries = []
    for record in records:
        try:
            entries.append(record.index_entry(out_dir))
        except Exception as exc:  # noqa: BLE001 - a run that cannot be summarised is still listed
            entries.append({"name": record.spec.scenario["name"], "source": str(record.spec.source),
                            "status": FAILED, "reasons": [f"its index entry could not be built: {exc!r}"[:300]],
                            "href": record.href(out_dir), "duration_s": round(record.duration_s, 2),
                            "timings_s": {}, "worker": record.worker, "compare": {"status": FAILED}})
    index = out_dir / "index.html"
    problems = []
    writers = ((out_dir / "index.json", lambda: json_text({"runs": entries, "provenance": provenance,
                                                           "timings_s": timings, **extra})),
               (out_dir / "summary.md", lambda: summary_markdown(entries)),
               (index, lambda: pages.index_page(entries, provenance)))
    for path, render in writers:
        try:
            write_atomic(path, render())
        except Exception as exc:  # noqa: BLE001
            problems.append((path, exc))
    if problems:
        path, exc = problems[0]
        raise exc
    return index


def run_batch(paths: Sequence[str | Path], *, out_dir: str | Path = "reports", jobs: int = 1,
              scheduler: str | None = None, client=None, on_done: Callable[[RunRecord], None] | None = None,
              on_note: Callable[[str], None] | None = None) -> BatchResult:
    """Run every parameter file; see the module docstring. Raises ``InputError`` on bad input
    (before any kernel), ``LockedError`` when another report writes into ``out_dir``, and
    ``WorkerMismatch`` when a worker cannot run the notebooks as this machine would."""
    from infrakit import cluster

    timings: dict[str, float] = {}
    clock = time.perf_counter()
    specs = with_one_start_date(load_run_specs(paths))
    if scheduler and (problem := cluster.scheduler_problem(scheduler)):
        raise InputError([problem])
    timings["validation_s"] = time.perf_counter() - clock
    out_dir = Path(out_dir).resolve()
    if problem := out_dir_problem(out_dir):
        raise InputError([problem])
    note = on_note or (lambda text: print(text, file=sys.stderr, flush=True))
    with FolderLock(out_dir, what=f"an infrakit report into {out_dir}"), StopSignals(note) as stop:
        claim_out_dir(out_dir)
        provenance = current_provenance()
        runs: dict[str, RunRecord] = {}
        extra: dict[str, Any] = {"warnings": []}
        error: BaseException | None = None
        try:
            clock = time.perf_counter()
            with cluster.connect(scheduler=scheduler, jobs=jobs, client=client) as connection:
                timings["cluster_start_s"] = time.perf_counter() - clock
                clock = time.perf_counter()
                extra["warnings"] = cluster.check_workers(connection.client, cluster.REPORT)
                timings["worker_check_s"] = time.perf_counter() - clock
                extra["cluster"] = {"scheduler": connection.address, "local": connection.local,
                                    "workers": connection.workers}
                for warning in cluster.merge_warnings(extra["warnings"]):
                    note(f"infrakit report: warning: {warning}")
                clock = time.perf_counter()
                if not stop.event.is_set():
                    runs = _run_tasks(connection, specs, out_dir=out_dir, provenance=provenance, stop=stop,
                                      on_done=on_done)
                timings["scenarios_s"] = time.perf_counter() - clock
        except Exception as exc:  # noqa: BLE001 - after some scenarios ran, their index is still written
            if not runs:
                raise  # nothing ran (unreachable scheduler, a worker that differs): no index to write
            error = exc
        cause = stop.name or (f"{type(error).__name__}: {error}" if error else "an early stop")
        records = [runs.get(s.slug) or _interrupted(s, cause, out_dir, provenance) for s in specs]
        index = _write_index(out_dir, records, provenance, timings, extra | {"interrupted": stop.name})
        if error is not None:
            raise error
    return BatchResult(out_dir=out_dir, runs=records, timings_s=timings, index=index, interrupted=stop.name,
                       warnings=list(extra["warnings"]))
