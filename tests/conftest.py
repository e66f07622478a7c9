"""Shared fixtures. Golden files change only with --update-golden, and the diff is reviewed."""

from __future__ import annotations

import difflib
from pathlib import Path

import pytest

GOLDEN_DIR = Path(__file__).parent / "golden"
ROOT = Path(__file__).resolve().parents[1]

# Usage keys at zero: the seed's acceptance figures are for an idle stack.
ZERO_USAGE = {
    "nat_data_gb_per_month": 0, "cross_az_gb_per_month": 0, "alb_new_connections_per_second": 0,
    "alb_active_connections_per_minute": 0, "alb_processed_gb_per_hour": 0, "alb_rule_evaluations_per_second": 0,
    "aurora_storage_gb": 0, "aurora_io_million_requests_per_month": 0, "aurora_backup_gb": 0,
    "log_ingest_gb_per_month": 0,
}


def pytest_addoption(parser):
    parser.addoption("--update-golden", action="store_true", default=False,
                     help="rewrite tests/golden/*.txt from the current output (review the diff!)")


@pytest.fixture
def golden(request):
    update = request.config.getoption("--update-golden")

    def check(name: str, actual: str) -> None:
        path = GOLDEN_DIR / name
        if update:
            path.write_text(actual, encoding="utf-8")
            return
        assert path.exists(), f"{path} is missing; create it with pytest --update-golden and review it"
        expected = path.read_text(encoding="utf-8")
        if actual != expected:
            diff = "".join(difflib.unified_diff(expected.splitlines(True), actual.splitlines(True),
                                                fromfile=f"golden/{name}", tofile="actual"))
            pytest.fail(f"{name} differs from the golden file (pytest --update-golden to accept):\n{diff}")

    return check
