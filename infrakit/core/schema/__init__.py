"""The scenario schema: one configuration of the payment API plus its usage and horizon.

Keys are flat (papermill parameters are flat) and loaded from YAML. Split by job:
``fields`` (each key declared once, with its role), ``limits`` (the AWS facts values are
checked against), ``values`` (one value against its key), ``rules`` (several keys at once),
``loading`` (scenario and grid files), ``notebook_cell`` (the notebooks' parameters cells).

Imports neither pandas nor aws_cdk: both ``cost_model`` and ``infra_lib`` use it.
"""

from infrakit.core.schema.fields import (
    ASSUMPTION_KEYS,
    CONSTRAINT_KEYS,
    FIELDS,
    FIELDS_BY_NAME,
    HORIZON_KEYS,
    INFRA_KEYS,
    REPORT_FIELDS,
    REPORT_FIELDS_BY_NAME,
    ROLES,
    RUNNER_KEYS,
    USAGE_KEYS,
    Field,
    default_start_date,
    defaults,
    keys_with_role,
)
from infrakit.core.schema.limits import (
    CLOUDWATCH_RETENTION_DAYS,
    FARGATE_MEMORY_MIB_BY_CPU,
    MAX_NUMBER,
    NAT_STRATEGIES,
    PRIVATE_ECR_IMAGE,
    PRIVATE_ECR_REGISTRY,
    RESERVED_DOMAINS,
)
from infrakit.core.schema.loading import Grid, load_grid, load_scenario, validate_grid, validate_scenario
from infrakit.core.schema.rules import (
    RULES,
    KeyRule,
    Rule,
    deployability_problems,
    reserved_domain_problem,
    rule_problems,
    zone_covers,
)
from infrakit.core.schema.values import allowed, check_value, unknown_key_problem
from infrakit.core.yamlio import read_yaml_mapping

__all__ = [
    "ASSUMPTION_KEYS", "CLOUDWATCH_RETENTION_DAYS", "CONSTRAINT_KEYS", "FARGATE_MEMORY_MIB_BY_CPU", "FIELDS",
    "FIELDS_BY_NAME", "HORIZON_KEYS", "INFRA_KEYS", "MAX_NUMBER", "NAT_STRATEGIES", "PRIVATE_ECR_IMAGE",
    "PRIVATE_ECR_REGISTRY", "REPORT_FIELDS", "REPORT_FIELDS_BY_NAME", "RESERVED_DOMAINS", "ROLES", "RULES",
    "RUNNER_KEYS", "USAGE_KEYS", "Field", "Grid", "KeyRule", "Rule", "allowed", "check_value", "default_start_date",
    "defaults", "deployability_problems", "keys_with_role", "load_grid", "load_scenario", "read_yaml_mapping",
    "reserved_domain_problem", "rule_problems", "unknown_key_problem", "validate_grid", "validate_scenario",
    "zone_covers",
]
