"""Rules over several keys at once: a configuration that is incomplete (bad input) or that
AWS would refuse although every key is well formed (priced, but marked invalid; synthesis
and deploy refuse it).

Each rule names the keys it reads, so a sweep runs it once per distinct combination of
those keys, and a key that failed its own check skips the rules that read it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from infrakit.core.catalogs import engine_catalog, region_catalog, version_key
from infrakit.core.schema.limits import FARGATE_MEMORY_MIB_BY_CPU, PRIVATE_ECR_REGISTRY, RESERVED_DOMAINS

RULE_KINDS = ("input", "deployable")


@dataclass(frozen=True)
class KeyRule:
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
    return engine_catalog(row["region"]).version_problem(row["engine_version"])


def _rule_extended_support_ended(row: Mapping[str, Any]) -> str | None:
    """A major past its end of RDS Extended Support at the first month priced: AWS no longer runs it."""
    import datetime as dt

    catalog = engine_catalog(row["region"])
    major = catalog.majors.get(catalog.major_of(row["engine_version"]))
    start = dt.date.fromisoformat(str(row["start_date"]))
    if major is None or start <= major.end_of_extended_support:
        return None
    later = [m for m in catalog.majors.values() if m.end_of_standard_support >= start]
    picks = []
    for spec in sorted(later, key=lambda m: int(m.major)):
        available = catalog.available_in_major(spec.major)
        lts = [m for m in available if m.lts]
        if available:
            picks.append((lts[-1] if lts else available[-1]).version)
    use = f" Use {', '.join(picks)}." if picks else ""
    return (f"engine_version: Aurora PostgreSQL {row['engine_version']} is past the end of RDS Extended Support for "
            f"major {major.major} ({major.end_of_extended_support.isoformat()}) at start_date {start.isoformat()}: "
            f"AWS no longer runs it and upgrades such clusters itself.{use}")


def _rule_io_optimized_minimum(row: Mapping[str, Any]) -> str | None:
    if row["storage_type"] != "io_optimized":
        return None
    catalog = engine_catalog(row["region"])
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
    return engine_catalog(row["region"]).instance_class_problem(row["instance_class"], row["engine_version"])


def _rule_no_egress_image(row: Mapping[str, Any]) -> str | None:
    if row["nat_strategy"] == "none" and not PRIVATE_ECR_REGISTRY.match(row["container_image"]):
        return (f"container_image: {row['container_image']!r} comes from a public registry, but nat_strategy "
                f"none gives the tasks no internet egress, so they cannot pull it. Push the image to a private "
                f"ECR repository (ACCOUNT.dkr.ecr.REGION.amazonaws.com/...) or choose a NAT strategy.")
    return None


RULES: tuple[KeyRule, ...] = (
    KeyRule("az-count-within-region", ("region", "az_count"), "input", _rule_az_count),
    KeyRule("fargate-task-size", ("service_cpu", "service_memory_mib"), "input", _rule_fargate_size),
    KeyRule("https-needs-domain", ("listener_protocol", "domain_name"), "input", _rule_https_needs_domain),
    KeyRule("reserved-domain", ("domain_name",), "deployable", _rule_reserved_domain),
    KeyRule("certificate-source", ("listener_protocol", "domain_name", "hosted_zone_name", "hosted_zone_id",
                                "certificate_arn", "region"), "deployable", _rule_certificate_source),
    KeyRule("engine-version-creatable", ("engine_version", "region"), "deployable", _rule_engine_version),
    KeyRule("extended-support-ended", ("engine_version", "start_date", "region"), "deployable",
            _rule_extended_support_ended),
    KeyRule("instance-class-offered", ("instance_class", "engine_version", "region"), "deployable", _rule_instance_class_offered),
    KeyRule("io-optimized-minimum", ("storage_type", "engine_version", "region"), "deployable", _rule_io_optimized_minimum),
    KeyRule("no-egress-needs-private-ecr", ("nat_strategy", "container_image"), "deployable", _rule_no_egress_image),
)


# Older name, kept while callers move to ``KeyRule``.
Rule = KeyRule


def rule_problems(row: Mapping[str, Any], kinds: tuple[str, ...] = RULE_KINDS,
                  skip_keys: set | frozenset = frozenset()) -> list[str]:
    """Problems from the rules of ``kinds``, skipping rules that read a key in ``skip_keys``."""
    return [p for rule in RULES if rule.kind in kinds and not skip_keys & set(rule.keys) if (p := rule.check(row))]


def deployability_problems(scenario: Mapping[str, Any]) -> list[str]:
    """Why AWS would refuse this (well-formed) scenario; empty when it can be deployed."""
    return rule_problems(scenario, ("deployable",))
