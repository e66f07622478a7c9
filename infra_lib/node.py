"""Deprecated import path: this module lives in ``infra_lib.cdk.node``."""

from infra_lib.cdk.node import *  # noqa: F401,F403
from infra_lib.cdk.node import MINIMUM_NODE_MAJOR, configure_jsii_node, node_version, venv_node  # noqa: F401
