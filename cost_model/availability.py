"""Availability model: what one Availability Zone outage does to egress, the database and
the load balancer, and the expected hours per year of lost egress.

Every figure rests on explicit assumptions (``assumed_*`` scenario keys): AWS publishes no
AZ failure rate and no NAT gateway SLA, so outputs label these as assumptions, and users
should set them to their own risk view.

Expected egress-outage hours per year count only the egress that healthy AZs lose because
of another AZ's failure, weighted by the share of tasks affected (tasks in the failed AZ
are down anyway and are not counted):
- per_az: each AZ has its own NAT gateway -> 0
- single: when the NAT gateway's AZ fails, the other (n - 1) / n of the tasks lose egress
  -> outages_per_az_per_year x outage_hours x (n - 1) / n
- regional: AWS's regional NAT gateway serves every AZ from that AZ -> 0
- none: no internet egress is needed (VPC endpoints sit in every AZ) -> 0
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from infrakit.core.schema import ASSUMPTION_KEYS as SCHEMA_ASSUMPTION_KEYS

MINUTES_PER_HOUR = 60.0

# Every scenario key whose declared role is "assumption".
ASSUMPTION_KEYS = SCHEMA_ASSUMPTION_KEYS


def assess(scenarios: pd.DataFrame) -> pd.DataFrame:
    """Per configuration: egress_outage_hours_per_year, db_outage_hours_per_year,
    egress_survives_az_loss, and a sentence per component for an AZ loss."""
    az_count = scenarios["az_count"].to_numpy(dtype=float)
    rate = scenarios["assumed_az_outages_per_year"].to_numpy(dtype=float)
    outage_hours = scenarios["assumed_az_outage_hours"].to_numpy(dtype=float)
    strategy = scenarios["nat_strategy"]
    single = (strategy == "single").to_numpy()
    egress_hours = np.where(single, rate * outage_hours * (az_count - 1) / az_count, 0.0)

    has_reader = scenarios["reader_count"].to_numpy() > 0
    failover_h = scenarios["assumed_db_failover_minutes"].to_numpy(dtype=float) / MINUTES_PER_HOUR
    recovery_h = np.minimum(scenarios["assumed_db_recovery_minutes"].to_numpy(dtype=float) / MINUTES_PER_HOUR,
                            outage_hours)
    # Only an outage of the writer's AZ interrupts writes: one AZ's share of the outages.
    db_hours = rate * np.where(has_reader, failover_h, recovery_h)

    egress_text = np.select(
        [(strategy == "per_az").to_numpy(), single, (strategy == "regional").to_numpy()],
        ["only the failed AZ loses egress; each other AZ keeps its own NAT gateway",
         "every AZ loses egress when the NAT gateway's AZ fails",
         "the regional NAT gateway keeps serving the remaining AZs"],
        "no internet egress is needed; VPC endpoints serve each AZ",
    )
    db_text = np.where(has_reader, "fails over to a reader in another AZ",
                       "waits for Aurora to replace the writer (no reader to fail over to)")
    return pd.DataFrame({
        "egress_outage_hours_per_year": egress_hours,
        "db_outage_hours_per_year": db_hours,
        "egress_survives_az_loss": ~single,
        "az_loss_egress": egress_text,
        "az_loss_database": db_text,
        "az_loss_alb": "keeps serving from the remaining AZs",
    }, index=scenarios.index)


def assumptions(scenario: dict) -> dict:
    return {key: scenario[key] for key in ASSUMPTION_KEYS}
