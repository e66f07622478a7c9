"""The RDS engine version exists and can be created in the target region, the instance classes
are orderable for it, and its support window and minimum minors are respected.

This is seed failure #1: Aurora PostgreSQL 15.3 synthesized fine and failed at deploy with
"Cannot find version 15.3 for aurora-postgresql" because AWS had deprecated it.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Iterator

from infra_lib.preflight.context import Context, money
from infra_lib.preflight.facts import catalog_source
from infra_lib.preflight.findings import Finding
from infrakit.core.catalogs import engine_catalog, version_key
from infrakit.core.cfn import cut

ID = "RDS-ENGINE-VERSION"
TITLE = "RDS engine version is creatable, supported and fits the instance classes"
RATIONALE = ("AWS deprecates minor versions: a template that pins one fails at deploy, not at synth. Majors past "
             "standard support are billed Extended Support per vCPU-hour. Serverless v2 and I/O-Optimized need "
             "minimum minors.")
SOURCE_URL = "https://docs.aws.amazon.com/AmazonRDS/latest/AuroraPostgreSQLReleaseNotes/aurorapostgresql-release-calendar.html"


# Aurora Serverless v1 (EngineMode: serverless): no new clusters from 2025-01-08, end of life 2025-03-31.
SERVERLESS_V1_CREATION_ENDED = dt.date(2025, 1, 8)
SERVERLESS_V1_END_OF_LIFE = dt.date(2025, 3, 31)
SERVERLESS_V1_SOURCE = ("AWS: Aurora Serverless v1 end of life 2025-03-31, no new clusters from 2025-01-08 "
                        "(docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/aurora-serverless.html)")


def _serverless_v1(context: Context, resource: str, engine: str) -> Finding:
    if context.today >= SERVERLESS_V1_CREATION_ENDED:
        return Finding(ID, "serverless-v1-end-of-life", resource,
                       f"{resource} is an Aurora Serverless v1 cluster (EngineMode: serverless, {engine}): AWS stopped "
                       f"creating them on {SERVERLESS_V1_CREATION_ENDED.isoformat()} and ended them on "
                       f"{SERVERLESS_V1_END_OF_LIFE.isoformat()}, so the deploy fails.",
                       "Use Aurora Serverless v2: EngineMode provisioned, ServerlessV2ScalingConfiguration, and "
                       "instances of class db.serverless.", SERVERLESS_V1_SOURCE)
    return Finding(ID, "serverless-v1-ending", resource,
                   f"{resource} is an Aurora Serverless v1 cluster: AWS stops creating them on "
                   f"{SERVERLESS_V1_CREATION_ENDED.isoformat()} (end of life {SERVERLESS_V1_END_OF_LIFE.isoformat()}).",
                   "Plan the move to Aurora Serverless v2.", SERVERLESS_V1_SOURCE)


def _cdk_hint(engine: str, version: str) -> str:
    if engine == "aurora-postgresql":
        return f' (CDK: rds.AuroraPostgresEngineVersion.of("{version}", "{version.split(".")[0]}"))'
    return ""


def _clusters(context: Context) -> Iterator[tuple[str, dict[str, Any], list[tuple[str, str]]]]:
    """(cluster id, cluster props, [(instance id, class)]) plus standalone instances as their own cluster."""
    index = context.index
    members: dict[str, list[tuple[str, str]]] = {}
    standalone = []
    for name, props in index.of_type("AWS::RDS::DBInstance"):
        cluster = index.target(props.get("DBClusterIdentifier"), "AWS::RDS::DBCluster")
        instance_class = props.get("DBInstanceClass")
        if cluster:
            members.setdefault(cluster, []).append((name, instance_class))
        elif props.get("DBClusterIdentifier") is None:
            standalone.append((name, props))
    for name, props in index.of_type("AWS::RDS::DBCluster"):
        yield name, props, members.get(name, [])
    for name, props in standalone:
        yield name, props, [(name, props.get("DBInstanceClass"))]


def check(context: Context) -> Iterator[Finding]:
    facts = context.facts
    index = context.index
    for resource, props, instances in _clusters(context):
        engine = index.literal(props.get("Engine"))
        version = index.literal(props.get("EngineVersion"))
        if not isinstance(engine, str):
            continue
        engine = cut(engine, 60)
        if str(props.get("EngineMode", "")).lower() == "serverless":
            yield _serverless_v1(context, resource, engine)
            continue
        instances = [(name, index.literal(c)) for name, c in instances]
        if isinstance(version, (int, float)) and not isinstance(version, bool):
            number = version
            version = str(version)
            if "." in version:
                yield Finding(ID, "numeric-version", resource,
                              f"{resource}'s EngineVersion is the number {number}, not a string: YAML and JSON drop "
                              f"trailing zeros, so 15.10 arrives as 15.1. Checked as {version!r}.",
                              f'Quote it: EngineVersion: "{version}" (or the version you meant).', "template")
        if version is None:
            yield Finding(ID, "not-pinned", resource,
                          f"{resource} ({engine}) pins no EngineVersion: AWS picks its current default at create "
                          f"time, so two deploys of this template can run different versions.",
                          "Pin EngineVersion to a creatable version.", "template")
            continue
        if isinstance(version, str):
            version = cut(version, 60)
        else:
            yield Finding(ID, "unverified", resource,
                          f"{resource}'s EngineVersion is not a literal in the template; not checked.",
                          "Pin a literal version so it can be checked before deploy.", "template")
            continue
        verdict = facts.engine_version(engine, version)
        alternatives = ", ".join(verdict.suggestions) or "a currently available version"
        first = verdict.suggestions[0].split(" ")[0] if verdict.suggestions else None
        fix = f"Set EngineVersion to {alternatives}" + (_cdk_hint(engine, first) if first else "") + "."
        if verdict.status == "deprecated":
            why = f" ({verdict.detail})" if verdict.detail else ""
            yield Finding(ID, "deprecated", resource,
                          f"{engine} {version} is deprecated{why}: AWS cannot create new clusters on it; CloudFormation "
                          f"would fail with \"Cannot find version {version} for {engine}\".", fix, verdict.source)
            continue
        if verdict.status == "unknown":
            yield Finding(ID, "unknown", resource,
                          f"{engine} {version} is not a version AWS offers in {context.region}; CloudFormation "
                          f"would fail with \"Cannot find version {version} for {engine}\".", fix, verdict.source)
            continue
        if verdict.status == "unverified" and facts.mode == "offline":
            yield Finding(ID, "engine-not-in-catalog", resource,
                          f"{engine} {version} was not checked: {verdict.detail}. Whether AWS can still create it "
                          f"is unknown offline.",
                          "Run preflight --live, or check the engine's release calendar by hand.", verdict.source)
            continue
        if verdict.status == "unverified":
            yield Finding(ID, "unverified", resource,
                          f"{engine} {version} was not verified: {verdict.detail}.",
                          "Run preflight --live with credentials that may call rds:DescribeDBEngineVersions.",
                          verdict.source)
            continue
        yield from _support_window(context, resource, engine, version, instances)
        yield from _minimum_minors(context, resource, props, engine, version, instances)
        yield from _orderable(context, engine, version, instances)


def _catalog_major(engine: str, version: str):
    """The catalog's entry for the version's major, or None when the catalog does not cover it."""
    catalog = engine_catalog()
    return catalog.majors.get(catalog.major_of(version)) if engine == catalog.engine else None


def _support_window(context: Context, resource: str, engine: str, version: str,
                    instances: list[tuple[str, str]]) -> Iterator[Finding]:
    catalog = engine_catalog()
    if (major := _catalog_major(engine, version)) is None:
        return
    source = catalog_source()
    today = context.today
    if today > major.end_of_extended_support:
        yield Finding(ID, "past-extended-support", resource,
                      f"{engine} {major.major} reached the end of Extended Support on "
                      f"{major.end_of_extended_support.isoformat()}: AWS upgrades or refuses such clusters.",
                      f"Move to a supported major ({', '.join(catalog.suggestions(version))}).", source)
        return
    if today <= major.end_of_standard_support:
        months_left = (major.end_of_standard_support.year - today.year) * 12 + \
            major.end_of_standard_support.month - today.month
        if months_left <= 12:
            yield Finding(ID, "standard-support-ending", resource,
                          f"{engine} {major.major} leaves standard support on "
                          f"{major.end_of_standard_support.isoformat()} (in about {months_left} months); Extended "
                          f"Support is billed from {major.extended_support_charges_start.isoformat()}.",
                          "Plan the major upgrade, or budget Extended Support.", source)
        return
    classes: dict[str, int] = {}
    for _, instance_class in instances:
        if isinstance(instance_class, str):
            classes[instance_class] = classes.get(instance_class, 0) + 1
    costs = []
    if context.costs is not None:
        month = dt.date(today.year, today.month, 1)
        for instance_class, count in sorted(classes.items()):
            priced = context.costs.extended_support_monthly_usd(
                region=context.region, engine_version=version, instance_class=instance_class,
                instance_count=count, month=month)
            costs.append(priced or (None, f"no price for {count} x {instance_class} in {context.region}"))
    if costs and all(c[0] is not None for c in costs):
        total = sum(c[0] for c in costs)
        cost_text = f" Projected Extended Support: {money(total)}/month ({'; '.join(c[1] for c in costs)})."
    elif costs:
        cost_text = " Extended Support cost not priced: " + "; ".join(c[1] for c in costs if c[0] is None) + "."
    else:
        cost_text = " Extended Support is billed per vCPU-hour of every instance."
    yield Finding(ID, "past-standard-support", resource,
                  f"{engine} {major.major} left standard support on {major.end_of_standard_support.isoformat()}; "
                  f"Extended Support charges started {major.extended_support_charges_start.isoformat()}.{cost_text}",
                  f"Upgrade to a major in standard support (for example {_newest_lts()} LTS), or accept the charge.",
                  source)


def _newest_lts() -> str:
    catalog = engine_catalog()
    lts = [m.version for m in catalog.minors.values() if m.lts and m.status == "available"]
    return max(lts, key=version_key) if lts else "the latest"


def _minimum_minors(context: Context, resource: str, props: dict[str, Any], engine: str, version: str,
                    instances: list[tuple[str, str]]) -> Iterator[Finding]:
    if (major := _catalog_major(engine, version)) is None:
        return
    source = catalog_source()
    serverless = props.get("ServerlessV2ScalingConfiguration") is not None or any(
        c == "db.serverless" for _, c in instances)
    if serverless and major.serverless_v2_min_minor and \
            version_key(version) < version_key(major.serverless_v2_min_minor):
        yield Finding(ID, "serverless-v2-minimum", resource,
                      f"Aurora Serverless v2 needs {engine} {major.serverless_v2_min_minor} or later in the "
                      f"{major.major}.x line; the template pins {version}.",
                      f"Use {major.serverless_v2_min_minor} or later.", source)
    if props.get("StorageType") == "aurora-iopt1" and major.io_optimized_min_minor and \
            version_key(version) < version_key(major.io_optimized_min_minor):
        yield Finding(ID, "io-optimized-minimum", resource,
                      f"Aurora I/O-Optimized (StorageType aurora-iopt1) needs {engine} "
                      f"{major.io_optimized_min_minor} or later in the {major.major}.x line; the template pins "
                      f"{version}.", f"Use {major.io_optimized_min_minor} or later, or StorageType aurora.", source)


def _orderable(context: Context, engine: str, version: str,
               instances: list[tuple[str, str]]) -> Iterator[Finding]:
    seen: dict[str, object] = {}
    for instance, instance_class in instances:
        if not isinstance(instance_class, str) or instance_class == "db.serverless":
            continue
        if instance_class not in seen:
            seen[instance_class] = context.facts.orderable(engine, version, instance_class)
        answer = seen[instance_class]
        if answer.value is False:
            yield Finding(ID, "instance-class", instance,
                          f"{instance_class} cannot run {engine} {version} in {context.region}: {answer.detail}",
                          "Choose an instance class offered for this version, or a version this class supports.",
                          answer.source)
        elif answer.value is None and context.facts.mode == "live":
            yield Finding(ID, "unverified", instance,
                          f"Whether {instance_class} runs {engine} {version} was not verified: {answer.detail}.",
                          "Allow rds:DescribeOrderableDBInstanceOptions, or check the class table by hand.",
                          answer.source)
