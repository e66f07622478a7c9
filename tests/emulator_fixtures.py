"""The emulator as tests use it: one per test module, and boto3 clients on it.

Load it as a plugin, never import it: ``pytest_plugins = ["tests.emulator_fixtures"]`` gives a
test module the fixtures ``emulator`` (module scope) and ``aws`` (reset per test). Template
builders and ``client`` are in ``tests/emulator_templates.py``.
"""

from __future__ import annotations

import pytest

from infra_lib.emulator import start_emulator
from tests.emulator_templates import client


@pytest.fixture(scope="module")
def emulator():
    """An emulator on a free port of 127.0.0.1 for the whole test module, stopped after it."""
    with start_emulator() as running:
        yield running


@pytest.fixture
def aws(emulator):
    """boto3 clients on a freshly reset emulator: ``aws("rds").describe_db_clusters()``."""
    emulator.reset()
    return lambda service: client(emulator.endpoint_url, service)
