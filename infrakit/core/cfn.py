"""A CloudFormation template as the kit reads it: resources by type, references resolved.

The one template reader: cost-from-template, preflight and deploy verification all read
templates through ``TemplateIndex``. Written for any synthesized CDK app, not only ours: security-group rules may be inline or
separate ``AWS::EC2::SecurityGroupIngress`` resources, ids may be ``Ref``, ``Fn::GetAtt``
(list or dotted string), ``Fn::ImportValue`` or literals, and ports may be strings.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Iterator, Mapping

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


def describe(value: Any) -> str:
    """A short human description of a value that may be an intrinsic function."""
    if isinstance(value, Mapping) and len(value) == 1:
        (key, arg), = value.items()
        if key == "Fn::ImportValue":
            return f"imported value {describe(arg)}"
        if key == "Ref":
            return str(arg)
        if key == "Fn::GetAtt":
            return ".".join(arg) if isinstance(arg, list) else str(arg)
        if key == "Fn::Sub":
            return str(arg if isinstance(arg, str) else arg[0])
        return key
    return str(value)


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


class TemplateIndex:
    def __init__(self, template: Mapping[str, Any]):
        self.template = template
        self.resources: dict[str, dict[str, Any]] = dict(template.get("Resources") or {})
        parameters = template.get("Parameters")
        self.parameters: dict[str, Any] = dict(parameters) if isinstance(parameters, Mapping) else {}

    def literal(self, value: Any) -> Any:
        """``{"Ref": P}`` to a parameter with a Default becomes that default (what a deploy without
        overrides uses); anything else is returned as it is."""
        if isinstance(value, Mapping) and len(value) == 1 and isinstance(value.get("Ref"), str):
            parameter = self.parameters.get(value["Ref"])
            if isinstance(parameter, Mapping) and "Default" in parameter:
                return parameter["Default"]
        return value

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
        for name, resource in self.resources.items():
            if isinstance(resource, Mapping) and resource.get("Type") in types:
                yield name, resource.get("Properties") or {}

    def type_of(self, name: str | None) -> str | None:
        resource = self.resources.get(name or "")
        return resource.get("Type") if isinstance(resource, Mapping) else None

    def target(self, value: Any, *types: str) -> str | None:
        """The logical id ``value`` refers to, if it is a resource of one of ``types``."""
        name = logical_id(value)
        if name is not None and (not types or self.type_of(name) in types):
            return name
        return None

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
        rules: list[IngressRule] = []
        for group, props in self.of_type("AWS::EC2::SecurityGroup"):
            for entry in props.get("SecurityGroupIngress") or []:
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
