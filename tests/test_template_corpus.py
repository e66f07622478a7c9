"""The template corpus (tests/corpus/): templates written in the forms published templates use,
each with the verdict preflight must give it (tests/corpus/expected.yaml).

The forms: parameters with defaults feeding engine versions, ports and encryption flags;
resource Conditions; Fn::If with AWS::NoValue; Aurora Serverless v1; read replicas; a
security group shared by a load balancer and instances; nested stacks (a local TemplateURL
and a cloud assembly's asset); short-form YAML tags; `cdk synth` output.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
import yaml

from infrakit.cli import main
from infrakit.preflight import preflight_template
from infrakit.templates import load_template_file

CORPUS = Path(__file__).parent / "corpus"
EXPECTED: dict = yaml.safe_load((CORPUS / "expected.yaml").read_text(encoding="utf-8"))
TODAY = dt.date(2026, 11, 28)
KEYS = {"verdict", "errors", "present", "absent", "cfn_lint", "environment", "error_resources"}


def templates() -> list[str]:
    return sorted(str(p.relative_to(CORPUS)) for p in CORPUS.rglob("*")
                  if p.suffix in (".yaml", ".json") and p.name != "expected.yaml")


def check(name: str, *, cfn_lint: bool = False):
    path = CORPUS / name
    return preflight_template(load_template_file(path), region="us-east-1", live=False, cfn_lint=cfn_lint,
                              today=TODAY, template_dir=path.parent, template_bytes=path.stat().st_size,
                              stack_name=path.name.split(".")[0])


def pairs(report, *severities: str) -> set[str]:
    return {f"{f.rule_id}/{f.check}" for f in report.findings
            if not f.suppressed and (not severities or f.severity in severities)}


def test_every_corpus_template_has_a_verdict_and_every_verdict_a_template():
    assert sorted(EXPECTED) == templates()
    for name, expected in EXPECTED.items():
        assert set(expected) <= KEYS and expected["verdict"] in ("passes", "fails"), name
        assert (expected["verdict"] == "passes") == (not expected["errors"]), name


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_preflight_gives_the_expected_verdict(name):
    expected = EXPECTED[name]
    report = check(name)
    found = pairs(report)
    assert report.passed == (expected["verdict"] == "passes"), [f.message for f in report.errors]
    assert pairs(report, "error") == set(expected["errors"]), [f.message for f in report.errors]
    assert set(expected.get("present", [])) <= found, found
    assert not set(expected.get("absent", [])) & found, [f.message for f in report.findings
                                                         if f"{f.rule_id}/{f.check}" in expected.get("absent", [])]
    if "environment" in expected:
        assert report.data_source["environment"] == expected["environment"]
    if "error_resources" in expected:
        assert sorted(f.resource for f in report.errors) == sorted(expected["error_resources"])


def test_the_cli_exits_as_each_verdict_says(capsys):
    """Through the real entry point (the YAML short forms, nested files, exit codes)."""
    for name, expected in EXPECTED.items():
        code = main(["preflight", "--template", str(CORPUS / name), "--offline", "--no-cfn-lint", "--json"])
        out = capsys.readouterr().out
        assert code == (0 if expected["verdict"] == "passes" else 1), name
        assert json.loads(out)["passed"] is (expected["verdict"] == "passes"), name


@pytest.mark.slow
def test_cfn_lint_agrees_with_the_corpus():
    """The corpus is valid CloudFormation: cfn-lint (pinned) fires exactly the rules expected on
    each file alone (in process here, for speed; preflight runs the same cfn-lint in its worker)."""
    from cfnlint.api import ManualArgs, lint

    for name, expected in EXPECTED.items():
        text = json.dumps(load_template_file(CORPUS / name), default=str)
        fired = {match.rule.id for match in lint(text, config=ManualArgs(regions=["us-east-1"]))}
        assert fired == set(expected["cfn_lint"]), (name, fired)
