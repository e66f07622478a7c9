"""Shared fixtures. Golden files change only with --update-golden, and the diff is reviewed."""

from __future__ import annotations

import difflib
import itertools
from pathlib import Path

import pytest

from infrakit.core.schema import USAGE_KEYS, validate_scenario

GOLDEN_DIR = Path(__file__).parent / "golden"
ROOT = Path(__file__).resolve().parents[1]

# Usage keys at zero: the seed's acceptance figures are for an idle stack.
ZERO_USAGE = dict.fromkeys(USAGE_KEYS, 0)


@pytest.fixture(autouse=True)
def _isolated_synth_cache(tmp_path_factory, monkeypatch):
    """Tests never read or write the project's own synth cache."""
    monkeypatch.setenv("INFRAKIT_CACHE_DIR", str(tmp_path_factory.getbasetemp() / "infrakit-cache"))


@pytest.fixture(autouse=True)
def _isolated_catalog_dir(tmp_path_factory, monkeypatch):
    """Tests never see a user's refreshed price or engine snapshots: each starts from an empty
    catalog folder (only the shipped catalogs), and a test that refreshes writes there."""
    monkeypatch.setenv("INFRAKIT_CATALOG_DIR", str(tmp_path_factory.mktemp("catalogs")))


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


ECR_IMAGE = "123456789012.dkr.ecr.us-east-1.amazonaws.com/payment-api:1.4"
HTTPS = {"listener_protocol": "HTTPS", "domain_name": "api.payments.acme.io", "hosted_zone_name": "acme.io",
         "hosted_zone_id": "Z0123456789ABC"}


def sample_grid():
    """All NAT strategies x 2 and 3 AZs x both storage types x 0 and 2 readers x HTTP/HTTPS."""
    scenarios = []
    for i, (nat, azs, storage, readers, protocol) in enumerate(itertools.product(
            ["per_az", "single", "regional", "none"], [2, 3], ["standard", "io_optimized"], [0, 2], ["HTTP", "HTTPS"])):
        raw = {"nat_strategy": nat, "az_count": azs, "storage_type": storage, "reader_count": readers,
               "environment_suffix": f"grid{i}", "start_date": "2026-12-01", "container_image": ECR_IMAGE,
               "engine_version": "16.8"}
        if protocol == "HTTPS":
            raw.update(HTTPS)
        scenarios.append(validate_scenario(raw))
    return scenarios


@pytest.fixture(scope="session")
def grid_results(tmp_path_factory):
    from infra_lib.cdk.synth import synth_many

    scenarios = sample_grid()
    results = synth_many(scenarios, cache_dir=tmp_path_factory.mktemp("synth-cache"))
    return list(zip(scenarios, results, strict=True))
