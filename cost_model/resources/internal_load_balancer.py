"""Internal Application Load Balancers (a template's, never the kit's stack): hours and LCU-hours
at the ALB rates, with no public IPv4 addresses. LCUs come from the scenario's ALB usage per
load balancer, as for the internet-facing ALB (``load_balancer``, where the usage types and
the LCU assumptions are declared)."""

from cost_model.components import HOURS_PER_MONTH, CostComponent, counts
from cost_model.resources.load_balancer import LCU_NOTE, lcus


def components(bill):
    albs = counts(bill, "internal_alb_count")
    return [
        CostComponent("Application Load Balancer", "{internal_alb_count} internal ALB", "hours",
                      albs * HOURS_PER_MONTH, ["LoadBalancerUsage"], applies=albs > 0,
                      key="internal_alb_hours", group="load_balancer"),
        CostComponent("Load balancer capacity units", "{internal_alb_count} internal ALB (from monthly averages)",
                      "LCU-hours", albs * lcus(bill) * HOURS_PER_MONTH, ["LCUUsage"], applies=albs > 0,
                      key="internal_alb_lcu_hours", group="load_balancer"),
    ]


def notes(values) -> list[str]:
    # The internet-facing ALB's module already says it when the bill has one.
    return [LCU_NOTE] if values.get("internal_alb_count", 0) > 0 and not values.get("alb_count", 0) else []
