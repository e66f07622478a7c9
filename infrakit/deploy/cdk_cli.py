"""The pinned CDK CLI: finding it, running it with its progress streamed, stopping it
cleanly, and reading its failure text when CloudFormation has no event to blame.

``CDK_CLI`` is the seam: tests (or a caller with another checkout) point it elsewhere.
"""

from __future__ import annotations

import os
import signal
import subprocess
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from infrakit.core import paths
from infrakit.core.errors import InfrakitError
from infrakit.core.signals import shielded
from infrakit.core.text import strip_ansi

CDK_CLI: Path = paths.CDK_CLI
STOP_GRACE_S = 10.0  # how long the CLI gets to stop after SIGINT before it is killed
PROBE_INTERVAL_S = 1.0  # how often a watched target is probed while the CLI runs
PROBE_MISSES = 2  # consecutive failed probes before the target counts as gone

Progress = Callable[[str], None]


def check_cdk_cli() -> Path:
    """The pinned CDK CLI and the venv's Node, or an error that says how to install them."""
    from infra_lib.cdk.node import venv_node

    try:
        node = venv_node()
    except (ImportError, FileNotFoundError) as exc:
        raise InfrakitError(f"Node.js for the CDK CLI is missing ({exc}). Run `make setup` (installs Node.js 24 "
                            f"into .venv from PyPI and the pinned aws-cdk into node_modules).") from exc
    if not CDK_CLI.exists():
        raise InfrakitError(f"the pinned CDK CLI is not installed: {CDK_CLI} does not exist. Run `make setup` "
                            f"(or `PATH={node.parent}:$PATH npm ci` in {paths.PROJECT_ROOT}).")
    return CDK_CLI


@dataclass
class CliRun:
    returncode: int
    lines: list[str]
    first_output_s: float  # the CLI's own start-up: Node, the CLI bundle, reading the assembly
    pid: int = 0
    target_lost: bool = False  # the watched target stopped answering and the CLI was stopped

    @property
    def text(self) -> str:
        return "\n".join(self.lines)

    @property
    def no_changes(self) -> bool:
        return any("(no changes)" in line for line in self.lines)


def run_cdk(args: list[str], env: Mapping[str, str], *, cwd: Path, progress: Progress, prefix: str = "  cdk | ",
            alive: Callable[[], bool] | None = None, lines: list[str] | None = None) -> CliRun:
    """Run the CDK CLI, streaming each line. On Ctrl-C (or SIGTERM, see ``signals``) the CLI is
    stopped and waited for before the interrupt goes on. With ``alive``, the target is probed
    while the CLI runs and the CLI is stopped once it stops answering (``target_lost``): the
    CLI itself would retry for a minute before failing. ``lines`` collects the output as it
    comes (so an interrupted run's log still has it)."""
    command = [str(check_cdk_cli()), *args, "--no-notices", "--ci", "--no-color"]
    # Its own session: a Ctrl-C in the terminal reaches us, and we stop the CLI between API calls.
    process = subprocess.Popen(command, cwd=cwd, env=dict(env), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               text=True, bufsize=1, start_new_session=True)
    watcher = _Watcher(process, alive) if alive is not None else None
    lines = [] if lines is None else lines
    launched = time.perf_counter()
    first_output_s = None
    try:
        assert process.stdout is not None
        for raw in process.stdout:
            if first_output_s is None:
                first_output_s = time.perf_counter() - launched
            line = strip_ansi(raw.rstrip("\n"))
            lines.append(line)
            if line.strip():
                progress(prefix + line)
        returncode = process.wait()
    except BaseException:
        stop_cli(process)
        raise
    finally:
        if watcher:
            watcher.close()
        if process.stdout:
            process.stdout.close()
    return CliRun(returncode, lines, first_output_s or 0.0, process.pid, bool(watcher and watcher.lost))


def stop_cli(process: subprocess.Popen, grace_s: float = STOP_GRACE_S) -> None:
    """Stop the CLI politely (SIGINT to its process group), then for good; signals that arrive
    meanwhile are held off so the CLI is never left running."""
    with shielded():
        if process.poll() is None:
            try:
                os.killpg(process.pid, signal.SIGINT)
                process.wait(timeout=grace_s)
            except ProcessLookupError:
                pass
            except subprocess.TimeoutExpired:
                try:
                    os.killpg(process.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
        process.wait()


class _Watcher:
    """Probes the target from a thread while the CLI runs; stops the CLI when it is gone."""

    def __init__(self, process: subprocess.Popen, alive: Callable[[], bool]):
        self.process, self.alive = process, alive
        self.lost = False
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._watch, name="infrakit-target-watch", daemon=True)
        self._thread.start()

    def _watch(self) -> None:
        misses = 0
        while not self._done.wait(PROBE_INTERVAL_S):
            if self.process.poll() is not None:
                return
            misses = 0 if self.alive() else misses + 1
            if misses >= PROBE_MISSES:
                self.lost = True
                stop_cli(self.process)  # off the main thread: no signal shield, nothing to hold off
                return

    def close(self) -> None:
        self._done.set()
        self._thread.join(timeout=STOP_GRACE_S + 5)


def cli_failure(lines: Iterable[str]) -> str:
    """The CLI's own error line (e.g. a publish or change-set error), for failures without events."""
    lines = [line.strip() for line in lines if line.strip()]
    # Most specific first: an asset step's own failure ("<stack>: fail: No bucket named ..."),
    # then the CLI's error summary, then anything that says it failed.
    markers = (lambda line: ": fail: " in line,
               lambda line: line.startswith(("❌", "‣")) and len(line) > 20,
               lambda line: "Error" in line or "failed" in line.lower())
    for marker in markers:
        for line in lines:
            if marker(line):
                return line.split(": fail: ", 1)[-1].lstrip("❌‣ ").strip()
    return lines[-1] if lines else "the CDK CLI failed without output"


def bootstrap_advice(reason: str, region: str) -> str:
    """The CLI says an account is not bootstrapped: how to fix that (CliCredentialsStackSynthesizer
    still publishes the template to the bootstrap bucket)."""
    if "bootstrapped" not in reason:
        return ""
    return f" Run `PATH=.venv/bin:$PATH npx cdk bootstrap aws://ACCOUNT/{region}` once for this account and region."
