"""Application Load Balancer: hours, and LCU-hours for the largest of the four LCU dimensions.

Rule evaluations: the first 10 processed rules of each request are free (AWS ELB pricing
page: "Rule Evaluations = Request rate x (Number of rules processed - 10 free rules)"). The
scenario gives rule evaluations per second but no request rate, so requests per second are
taken as the new-connection rate (ASSUMPTION: at least one request per connection; fewer
requests means fewer free evaluations, so this errs towards the higher cost).

LCUs are computed from the monthly averages the scenario gives (ASSUMPTION): AWS bills, for
each hour, the largest dimension of that hour, so bursty traffic costs more than this.
"""

import numpy as np

from cost_model.components import HOURS_PER_MONTH, CostComponent, counts
from cost_model.price_list.rules import selection

# What one LCU covers (aws.amazon.com/elasticloadbalancing/pricing, EC2/IP/container targets).
NEW_CONNECTIONS_PER_SECOND_PER_LCU = 25.0
ACTIVE_CONNECTIONS_PER_MINUTE_PER_LCU = 3000.0
PROCESSED_GB_PER_HOUR_PER_LCU = 1.0
RULE_EVALUATIONS_PER_SECOND_PER_LCU = 1000.0
FREE_RULE_EVALUATIONS_PER_REQUEST = 10.0

# AWSELB offer (price_list_format.md 2.4). The family and operation keep out Network and
# Gateway Load Balancers (same LoadBalancerUsage/LCUUsage usage types); the exact usage type
# keeps out mTLS trust-store hours (TS-LoadBalancerUsage), reserved LCUs (ReservedLCUUsage) and
# Outposts rows.
_APPLICATION = {"operation": "LoadBalancing:Application"}
PRICE_LIST = (
    selection("LoadBalancerUsage", "AWSELB", "hours", {"Hrs": 1.0}, "Application Load Balancer hour",
              family="Load Balancer-Application", attributes=_APPLICATION),
    selection("LCUUsage", "AWSELB", "LCU-hours", {"LCU-Hrs": 1.0}, "ALB load balancer capacity unit hour",
              family="Load Balancer-Application", attributes=_APPLICATION),
)

LCU_NOTE = ("ALB LCUs are priced from the scenario's monthly averages (ASSUMPTION: AWS bills each hour's "
            "largest dimension, so bursty traffic costs more); 10 rule evaluations per request are free, with the "
            "request rate taken as the new-connection rate (ASSUMPTION: one request per connection at least)")


def billable_rule_evaluations(bill) -> np.ndarray:
    requests = counts(bill, "alb_new_connections_per_second")
    return np.maximum(counts(bill, "alb_rule_evaluations_per_second") - FREE_RULE_EVALUATIONS_PER_REQUEST * requests,
                      0.0)


def lcus(bill) -> np.ndarray:
    return np.maximum.reduce([
        counts(bill, "alb_new_connections_per_second") / NEW_CONNECTIONS_PER_SECOND_PER_LCU,
        counts(bill, "alb_active_connections_per_minute") / ACTIVE_CONNECTIONS_PER_MINUTE_PER_LCU,
        counts(bill, "alb_processed_gb_per_hour") / PROCESSED_GB_PER_HOUR_PER_LCU,
        billable_rule_evaluations(bill) / RULE_EVALUATIONS_PER_SECOND_PER_LCU,
    ])


def alb_lines(bill, count_column: str, label: str, key_prefix: str) -> list[CostComponent]:
    """Hours and LCU-hours of the ALBs counted in ``count_column`` (each carries the scenario's
    ALB usage), labelled "{count} <label>"."""
    albs = counts(bill, count_column)
    return [
        CostComponent("Application Load Balancer", f"{{{count_column}}} {label}", "hours",
                      albs * HOURS_PER_MONTH, ["LoadBalancerUsage"], applies=albs > 0,
                      key=f"{key_prefix}_hours", group="load_balancer"),
        CostComponent("Load balancer capacity units", f"{{{count_column}}} {label} (from monthly averages)",
                      "LCU-hours", albs * lcus(bill) * HOURS_PER_MONTH, ["LCUUsage"], applies=albs > 0,
                      key=f"{key_prefix}_lcu_hours", group="load_balancer"),
    ]


def components(bill):
    return alb_lines(bill, "alb_count", "internet-facing ALB", "alb")


def notes(values) -> list[str]:
    return [LCU_NOTE] if values.get("alb_count", 0) > 0 else []
