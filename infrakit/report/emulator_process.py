"""A scenario's local AWS emulator in its own process, that cannot outlive its parent.

moto keeps its state per process, so emulators in one process would share every stack: each
scenario that deploys locally gets its own (``scenario_emulator``). The child is
``python -m infrakit.report.emulator_process``: it starts the kit's emulator on 127.0.0.1,
prints one JSON line (``endpoint_url``), then waits on its stdin. The parent holds the other
end of that pipe, so when the parent exits for any reason (stopped, Ctrl-C, SIGTERM, even
SIGKILL) the child reads end-of-file and stops: an interrupted batch leaves no emulator
running. Every emulator a process starts is known to it (``stop_live_emulators``).
"""

from __future__ import annotations

import contextlib
import json
import queue
import signal
import subprocess
import sys
import tempfile
import threading

from infrakit.core.errors import InfrakitError
from infrakit.report.kernels import current_batch, kill_tree

_LIVE: set[EmulatorProcess] = set()
_LIVE_LOCK = threading.Lock()


class EmulatorProcess:
    """The emulator child process; ``endpoint_url`` waits for it to be ready."""

    def __init__(self, *, timeout_s: float = 60.0):
        self._log = tempfile.TemporaryFile(mode="w+")
        self._timeout_s = timeout_s
        self._endpoint_url: str | None = None
        # Started now and waited for only when the decision notebook needs it: it comes up
        # while the trade-off notebook runs.
        self.process = subprocess.Popen(
            [sys.executable, "-m", "infrakit.report.emulator_process"], stdout=subprocess.PIPE, stdin=subprocess.PIPE,
            stderr=self._log, text=True, start_new_session=True)
        self._lines: queue.Queue = queue.Queue()
        threading.Thread(target=lambda: self._lines.put(self.process.stdout.readline()), daemon=True).start()
        self.batch = current_batch()
        with _LIVE_LOCK:
            _LIVE.add(self)

    @property
    def pid(self) -> int:
        return self.process.pid

    @property
    def endpoint_url(self) -> str:
        if self._endpoint_url is None:
            try:
                self._endpoint_url = json.loads(self._lines.get(timeout=self._timeout_s))["endpoint_url"]
            except (queue.Empty, ValueError, KeyError, TypeError):
                self.stop()
                raise InfrakitError(f"the local AWS emulator did not start within {self._timeout_s:.0f} s: "
                                    f"{self._log_tail() or 'no output'}. Run `infrakit emulator start` to see why, "
                                    f"or set deploy_target: none in the parameter file.") from None
        return self._endpoint_url

    def _log_tail(self) -> str:
        try:
            self._log.seek(0)
            return self._log.read()[-500:].strip()
        except (ValueError, OSError):
            return ""

    def stop(self, timeout_s: float = 10.0) -> None:
        """Close its stdin (it stops moto and exits), then SIGTERM, then SIGKILL."""
        if self.process.poll() is None:
            with contextlib.suppress(OSError, ValueError):
                self.process.stdin.close()
            try:
                self.process.wait(timeout=timeout_s)
            except subprocess.TimeoutExpired:
                kill_tree(self.process.pid)
                with contextlib.suppress(subprocess.TimeoutExpired):
                    self.process.wait(timeout=5)
        for stream in (self.process.stdin, self.process.stdout):
            with contextlib.suppress(OSError, ValueError):
                if stream is not None:
                    stream.close()
        if not self._log.closed:
            self._log.close()
        with _LIVE_LOCK:
            _LIVE.discard(self)


def stop_live_emulators(batch: str | None = None) -> list[int]:
    """Stop every emulator this process started for ``batch`` (None: for any); returns their pids."""
    with _LIVE_LOCK:
        emulators = [e for e in _LIVE if batch is None or e.batch == batch]
    for emulator in emulators:
        emulator.stop(timeout_s=3.0)
    return [e.pid for e in emulators]


@contextlib.contextmanager
def scenario_emulator(spec):
    """A local AWS emulator for one scenario that deploys locally; None when it does not.

    One per scenario, each in its own process: scenarios may share a stack name
    (PaymentApi-dev), and a deploy that updated a stack after other scenarios' stacks were
    created in the same moto server was seen to hang. Separate emulators keep each scenario's
    proof independent of the others and of the order they run in.
    """
    if spec.options.deploy_target != "local":
        yield None
        return
    emulator = EmulatorProcess()
    try:
        yield emulator
    finally:
        emulator.stop()


def main() -> int:
    """The child: serve until stdin closes (the parent stopped or died) or a signal arrives."""
    from infra_lib.emulator import start_emulator

    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    emulator = start_emulator()
    print(json.dumps({"endpoint_url": emulator.endpoint_url, "port": emulator.port}), flush=True)

    def watch_stdin():
        with contextlib.suppress(OSError, ValueError):
            while sys.stdin.read(4096):
                pass
        stop.set()

    threading.Thread(target=watch_stdin, daemon=True).start()
    try:
        while not stop.wait(0.5):
            pass
    finally:
        emulator.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
