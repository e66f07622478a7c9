"""The dated catalogs that are not prices: Aurora PostgreSQL engine versions and regions.

Plain Python and YAML (no pandas, no aws_cdk) so that both ``cost_model`` and ``infra_lib``
can read them. The files under ``infrakit/data`` are the offline default. ``infrakit engines
refresh --region R`` writes a dated per-region snapshot (minor statuses from
``rds.describe_db_engine_versions``, lifecycle dates from ``describe_db_major_engine_versions``)
into ``catalog_dir()/engines/R/``; ``engine_catalog(R)`` lays the newest one over the shipped
catalog, and ``EngineCatalog.provenance`` names what it was built from.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
from dataclasses import dataclass, replace
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from infrakit.core.errors import CatalogError
from infrakit.core.paths import ENGINE_CATALOG_NAME, catalog_dir
from infrakit.core.text import shown

ENGINE_SNAPSHOT_FOLDER = "engines"


def _load_yaml(name: str) -> dict[str, Any]:
    text = resources.files("infrakit.data").joinpath(name).read_text(encoding="utf-8")
    return yaml.safe_load(text)


def _date(value: str | None) -> dt.date | None:
    return None if value is None else dt.date.fromisoformat(str(value))


def version_key(version: str) -> tuple[int, ...]:
    """Sort key for dotted versions: "15.10" sorts after "15.8"."""
    return tuple(int(part) for part in version.split("."))


@dataclass(frozen=True)
class MajorVersion:
    major: str
    released: dt.date
    end_of_standard_support: dt.date
    extended_support_charges_start: dt.date
    extended_support_year3_start: dt.date
    year3_start_is_assumed: bool
    end_of_extended_support: dt.date
    serverless_v2_min_minor: str | None
    io_optimized_min_minor: str | None


@dataclass(frozen=True)
class MinorVersion:
    version: str
    major: str
    status: str  # "available" | "deprecated"
    lts: bool
    source: str
    evidence: str | None


@dataclass(frozen=True)
class EngineCatalog:
    engine: str
    snapshot_date: dt.date
    sources: dict[str, str]
    majors: dict[str, MajorVersion]
    minors: dict[str, MinorVersion]
    instance_vcpus: dict[str, int]
    # class -> {major: minimum minor}; a major absent for a class is unverified, not refused.
    instance_min_versions: dict[str, dict[str, str]]
    # What the catalog was built from: the shipped file, plus a refreshed snapshot if any.
    provenance: str = ENGINE_CATALOG_NAME

    def major_of(self, version: str) -> str:
        return version.split(".")[0]

    def status(self, version: str) -> str:
        """"available", "deprecated" or "unknown" as of the snapshot date."""
        minor = self.minors.get(version)
        return minor.status if minor else "unknown"

    def is_creatable(self, version: str) -> bool:
        return self.status(version) == "available"

    def available_in_major(self, major: str) -> list[MinorVersion]:
        found = [m for m in self.minors.values() if m.major == major and m.status == "available"]
        return sorted(found, key=lambda m: version_key(m.version))

    def suggestions(self, version: str) -> list[str]:
        """Creatable versions to offer instead of ``version``: the LTS and the latest of the
        same major, else the latest LTS overall."""
        same_major = self.available_in_major(self.major_of(version))
        picks: list[str] = []
        for minor in same_major:
            if minor.lts:
                picks.append(f"{minor.version} (LTS)")
        if same_major and not (same_major[-1].lts and picks):
            picks.append(f"{same_major[-1].version} (latest {self.major_of(version)}.x)")
        if not picks:
            lts = [m for m in self.minors.values() if m.lts and m.status == "available"]
            newest = max(lts, key=lambda m: version_key(m.version))
            picks.append(f"{newest.version} (latest LTS)")
        return picks

    def instance_class_problem(self, instance_class: str, version: str) -> str | None:
        """Why ``instance_class`` cannot run Aurora PostgreSQL ``version``, or None."""
        minimums = self.instance_min_versions.get(instance_class, {})
        major = self.major_of(version)
        if major not in minimums:  # unverified for this major: the catalog's table predates it
            return None
        if version_key(version) < version_key(minimums[major]):
            return (f"instance_class: {instance_class} needs Aurora PostgreSQL {minimums[major]} or later in the "
                    f"{major}.x line; engine_version is {version}. Upgrade the engine or choose another class.")
        return None

    def version_problem(self, version: str) -> str | None:
        """A sentence saying why ``version`` cannot be created, or None when it can."""
        status = self.status(version)
        if status == "available":
            return None
        alternatives = ", ".join(self.suggestions(version))
        as_of = self.snapshot_date.isoformat()
        if status == "deprecated":
            minor = self.minors[version]
            why = f" ({minor.evidence})" if minor.evidence else ""
            return (
                f"Aurora PostgreSQL {version} is deprecated as of the catalog snapshot {as_of}{why}: "
                f"new clusters cannot be created on it. Use {alternatives}."
            )
        if self.major_of(version) not in self.majors:
            known = ", ".join(sorted(self.majors, key=int))
            return (
                f"Aurora PostgreSQL {version} is not a known version: major "
                f"{self.major_of(version)} is not in the catalog (known majors: {known}). "
                f"Use {alternatives}."
            )
        return (
            f"Aurora PostgreSQL {version} is not a version the catalog (snapshot {as_of}) knows. "
            f"Use {alternatives}."
        )


@dataclass(frozen=True)
class Region:
    code: str
    name: str
    availability_zones: tuple[str, ...]


def engine_catalog(region: str | None = None) -> EngineCatalog:
    """The engine catalog: the shipped one, or for ``region`` the newest refreshed snapshot of
    that region laid over it (same precedence as prices)."""
    shipped = _shipped_engine_catalog()
    if region is None:
        return shipped
    path = newest_engine_snapshot(region)
    if path is None:
        return shipped
    return _overlaid(str(path), path.stat().st_mtime_ns)


def newest_engine_snapshot(region: str) -> Path | None:
    folder = catalog_dir() / ENGINE_SNAPSHOT_FOLDER / region
    try:
        found = sorted(p for p in folder.iterdir() if p.suffix == ".json" and not p.name.startswith("."))
    except OSError:
        return None
    return found[-1] if found else None


@functools.lru_cache(maxsize=64)
def _overlaid(path: str, _mtime: int) -> EngineCatalog:
    shipped = _shipped_engine_catalog()
    try:
        snapshot = json.loads(Path(path).read_text(encoding="utf-8"))
        minors = dict(shipped.minors)
        listed = set()
        for row in snapshot["minors"]:
            version, status = str(row["version"]), "available" if row["status"] == "available" else "deprecated"
            listed.add(version)
            known = minors.get(version)
            minors[version] = MinorVersion(
                version=version, major=version.split(".")[0], status=status, lts=known.lts if known else False,
                source=snapshot["source"], evidence=None if status == "available" else f"API status {row['status']!r}")
        gone = f"not returned by describe_db_engine_versions(IncludeAll=True) on {snapshot['refreshed_at'][:10]}"
        for version in set(minors) - listed:
            minors[version] = replace(minors[version], status="deprecated", source=snapshot["source"], evidence=gone)
        majors = dict(shipped.majors)
        for major, dates in (snapshot.get("majors") or {}).items():
            if major in majors:
                majors[major] = _major_from_api(majors[major], dates)
        # Inside the try too: a snapshot with a bad date or no source is as malformed as any other.
        provenance = (f"{ENGINE_CATALOG_NAME} overlaid with {path} ({snapshot['source']}; lifecycle dates: "
                      f"{snapshot.get('majors_source', 'catalog')})")
        snapshot_date = _date(snapshot["refreshed_at"][:10])
    except (OSError, KeyError, TypeError, ValueError, AttributeError) as exc:
        raise CatalogError(f"engine snapshot {path} is malformed ({shown(exc, limit=200)}); run `infrakit engines "
                           f"refresh` again or delete that file to use the shipped catalog") from exc
    return replace(shipped, minors=dict(sorted(minors.items(), key=lambda kv: version_key(kv[0]))),
                   majors=majors, snapshot_date=snapshot_date, provenance=provenance)


def _major_from_api(major: MajorVersion, dates: dict) -> MajorVersion:
    end_standard = _date(dates.get("end_of_standard_support")) or major.end_of_standard_support
    end_extended = _date(dates.get("end_of_extended_support")) or major.end_of_extended_support
    # Charges start the day after end of standard support (AWS extended-support-charges.html).
    charges = end_standard + dt.timedelta(days=1)
    return replace(major, end_of_standard_support=end_standard, end_of_extended_support=end_extended,
                   extended_support_charges_start=charges)


@functools.cache
def _shipped_engine_catalog() -> EngineCatalog:
    raw = _load_yaml("aurora_postgresql.yaml")
    try:
        majors = {}
        for major, row in raw["majors"].items():
            charges_start = _date(row["extended_support_charges_start"])
            year3 = _date(row["extended_support_year3_start"])
            assumed = year3 is None
            if assumed:
                year3 = charges_start.replace(year=charges_start.year + 2)
            majors[str(major)] = MajorVersion(
                major=str(major),
                released=_date(row["released"]),
                end_of_standard_support=_date(row["end_of_standard_support"]),
                extended_support_charges_start=charges_start,
                extended_support_year3_start=year3,
                year3_start_is_assumed=assumed,
                end_of_extended_support=_date(row["end_of_extended_support"]),
                serverless_v2_min_minor=row.get("serverless_v2_min_minor"),
                io_optimized_min_minor=row.get("io_optimized_min_minor"),
            )
        minors = {}
        for row in raw["minors"]:
            version = str(row["version"])
            if row["status"] not in ("available", "deprecated"):
                raise CatalogError(f"engine catalog: {version} has status {row['status']!r}")
            if row["source"] not in raw["sources"]:
                raise CatalogError(f"engine catalog: {version} cites unknown source {row['source']!r}")
            minors[version] = MinorVersion(
                version=version,
                major=version.split(".")[0],
                status=row["status"],
                lts=bool(row.get("lts", False)),
                source=raw["sources"][row["source"]],
                evidence=row.get("evidence"),
            )
        vcpus = {name: int(spec["vcpu"]) for name, spec in raw["instance_classes"].items()}
        minimums = {name: {str(v).split(".")[0]: str(v) for v in spec.get("min_versions") or []}
                    for name, spec in raw["instance_classes"].items()}
        return EngineCatalog(
            engine=raw["engine"],
            snapshot_date=_date(raw["snapshot_date"]),
            sources=dict(raw["sources"]),
            majors=majors,
            minors=minors,
            instance_vcpus=vcpus,
            instance_min_versions={k: v for k, v in minimums.items() if v},
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise CatalogError(f"engine catalog {ENGINE_CATALOG_NAME} is malformed: {exc!r}") from exc


@functools.cache
def region_catalog() -> dict[str, Region]:
    raw = _load_yaml("regions.yaml")
    return {
        code: Region(code=code, name=row["name"], availability_zones=tuple(row["availability_zones"]))
        for code, row in raw["regions"].items()
    }


def availability_zones(region: str, az_count: int) -> list[str]:
    """The first ``az_count`` real AZ names of ``region``, from the catalog (never CDK's
    dummy1a placeholders, and no AWS lookup at synthesis)."""
    return list(region_catalog()[region].availability_zones[:az_count])
