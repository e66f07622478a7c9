"""Bill of quantities: what each configuration deploys and uses, before any price.

One row per configuration; columns are priced quantities (counts, GB, task sizes) plus the
attributes that select a price (region, instance class, storage type, arch). Built here from
scenarios; ``cost_model.from_template`` builds the same columns from any CloudFormation
template (one row per distinct instance class, task size, ... of it), and both go through
``cost_model.pricing``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from infrakit.core.schema import USAGE_KEYS

# Usage columns: every scenario key whose declared role is "usage" (infrakit.core.schema).
USAGE_COLUMNS = USAGE_KEYS

# Interface endpoints the service needs when it has no NAT: ECR API, ECR Docker, CloudWatch
# Logs, Secrets Manager (S3 uses a free gateway endpoint for the image layers). The stack's
# list is infra_lib/cdk/constructs/network.py; the scenario-vs-template cost test keeps them equal.
NO_NAT_INTERFACE_ENDPOINTS = ("ecr.api", "ecr.dkr", "logs", "secretsmanager")


def month_index(dates: pd.Series) -> np.ndarray:
    """Months since year 0 for a column of ISO date strings, parsing each distinct date once."""
    categorical = pd.Categorical(dates)
    if (np.asarray(categorical.codes) < 0).any():
        raise ValueError("start_date is missing for some configurations; validation fills it in")
    parsed = pd.to_datetime(pd.Series(categorical.categories))
    per_date = (parsed.dt.year * 12 + parsed.dt.month - 1).to_numpy(dtype=np.int64)
    return per_date[np.asarray(categorical.codes)]


# What the infrastructure is, as opposed to how it is used. Scenarios and synthesized
# templates both produce exactly these columns (see cost_model.from_template); usage comes from
# the scenario either way. The last two are never in the kit's stack (zero for scenarios): a
# template's Elastic IPs that no NAT gateway uses, and its internal ALBs.
STRUCTURE_COLUMNS = (
    "az_count", "nat_gateway_count", "regional_nat_az_count", "nat_public_ipv4_count", "alb_count",
    "alb_public_ipv4_count", "db_instance_count", "db_instance_class", "db_storage_type", "db_engine_version",
    "fargate_task_count", "fargate_vcpu_per_task", "fargate_memory_gb_per_task", "fargate_arch",
    "interface_endpoint_count", "interface_endpoint_az_count", "secret_count", "log_group_count",
    "log_retention_days", "other_public_ipv4_count", "internal_alb_count",
)


def structure_from_scenarios(scenarios: pd.DataFrame) -> dict[str, object]:
    """The structure columns each scenario's stack will have (infra_lib builds exactly this)."""
    n = len(scenarios)
    az_count = scenarios["az_count"].to_numpy(dtype=np.int64)
    strategy = scenarios["nat_strategy"]
    per_az = (strategy == "per_az").to_numpy()
    single = (strategy == "single").to_numpy()
    regional = (strategy == "regional").to_numpy()
    no_nat = (strategy == "none").to_numpy()
    zonal_nat_count = np.where(per_az, az_count, np.where(single, 1, 0))
    regional_nat_azs = np.where(regional, az_count, 0)
    return {
        "az_count": az_count,
        "nat_gateway_count": zonal_nat_count,
        "regional_nat_az_count": regional_nat_azs,
        # AWS allocates the regional NAT gateway's addresses itself; we assume one public
        # IPv4 address per active AZ, like a zonal NAT gateway in each (not documented).
        "nat_public_ipv4_count": zonal_nat_count + regional_nat_azs,
        "alb_count": np.ones(n, dtype=np.int64),
        # An internet-facing ALB has a public IPv4 address in every AZ it spans.
        "alb_public_ipv4_count": az_count,
        "db_instance_count": 1 + scenarios["reader_count"].to_numpy(dtype=np.int64),
        "db_instance_class": scenarios["instance_class"],
        "db_storage_type": scenarios["storage_type"],
        "db_engine_version": scenarios["engine_version"],
        "fargate_task_count": scenarios["service_desired_count"].to_numpy(dtype=np.int64),
        "fargate_vcpu_per_task": scenarios["service_cpu"].to_numpy(dtype=float) / 1024.0,
        "fargate_memory_gb_per_task": scenarios["service_memory_mib"].to_numpy(dtype=float) / 1024.0,
        "fargate_arch": scenarios["service_arch"],
        "interface_endpoint_count": np.where(no_nat, len(NO_NAT_INTERFACE_ENDPOINTS), 0),
        "interface_endpoint_az_count": np.where(no_nat, az_count, 0),
        "secret_count": np.ones(n, dtype=np.int64),  # the generated database credentials
        "log_group_count": np.ones(n, dtype=np.int64),  # the service's log group
        "log_retention_days": scenarios["log_retention_days"].to_numpy(dtype=np.int64),
        "other_public_ipv4_count": np.zeros(n, dtype=np.int64),
        "internal_alb_count": np.zeros(n, dtype=np.int64),
    }


def assemble_bill(scenarios: pd.DataFrame, structure: dict[str, object]) -> pd.DataFrame:
    """The bill of quantities: ``structure`` plus the scenarios' region, horizon and usage.

    Usage follows the structure: NAT traffic is processed by whichever egress the structure
    has (zonal NAT gateways, a regional NAT gateway, or interface endpoints when there is no NAT).
    """
    missing = set(STRUCTURE_COLUMNS) - set(structure)
    if missing:
        raise ValueError(f"structure lacks columns {sorted(missing)}")
    nat_data = scenarios["nat_data_gb_per_month"].to_numpy(dtype=float)
    zonal = np.asarray(structure["nat_gateway_count"]) > 0
    regional = np.asarray(structure["regional_nat_az_count"]) > 0
    endpoints_only = (np.asarray(structure["interface_endpoint_count"]) > 0) & ~zonal & ~regional
    # Zonal and regional NAT gateways side by side (a template can hold both) share the traffic,
    # each zonal gateway and each AZ of a regional one taking an equal part: it is processed once.
    zonal_count = np.asarray(structure["nat_gateway_count"], dtype=float)
    regional_azs = np.asarray(structure["regional_nat_az_count"], dtype=float)
    zonal_share = np.where(zonal & regional, zonal_count / np.maximum(zonal_count + regional_azs, 1.0), 1.0)
    bill = {
        "region": scenarios["region"],
        "start_month_index": month_index(scenarios["start_date"]),
        "horizon_months": scenarios["horizon_months"].to_numpy(dtype=np.int64),
        **{k: structure[k] for k in STRUCTURE_COLUMNS},
        "nat_data_gb_per_month": np.where(zonal, nat_data * zonal_share, 0.0),
        "regional_nat_data_gb_per_month": np.where(regional, nat_data * np.where(zonal, 1.0 - zonal_share, 1.0), 0.0),
        "endpoint_data_gb_per_month": np.where(endpoints_only, nat_data, 0.0),
    }
    for column in USAGE_COLUMNS:
        if column not in bill:
            bill[column] = scenarios[column].to_numpy()
    frame = pd.DataFrame(bill, index=scenarios.index)
    for column in ("region", "db_instance_class", "db_storage_type", "db_engine_version", "fargate_arch"):
        if not isinstance(frame[column].dtype, pd.CategoricalDtype):
            frame[column] = frame[column].astype("category")
    return frame


def bill_from_scenarios(scenarios: pd.DataFrame) -> pd.DataFrame:
    """The bill of quantities for a frame of scenarios (see ``cost_model.scenarios``)."""
    return assemble_bill(scenarios, structure_from_scenarios(scenarios))
