"""`infrakit kernel install`: the notebooks' kernel for a Jupyter the user already has."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.conftest import ROOT


def install(*args, env=None):
    return subprocess.run([sys.executable, "-m", "infrakit.cli", "kernel", "install", *args], capture_output=True,
                          text=True, cwd=ROOT, timeout=120, env=env)


@pytest.mark.slow
def test_user_install_registers_this_python_in_the_users_jupyter(tmp_path):
    import os

    data = tmp_path / "jupyter-data"
    done = install("--user", env={**os.environ, "JUPYTER_DATA_DIR": str(data)})
    assert done.returncode == 0, done.stderr
    spec_dir = data / "kernels" / "infrakit"
    spec = json.loads((spec_dir / "kernel.json").read_text())
    assert spec["argv"][0] == sys.executable and "ipykernel_launcher" in spec["argv"]
    assert spec["display_name"] == "infrakit (.venv)"
    assert str(spec_dir) in done.stdout
    # A Jupyter that only knows this folder finds the kernel and can run the kit in it.
    from jupyter_client.kernelspec import KernelSpecManager
    from jupyter_client.manager import KernelManager

    manager = KernelSpecManager(kernel_dirs=[str(data / "kernels")])
    assert manager.get_kernel_spec("infrakit").resource_dir == str(spec_dir)
    km = KernelManager(kernel_name="infrakit", kernel_spec_manager=manager)
    km.start_kernel()
    kc = km.client()
    kc.start_channels()
    printed = []
    try:
        kc.wait_for_ready(timeout=60)
        reply = kc.execute_interactive("import infrakit.report, sys; print(sys.executable)", timeout=60,
                                       output_hook=lambda msg: printed.append(msg["content"].get("text", "")))
        assert reply["content"]["status"] == "ok"
        assert sys.executable in "".join(printed)
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)


def test_prefix_install_writes_into_that_prefix(tmp_path):
    done = install("--prefix", str(tmp_path), "--display-name", "infrakit (test)")
    assert done.returncode == 0, done.stderr
    spec = json.loads((tmp_path / "share" / "jupyter" / "kernels" / "infrakit" / "kernel.json").read_text())
    assert spec["display_name"] == "infrakit (test)" and spec["argv"][0] == sys.executable


def test_a_prefix_that_is_not_a_folder_is_bad_input(tmp_path):
    done = install("--prefix", str(tmp_path / "absent"))
    assert done.returncode == 2 and "--prefix" in done.stderr and "Traceback" not in done.stderr
    both = install("--user", "--prefix", str(tmp_path))
    assert both.returncode == 2 and "not allowed with" in both.stderr


def test_an_aws_deploy_gets_cells_long_enough_for_aurora(tmp_path, monkeypatch):
    """An Aurora cluster takes 10-20 minutes to create: 300 s would fail every AWS deploy."""
    import papermill

    from infrakit.report import kernels, task
    from infrakit.report.params import validate_params

    seen = {}
    monkeypatch.setattr(papermill, "execute_notebook", lambda *a, **kw: seen.setdefault(kw["parameters"]["name"],
                                                                                        kw["execution_timeout"]))
    for target in ("aws", "local"):
        scenario, options, parameters = validate_params({"name": target, "deploy_target": target})
        spec = task.RunSpec(source=tmp_path, slug=target, scenario=scenario, options=options, parameters=parameters)
        outcome = task.ScenarioOutcome(slug=target, status="failed")
        assert task._execute("decision", tmp_path / "in.ipynb", tmp_path, spec, None, outcome, None) is None
    assert seen["aws"] >= 40 * 60 and seen["aws"] == kernels.AWS_CELL_TIMEOUT_S  # create, plus waiting its turn
    assert seen["local"] == kernels.CELL_TIMEOUT_S == 300
