"""A read template as bill rows (``Part``), its description, and the text that shows them.

``cost_model.from_template`` walks a template's resources; ``assemble`` here turns what it
found into the rows priced by ``cost_model.pricing.price_bill`` (see from_template's docstring
for why a template may need several), the ``template`` description of the cost JSON, the
scenario keys the availability model reads, and ``header_lines`` / ``not_priced_lines`` for
the cost table.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

USAGE_BASED, FREE, NOT_MODELLED, UNRESOLVED = "usage-based", "free", "not modelled", "unresolved"
REASONS = (USAGE_BASED, FREE, NOT_MODELLED, UNRESOLVED)

# Line keys a further bill row contributes (see the module docstring); the first row has every line.
ALB_KEYS = frozenset({"alb_hours", "alb_lcu_hours", "alb_public_ipv4_hours"})
AURORA_INSTANCE_KEYS = frozenset({"aurora_instance_hours", "extended_support_years_1_2", "extended_support_year_3"})
AURORA_CLUSTER_KEYS = AURORA_INSTANCE_KEYS | {"aurora_storage", "aurora_io_requests", "aurora_backup_storage"}
FARGATE_KEYS = frozenset({"fargate_vcpu_hours", "fargate_memory_gb_hours"})
ENDPOINT_KEYS = frozenset({"interface_endpoint_hours"})
LOG_KEYS = frozenset({"log_ingestion", "log_storage"})
ALB_USAGE = ("alb_new_connections_per_second", "alb_active_connections_per_minute", "alb_processed_gb_per_hour",
             "alb_rule_evaluations_per_second")
AURORA_USAGE = ("aurora_storage_gb", "aurora_io_million_requests_per_month", "aurora_backup_gb")
LOG_USAGE = "log_ingest_gb_per_month"
NEVER_EXPIRES_DAYS = 3653  # a never-expiring log group is priced at ten years, the longest finite setting

# A row with nothing in it; parts set what they have.
EMPTY_ROW: dict[str, Any] = {
    "az_count": 1, "nat_gateway_count": 0, "regional_nat_az_count": 0, "nat_public_ipv4_count": 0, "alb_count": 0,
    "alb_public_ipv4_count": 0, "db_instance_count": 0, "db_instance_class": "none", "db_storage_type": "standard",
    "db_engine_version": "none", "fargate_task_count": 0, "fargate_vcpu_per_task": 0.0,
    "fargate_memory_gb_per_task": 0.0, "fargate_arch": "x86_64", "interface_endpoint_count": 0,
    "interface_endpoint_az_count": 0.0, "secret_count": 0, "log_group_count": 0, "log_retention_days": 30,
    "other_public_ipv4_count": 0, "internal_alb_count": 0,
}
_FLOAT_COLUMNS = ("fargate_vcpu_per_task", "fargate_memory_gb_per_task", "interface_endpoint_az_count")
_TEXT_COLUMNS = ("db_instance_class", "db_storage_type", "db_engine_version", "fargate_arch")


@dataclass(frozen=True)
class Part:
    """One bill row: the structure columns it sets (the rest as ``EMPTY_ROW``), the share of each
    usage column it carries (absent: ``default_usage``) and the line keys it contributes (None:
    every line)."""

    what: str
    columns: Mapping[str, Any]
    usage: Mapping[str, float] = field(default_factory=dict)
    default_usage: float = 0.0
    keys: frozenset[str] | None = None

    def usage_share(self, column: str) -> float:
        return float(self.usage.get(column, self.default_usage))


@dataclass(frozen=True)
class TemplateReading:
    parts: tuple[Part, ...]
    description: dict[str, Any]  # the template, as the cost JSON's "template" key describes it
    not_priced: tuple[dict[str, str], ...]
    implied: dict[str, Any]  # scenario keys the availability model reads, as the template implies them
    not_assessed: dict[str, str]  # availability field -> why the model does not apply to this template

    def structure(self) -> dict[str, Any]:
        """The bill's structure columns (``cost_model.quantities.STRUCTURE_COLUMNS``), one entry per part."""
        out: dict[str, Any] = {}
        for column, empty in EMPTY_ROW.items():
            values = [part.columns.get(column, empty) for part in self.parts]
            if column in _TEXT_COLUMNS:
                out[column] = [str(v) for v in values]
            else:
                out[column] = np.array(values, dtype=float if column in _FLOAT_COLUMNS else np.int64)
        return out

    def usage_shares(self, column: str) -> np.ndarray:
        return np.array([part.usage_share(column) for part in self.parts], dtype=float)

    @property
    def uniform(self) -> bool:
        """One row carrying all of the scenario's usage (every kit template)."""
        return len(self.parts) == 1 and not self.parts[0].usage


def _rows(stack: dict[str, Any], az_count: int, groups, what, columns_of, usage_of, keys_of) -> list[Part]:
    """The first group's columns go into the stack row; each further group becomes a row of its own."""
    extra = []
    for position, (group, members) in enumerate(groups):
        columns = columns_of(group, members)
        if position == 0:
            stack.update(columns)
        else:
            extra.append(Part(what(group, members), {"az_count": az_count, **columns},
                              usage=usage_of(position), keys=keys_of(position)))
    return extra


def _aurora_groups(clusters: list[dict[str, Any]]) -> list[tuple[tuple, list[str]]]:
    """((cluster, class, storage, version, first class of its cluster), instances) in template order."""
    return [((c["resource"], cls, c["storage_type"], c["engine_version"], i == 0), names)
            for c in clusters for i, (cls, names) in enumerate(c["classes"].items())]


def assemble(index, reader, *, network, public_albs, internal_albs, clusters, fargate, endpoints, secrets,
             logs) -> TemplateReading:
    stack: dict[str, Any] = {**network["columns"], "internal_alb_count": len(internal_albs),
                             "secret_count": len(secrets)}
    az = stack["az_count"]
    extra = _rows(stack, az, list(public_albs.items()), lambda n, m: f"{len(m)} internet-facing ALB(s), {n} AZs",
                  lambda n, m: {"alb_count": len(m), "alb_public_ipv4_count": n},
                  lambda _: dict.fromkeys(ALB_USAGE, 1.0), lambda _: ALB_KEYS)
    aurora = _aurora_groups(clusters)
    extra += _rows(stack, az, aurora, lambda g, m: f"Aurora cluster {g[0]}: {len(m)} x {g[1]}",
                   lambda g, m: {"db_instance_count": len(m), "db_instance_class": g[1], "db_storage_type": g[2],
                                 "db_engine_version": g[3]},
                   lambda p: dict.fromkeys(AURORA_USAGE, 1.0) if aurora[p][0][4] else {},
                   lambda p: AURORA_CLUSTER_KEYS if aurora[p][0][4] else AURORA_INSTANCE_KEYS)
    extra += _rows(stack, az, list(fargate.items()), lambda g, m: f"Fargate {g[0]:g} vCPU / {g[1]:g} GB ({g[2]})",
                   lambda g, m: {"fargate_task_count": sum(t for _, t in m), "fargate_vcpu_per_task": g[0],
                                 "fargate_memory_gb_per_task": g[1], "fargate_arch": g[2]},
                   lambda _: {}, lambda _: FARGATE_KEYS)
    extra += _rows(stack, az, list(endpoints.items()), lambda n, m: f"{len(m)} interface endpoint(s) in {n} AZs",
                   lambda n, m: {"interface_endpoint_count": len(m), "interface_endpoint_az_count": float(n)},
                   lambda _: {}, lambda _: ENDPOINT_KEYS)
    log_items = list(logs.items())
    total_logs = sum(len(m) for _, m in log_items)
    extra += _rows(stack, az, log_items, lambda d, m: f"{len(m)} log group(s), {d} days",
                   lambda d, m: {"log_group_count": len(m), "log_retention_days": d},
                   lambda p: {LOG_USAGE: len(log_items[p][1]) / total_logs}, lambda _: LOG_KEYS)
    stack_usage = {LOG_USAGE: len(log_items[0][1]) / total_logs} if len(log_items) > 1 else {}
    unused = _usage_without_carrier(network, public_albs, clusters, fargate)
    stack_usage.update(dict.fromkeys(unused, 0.0))
    parts = (Part("stack", stack, usage=stack_usage, default_usage=1.0), *extra)
    implied, not_assessed = _availability_inputs(network, public_albs, internal_albs, clusters, endpoints)
    description = describe_template(index, reader, network=network, public_albs=public_albs,
                                    internal_albs=internal_albs, clusters=clusters, fargate=fargate,
                                    endpoints=endpoints, secrets=secrets, logs=logs)
    description["bill_rows"] = [part.what for part in parts]
    description["usage_not_applied"] = unused
    return TemplateReading(parts=parts, description=description, not_priced=tuple(reader.not_priced),
                           implied=implied, not_assessed=not_assessed)


def _usage_without_carrier(network, public_albs, clusters, fargate) -> dict[str, str]:
    """Scenario usage nothing in the template carries (usage key -> why), priced at zero: the kit's
    stack always carries all of it."""
    out = {}
    running = any(tasks for members in fargate.values() for _, tasks in members)
    if not running and not clusters:
        out["cross_az_gb_per_month"] = ("no Fargate service or Aurora cluster exchanges traffic across AZs" if not fargate
                                        else "no Aurora cluster, and the Fargate services run no task (DesiredCount 0)")
    if not public_albs and not network["zonal"] and not network["regional"]:
        out["internet_egress_gb_per_month"] = "no internet-facing ALB or NAT gateway sends it to the internet"
    return out


EGRESS_FIELDS = ("egress_outage_hours_per_year", "egress_survives_az_loss", "az_loss_egress")
DATABASE_FIELDS = ("db_outage_hours_per_year", "az_loss_database")
ALB_FIELDS = ("az_loss_alb",)


def _nat_strategy(network) -> tuple[str | None, str | None]:
    """(the kit's NAT strategy this layout behaves as, or None with why the egress model does not apply)."""
    azs, zonal, nat_azs = network["azs"], network["zonal"], network["nat_azs"]
    if network["regional"]:
        return "regional", None
    if not zonal:
        return None, None
    if not azs:
        return None, "no subnet of the template names its AZ, so which AZs a NAT gateway serves is unknown"
    if all(nat_azs):  # every NAT gateway's subnet AZ is known
        return ("per_az" if azs <= set(nat_azs) else "single"), None
    # Conservative reading: NAT gateways in only some AZs count as one shared gateway.
    return ("per_az" if len(zonal) >= len(azs) else "single"), None


def _availability_inputs(network, public_albs, internal_albs, clusters, endpoints) -> tuple[dict, dict]:
    strategy, why = _nat_strategy(network)
    not_assessed: dict[str, str] = {}
    if strategy is None and endpoints and why is None:
        strategy = "none"
    if strategy is None:
        reason = why or ("the template has no NAT gateway and no interface endpoint: the egress model (what an AZ "
                         "outage does to NAT egress) does not apply")
        not_assessed.update(dict.fromkeys(EGRESS_FIELDS, reason))
    readers = [sum(len(m) for m in c["classes"].values()) - 1 for c in clusters]
    if not clusters:
        not_assessed.update(dict.fromkeys(DATABASE_FIELDS, "no priced Aurora PostgreSQL cluster in the template: the "
                                                           "database model (writer failover) does not apply"))
    if not public_albs and not internal_albs:
        not_assessed.update(dict.fromkeys(ALB_FIELDS, "no Application Load Balancer in the template"))
    # With several clusters the figures are the worst one's (the fewest readers).
    implied = {"nat_strategy": strategy or "none", "az_count": max(len(network["azs"]), 1),
               "reader_count": max(min(readers), 0) if readers else 0}
    return implied, not_assessed


def describe_template(index, reader, *, network, public_albs, internal_albs, clusters, fargate, endpoints,
                      secrets, logs) -> dict[str, Any]:
    """The cost JSON's ``template`` key: what the template deploys at its parameter defaults."""
    reasons = {r: sum(1 for n in reader.not_priced if n["reason"] == r) for r in REASONS}
    return {
        "stack": index.stack_name,
        "resources": len(index.resources),
        "resource_types": index.counts_by_type(),
        "skipped": [{"resource": name, "type": str(index.all_resources[name].get("Type")), "condition": condition}
                    for name, condition in index.skipped.items()],
        "availability_zones": len(network["azs"]),
        "nat_gateways": {"zonal": list(network["zonal"]),
                         "regional": [{"resource": n, "azs": a} for n, a in network["regional"]],
                         "elastic_ips": network["nat_eips"]},
        "other_elastic_ips": list(network["other_eips"]),
        "load_balancers": {"internet_facing_alb": [{"resource": n, "public_ipv4_addresses": a}
                                                   for a, names in public_albs.items() for n in names],
                           "internal_alb": list(internal_albs)},
        "aurora_clusters": [{"resource": c["resource"], "engine": "aurora-postgresql",
                             "engine_version": c["engine_version"], "storage_type": c["storage_type"],
                             "instances": {cls: len(names) for cls, names in c["classes"].items()},
                             "instance_resources": {cls: list(names) for cls, names in c["classes"].items()}}
                            for c in clusters],
        "fargate_services": [{"resource": name, "tasks": tasks, "vcpu": vcpu, "memory_gb": memory, "arch": arch}
                             for (vcpu, memory, arch), services in fargate.items() for name, tasks in services],
        "interface_endpoints": [{"resource": n, "azs": azs} for azs, names in endpoints.items() for n in names],
        "secrets": list(secrets),
        "log_groups": [{"resource": n, "retention_days": days} for days, names in logs.items() for n in names],
        "priced": list(reader.priced),
        "not_priced_count": len(reader.not_priced),
        "not_priced_by_reason": reasons,
    }


# --- text ---------------------------------------------------------------------------------

def _plural(count: int, word: str, plural: str | None = None) -> str:
    return f"{count} {word if count == 1 else (plural or word + 's')}"


def _aurora_text(cluster: Mapping[str, Any]) -> str:
    version = cluster["engine_version"]
    instances = " + ".join(f"{n} x {cls}" for cls, n in cluster["instances"].items())
    return f"Aurora PostgreSQL {version if version != 'default' else '(default version)'} on {instances} " \
           f"({cluster['storage_type']})"


def _fargate_text(services: list[Mapping[str, Any]]) -> str:
    sizes: dict[tuple, int] = {}
    for s in services:
        key = (round(s["vcpu"] * 1024), round(s["memory_gb"] * 1024), s["arch"])
        sizes[key] = sizes.get(key, 0) + int(s["tasks"])
    return " + ".join(f"{tasks} x Fargate {cpu}/{memory} ({arch})" for (cpu, memory, arch), tasks in sizes.items())


def _retention_text(days: int) -> str:
    return "never expire" if days == NEVER_EXPIRES_DAYS else f"{days} days"


def header_lines(description: Mapping[str, Any], region: str) -> list[str]:
    """The cost table's first lines for a template: what it deploys (counts, classes, sizes), never
    the kit's defaults, and how many of its resources are priced."""
    d = description
    items = [region, _plural(d["availability_zones"], "AZ") if d["availability_zones"] else "no subnets"]
    zonal, regional = len(d["nat_gateways"]["zonal"]), d["nat_gateways"]["regional"]
    eips = d["nat_gateways"]["elastic_ips"]
    nat = [_plural(zonal, "zonal NAT gateway") + (f" ({_plural(eips, 'EIP')})" if eips else "")] if zonal else []
    nat += [f"regional NAT gateway ({r['azs']} AZs)" for r in regional]
    items.append(" + ".join(nat) if nat else "no NAT gateway")
    if d["other_elastic_ips"]:
        items.append(_plural(len(d["other_elastic_ips"]), "other Elastic IP"))
    public, internal = d["load_balancers"]["internet_facing_alb"], d["load_balancers"]["internal_alb"]
    if public:
        azs = sorted({alb["public_ipv4_addresses"] for alb in public})
        items.append(f"{_plural(len(public), 'internet-facing ALB')} ({'/'.join(map(str, azs))} AZs)")
    if internal:
        items.append(_plural(len(internal), "internal ALB"))
    if not public and not internal:
        items.append("no ALB")
    items += [_aurora_text(c) for c in d["aurora_clusters"]] or ["no Aurora"]
    items.append(_fargate_text(d["fargate_services"]) if d["fargate_services"] else "no Fargate")
    if d["interface_endpoints"]:
        items.append(_plural(len(d["interface_endpoints"]), "interface endpoint"))
    if d["secrets"]:
        items.append(_plural(len(d["secrets"]), "secret"))
    if d["log_groups"]:
        kinds = sorted({g["retention_days"] for g in d["log_groups"]})
        items.append(f"{_plural(len(d['log_groups']), 'log group')} ({', '.join(map(_retention_text, kinds))})")
    reasons = ", ".join(f"{n} {r}" for r, n in d["not_priced_by_reason"].items() if n)
    counts = (f"Resources: {d['resources']} created, {len(d['priced'])} priced, {d['not_priced_count']} not priced"
              + (f" ({reasons})" if reasons else ""))
    if d["skipped"]:
        names = ", ".join(f"{s['resource']} ({s['condition']})" for s in d["skipped"][:8])
        more = f" and {len(d['skipped']) - 8} more" if len(d["skipped"]) > 8 else ""
        counts += f"; not created (condition false at the parameter defaults): {names}{more}"
    return [f"{d['stack'] or 'template'} (template): {', '.join(items)}", counts]


def not_priced_lines(not_priced, *, markdown: bool = False) -> list[str]:
    """Every resource not priced, with its reason; free ones by type (the JSON lists each)."""
    if not not_priced:
        return []
    bullet = "- " if markdown else "  "
    code = (lambda t: f"`{t}`") if markdown else (lambda t: t)
    out = [f"{'**' if markdown else ''}Not priced ({len(not_priced)} resources){'**' if markdown else ''}:"]
    for entry in not_priced:
        if entry["reason"] != FREE:
            out.append(f"{bullet}{code(entry['resource'])} {entry['type']}: {entry['reason']}, {entry['detail']}")
    free: dict[str, int] = {}
    for entry in not_priced:
        if entry["reason"] == FREE:
            free[entry["type"]] = free.get(entry["type"], 0) + 1
    if free:
        kinds = ", ".join(f"{kind} x{count}" if count > 1 else kind for kind, count in free.items())
        out.append(f"{bullet}free ({sum(free.values())}): {kinds}")
    return out
