"""The CDK stack and its synthesis: the only part of infra_lib that imports aws_cdk.

jsii (which runs every CDK synth) must start on the Node.js that the venv ships, not an
end-of-life system Node, so this package sets ``JSII_NODE`` before any of its modules
imports aws_cdk.
"""

from infra_lib.cdk.node import configure_jsii_node

configure_jsii_node()
