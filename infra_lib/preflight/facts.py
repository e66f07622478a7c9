"""Where preflight's verdicts come from: the dated catalogs (offline) or the AWS APIs (live).

Both classes answer the same questions, and every answer carries its ``source``: the API
call, region and time, or the catalog file and its snapshot date. A live call that fails
(access denied, throttled, an endpoint the emulator lacks) is not a crash: the answer is
``None`` with the reason, and the rule reports the check as not verified.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from infrakit.core.catalogs import engine_catalog, version_key

# EC2-VPC Elastic IPs per region: quota code and default (AWS VPC user guide, "Amazon VPC quotas").
EIP_QUOTA_CODE = "L-0263D0A3"
EIP_DEFAULT_QUOTA = 5
# Live calls are bounded: botocore's defaults (60 s to connect, 60 s per read, several retries)
# let an endpoint that accepts connections and never answers hold preflight for many minutes.
# Once one call times out, the other calls to that endpoint are not tried (they would wait the same).
LIVE_CONNECT_TIMEOUT_S = 5
LIVE_READ_TIMEOUT_S = 10
LIVE_MAX_ATTEMPTS = 2
CATALOG_FILE = "infrakit/data/aurora_postgresql.yaml"


@dataclass(frozen=True)
class VersionVerdict:
    status: str  # "available" | "deprecated" | "unknown" | "unverified"
    suggestions: tuple[str, ...]
    source: str
    detail: str | None = None  # evidence (catalog) or the error of a failed live call


@dataclass(frozen=True)
class Zone:
    zone_id: str
    name: str  # without the trailing dot
    private: bool
    name_servers: tuple[str, ...] = ()


@dataclass(frozen=True)
class Answer:
    """A fact with where it came from; ``value`` None means unknown (``detail`` says why)."""
    value: Any
    source: str
    detail: str | None = None
    assumed: bool = False


def catalog_source() -> str:
    """Where an offline engine verdict comes from: the catalog file and its snapshot date."""
    return f"catalog {CATALOG_FILE}, snapshot {engine_catalog().snapshot_date.isoformat()}"


class OfflineFacts:
    mode = "offline"

    def __init__(self, region: str):
        self.region = region

    def data_source(self) -> dict[str, Any]:
        catalog = engine_catalog()
        return {
            "mode": "offline",
            "region": self.region,
            "engine_catalog": CATALOG_FILE,
            "engine_catalog_snapshot": catalog.snapshot_date.isoformat(),
            "note": "offline: engine versions and instance classes from the dated catalog; no account data "
                    "(hosted zones, allocated Elastic IPs, quotas) was read. Run with --live to check them.",
        }

    def engine_version(self, engine: str, version: str) -> VersionVerdict:
        catalog = engine_catalog()
        if engine != catalog.engine:
            return VersionVerdict("unverified", (), catalog_source(),
                                  f"the offline catalog covers {catalog.engine} only")
        status = catalog.status(version)
        evidence = catalog.minors[version].evidence if version in catalog.minors else None
        suggestions = tuple(catalog.suggestions(version)) if status != "available" else ()
        return VersionVerdict(status, suggestions, catalog_source(), evidence)

    def orderable(self, engine: str, version: str, instance_class: str) -> Answer:
        catalog = engine_catalog()
        if engine != catalog.engine:
            return Answer(None, catalog_source(), f"the offline catalog covers {catalog.engine} only")
        if instance_class not in catalog.instance_vcpus and instance_class != "db.serverless":
            return Answer(False, catalog_source(), f"{instance_class} is not an Aurora PostgreSQL class "
                                                    f"in the catalog")
        problem = catalog.instance_class_problem(instance_class, version)
        major = catalog.major_of(version)
        verified = major in catalog.instance_min_versions.get(instance_class, {})
        if problem:
            return Answer(False, catalog_source(), problem)
        return Answer(True if verified else None, catalog_source(),
                      None if verified else f"the catalog's class table predates {major}.x for {instance_class}")

    def hosted_zones_covering(self, domain: str) -> Answer:
        return Answer(None, "offline: no account data", "hosted zones can only be read from the account (--live)")

    def elastic_ips(self) -> tuple[Answer, Answer]:
        allocated = Answer(0, "offline: assumed none allocated", assumed=True)
        quota = Answer(EIP_DEFAULT_QUOTA, f"offline: AWS default quota {EIP_QUOTA_CODE}", assumed=True)
        return allocated, quota


class LiveFacts:
    """boto3 against the user's account, or whatever ``AWS_ENDPOINT_URL`` points at."""

    mode = "live"

    def __init__(self, region: str, session=None, now: dt.datetime | None = None):
        import boto3

        self.region = region
        self.session = session or boto3.session.Session(region_name=region)
        self.now = now or dt.datetime.now(dt.timezone.utc)
        self._clients: dict[str, Any] = {}
        self._engine_versions: dict[str, Answer] = {}
        # endpoint URL -> why it stopped answering, once a call to it timed out (Route 53's global
        # endpoint timing out says nothing of the region's RDS; behind AWS_ENDPOINT_URL all share one)
        self._unreachable: dict[str, str] = {}

    def client(self, service: str):
        if service not in self._clients:
            import boto3
            from botocore.config import Config

            config = Config(connect_timeout=LIVE_CONNECT_TIMEOUT_S, read_timeout=LIVE_READ_TIMEOUT_S,
                            retries={"max_attempts": LIVE_MAX_ATTEMPTS, "mode": "standard"})
            # a caller's own session-like object (tests, wrappers) keeps its client() as it is
            extra = {"config": config} if isinstance(self.session, boto3.session.Session) else {}
            self._clients[service] = self.session.client(service, region_name=self.region, **extra)
        if why := self._unreachable.get(_endpoint(self._clients[service])):
            raise _Unreachable(f"not tried: an earlier call to its endpoint timed out ({why})")
        return self._clients[service]

    def _failed(self, exc: Exception) -> str:
        """Why a live call failed; a timeout also marks the endpoint as not answering."""
        from botocore.exceptions import ConnectTimeoutError, ReadTimeoutError

        text = _describe_error(exc)
        if isinstance(exc, (ConnectTimeoutError, ReadTimeoutError)):
            self._unreachable.setdefault(_host(exc.kwargs.get("endpoint_url")), text)
        return text

    def _source(self, call: str) -> str:
        return f"live {call} in {self.region} at {self.now.strftime('%Y-%m-%dT%H:%M:%SZ')}"

    def data_source(self) -> dict[str, Any]:
        endpoint = None
        try:
            endpoint = self.client("sts").meta.endpoint_url
        except Exception:  # noqa: BLE001 - only for the record
            pass
        return {
            "mode": "live",
            "region": self.region,
            "at": self.now.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "endpoint": endpoint,
            "engine_lifecycle": f"{CATALOG_FILE}, snapshot {engine_catalog().snapshot_date.isoformat()} "
                                f"(support dates are not in the RDS API)",
        }

    def _versions(self, engine: str) -> Answer:
        if engine not in self._engine_versions:
            call = "rds:DescribeDBEngineVersions"
            try:
                versions: dict[str, str] = {}
                paginator = self.client("rds").get_paginator("describe_db_engine_versions")
                for page in paginator.paginate(Engine=engine, IncludeAll=True):
                    for item in page.get("DBEngineVersions", []):
                        versions[item["EngineVersion"]] = item.get("Status", "available")
                self._engine_versions[engine] = Answer(versions, self._source(call))
            except Exception as exc:  # noqa: BLE001 - reported as "not verified", never swallowed silently
                self._engine_versions[engine] = Answer(None, self._source(call), self._failed(exc))
        return self._engine_versions[engine]

    def engine_version(self, engine: str, version: str) -> VersionVerdict:
        answer = self._versions(engine)
        if answer.value is None:
            # The API did not answer (denied, throttled, an emulator without RDS versions): fall back
            # to the dated catalog rather than lose what it knows, and say so in the source.
            fallback = OfflineFacts(self.region).engine_version(engine, version)
            detail = f"live call failed ({answer.detail}); " + (fallback.detail or "catalog verdict")
            return VersionVerdict(fallback.status, fallback.suggestions,
                                  f"{fallback.source} (fallback: {answer.source} failed: {answer.detail})", detail)
        versions: dict[str, str] = answer.value
        status = versions.get(version, "unknown")
        if status not in ("available", "deprecated"):
            status = "unknown" if version not in versions else "deprecated"
        suggestions: tuple[str, ...] = ()
        if status != "available":
            suggestions = tuple(_live_suggestions(version, versions))
        return VersionVerdict(status, suggestions, answer.source)

    def orderable(self, engine: str, version: str, instance_class: str) -> Answer:
        call = "rds:DescribeOrderableDBInstanceOptions"
        try:
            paginator = self.client("rds").get_paginator("describe_orderable_db_instance_options")
            for page in paginator.paginate(Engine=engine, EngineVersion=version, DBInstanceClass=instance_class):
                if page.get("OrderableDBInstanceOptions"):
                    return Answer(True, self._source(call))
            return Answer(False, self._source(call),
                          f"{instance_class} is not orderable for {engine} {version} in {self.region}")
        except Exception as exc:  # noqa: BLE001 - fall back to the catalog, and say the live call failed
            fallback = OfflineFacts(self.region).orderable(engine, version, instance_class)
            return Answer(fallback.value, f"{fallback.source} (fallback: {self._source(call)} failed)",
                          f"live call failed ({self._failed(exc)}); {fallback.detail or 'catalog verdict'}")

    def hosted_zones_covering(self, domain: str) -> Answer:
        """Every hosted zone whose name is the domain or one of its parent domains."""
        call = "route53:ListHostedZonesByName"
        labels = domain.rstrip(".").lower().split(".")
        zones: list[Zone] = []
        try:
            route53 = self.client("route53")
            for start in range(len(labels) - 1):  # never the bare TLD
                suffix = ".".join(labels[start:]) + "."
                kwargs: dict[str, Any] = {"DNSName": suffix}
                while True:
                    page = route53.list_hosted_zones_by_name(**kwargs)
                    matched = [z for z in page.get("HostedZones", []) if z["Name"].lower() == suffix]
                    zones.extend(Zone(zone_id=z["Id"].rsplit("/", 1)[-1], name=z["Name"].rstrip("."),
                                      private=bool(z.get("Config", {}).get("PrivateZone", False)))
                                 for z in matched)
                    # Zones come sorted by name: once past the suffix, no more matches can follow.
                    if not page.get("IsTruncated") or page.get("NextDNSName", "").lower() != suffix:
                        break
                    kwargs = {"DNSName": page["NextDNSName"], "HostedZoneId": page["NextHostedZoneId"]}
            return Answer(zones, self._source(call))
        except Exception as exc:  # noqa: BLE001
            return Answer(None, self._source(call), self._failed(exc))

    def elastic_ips(self) -> tuple[Answer, Answer]:
        try:
            addresses = self.client("ec2").describe_addresses().get("Addresses", [])
            allocated = Answer(sum(1 for a in addresses if a.get("Domain", "vpc") == "vpc"),
                               self._source("ec2:DescribeAddresses"))
        except Exception as exc:  # noqa: BLE001
            allocated = Answer(None, self._source("ec2:DescribeAddresses"), self._failed(exc))
        quota = self._eip_quota()
        return allocated, quota

    def _eip_quota(self) -> Answer:
        quotas = None
        try:
            quotas = self.client("service-quotas")
            value = quotas.get_service_quota(ServiceCode="ec2", QuotaCode=EIP_QUOTA_CODE)["Quota"]["Value"]
            return Answer(int(value), self._source(f"service-quotas:GetServiceQuota {EIP_QUOTA_CODE}"))
        except Exception as applied_error:  # noqa: BLE001 - no applied value: fall back to AWS's default
            self._failed(applied_error)
            try:
                if quotas is None or _endpoint(quotas) in self._unreachable:
                    raise applied_error
                value = quotas.get_aws_default_service_quota(ServiceCode="ec2",
                                                             QuotaCode=EIP_QUOTA_CODE)["Quota"]["Value"]
                return Answer(int(value), self._source(f"service-quotas:GetAWSDefaultServiceQuota "
                                                       f"{EIP_QUOTA_CODE}"))
            except Exception as exc:  # noqa: BLE001
                return Answer(EIP_DEFAULT_QUOTA, self._source("service-quotas"),
                              f"quota not readable ({self._failed(exc)}); assumed AWS's default "
                              f"{EIP_DEFAULT_QUOTA}", assumed=True)


def _live_suggestions(version: str, versions: dict[str, str]) -> list[str]:
    """The catalog's LTS versions that the API says are available, and the latest available of the major."""
    major = version.split(".")[0]
    available = sorted((v for v, s in versions.items() if s == "available" and v.split(".")[0] == major
                        and all(p.isdigit() for p in v.split("."))), key=version_key)
    catalog = engine_catalog()
    picks = [f"{v} (LTS)" for v in available if v in catalog.minors and catalog.minors[v].lts]
    if available and not any(p.startswith(available[-1] + " ") for p in picks):
        picks.append(f"{available[-1]} (latest {major}.x)")
    if not picks:
        every = sorted((v for v, s in versions.items() if s == "available"
                        and all(p.isdigit() for p in v.split("."))), key=version_key)
        if every:
            picks.append(f"{every[-1]} (latest available)")
    return picks


class _Unreachable(Exception):
    """A live call not made: the endpoint already failed to answer in time."""


def _endpoint(client: Any) -> str:
    """A client's endpoint host (botocore's timeout errors name the request's URL: same host)."""
    return _host(getattr(getattr(client, "meta", None), "endpoint_url", ""))


def _host(url: Any) -> str:
    from urllib.parse import urlsplit

    return urlsplit(str(url or "")).netloc


def _describe_error(exc: Exception) -> str:
    if isinstance(exc, _Unreachable):
        return str(exc)
    response = getattr(exc, "response", None)
    if isinstance(response, dict) and "Error" in response:
        error = response["Error"]
        text = f"{error.get('Code', type(exc).__name__)}: {error.get('Message', '')}".strip()
    else:
        text = f"{type(exc).__name__}: {exc}"
    if "<html" in text.lower() or "<!doctype" in text.lower():
        # An endpoint (often an emulator) answered with an HTML error page: keep the status, not the page.
        status = (response or {}).get("ResponseMetadata", {}).get("HTTPStatusCode") if isinstance(response, dict) else None
        text = f"the endpoint answered HTTP {status or 'error'} with an HTML page (the API is not served there)"
    return text if len(text) <= 300 else text[:297] + "..."
