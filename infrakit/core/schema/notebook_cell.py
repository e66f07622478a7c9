"""The notebooks' papermill parameters cell, generated from the key declarations.

papermill needs the parameters as literal assignments in a cell tagged ``parameters``, and
``papermill --help-notebook`` reads each one's type and help from ``name: type = value  #
help``. That cell is rendered here from ``FIELDS`` and ``REPORT_FIELDS`` and written into
every notebook (the ``.ipynb`` and its jupytext ``.py`` pair) by ``make notebooks``, so it
is never edited by hand; tests/test_notebooks.py fails while a notebook's cell differs.

    python -m infrakit.core.schema.notebook_cell          # rewrite the cells
    python -m infrakit.core.schema.notebook_cell --check  # exit 1 when any cell is stale
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

from infrakit.core.files import write_atomic
from infrakit.core.paths import NOTEBOOK_DIR
from infrakit.core.schema.fields import FIELDS, REPORT_FIELDS, Field

NOTEBOOKS = ("trade_offs", "decision")
SCENARIO_HEADER = "# Scenario keys (`infrakit keys` lists them); a parameter file sets any of them."
REPORT_HEADER = "# Report keys (not scenario keys): where and what the decision notebook deploys."
_PY_CELL = re.compile(r'(# %% tags=\["parameters"\]\n)(.*?)(?=\n# %%)', re.S)


def _annotation(spec: Field) -> str:
    kind = spec.kind
    if kind == "choice":
        kind = type(spec.choices[0]).__name__
    elif kind == "date":
        kind = "str"
    if spec.nullable or spec.default is None:
        return f'"Optional[{kind}]"'
    return kind


def _literal(value) -> str:
    if isinstance(value, str):
        return json.dumps(value)  # a double-quoted Python string literal
    return repr(value)


def _line(spec: Field) -> str:
    return f"{spec.name}: {_annotation(spec)} = {_literal(spec.default)}  # {spec.help}"


def render_parameters_cell() -> str:
    """The cell's source: every scenario key, then the report's and the runner's keys."""
    lines = [SCENARIO_HEADER, *(_line(f) for f in FIELDS), REPORT_HEADER, *(_line(f) for f in REPORT_FIELDS)]
    return "\n".join(lines)


def _ipynb_with_cell(text: str, cell: str) -> str:
    notebook = json.loads(text)
    found = [c for c in notebook["cells"] if "parameters" in c.get("metadata", {}).get("tags", [])]
    if len(found) != 1:
        raise ValueError(f"expected one cell tagged 'parameters', found {len(found)}")
    lines = cell.split("\n")
    found[0]["source"] = [line + "\n" for line in lines[:-1]] + [lines[-1]]
    return json.dumps(notebook, indent=1, ensure_ascii=False) + "\n"


def _py_with_cell(text: str, cell: str) -> str:
    if len(_PY_CELL.findall(text)) != 1:
        raise ValueError("expected one '# %% tags=[\"parameters\"]' cell")
    return _PY_CELL.sub(lambda m: m.group(1) + cell + "\n", text)


def stale_notebooks(notebook_dir: Path = NOTEBOOK_DIR) -> list[Path]:
    """Notebook files whose parameters cell differs from ``render_parameters_cell()``."""
    cell = render_parameters_cell()
    stale = []
    for stem in NOTEBOOKS:
        for path, rewrite in ((notebook_dir / f"{stem}.ipynb", _ipynb_with_cell),
                              (notebook_dir / f"{stem}.py", _py_with_cell)):
            text = path.read_text(encoding="utf-8")
            if rewrite(text, cell) != text:
                stale.append(path)
    return stale


def write_parameters_cells(notebook_dir: Path = NOTEBOOK_DIR) -> list[Path]:
    """Rewrite the stale cells; returns the files written."""
    cell = render_parameters_cell()
    written = []
    for path in stale_notebooks(notebook_dir):
        rewrite = _ipynb_with_cell if path.suffix == ".ipynb" else _py_with_cell
        write_atomic(path, rewrite(path.read_text(encoding="utf-8"), cell))
        written.append(path)
    return written


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv == ["--check"]:
        stale = stale_notebooks()
        for path in stale:
            print(f"{path}: parameters cell is stale; run `make notebooks`", file=sys.stderr)
        return 1 if stale else 0
    for path in write_parameters_cells():
        print(f"rewrote the parameters cell of {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
