"""infrakit: choose, prove and ship the AWS layout of a payment API.

- ``infrakit.core``: the ground (errors, the scenario schema, catalogs, the template reader,
  paths, files, formats); ``cost_model`` and ``infra_lib`` stand on it and nothing else here.
- ``cost_model``: pricing, availability and recommendation (pandas).
- ``infra_lib``: the CDK stack, synthesis, preflight and the local emulator (never pandas).
- The application: ``infrakit.cli``, ``infrakit.deploy``, ``infrakit.report``,
  ``infrakit.verdicts``, ``infrakit.prices``.

``infrakit.scenario``, ``infrakit.catalogs`` and ``infrakit.errors`` are the old import paths
of ``infrakit.core.schema``, ``.catalogs`` and ``.errors``, kept as re-exports.
"""

__version__ = "0.1.0"
