"""CDK app entry for the standard CLI: `npx cdk synth -c scenario=notebooks/params/dev.yaml`.

The same function infrakit uses in-process builds the stack, so `cdk synth`, `cdk diff`
and `cdk ls` see exactly what `infrakit synth` writes.
"""

import sys

from infra_lib.cdk.synth import app_from_context

if __name__ == "__main__":
    sys.exit(app_from_context())
