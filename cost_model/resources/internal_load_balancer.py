"""Internal Application Load Balancers (a template's, never the kit's stack): hours and LCU-hours
at the ALB rates, with no public IPv4 addresses. LCUs come from the scenario's ALB usage per
load balancer, as for the internet-facing ALB (``load_balancer``, where the usage types and
the LCU assumptions are declared)."""

from cost_model.resources.load_balancer import LCU_NOTE, alb_lines


def components(bill):
    return alb_lines(bill, "internal_alb_count", "internal ALB", "internal_alb")


def notes(values) -> list[str]:
    # The internet-facing ALB's module already says it when the bill has one.
    return [LCU_NOTE] if values.get("internal_alb_count", 0) > 0 and not values.get("alb_count", 0) else []
