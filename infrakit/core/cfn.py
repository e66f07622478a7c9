"""A CloudFormation template as the kit reads it: resources by type, references resolved.

The one template reader: cost-from-template, preflight and deploy verification all read templates
through ``TemplateIndex``. Written for any synthesized CDK app or published template, not only ours:
security-group rules may be inline or separate ``AWS::EC2::SecurityGroupIngress`` resources, ids may
be ``Ref``, ``Fn::GetAtt`` (list or dotted string), ``Fn::ImportValue`` or literals, ports strings.

What a deploy *without parameter overrides* creates is what the index shows: ``Ref`` to a
parameter is its ``Default`` (or the value a parent stack passes), resource conditions
are evaluated at those values (``Fn::Equals/And/Or/Not``, ``Condition``), a resource whose
condition is false is not in ``resources`` (it is in ``skipped``), and ``Fn::If`` picks its
branch, ``AWS::NoValue`` removing the property. What cannot be known (a parameter without a
default, ``AWS::AccountId``) stays as the intrinsic it was.

``parse_template_text`` reads template text (JSON, or YAML with short-form tags) within the bounds of
``infrakit.core.schema.limits``; ``shape_problems`` says what makes a document no template.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from infrakit.core.errors import InputError
from infrakit.core.text import shown

ALL_PORTS = (0, 65535)


def logical_id(value: Any) -> str | None:
    """The logical id a ``Ref`` or ``Fn::GetAtt`` points at, else None."""
    if isinstance(value, Mapping) and len(value) == 1:
        (key, arg), = value.items()
        if key == "Ref" and isinstance(arg, str):
            return arg
        if key == "Fn::GetAtt":
            if isinstance(arg, list) and arg and isinstance(arg[0], str):
                return arg[0]
            if isinstance(arg, str):
                return arg.split(".", 1)[0]
    return None


def describe(value: Any, limit: int = 120) -> str:
    """A short human description of a value that may be an intrinsic function, cut to ``limit``."""
    if isinstance(value, Mapping) and len(value) == 1:
        (key, arg), = value.items()
        if key == "Fn::ImportValue":
            return f"imported value {describe(arg, limit)}"
        if key in ("Ref", "Fn::GetAtt", "Fn::Sub"):
            if isinstance(arg, list) and arg:
                arg = ".".join(str(a) for a in arg) if key == "Fn::GetAtt" else arg[0]
            return cut(str(arg), limit)
        return cut(str(key), limit)
    return cut(str(value) if isinstance(value, str) else shown(value, limit=limit), limit)


def cut(text: str, limit: int = 120) -> str:
    """Template text as findings quote it: at most ``limit`` characters, the length said when cut."""
    if len(text) <= limit:
        return text
    suffix = f"… ({len(text):,} characters)"
    return text[:max(limit - len(suffix), 0)] + suffix


def mapping(value: Any) -> Mapping[str, Any]:
    """``value`` when it is a mapping, else an empty one: templates put anything anywhere."""
    return value if isinstance(value, Mapping) else {}


def as_list(value: Any) -> list[Any]:
    """``value`` when it is a list, else an empty one."""
    return value if isinstance(value, list) else []


def dig(value: Any, *keys: str) -> Any:
    """``value[k1][k2]...``, None where a level is missing or not a mapping."""
    for key in keys:
        value = mapping(value).get(key)
    return value


def as_port(value: Any) -> int | None:
    """80, "80" and 80.0 are port 80; anything unresolved is None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value.strip())
    return None


def is_true(value: Any) -> bool | None:
    """CloudFormation booleans may be strings; None when unresolved."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    return None


@dataclass(frozen=True)
class IngressRule:
    group: str  # logical id of the security group it belongs to
    defined_in: str  # logical id of the resource that declares it (the group itself when inline)
    protocol: str  # "tcp", "udp", "icmp", "-1" (all)
    from_port: int | None
    to_port: int | None
    cidr: str | None
    source_group: str | None  # logical id when the source is in this template
    source_external: str | None  # an imported or literal source group we cannot see

    @property
    def all_traffic(self) -> bool:
        return self.protocol == "-1"

    @property
    def open_to_world(self) -> bool:
        return self.cidr in ("0.0.0.0/0", "::/0")

    def port_range(self) -> tuple[int, int] | None:
        if self.all_traffic:
            return ALL_PORTS
        if self.protocol not in ("tcp", "udp"):
            return None
        if self.from_port is None or self.to_port is None:
            return None
        if self.from_port == -1:
            return ALL_PORTS
        return (self.from_port, self.to_port)

    def admits_tcp(self, port: int) -> bool:
        return self.admits(port, "tcp")

    def admits(self, port: int, protocol: str) -> bool:
        """Whether this rule lets ``protocol`` ("tcp" or "udp") traffic to ``port`` in."""
        if self.all_traffic:
            return True
        if self.protocol != protocol:
            return False
        if self.from_port is None or self.to_port is None:
            return False
        if self.from_port == -1:
            return True
        return self.from_port <= port <= self.to_port

    def describe_ports(self) -> str:
        span = self.port_range()
        if span is None:
            return f"{self.protocol} (unresolved ports)" if self.protocol in ("tcp", "udp") else self.protocol
        if span == ALL_PORTS:
            return "all ports" if self.all_traffic else f"all {self.protocol.upper()} ports"
        kind = "" if self.protocol == "tcp" else f"{self.protocol.upper()} "
        return f"{kind}port {span[0]}" if span[0] == span[1] else f"{kind}ports {span[0]}-{span[1]}"

    def describe_source(self) -> str:
        if self.cidr:
            return self.cidr
        if self.source_group:
            return f"security group {self.source_group}"
        return self.source_external or "an unresolved source"


class _NoValue:
    """``Ref: AWS::NoValue``: the property is removed."""

    def __repr__(self) -> str:
        return "AWS::NoValue"


NO_VALUE = _NoValue()
UNKNOWN = object()  # a parameter value a parent stack passes but the template cannot tell

PARTITIONS = (("cn-", "aws-cn", "amazonaws.com.cn"), ("us-gov-", "aws-us-gov", "amazonaws.com"),
              ("", "aws", "amazonaws.com"))


def _text(value: Any) -> Any:
    """How Fn::Equals compares: CloudFormation compares strings ("true" equals true, "80" equals 80)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float, str)):
        return str(value)
    if isinstance(value, list):
        return [_text(v) for v in value]
    return None  # unresolved


class TemplateIndex:
    def __init__(self, template: Mapping[str, Any], *, region: str | None = None, stack_name: str | None = None,
                 parameter_values: Mapping[str, Any] | None = None):
        self.template = template if isinstance(template, Mapping) else {}
        resources = self.template.get("Resources")
        self.all_resources: dict[str, Any] = dict(resources) if isinstance(resources, Mapping) else {}
        parameters = self.template.get("Parameters")
        self.parameters: dict[str, Any] = dict(parameters) if isinstance(parameters, Mapping) else {}
        conditions = self.template.get("Conditions")
        self._conditions: Mapping[str, Any] = conditions if isinstance(conditions, Mapping) else {}
        mappings = self.template.get("Mappings")
        self._mappings: Mapping[str, Any] = mappings if isinstance(mappings, Mapping) else {}
        self.region, self.stack_name = region, stack_name
        self._given = dict(parameter_values or {})
        self._condition_values: dict[str, bool | None] = {}
        self._evaluating: set[str] = set()
        self._props: dict[str, dict[str, Any]] = {}
        # Resources a deploy at the parameter defaults does not create: logical id -> condition name.
        self.skipped: dict[str, str] = {}
        for name, resource in self.all_resources.items():
            condition = resource.get("Condition") if isinstance(resource, Mapping) else None
            if isinstance(condition, str) and self.condition(condition) is False:
                self.skipped[name] = condition
        self.resources: dict[str, Any] = {n: r for n, r in self.all_resources.items() if n not in self.skipped}

    # --- values at the parameter defaults ---------------------------------------------------

    def parameter(self, name: str) -> Any:
        """The value a deploy without overrides gives parameter ``name`` (what a parent stack passes,
        else its Default), or UNKNOWN."""
        declared = self.parameters.get(name)
        declared = declared if isinstance(declared, Mapping) else {}
        declared_type = str(declared.get("Type", ""))
        if name in self._given:
            value = self._given[name]
        elif "Default" not in declared or declared_type.startswith("AWS::SSM::Parameter::Value"):
            return UNKNOWN  # no default; or the default names an SSM parameter whose value is in the account
        else:
            value = declared["Default"]
        if isinstance(value, str) and (declared_type == "CommaDelimitedList" or declared_type.startswith("List<")):
            return [part.strip() for part in value.split(",")] if value else []
        return value

    def _ref(self, name: str) -> Any:
        if name == "AWS::NoValue":
            return NO_VALUE
        if name in self.parameters or name in self._given:
            return self.parameter(name)
        if name.startswith("AWS::") and self.region:
            partition, suffix = next((p, s) for prefix, p, s in PARTITIONS if self.region.startswith(prefix))
            pseudo = {"AWS::Region": self.region, "AWS::Partition": partition, "AWS::URLSuffix": suffix}
            if name in pseudo:
                return pseudo[name]
        if name == "AWS::StackName" and self.stack_name:
            return self.stack_name
        return UNKNOWN

    def resolve(self, value: Any, depth: int = 0) -> Any:
        """``value`` as a deploy at the parameter defaults sees it (see the module docstring);
        NO_VALUE when it is removed."""
        kind = type(value)
        if kind is str or kind is int or kind is float or kind is bool or value is None or depth > 200:
            return value
        if kind is list:
            items = [self.resolve(v, depth + 1) for v in value]
            return [v for v in items if v is not NO_VALUE]
        if kind is not dict and not isinstance(value, Mapping):
            return value
        if len(value) == 1:
            (key, arg), = value.items()
            if key == "Ref" and isinstance(arg, str):
                found = self._ref(arg)
                return value if found is UNKNOWN else found
            if key == "Fn::If":
                chosen = self.condition(arg[0]) if isinstance(arg, list) and len(arg) == 3 and \
                    isinstance(arg[0], str) else None
                # An Fn::If whose condition cannot be known stays as written, both branches intact.
                return value if chosen is None else self.resolve(arg[1] if chosen else arg[2], depth + 1)
            if key == "Fn::FindInMap":
                found = self._find_in_map(arg, depth)
                if found is not UNKNOWN:
                    return found
            elif key == "Fn::Select":
                found = self._select(arg, depth)
                if found is not UNKNOWN:
                    return found
        resolved = {k: self.resolve(v, depth + 1) for k, v in value.items()}
        return {k: v for k, v in resolved.items() if v is not NO_VALUE}

    def _find_in_map(self, arg: Any, depth: int) -> Any:
        if not isinstance(arg, list) or len(arg) < 3:
            return UNKNOWN
        keys = [_text(self.resolve(a, depth + 1)) for a in arg[:3]]
        if not all(isinstance(k, str) for k in keys):
            return UNKNOWN
        level: Any = self._mappings
        for key in keys:
            if not isinstance(level, Mapping) or key not in level:
                return UNKNOWN
            level = level[key]
        return self.resolve(level, depth + 1)

    def _select(self, arg: Any, depth: int) -> Any:
        if not isinstance(arg, list) or len(arg) != 2:
            return UNKNOWN
        index, items = as_port(self.resolve(arg[0], depth + 1)), self.resolve(arg[1], depth + 1)
        if index is None or not isinstance(items, list) or not 0 <= index < len(items):
            return UNKNOWN
        return items[index]

    def condition(self, name: str) -> bool | None:
        """Condition ``name`` at the parameter defaults: True, False, or None when it cannot be known."""
        if name in self._condition_values:
            return self._condition_values[name]
        if name in self._evaluating or name not in self._conditions:
            return None  # a cycle, or no such condition: cfn-lint reports both
        self._evaluating.add(name)
        try:
            value = self._evaluate(self._conditions[name], 0)
        finally:
            self._evaluating.discard(name)
        self._condition_values[name] = value
        return value

    def _evaluate(self, expression: Any, depth: int) -> bool | None:
        if depth > 100 or not isinstance(expression, Mapping) or len(expression) != 1:
            return None
        (key, arg), = expression.items()
        if key == "Condition":
            return self.condition(arg) if isinstance(arg, str) else None
        if key == "Fn::Equals":
            if not isinstance(arg, list) or len(arg) != 2:
                return None
            left, right = (_text(self.resolve(a, depth + 1)) for a in arg)
            return None if left is None or right is None else left == right
        if key == "Fn::Not":
            inner = self._evaluate(arg[0], depth + 1) if isinstance(arg, list) and len(arg) == 1 else None
            return None if inner is None else not inner
        if key in ("Fn::And", "Fn::Or") and isinstance(arg, list) and arg:
            values = [self._evaluate(a, depth + 1) for a in arg]
            decisive = key == "Fn::Or"  # True decides an Or, False an And
            if decisive in values:
                return decisive
            return None if None in values else not decisive
        return None

    def literal(self, value: Any) -> Any:
        """``value`` resolved at the parameter defaults (``{"Ref": P}`` to a parameter with a Default
        becomes that default); what cannot be resolved is returned as it is."""
        resolved = self.resolve(value)
        return None if resolved is NO_VALUE else resolved

    def properties(self, name: str) -> dict[str, Any]:
        """Resource ``name``'s Properties at the parameter defaults (``{}`` when absent or not a mapping)."""
        if name not in self._props:
            resource = self.all_resources.get(name)
            props = resource.get("Properties") if isinstance(resource, Mapping) else None
            resolved = self.resolve(props) if isinstance(props, Mapping) else {}
            self._props[name] = resolved if isinstance(resolved, dict) else {}
        return self._props[name]

    def port(self, value: Any) -> int | None:
        return as_port(self.literal(value))

    def az_keys(self) -> set[str]:
        """Distinct AZ expressions of the template's subnets: literal names, or Fn::Select over
        Fn::GetAZs (one per index), so AZ counts work for templates that do not hard-code AZs."""
        keys = set()
        for _, props in self.of_type("AWS::EC2::Subnet"):
            az = self.literal(props.get("AvailabilityZone"))
            if az is None:
                continue
            keys.add(az if isinstance(az, str) else json.dumps(az, sort_keys=True))
        return keys

    def of_type(self, *types: str) -> Iterator[tuple[str, dict[str, Any]]]:
        """(logical id, properties at the parameter defaults) of each created resource of ``types``."""
        if getattr(self, "_by_type", None) is None:
            self._by_type: dict[str, list[str]] = {}
            for name, resource in self.resources.items():
                kind = resource.get("Type") if isinstance(resource, Mapping) else None
                if isinstance(kind, str):
                    self._by_type.setdefault(kind, []).append(name)
        if len(types) == 1:
            names = self._by_type.get(types[0], [])
        else:
            wanted = {m for t in types for m in self._by_type.get(t, [])}
            names = [n for n in self.resources if n in wanted]  # in template order
        for name in names:
            yield name, self.properties(name)

    def type_of(self, name: str | None) -> str | None:
        resource = self.resources.get(name or "")
        return resource.get("Type") if isinstance(resource, Mapping) else None

    def target(self, value: Any, *types: str) -> str | None:
        """The logical id ``value`` refers to, if it is a resource of one of ``types``."""
        name = logical_id(value)
        if name is not None and (not types or self.type_of(name) in types):
            return name
        return None

    def referrers(self, name: str) -> set[str]:
        """Logical ids of the created resources whose properties refer to ``name`` (Ref or Fn::GetAtt)."""
        if getattr(self, "_referrers", None) is None:
            found: dict[str, set[str]] = {}
            for source in self.resources:
                stack: list[Any] = [self.properties(source)]
                while stack:
                    value = stack.pop()
                    target = logical_id(value)
                    if target is not None:
                        found.setdefault(target, set()).add(source)
                    if isinstance(value, Mapping):
                        stack.extend(v for v in value.values() if isinstance(v, (Mapping, list)))
                    elif isinstance(value, list):
                        stack.extend(v for v in value if isinstance(v, (Mapping, list)))
            self._referrers = found
        return set(self._referrers.get(name, ()))

    def security_groups(self) -> dict[str, dict[str, Any]]:
        return dict(self.of_type("AWS::EC2::SecurityGroup"))

    def group_refs(self, values: Any) -> tuple[list[str], list[str]]:
        """(security groups in this template, descriptions of the ones we cannot see)."""
        inside, outside = [], []
        for value in values if isinstance(values, list) else []:
            name = self.target(value, "AWS::EC2::SecurityGroup")
            if name:
                inside.append(name)
            else:
                outside.append(describe(value))
        return inside, outside

    def ingress_rules(self) -> list[IngressRule]:
        if getattr(self, "_ingress", None) is None:
            self._ingress = self._ingress_rules()
        return list(self._ingress)

    def _ingress_rules(self) -> list[IngressRule]:
        rules: list[IngressRule] = []
        for group, props in self.of_type("AWS::EC2::SecurityGroup"):
            for entry in as_list(props.get("SecurityGroupIngress")):
                if isinstance(entry, Mapping):
                    rules.append(self._rule(group, group, entry))
        for name, props in self.of_type("AWS::EC2::SecurityGroupIngress"):
            group = self.target(props.get("GroupId"), "AWS::EC2::SecurityGroup")
            if group:
                rules.append(self._rule(group, name, props))
        return rules

    def _rule(self, group: str, defined_in: str, entry: Mapping[str, Any]) -> IngressRule:
        protocol = str(entry.get("IpProtocol", "")).lower()
        protocol = {"6": "tcp", "17": "udp", "1": "icmp", "all": "-1"}.get(protocol, protocol)
        source = entry.get("SourceSecurityGroupId")
        source_group = self.target(source, "AWS::EC2::SecurityGroup") if source is not None else None
        external = describe(source) if source is not None and source_group is None else None
        if entry.get("SourcePrefixListId") is not None:
            external = f"prefix list {describe(entry['SourcePrefixListId'])}"
        cidr = entry.get("CidrIp") or entry.get("CidrIpv6")
        return IngressRule(
            group=group, defined_in=defined_in, protocol=protocol,
            from_port=self.port(entry.get("FromPort")), to_port=self.port(entry.get("ToPort")),
            cidr=cidr if isinstance(cidr, str) else (describe(cidr) if cidr is not None else None),
            source_group=source_group, source_external=external,
        )

    def counts_by_type(self) -> dict[str, int]:
        """How many resources of each type, sorted by type."""
        counts: dict[str, int] = {}
        for resource in self.resources.values():
            if isinstance(resource, Mapping) and isinstance(resource.get("Type"), str):
                counts[resource["Type"]] = counts.get(resource["Type"], 0) + 1
        return dict(sorted(counts.items()))

    def tags(self, props: Mapping[str, Any]) -> dict[str, str]:
        tags = props.get("Tags")
        if isinstance(tags, list):
            return {str(t.get("Key")): str(t.get("Value")) for t in tags if isinstance(t, Mapping)}
        if isinstance(tags, Mapping):
            return {str(k): str(v) for k, v in tags.items()}
        return {}


# --- template files ------------------------------------------------------------------------

def read_template_file(path, *, label: str) -> tuple[dict[str, Any], int]:
    """A template file read within the bounds and checked for shape, and its size in bytes."""
    from infrakit.core.schema.limits import MAX_TEMPLATE_FILE_BYTES
    from infrakit.core.yamlio import read_text_input

    try:
        text = read_text_input(path, what="template", max_bytes=MAX_TEMPLATE_FILE_BYTES)
    except InputError as exc:
        raise InputError([f"{label}: {p}" for p in exc.problems]) from None
    return template_from_text(text, source=str(path), label=label), len(text.encode("utf-8"))


def template_from_text(text: str, *, source: str, label: str) -> dict[str, Any]:
    """Template text read from ``source`` as data checked for shape; problems prefixed by ``label``."""
    try:
        template = parse_template_text(text, source=source)
        if problems := shape_problems(template, source):
            raise InputError(problems)
    except InputError as exc:
        raise InputError([f"{label}: {p}" for p in exc.problems]) from None
    return template


TEMPLATE_SECTIONS = ("Parameters", "Conditions", "Mappings", "Outputs", "Metadata", "Rules")


def parse_template_text(text: str, *, source: str) -> Any:
    """A template's text (JSON, or YAML with short-form tags) as data, within the bounds of
    ``infrakit.core.schema.limits``; InputError naming ``source`` otherwise."""
    from infrakit.core.schema.limits import MAX_TEMPLATE_DEPTH
    from infrakit.core.yamlio import load_template_yaml_text

    body = text.lstrip("\ufeff \t\r\n")
    if body.startswith(("{", "[")):
        try:
            data = json.loads(body)
        except RecursionError:
            data = None  # past Python's own limit: reported below as too deep
            depth = sys.getrecursionlimit()
        except json.JSONDecodeError as exc:
            raise InputError([f"{source} is not JSON (line {exc.lineno}, column {exc.colno}: {exc.msg}); pass a "
                              f"synthesized template such as cdk.out/STACK.template.json"]) from None
        else:
            depth = nesting_depth(data, MAX_TEMPLATE_DEPTH)
        if depth > MAX_TEMPLATE_DEPTH:
            raise InputError([f"{source} nests deeper than {MAX_TEMPLATE_DEPTH} levels; a CloudFormation template "
                              f"nests a few levels of intrinsic functions, not hundreds. Check that this is the "
                              f"template you meant."])
        return data
    try:
        return load_template_yaml_text(text, source=source)
    except InputError as exc:
        raise InputError([f"{source} is not a CloudFormation template (neither JSON nor YAML): {p}"
                          for p in exc.problems]) from None


def nesting_depth(value: Any, limit: int) -> int:
    """How deeply ``value``'s lists and mappings nest (a scalar is 0), counted level by level
    without recursion; stops at ``limit`` + 1."""
    level, depth = [value], 0
    while depth <= limit:
        children: list[Any] = []
        found = False
        for item in level:
            kind = type(item)
            if kind is dict or (kind is not str and kind is not list and isinstance(item, Mapping)):
                found = True
                children.extend(item.values())
            elif kind is list:
                found = True
                children.extend(item)
        if not found:
            break
        depth += 1
        level = children
    return depth


def shape_problems(template: Any, source: str) -> list[str]:
    """What makes ``template`` no CloudFormation template (every problem, each naming the key),
    checked before any rule reads it: CloudFormation refuses all of these too."""
    if not isinstance(template, Mapping) or not isinstance(template.get("Resources"), Mapping) \
            or not template["Resources"]:
        return [f"{source} is not a CloudFormation template: it has no Resources mapping (expected a top-level "
                f"'Resources' with at least one resource)"]
    problems = []
    for section in TEMPLATE_SECTIONS:
        if section in template and template[section] is not None and not isinstance(template[section], Mapping):
            problems.append(f"{source}: {section} is {_kind(template[section])}; CloudFormation expects a mapping "
                            f"of names to declarations")
    for name, parameter in (template.get("Parameters") or {}).items() \
            if isinstance(template.get("Parameters"), Mapping) else ():
        if not isinstance(parameter, Mapping):
            problems.append(f"{source}: parameter {shown(name, limit=60)} is {_kind(parameter)}; expected a mapping "
                            f"with Type (and Default)")
    for name, resource in template["Resources"].items():
        where = f"{source}: resource {shown(name, limit=60)}"
        if not isinstance(resource, Mapping):
            problems.append(f"{where} is {_kind(resource)}; expected a mapping with Type and Properties")
            continue
        if not isinstance(resource.get("Type"), str):
            problems.append(f"{where} has no Type" if "Type" not in resource else
                            f"{where}: Type is {_kind(resource['Type'])}; expected a string such as AWS::S3::Bucket")
        for key, expected, what in (("Properties", Mapping, "a mapping of property names to values"),
                                    ("Metadata", Mapping, "a mapping"),
                                    ("Condition", str, "the name of a condition")):
            value = resource.get(key)
            if value is not None and not isinstance(value, expected):
                problems.append(f"{where}: {key} is {_kind(value)}; CloudFormation expects {what}")
        depends = resource.get("DependsOn")
        if depends is not None and not isinstance(depends, (str, list)):
            problems.append(f"{where}: DependsOn is {_kind(depends)}; expected a logical id or a list of them")
    return problems


def _kind(value: Any) -> str:
    kinds = {str: "a string", list: "a list", bool: "a boolean", int: "a number", float: "a number",
             type(None): "empty"}
    kind = next((k for t, k in kinds.items() if isinstance(value, t)), type(value).__name__)
    return f"{kind} ({shown(value, limit=60)})" if value is not None else kind
