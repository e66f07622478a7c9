"""infra_lib: the CDK stack built from a scenario, in-process synthesis, preflight, deploy.

Never imports pandas. Import ``infra_lib.node`` (done here) before ``aws_cdk`` so that jsii
runs on the Node.js that the venv ships, not an end-of-life system Node.
"""

from infra_lib.node import configure_jsii_node

configure_jsii_node()
