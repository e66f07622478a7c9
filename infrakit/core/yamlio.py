"""Reading the YAML files users give the kit, with bounds: no input may hang the kit or
exhaust its memory.

- A file larger than ``MAX_SCENARIO_FILE_BYTES`` is refused before it is parsed.
- YAML aliases share nodes, so a 641-byte file can describe a structure of 10^9 values
  ("billion laughs"); anything that later walks it (validation, ``repr``, JSON) would take
  minutes and gigabytes. The composed document's *expanded* size and depth are measured
  first (memoized per node, so the measure itself is linear in the file) and a document
  past ``MAX_YAML_NODES`` or ``MAX_NESTING_DEPTH`` is refused.
- A key given twice is an error (PyYAML silently keeps the last one).
- YAML 1.1's base-60 numbers are read as text: ``1:30`` is not the number 90.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from infrakit.core.errors import InputError
from infrakit.core.schema.limits import MAX_NESTING_DEPTH, MAX_SCENARIO_FILE_BYTES, MAX_YAML_NODES
from infrakit.core.text import shown


class _BoundedLoader(yaml.SafeLoader):
    """SafeLoader without base-60 numbers, rejecting duplicate keys."""

    def construct_mapping(self, node, deep=False):
        seen = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            try:
                duplicate = key in seen
                seen.add(key)
            except TypeError:  # an unhashable key; the schema check reports it
                continue
            if duplicate:
                raise yaml.constructor.ConstructorError(
                    None, None, f"the key {shown(key, limit=60)} appears twice; keep one", key_node.start_mark)
        return super().construct_mapping(node, deep)


# SafeLoader's resolvers, minus the sexagesimal forms of int and float (YAML 1.1 only; YAML
# 1.2 dropped them): "1:30" stays the string it looks like.
_BoundedLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if not (
        tag in ("tag:yaml.org,2002:int", "tag:yaml.org,2002:float") and ":" in regexp.pattern)]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_BoundedLoader.add_implicit_resolver(
    "tag:yaml.org,2002:int",
    re.compile(r"^(?:[-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+)$", re.X),
    list("-+0123456789"))
_BoundedLoader.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(r"""^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?
                |\.[0-9][0-9_]*(?:[eE][-+][0-9]+)?
                |[-+]?\.(?:inf|Inf|INF)
                |\.(?:nan|NaN|NAN))$""", re.X),
    list("-+0123456789."))


def _measure(node: yaml.Node, sizes: dict[int, int], depths: dict[int, int], stack: set[int]) -> None:
    """Expanded size and depth of ``node``'s subtree, memoized by node identity (aliases)."""
    key = id(node)
    if key in sizes:
        return
    if key in stack:  # a recursive alias (&a [*a]): no finite expansion
        sizes[key], depths[key] = MAX_YAML_NODES + 1, MAX_NESTING_DEPTH + 1
        return
    if isinstance(node, yaml.ScalarNode):
        sizes[key], depths[key] = 1, 1
        return
    children = [c for pair in node.value for c in pair] if isinstance(node, yaml.MappingNode) else list(node.value)
    stack.add(key)
    size, depth = 1, 0
    for child in children:
        _measure(child, sizes, depths, stack)
        size += sizes[id(child)]
        depth = max(depth, depths[id(child)])
        if size > MAX_YAML_NODES or depth > MAX_NESTING_DEPTH:
            break
    stack.discard(key)
    sizes[key], depths[key] = size, depth + 1


def _compose_bounded(loader: _BoundedLoader, source: str) -> yaml.Node | None:
    import sys

    # Composing recurses per nesting level; a pathological file must fail as bad input,
    # not as RecursionError.
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(max(limit, 6 * MAX_NESTING_DEPTH + 200))
    try:
        node = loader.get_single_node()
    except RecursionError:
        raise InputError([f"the YAML nests deeper than {MAX_NESTING_DEPTH} levels; a scenario or grid is a flat "
                          f"'key: value' mapping."], source=source) from None
    finally:
        sys.setrecursionlimit(limit)
    if node is None:
        return None
    sizes: dict[int, int] = {}
    depths: dict[int, int] = {}
    _measure(node, sizes, depths, set())
    if sizes[id(node)] > MAX_YAML_NODES:
        raise InputError([f"the YAML expands to more than {MAX_YAML_NODES:,} values (aliases such as *a repeat "
                          f"whole structures); a scenario or grid is a flat 'key: value' mapping with short "
                          f"lists. Remove the aliases."], source=source)
    if depths[id(node)] > MAX_NESTING_DEPTH:
        raise InputError([f"the YAML nests deeper than {MAX_NESTING_DEPTH} levels; a scenario or grid is a flat "
                          f"'key: value' mapping."], source=source)
    return node


def load_yaml_text(text: str, *, source: str | None = None) -> Any:
    """Parse ``text`` with the bounds above; ``InputError`` for anything that is not sound YAML."""
    loader = _BoundedLoader(text)
    try:
        node = _compose_bounded(loader, source or "YAML")
        return None if node is None else loader.construct_document(node)
    except InputError:
        raise
    except ValueError as exc:  # PyYAML's date constructor raises ValueError for 2027-02-30
        raise InputError([f"malformed YAML: {shown(str(exc), limit=200)} (an impossible date? write dates as "
                          f"YYYY-MM-DD with a real day, or quote them)."], source=source) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise InputError([f"malformed YAML{where}: {str(problem)[:200]}. Fix the syntax (a 'key: value' per "
                          f"line)."], source=source) from None
    finally:
        loader.dispose()


def read_text_input(path: str | Path, *, what: str = "file", max_bytes: int = MAX_SCENARIO_FILE_BYTES) -> str:
    """The text of a user's input file, or ``InputError`` naming the path and what to do."""
    path = Path(path)
    try:
        size = path.stat().st_size
        if path.is_dir():
            raise IsADirectoryError(21, "is a directory")
        if size > max_bytes:
            raise InputError([f"{path} is {size:,} bytes; a {what} is at most {max_bytes:,} bytes. Check that "
                              f"this is the file you meant."])
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError([f"file not found: {path}. Check the path (relative paths start from "
                          f"{Path.cwd()})."]) from None
    except (IsADirectoryError, PermissionError, UnicodeDecodeError, OSError) as exc:
        raise InputError([f"cannot read {path}: {exc.__class__.__name__}: {shown(str(exc), limit=200)}"]) from None


def read_yaml_mapping(path: str | Path) -> dict[str, Any]:
    """A YAML file whose top level is a mapping (a scenario, grid or parameter file)."""
    data = load_yaml_text(read_text_input(path), source=str(path))
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise InputError([f"expected a mapping of 'key: value' lines at the top level, got "
                          f"{type(data).__name__}."], source=str(path))
    return data
