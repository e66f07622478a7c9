"""``infrakit engines refresh --region R``: the Aurora PostgreSQL engine catalog of one region
from the RDS API, as a dated snapshot beside the price snapshots.

- minors and their status: ``rds.describe_db_engine_versions(Engine="aurora-postgresql",
  IncludeAll=True)`` (IncludeAll also lists versions that can no longer be created);
- majors' lifecycle dates: ``rds.describe_db_major_engine_versions`` (its
  ``SupportedEngineLifecycles``: open-source-rds-standard-support and
  open-source-rds-extended-support with their end dates) where botocore has the operation;
  otherwise the shipped catalog's dates stay, and the snapshot says so.

``infrakit.core.catalogs.engine_catalog(R)`` lays the newest snapshot over the shipped file.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

from infrakit.core.catalogs import ENGINE_SNAPSHOT_FOLDER
from infrakit.core.errors import InfrakitError
from infrakit.core.files import write_json_atomic
from infrakit.core.paths import catalog_dir

ENGINE = "aurora-postgresql"
MINOR = re.compile(r"^\d{1,2}\.\d{1,2}$")
STANDARD, EXTENDED = "open-source-rds-standard-support", "open-source-rds-extended-support"


class EngineRefreshError(InfrakitError):
    """The RDS API could not be asked (no credentials, no network, an API error)."""


def _date(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    return str(value)[:10]


def _minors(client) -> list[dict[str, str]]:
    out = []
    for page in client.get_paginator("describe_db_engine_versions").paginate(Engine=ENGINE, IncludeAll=True):
        for row in page.get("DBEngineVersions", []):
            version = str(row.get("EngineVersion", ""))
            if MINOR.match(version):
                out.append({"version": version, "status": str(row.get("Status", "available"))})
    return sorted({r["version"]: r for r in out}.values(), key=lambda r: tuple(int(p) for p in r["version"].split(".")))


def _majors(client) -> tuple[dict[str, dict], str]:
    if not hasattr(client, "describe_db_major_engine_versions"):
        return {}, "the shipped catalog's dates (this botocore has no describe_db_major_engine_versions)"
    majors: dict[str, dict] = {}
    for page in client.get_paginator("describe_db_major_engine_versions").paginate(Engine=ENGINE):
        for row in page.get("DBMajorEngineVersions", []):
            dates = {}
            for life in row.get("SupportedEngineLifecycles", []):
                if life.get("LifecycleSupportName") == STANDARD:
                    dates["end_of_standard_support"] = _date(life.get("LifecycleSupportEndDate"))
                elif life.get("LifecycleSupportName") == EXTENDED:
                    dates["end_of_extended_support"] = _date(life.get("LifecycleSupportEndDate"))
            if dates:
                majors[str(row.get("MajorEngineVersion"))] = dates
    return majors, "rds.describe_db_major_engine_versions"


def refresh_engines(region: str, *, client=None, now: dt.datetime | None = None,
                    root: Path | None = None) -> dict[str, Any]:
    """Ask the RDS API of ``region`` and write the snapshot; returns what was written."""
    import botocore.exceptions

    now = now or dt.datetime.now(dt.timezone.utc)
    if client is None:
        import boto3

        client = boto3.client("rds", region_name=region)
    try:
        minors = _minors(client)
        majors, majors_source = _majors(client)
    except botocore.exceptions.NoCredentialsError:
        raise EngineRefreshError(f"no AWS credentials for the RDS API in {region}: configure a profile "
                                 f"(AWS_PROFILE) or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY; the shipped catalog "
                                 f"stays in use") from None
    except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as exc:
        raise EngineRefreshError(f"the RDS API in {region} failed: {exc}; the catalog in use is unchanged") from None
    if not minors:
        raise EngineRefreshError(f"describe_db_engine_versions in {region} returned no {ENGINE} version; nothing "
                                 f"written, the catalog in use is unchanged")
    refreshed = now.astimezone(dt.timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z")
    snapshot = {
        "kind": "infrakit engine snapshot", "engine": ENGINE, "region": region, "refreshed_at": refreshed,
        "source": f"rds.describe_db_engine_versions(Engine={ENGINE!r}, IncludeAll=True) in {region} on {refreshed[:10]}",
        "majors_source": majors_source, "minors": minors, "majors": majors,
    }
    stamp = now.astimezone(dt.timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    path = write_json_atomic((root or catalog_dir()) / ENGINE_SNAPSHOT_FOLDER / region / f"{stamp}.json", snapshot)
    return {**snapshot, "snapshot": str(path)}
