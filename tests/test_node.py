"""jsii runs CDK synth on the venv's Node 24, not the end-of-life system Node."""

import json
import os
import subprocess
import sys

import pytest

from infra_lib.cdk.node import MINIMUM_NODE_MAJOR, node_version, venv_node
from tests.conftest import ROOT

SYNTH = """
import json, os
import infra_lib.cdk  # noqa: F401  (sets JSII_NODE before aws_cdk starts jsii)
import aws_cdk as cdk
from aws_cdk import aws_sqs as sqs
app = cdk.App()
stack = cdk.Stack(app, "Probe")
sqs.Queue(stack, "Queue")
template = app.synth().get_stack_by_name("Probe").template
print(json.dumps({"jsii_node": os.environ["JSII_NODE"], "types": sorted({r["Type"] for r in template["Resources"].values()})}))
"""


def test_venv_node_is_supported():
    assert node_version(venv_node())[0] >= MINIMUM_NODE_MAJOR


@pytest.mark.slow
def test_synth_uses_venv_node_without_banners():
    env = {k: v for k, v in os.environ.items() if not k.startswith("JSII_")}
    env["PATH"] = "/usr/bin:/bin"  # the system node (if any) comes first on PATH
    proc = subprocess.run([sys.executable, "-c", SYNTH], capture_output=True, text=True, cwd=ROOT, env=env,
                          timeout=300)
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    assert result["jsii_node"] == str(venv_node())
    assert result["types"] == ["AWS::SQS::Queue"]
    for banner in ("end-of-life", "not supported", "untested", "deprecated"):
        assert banner not in proc.stderr.lower(), proc.stderr
