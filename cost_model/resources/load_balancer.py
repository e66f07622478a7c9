"""Application Load Balancer: hours, and LCU-hours for the largest of the four LCU dimensions."""

import numpy as np

from cost_model.components import HOURS_PER_MONTH, CostComponent, counts

# What one LCU covers (aws.amazon.com/elasticloadbalancing/pricing, EC2/IP/container targets).
NEW_CONNECTIONS_PER_SECOND_PER_LCU = 25.0
ACTIVE_CONNECTIONS_PER_MINUTE_PER_LCU = 3000.0
PROCESSED_GB_PER_HOUR_PER_LCU = 1.0
RULE_EVALUATIONS_PER_SECOND_PER_LCU = 1000.0


def lcus(bill) -> np.ndarray:
    return np.maximum.reduce([
        counts(bill, "alb_new_connections_per_second") / NEW_CONNECTIONS_PER_SECOND_PER_LCU,
        counts(bill, "alb_active_connections_per_minute") / ACTIVE_CONNECTIONS_PER_MINUTE_PER_LCU,
        counts(bill, "alb_processed_gb_per_hour") / PROCESSED_GB_PER_HOUR_PER_LCU,
        counts(bill, "alb_rule_evaluations_per_second") / RULE_EVALUATIONS_PER_SECOND_PER_LCU,
    ])


def components(bill):
    albs = counts(bill, "alb_count")
    return [
        CostComponent("Application Load Balancer", "{alb_count} internet-facing ALB", "hours",
                      albs * HOURS_PER_MONTH, ["LoadBalancerUsage"], applies=albs > 0,
                      key="alb_hours", group="load_balancer"),
        CostComponent("Load balancer capacity units", "{alb_count} internet-facing ALB", "LCU-hours",
                      albs * lcus(bill) * HOURS_PER_MONTH, ["LCUUsage"], applies=albs > 0,
                      key="alb_lcu_hours", group="load_balancer"),
    ]
