"""infrakit: choose, prove and ship the AWS layout of a payment API.

The public surface is small on purpose:

- ``infrakit.scenario``: the scenario schema (load, validate, expand grids).
- ``infrakit.catalogs``: the dated engine-version and region catalogs.
- ``cost_model``: pricing, availability and recommendation (pandas).
- ``infra_lib``: the CDK stack, synthesis and preflight (never pandas).
"""

__version__ = "0.1.0"
