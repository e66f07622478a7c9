"""Deploy, destroy and diff a scenario's stack with the pinned CDK CLI, locally or on AWS.

The kit does not reimplement CloudFormation deploys: it synthesizes the cloud assembly
(``infra_lib.synth``), gates it with preflight, and runs ``node_modules/.bin/cdk deploy --app
<assembly dir>`` with the venv's Node first on PATH, streaming the CLI's progress. Then it
reads the result back with boto3: the stack's events when the deploy failed (which resource,
why), and the deployed NAT gateways, Aurora cluster and ALB listeners against the template
when it succeeded.

``target="local"`` deploys into the kit's emulator (``infra_lib.emulator``): the one named by
``AWS_ENDPOINT_URL`` when set (``infrakit emulator start``, or the report runner's), else one
started in this process for the call. ``target="aws"`` uses the caller's credentials and
region and asks for confirmation unless ``yes``.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Mapping
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from infrakit.errors import InfrakitError, InputError

PROJECT_ROOT = Path(__file__).resolve().parents[1]
CDK_CLI = PROJECT_ROOT / "node_modules" / ".bin" / "cdk"
TARGETS = ("local", "aws")
DEFAULT_RUNS_DIR = PROJECT_ROOT / "reports" / "deploy"
# Endpoint variables a deploy to AWS must never inherit (they would send it to an emulator).
_ENDPOINT_VARS = ("AWS_ENDPOINT_URL",)

Progress = Callable[[str], None]


def _stderr(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


class DeployInterrupted(InfrakitError):
    """Ctrl-C during a deploy or destroy; ``result`` says what state is left and how to clean up."""

    def __init__(self, result: DeployResult):
        self.result = result
        super().__init__(result.message)


@dataclass
class DeployResult:
    stack: str
    target: str
    status: str  # deployed | no_changes | failed | refused | destroyed | not_found | interrupted
    outputs: dict[str, str] = field(default_factory=dict)
    verified: dict[str, Any] = field(default_factory=dict)
    duration_s: float = 0.0
    phases_s: dict[str, float] = field(default_factory=dict)
    message: str = ""
    failure: dict[str, Any] | None = None
    preflight: dict[str, Any] | None = None
    endpoint_url: str | None = None
    stack_status: str | None = None
    outputs_path: str | None = None
    cleanup: str | None = None

    @property
    def ok(self) -> bool:
        return self.status in ("deployed", "no_changes", "destroyed", "not_found")

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "stack": self.stack, "target": self.target, "status": self.status, "outputs": self.outputs,
            "verified": self.verified, "duration_s": round(self.duration_s, 3),
            "phases_s": {k: round(v, 3) for k, v in self.phases_s.items()}, "message": self.message,
        }
        for key in ("failure", "preflight", "endpoint_url", "stack_status", "outputs_path", "cleanup"):
            if getattr(self, key) is not None:
                data[key] = getattr(self, key)
        return data


@dataclass
class DiffResult:
    stack: str
    target: str
    has_changes: bool
    diff: str
    duration_s: float
    endpoint_url: str | None = None

    def to_json(self) -> dict[str, Any]:
        data = {"stack": self.stack, "target": self.target, "has_changes": self.has_changes, "diff": self.diff,
                "duration_s": round(self.duration_s, 3)}
        if self.endpoint_url:
            data["endpoint_url"] = self.endpoint_url
        return data


# --------------------------------------------------------------------------- checks (fast, first)

def check_target(target: str) -> str:
    if target not in TARGETS:
        raise InputError([f"--target: {target!r} is not a deploy target; use local (the kit's AWS emulator, "
                          f"no account needed) or aws (your AWS profile and region)."])
    return target


def check_cdk_cli() -> Path:
    """The pinned CDK CLI and the venv's Node, or an error that says how to install them."""
    from infra_lib.node import venv_node

    try:
        node = venv_node()
    except (ImportError, FileNotFoundError) as exc:
        raise InfrakitError(f"Node.js for the CDK CLI is missing ({exc}). Run `make setup` (installs Node.js 24 "
                            f"into .venv from PyPI and the pinned aws-cdk into node_modules).") from exc
    if not CDK_CLI.exists():
        raise InfrakitError(f"the pinned CDK CLI is not installed: {CDK_CLI} does not exist. Run `make setup` "
                            f"(or `PATH={node.parent}:$PATH npm ci` in {PROJECT_ROOT}).")
    return CDK_CLI


def check_aws_credentials() -> None:
    from infrakit.preflight import credentials_available, profile_problem

    if problem := profile_problem():
        raise InputError([f"--target aws: {problem}"])
    if not credentials_available():
        raise InputError(["--target aws: no AWS credentials found (no AWS_PROFILE, AWS_ACCESS_KEY_ID or "
                          "~/.aws/credentials|config). Configure them (`aws configure` or `aws sso login "
                          "--profile NAME` then `export AWS_PROFILE=NAME`), or deploy with --target local."])


def _check_override(reason: str | None) -> str | None:
    if reason is None:
        return None
    if not str(reason).strip():
        raise InputError(["--override-preflight: give the reason for deploying despite preflight errors, e.g. "
                          "--override-preflight 'reproducing the seed failure'; it is recorded in the result."])
    return str(reason).strip()


# --------------------------------------------------------------------------- target plumbing

@dataclass
class _Target:
    name: str
    env: dict[str, str]
    region: str
    endpoint_url: str | None
    in_process: bool  # the emulator lives only as long as this call

    def session(self):
        import boto3

        if not self.endpoint_url:
            return aws_session(self.region)
        return boto3.session.Session(region_name=self.region, aws_access_key_id=self.env.get("AWS_ACCESS_KEY_ID"),
                                     aws_secret_access_key=self.env.get("AWS_SECRET_ACCESS_KEY"))

    def client(self, service: str):
        cache = self.__dict__.setdefault("_clients", {})
        if service not in cache:  # client creation costs ~0.1 s each
            cache[service] = self.session().client(service, endpoint_url=self.endpoint_url)
        return cache[service]


def aws_session(region: str):
    """A boto3 session on real AWS: the user's profile and credentials, and never an emulator's
    endpoint even when AWS_ENDPOINT_URL is exported (the CDK CLI's environment drops it too)."""
    import boto3
    import botocore.session

    core = botocore.session.Session(profile=os.environ.get("AWS_PROFILE") or None)
    core.set_config_variable("ignore_configured_endpoint_urls", True)
    return boto3.session.Session(botocore_session=core, region_name=region)


def _cli_env(base: Mapping[str, str]) -> dict[str, str]:
    from infra_lib.node import venv_node

    env = dict(base)
    env["PATH"] = f"{venv_node().parent}{os.pathsep}{env.get('PATH', '')}"  # the venv's Node first
    env["CDK_DISABLE_CLI_TELEMETRY"] = "true"
    env["CDK_DISABLE_VERSION_CHECK"] = "true"  # no npm registry call on each run
    env["CI"] = "true"  # plain line-by-line progress on stdout
    env.pop("FORCE_COLOR", None)
    env["NO_COLOR"] = "1"
    return env


def _open_target(target: str, region: str, stack: ExitStack, progress: Progress) -> _Target:
    if target == "aws":
        env = {k: v for k, v in os.environ.items() if k not in _ENDPOINT_VARS and not k.startswith("AWS_ENDPOINT_URL_")}
        env.setdefault("AWS_REGION", region)
        return _Target("aws", _cli_env(env), region, None, in_process=False)
    from infra_lib.emulator import DUMMY_CREDENTIALS, start_emulator

    endpoint = os.environ.get("AWS_ENDPOINT_URL")
    in_process = not endpoint
    if in_process:
        emulator = stack.enter_context(start_emulator())
        endpoint = emulator.endpoint_url
        progress(f"infrakit: started the local AWS emulator at {endpoint} (in this process, for this command)")
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    # Dummy credentials always: the user's real ones have no business near an emulator.
    env.update({"AWS_ENDPOINT_URL": endpoint, "AWS_REGION": region, "AWS_DEFAULT_REGION": region,
                **DUMMY_CREDENTIALS})
    return _Target("local", _cli_env(env), region, endpoint, in_process=in_process)


def _ensure_assets_bucket(tgt: _Target) -> None:
    """The bucket `cdk bootstrap` would create; the CLI publishes the template there."""
    from infra_lib.emulator import CDK_ASSETS_BUCKET, DEFAULT_ACCOUNT_ID

    from botocore.exceptions import EndpointConnectionError

    try:
        account = tgt.client("sts").get_caller_identity().get("Account", DEFAULT_ACCOUNT_ID)
    except EndpointConnectionError as exc:
        raise InfrakitError(
            f"AWS_ENDPOINT_URL={tgt.endpoint_url} does not answer: is the emulator still running? Start one with "
            f"`infrakit emulator start` and export what it prints, or unset AWS_ENDPOINT_URL to let the command "
            f"start its own.") from exc
    bucket = CDK_ASSETS_BUCKET.format(account=account, region=tgt.region)
    s3 = tgt.client("s3")
    try:
        s3.head_bucket(Bucket=bucket)
    except Exception:  # noqa: BLE001  (absent: create it)
        kwargs = {} if tgt.region == "us-east-1" else {
            "CreateBucketConfiguration": {"LocationConstraint": tgt.region}}
        try:
            s3.create_bucket(Bucket=bucket, **kwargs)
        except s3.exceptions.ClientError as exc:  # another kernel of the batch created it first
            if exc.response.get("Error", {}).get("Code") not in ("BucketAlreadyOwnedByYou", "BucketAlreadyExists"):
                raise


# --------------------------------------------------------------------------- the CLI

@dataclass
class _CliRun:
    returncode: int
    lines: list[str]
    first_output_s: float  # the CLI's own start-up: Node, the CLI bundle, reading the assembly

    @property
    def text(self) -> str:
        return "\n".join(self.lines)


def _run_cdk(args: list[str], tgt: _Target, *, cwd: Path, progress: Progress, prefix: str = "  cdk | ") -> _CliRun:
    """Run the CDK CLI, streaming each line; Ctrl-C is passed on and waited for."""
    command = [str(check_cdk_cli()), *args, "--no-notices", "--ci", "--no-color"]
    process = subprocess.Popen(command, cwd=cwd, env=tgt.env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               text=True, bufsize=1, start_new_session=True)
    lines: list[str] = []
    launched = time.perf_counter()
    first_output_s = None
    try:
        assert process.stdout is not None
        for raw in process.stdout:
            if first_output_s is None:
                first_output_s = time.perf_counter() - launched
            line = _ANSI.sub("", raw.rstrip("\n"))
            lines.append(line)
            if line.strip():
                progress(prefix + line)
        returncode = process.wait()
        return _CliRun(returncode, lines, first_output_s if first_output_s is not None else 0.0)
    except KeyboardInterrupt:
        # The CLI runs in its own session (so a second Ctrl-C cannot kill it mid-API-call):
        # stop it politely, then for good.
        try:
            os.killpg(process.pid, signal.SIGINT)
            process.wait(timeout=10)
        except (subprocess.TimeoutExpired, ProcessLookupError):
            process.kill()
            process.wait()
        raise


_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


# --------------------------------------------------------------------------- reading results

def _camel_to_snake(name: str) -> str:
    return re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", name).lower()


def _read_outputs(path: Path, stack_name: str, tgt: _Target) -> dict[str, str]:
    raw: dict[str, Any] = {}
    if path.exists() and path.stat().st_size:
        raw = json.loads(path.read_text()).get(stack_name, {})
    if not raw:
        try:
            described = tgt.client("cloudformation").describe_stacks(StackName=stack_name)["Stacks"][0]
            raw = {o["OutputKey"]: o["OutputValue"] for o in described.get("Outputs", [])}
        except Exception:  # noqa: BLE001  (no stack: no outputs)
            raw = {}
    return {_camel_to_snake(k): str(v) for k, v in sorted(raw.items())}


def stack_status(tgt: _Target, stack_name: str) -> str | None:
    from botocore.exceptions import ClientError

    try:
        return tgt.client("cloudformation").describe_stacks(StackName=stack_name)["Stacks"][0]["StackStatus"]
    except ClientError as exc:
        if "does not exist" in str(exc):
            return None
        raise


def failure_from_events(tgt: _Target, stack_name: str, *, since=None) -> dict[str, Any] | None:
    """The first resource that failed in the latest operation: logical id, type, reason."""
    from botocore.exceptions import ClientError

    try:
        pages = tgt.client("cloudformation").get_paginator("describe_stack_events").paginate(StackName=stack_name)
        events = [e for page in pages for e in page["StackEvents"]]
    except ClientError:
        return None
    events.sort(key=lambda e: e["Timestamp"])
    if since is not None:
        events = [e for e in events if e["Timestamp"] >= since]
    for event in events:
        if event["ResourceStatus"].endswith("_FAILED") and event["ResourceType"] != "AWS::CloudFormation::Stack":
            return {"resource": event["LogicalResourceId"], "type": event["ResourceType"],
                    "status": event["ResourceStatus"], "reason": event.get("ResourceStatusReason") or ""}
    for event in reversed(events):
        if event["ResourceStatus"].endswith("_FAILED"):
            return {"resource": event["LogicalResourceId"], "type": event["ResourceType"],
                    "status": event["ResourceStatus"], "reason": event.get("ResourceStatusReason") or ""}
    return None


def _cli_failure(lines: Iterable[str]) -> str:
    """The CLI's own error line (e.g. a publish or change-set error), for failures without events."""
    lines = [line.strip() for line in lines if line.strip()]
    # Most specific first: an asset step's own failure ("<stack>: fail: No bucket named ..."),
    # then the CLI's error summary, then anything that says it failed.
    for marker in (lambda l: ": fail: " in l, lambda l: l.startswith(("❌", "‣")) and len(l) > 20,
                   lambda l: "Error" in l or "failed" in l.lower()):
        for line in lines:
            if marker(line):
                return line.split(": fail: ", 1)[-1].lstrip("❌‣ ").strip()
    return lines[-1] if lines else "the CDK CLI failed without output"


# --------------------------------------------------------------------------- verification

def _physical_ids(tgt: _Target, stack_name: str) -> dict[str, str]:
    cfn = tgt.client("cloudformation")
    resources = cfn.describe_stack_resources(StackName=stack_name)["StackResources"]
    return {r["LogicalResourceId"]: r.get("PhysicalResourceId", "") for r in resources}


def _public_ports(ec2, group_ids: list[str]) -> list[int]:
    """TCP ports the groups admit from 0.0.0.0/0 or ::/0 (a range counts as its ends' span)."""
    ports: set[int] = set()
    for group in ec2.describe_security_groups(GroupIds=group_ids)["SecurityGroups"]:
        for rule in group.get("IpPermissions", []):
            public = any(r.get("CidrIp") == "0.0.0.0/0" for r in rule.get("IpRanges", [])) or any(
                r.get("CidrIpv6") == "::/0" for r in rule.get("Ipv6Ranges", []))
            if public and rule.get("IpProtocol") in ("tcp", "6", "-1") and "FromPort" in rule:
                ports.update(range(int(rule["FromPort"]), int(rule["ToPort"]) + 1))
    return sorted(ports)


def plan_from_template(template: Mapping[str, Any]) -> dict[str, Any]:
    """What a deploy of ``template`` must produce, in the terms verification checks."""
    from infra_lib.preflight.template_index import TemplateIndex

    index = TemplateIndex(template)

    def first(resource_type: str) -> str | None:
        return next((name for name, _ in index.of_type(resource_type)), None)

    cluster = first("AWS::RDS::DBCluster")
    plan: dict[str, Any] = {
        "vpc": first("AWS::EC2::VPC"),
        "nat_gateways": sum(1 for _ in index.of_type("AWS::EC2::NatGateway")),
        "load_balancer": first("AWS::ElasticLoadBalancingV2::LoadBalancer"),
        "listeners": sorted(([index.port(props.get("Port")), str(index.literal(props.get("Protocol")) or "")]
                             for _, props in index.of_type("AWS::ElasticLoadBalancingV2::Listener")),
                            key=lambda listener: (listener[0] is None, listener[0] or 0, listener[1])),
        "db_cluster": cluster,
    }
    if cluster:
        plan["engine_version"] = index.literal(index.resources[cluster]["Properties"].get("EngineVersion"))
        plan["db_instances"] = sum(
            1 for _, props in index.of_type("AWS::RDS::DBInstance")
            if index.target(props.get("DBClusterIdentifier"), "AWS::RDS::DBCluster") == cluster)
    return plan


def verify_stack(tgt: _Target, stack_name: str, template: Mapping[str, Any]) -> dict[str, Any]:
    """Compare what the target holds with the plan: NAT gateways, Aurora engine version and
    instance count, ALB listeners and ports. ``ok`` is False on any mismatch."""
    plan = plan_from_template(template)
    ids = _physical_ids(tgt, stack_name)
    checks: list[dict[str, Any]] = []

    def check(name: str, expected: Any, actual: Any) -> None:
        checks.append({"check": name, "expected": expected, "actual": actual, "ok": expected == actual})

    if plan["vpc"]:
        ec2 = tgt.client("ec2")
        vpc_id = ids.get(plan["vpc"])
        nats = ec2.describe_nat_gateways(Filters=[{"Name": "vpc-id", "Values": [vpc_id]},
                                                  {"Name": "state", "Values": ["pending", "available"]}])
        check("nat_gateways", plan["nat_gateways"], len(nats["NatGateways"]))
    if plan["db_cluster"]:
        rds = tgt.client("rds")
        cluster = rds.describe_db_clusters(DBClusterIdentifier=ids[plan["db_cluster"]])["DBClusters"][0]
        check("db_engine_version", plan["engine_version"], cluster.get("EngineVersion"))
        check("db_instances", plan["db_instances"], len(cluster.get("DBClusterMembers", [])))
    if plan["load_balancer"]:
        elbv2 = tgt.client("elbv2")
        arn = ids[plan["load_balancer"]]
        listeners = elbv2.describe_listeners(LoadBalancerArn=arn)["Listeners"]
        check("alb_listeners", plan["listeners"], sorted([int(l["Port"]), l["Protocol"]] for l in listeners))
        # The seed opened 443 while its listener served 80: the ports the ALB's security groups
        # admit from the internet must be exactly the listener ports.
        groups = elbv2.describe_load_balancers(LoadBalancerArns=[arn])["LoadBalancers"][0].get("SecurityGroups", [])
        check("alb_ingress_ports", sorted({port for port, _ in plan["listeners"]}),
              _public_ports(tgt.client("ec2"), groups) if groups else [])
    return {"ok": all(c["ok"] for c in checks) and bool(checks), "checks": checks}


# --------------------------------------------------------------------------- files

def _write_json_atomic(path: Path, data: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(handle, "w") as out:
            json.dump(data, out, indent=2, sort_keys=True, default=str)
            out.write("\n")
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


def _run_dir(out_dir: Path | str | None, stack_name: str, target: str) -> Path:
    path = Path(out_dir) if out_dir is not None else DEFAULT_RUNS_DIR / f"{stack_name}-{target}"
    path.mkdir(parents=True, exist_ok=True)
    return path


# --------------------------------------------------------------------------- entry points

def _prepare(scenario: Mapping[str, Any], target: str, override: str | None):
    """Everything that can reject the request, before anything slow."""
    from infrakit.scenario import validate_scenario

    check_target(target)
    override = _check_override(override)
    checked = validate_scenario(dict(scenario))
    check_cdk_cli()
    if target == "aws":
        check_aws_credentials()
    return checked, override


def _confirm(target: str, yes: bool, confirm: Callable[[str], bool] | None, question: str) -> bool:
    if target != "aws" or yes:
        return True
    return bool(confirm and confirm(question))


def deploy_scenario(scenario: Mapping[str, Any], *, target: str = "local", yes: bool = False,
                    override_preflight: str | None = None, out_dir: Path | str | None = None,
                    progress: Progress | None = _stderr, confirm: Callable[[str], bool] | None = None,
                    verify: bool = True, preflight_report=None) -> DeployResult:
    """Synthesize, preflight, deploy with the CDK CLI, verify; see the module docstring.

    ``preflight_report``: a report the caller already made for this scenario's template (the
    decision notebook shows one), so the gate does not run preflight a second time.

    Raises InputError for bad input (before any slow work) and DeployInterrupted on Ctrl-C;
    every other outcome is a DeployResult (``status`` says which), also written to
    ``<out_dir>/deploy.json`` with the outputs in ``<out_dir>/outputs.json``.
    """
    progress = progress or (lambda line: None)
    started = time.perf_counter()
    checked, override = _prepare(scenario, target, override_preflight)
    from infra_lib.synth import stack_name as stack_name_of
    from infra_lib.synth import synth

    name = stack_name_of(checked)
    run_dir = _run_dir(out_dir, name, target)
    result = DeployResult(stack=name, target=target, status="failed")
    phases = result.phases_s

    def finish() -> DeployResult:
        result.duration_s = time.perf_counter() - started
        _write_json_atomic(run_dir / "deploy.json", result.to_json())
        return result

    t = time.perf_counter()
    synth_result = synth(checked, check_deployable=False, out_dir=run_dir / "assembly")
    phases["synth"] = time.perf_counter() - t

    t = time.perf_counter()
    from infrakit.preflight import preflight_scenario

    report = preflight_report or preflight_scenario(
        checked, synth_result=synth_result, live=False if target == "local" else None,
        session=aws_session(checked["region"]) if target == "aws" else None)
    phases["preflight"] = time.perf_counter() - t
    errors = [{"rule_id": f.rule_id, "resource": f.resource, "message": f.message, "fix": f.fix}
              for f in report.errors]
    result.preflight = {"passed": report.passed, "errors": errors, "overridden": override}
    if not report.passed and override is None:
        result.status = "refused"
        result.message = (f"preflight found {len(errors)} error(s); not deploying. Fix them, or deploy anyway "
                          f"with --override-preflight REASON. First: {errors[0]['rule_id']}: {errors[0]['message']}")
        progress(f"infrakit: {result.message}")
        return finish()
    if not report.passed:
        progress(f"infrakit: preflight found {len(errors)} error(s); deploying anyway (override: {override})")

    if not _confirm(target, yes, confirm, f"Deploy {name} to AWS region {checked['region']} with your "
                                          f"credentials? This creates billable resources."):
        result.status = "refused"
        result.message = "not confirmed: deploying to AWS needs a yes (answer the prompt, or pass --yes)"
        return finish()

    with ExitStack() as stack:
        t = time.perf_counter()
        tgt = _open_target(target, checked["region"], stack, progress)
        result.endpoint_url = tgt.endpoint_url
        if target == "local":
            _ensure_assets_bucket(tgt)
        phases["emulator_start" if target == "local" else "target_setup"] = time.perf_counter() - t
        outputs_file = run_dir / ".cdk-outputs.json"
        outputs_file.unlink(missing_ok=True)
        t = time.perf_counter()
        before = _now_utc()
        try:
            run = _run_cdk(["deploy", name, "--app", str(synth_result.assembly_dir), "--require-approval", "never",
                            "--outputs-file", str(outputs_file), "--progress", "events"],
                           tgt, cwd=run_dir, progress=progress)
        except KeyboardInterrupt:
            phases["deploy"] = time.perf_counter() - t
            result.status = "interrupted"
            result.stack_status = _safe(lambda: stack_status(tgt, name))
            result.cleanup = _cleanup_hint(tgt, scenario_name=checked["name"])
            result.message = (f"interrupted during the deploy of {name} on {target}; stack status: "
                              f"{result.stack_status or 'not created'}. {result.cleanup}")
            finish()
            raise DeployInterrupted(result) from None
        phases["cli_start"] = run.first_output_s
        phases["deploy"] = time.perf_counter() - t - run.first_output_s
        _write_log(run_dir / "cdk-deploy.log", run.lines)
        result.stack_status = _safe(lambda: stack_status(tgt, name))
        if run.returncode != 0:
            result.failure = _safe(lambda: failure_from_events(tgt, name, since=before)) or {
                "resource": None, "type": None, "status": result.stack_status, "reason": _cli_failure(run.lines)}
            result.status = "failed"
            if "bootstrapped" in result.failure["reason"]:
                # CliCredentialsStackSynthesizer still publishes the template to the bootstrap bucket.
                result.failure["reason"] += (f" Run `PATH=.venv/bin:$PATH npx cdk bootstrap aws://ACCOUNT/"
                                             f"{checked['region']}` once for this account and region.")
            where = (f"{result.failure['resource']} ({result.failure['type']})" if result.failure.get("resource")
                     else "the CDK CLI")
            result.message = f"deploy of {name} failed at {where}: {result.failure['reason']}"
            if result.stack_status:
                result.cleanup = _cleanup_hint(tgt, scenario_name=checked["name"])
            progress(f"infrakit: {result.message}")
            return finish()
        result.status = "no_changes" if any("(no changes)" in line for line in run.lines) else "deployed"
        result.outputs = _read_outputs(outputs_file, name, tgt)
        outputs_file.unlink(missing_ok=True)
        outputs_path = run_dir / "outputs.json"
        _write_json_atomic(outputs_path, {"stack": name, "target": target, "outputs": result.outputs})
        result.outputs_path = str(outputs_path)
        if verify:
            t = time.perf_counter()
            result.verified = verify_stack(tgt, name, synth_result.template)
            phases["verify"] = time.perf_counter() - t
            if not result.verified["ok"]:
                bad = [c for c in result.verified["checks"] if not c["ok"]]
                result.failure = {"resource": None, "type": "verification", "status": result.stack_status,
                                  "reason": "; ".join(f"{c['check']}: expected {c['expected']}, found {c['actual']}"
                                                      for c in bad)}
                result.message = f"{name} deployed but does not match the plan: {result.failure['reason']}"
                result.status = "failed"
                progress(f"infrakit: {result.message}")
                return finish()
        result.message = ("nothing to change; " if result.status == "no_changes" else "") + (
            f"verified: {len(result.verified['checks'])} checks match the plan" if result.verified.get("ok")
            else "not verified")
        if tgt.in_process:
            result.message += ("; the in-process emulator stops with this command; run `infrakit emulator start` "
                               "and export AWS_ENDPOINT_URL to keep the stack between commands")
        return finish()


def destroy_scenario(scenario: Mapping[str, Any], *, target: str = "local", yes: bool = False,
                     out_dir: Path | str | None = None, progress: Progress | None = _stderr,
                     confirm: Callable[[str], bool] | None = None) -> DeployResult:
    """Delete the scenario's stack with ``cdk destroy``; ``destroyed`` once the target has no
    such stack (``not_found`` when there was none)."""
    progress = progress or (lambda line: None)
    started = time.perf_counter()
    checked, _ = _prepare(scenario, target, None)
    from infra_lib.synth import stack_name as stack_name_of
    from infra_lib.synth import synth

    name = stack_name_of(checked)
    run_dir = _run_dir(out_dir, name, target)
    result = DeployResult(stack=name, target=target, status="failed")

    def finish() -> DeployResult:
        result.duration_s = time.perf_counter() - started
        _write_json_atomic(run_dir / "destroy.json", result.to_json())
        return result

    if not _confirm(target, yes, confirm, f"Delete stack {name} and all its resources (database included) "
                                          f"from AWS region {checked['region']}?"):
        result.status = "refused"
        result.message = "not confirmed: destroying on AWS needs a yes (answer the prompt, or pass --yes)"
        return finish()
    synth_result = synth(checked, check_deployable=False, out_dir=run_dir / "assembly")
    with ExitStack() as stack:
        tgt = _open_target(target, checked["region"], stack, progress)
        result.endpoint_url = tgt.endpoint_url
        if stack_status(tgt, name) is None:
            result.status = "not_found"
            result.message = f"no stack {name} on {target}" + (
                f" ({tgt.endpoint_url}, an emulator started for this command: it holds nothing yet)"
                if tgt.in_process else f" ({tgt.endpoint_url or checked['region']})")
            return finish()
        before = _now_utc()
        try:
            run = _run_cdk(["destroy", name, "--app", str(synth_result.assembly_dir), "--force"], tgt, cwd=run_dir,
                           progress=progress)
        except KeyboardInterrupt:
            result.status = "interrupted"
            result.stack_status = _safe(lambda: stack_status(tgt, name))
            result.cleanup = _cleanup_hint(tgt, scenario_name=checked["name"])
            result.message = f"interrupted during the destroy of {name}; stack status: {result.stack_status}. " \
                             f"{result.cleanup}"
            finish()
            raise DeployInterrupted(result) from None
        _write_log(run_dir / "cdk-destroy.log", run.lines)
        result.stack_status = _safe(lambda: stack_status(tgt, name))
        if run.returncode == 0 and result.stack_status is None:
            result.status = "destroyed"
            result.message = f"{name} deleted from {target}"
        else:
            result.failure = _safe(lambda: failure_from_events(tgt, name, since=before)) or {
                "resource": None, "type": None, "status": result.stack_status, "reason": _cli_failure(run.lines)}
            result.message = f"destroy of {name} failed: {result.failure['reason']}"
        return finish()


def diff_scenario(scenario: Mapping[str, Any], *, target: str = "local", progress: Progress | None = None) -> DiffResult:
    """What a deploy would change: the CDK CLI's diff of the synthesized template against the
    deployed stack (against nothing when there is none)."""
    started = time.perf_counter()
    checked, _ = _prepare(scenario, target, None)
    from infra_lib.synth import stack_name as stack_name_of
    from infra_lib.synth import synth

    name = stack_name_of(checked)
    synth_result = synth(checked, check_deployable=False)
    with ExitStack() as stack, tempfile.TemporaryDirectory(prefix="infrakit-diff-") as work:
        tgt = _open_target(target, checked["region"], stack, progress or (lambda line: None))
        run = _run_cdk(["diff", name, "--app", str(synth_result.assembly_dir), "--method", "template", "--fail"],
                       tgt, cwd=Path(work), progress=progress or (lambda line: None), prefix="")
    if run.returncode not in (0, 1):
        raise InfrakitError(f"cdk diff failed: {_cli_failure(run.lines)}")
    text = "\n".join(line for line in run.lines if not line.startswith("✨"))
    has_changes = run.returncode == 1 and "There were no differences" not in text
    if run.returncode == 1 and not re.search(r"^(Resources|Outputs|Parameters|Conditions|IAM|Security)", text,
                                             re.MULTILINE) and "[+]" not in text and "[-]" not in text \
            and "[~]" not in text:
        raise InfrakitError(f"cdk diff failed: {_cli_failure(run.lines)}")
    return DiffResult(name, target, has_changes, text.strip(), time.perf_counter() - started, tgt.endpoint_url)


# --------------------------------------------------------------------------- small helpers

def _now_utc():
    import datetime as dt

    # Events carry second precision; one second of slack keeps this deploy's own events.
    return dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)


def _safe(fn: Callable[[], Any]) -> Any:
    try:
        return fn()
    except Exception:  # noqa: BLE001  (best-effort read-back; the main outcome is already known)
        return None


def _write_log(path: Path, lines: list[str]) -> None:
    temp = path.with_name(f".{path.name}.tmp")
    temp.write_text("\n".join(lines) + "\n")
    os.replace(temp, path)


def _cleanup_hint(tgt: _Target, *, scenario_name: str) -> str:
    if tgt.in_process:
        return ("The emulator ran inside this command and stopped with it, so nothing is left to clean up; "
                "the next local deploy starts from an empty emulator.")
    where = "AWS" if tgt.name == "aws" else f"the emulator at {tgt.endpoint_url}"
    return (f"To clean up {where}: `infrakit destroy SCENARIO.yaml --target {tgt.name}`"
            + (" --yes" if tgt.name == "aws" else "") + f" (the scenario named {scenario_name}); "
            f"to retry instead, run the same deploy again (the CDK CLI resumes or replaces a failed stack).")

