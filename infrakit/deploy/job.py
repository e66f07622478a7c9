"""One deploy or destroy run: its request checked up front, its folder and stack held
exclusively, its result recorded from the first moment, and every way it can end — a step's
verdict, Ctrl-C or SIGTERM, a target that stops answering, a full disk — turned into a
result that is written whenever it can be.

``run.py`` holds the steps; this module holds what every step relies on.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import errno
import functools
import hashlib
import os
import shutil
import tempfile
import time
from collections.abc import Callable, Mapping
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NoReturn

from infrakit.core import paths, signals
from infrakit.core.errors import InputError
from infrakit.core.files import (
    FolderLock,
    LockedError,
    OutputError,
    output_problem,
    write_json_atomic,
    write_lines_atomic,
)
from infrakit.core.text import shown
from infrakit.deploy.results import (
    FAILED,
    INTERRUPTED,
    REFUSED,
    RUNNING,
    DeployInterrupted,
    DeployOutputError,
    DeployResult,
)
from infrakit.deploy.target import Target, TargetUnreachable, check_target, cleanup_hint, stack_lock_key

Progress = Callable[[str], None]
# An unwritable folder is the caller's choice (bad input); a full disk is not.
# ENOENT after mkdir(parents=True): a place that cannot hold folders at all (/proc/x).
_BAD_FOLDER_ERRNOS = {errno.EROFS, errno.EACCES, errno.EPERM, errno.ENOTDIR, errno.EEXIST, errno.ENAMETOOLONG,
                      errno.ENOENT}


class Finished(Exception):  # noqa: N818 - a verdict, not an error
    """A step decided the outcome; the job's result holds it."""


class _Busy(Exception):  # noqa: N818
    def __init__(self, message: str, *, written: bool):
        super().__init__(message)
        self.written = written


@dataclass
class Job:
    action: str  # "deploy" | "destroy"
    scenario: dict[str, Any]  # validated
    stack: str
    target: str
    run_dir: Path
    progress: Progress
    override: str | None = None
    result: DeployResult = field(init=False)
    tgt: Target | None = None
    cli_started: bool = False
    cli_lines: list[str] = field(default_factory=list)
    exits: ExitStack = field(default_factory=ExitStack)
    started: float = field(default_factory=time.perf_counter)

    def __post_init__(self):
        self.result = DeployResult(stack=self.stack, target=self.target, status=RUNNING)

    @property
    def region(self) -> str:
        return self.scenario["region"]

    @property
    def record_path(self) -> Path:
        return self.run_dir / f"{self.action}.json"

    @property
    def log_path(self) -> Path:
        return self.run_dir / f"cdk-{self.action}.log"

    @contextlib.contextmanager
    def phase(self, name: str):
        start = time.perf_counter()
        try:
            yield
        finally:
            self.result.phases_s[name] = self.result.phases_s.get(name, 0.0) + time.perf_counter() - start

    def finish(self, status: str, message: str) -> NoReturn:
        """End the run here with ``status``."""
        self.result.status, self.result.message = status, message
        raise Finished

    def fail(self, message: str, **failure: Any) -> NoReturn:
        self.result.fail(message, **failure)
        raise Finished

    @functools.cached_property
    def work_dir(self) -> Path:
        """A scratch folder for the CLI (its cwd and outputs file) outside ``--out``, removed at the end."""
        work = Path(tempfile.mkdtemp(prefix=f"infrakit-{self.action}-"))
        self.exits.callback(shutil.rmtree, work, ignore_errors=True)
        return work


# --------------------------------------------------------------------------- the request

def prepare_job(action: str, scenario: Mapping[str, Any], *, target: str, out_dir, progress: Progress | None,
                override: str | None = None, folder: bool = True) -> Job:
    """Everything that can reject the request, all problems at once, before anything slow."""
    from infra_lib.cdk.synth import stack_name
    from infrakit.core.schema import validate_scenario
    from infrakit.deploy.cdk_cli import check_cdk_cli

    problems: list[str] = []
    checked = None

    def collect(check: Callable[[], Any]) -> Any:
        try:
            return check()
        except InputError as exc:
            problems.extend(exc.problems)

    target_ok = collect(lambda: check_target(target))
    override = collect(lambda: _check_override(override))
    checked = collect(lambda: validate_scenario(dict(scenario)))
    run_dir = Path(tempfile.gettempdir())
    if checked is not None and folder:
        run_dir = Path(out_dir) if out_dir is not None else paths.DEPLOY_RUNS_DIR / f"{stack_name(checked)}-{target}"
        problems.extend(check_out_dir(run_dir, given=out_dir is not None))
        if action == "deploy":
            problems.extend(assembly_problems(run_dir, given=out_dir is not None))
    if target_ok == "aws":
        collect(_check_aws_credentials)
    if problems:
        raise InputError(problems)
    check_cdk_cli()
    return Job(action, checked, stack_name(checked), target, run_dir, progress or (lambda line: None), override)


def _check_override(reason: str | None) -> str | None:
    if reason is None:
        return None
    if not str(reason).strip():
        raise InputError(["--override-preflight: give the reason for deploying despite preflight errors, e.g. "
                          "--override-preflight 'reproducing the seed failure'; it is recorded in the result."])
    return str(reason).strip()


def _check_aws_credentials() -> None:
    from infrakit.aws_env import credentials_available, profile_problem

    if problem := profile_problem():
        raise InputError([f"--target aws: {problem}"])
    if not credentials_available():
        raise InputError(["--target aws: no AWS credentials found (no AWS_PROFILE, AWS_ACCESS_KEY_ID or "
                          "~/.aws/credentials|config). Configure them (`aws configure` or `aws sso login "
                          "--profile NAME` then `export AWS_PROFILE=NAME`), or deploy with --target local."])


def check_out_dir(folder: Path, *, given: bool = True) -> list[str]:
    """Problems (bad input) with writing into ``folder``: it is a file, read-only, not ours to
    write. Creates it. A full disk is no bad input: that raises ``OutputError``."""
    what = f"--out: {folder}" if given else f"{folder} (the default --out)"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        handle, probe = tempfile.mkstemp(prefix=".infrakit-probe-", dir=folder)
        os.close(handle)
        os.unlink(probe)
    except OSError as exc:
        if exc.errno not in _BAD_FOLDER_ERRNOS:
            raise output_problem(folder, exc) from None
        return [f"{what} cannot be written ({exc.strerror or exc}); choose a folder you can write to with --out."]
    return []


def assembly_problems(folder: Path, *, given: bool = True) -> list[str]:
    """A deploy copies its cloud assembly to ``folder/assembly``, replacing the kit's own earlier
    copy: one the kit did not write (no ``MARKER``) is refused here, before any slow work, as the
    kit never deletes what it did not create."""
    from infra_lib.cdk.assembly_out import MARKER, foreign_files

    assembly = folder / "assembly"
    what = "--out" if given else "the default --out"
    if not assembly.exists():
        return []
    if (assembly / MARKER).is_file():
        if extra := foreign_files(assembly):
            return [f"{what}: {assembly} holds the kit's earlier assembly and also what it did not write "
                    f"({shown(', '.join(extra), limit=200)}); the deploy replaces that folder and never deletes what "
                    f"it did not create. Move them elsewhere, or choose another folder with --out."]
        return []
    if not assembly.is_dir():
        return [f"{what}: {assembly} is a file infrakit did not write; the deploy copies its cloud assembly to that "
                f"name. Move the file away, or choose another folder with --out."]
    if not any(assembly.iterdir()):
        return []
    return [f"{what}: {assembly} holds files infrakit did not write (no {MARKER} marker); the deploy replaces that "
            f"folder with its cloud assembly and never deletes what it did not create. Move it away, or choose "
            f"another folder with --out."]


# --------------------------------------------------------------------------- running a job

def run_job(job: Job, steps: Callable[[Job], None]) -> DeployResult:
    """Run ``steps`` holding the run folder and the stack, with the result on disk from the
    start (status ``running``) to the end. Raises ``DeployInterrupted`` on Ctrl-C or SIGTERM
    and ``DeployOutputError`` when the result itself cannot be written."""
    interrupted = None
    try:
        with _exclusive(job):
            _write_record(job)
            try:
                steps(job)
            except Finished:
                pass
            except KeyboardInterrupt as exc:  # Ctrl-C, or SIGTERM (signals.Terminated)
                interrupted = exc
                with signals.shielded():
                    _record_interruption(job, exc)
            except TargetUnreachable as exc:
                job.result.fail(str(exc), kind="emulator" if job.target == "local" else "aws")
            except OutputError as exc:
                job.result.fail(_output_message(job, exc), kind="output")
            except BaseException as exc:  # a bug: the record must not keep saying "running"
                job.result.fail(f"internal error during the {job.action}: {exc!r}", kind="internal")
                with signals.shielded():
                    _end(job)
                raise
            with signals.shielded():
                _end(job)
    except _Busy as busy:
        job.result.status, job.result.message = REFUSED, str(busy)
        job.result.duration_s = time.perf_counter() - job.started
        job.progress(f"infrakit: {busy}")
    if interrupted is not None:
        raise DeployInterrupted(job.result) from None
    return job.result


def stack_lock_path(target: str, region: str, stack: str) -> Path | None:
    """The lock folder for "this stack on this target" (None for an emulator only this process reaches)."""
    key = stack_lock_key(target, region, stack)
    if key is None:
        return None
    digest = hashlib.sha256(key.encode()).hexdigest()[:12]
    return paths.cache_dir() / "locks" / f"{stack}-{target}-{digest}"


@contextlib.contextmanager
def _exclusive(job: Job):
    """The run folder, then the stack on its target (when others can reach it), for this job alone."""
    folder_lock = FolderLock(job.run_dir, what=f"infrakit {job.action} into {job.run_dir}")
    _acquire(folder_lock, f"another infrakit deploy or destroy is writing into {job.run_dir}",
             "or give another --out", written=False)
    try:
        stack_lock = None
        if lock_path := stack_lock_path(job.target, job.region, job.stack):
            stack_lock = FolderLock(lock_path, what=f"a deploy or destroy of {job.stack}")
            where = os.environ.get("AWS_ENDPOINT_URL") if job.target == "local" else f"AWS {job.region}"
            _acquire(stack_lock, f"another infrakit deploy or destroy of {job.stack} on {where} is running",
                     "(two at once leave duplicate or half-made stacks)", written=True, job=job)
        try:
            yield
        finally:
            if stack_lock:
                stack_lock.release()
    finally:
        folder_lock.release()


def _acquire(lock: FolderLock, busy: str, advice: str, *, written: bool, job: Job | None = None) -> None:
    try:
        lock.acquire()
    except LockedError:
        try:
            holder = lock.path.read_text().strip() or "unknown"
        except OSError:
            holder = "unknown"
        message = f"{busy} (process {holder}, lock {lock.path}); wait for it to finish {advice}."
        if job is not None and written:  # our own folder: the refusal is recorded there
            job.result.status, job.result.message = REFUSED, message
            job.result.duration_s = time.perf_counter() - job.started
            with contextlib.suppress(OutputError):
                write_json_atomic(job.record_path, job.result.to_json(), sort_keys=True)
        raise _Busy(message, written=written) from None
    except OSError as exc:  # the lock file itself cannot be written (full disk)
        raise output_problem(lock.path, exc) from None


def _write_record(job: Job) -> None:
    """Replace any older record at once: until this run ends, the file says it is running."""
    result = job.result
    result.started_at = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    result.pid = os.getpid()
    result.message = (f"{job.action} of {job.stack} on {job.target} started at {result.started_at} by process "
                      f"{result.pid} and has not ended; if that process is gone, it was killed before it could "
                      f"record an outcome: check the stack (`infrakit diff`) before trusting older files here.")
    write_json_atomic(job.record_path, result.to_json(), sort_keys=True)


def _record_interruption(job: Job, exc: BaseException) -> None:
    result = job.result
    result.status = INTERRUPTED
    result.interrupted_by = signals.signal_name(exc)
    how = "Ctrl-C" if result.interrupted_by == "SIGINT" else result.interrupted_by
    if not job.cli_started:
        result.message = (f"interrupted ({how}) before the CDK CLI started; nothing was "
                          f"{'deployed or changed' if job.action == 'deploy' else 'deleted'}.")
        return
    from infrakit.deploy.readback import stack_status

    try:
        result.stack_status = stack_status(job.tgt, job.stack) if job.tgt else None
        state = result.stack_status or "not created"
    except Exception:  # noqa: BLE001 - the interruption is the outcome; the state is a bonus
        state = "unknown (the target did not answer)"
    result.cleanup = cleanup_hint(job.tgt, scenario_name=job.scenario["name"]) if job.tgt else None
    result.message = (f"interrupted ({how}) during the {job.action} of {job.stack} on {job.target}; stack status: "
                      f"{state}. {result.cleanup or ''}").strip()


def _output_message(job: Job, exc: OutputError) -> str:
    done = {"deployed": "was deployed", "no_changes": "was already deployed"}.get(job.result.status)
    if done:
        return f"{job.stack} {done} on {job.target}, but its results could not be saved: {exc}"
    return f"the {job.action} of {job.stack} stopped: {exc}"


def _end(job: Job) -> None:
    """Close the target, write the CLI's log and the result; raise ``DeployOutputError`` when
    the result cannot be written even after making room."""
    job.exits.close()  # the in-process emulator stops here, after every read-back
    result = job.result
    result.duration_s = time.perf_counter() - job.started
    result.pid = None
    if result.status == RUNNING:  # a step returned without a verdict: a bug, never "running" on disk
        result.fail(f"internal error: the {job.action} ended without an outcome", kind="internal")
    if job.cli_lines:
        try:
            write_lines_atomic(job.log_path, job.cli_lines)
        except OutputError as exc:
            _note_output_failure(job, exc)
    if result.status in (FAILED, REFUSED):
        job.progress(f"infrakit: {result.message}")
    try:
        write_json_atomic(job.record_path, result.to_json(), sort_keys=True)
    except OutputError as exc:
        if not _make_room(job):
            raise DeployOutputError(f"{result.message} — and the result could not be saved: {exc}", result) from None
        result.message += f" (the assembly copy in {job.run_dir / 'assembly'} was removed to make room for this file)"
        try:
            write_json_atomic(job.record_path, result.to_json(), sort_keys=True)
        except OutputError as again:
            raise DeployOutputError(f"{result.message} — and the result could not be saved: {again}",
                                    result) from None


def _note_output_failure(job: Job, exc: OutputError) -> None:
    if job.result.status in (FAILED, INTERRUPTED, REFUSED):
        job.result.message += f" (and the CLI log could not be written: {exc})"
    else:
        job.result.fail(_output_message(job, exc), kind="output")


def _make_room(job: Job) -> bool:
    """Free the run folder's assembly copy (the kit's own, rebuilt by the next run: it carries the
    assembly marker) so the result can be written on a full disk."""
    from infra_lib.cdk.assembly_out import MARKER, foreign_files

    assembly = job.run_dir / "assembly"
    # Never a folder the kit did not write, nor one holding anything it did not write.
    if not assembly.is_dir() or not (assembly / MARKER).is_file() or foreign_files(assembly, limit=1):
        return False
    shutil.rmtree(assembly, ignore_errors=True)
    return not assembly.exists()
