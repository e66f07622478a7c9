"""Checks on the synthesized stack: cdk-nag (AWS Solutions + PCI DSS 3.2.1), cfn-lint, and
that the standard CDK CLI synthesizes exactly what infrakit synthesizes in-process."""

import itertools
import json
import os
import subprocess

import pytest

from infra_lib.cdk.nag import ACKNOWLEDGEMENTS
from infrakit.core.schema import validate_scenario
from tests.conftest import ECR_IMAGE, HTTPS, ROOT

pytestmark = pytest.mark.slow


def test_cdk_nag_packs_have_zero_unacknowledged_findings(tmp_path):
    import aws_cdk as cdk

    from infra_lib.cdk.nag import add_rule_packs
    from infra_lib.cdk.synth import add_stack, cdk_context

    app = cdk.App(outdir=str(tmp_path), context=cdk_context())
    add_rule_packs(app)
    for i, (nat, protocol, environment, image) in enumerate(itertools.product(
            ["per_az", "single", "regional", "none"], ["HTTP", "HTTPS"], ["dev", "prod"],
            [ECR_IMAGE, "public.ecr.aws/nginx/nginx:stable"])):
        if nat == "none" and not image.startswith("1"):
            continue
        raw = {"nat_strategy": nat, "environment": environment, "environment_suffix": f"nag{i}",
               "reader_count": 1, "container_image": image, **(HTTPS if protocol == "HTTPS" else {})}
        add_stack(app, validate_scenario(raw))
    try:
        app.synth()
    except Exception as exc:  # the report names every unacknowledged finding
        report = json.loads((tmp_path / "validation-report.json").read_text())
        findings = sorted({(v["ruleName"], c["constructPath"].split("/", 1)[1])
                           for p in report["pluginReports"] for v in p["violations"] for c in v["violatingConstructs"]})
        pytest.fail(f"cdk-nag findings without an acknowledgement in infra_lib/nag.py: {findings}\n{exc}")


def test_every_acknowledgement_has_a_real_reason_and_a_known_pack():
    for ack in ACKNOWLEDGEMENTS:
        pack, rule = ack.rule.split("::", 1)
        assert pack in ("AwsSolutions", "PCI.DSS.321") and rule.startswith(pack), ack.rule
        assert len(ack.reason) >= 40 and ack.reason.rstrip().endswith("."), ack.rule


def test_cfn_lint_finds_no_errors_on_the_sample_grid(grid_results):
    from cfnlint.api import ManualArgs, lint

    for scenario, result in grid_results[::3]:
        matches = lint(json.dumps(result.template), config=ManualArgs(regions=[scenario["region"]]))
        errors = [f"{m.rule.id} {m.message}" for m in matches if m.rule.id.startswith("E")]
        assert errors == [], result.stack_name
        # W3010 (hard-coded AZs) is by design: real AZ names, never dummy1a.
        others = {m.rule.id for m in matches} - {"W3010", "W3005"}
        assert not others, (result.stack_name, others)


def test_cdk_cli_synth_matches_in_process_synth(tmp_path):
    from infra_lib.cdk.synth import synth
    from infrakit.core.schema import load_scenario

    params = ROOT / "notebooks" / "params" / "dev.yaml"
    env = {**os.environ, "PATH": f"{ROOT / '.venv' / 'bin'}{os.pathsep}{os.environ['PATH']}"}
    proc = subprocess.run([str(ROOT / "node_modules" / ".bin" / "cdk"), "synth", "--quiet", "-c", f"scenario={params}",
                           "-o", str(tmp_path / "cdk.out")], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=300)
    assert proc.returncode == 0, proc.stderr
    from_cli = json.loads((tmp_path / "cdk.out" / "PaymentApi-dev.template.json").read_text())
    in_process = synth(load_scenario(params), cache=False).template
    assert _without_cli_metadata(from_cli) == _without_cli_metadata(in_process)
    assert len(in_process["Resources"]) > 30


def _without_cli_metadata(template):
    """The CLI adds construct-path metadata and version reporting (CDKMetadata); nothing else may differ."""
    resources = {k: {f: v for f, v in r.items() if f != "Metadata"}
                 for k, r in template["Resources"].items() if r["Type"] != "AWS::CDK::Metadata"}
    conditions = {k: v for k, v in template.get("Conditions", {}).items() if k != "CDKMetadataAvailable"}
    return {**template, "Resources": resources, "Conditions": conditions}


def test_cdk_cli_refuses_a_deprecated_engine_before_synth(tmp_path):
    env = {**os.environ, "PATH": f"{ROOT / '.venv' / 'bin'}{os.pathsep}{os.environ['PATH']}"}
    proc = subprocess.run([str(ROOT / "node_modules" / ".bin" / "cdk"), "synth", "-c",
                           f"scenario={ROOT / 'notebooks' / 'params' / 'seed_model.yaml'}", "-o", str(tmp_path)],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode != 0
    assert "15.3 is deprecated" in proc.stderr and "15.10 (LTS)" in proc.stderr
