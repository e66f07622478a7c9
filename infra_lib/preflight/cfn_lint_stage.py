"""cfn-lint on the same template, so users get one verdict, bounded so it can never hang preflight.

Its matches join the report as rule ``CFN-LINT-<id>`` with cfn-lint's own severity and are
labelled as cfn-lint's (source). Suppress one like any finding: ``CFN-LINT-W3010=...``.

cfn-lint's time grows faster than the template (a 1 MB template with 5,000 resources took
minutes, a 20 MB one 359 s and 668 MB), so it runs in a process of its own
(``cfn_lint_worker.py``) that preflight can stop: started before the kit's rules and
collected after them, given at most ``timeout_s`` seconds and ``MEMORY_LIMIT_BYTES`` of
address space, and not started at all on a template past what CloudFormation accepts (it
cannot deploy as it is; the CFN-TEMPLATE-LIMITS rule says why). Skipped, cut off, out of
memory or crashed, it is said as a ``PREFLIGHT`` finding, and the kit's rules run regardless.
"""

from __future__ import annotations

import json
import math
import subprocess
import sys
import threading
import time
from importlib import metadata
from pathlib import Path
from typing import Any, Callable, Mapping

from infra_lib.preflight import cfn_lint_cache
from infra_lib.preflight.findings import Finding
from infrakit.core.cfn import cut
from infrakit.core.schema.limits import CFN_MAX_RESOURCES, CFN_TEMPLATE_S3_MAX_BYTES

LEVELS = {"error": "error", "warning": "warning", "informational": "info", "info": "info"}
TIMEOUT_S = 60.0  # our own stack takes 1-2 s; a template at CloudFormation's 500-resource limit about 7 s
MEMORY_LIMIT_BYTES = 1536 * 1024 * 1024
MAX_TEMPLATE_BYTES = CFN_TEMPLATE_S3_MAX_BYTES
PROGRESS_AFTER_S = 10.0  # say that cfn-lint is still running after this long
WORKER = Path(__file__).with_name("cfn_lint_worker.py")


def version() -> str | None:
    """cfn-lint's version; None when it is not installed (its stage then says so as a finding)."""
    try:
        return metadata.version("cfn-lint")
    except metadata.PackageNotFoundError:
        return None


def _source(region: str) -> str:
    return f"cfn-lint {version()} (bundled specifications, region {region})"


def _finding(record: Mapping[str, Any], region: str) -> Finding:
    path = list(record.get("path") or [])
    resource = str(path[1]) if len(path) > 1 and path[0] == "Resources" else ""
    where = cut("/".join(str(p) for p in path), 200)
    rule_id = record.get("id", "E0000")
    return Finding(
        rule_id=f"CFN-LINT-{rule_id}", check="cfn-lint", resource=resource,
        message=f"cfn-lint {rule_id} ({record.get('shortdesc', '')}): {cut(str(record.get('message', '')), 500)}"
                + (f" [at {where}]" if where else ""),
        fix=f"See {record['source_url']}" if record.get("source_url") else "See cfn-lint's rule docs.",
        source=_source(region), severity=LEVELS.get(str(record.get("severity", "warning")).lower(), "warning"))


def _status(check: str, message: str, fix: str) -> Finding:
    """A PREFLIGHT finding about cfn-lint itself; its severity comes from the pack."""
    return Finding("PREFLIGHT", check, "", message, fix, "cfn-lint")


class LintRun:
    """One cfn-lint run in its own process: ``start`` returns at once, ``result`` waits (bounded)."""

    def __init__(self, template: Mapping[str, Any], region: str, *, timeout_s: float = TIMEOUT_S,
                 stated_timeout_s: float | None = None,
                 memory_bytes: int = MEMORY_LIMIT_BYTES, max_bytes: int = MAX_TEMPLATE_BYTES,
                 template_bytes: int | None = None):
        self.region, self.timeout_s = region, timeout_s
        # what messages quote: the --cfn-lint-timeout of the whole run, of which timeout_s may be what is left
        self.stated_timeout_s = timeout_s if stated_timeout_s is None else stated_timeout_s
        self.skipped: Finding | None = None
        self.process: subprocess.Popen | None = None
        self._records: list[dict[str, Any]] = []
        resources = template.get("Resources") if isinstance(template, Mapping) else None
        count = len(resources) if isinstance(resources, Mapping) else 0
        body = "" if count > CFN_MAX_RESOURCES or (template_bytes or 0) > max_bytes else \
            json.dumps(template, default=str)  # default=str: a YAML date such as 2010-09-09
        size = max(len(body.encode("utf-8")), template_bytes or 0)
        if size > max_bytes or count > CFN_MAX_RESOURCES:
            figure = f"{size:,} bytes" if size > max_bytes else f"{count:,} resources"
            limit = f"{max_bytes:,} bytes" if size > max_bytes else f"{CFN_MAX_RESOURCES} resources"
            self.skipped = _status("cfn-lint-skipped", f"cfn-lint was not run: the template has {figure}, past "
                                   f"CloudFormation's {limit} (it cannot deploy as it is, and cfn-lint would take "
                                   f"minutes on it). The kit's own rules ran.",
                                   "Split the template (nested stacks), then preflight each part.")
            return
        if version() is None:
            self.skipped = _status("cfn-lint-failed", "cfn-lint is not installed in this environment, so its "
                                   "checks did not run; its verdict is missing. The kit's own rules ran.",
                                   "Install it (`make setup`, or pip install cfn-lint into the kit's venv), or "
                                   "run with --no-cfn-lint to say you are skipping it.")
            return
        self._cache_key = cfn_lint_cache.key(body, region, version(), WORKER, memory_bytes)
        cached = cfn_lint_cache.load(self._cache_key)
        if cached is not None:  # the same template, region, cfn-lint and worker: its verdict is known
            self._records = cached
            return
        self._started = time.monotonic()
        self.process = subprocess.Popen(
            # CPU seconds past the deadline: a worker whose preflight was killed outright cannot run on
            [sys.executable, "-I", str(WORKER), region, str(memory_bytes), str(math.ceil(timeout_s) + 5)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, encoding="utf-8")
        self._writer = threading.Thread(target=self._write, args=(body,), daemon=True)
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._errors: list[str] = []
        self._stderr = threading.Thread(target=lambda: self._errors.append(self.process.stderr.read()), daemon=True)
        for thread in (self._writer, self._reader, self._stderr):
            thread.start()

    def _write(self, body: str) -> None:
        try:
            self.process.stdin.write(body)
            self.process.stdin.close()
        except (BrokenPipeError, OSError, ValueError):
            pass  # the worker died or was stopped; its exit status says why

    def _read(self) -> None:
        for line in self.process.stdout:
            try:
                self._records.append(json.loads(line))
            except ValueError:
                continue

    def stop(self) -> None:
        """Stop the worker (by its pid) and reap it; safe to call twice."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
        if self.process is not None:
            self.process.wait()

    def result(self, progress: Callable[[str], None] | None = None) -> list[Finding]:
        """The findings, or a PREFLIGHT finding saying why there are none (or only some)."""
        if self.skipped is not None:
            return [self.skipped]
        if self.process is None:  # served from the cache
            return [_finding(r, self.region) for r in self._records if not r.get("done")]
        timed_out = False
        try:
            remaining = self.timeout_s - (time.monotonic() - self._started)
            first = min(remaining, PROGRESS_AFTER_S - (time.monotonic() - self._started))
            try:
                self.process.wait(timeout=max(first, 0))
            except subprocess.TimeoutExpired:
                if progress is not None:
                    progress(f"cfn-lint is still running after {PROGRESS_AFTER_S:g} s; it is stopped at "
                             f"{self.stated_timeout_s:g} s (--cfn-lint-timeout), the kit's rules have run.")
                try:
                    self.process.wait(timeout=max(self.timeout_s - (time.monotonic() - self._started), 0))
                except subprocess.TimeoutExpired:
                    timed_out = True
        finally:
            self.stop()  # also on Ctrl-C: no worker outlives preflight
        self._reader.join(timeout=5)
        self._stderr.join(timeout=5)
        done = any(r.get("done") for r in self._records)
        findings = [_finding(r, self.region) for r in self._records if not r.get("done")]
        if timed_out:
            return findings + [_status(
                "cfn-lint-timeout", f"cfn-lint was stopped after {self.stated_timeout_s:g} s"
                f"{f' with {len(findings)} finding(s) so far (shown)' if findings else ''}; its verdict is "
                f"incomplete. The kit's own rules ran.",
                "Run with a longer --cfn-lint-timeout, or run cfn-lint on the template by hand.")]
        if self.process.returncode == 3:
            return findings + [_status("cfn-lint-failed", f"cfn-lint ran out of memory (limit "
                                       f"{MEMORY_LIMIT_BYTES // 2**20:,} MiB); its verdict is incomplete.",
                                       "Split the template, or run cfn-lint on it by hand.")]
        if self.process.returncode != 0 or not done:
            detail = (self._errors[0] if self._errors else "").strip().splitlines()
            return findings + [_status("cfn-lint-failed", f"cfn-lint failed on this template (exit "
                                       f"{self.process.returncode}): {cut(detail[-1] if detail else 'no output', 300)}",
                                       "Run cfn-lint on the template by hand.")]
        cfn_lint_cache.store(self._cache_key, self._records)
        return findings


def start(template: Mapping[str, Any], region: str, **bounds) -> LintRun:
    return LintRun(template, region, **bounds)


def run(template: Mapping[str, Any], region: str, **bounds) -> list[Finding]:
    """cfn-lint's findings on ``template`` (bounded as above), waiting for them."""
    return start(template, region, **bounds).result()
