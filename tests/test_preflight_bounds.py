"""Issue 14, preflight's part: templates that used to crash or hang preflight and `cost --template`.

Bad templates are bad input (exit 2, every problem at once, naming the resource and the key,
no traceback); a template past CloudFormation's limits is still checked by the kit's rules
and says why it cannot deploy; cfn-lint runs in a process of its own with a size bound and a
deadline, and says so as a finding when it is skipped or cut off.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sys
import time
from pathlib import Path

import pytest

from infra_lib.preflight import cfn_lint_stage, preflight
from infrakit.cli import main
from infrakit.core.schema.limits import MAX_TEMPLATE_DEPTH, MAX_TEMPLATE_FILE_BYTES
from infrakit.preflight import ModelCosts
from tests.preflight_templates import aurora, eips, many_resources, nested_json, ref, resource, template

TODAY = dt.date(2026, 11, 28)
LINE_LIMIT = 700


def run_cli(capsys, *args: str, seconds: float = 20.0) -> tuple[int, str, str]:
    start = time.perf_counter()
    code = main(list(args))
    elapsed = time.perf_counter() - start
    out, err = capsys.readouterr()
    assert elapsed < seconds, f"{args[:3]} took {elapsed:.1f} s"
    assert "Traceback" not in err and "Traceback" not in out
    assert max((len(line) for line in err.splitlines()), default=0) < LINE_LIMIT
    return code, out, err


def write(tmp_path: Path, name: str, content) -> Path:
    path = tmp_path / name
    path.write_text(content if isinstance(content, str) else json.dumps(content), encoding="utf-8")
    return path


def both_commands(capsys, path: Path) -> list[tuple[int, str]]:
    """`preflight --template` and `cost --template` on the same file."""
    return [run_cli(capsys, "preflight", "--template", str(path), "--offline", "--no-cfn-lint")[::2],
            run_cli(capsys, "cost", "--template", str(path))[::2]]


# --- part 1: tracebacks on templates become exit 2 -------------------------------------------------

@pytest.mark.parametrize("depth", [MAX_TEMPLATE_DEPTH + 5, 990, 5_000, 100_000])
def test_deeply_nested_json_templates_are_bad_input(tmp_path, capsys, depth):
    path = write(tmp_path, "deep.json", nested_json(depth))
    for code, err in both_commands(capsys, path):
        assert code == 2 and f"nests deeper than {MAX_TEMPLATE_DEPTH} levels" in err and "deep.json" in err


@pytest.mark.parametrize("depth", [MAX_TEMPLATE_DEPTH + 5, 990, 5_000])
def test_deeply_nested_yaml_templates_are_bad_input(tmp_path, capsys, depth):
    text = "Resources:\n  B:\n    Type: AWS::S3::Bucket\n    Properties:\n      Tags: " + "[" * depth + "1" + \
        "]" * depth + "\n"
    path = write(tmp_path, "deep.yaml", text)
    for code, err in both_commands(capsys, path):
        assert code == 2 and "nests deeper than" in err and "deep.yaml" in err


def test_nesting_within_the_bound_is_read(tmp_path, capsys):
    path = write(tmp_path, "ok.json", nested_json(MAX_TEMPLATE_DEPTH - 6))
    code, _, err = run_cli(capsys, "preflight", "--template", str(path), "--offline", "--no-cfn-lint")
    assert code == 0, err


@pytest.mark.parametrize("properties,kind", [("hello", "a string"), ([1, 2], "a list"), (5, "a number"),
                                             (True, "a boolean")])
def test_properties_that_are_not_a_mapping_are_bad_input_naming_the_resource(tmp_path, capsys, properties, kind):
    for resource_type in ("AWS::RDS::DBCluster", "AWS::EC2::SecurityGroup", "AWS::EC2::EIP"):
        path = write(tmp_path, "t.json", {"Resources": {"Db": {"Type": resource_type, "Properties": properties}}})
        for code, err in both_commands(capsys, path):
            assert code == 2 and "resource 'Db': Properties is " + kind in err, err


def test_every_shape_problem_at_once(tmp_path, capsys):
    path = write(tmp_path, "t.json", {
        "Parameters": ["x"], "Conditions": "no",
        "Resources": {"A": "text", "B": {"Properties": {}}, "C": {"Type": 5}, "D": {"Type": "AWS::S3::Bucket",
                                                                                "Condition": ["IsProd"],
                                                                                "Metadata": "m", "DependsOn": 3}}})
    code, _, err = run_cli(capsys, "preflight", "--template", str(path), "--offline", "--no-cfn-lint")
    assert code == 2
    for needle in ("Parameters is a list", "Conditions is a string", "resource 'A' is a string",
                   "resource 'B' has no Type", "resource 'C': Type is a number", "resource 'D': Condition is a list",
                   "resource 'D': Metadata is a string", "resource 'D': DependsOn is a number"):
        assert needle in err, needle
    assert "8 problems" in err


@pytest.mark.parametrize("text", ["", "null\n", "[]\n", "just text\n", "Resources: {}\n", "Resources: [a]\n",
                                  "{\"Resources\": 5}", "\ufeff{\"Resources\": {}}"])
def test_documents_that_are_no_template_are_bad_input(tmp_path, capsys, text):
    path = write(tmp_path, "t.yaml", text)
    for code, err in both_commands(capsys, path):
        assert code == 2 and "t.yaml" in err


def test_yaml_alias_bomb_template_is_refused_quickly(tmp_path, capsys):
    lines = ["a: &a [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join([f'*{chr(97 + i)}'] * 10)}]" for i in range(8)]
    text = "Metadata:\n" + "\n".join("  " + line for line in lines) + \
        "\nResources:\n  B:\n    Type: AWS::S3::Bucket\n    Properties:\n      Tags: *i\n"
    path = write(tmp_path, "bomb.yaml", text)
    for code, err in both_commands(capsys, path):
        assert code == 2 and "expands to more than" in err


def test_unknown_short_form_tags_and_duplicate_keys_are_bad_input(tmp_path, capsys):
    path = write(tmp_path, "t.yaml", "Resources:\n  B:\n    Type: AWS::S3::Bucket\n    Properties:\n"
                                     "      BucketName: !Nope x\n")
    code, _, err = run_cli(capsys, "preflight", "--template", str(path), "--offline", "--no-cfn-lint")
    assert code == 2 and "'!Nope'" in err
    path = write(tmp_path, "t.yaml", "Resources:\n  B:\n    Type: AWS::S3::Bucket\n  B:\n    Type: AWS::SNS::Topic\n")
    code, _, err = run_cli(capsys, "preflight", "--template", str(path), "--offline", "--no-cfn-lint")
    assert code == 2 and "'B' appears twice" in err


def test_yaml_templates_read_as_cloudformation_reads_them():
    from infrakit.core.yamlio import load_template_yaml_text

    data = load_template_yaml_text("AWSTemplateFormatVersion: 2010-09-09\nA: 1:30\nB: 010\nC: !GetAtt Db.Endpoint.Port\n"
                                   "D: !Sub ['${X}', {X: !Ref Y}]\nE: !Condition IsProd\nF: !Not [!Equals [a, b]]\n")
    assert data == {"AWSTemplateFormatVersion": "2010-09-09", "A": "1:30", "B": 10,
                    "C": {"Fn::GetAtt": ["Db", "Endpoint.Port"]}, "D": {"Fn::Sub": ["${X}", {"X": {"Ref": "Y"}}]},
                    "E": {"Condition": "IsProd"}, "F": {"Fn::Not": [{"Fn::Equals": ["a", "b"]}]}}


def test_a_template_file_past_the_read_bound_is_refused_without_reading_it(tmp_path, capsys):
    path = tmp_path / "huge.json"
    with path.open("wb") as handle:  # sparse: no disk used
        handle.truncate(MAX_TEMPLATE_FILE_BYTES + 1)
    code, _, err = run_cli(capsys, "preflight", "--template", str(path), "--offline", seconds=3)
    assert code == 2 and f"at most {MAX_TEMPLATE_FILE_BYTES:,} bytes" in err


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="no /dev/zero")
def test_a_device_without_end_is_refused_not_read_forever(capsys):
    code, _, err = run_cli(capsys, "preflight", "--template", "/dev/zero", "--offline", seconds=10)
    assert code == 2 and "larger than" in err


@pytest.mark.parametrize("manifest,needle", [
    ("[1, 2]", "an 'artifacts' mapping"),
    ('{"artifacts": [1]}', "an 'artifacts' mapping"),
    ('{"artifacts": {"S": "x"}}', "artifact 'S' is not a mapping"),
    ('{"artifacts": {"S": {"type": "aws:cloudformation:stack", "properties": {"templateFile": 5}}}}',
     "properties.templateFile"),
    ('{"artifacts": {"S": {"type": "aws:cloudformation:stack", "environment": 3}}}', "environment as strings"),
    ('{"artifacts": {"S": {"type": "aws:cloudformation:stack", "properties": "x"}}}', "properties.templateFile"),
    ('{"artifacts": ', "not a cloud assembly manifest"),
    ('{"artifacts": {}}', "holds no CloudFormation stack"),
    ("[" * 5000 + "]" * 5000, "not a cloud assembly manifest"),
])
def test_malformed_manifests_are_bad_input(tmp_path, capsys, manifest, needle):
    (tmp_path / "manifest.json").write_text(manifest)
    code, _, err = run_cli(capsys, "preflight", "--assembly", str(tmp_path), "--offline")
    assert code == 2 and needle in err, err


def test_an_assembly_whose_template_is_missing_or_broken_is_bad_input(tmp_path, capsys):
    (tmp_path / "manifest.json").write_text(json.dumps({"artifacts": {"S": {
        "type": "aws:cloudformation:stack", "environment": "aws://unknown-account/eu-west-1",
        "properties": {"templateFile": "S.template.json"}}}}))
    code, _, err = run_cli(capsys, "preflight", "--assembly", str(tmp_path), "--offline")
    assert code == 2 and "S.template.json does not exist" in err
    (tmp_path / "S.template.json").write_text('{"Resources": {"Db": {"Type": "AWS::RDS::DBCluster", '
                                              '"Properties": "x"}}}')
    code, _, err = run_cli(capsys, "preflight", "--assembly", str(tmp_path), "--offline")
    assert code == 2 and "--assembly:" in err and "Properties is a string" in err


def nested_parent(path_key: str, child: str) -> dict:
    if path_key == "asset":
        return template(Child={"Type": "AWS::CloudFormation::Stack", "Properties": {"TemplateURL": "https://x"},
                               "Metadata": {"aws:asset:path": child}})
    return template(Child={"Type": "AWS::CloudFormation::Stack", "Properties": {"TemplateURL": child}})


@pytest.mark.parametrize("path_key", ["asset", "local-url"])
def test_a_nested_stack_whose_child_template_is_yaml_is_checked(tmp_path, capsys, path_key):
    (tmp_path / "child.yaml").write_text("Parameters:\n  Version: {Type: String, Default: '15.3'}\nResources:\n"
                                         "  Db:\n    Type: AWS::RDS::DBCluster\n    Properties:\n"
                                         "      Engine: aurora-postgresql\n      EngineVersion: !Ref Version\n"
                                         "      StorageEncrypted: true\n")
    parent = write(tmp_path, "parent.json", nested_parent(path_key, "child.yaml"))
    code, out, err = run_cli(capsys, "preflight", "--template", str(parent), "--offline", "--no-cfn-lint", "--json")
    assert code == 1, err
    found = {(f["rule_id"], f["check"]): f for f in json.loads(out)["findings"]}
    assert found[("RDS-ENGINE-VERSION", "deprecated")]["resource"] == "Child/Db"


def test_a_parent_passes_its_parameter_values_to_the_nested_template(tmp_path):
    (tmp_path / "child.yaml").write_text("Parameters:\n  Version: {Type: String, Default: '15.3'}\n"
                                         "  Encrypt: {Type: String, Default: 'false'}\nResources:\n"
                                         "  Db:\n    Type: AWS::RDS::DBCluster\n    Properties:\n"
                                         "      Engine: aurora-postgresql\n      EngineVersion: !Ref Version\n"
                                         "      StorageEncrypted: !Ref Encrypt\n")
    parent = nested_parent("local-url", "child.yaml")
    parent["Parameters"] = {"PgVersion": {"Type": "String", "Default": "17.7"}}
    parent["Resources"]["Child"]["Properties"]["Parameters"] = {"Version": ref("PgVersion"), "Encrypt": "true"}
    report = preflight(parent, region="us-east-1", today=TODAY, cfn_lint=False, costs=ModelCosts(),
                       template_dir=tmp_path)
    assert not [f for f in report.findings if f.rule_id in ("STORAGE-ENCRYPTION", "RDS-ENGINE-VERSION")
                and f.severity == "error"], [f.message for f in report.findings]
    # A value the parent cannot know before deploy is not replaced by the child's default.
    parent["Resources"]["Child"]["Properties"]["Parameters"] = {"Version": {"Fn::GetAtt": ["Other", "Outputs.V"]},
                                                                "Encrypt": "true"}
    report = preflight(parent, region="us-east-1", today=TODAY, cfn_lint=False, costs=ModelCosts(),
                       template_dir=tmp_path)
    checks = {f.check for f in report.findings if f.rule_id == "RDS-ENGINE-VERSION"}
    assert checks == {"unverified"}, checks


def test_a_malformed_nested_template_is_bad_input_naming_the_nested_stack(tmp_path, capsys):
    (tmp_path / "child.yaml").write_text("Resources:\n  Db:\n    Type: AWS::RDS::DBCluster\n    Properties: [1]\n")
    parent = write(tmp_path, "parent.json", nested_parent("asset", "child.yaml"))
    code, _, err = run_cli(capsys, "preflight", "--template", str(parent), "--offline", "--no-cfn-lint")
    assert code == 2 and "nested stack Child" in err and "Properties is a list" in err


def test_nested_stacks_that_nest_each_other_end(tmp_path, capsys):
    write(tmp_path, "a.json", nested_parent("asset", "b.json"))
    write(tmp_path, "b.json", nested_parent("asset", "a.json"))
    code, out, err = run_cli(capsys, "preflight", "--template", str(tmp_path / "a.json"), "--offline",
                             "--no-cfn-lint", "--json", seconds=10)
    assert code == 0, err
    messages = [f["message"] for f in json.loads(out)["findings"] if f["check"] == "nested-stack-not-checked"]
    assert messages and ("a cycle" in messages[0] or "nested more than" in messages[0])


def test_huge_template_values_are_cut_in_findings():
    big = "9" * 1_000_000
    tpl = template(**aurora(version=big, encrypted=big), Cert=resource(
        "AWS::CertificateManager::Certificate", DomainName="x" * 500_000 + ".example.com", ValidationMethod="DNS"))
    tpl["Resources"]["L" * 100_000] = resource("AWS::S3::Bucket")
    report = preflight(tpl, region="us-east-1", today=TODAY, cfn_lint=False, costs=ModelCosts())
    assert report.findings
    for finding in report.findings:
        assert len(finding.message) <= 2_000 and len(finding.resource) <= 300 and len(finding.fix) <= 1_000
    assert any(f.check == "logical-id" for f in report.findings)


# --- part 2: cfn-lint bounded; the kit's rules run regardless ------------------------------------

def test_a_template_past_cloudformations_limits_is_still_checked_and_lint_is_skipped(tmp_path, capsys):
    tpl = many_resources(520, extra={**aurora(version="15.3"), **eips(6)})
    path = write(tmp_path, "big.json", tpl)
    code, out, err = run_cli(capsys, "preflight", "--template", str(path), "--offline", "--json", seconds=30)
    data = json.loads(out)
    checks = {(f["rule_id"], f["check"]) for f in data["findings"]}
    assert code == 1
    assert ("CFN-TEMPLATE-LIMITS", "too-many-resources") in checks
    assert ("RDS-ENGINE-VERSION", "deprecated") in checks and ("EC2-EIP-QUOTA", "over-quota") in checks
    assert ("PREFLIGHT", "cfn-lint-skipped") in checks and data["data_source"]["cfn_lint_status"] == "skipped"
    assert not [f for f in data["findings"] if f["rule_id"].startswith("CFN-LINT-")]


@pytest.mark.slow
def test_a_twenty_megabyte_template_is_checked_within_a_bound(tmp_path, capsys):
    """The attack's 20 MB template took 359 s and 668 MB in cfn-lint, silent until the end."""
    path = tmp_path / "huge.json"
    path.write_text(json.dumps(many_resources(100_000, extra=aurora(version="15.3")), indent=1))  # as CDK writes
    assert path.stat().st_size > 20_000_000
    code, out, err = run_cli(capsys, "preflight", "--template", str(path), "--offline", "--json", seconds=120)
    data = json.loads(out)
    checks = {(f["rule_id"], f["check"]) for f in data["findings"]}
    assert code == 1 and ("CFN-TEMPLATE-LIMITS", "template-too-large") in checks
    assert ("RDS-ENGINE-VERSION", "deprecated") in checks and ("PREFLIGHT", "cfn-lint-skipped") in checks


@pytest.mark.slow
def test_cfn_lint_is_cut_off_at_its_deadline_said_as_a_finding_and_leaves_no_process(capsys):
    tpl = many_resources(400, extra=aurora(version="15.3"))
    started = time.perf_counter()
    lint = cfn_lint_stage.start(tpl, "us-east-1", timeout_s=0.5)
    findings = lint.result()
    assert time.perf_counter() - started < 5
    assert lint.process.returncode is not None  # reaped
    with pytest.raises(ProcessLookupError):
        os.kill(lint.process.pid, 0)
    assert [f.check for f in findings if f.rule_id == "PREFLIGHT"] == ["cfn-lint-timeout"]
    report = preflight(tpl, region="us-east-1", today=TODAY, costs=ModelCosts(), cfn_lint_timeout_s=0.5)
    assert report.data_source["cfn_lint_status"] == "timed-out"
    assert {f.check for f in report.findings if f.rule_id == "RDS-ENGINE-VERSION"} >= {"deprecated"}
    timeout = next(f for f in report.findings if f.check == "cfn-lint-timeout")
    assert timeout.severity == "warning" and "0 s" in timeout.message or "stopped after" in timeout.message


@pytest.mark.slow
def test_slow_cfn_lint_says_so_while_it_runs(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(cfn_lint_stage, "PROGRESS_AFTER_S", 0.2)
    path = write(tmp_path, "t.json", many_resources(400))
    code, out, err = run_cli(capsys, "preflight", "--template", str(path), "--offline", "--json",
                             "--cfn-lint-timeout", "1", seconds=15)
    assert "cfn-lint is still running" in err and "stopped at 1 s" in err
    assert json.loads(out)["data_source"]["cfn_lint_status"] == "timed-out"  # stdout stays one JSON document


def test_interrupting_preflight_stops_the_cfn_lint_worker():
    lint = cfn_lint_stage.start(many_resources(400), "us-east-1", timeout_s=30)

    def interrupt(message):
        raise KeyboardInterrupt

    original = cfn_lint_stage.PROGRESS_AFTER_S
    cfn_lint_stage.PROGRESS_AFTER_S = 0.1
    try:
        with pytest.raises(KeyboardInterrupt):
            lint.result(progress=interrupt)
    finally:
        cfn_lint_stage.PROGRESS_AFTER_S = original
    assert lint.process.returncode is not None


def test_a_crashing_or_starved_worker_is_a_finding_not_a_crash(tmp_path, monkeypatch):
    crash = tmp_path / "crash.py"
    crash.write_text("import sys\nsys.stderr.write('worker exploded\\n')\nsys.exit(7)\n")
    monkeypatch.setattr(cfn_lint_stage, "WORKER", crash)
    (finding,) = cfn_lint_stage.run(template(**eips(1)), "us-east-1")
    assert finding.check == "cfn-lint-failed" and "exit 7" in finding.message and "worker exploded" in finding.message
    monkeypatch.setattr(cfn_lint_stage, "WORKER", Path(cfn_lint_stage.__file__).with_name("cfn_lint_worker.py"))
    (finding,) = cfn_lint_stage.run(template(**eips(1)), "us-east-1", memory_bytes=64 * 2**20)
    assert finding.check == "cfn-lint-failed"


@pytest.mark.slow
def test_cfn_lint_in_its_worker_finds_what_cfn_lint_finds_in_process():
    from cfnlint.api import ManualArgs, lint

    tpl = template(Subnet=resource("AWS::EC2::Subnet", VpcId="vpc-1", CidrBlock="10.0.0.0/24",
                                   AvailabilityZone="us-east-1a"),
                   Bucket=resource("AWS::S3::Bucket", VersioningConfiguration="yes"))
    expected = sorted(f"CFN-LINT-{m.rule.id}" for m in lint(json.dumps(tpl), config=ManualArgs(regions=["us-east-1"])))
    found = sorted(f.rule_id for f in cfn_lint_stage.run(tpl, "us-east-1"))
    assert found == expected and "CFN-LINT-W3010" in found


def test_cfn_lint_timeout_flag_is_checked(capsys):
    for value in ("0", "-1", "nan", "inf", "99999"):
        code, _, err = run_cli(capsys, "preflight", "--template", "x.json", "--cfn-lint-timeout", value)
        assert code == 2 and "--cfn-lint-timeout" in err


def test_the_worker_runs_without_the_kit_on_its_path():
    source = Path(cfn_lint_stage.__file__).with_name("cfn_lint_worker.py").read_text()
    imports = [line for line in source.splitlines() if line.lstrip().startswith(("import ", "from "))]
    assert all(("infra" not in line and "cost_model" not in line) for line in imports), imports
    assert sys.executable
