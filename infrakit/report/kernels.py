"""The notebooks' kernels: on IPC sockets in private folders, with a scenario's environment,
and every live one known to its process so that an interrupted batch can stop them all.

- Kernels talk over IPC sockets in a private temporary folder instead of TCP ports, so
  parallel kernels cannot race for the same port (papermill#511: "Address already in use").
- jupyter_client starts each kernel in its own session; ``stop_live_kernels`` kills that
  session and every process below the kernel (the Node.js of jsii, the CDK CLI), so nothing
  is left when a batch is stopped. A kernel whose parent dies exits by itself (ipykernel's
  parent poller), so a killed worker leaves no kernel behind either.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import tempfile
import threading
import time
from pathlib import Path

from jupyter_client.manager import AsyncKernelManager

KERNEL_NAME = "infrakit"
START_TIMEOUT_S = 120
CELL_TIMEOUT_S = 300  # a hung local deploy fails its scenario in minutes, not never
# A deploy to AWS: an Aurora cluster takes 10-20 minutes to create, and the deploy first waits
# up to 30 minutes for an operation an earlier run left under way (infrakit.deploy.run's
# SETTLE_TIMEOUT_S) and up to 10 for another kernel's deploy of the stack (DEPLOY_TURN_TIMEOUT_S).
AWS_CELL_TIMEOUT_S = 90 * 60


def cell_timeout_s(deploy_target: str) -> int:
    """How long one notebook cell may run for a scenario deploying to ``deploy_target``."""
    return AWS_CELL_TIMEOUT_S if deploy_target == "aws" else CELL_TIMEOUT_S

_LIVE: set[IsolatedKernelManager] = set()
_LIVE_LOCK = threading.Lock()
_SCOPE = threading.local()  # the batch the current thread's scenario belongs to


@contextlib.contextmanager
def batch_scope(batch: str | None):
    """Kernels and emulators started by this thread within the block belong to ``batch``, so
    that stopping one batch on a shared worker leaves the others' alone."""
    previous = getattr(_SCOPE, "batch", None)
    _SCOPE.batch = batch
    try:
        yield
    finally:
        _SCOPE.batch = previous


def current_batch() -> str | None:
    return getattr(_SCOPE, "batch", None)


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
        self.batch = current_batch()
        with _LIVE_LOCK:
            _LIVE.add(self)

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

    @property
    def kernel_pid(self) -> int | None:
        process = getattr(self.provisioner, "process", None) if self.provisioner is not None else None
        return getattr(process, "pid", None)

    async def cleanup_resources(self, restart: bool = False) -> None:
        await super()._async_cleanup_resources(restart=restart)
        if not restart:
            self._forget()

    def _forget(self) -> None:
        shutil.rmtree(self._ipc_dir, ignore_errors=True)
        if self._log_file is not None and not self._log_file.closed:
            self._log_file.close()
        with _LIVE_LOCK:
            _LIVE.discard(self)


def kernel_manager_for(env: dict[str, str | None], log_path: Path | None = None) -> type[IsolatedKernelManager]:
    return type("ScenarioKernelManager", (IsolatedKernelManager,),
                {"extra_env": dict(env), "log_path": str(log_path) if log_path else None})


def kernel_registered() -> bool:
    from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel

    try:
        KernelSpecManager().get_kernel_spec(KERNEL_NAME)
    except NoSuchKernel:
        return False
    return True


# --- stopping everything ------------------------------------------------------------------

def descendants(pid: int) -> list[int]:
    """Every process below ``pid`` (children first), from /proc; empty where there is none."""
    children: dict[int, list[int]] = {}
    try:
        entries = os.listdir("/proc")
    except OSError:
        return []
    for entry in entries:
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as handle:
                stat = handle.read().decode("utf-8", "replace")
        except OSError:
            continue
        ppid = int(stat.rpartition(")")[2].split()[1])
        children.setdefault(ppid, []).append(int(entry))
    out, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            out.append(child)
            todo.append(child)
    return out


def kill_tree(pid: int, *, grace_s: float = 2.0) -> None:
    """SIGTERM ``pid``, its process group and everything below it; SIGKILL what is left after
    ``grace_s``."""
    targets = [pid, *descendants(pid)]
    for sig in (signal.SIGTERM, signal.SIGKILL):
        for target in targets:
            try:
                os.kill(target, sig)
            except (ProcessLookupError, PermissionError):
                pass
        try:
            os.killpg(pid, sig)
        except (ProcessLookupError, PermissionError, OSError):
            pass
        deadline = time.monotonic() + (grace_s if sig == signal.SIGTERM else 0.0)
        while time.monotonic() < deadline and any(_alive(t) for t in targets):
            time.sleep(0.05)
        if not any(_alive(t) for t in targets):
            return


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat", "rb") as handle:
            state = handle.read().decode("utf-8", "replace").rpartition(")")[2].split()[0]
        return state != "Z"
    except OSError:
        try:
            os.kill(pid, 0)
        except (ProcessLookupError, PermissionError):
            return False
        return True


def live_kernel_pids(batch: str | None = None) -> list[int]:
    with _LIVE_LOCK:
        managers = [m for m in _LIVE if batch is None or m.batch == batch]
    return [pid for pid in (m.kernel_pid for m in managers) if pid]


def stop_live_kernels(batch: str | None = None) -> list[int]:
    """Kill every kernel this process started for ``batch`` (None: for any batch), and what
    they started; returns their pids."""
    with _LIVE_LOCK:
        managers = [m for m in _LIVE if batch is None or m.batch == batch]
    stopped = []
    for manager in managers:
        pid = manager.kernel_pid
        if pid:
            kill_tree(pid)
            stopped.append(pid)
    return stopped
