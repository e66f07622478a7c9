"""cfn-lint in a process of its own, so that preflight can stop it: run by ``cfn_lint_stage``.

    python cfn_lint_worker.py REGION MEMORY_LIMIT_BYTES [CPU_SECONDS] < template.json

Reads the template (JSON) on stdin; writes each match as one JSON line on stdout as cfn-lint
finds it (``{"id", "shortdesc", "message", "path", "source_url", "severity"}``), then
``{"done": true}``. The address space is limited to MEMORY_LIMIT_BYTES first (0: no limit);
running out of it exits 3. Imports only the standard library and cfn-lint, so it runs as a
plain script (``python -I``) without the kit on ``sys.path``.

It never outlives preflight: on Linux it dies with its parent (a preflight killed with
SIGKILL cannot stop it by pid), and CPU_SECONDS (0: none) bounds it wherever it runs.
"""

from __future__ import annotations

import json
import os
import sys

EXIT_OUT_OF_MEMORY = 3


def _limit_memory(limit: int) -> None:
    if limit <= 0:
        return
    try:
        import resource

        soft, hard = resource.getrlimit(resource.RLIMIT_AS)
        if hard != resource.RLIM_INFINITY:
            limit = min(limit, hard)
        resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
    except (ImportError, ValueError, OSError):  # not on this platform: the time bound still holds
        pass


def _bound_lifetime(cpu_seconds: int) -> None:
    try:
        import ctypes

        pr_set_pdeathsig, sigkill = 1, 9
        ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, sigkill)
    except (OSError, AttributeError):  # not Linux: the CPU bound below still holds
        pass
    if os.getppid() == 1:  # the parent died before prctl took effect
        sys.exit(1)
    if cpu_seconds > 0:
        try:
            import resource

            resource.setrlimit(resource.RLIMIT_CPU, (cpu_seconds, cpu_seconds + 1))
        except (ImportError, ValueError, OSError):
            pass


def _emit(record: dict) -> None:
    sys.stdout.write(json.dumps(record, default=str) + "\n")
    sys.stdout.flush()


def main(argv: list[str]) -> int:
    region, memory = argv[1], int(argv[2])
    _bound_lifetime(int(argv[3]) if len(argv) > 3 else 0)
    _limit_memory(memory)
    try:
        text = sys.stdin.read()
        from cfnlint.api import ManualArgs
        from cfnlint.config import ConfigMixIn
        from cfnlint.decode.decode import decode_str
        from cfnlint.runner import Runner

        template, errors = decode_str(text)
        del text
        config = ConfigMixIn(**ManualArgs(regions=[region]))
        matches = errors or (Runner(config).validate_template(template) if template is not None else [])
        for match in matches:
            rule = match.rule
            _emit({"id": rule.id, "shortdesc": rule.shortdesc, "message": match.message,
                   "path": [str(p) for p in (getattr(match, "path", None) or [])],
                   "source_url": getattr(rule, "source_url", None) or "",
                   "severity": str(getattr(rule, "severity", "warning"))})
    except MemoryError:
        return EXIT_OUT_OF_MEMORY
    _emit({"done": True})
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
