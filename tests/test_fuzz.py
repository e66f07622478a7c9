"""Property-based fuzzing of the CLI's inputs (issue 14): scenario files, grids and templates.

Whatever the input, ``infrakit cost``, ``sweep``, ``preflight --template`` and ``cost --template``
answer with exit 0, 1 or 2, never a traceback, within a time bound, and their ``--json`` output
is one JSON document. Inputs come from strategies that mix the kit's own keys and
CloudFormation's forms (intrinsics, conditions, parameters) with wrong types, extreme numbers,
YAML's special syntax (aliases, tags, base-60, dates) and raw text.

The CLI runs in-process (``infrakit.cli.main``) for speed, plus a few subprocess runs of the
console entry point. Examples are bounded and derandomized (a fixed seed, so ``make test`` is
repeatable); ``INFRAKIT_FUZZ_EXAMPLES=500 INFRAKIT_FUZZ_RANDOM=1`` explores further by hand.
"""

from __future__ import annotations

import atexit
import contextlib
import io
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from infrakit.cli import main
from infrakit.core.schema import FIELDS

EXAMPLES = int(os.environ.get("INFRAKIT_FUZZ_EXAMPLES", "60"))
SECONDS_PER_RUN = 15.0  # one CLI call on one input; the largest fuzz input answers in well under a second
FUZZ = settings(max_examples=EXAMPLES, deadline=None, derandomize=not os.environ.get("INFRAKIT_FUZZ_RANDOM"),
                database=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
                print_blob=True)
ROOT = Path(__file__).resolve().parents[1]
WORK = Path(tempfile.mkdtemp(prefix="infrakit-fuzz-"))
atexit.register(shutil.rmtree, WORK, ignore_errors=True)  # the folder this module made, nothing else


def cli(args: list[str], text: str, suffix: str = ".yaml") -> tuple[int, str, str]:
    """Run ``infrakit ARGS FILE`` in-process on ``text``; check the contract; return (code, out, err)."""
    path = WORK / f"input{suffix}"
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    argv = [a.replace("{}", str(path)) for a in args]
    # Text streams with a binary .buffer, as a terminal's (sweep writes bytes to sys.stdout.buffer).
    out = io.TextIOWrapper(io.BytesIO(), encoding="utf-8", errors="replace", write_through=True)
    err = io.TextIOWrapper(io.BytesIO(), encoding="utf-8", errors="replace", write_through=True)
    start = time.perf_counter()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main(argv)
        except SystemExit as exc:  # argparse
            code = exc.code
    elapsed = time.perf_counter() - start
    out.flush()
    err.flush()
    stdout, stderr = (stream.buffer.getvalue().decode("utf-8", "replace") for stream in (out, err))
    assert code in (0, 1, 2), (argv, code, stderr[-2000:])
    assert "Traceback" not in stderr and "Traceback" not in stdout, stderr[-2000:]
    assert elapsed < SECONDS_PER_RUN, f"{argv} took {elapsed:.1f} s"
    if "--json" in argv and code in (0, 1) and stdout.strip():
        json.loads(stdout)
    if code == 2:
        assert stderr.strip(), "bad input must say what is wrong"
        assert max(len(line) for line in stderr.splitlines()) < 5_000, "values in messages are cut"
    return code, stdout, stderr


# --- values ----------------------------------------------------------------------------------------

FLOATS = st.one_of(st.floats(allow_nan=True, allow_infinity=True), st.sampled_from([0.0, -1.0, 1e9, 1e11, 1e308]))
TEXT = st.one_of(
    st.text(max_size=30),
    st.sampled_from(["", "1:30", "010", "0x1F", "1e3", "15.10", "17.7", "yes", "no", "null", "~", "2027-02-30",
                     "10000-01-01", "9999-12-01", "0001-01-01", "us-east-1", "per_az", "HTTPS", "example.com",
                     "public.ecr.aws/nginx/nginx:stable", "a" * 300, "\x00", "\u202e", "${AWS::Region}"]),
    st.builds(lambda n: "x" * n, st.integers(0, 200_000)),
)
SCALARS = st.one_of(st.none(), st.booleans(), st.integers(-2**70, 2**70), st.integers(-5, 70_000), FLOATS, TEXT,
                    st.dates().map(str))
VALUES = st.recursive(SCALARS, lambda inner: st.one_of(st.lists(inner, max_size=4),
                                                       st.dictionaries(st.text(max_size=8), inner, max_size=4)),
                      max_leaves=12)
KEYS = st.one_of(st.sampled_from([f.name for f in FIELDS]), st.sampled_from(["deploy_target", "decide", "nme", ""]),
                 st.text(max_size=12))


def dump(data) -> str:
    try:
        return yaml.safe_dump(data, allow_unicode=True, sort_keys=False)
    except (yaml.YAMLError, ValueError, OverflowError):
        return json.dumps(data, default=str)


YAML_TOKENS = st.sampled_from([
    "name: x\n", "az_count: 3\n", "region: us-east-1\n", "start_date: 2027-01-01\n", "engine_version: 15.10\n",
    "a: &a [1, 2]\n", "b: [*a, *a, *a]\n", "c: *missing\n", "d: &d [*d]\n", "!!python/object:os.system x\n",
    "!!binary aGk=\n", "? [a]\n: b\n", "- item\n", "[", "]", "{", "}", ":", ": :", "\t", "  ", "\n", "---\n", "...\n",
    "key: 1:30\n", "key: 010\n", "key: 0o17\n", "key: .inf\n", "key: -.nan\n", "x: 1e400\n", "%YAML 1.2\n",
    "'unterminated", '"esc \\x00"', "# comment\n", "nat_strategy: [per_az, single]\n", "az_count: [2, 3, 4]\n",
    "k: !Ref X\n", "k: !!int 1.5\n", "k: !!float x\n", "k: !!timestamp 2027-13-45\n",
])
RAW_YAML = st.lists(YAML_TOKENS, max_size=25).map("".join)


@st.composite
def scenario_text(draw) -> str:
    kind = draw(st.integers(0, 2))
    if kind == 0:
        return dump(draw(st.dictionaries(KEYS, VALUES, max_size=8)))
    if kind == 1:
        return draw(RAW_YAML)
    return draw(st.text(max_size=300))


@st.composite
def grid_text(draw) -> str:
    axes = draw(st.dictionaries(KEYS, st.lists(SCALARS, min_size=0, max_size=3), max_size=3))
    constants = draw(st.dictionaries(KEYS, VALUES, max_size=4))
    return dump({**constants, **axes}) if draw(st.booleans()) else draw(RAW_YAML)


# --- templates ----------------------------------------------------------------------------------------

RESOURCE_TYPES = st.sampled_from([
    "AWS::RDS::DBCluster", "AWS::RDS::DBInstance", "AWS::EC2::SecurityGroup", "AWS::EC2::SecurityGroupIngress",
    "AWS::ElasticLoadBalancingV2::LoadBalancer", "AWS::ElasticLoadBalancingV2::Listener",
    "AWS::ElasticLoadBalancingV2::TargetGroup", "AWS::ECS::Service", "AWS::EC2::EIP", "AWS::EC2::NatGateway",
    "AWS::EC2::Subnet", "AWS::CertificateManager::Certificate", "AWS::CloudFormation::Stack",
    "AWS::Lambda::Function", "Custom::Thing", "AWS::S3::Bucket", "AWS::EC2::LaunchTemplate", "AWS::EFS::FileSystem"])
NAMES = st.sampled_from(["Db", "Sg", "Alb", "Listener", "Tg", "Svc", "Eip", "Nat", "Subnet", "Cert", "Child",
                         "P1", "P2", "Cond1", "Cond2", "AWS::NoValue", "AWS::Region", "AWS::AccountId", "Missing"])
PROPERTY_NAMES = st.sampled_from([
    "Engine", "EngineVersion", "EngineMode", "StorageEncrypted", "Encrypted", "DBClusterIdentifier",
    "DBInstanceClass", "SourceDBInstanceIdentifier", "SnapshotIdentifier", "PubliclyAccessible", "SecurityGroups",
    "SecurityGroupIds", "SecurityGroupIngress", "VpcSecurityGroupIds", "VPCSecurityGroups", "GroupId", "IpProtocol",
    "FromPort", "ToPort", "CidrIp", "SourceSecurityGroupId", "LoadBalancerArn", "Port", "Protocol", "Certificates",
    "DefaultActions", "TargetGroupArn", "ForwardConfig", "LoadBalancers", "NetworkConfiguration",
    "AwsvpcConfiguration", "ContainerPort", "Domain", "AvailabilityZone", "AvailabilityMode", "DomainName",
    "SubjectAlternativeNames", "ValidationMethod", "DomainValidationOptions", "HostedZoneId", "TemplateURL",
    "Parameters", "ServiceToken", "Tags", "Key", "Value", "Type", "ConnectivityType", "LaunchTemplateData",
    "ServerlessV2ScalingConfiguration", "StorageType"])


def intrinsic(inner):
    return st.one_of(
        st.builds(lambda n: {"Ref": n}, NAMES),
        st.builds(lambda n, a: {"Fn::GetAtt": [n, a]}, NAMES, st.sampled_from(["GroupId", "Arn", "Outputs.X"])),
        st.builds(lambda n: {"Fn::GetAtt": f"{n}.GroupId"}, NAMES),
        st.builds(lambda c, a, b: {"Fn::If": [c, a, b]}, NAMES, inner, inner),
        st.builds(lambda a, b: {"Fn::Equals": [a, b]}, inner, inner),
        st.builds(lambda k, xs: {k: xs}, st.sampled_from(["Fn::And", "Fn::Or"]), st.lists(inner, max_size=3)),
        st.builds(lambda x: {"Fn::Not": [x]}, inner),
        st.builds(lambda n: {"Condition": n}, NAMES),
        st.builds(lambda i, xs: {"Fn::Select": [i, xs]}, st.one_of(st.integers(-2, 5), TEXT), inner),
        st.builds(lambda a, b, c: {"Fn::FindInMap": [a, b, c]}, NAMES, inner, TEXT),
        st.builds(lambda s: {"Fn::Sub": s}, TEXT),
        st.builds(lambda xs: {"Fn::Join": [",", xs]}, st.lists(inner, max_size=3)),
        st.builds(lambda x: {"Fn::ImportValue": x}, inner),
        st.builds(lambda x: {"Fn::GetAZs": x}, st.one_of(st.just(""), inner)),
    )


CFN_VALUES = st.recursive(
    SCALARS,
    lambda inner: st.one_of(intrinsic(inner), st.lists(inner, max_size=4),
                            st.dictionaries(PROPERTY_NAMES, inner, max_size=5)),
    max_leaves=15)


def mostly(draw, good, bad, one_in: int = 20):
    """``good`` nearly always, ``bad`` one time in ``one_in``: most inputs get past the shape check to the rules."""
    return draw(bad) if draw(st.integers(0, one_in - 1)) == 0 else draw(good)


@st.composite
def resource(draw) -> dict:
    body: dict = {"Type": mostly(draw, RESOURCE_TYPES, SCALARS)}
    if draw(st.integers(0, 9)):
        body["Properties"] = mostly(draw, st.dictionaries(PROPERTY_NAMES, CFN_VALUES, max_size=7), SCALARS)
    if not draw(st.integers(0, 3)):
        body["Condition"] = mostly(draw, NAMES, SCALARS)
    if not draw(st.integers(0, 4)):
        body["Metadata"] = mostly(draw, st.fixed_dictionaries({"aws:asset:path": st.sampled_from(
            ["child.json", "input.json", "input.yaml", "../x.json", "missing.json"])}), VALUES)
    return body


@st.composite
def template_data(draw) -> dict:
    data: dict = {"Resources": draw(st.dictionaries(st.one_of(NAMES, st.text(max_size=10)), resource(),
                                                    min_size=0, max_size=6))}
    parameter = st.fixed_dictionaries({"Type": st.sampled_from(["String", "Number", "CommaDelimitedList",
                                                                "List<AWS::EC2::Subnet::Id>",
                                                                "AWS::SSM::Parameter::Value<String>"])},
                                      optional={"Default": SCALARS})
    if draw(st.booleans()):
        data["Parameters"] = draw(st.dictionaries(NAMES, st.builds(lambda: None).flatmap(
            lambda _: parameter), max_size=4)) if draw(st.integers(0, 19)) else draw(VALUES)
    if draw(st.booleans()):
        data["Conditions"] = draw(st.dictionaries(NAMES, CFN_VALUES, max_size=4))
    if not draw(st.integers(0, 3)):
        data["Mappings"] = draw(st.dictionaries(NAMES, st.dictionaries(TEXT, st.dictionaries(TEXT, SCALARS,
                                                                                             max_size=2),
                                                                       max_size=2), max_size=2))
    if not draw(st.integers(0, 5)):
        data[draw(st.sampled_from(["Outputs", "Metadata", "Rules", "Transform"]))] = draw(VALUES)
    return data


@st.composite
def template_text(draw) -> tuple[str, str]:
    data = draw(template_data())
    form = draw(st.integers(0, 3))
    if form == 0:
        return json.dumps(data, default=str), ".json"
    if form == 1:
        return dump(data), ".yaml"
    if form == 2:  # short-form tags and YAML syntax spliced into a YAML template
        return dump(data) + draw(st.lists(st.sampled_from([
            "  X:\n    Type: AWS::S3::Bucket\n    Properties:\n      BucketName: !Ref P1\n",
            "  Y:\n    Type: AWS::RDS::DBCluster\n    Properties: {Engine: !Sub '${P1}', EngineVersion: !GetAtt A.B}\n",
            "  Z: !If [C, a, b]\n", "  W: &w {Type: AWS::EC2::EIP}\n  V: *w\n", "  U: !Unknown x\n",
            "Conditions:\n  C: !Equals [!Ref P1, !Condition D]\n", "Resources:\n  Again: {Type: X}\n"]),
            max_size=3).map("".join)), ".yaml"
    return draw(st.one_of(RAW_YAML, st.text(max_size=200), st.just("{" * 2000 + "}" * 2000))), \
        draw(st.sampled_from([".json", ".yaml"]))


# --- the properties ------------------------------------------------------------------------------------

@FUZZ
@given(scenario_text(), st.sampled_from([["cost", "{}"], ["cost", "{}", "--json"]]))
def test_any_scenario_file_gets_an_exit_code_not_a_traceback(text, args):
    cli(args, text)


@FUZZ
@given(grid_text(), st.sampled_from([["sweep", "{}"], ["sweep", "{}", "--json"], ["sweep", "{}", "--csv"]]))
def test_any_grid_file_gets_an_exit_code_not_a_traceback(text, args):
    cli(args, text)


@FUZZ
@given(template_text())
def test_any_template_gets_an_exit_code_from_preflight(template):
    text, suffix = template
    cli(["preflight", "--template", "{}", "--offline", "--no-cfn-lint", "--json"], text, suffix)


@FUZZ
@given(template_text())
def test_any_template_gets_an_exit_code_from_cost(template):
    text, suffix = template
    cli(["cost", "--template", "{}", "--json"], text, suffix)


@settings(FUZZ, max_examples=max(EXAMPLES // 4, 5))
@given(template_data(), st.floats(0.05, 0.5))
def test_preflight_with_cfn_lint_bounded_still_answers(data, timeout):
    """cfn-lint in its worker, stopped at its deadline: the answer is still an exit code."""
    code, out, _ = cli(["preflight", "--template", "{}", "--offline", "--json", "--cfn-lint-timeout", str(timeout)],
                       json.dumps(data, default=str), ".json")
    if code in (0, 1):
        assert json.loads(out)["data_source"]["cfn_lint_status"] in ("ran", "timed-out", "skipped", "failed")


# --- a few runs of the console entry point, in a process of its own ----------------------------------------

SUBPROCESS_CASES = [
    (["cost", "{}"], "a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
                     "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]\n"
                     "e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d]\nf: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e]\n"
                     "name: *f\n", ".yaml"),
    (["preflight", "--template", "{}", "--offline", "--json"], "[" * 100_000 + "]" * 100_000, ".json"),
    (["cost", "--template", "{}"], '{"Resources": {"Db": {"Type": "AWS::RDS::DBCluster", "Properties": "x"}}}',
     ".json"),
]


@pytest.mark.slow
@pytest.mark.parametrize("args,text,suffix", SUBPROCESS_CASES)
def test_the_console_entry_point_answers_hostile_input_with_exit_2(tmp_path, args, text, suffix):
    path = tmp_path / f"input{suffix}"
    path.write_text(text)
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "infrakit.cli", *[a.replace("{}", str(path)) for a in args]],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 2, done.stderr[-2000:]
    assert "Traceback" not in done.stderr and time.perf_counter() - start < 60


def test_the_strategies_reach_the_interesting_inputs():
    """The fuzz is only as good as what it generates: each of these forms comes out of the strategies,
    and most templates get past the shape check to the rules."""
    def walk(value):
        yield value
        children = value.values() if isinstance(value, dict) else value if isinstance(value, list) else ()
        for child in children:
            yield from walk(child)

    wanted = {
        "Properties not a mapping": lambda t: any(isinstance(r, dict) and "Properties" in r
                                                  and not isinstance(r["Properties"], dict)
                                                  for r in t["Resources"].values()),
        "Fn::If inside properties": lambda t: any(isinstance(v, dict) and "Fn::If" in v for v in walk(t)),
        "a resource Condition": lambda t: any(isinstance(r, dict) and "Condition" in r for r in t["Resources"].values()),
        "Ref AWS::NoValue": lambda t: {"Ref": "AWS::NoValue"} in list(walk(t)),
        "a parameter with a default": lambda t: isinstance(t.get("Parameters"), dict) and any(
            isinstance(p, dict) and "Default" in p for p in t["Parameters"].values()),
    }
    seen: set[str] = set()
    shaped = []

    @settings(max_examples=300, derandomize=True, database=None, deadline=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
    @given(template_data())
    def sample(data):
        from infrakit.core.cfn import shape_problems

        seen.update(what for what, predicate in wanted.items() if predicate(data))
        shaped.append(not shape_problems(data, "t") and bool(data["Resources"]))

    sample()
    assert seen == set(wanted)
    assert sum(shaped) / len(shaped) > 0.3, f"only {sum(shaped)} of {len(shaped)} templates reach the rules"
