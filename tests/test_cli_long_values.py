"""A very long value on the command line is quoted cut in the message, found fast."""

from __future__ import annotations

import time

import pytest

from infrakit.cli import main


def test_a_megabyte_region_is_refused_fast_and_quoted_cut(tmp_path, capsys):
    template = tmp_path / "t.json"
    template.write_text('{"Resources": {"A": {"Type": "AWS::SNS::Topic"}}}')
    started = time.perf_counter()
    assert main(["preflight", "--template", str(template), "--region", "us-east-1" * 100_000]) == 2
    err = capsys.readouterr().err
    assert time.perf_counter() - started < 5
    assert "is not an AWS region" in err and "(900,000 characters)" in err and len(err) < 1_000


def test_a_near_miss_region_still_gets_its_suggestion(tmp_path, capsys):
    template = tmp_path / "t.json"
    template.write_text('{"Resources": {"A": {"Type": "AWS::SNS::Topic"}}}')
    assert main(["preflight", "--template", str(template), "--region", "us-eats-1"]) == 2
    assert "Did you mean 'us-east-1'?" in capsys.readouterr().err


def test_an_assembly_with_many_long_stack_names_is_listed_cut(tmp_path, capsys):
    import json

    assembly = tmp_path / "cdk.out"
    assembly.mkdir()
    artifacts = {f"Stack{i}{'x' * 5_000}": {"type": "aws:cloudformation:stack", "environment": "aws://1/us-east-1",
                                             "properties": {"templateFile": f"s{i}.template.json"}} for i in range(50)}
    (assembly / "manifest.json").write_text(json.dumps({"version": "36.0.0", "artifacts": artifacts}))
    assert main(["preflight", "--assembly", str(assembly)]) == 2
    err = capsys.readouterr().err
    assert "holds 50 stacks" in err and "and 40 more" in err and "(5,006 characters)" in err and len(err) < 2_000
    assert main(["preflight", "--assembly", str(assembly), "--stack", "N" * 100_000]) == 2
    err = capsys.readouterr().err
    assert "is not in" in err and "(100,000 characters)" in err and len(err) < 2_000


@pytest.mark.parametrize("argv", [
    ["synth", "{scenario}", "--out", "{long}"],
    ["preflight", "--template", "{long}"],
    ["preflight", "--assembly", "{long}"],
])
def test_a_path_too_long_for_the_file_system_is_bad_input_not_a_traceback(tmp_path, capsys, argv):
    scenario = tmp_path / "dev.yaml"
    scenario.write_text("environment_suffix: outtest\n")
    long = str(tmp_path / ("a" * 5_000))
    code = main([a.format(scenario=scenario, long=long) for a in argv])
    err = capsys.readouterr().err
    assert code == 2 and "the path is longer than the file system allows" in err and len(err) < 1_000
