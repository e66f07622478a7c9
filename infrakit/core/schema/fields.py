"""Every scenario key, declared once: its type, default, meaning, display group and role.

A key's *role* says what it is for, and every key list the kit needs is derived from it:

- ``infra``: shapes the synthesized template (and so the synth cache key);
- ``usage``: how the deployed stack is used (traffic, storage, I/O): priced, never built;
- ``horizon``: which months are priced;
- ``constraint``: what a recommendation must satisfy;
- ``assumption``: a risk figure AWS does not publish (labelled as an assumption everywhere);
- ``report`` and ``runner``: the notebooks' own parameters (not scenario keys).

Adding a key is one ``Field(...)`` line here, then ``make notebooks`` to regenerate the
notebooks' parameters cells (a test fails until they are current).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from infrakit.core.catalogs import engine_catalog, region_catalog
from infrakit.core.schema.limits import (
    CLOUDWATCH_RETENTION_DAYS,
    CONTAINER_IMAGE_PATTERN,
    FARGATE_MEMORY_MIB_BY_CPU,
    MAX_USAGE,
    NAT_STRATEGIES,
)

ROLES = ("infra", "usage", "horizon", "constraint", "assumption", "report", "runner")
SCENARIO_ROLES = ("infra", "usage", "horizon", "constraint", "assumption")


@dataclass(frozen=True)
class Field:
    """One key. ``kind`` is str, int, float, bool, date or choice; ``role`` one of ``ROLES``."""

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
    role: str = ""

    def __post_init__(self):
        if self.role not in ROLES:
            raise ValueError(f"field {self.name}: role {self.role!r} is not one of {ROLES}")


def default_start_date(today: dt.date | None = None) -> str:
    """The first day of next month: the default first month priced."""
    today = today or dt.date.today()
    first_next = (today.replace(day=1) + dt.timedelta(days=32)).replace(day=1)
    return first_next.isoformat()


FIELDS: tuple[Field, ...] = (
    # --- identity ---
    Field("name", "str", "payment-api", "Scenario name, shown in reports.", "identity",
          pattern=r"^[A-Za-z0-9][A-Za-z0-9 ._-]{0,63}$", pattern_help="1-64 letters, digits, spaces, '.', '_' or '-'", role="infra"),
    Field("region", "choice", "us-east-1", "AWS region to deploy and price in.", "identity",
          choices=tuple(region_catalog()), role="infra"),
    Field("environment", "choice", "dev", "dev or prod: prod gets deletion protection and snapshot retention.",
          "identity", choices=("dev", "prod"), role="infra"),
    Field("environment_suffix", "str", "dev", "Suffix in resource names so environments coexist in one account.",
          "identity", pattern=r"^[a-z0-9][a-z0-9-]{0,19}$",
          pattern_help="1-20 lowercase letters, digits or '-', starting with a letter or digit", role="infra"),
    # --- network ---
    Field("az_count", "int", 2, "Availability Zones the VPC spans (2 to the region's AZ count).", "network",
          minimum=2, maximum=6, role="infra"),
    Field("nat_strategy", "choice", "single",
          "per_az: a NAT gateway per AZ; single: one shared NAT gateway; regional: AWS's regional NAT gateway; "
          "none: isolated subnets with VPC endpoints (image must come from ECR).", "network", choices=NAT_STRATEGIES, role="infra"),
    # --- database ---
    Field("engine_version", "str", "17.7", "Aurora PostgreSQL engine version, always a quoted string (\"15.10\").",
          "database", pattern=r"^\d{1,2}\.\d{1,2}$", pattern_help='MAJOR.MINOR such as "16.8"', role="infra"),
    Field("instance_class", "choice", "db.r6g.large", "Aurora DB instance class for writer and readers.", "database",
          choices=tuple(engine_catalog().instance_vcpus), role="infra"),
    Field("reader_count", "int", 1, "Aurora readers besides the writer (spread over other AZs).", "database",
          minimum=0, maximum=15, role="infra"),
    Field("storage_type", "choice", "standard", "Aurora storage: standard (pay per I/O) or io_optimized.",
          "database", choices=("standard", "io_optimized"), role="infra"),
    # --- ingress ---
    Field("listener_protocol", "choice", "HTTP", "ALB listener: HTTP (port 80) or HTTPS (443, needs domain_name).",
          "ingress", choices=("HTTP", "HTTPS"), role="infra"),
    Field("domain_name", "str", None, "Domain served over HTTPS; required for HTTPS.", "ingress", nullable=True,
          pattern=r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$",
          pattern_help="a lowercase DNS name such as api.payments.acme.io", role="infra"),
    Field("hosted_zone_name", "str", None, "Route 53 public hosted zone that covers domain_name (for DNS validation).",
          "ingress", nullable=True, pattern=r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}\.?$",
          pattern_help="a lowercase DNS zone name such as acme.io", role="infra"),
    Field("hosted_zone_id", "str", None, "ID of the hosted_zone_name zone (Route 53 console or "
          "'aws route53 list-hosted-zones-by-name'); synthesis needs it to DNS-validate without AWS calls.",
          "ingress", nullable=True, pattern=r"^Z[A-Z0-9]{1,31}$", pattern_help="a Route 53 zone ID such as Z0123456789ABCDEFGHIJ", role="infra"),
    Field("certificate_arn", "str", None, "Existing ACM certificate ARN to use instead of issuing one.", "ingress",
          nullable=True, pattern=r"^arn:aws[a-z-]*:acm:[a-z0-9-]+:\d{12}:certificate/[A-Za-z0-9-]+$",
          pattern_help="arn:aws:acm:REGION:ACCOUNT:certificate/ID", role="infra"),
    # --- service ---
    Field("service_cpu", "int", 512, "Fargate task CPU units (1024 is 1 vCPU).", "service",
          choices=tuple(FARGATE_MEMORY_MIB_BY_CPU), role="infra"),
    Field("service_memory_mib", "int", 1024, "Fargate task memory in MiB (must suit service_cpu).", "service",
          minimum=512, maximum=122880, role="infra"),
    Field("service_desired_count", "int", 2, "Fargate tasks running.", "service", minimum=1, maximum=1000, role="infra"),
    Field("service_arch", "choice", "x86_64", "CPU architecture of the tasks.", "service", choices=("x86_64", "arm64"), role="infra"),
    Field("container_image", "str", "public.ecr.aws/nginx/nginx:stable",
          "Container image; with nat_strategy none it must be in a private ECR registry.", "service",
          pattern=CONTAINER_IMAGE_PATTERN, pattern_help="an image reference of up to 255 characters (letters, "
          "digits, '.', '_', '-', '/', ':', '@', '#') such as public.ecr.aws/nginx/nginx:stable", role="infra"),
    Field("container_port", "int", 80, "Port the container listens on.", "service", minimum=1, maximum=65535, role="infra"),
    # --- usage ---
    Field("nat_data_gb_per_month", "float", 50.0, "GB per month the service sends/receives through NAT.", "usage",
          minimum=0, maximum=MAX_USAGE, role="usage"),
    Field("internet_egress_gb_per_month", "float", 10.0, "GB per month the stack sends to the internet, through "
          "the ALB or NAT (tiered Price List rate; the account's 100 GB free allowance is not subtracted).", "usage",
          minimum=0, maximum=MAX_USAGE, role="usage"),
    Field("cross_az_gb_per_month", "float", 20.0, "GB per month crossing AZs between service and database.",
          "usage", minimum=0, maximum=MAX_USAGE, role="usage"),
    Field("alb_new_connections_per_second", "float", 5.0, "ALB new connections per second (LCU: 25 per LCU).",
          "usage", minimum=0, maximum=MAX_USAGE, role="usage"),
    Field("alb_active_connections_per_minute", "float", 300.0, "ALB active connections per minute (3,000 per LCU).",
          "usage", minimum=0, maximum=MAX_USAGE, role="usage"),
    Field("alb_processed_gb_per_hour", "float", 0.05, "ALB processed GB per hour (1 GB/h per LCU).", "usage",
          minimum=0, maximum=MAX_USAGE, role="usage"),
    Field("alb_rule_evaluations_per_second", "float", 5.0, "ALB rule evaluations per second (1,000 per LCU).",
          "usage", minimum=0, maximum=MAX_USAGE, role="usage"),
    Field("aurora_storage_gb", "float", 20.0, "Aurora cluster volume, GB.", "usage", minimum=0, maximum=MAX_USAGE, role="usage"),
    Field("aurora_io_million_requests_per_month", "float", 10.0, "Aurora I/O, millions of requests per month "
          "(billed on standard storage only).", "usage", minimum=0, maximum=MAX_USAGE, role="usage"),
    Field("aurora_backup_gb", "float", 20.0, "Aurora backup storage, GB (the first cluster-volume size is free).",
          "usage", minimum=0, maximum=MAX_USAGE, role="usage"),
    Field("log_ingest_gb_per_month", "float", 5.0, "CloudWatch Logs ingested per month, GB.", "usage", minimum=0, maximum=MAX_USAGE, role="usage"),
    Field("log_retention_days", "int", 30, "CloudWatch Logs retention (a value CloudWatch allows); stored GB is "
          "ingest x retention / 30.", "usage", choices=CLOUDWATCH_RETENTION_DAYS, role="infra"),
    # --- horizon ---
    Field("start_date", "date", None, "First month priced (YYYY-MM-DD; default: first day of next month).",
          "horizon", role="horizon"),
    Field("horizon_months", "int", 36, "Months priced from start_date.", "horizon", minimum=1, maximum=120, role="horizon"),
    # --- constraints for recommendations ---
    Field("budget_usd_per_month", "float", None, "Reject configurations costing more per month (first month).",
          "constraints", nullable=True, minimum=0, role="constraint"),
    Field("egress_must_survive_az_loss", "bool", False, "Require egress from healthy AZs to survive one AZ outage.",
          "constraints", role="constraint"),
    # --- availability assumptions (labelled as assumptions in every output) ---
    Field("assumed_az_outages_per_year", "float", 0.5, "ASSUMPTION: outages per AZ per year (no AWS figure "
          "exists; adjust to your risk view).", "assumptions", minimum=0, maximum=365, role="assumption"),
    Field("assumed_az_outage_hours", "float", 4.0, "ASSUMPTION: hours an AZ outage lasts.", "assumptions",
          minimum=0, maximum=8760, role="assumption"),
    Field("assumed_db_failover_minutes", "float", 1.0, "ASSUMPTION: minutes for Aurora to fail over to a reader "
          "in another AZ.", "assumptions", minimum=0, role="assumption"),
    Field("assumed_db_recovery_minutes", "float", 15.0, "ASSUMPTION: minutes for Aurora to replace a writer "
          "with no reader (new instance in another AZ).", "assumptions", minimum=0, role="assumption"),
)

FIELDS_BY_NAME: dict[str, Field] = {f.name: f for f in FIELDS}

# The report's own parameters: a report parameter file is a scenario file that may also set these.
REPORT_FIELDS: tuple[Field, ...] = (
    Field("deploy_target", "choice", "local",
          "Where the decision notebook deploys: local (the kit's AWS emulator on 127.0.0.1), aws (your "
          "account; needs credentials) or none (stop after preflight).", "report", choices=("local", "aws", "none"),
          role="report"),
    Field("decide", "choice", "recommended",
          "Which configuration the decision notebook synthesizes, preflights and deploys: recommended (the "
          "trade-off sweep's pick) or as_given (exactly this file's keys, pinned).", "report",
          choices=("recommended", "as_given"), role="report"),
    Field("sensitivity_percent", "float", 50.0,
          "How far the report's sensitivity analysis moves each usage key and assumption, up and down, in "
          "percent of its value.", "report", minimum=1, maximum=100, role="report"),
    Field("fail_on", "choice", "failed",
          "Which run status makes the decision notebook raise at its end, so papermill exits non-zero: failed "
          "(missing price, preflight errors, a failed or refused deploy, over budget), attention (warnings too) "
          "or none (explore without failing).", "report", choices=("failed", "attention", "none"), role="report"),
    # Set by the runner, never by a parameter file.
    Field("results_dir", "str", "", "Folder for the results JSON and Parquet (empty: beside the executed notebook, "
          "else reports/interactive/; never the working directory); the runner sets it.",
          "report", role="runner"),
)
REPORT_FIELDS_BY_NAME: dict[str, Field] = {f.name: f for f in REPORT_FIELDS if f.role == "report"}
RUNNER_KEYS: tuple[str, ...] = tuple(f.name for f in REPORT_FIELDS if f.role == "runner")


def keys_with_role(*roles: str) -> tuple[str, ...]:
    """Scenario keys whose role is one of ``roles``, in declaration order."""
    unknown = set(roles) - set(ROLES)
    if unknown:
        raise ValueError(f"unknown roles {sorted(unknown)}; roles are {ROLES}")
    return tuple(f.name for f in FIELDS if f.role in roles)


INFRA_KEYS = keys_with_role("infra")
USAGE_KEYS = keys_with_role("usage")
HORIZON_KEYS = keys_with_role("horizon")
CONSTRAINT_KEYS = keys_with_role("constraint")
ASSUMPTION_KEYS = keys_with_role("assumption")


def defaults() -> dict[str, Any]:
    """Every scenario key with its default value (start_date resolved to next month's first day)."""
    values = {f.name: f.default for f in FIELDS}
    values["start_date"] = default_start_date()
    return values
