"""Reading the YAML files users give the kit, with bounds: no input may hang the kit or
exhaust its memory.

- A file larger than ``MAX_SCENARIO_FILE_BYTES`` is refused before it is parsed.
- YAML aliases share nodes, so a 641-byte file can describe a structure of 10^9 values
  ("billion laughs"); anything that later walks it (validation, ``repr``, JSON) would take
  minutes and gigabytes. The composed document's *expanded* size and depth are measured
  first (memoized per node, so the measure itself is linear in the file) and a document
  past ``MAX_YAML_NODES`` or ``MAX_NESTING_DEPTH`` is refused.
- A key given twice is an error (PyYAML silently keeps the last one).
- Numbers are YAML 1.2's: ``1:30`` is text, not the base-60 number 90; ``010`` is ten, not
  octal eight; ``1e3`` is a number.
"""

from __future__ import annotations

import re
import stat
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from infrakit.core.errors import InputError
from infrakit.core.text import shown

# The bounds come from infrakit.core.schema.limits, imported when first needed: the schema
# package reads its files through this module, so importing it here would be circular.


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


# SafeLoader's resolvers with YAML 1.2's numbers instead of YAML 1.1's: no base-60 ("1:30" stays
# the string it looks like, not 90), a leading zero is decimal (010 is 10, not 8; octal is 0o10), and
# an exponent needs no sign (1e3 is the number 1000, not the string "1e3").
_NUMBER_TAGS = ("tag:yaml.org,2002:int", "tag:yaml.org,2002:float")
_BoundedLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag not in _NUMBER_TAGS]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_BoundedLoader.add_implicit_resolver(
    "tag:yaml.org,2002:int",
    re.compile(r"^[-+]?(?:0b[0-1_]+|0o[0-7_]+|0x[0-9a-fA-F_]+|[0-9][0-9_]*)$"),
    list("-+0123456789"))
_BoundedLoader.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(r"""^(?:[-+]?[0-9][0-9_]*\.[0-9_]*(?:[eE][-+]?[0-9]+)?
                |[-+]?[0-9][0-9_]*[eE][-+]?[0-9]+
                |[-+]?\.[0-9][0-9_]*(?:[eE][-+]?[0-9]+)?
                |[-+]?\.(?:inf|Inf|INF)
                |\.(?:nan|NaN|NAN))$""", re.X),
    list("-+0123456789."))


def _construct_int(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> int:
    text = loader.construct_scalar(node).replace("_", "")
    sign = -1 if text.startswith("-") else 1
    digits = text.lstrip("+-")
    for prefix, base in (("0b", 2), ("0o", 8), ("0x", 16)):
        if digits.startswith(prefix):
            return sign * int(digits[2:], base)
    return sign * int(digits, 10)


_BoundedLoader.add_constructor("tag:yaml.org,2002:int", _construct_int)


@dataclass(frozen=True)
class _Bounds:
    max_nodes: int
    max_depth: int
    shape: str  # what such a file looks like, for the messages


def _scenario_bounds() -> _Bounds:
    from infrakit.core.schema.limits import MAX_NESTING_DEPTH, MAX_YAML_NODES

    return _Bounds(MAX_YAML_NODES, MAX_NESTING_DEPTH, "a scenario or grid is a flat 'key: value' mapping with short "
                                                      "lists")


def _template_bounds() -> _Bounds:
    from infrakit.core.schema.limits import MAX_TEMPLATE_DEPTH, MAX_TEMPLATE_NODES

    return _Bounds(MAX_TEMPLATE_NODES, MAX_TEMPLATE_DEPTH, "a CloudFormation template nests a few levels of "
                                                           "intrinsic functions, not hundreds")


def _measure(node: yaml.Node, sizes: dict[int, int], depths: dict[int, int], stack: set[int],
             bounds: _Bounds) -> None:
    """Expanded size and depth of ``node``'s subtree, memoized by node identity (aliases)."""
    key = id(node)
    if key in sizes:
        return
    if key in stack:  # a recursive alias (&a [*a]): no finite expansion
        sizes[key], depths[key] = bounds.max_nodes + 1, bounds.max_depth + 1
        return
    if isinstance(node, yaml.ScalarNode):
        sizes[key], depths[key] = 1, 1
        return
    children = [c for pair in node.value for c in pair] if isinstance(node, yaml.MappingNode) else list(node.value)
    stack.add(key)
    size, depth = 1, 0
    for child in children:
        _measure(child, sizes, depths, stack, bounds)
        size += sizes[id(child)]
        depth = max(depth, depths[id(child)])
        if size > bounds.max_nodes or depth > bounds.max_depth:
            break
    stack.discard(key)
    sizes[key], depths[key] = size, depth + 1


def _too_deep(bounds: _Bounds, source: str) -> InputError:
    return InputError([f"the YAML nests deeper than {bounds.max_depth} levels; {bounds.shape}."], source=source)


def _compose_bounded(loader: yaml.SafeLoader, source: str, bounds: _Bounds) -> yaml.Node | None:
    # Composing recurses per nesting level; a pathological file must fail as bad input,
    # not as RecursionError.
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(max(limit, 6 * bounds.max_depth + 200))
    try:
        node = loader.get_single_node()
    except RecursionError:
        raise _too_deep(bounds, source) from None
    finally:
        sys.setrecursionlimit(limit)
    if node is None:
        return None
    sizes: dict[int, int] = {}
    depths: dict[int, int] = {}
    _measure(node, sizes, depths, set(), bounds)
    if sizes[id(node)] > bounds.max_nodes:
        raise InputError([f"the YAML expands to more than {bounds.max_nodes:,} values (aliases such as *a repeat "
                          f"whole structures); {bounds.shape}. Remove the aliases."], source=source)
    if depths[id(node)] > bounds.max_depth:
        raise _too_deep(bounds, source)
    return node


def load_yaml_text(text: str, *, source: str | None = None) -> Any:
    """Parse ``text`` with the bounds above; ``InputError`` for anything that is not sound YAML."""
    return _load(_BoundedLoader, text, source, _scenario_bounds())


def load_template_yaml_text(text: str, *, source: str | None = None) -> Any:
    """A CloudFormation template in YAML: short-form tags (``!Ref``, ``!GetAtt A.B``, ``!If``, ...)
    become their long forms, dates stay text (CloudFormation has no timestamp type: an unquoted
    ``AWSTemplateFormatVersion: 2010-09-09`` is the string), bounded like any input."""
    return _load(_TemplateLoader, text, source, _template_bounds())


def _load(loader_class: type[yaml.SafeLoader], text: str, source: str | None, bounds: _Bounds) -> Any:
    loader = None
    try:
        loader = loader_class(text)  # the reader refuses control characters here already
        node = _compose_bounded(loader, source or "YAML", bounds)
        return None if node is None else loader.construct_document(node)
    except InputError:
        raise
    except RecursionError:
        raise _too_deep(bounds, source or "YAML") from None
    except ValueError as exc:  # PyYAML's date constructor raises ValueError for 2027-02-30
        raise InputError([f"malformed YAML: {shown(str(exc), limit=200)} (an impossible date? write dates as "
                          f"YYYY-MM-DD with a real day, or quote them)."], source=source) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)
        problem = " ".join(str(problem).split())[:200]
        raise InputError([f"malformed YAML{where}: {problem}. Fix the syntax (a 'key: value' per line)."],
                         source=source) from None
    finally:
        if loader is not None:
            loader.dispose()


# CloudFormation's short forms: !Ref and !Condition keep their key; the others are Fn::NAME.
_SHORT_FORMS = ("Ref", "Condition", "Base64", "Cidr", "FindInMap", "GetAtt", "GetAZs", "ImportValue", "Join",
                "Select", "Split", "Sub", "Transform", "And", "Equals", "If", "Not", "Or", "ToJsonString", "Length")


class _TemplateLoader(_BoundedLoader):
    """_BoundedLoader for CloudFormation templates."""


_TemplateLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in _BoundedLoader.yaml_implicit_resolvers.items()
}


def _short_form(name: str):
    key = name if name in ("Ref", "Condition") else f"Fn::{name}"

    def construct(loader: yaml.SafeLoader, node: yaml.Node) -> dict[str, Any]:
        if isinstance(node, yaml.ScalarNode):
            value: Any = loader.construct_scalar(node)
            if name == "GetAtt" and isinstance(value, str) and "." in value:
                value = value.split(".", 1)  # !GetAtt Db.Endpoint.Address -> ["Db", "Endpoint.Address"]
        elif isinstance(node, yaml.SequenceNode):
            value = loader.construct_sequence(node, deep=True)
        else:
            value = loader.construct_mapping(node, deep=True)
        return {key: value}

    return construct


for _name in _SHORT_FORMS:
    _TemplateLoader.add_constructor(f"!{_name}", _short_form(_name))


PIPE_WAIT_S = 10.0  # a named pipe or process substitution <(...) must start sending within this long


def _read_pipe(path: Path, max_bytes: int) -> bytes:
    """A named pipe's bytes, bounded in time as well as size: opening one blocks until a writer
    comes (a FIFO nobody writes to would hang the command), so it is opened without blocking
    and read while data keeps arriving, waiting at most ``PIPE_WAIT_S`` for each part."""
    import os
    import select

    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    try:
        chunks, size, started = [], 0, False
        while size <= max_bytes:
            ready, _, _ = select.select([fd], [], [], PIPE_WAIT_S)
            if not ready:
                raise InputError([f"cannot read {path}: it is a named pipe and nothing arrived on it within "
                                  f"{PIPE_WAIT_S:g} s; write the input to a file and give that path."])
            chunk = os.read(fd, 65536)
            if not chunk:
                if started:
                    break  # the writer closed: the end
                # no writer yet (a FIFO reads as ended until one opens it): wait for one, bounded
                raise InputError([f"cannot read {path}: it is a named pipe with nothing writing to it; write the "
                                  f"input to a file and give that path."])
            started = True
            chunks.append(chunk)
            size += len(chunk)
        return b"".join(chunks)
    finally:
        os.close(fd)


def read_text_input(path: str | Path, *, what: str = "file", max_bytes: int | None = None) -> str:
    """The text of a user's input file, or ``InputError`` naming the path and what to do. Reads at
    most ``max_bytes`` + 1 bytes, so a device or pipe without end (/dev/zero) is refused, not read."""
    if max_bytes is None:
        from infrakit.core.schema.limits import MAX_SCENARIO_FILE_BYTES as max_bytes
    path = Path(path)
    too_large = InputError([f"{path} is larger than {max_bytes:,} bytes; a {what} is at most {max_bytes:,} bytes. "
                            f"Check that this is the file you meant."])
    try:
        if path.is_dir():
            raise IsADirectoryError(21, "is a directory")
        info = path.stat()
        if info.st_size > max_bytes:
            raise too_large
        if stat.S_ISFIFO(info.st_mode):
            data = _read_pipe(path, max_bytes)
        else:
            with path.open("rb") as handle:
                data = handle.read(max_bytes + 1)
        if len(data) > max_bytes:
            raise too_large
        return data.decode("utf-8")
    except FileNotFoundError:
        raise InputError([f"file not found: {path}. Check the path (relative paths start from "
                          f"{Path.cwd()})."]) from None
    except IsADirectoryError:
        raise InputError([f"cannot read {path}: it is a folder, not a file; give the path of a {what}."]) from None
    except UnicodeDecodeError as exc:
        byte = exc.object[exc.start:exc.start + 1].hex()
        raise InputError([f"cannot read {path}: it is not UTF-8 text (byte 0x{byte} at offset {exc.start:,}). "
                          f"Check that this is the {what} you meant, or save it as UTF-8."]) from None
    except PermissionError:
        raise InputError([f"cannot read {path}: permission denied; make it readable (chmod u+r) or copy it "
                          f"somewhere you can read."]) from None
    except OSError as exc:
        raise InputError([f"cannot read {path}: {exc.strerror or exc.__class__.__name__}; check that this is the "
                          f"{what} you meant."]) from None


def read_yaml_mapping(path: str | Path) -> dict[str, Any]:
    """A YAML file whose top level is a mapping (a scenario, grid or parameter file)."""
    return yaml_mapping_from_text(read_text_input(path, what="YAML file"), source=str(path))


def yaml_mapping_from_text(text: str, *, source: str) -> dict[str, Any]:
    """``read_yaml_mapping`` on text already read (within its bounds) from ``source``."""
    data = load_yaml_text(text, source=source)
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise InputError([f"expected a mapping of 'key: value' lines at the top level, got "
                          f"{type(data).__name__}."], source=source)
    return data
