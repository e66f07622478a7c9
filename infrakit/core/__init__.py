"""The ground the kit stands on: what ``cost_model``, ``infra_lib`` and the application all use.

- ``errors``: every exception type, under one root.
- ``schema``: the scenario keys (each declared once, with its role), value checks, cross-key
  rules, loading of scenario and grid files.
- ``catalogs``: the dated engine-version and region catalogs.
- ``cfn``: one reader of CloudFormation templates (resources by type, references resolved).
- ``paths``, ``files``, ``text``: where things live, atomic writes, money and number formats.

Standard library and PyYAML only: nothing here imports pandas, numpy, aws_cdk, boto3,
``cost_model``, ``infra_lib`` or the rest of ``infrakit`` (tests/test_architecture.py checks).
"""
