"""The CDK stack and its synthesis: the part of infra_lib built on aws_cdk (preflight's
policy-validation plugin imports aws_cdk too, lazily, in the user's own app).

jsii (which runs every CDK synth) must start on the Node.js that the venv ships, not an
end-of-life system Node, so this package sets ``JSII_NODE`` before any of its modules
imports aws_cdk.
"""

from infra_lib.cdk.node import configure_jsii_node

configure_jsii_node()
