"""infra_lib: the CDK side of the kit. Never imports pandas, numpy or cost_model.

- ``infra_lib.cdk``: the payment API stack (constructs per logical unit, a stack that wires
  them), in-process synthesis with a cache, cdk-nag acknowledgements. It imports aws_cdk, and
  so needs Node.js (jsii).
- ``infra_lib.preflight``: rules over a synthesized template (plain dicts; no Node). Its
  ``PreflightPlugin`` (a CDK policy-validation plugin for any app) imports aws_cdk only when
  it is asked for, so the rules never need Node.
- ``infra_lib.emulator``: the local AWS emulator (moto plus the kit's CloudFormation models).

Importing this package has no side effect; ``infra_lib.cdk`` points jsii at the venv's Node.
"""
