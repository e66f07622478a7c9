"""What a deploy, destroy or diff returns: the ``infrakit deploy --json`` contract.

Keys are documented in README "Deploy"; add keys, never rename them. Every status value a
result can carry is a constant here, and nowhere else.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from infrakit.core.errors import InfrakitError

# --- status values (README "Deploy": `--json` "status") ---------------------------------------
RUNNING = "running"          # written at the start of a run: an older result is never read as this one's
DEPLOYED = "deployed"
NO_CHANGES = "no_changes"
FAILED = "failed"
REFUSED = "refused"          # preflight errors, not confirmed, or another deploy of the stack is running
INTERRUPTED = "interrupted"  # Ctrl-C or SIGTERM; ``stack_status`` and ``cleanup`` say what is left
DESTROYED = "destroyed"
NOT_FOUND = "not_found"      # destroy: there was no such stack

STATUSES = (RUNNING, DEPLOYED, NO_CHANGES, FAILED, REFUSED, INTERRUPTED, DESTROYED, NOT_FOUND)
OK_STATUSES = frozenset({DEPLOYED, NO_CHANGES, DESTROYED, NOT_FOUND})

# The documented --json keys are always there (null when they do not apply), so a script can read
# them without testing for them; the others appear only when they apply (pid only while running).
_DOCUMENTED_KEYS = ("failure", "preflight", "stack_status", "cleanup", "started_at", "interrupted_by", "recovered")
_OPTIONAL_KEYS = ("endpoint_url", "outputs_path", "pid")


@dataclass
class DeployResult:
    stack: str
    target: str
    status: str
    outputs: dict[str, str] = field(default_factory=dict)
    verified: dict[str, Any] = field(default_factory=dict)
    duration_s: float = 0.0
    phases_s: dict[str, float] = field(default_factory=dict)
    message: str = ""
    failure: dict[str, Any] | None = None
    preflight: dict[str, Any] | None = None
    endpoint_url: str | None = None
    stack_status: str | None = None
    outputs_path: str | None = None
    cleanup: str | None = None
    interrupted_by: str | None = None  # "SIGINT" (Ctrl-C) or "SIGTERM"
    recovered: dict[str, Any] | None = None  # what was done first about a stack an earlier run left behind
    started_at: str | None = None  # ISO 8601 UTC
    pid: int | None = None  # only while ``status`` is running: the process doing the run

    @property
    def ok(self) -> bool:
        return self.status in OK_STATUSES

    def fail(self, message: str, *, reason: str | None = None, kind: str | None = None,
             resource: str | None = None) -> DeployResult:
        """Mark the result failed with ``message`` (and a ``failure`` record when none is set yet)."""
        self.status = FAILED
        self.message = message
        if self.failure is None:
            self.failure = {"resource": resource, "type": kind, "status": self.stack_status,
                            "reason": reason if reason is not None else message}
        return self

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "stack": self.stack, "target": self.target, "status": self.status, "outputs": self.outputs,
            "verified": self.verified, "duration_s": round(self.duration_s, 3),
            "phases_s": {k: round(v, 3) for k, v in self.phases_s.items()}, "message": self.message,
        }
        data.update({key: getattr(self, key) for key in _DOCUMENTED_KEYS})
        for key in _OPTIONAL_KEYS:
            if getattr(self, key) is not None:
                data[key] = getattr(self, key)
        return data


@dataclass
class DiffResult:
    stack: str
    target: str
    has_changes: bool
    diff: str
    duration_s: float
    endpoint_url: str | None = None

    def to_json(self) -> dict[str, Any]:
        data = {"stack": self.stack, "target": self.target, "has_changes": self.has_changes, "diff": self.diff,
                "duration_s": round(self.duration_s, 3)}
        if self.endpoint_url:
            data["endpoint_url"] = self.endpoint_url
        return data


class DeployInterrupted(InfrakitError):
    """Ctrl-C or SIGTERM during a deploy or destroy; ``result`` says what state is left and how
    to clean up, ``signal`` which signal it was ("SIGINT" or "SIGTERM")."""

    def __init__(self, result: DeployResult):
        self.result = result
        self.signal = result.interrupted_by or "SIGINT"
        super().__init__(result.message)


class DeployOutputError(InfrakitError):
    """The run ended (``result`` says how) but its files could not be written: a full disk,
    a folder that became read-only. The message says which file and what to do."""

    def __init__(self, message: str, result: DeployResult):
        self.result = result
        super().__init__(message)
