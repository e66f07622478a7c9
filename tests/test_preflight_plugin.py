"""PreflightPlugin: infrakit preflight as a CDK policy-validation plugin.

The slow tests run a CDK app written the way a user writes one (tests/fixtures/user_apps/orders,
copied to a scratch folder): `python app.py` and the pinned `cdk synth`, a planted Aurora
engine 16.99 failing the synthesis and a clean app passing. The fast ones check the plugin's
keywords and its report on hand-made templates, without synthesizing.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

from infrakit.core.errors import InputError
from tests.conftest import ROOT

APP = ROOT / "tests" / "fixtures" / "user_apps" / "orders"
CDK = ROOT / "node_modules" / ".bin" / "cdk"
PLANTED = "16.99"


def _template(version: str = PLANTED, metadata: dict | None = None) -> dict:
    cluster = {"Type": "AWS::RDS::DBCluster",
               "Properties": {"Engine": "aurora-postgresql", "EngineVersion": version, "StorageEncrypted": True}}
    if metadata:
        cluster["Metadata"] = metadata
    return {"Resources": {"OrdersCluster1A2B3C": cluster}}


def _stack(tmp_path: Path, template: dict, *, name: str = "Orders-dev", region: str | None = None):
    from infra_lib.preflight.plugin import StackTemplate

    path = tmp_path / f"{name}.template.json"
    path.write_text(json.dumps(template))
    return StackTemplate(template_path=str(path), construct_path=name, stack_name=name, region=region)


def test_importing_preflight_needs_no_cdk_until_the_plugin_is_asked_for():
    code = ("import sys, infra_lib.preflight\n"
            "before = 'aws_cdk' in sys.modules\n"
            "from infra_lib.preflight import PreflightPlugin\n"
            "from infra_lib.preflight.plugin import PreflightPlugin as Same\n"
            "import aws_cdk\n"
            "print(before, PreflightPlugin is Same, 'aws_cdk' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["False", "True", "True"]


def test_bad_keywords_are_every_problem_at_once():
    from infra_lib.preflight import PreflightPlugin

    with pytest.raises(InputError) as info:
        PreflightPlugin(offline=True, live=True, region="mars-north-1x", suppress=["RDS-ENGINE-VERSION=short"])
    text = str(info.value)
    assert "3 problems" in text
    assert "offline=True, live=True" in text and "'mars-north-1x'" in text
    assert "PreflightPlugin(suppress=...) 'RDS-ENGINE-VERSION=short'" in text and "10 characters" in text


def test_an_error_finding_fails_naming_the_rule_and_resource(tmp_path):
    from infra_lib.preflight import PreflightPlugin

    plugin = PreflightPlugin(cfn_lint=False)
    report = plugin.check([_stack(tmp_path, _template(), region="eu-west-1")])
    assert report["success"] is False
    errors = [v for v in report["violations"] if v["severity"] == "error"]
    assert [v["rule_name"] for v in errors] == ["RDS-ENGINE-VERSION"]
    violation = errors[0]
    assert violation["violating_resources"] == [{"locations": [], "resource_logical_id": "OrdersCluster1A2B3C",
                                                 "template_path": str(tmp_path / "Orders-dev.template.json")}]
    assert violation["description"].startswith("RDS-ENGINE-VERSION on OrdersCluster1A2B3C: aurora-postgresql 16.99")
    assert "eu-west-1" in violation["description"] and "[source: catalog" in violation["description"]
    assert violation["fix"] and violation["rule_metadata"]["check"]
    assert "eu-west-1 (region from the stack's environment)" in report["metadata"]["stack Orders-dev"]
    assert plugin.reports[0].data_source["region"] == "eu-west-1"


def test_a_clean_template_succeeds(tmp_path):
    from infra_lib.preflight import PreflightPlugin

    report = PreflightPlugin(cfn_lint=False).check([_stack(tmp_path, _template("16.8"), region="eu-west-1")])
    assert report["success"] is True
    assert not [v for v in report["violations"] if v["severity"] == "error"]


@pytest.mark.parametrize("how", ["keyword", "template metadata"])
def test_suppressions_are_the_clis(tmp_path, how):
    from infra_lib.preflight import PreflightPlugin

    reason = "planted on purpose: this test checks suppressions"
    if how == "keyword":
        plugin = PreflightPlugin(cfn_lint=False, suppress=[f"RDS-ENGINE-VERSION:OrdersCluster1A2B3C={reason}"])
        template = _template()
    else:
        plugin = PreflightPlugin(cfn_lint=False)
        template = _template(metadata={"infrakit": {"preflight_suppressions": [
            {"id": "RDS-ENGINE-VERSION", "reason": reason}]}})
    report = plugin.check([_stack(tmp_path, template, region="eu-west-1")])
    assert report["success"] is True
    assert "RDS-ENGINE-VERSION" not in [v["rule_name"] for v in report["violations"]]
    assert report["metadata"]["suppressed in Orders-dev"] == f"RDS-ENGINE-VERSION on OrdersCluster1A2B3C: {reason}"


def test_each_stack_in_its_own_region_then_the_keyword_then_the_environment(tmp_path, monkeypatch):
    from infra_lib.preflight import PreflightPlugin

    for variable in ("AWS_REGION", "AWS_DEFAULT_REGION", "CDK_DEFAULT_REGION"):
        monkeypatch.delenv(variable, raising=False)
    own = _stack(tmp_path, _template("16.8"), name="A", region="eu-west-1")
    agnostic = _stack(tmp_path, _template("16.8"), name="B")
    plugin = PreflightPlugin(cfn_lint=False, region="ap-southeast-2")
    plugin.check([own, agnostic])
    assert [r.data_source["region"] for r in plugin.reports] == ["eu-west-1", "ap-southeast-2"]
    assert plugin.reports[1].data_source["region_from"] == "PreflightPlugin(region=...)"
    monkeypatch.setenv("AWS_REGION", "ca-central-1")
    assert PreflightPlugin().region_for(agnostic) == ("ca-central-1", "AWS_REGION")
    monkeypatch.delenv("AWS_REGION")
    assert PreflightPlugin().region_for(agnostic)[0] == "us-east-1"


def test_offline_by_default_and_live_uses_the_callers_session(tmp_path, monkeypatch):
    """live=True asks the AWS APIs through the session given; here a closed local port, so every
    call fails fast and the findings say the checks were not verified (never real AWS)."""
    import boto3

    from infra_lib.preflight import PreflightPlugin

    stack = _stack(tmp_path, _template("16.8"), region="eu-west-1")
    offline = PreflightPlugin(cfn_lint=False)
    offline.check([stack])
    assert offline.reports[0].data_source["mode"] == "offline"
    assert PreflightPlugin(offline=False)._live is True and PreflightPlugin(live=False)._live is False

    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")  # discard port: connection refused
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")
    session = boto3.session.Session(aws_access_key_id="testing", aws_secret_access_key="testing",
                                    region_name="eu-west-1")
    live = PreflightPlugin(live=True, cfn_lint=False, session=session)
    report = live.check([stack])
    assert live.reports[0].data_source["mode"] == "live" and report["metadata"]["mode"] == "live"
    assert "live AWS APIs in eu-west-1" in report["metadata"]["stack Orders-dev"]


def test_a_template_it_cannot_read_fails_the_synthesis_with_the_reason(tmp_path):
    from infra_lib.preflight import PreflightPlugin
    from infra_lib.preflight.plugin import StackTemplate

    missing = StackTemplate(str(tmp_path / "gone.template.json"), "Gone", "Gone", "eu-west-1")
    report = PreflightPlugin(cfn_lint=False).check([missing])
    assert report["success"] is False
    assert report["violations"][0]["rule_name"] == "PREFLIGHT"
    assert "could not check stack Gone" in report["violations"][0]["description"]
    assert report["violations"][0]["violating_resources"] == [{"locations": [], "construct_path": "Gone"}]


def test_the_cdk_report_and_an_older_context(tmp_path):
    import aws_cdk as cdk

    from infra_lib.preflight.plugin import PreflightPlugin, _to_cdk_report, stack_templates

    (tmp_path / "manifest.json").write_text(json.dumps({"artifacts": {"Orders": {
        "type": "aws:cloudformation:stack", "environment": "aws://unknown-account/eu-west-1",
        "properties": {"templateFile": "Orders.template.json", "stackName": "orders-dev"}}}}))
    (tmp_path / "Orders.template.json").write_text(json.dumps(_template()))

    class Beta1Context:  # templatePaths only, as an older aws-cdk-lib passes
        template_paths = [str(tmp_path / "Orders.template.json")]

        @property
        def stack_templates(self):
            raise AttributeError("stackTemplates")

    stacks = stack_templates(Beta1Context())
    assert [(s.stack_name, s.construct_path, s.region) for s in stacks] == [("orders-dev", "Orders", "eu-west-1")]
    current = SimpleNamespace(stack_templates=[SimpleNamespace(
        template_path=str(tmp_path / "Orders.template.json"), stack_construct_path="Stage/Orders", region=None)])
    assert stack_templates(current)[0].region == "eu-west-1"  # the manifest fills a region the context lacks
    report = _to_cdk_report(PreflightPlugin(cfn_lint=False).check(stacks))
    assert isinstance(report, cdk.PolicyValidationPluginReport) and report.success is False
    violation = next(v for v in report.violations if v.rule_name == "RDS-ENGINE-VERSION")
    assert violation.severity == "error" and violation.violating_resources[0].resource_logical_id == "OrdersCluster1A2B3C"
    assert PreflightPlugin().name == "infrakit-preflight" and "RDS-ENGINE-VERSION" in PreflightPlugin().rule_ids


# --- a user's app, synthesized -----------------------------------------------------------------

def _user_env(tmp_path: Path) -> dict[str, str]:
    """A user's shell: the venv first on PATH, no pytest variables (the CDK would change mode),
    no AWS account (offline; the instance metadata service is not probed)."""
    from infra_lib.cdk.node import venv_node

    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("PYTEST", "AWS_", "CDK_")) and k not in ("JSII_NODE",)}
    env.update(PATH=f"{ROOT / '.venv' / 'bin'}:/usr/bin:/bin", HOME=str(tmp_path / "home"),
               JSII_NODE=str(venv_node()), AWS_EC2_METADATA_DISABLED="true", PYTHONPATH=str(ROOT))
    (tmp_path / "home").mkdir(exist_ok=True)
    return env


def _project(tmp_path: Path) -> Path:
    project = tmp_path / "orders"
    shutil.copytree(APP, project, ignore=shutil.ignore_patterns("__pycache__", "cdk.out", "cdk.context.json"))
    return project


def _python_synth(tmp_path: Path, **context) -> tuple[subprocess.CompletedProcess, Path]:
    """`python app.py` as a user runs it, with context as `cdk.json` would pass it."""
    project, out = _project(tmp_path), tmp_path / "cdk.out"
    env = {**_user_env(tmp_path), "CDK_OUTDIR": str(out), "CDK_CONTEXT_JSON": json.dumps(context)}
    done = subprocess.run([str(ROOT / ".venv" / "bin" / "python"), "app.py"], cwd=project, env=env,
                          capture_output=True, text=True, timeout=600)
    return done, out


def _our_report(out: Path) -> dict | None:
    path = out / "validation-report.json"
    if not path.exists():
        return None
    reports = json.loads(path.read_text())["pluginReports"]
    return next((r for r in reports if r["pluginName"] == "infrakit-preflight"), None)


def _cluster_id(out: Path) -> str:
    template = json.loads((out / "OrdersDatabase-dev.template.json").read_text())
    return next(k for k, r in template["Resources"].items() if r["Type"] == "AWS::RDS::DBCluster")


@pytest.mark.slow
def test_a_planted_engine_version_fails_a_users_synth(tmp_path):
    done, out = _python_synth(tmp_path, engine_version=PLANTED, preflight_region="ap-southeast-2")
    assert done.returncode != 0
    cluster = _cluster_id(out)
    assert f"RDS-ENGINE-VERSION on {cluster}: aurora-postgresql 16.99" in done.stderr, done.stderr[-4000:]
    assert "infrakit-preflight::RDS-ENGINE-VERSION" in done.stderr and "ValidationFailed" in done.stderr
    ours = _our_report(out)
    assert ours["conclusion"] == "failure"
    errors = [v for v in ours["violations"] if v["severity"] == "error"]
    assert {v["ruleName"] for v in errors} == {"RDS-ENGINE-VERSION", "CFN-LINT-E3690"}  # cfn-lint agrees
    where = next(v for v in errors if v["ruleName"] == "RDS-ENGINE-VERSION")["violatingConstructs"][0]
    assert where["cloudFormationResource"]["logicalId"] == cluster
    assert where["constructPath"] == "OrdersDatabase-dev/Orders/Resource"
    assert "for eu-west-1 (region from the stack's environment)" in ours["metadata"]["stack OrdersDatabase-dev"]
    assert "for ap-southeast-2 (region from PreflightPlugin(region=...))" in ours["metadata"]["stack Uploads-dev"]


@pytest.mark.slow
def test_a_clean_users_app_synthesizes(tmp_path):
    done, out = _python_synth(tmp_path, cfn_lint="false")
    assert done.returncode == 0, done.stderr[-3000:]
    assert (out / "manifest.json").exists() and (out / "OrdersDatabase-dev.template.json").exists()
    ours = _our_report(out)
    assert ours is None or ours["conclusion"] == "success"
    assert "RDS-ENGINE-VERSION" not in done.stderr


@pytest.mark.slow
def test_the_beta1_app_property_works_too(tmp_path):
    done, out = _python_synth(tmp_path, engine_version=PLANTED, plugin_style="beta1", cfn_lint="false")
    assert done.returncode != 0
    assert f"RDS-ENGINE-VERSION on {_cluster_id(out)}" in done.stderr
    assert _our_report(out)["conclusion"] == "failure"


@pytest.mark.slow
@pytest.mark.parametrize("how", ["acknowledge", "suppress"])
def test_a_user_suppresses_or_acknowledges_the_finding(tmp_path, how):
    reason = "a custom engine build, approved in the change ticket"
    done, out = _python_synth(tmp_path, engine_version=PLANTED, cfn_lint="false", **{how: (
        reason if how == "acknowledge" else f"RDS-ENGINE-VERSION={reason}")})
    assert done.returncode == 0, done.stderr[-3000:]
    ours = _our_report(out)
    if how == "acknowledge":  # the CDK's own mechanism: kept in the report as suppressed, with the reason
        assert ours["conclusion"] == "success"
        suppressed = ours["suppressedViolations"]
        assert [(v["ruleName"], v["reason"]) for v in suppressed] == [("RDS-ENGINE-VERSION", reason)]
    else:
        assert ours is None or not [v for v in ours["violations"] if v["ruleName"] == "RDS-ENGINE-VERSION"]


@pytest.mark.slow
@pytest.mark.skipif(not CDK.exists(), reason="the pinned CDK CLI is not installed (make setup)")
def test_cdk_synth_fails_on_the_planted_version_and_passes_the_clean_app(tmp_path):
    project = _project(tmp_path)
    env = _user_env(tmp_path)

    def synth(*context: str) -> subprocess.CompletedProcess:
        args = [str(CDK), "synth", "--no-notices", "-q", "-o", str(tmp_path / "cdk.out"), "-c", "cfn_lint=false"]
        for item in context:
            args += ["-c", item]
        return subprocess.run(args, cwd=project, env=env, capture_output=True, text=True, timeout=600)

    failed = synth(f"engine_version={PLANTED}")
    assert failed.returncode != 0
    assert "RDS-ENGINE-VERSION on" in failed.stderr and "Synthesis finished with errors" in failed.stderr
    assert "Set EngineVersion to 16.8" in failed.stderr  # the fix, from the dated catalog
    passed = synth()
    assert passed.returncode == 0, passed.stderr[-3000:]
    assert not (project / "cdk.context.json").exists() or json.loads((project / "cdk.context.json").read_text()) == {}
