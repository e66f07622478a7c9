"""The scenario schema: one configuration of the payment API plus its usage and horizon.

Keys are flat (papermill parameters are flat) and loaded from YAML. A grid file uses the
same keys; a list value means "vary over these values" and the grid is the Cartesian
product of its lists.

Validation collects every problem before raising one ``InputError``: unknown keys (with the
closest valid key suggested), wrong types, values out of range. Problems that depend on a
combination of keys are "rules" (see ``RULES``); a rule is either an input rule (the
configuration is incomplete or impossible: bad input for a single scenario) or a
deployability rule (the configuration is well formed but AWS would refuse it: the cost
model still prices it and marks it invalid; synthesis and deploy refuse it).

This module imports neither pandas nor aws_cdk: both cost_model and infra_lib use it.
"""

from __future__ import annotations

import datetime as dt
import difflib
import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from infrakit.catalogs import engine_catalog, region_catalog, version_key
from infrakit.errors import InputError

# --------------------------------------------------------------------------------------
# Field definitions
# --------------------------------------------------------------------------------------

FARGATE_MEMORY_MIB_BY_CPU: dict[int, tuple[int, ...]] = {
    # AWS ECS task size table (docs.aws.amazon.com/AmazonECS/latest/developerguide/fargate-tasks-services.html)
    256: (512, 1024, 2048),
    512: tuple(range(1024, 4096 + 1, 1024)),
    1024: tuple(range(2048, 8192 + 1, 1024)),
    2048: tuple(range(4096, 16384 + 1, 1024)),
    4096: tuple(range(8192, 30720 + 1, 1024)),
    8192: tuple(range(16384, 61440 + 1, 4096)),
    16384: tuple(range(32768, 122880 + 1, 8192)),
}

NAT_STRATEGIES = ("per_az", "single", "regional", "none")

# The retention periods CloudWatch Logs accepts (PutRetentionPolicy API).
CLOUDWATCH_RETENTION_DAYS = (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192,
                             2557, 2922, 3288, 3653)

# Larger numbers are typos, and would overflow the cost arithmetic to infinity.
MAX_NUMBER = 1e12


@dataclass(frozen=True)
class Field:
    """One scenario key. ``kind`` is str, int, float, bool, date or choice."""

    name: str
    kind: str
    default: Any
    help: str
    group: str
    choices: tuple[Any, ...] = ()
    minimum: float | None = None
    maximum: float | None = None
    nullable: bool = False
    pattern: str | None = None
    pattern_help: str = ""


def _default_start_date() -> str:
    today = dt.date.today()
    first_next = (today.replace(day=1) + dt.timedelta(days=32)).replace(day=1)
    return first_next.isoformat()


FIELDS: tuple[Field, ...] = (
    # --- identity ---
    Field("name", "str", "payment-api", "Scenario name, shown in reports.", "identity",
          pattern=r"^[A-Za-z0-9][A-Za-z0-9 ._-]{0,63}$", pattern_help="1-64 letters, digits, spaces, '.', '_' or '-'"),
    Field("region", "choice", "us-east-1", "AWS region to deploy and price in.", "identity",
          choices=tuple(region_catalog())),
    Field("environment", "choice", "dev", "dev or prod: prod gets deletion protection and snapshot retention.",
          "identity", choices=("dev", "prod")),
    Field("environment_suffix", "str", "dev", "Suffix in resource names so environments coexist in one account.",
          "identity", pattern=r"^[a-z0-9][a-z0-9-]{0,19}$",
          pattern_help="1-20 lowercase letters, digits or '-', starting with a letter or digit"),
    # --- network ---
    Field("az_count", "int", 2, "Availability Zones the VPC spans (2 to the region's AZ count).", "network",
          minimum=2, maximum=6),
    Field("nat_strategy", "choice", "single",
          "per_az: a NAT gateway per AZ; single: one shared NAT gateway; regional: AWS's regional NAT gateway; "
          "none: isolated subnets with VPC endpoints (image must come from ECR).", "network", choices=NAT_STRATEGIES),
    # --- database ---
    Field("engine_version", "str", "17.7", "Aurora PostgreSQL engine version, always a quoted string (\"15.10\").",
          "database", pattern=r"^\d{1,2}\.\d{1,2}$", pattern_help='MAJOR.MINOR such as "16.8"'),
    Field("instance_class", "choice", "db.r6g.large", "Aurora DB instance class for writer and readers.", "database",
          choices=tuple(engine_catalog().instance_vcpus)),
    Field("reader_count", "int", 1, "Aurora readers besides the writer (spread over other AZs).", "database",
          minimum=0, maximum=15),
    Field("storage_type", "choice", "standard", "Aurora storage: standard (pay per I/O) or io_optimized.",
          "database", choices=("standard", "io_optimized")),
    # --- ingress ---
    Field("listener_protocol", "choice", "HTTP", "ALB listener: HTTP (port 80) or HTTPS (443, needs domain_name).",
          "ingress", choices=("HTTP", "HTTPS")),
    Field("domain_name", "str", None, "Domain served over HTTPS; required for HTTPS.", "ingress", nullable=True,
          pattern=r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$",
          pattern_help="a lowercase DNS name such as api.payments.acme.io"),
    Field("hosted_zone_name", "str", None, "Route 53 public hosted zone that covers domain_name (for DNS validation).",
          "ingress", nullable=True, pattern=r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}\.?$",
          pattern_help="a lowercase DNS zone name such as acme.io"),
    Field("hosted_zone_id", "str", None, "ID of the hosted_zone_name zone (Route 53 console or "
          "'aws route53 list-hosted-zones-by-name'); synthesis needs it to DNS-validate without AWS calls.",
          "ingress", nullable=True, pattern=r"^Z[A-Z0-9]{1,31}$", pattern_help="a Route 53 zone ID such as Z0123456789ABCDEFGHIJ"),
    Field("certificate_arn", "str", None, "Existing ACM certificate ARN to use instead of issuing one.", "ingress",
          nullable=True, pattern=r"^arn:aws[a-z-]*:acm:[a-z0-9-]+:\d{12}:certificate/[A-Za-z0-9-]+$",
          pattern_help="arn:aws:acm:REGION:ACCOUNT:certificate/ID"),
    # --- service ---
    Field("service_cpu", "int", 512, "Fargate task CPU units (1024 = 1 vCPU).", "service",
          choices=tuple(FARGATE_MEMORY_MIB_BY_CPU)),
    Field("service_memory_mib", "int", 1024, "Fargate task memory in MiB (must suit service_cpu).", "service",
          minimum=512, maximum=122880),
    Field("service_desired_count", "int", 2, "Fargate tasks running.", "service", minimum=1, maximum=1000),
    Field("service_arch", "choice", "x86_64", "CPU architecture of the tasks.", "service", choices=("x86_64", "arm64")),
    Field("container_image", "str", "public.ecr.aws/nginx/nginx:stable",
          "Container image; with nat_strategy none it must be in a private ECR registry.", "service"),
    Field("container_port", "int", 80, "Port the container listens on.", "service", minimum=1, maximum=65535),
    # --- usage ---
    Field("nat_data_gb_per_month", "float", 50.0, "GB per month the service sends/receives through NAT.", "usage",
          minimum=0),
    Field("cross_az_gb_per_month", "float", 20.0, "GB per month crossing AZs between service and database.",
          "usage", minimum=0),
    Field("alb_new_connections_per_second", "float", 5.0, "ALB new connections per second (LCU: 25 per LCU).",
          "usage", minimum=0),
    Field("alb_active_connections_per_minute", "float", 300.0, "ALB active connections per minute (3,000 per LCU).",
          "usage", minimum=0),
    Field("alb_processed_gb_per_hour", "float", 0.05, "ALB processed GB per hour (1 GB/h per LCU).", "usage",
          minimum=0),
    Field("alb_rule_evaluations_per_second", "float", 5.0, "ALB rule evaluations per second (1,000 per LCU).",
          "usage", minimum=0),
    Field("aurora_storage_gb", "float", 20.0, "Aurora cluster volume, GB.", "usage", minimum=0),
    Field("aurora_io_million_requests_per_month", "float", 10.0, "Aurora I/O, millions of requests per month "
          "(billed on standard storage only).", "usage", minimum=0),
    Field("aurora_backup_gb", "float", 20.0, "Aurora backup storage, GB (the first cluster-volume size is free).",
          "usage", minimum=0),
    Field("log_ingest_gb_per_month", "float", 5.0, "CloudWatch Logs ingested per month, GB.", "usage", minimum=0),
    Field("log_retention_days", "int", 30, "CloudWatch Logs retention (a value CloudWatch allows); stored GB = "
          "ingest x retention / 30.", "usage", choices=CLOUDWATCH_RETENTION_DAYS),
    # --- horizon ---
    Field("start_date", "date", None, "First month priced (YYYY-MM-DD; default: first day of next month).",
          "horizon"),
    Field("horizon_months", "int", 36, "Months priced from start_date.", "horizon", minimum=1, maximum=120),
    # --- constraints for recommendations ---
    Field("budget_usd_per_month", "float", None, "Reject configurations costing more per month (first month).",
          "constraints", nullable=True, minimum=0),
    Field("egress_must_survive_az_loss", "bool", False, "Require egress from healthy AZs to survive one AZ outage.",
          "constraints"),
    # --- availability assumptions (labelled as assumptions in every output) ---
    Field("assumed_az_outages_per_year", "float", 0.5, "ASSUMPTION: outages per AZ per year (no AWS figure "
          "exists; adjust to your risk view).", "assumptions", minimum=0, maximum=365),
    Field("assumed_az_outage_hours", "float", 4.0, "ASSUMPTION: hours an AZ outage lasts.", "assumptions",
          minimum=0, maximum=8760),
    Field("assumed_db_failover_minutes", "float", 1.0, "ASSUMPTION: minutes for Aurora to fail over to a reader "
          "in another AZ.", "assumptions", minimum=0),
    Field("assumed_db_recovery_minutes", "float", 15.0, "ASSUMPTION: minutes for Aurora to replace a writer "
          "with no reader (new instance in another AZ).", "assumptions", minimum=0),
)

FIELDS_BY_NAME: dict[str, Field] = {f.name: f for f in FIELDS}



def defaults() -> dict[str, Any]:
    """Every key with its default value (start_date resolved to next month's first day)."""
    values = {f.name: f.default for f in FIELDS}
    values["start_date"] = _default_start_date()
    return values


# --------------------------------------------------------------------------------------
# Per-value checks
# --------------------------------------------------------------------------------------

def _describe(value: Any) -> str:
    return f"{value!r} ({type(value).__name__})"


def check_value(spec: Field, value: Any) -> tuple[Any, str | None]:
    """Coerce ``value`` for ``spec``; return (value, problem). ``problem`` is None when fine."""
    key = spec.name
    if value is None:
        if spec.nullable:
            return None, None
        if spec.kind == "date":
            return _default_start_date(), None  # null means "the default": first day of next month
        return value, f"{key}: got null; it needs a value ({_allowed(spec)}). Remove the key to use the default {spec.default!r}."
    kind = spec.kind
    if kind == "choice":
        expected_type = type(spec.choices[0])
        if isinstance(value, bool) or not isinstance(value, expected_type):
            return value, f"{key}: got {_describe(value)}; allowed: {_allowed(spec)}."
        if value not in spec.choices:
            by_lower = {str(c).lower(): c for c in spec.choices}
            near = difflib.get_close_matches(str(value).lower(), list(by_lower), n=1, cutoff=0.5)
            hint = f" Did you mean {by_lower[near[0]]!r}?" if near else ""
            return value, f"{key}: {value!r} is not allowed; allowed: {_allowed(spec)}.{hint}"
        return value, None
    if kind == "str":
        if not isinstance(value, str):
            if isinstance(value, (int, float)) and not isinstance(value, bool) and key == "engine_version":
                return value, (
                    f"engine_version: got the number {value!r}; engine versions are strings because YAML reads "
                    f"15.10 as the number 15.1 (trailing zeros vanish). Quote the version you mean, for example "
                    f"engine_version: \"15.10\"."
                )
            return value, f"{key}: got {_describe(value)}; expected a string ({_allowed(spec)})."
        if spec.pattern and not re.fullmatch(spec.pattern, value):
            return value, f"{key}: {value!r} is not valid; expected {spec.pattern_help}."
        return value, None
    if kind == "int":
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return value, f"{key}: got {_describe(value)}; expected a whole number ({_allowed(spec)})."
        if isinstance(value, float):
            if not math.isfinite(value) or not value.is_integer():
                return value, f"{key}: got {value!r}; expected a whole number ({_allowed(spec)})."
            value = int(value)
        return value, _range_problem(spec, value)
    if kind == "float":
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return value, f"{key}: got {_describe(value)}; expected a number ({_allowed(spec)})."
        try:
            as_float = float(value)
        except OverflowError:
            as_float = math.inf
        if not math.isfinite(as_float) or abs(as_float) > MAX_NUMBER:
            shown = f"{value!r}" if len(repr(value)) < 40 else f"{repr(value)[:20]}... ({len(repr(value))} digits)"
            return value, f"{key}: got {shown}; expected a finite number up to {MAX_NUMBER:g} ({_allowed(spec)})."
        return as_float, _range_problem(spec, value)
    if kind == "bool":
        if isinstance(value, str) and value.lower() in ("true", "false"):
            return value.lower() == "true", None  # papermill -p passes lowercase words as strings
        if not isinstance(value, bool):
            return value, f"{key}: got {_describe(value)}; expected true or false."
        return value, None
    if kind == "date":
        if isinstance(value, dt.datetime):
            value = value.date()
        if isinstance(value, dt.date):
            return value.isoformat(), None
        if isinstance(value, str):
            try:
                return dt.date.fromisoformat(value).isoformat(), None
            except ValueError:
                pass
        return value, f"{key}: got {_describe(value)}; expected a date YYYY-MM-DD such as \"2027-01-01\"."
    raise AssertionError(f"unknown field kind {kind}")


def _range_problem(spec: Field, value: float) -> str | None:
    if spec.choices and value not in spec.choices:
        return f"{spec.name}: {value!r} is not allowed; allowed: {_allowed(spec)}."
    if spec.minimum is not None and value < spec.minimum:
        return f"{spec.name}: {value!r} is below the minimum; allowed: {_allowed(spec)}."
    if spec.maximum is not None and value > spec.maximum:
        return f"{spec.name}: {value!r} is above the maximum; allowed: {_allowed(spec)}."
    return None


def _allowed(spec: Field) -> str:
    if spec.choices:
        return "one of " + ", ".join(repr(c) for c in spec.choices)
    parts = {"int": "a whole number", "float": "a number", "str": "a string", "bool": "true or false",
             "date": "a date YYYY-MM-DD"}[spec.kind]
    if spec.minimum is not None and spec.maximum is not None:
        parts += f" from {spec.minimum:g} to {spec.maximum:g}"
    elif spec.minimum is not None:
        parts += f" >= {spec.minimum:g}"
    if spec.pattern_help:
        parts += f", {spec.pattern_help}"
    if spec.nullable:
        parts += ", or null"
    return parts


def _unknown_key_problem(key: Any) -> str:
    near = difflib.get_close_matches(str(key), list(FIELDS_BY_NAME), n=1, cutoff=0.6)
    hint = f" Did you mean {near[0]!r}?" if near else " Run 'infrakit keys' to list the valid keys."
    return f"{key}: not a scenario key.{hint}"


# --------------------------------------------------------------------------------------
# Combination rules
# --------------------------------------------------------------------------------------

RESERVED_DOMAINS = ("example.com", "example.net", "example.org", "example", "test", "invalid", "localhost")


@dataclass(frozen=True)
class Rule:
    """A check over several keys. ``kind`` is "input" (bad input for one scenario; an invalid
    row in a grid) or "deployable" (priced, but marked invalid; synth and deploy refuse it)."""

    id: str
    keys: tuple[str, ...]
    kind: str
    check: Callable[[Mapping[str, Any]], str | None]


def _rule_az_count(row: Mapping[str, Any]) -> str | None:
    zones = region_catalog()[row["region"]].availability_zones
    if row["az_count"] > len(zones):
        return (f"az_count: {row['az_count']} is more than the {len(zones)} Availability Zones of "
                f"{row['region']} ({', '.join(zones)}); use at most {len(zones)}.")
    return None


def _rule_fargate_size(row: Mapping[str, Any]) -> str | None:
    allowed = FARGATE_MEMORY_MIB_BY_CPU.get(row["service_cpu"], ())
    if row["service_memory_mib"] not in allowed:
        shown = f"{allowed[0]} to {allowed[-1]} in steps of {allowed[1] - allowed[0]}" if len(allowed) > 3 else \
            ", ".join(map(str, allowed))
        return (f"service_memory_mib: {row['service_memory_mib']} does not fit service_cpu {row['service_cpu']} "
                f"on Fargate; allowed memory for that CPU: {shown} MiB.")
    return None


def _rule_https_needs_domain(row: Mapping[str, Any]) -> str | None:
    if row["listener_protocol"] == "HTTPS" and not row["domain_name"]:
        return ("listener_protocol: HTTPS needs domain_name (and hosted_zone_name or certificate_arn); "
                "set them, or use listener_protocol: HTTP.")
    return None


def reserved_domain_problem(domain: str) -> str | None:
    """Why no one can own ``domain`` (RFC 2606/6761), or None. Shared with preflight."""
    domain = domain.lower().rstrip(".")
    for reserved in RESERVED_DOMAINS:
        if domain == reserved or domain.endswith("." + reserved):
            return f"{domain} is under {reserved}, reserved by RFC 2606/6761."
    return None


def _rule_reserved_domain(row: Mapping[str, Any]) -> str | None:
    domain = row["domain_name"]
    if domain and reserved_domain_problem(domain):
        return (f"domain_name: {domain!r} is under a reserved domain (RFC 2606/6761); no one can own it, so a "
                f"DNS-validated certificate never validates. Use a domain your account's Route 53 zone holds, "
                f"or listener_protocol: HTTP.")
    return None


def zone_covers(zone: str, domain: str) -> bool:
    zone = zone.rstrip(".")
    return domain == zone or domain.endswith("." + zone)


def _rule_certificate_source(row: Mapping[str, Any]) -> str | None:
    if row["listener_protocol"] != "HTTPS" or not row["domain_name"]:
        return None
    if row["certificate_arn"]:
        arn_region = row["certificate_arn"].split(":")[3]
        if arn_region != row["region"]:
            return (f"certificate_arn: the certificate is in {arn_region} but the ALB is in {row['region']}; "
                    f"an ALB needs a certificate from its own region.")
        return None
    zone = row["hosted_zone_name"]
    if not zone:
        return (f"domain_name: {row['domain_name']!r} needs either certificate_arn or a hosted_zone_name (with "
                f"hosted_zone_id) that covers it, so the certificate can be DNS-validated.")
    if not zone_covers(zone, row["domain_name"]):
        return (f"hosted_zone_name: {zone!r} does not cover domain_name {row['domain_name']!r}; use the zone the "
                f"domain lives in (for api.acme.io: acme.io).")
    if not row["hosted_zone_id"]:
        return (f"hosted_zone_id: missing; DNS validation through {zone!r} needs the zone's ID (find it with "
                f"'aws route53 list-hosted-zones-by-name --dns-name {zone}'), or give certificate_arn instead.")
    return None


def _rule_engine_version(row: Mapping[str, Any]) -> str | None:
    return engine_catalog().version_problem(row["engine_version"])


def _rule_io_optimized_minimum(row: Mapping[str, Any]) -> str | None:
    if row["storage_type"] != "io_optimized":
        return None
    catalog = engine_catalog()
    major = catalog.majors.get(catalog.major_of(row["engine_version"]))
    if major is None:
        return None  # the engine-version rule reports it
    minimum = major.io_optimized_min_minor
    if minimum is None:
        return (f"storage_type: io_optimized has no known minimum version for Aurora PostgreSQL {major.major} "
                f"in the catalog; use storage_type: standard or a major from 13 to 17.")
    if version_key(row["engine_version"]) < version_key(minimum):
        return (f"storage_type: io_optimized needs Aurora PostgreSQL {minimum} or later; engine_version is "
                f"{row['engine_version']}. Upgrade the engine or use storage_type: standard.")
    return None


def _rule_instance_class_offered(row: Mapping[str, Any]) -> str | None:
    return engine_catalog().instance_class_problem(row["instance_class"], row["engine_version"])


PRIVATE_ECR_IMAGE = re.compile(r"^\d{12}\.dkr\.ecr\.[a-z0-9-]+\.amazonaws\.com(\.cn)?/")


def _rule_no_egress_image(row: Mapping[str, Any]) -> str | None:
    if row["nat_strategy"] == "none" and not PRIVATE_ECR_IMAGE.match(row["container_image"]):
        return (f"container_image: {row['container_image']!r} comes from a public registry, but nat_strategy "
                f"none gives the tasks no internet egress, so they cannot pull it. Push the image to a private "
                f"ECR repository (ACCOUNT.dkr.ecr.REGION.amazonaws.com/...) or choose a NAT strategy.")
    return None


RULES: tuple[Rule, ...] = (
    Rule("az-count-within-region", ("region", "az_count"), "input", _rule_az_count),
    Rule("fargate-task-size", ("service_cpu", "service_memory_mib"), "input", _rule_fargate_size),
    Rule("https-needs-domain", ("listener_protocol", "domain_name"), "input", _rule_https_needs_domain),
    Rule("reserved-domain", ("domain_name",), "deployable", _rule_reserved_domain),
    Rule("certificate-source", ("listener_protocol", "domain_name", "hosted_zone_name", "hosted_zone_id",
                                "certificate_arn", "region"), "deployable", _rule_certificate_source),
    Rule("engine-version-creatable", ("engine_version",), "deployable", _rule_engine_version),
    Rule("instance-class-offered", ("instance_class", "engine_version"), "deployable", _rule_instance_class_offered),
    Rule("io-optimized-minimum", ("storage_type", "engine_version"), "deployable", _rule_io_optimized_minimum),
    Rule("no-egress-needs-private-ecr", ("nat_strategy", "container_image"), "deployable", _rule_no_egress_image),
)


def rule_problems(row: Mapping[str, Any], kinds: tuple[str, ...] = ("input", "deployable"),
                  skip_keys: set = frozenset()) -> list[str]:
    """Problems from the rules of ``kinds``, skipping rules that read a key in ``skip_keys``."""
    return [p for rule in RULES if rule.kind in kinds and not skip_keys & set(rule.keys) if (p := rule.check(row))]


# --------------------------------------------------------------------------------------
# Loading
# --------------------------------------------------------------------------------------

class _UniqueKeyLoader(yaml.SafeLoader):
    """SafeLoader that rejects a key given twice (PyYAML silently keeps the last one)."""

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
                    None, None, f"the key {key!r} appears twice; keep one", key_node.start_mark)
        return super().construct_mapping(node, deep)


def read_yaml_mapping(path: str | Path) -> dict[str, Any]:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError([f"file not found: {path}. Check the path (relative paths start from "
                          f"{Path.cwd()})."]) from None
    except (IsADirectoryError, PermissionError, UnicodeDecodeError) as exc:
        raise InputError([f"cannot read {path}: {exc.__class__.__name__}: {exc}"]) from None
    try:
        data = yaml.load(text, Loader=_UniqueKeyLoader)
    except ValueError as exc:  # PyYAML's date constructor raises ValueError for 2027-02-30
        raise InputError([f"malformed YAML: {exc} (an impossible date? write dates as YYYY-MM-DD with a real "
                          f"day, or quote them)."], source=str(path)) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise InputError([f"malformed YAML{where}: {problem}. Fix the syntax (a 'key: value' per line)."],
                         source=str(path)) from None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise InputError([f"expected a mapping of 'key: value' lines at the top level, got "
                          f"{type(data).__name__}."], source=str(path))
    return data


def _check_mapping(raw: Mapping[str, Any], *, allow_lists: bool) -> tuple[dict[str, Any], list[str], set]:
    """Check every key and value; return the coerced mapping, all problems, and the bad keys."""
    values: dict[str, Any] = {}
    problems: list[str] = []
    bad_keys: set = set()
    for key, value in raw.items():
        before = len(problems)
        _check_item(key, value, allow_lists, values, problems)
        if len(problems) > before:
            bad_keys.add(key)
    return values, problems, bad_keys


def _check_item(key, value, allow_lists: bool, values: dict, problems: list) -> None:
    spec = FIELDS_BY_NAME.get(key) if isinstance(key, str) else None
    if spec is None:
        problems.append(_unknown_key_problem(key))
        return
    if isinstance(value, list):
        if not allow_lists:
            problems.append(f"{key}: got a list {value!r}; a scenario takes one value (lists vary a grid: "
                            f"use 'infrakit sweep').")
            return
        if not value:
            problems.append(f"{key}: the list is empty; give at least one value.")
            return
        coerced = []
        for item in value:
            item_value, problem = check_value(spec, item)
            if problem:
                problems.append(problem)
            coerced.append(item_value)
        if len(set(map(repr, coerced))) != len(coerced):
            problems.append(f"{key}: the list {value!r} repeats a value; list each value once.")
        values[key] = coerced
    else:
        coerced_value, problem = check_value(spec, value)
        if problem:
            problems.append(problem)
        values[key] = coerced_value


def validate_scenario(raw: Mapping[str, Any], *, source: str | None = None,
                      rule_kinds: tuple[str, ...] = ("input",)) -> dict[str, Any]:
    """Return a complete scenario (defaults filled in) or raise ``InputError`` listing every problem.

    ``rule_kinds`` selects which combination rules count as input errors: ``("input",)`` for
    costing (a deprecated engine is still priced), ``("input", "deployable")`` before synthesis.
    """
    values, problems, bad_keys = _check_mapping(raw, allow_lists=False)
    scenario = defaults()
    scenario.update({k: v for k, v in values.items() if k not in bad_keys})
    # Rules run on every key that passed its own check, so one pass shows every problem.
    problems.extend(rule_problems(scenario, rule_kinds, skip_keys=bad_keys))
    if problems:
        raise InputError(problems, source=source)
    return scenario


def load_scenario(path: str | Path, *, rule_kinds: tuple[str, ...] = ("input",)) -> dict[str, Any]:
    """Load and validate one scenario YAML file."""
    return validate_scenario(read_yaml_mapping(path), source=str(path), rule_kinds=rule_kinds)


def deployability_problems(scenario: Mapping[str, Any]) -> list[str]:
    """Why AWS would refuse this (well-formed) scenario; empty when it can be deployed."""
    return rule_problems(scenario, ("deployable",))


@dataclass(frozen=True)
class Grid:
    """A validated grid: constant keys plus the axes (keys with several values), in file order."""

    constants: dict[str, Any]
    axes: dict[str, list[Any]] = field(default_factory=dict)
    source: str | None = None

    @property
    def size(self) -> int:
        return math.prod(len(v) for v in self.axes.values()) if self.axes else 1


def validate_grid(raw: Mapping[str, Any], *, source: str | None = None, max_size: int = 5_000_000) -> Grid:
    """Check a grid mapping (list values vary); combination rules are left to each row."""
    values, problems, _ = _check_mapping(raw, allow_lists=True)
    if problems:
        raise InputError(problems, source=source)
    constants = defaults()
    axes: dict[str, list[Any]] = {}
    for key, value in values.items():
        if isinstance(value, list) and len(value) > 1:
            axes[key] = value
        elif isinstance(value, list):
            constants[key] = value[0]
        else:
            constants[key] = value
    for key in axes:
        constants.pop(key, None)
    grid = Grid(constants=constants, axes=axes, source=source)
    if grid.size > max_size:
        raise InputError([f"the grid has {grid.size:,} configurations, more than {max_size:,}; shorten the "
                          f"lists of {', '.join(axes)}."], source=source)
    return grid


def load_grid(path: str | Path) -> Grid:
    return validate_grid(read_yaml_mapping(path), source=str(path))
