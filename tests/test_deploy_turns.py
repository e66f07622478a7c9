"""Kernels that deploy into one target take turns (the decision notebook's lock), and the lock
leaves no file behind, in the temporary folder or anywhere else."""

from __future__ import annotations

import tempfile
import threading
import time
from pathlib import Path

import pytest

from infrakit.core.files import FolderLock, LockedError
from infrakit.report import decision


def test_deploys_into_one_target_take_turns_and_leave_no_lock_file(tmp_path, monkeypatch):
    monkeypatch.setenv("INFRAKIT_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://localhost:4999")
    before_tmp = set(Path(tempfile.gettempdir()).glob("infrakit-deploy-*"))
    spans: dict[str, tuple[float, float]] = {}

    def deploy(name: str, hold_s: float) -> None:
        with decision._deploy_lock("local", "PaymentApi-dev"):
            start = time.monotonic()
            time.sleep(hold_s)
            spans[name] = (start, time.monotonic())

    first = threading.Thread(target=deploy, args=("first", 0.6))
    first.start()
    time.sleep(0.1)
    second = threading.Thread(target=deploy, args=("second", 0.0))
    second.start()
    first.join(5)
    second.join(5)
    assert spans["second"][0] >= spans["first"][1]  # waited for its turn
    assert not list((tmp_path / "cache").rglob(FolderLock.NAME))
    assert set(Path(tempfile.gettempdir()).glob("infrakit-deploy-*")) == before_tmp


def test_a_turn_that_never_comes_is_a_clear_error(tmp_path):
    held = FolderLock(tmp_path / "lock", what="a deploy into local").acquire()
    try:
        with pytest.raises(LockedError, match="already running"):
            FolderLock(tmp_path / "lock", what="a deploy into local").acquire_waiting(0.3, poll_s=0.05)
    finally:
        held.release()
    FolderLock(tmp_path / "lock", what="again").acquire_waiting(0.3).release()
