"""Set-up promises: environment.yml matches pyproject.toml; README and CI run the same commands."""

import re
import tomllib

import yaml

from tests.conftest import ROOT


def _name(requirement: str) -> str:
    return re.split(r"[<>=!~ \[]", requirement, maxsplit=1)[0].lower().replace("_", "-")


def test_environment_yml_declares_the_same_runtime_dependencies():
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    declared = {_name(r): r.replace(" ", "") for r in pyproject["project"]["dependencies"]}
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    pip_section = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict) and "pip" in d)
    conda_pip = {_name(r): r.replace(" ", "") for r in pip_section if not r.startswith("-e")}
    assert conda_pip == declared
    conda = [d for d in env["dependencies"] if isinstance(d, str)]
    assert any(d.startswith("python=3.11") for d in conda)
    assert any(re.match(r"nodejs>=2[2-9]", d) for d in conda)
    assert any(r.startswith("-e .") for r in pip_section)


def test_readme_opens_with_the_two_commands_and_ci_runs_make_test():
    readme = (ROOT / "README.md").read_text()
    first_block = re.search(r"```(?:sh|bash)?\n(.*?)```", readme, re.S).group(1).split()
    assert first_block == ["make", "report", "make", "test"]
    ci = (ROOT / ".ci" / "run").read_text()
    commands = [l.strip() for l in ci.splitlines() if l.strip() and not l.startswith("#")]
    assert commands[-1] == "make test"


def test_cdk_cli_is_pinned_on_the_2_1xxx_line_with_a_lock():
    import json

    package = json.loads((ROOT / "package.json").read_text())
    version = package["devDependencies"]["aws-cdk"]
    assert re.fullmatch(r"2\.1\d{3}\.\d+", version), version  # exact pin; npm's 3.0.0 is deprecated
    lock = json.loads((ROOT / "package-lock.json").read_text())
    assert lock["packages"]["node_modules/aws-cdk"]["version"] == version
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    pins = {_name(r): r for r in pyproject["project"]["dependencies"]}
    assert pins["aws-cdk-lib"].startswith("aws-cdk-lib==") and pins["cdk-nag"].startswith("cdk-nag==3.")


def test_every_package_folder_is_found_for_non_editable_installs():
    """setuptools' discovery, configured as in pyproject.toml, finds every package folder and
    nothing outside the three tops (tests, notebooks and benchmarks are not installed)."""
    import tomllib

    from setuptools import find_packages

    include = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"]["find"]["include"]
    discovered = set(find_packages(where=str(ROOT), include=include))
    found = {str(p.parent.relative_to(ROOT)).replace("/", ".")
             for top in ("infrakit", "cost_model", "infra_lib") for p in (ROOT / top).rglob("__init__.py")}
    assert found == discovered, sorted(found ^ discovered)
    data_folders = {str(p.relative_to(ROOT)).replace("/", ".") for p in ROOT.glob("*/data") if p.is_dir()}
    assert data_folders <= discovered, "a data folder without __init__.py is not installed"
