"""Deploy's steps one at a time, without the CDK CLI: verification when resources are missing,
recovery from states an earlier run left, the locks, the record written at the start, what
happens when files cannot be written, and SIGTERM handled like Ctrl-C. No network: boto3
clients are stubbed (botocore Stubber) or never reached."""

from __future__ import annotations

import datetime as dt
import errno
import json
import os
import signal
from pathlib import Path

import boto3
import pytest
from botocore.stub import Stubber

from infra_lib.cdk.assembly_out import MARKER
from infrakit.cli import main
from infrakit.core import signals
from infrakit.core.errors import InputError
from infrakit.core.files import FolderLock, output_problem
from infrakit.core.schema import load_scenario
from infrakit.deploy import DeployOutputError, Target, deploy_scenario, readback, run
from infrakit.deploy import job as jobs
from infrakit.deploy.target import stack_lock_key
from infrakit.deploy.verify import verify_stack

ROOT = Path(__file__).resolve().parents[1]
DEV = ROOT / "notebooks" / "params" / "dev.yaml"
STACK = "PaymentApi-dev"
NOW = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


def quiet(line: str) -> None:
    pass


def stubbed_target(*services: str) -> tuple[Target, dict[str, Stubber]]:
    """A local Target whose boto3 clients are stubbed: a call without a queued answer fails."""
    clients = {s: boto3.client(s, region_name="us-east-1", endpoint_url="http://127.0.0.1:9",
                               aws_access_key_id="testing", aws_secret_access_key="testing") for s in services}
    stubbers = {s: Stubber(c) for s, c in clients.items()}
    for stubber in stubbers.values():
        stubber.activate()
    return Target("local", {}, "us-east-1", "http://127.0.0.1:9", in_process=False, _clients=clients), stubbers


TEMPLATE = {"Resources": {
    "Vpc": {"Type": "AWS::EC2::VPC", "Properties": {}},
    "Nat": {"Type": "AWS::EC2::NatGateway", "Properties": {}},
    "Db": {"Type": "AWS::RDS::DBCluster", "Properties": {"EngineVersion": "17.7"}},
    "Writer": {"Type": "AWS::RDS::DBInstance", "Properties": {"DBClusterIdentifier": {"Ref": "Db"}}},
    "Alb": {"Type": "AWS::ElasticLoadBalancingV2::LoadBalancer", "Properties": {}},
    "Http": {"Type": "AWS::ElasticLoadBalancingV2::Listener", "Properties": {"Port": 80, "Protocol": "HTTP"}},
}}


def resource(logical_id: str, kind: str, physical_id: str | None = None) -> dict:
    entry = {"LogicalResourceId": logical_id, "ResourceType": kind, "Timestamp": NOW,
             "ResourceStatus": "CREATE_COMPLETE", "StackName": STACK}
    if physical_id:
        entry["PhysicalResourceId"] = physical_id
    return entry


# ------------------------------------------------------------------ verification never crashes


def test_verification_of_a_stack_without_physical_resources_fails_each_check_by_name():
    """A stack record with no resources behind it (what an interrupted create left) used to
    crash verification with ParamValidationError (value None)."""
    tgt, stubs = stubbed_target("cloudformation")
    stubs["cloudformation"].add_response("describe_stack_resources", {"StackResources": [
        resource("Vpc", "AWS::EC2::VPC"), resource("Db", "AWS::RDS::DBCluster")]}, {"StackName": STACK})
    verified = verify_stack(tgt, STACK, TEMPLATE)
    assert verified["ok"] is False
    by_name = {c["check"]: c for c in verified["checks"]}
    assert set(by_name) == {"nat_gateways", "db_engine_version", "db_instances", "alb_listeners", "alb_ingress_ports"}
    assert not any(c["ok"] for c in by_name.values())
    assert by_name["nat_gateways"]["actual"] == f"missing: Vpc has no physical resource in stack {STACK}"
    assert by_name["alb_listeners"]["expected"] == [[80, "HTTP"]]
    stubs["cloudformation"].assert_no_pending_responses()


def test_verification_reports_a_resource_the_service_no_longer_has():
    tgt, stubs = stubbed_target("cloudformation", "ec2", "rds")
    stubs["cloudformation"].add_response("describe_stack_resources", {"StackResources": [
        resource("Vpc", "AWS::EC2::VPC", "vpc-1"), resource("Db", "AWS::RDS::DBCluster", "payment-api-dev")]},
        {"StackName": STACK})
    stubs["ec2"].add_response("describe_nat_gateways", {"NatGateways": [{"NatGatewayId": "nat-1"}]})
    stubs["rds"].add_client_error("describe_db_clusters", service_error_code="DBClusterNotFoundFault",
                                  http_status_code=404)
    no_alb = {"Resources": {k: v for k, v in TEMPLATE["Resources"].items() if k not in ("Alb", "Http")}}
    verified = verify_stack(tgt, STACK, no_alb)
    by_name = {c["check"]: c for c in verified["checks"]}
    assert by_name["nat_gateways"] == {"check": "nat_gateways", "expected": 1, "actual": 1, "ok": True}
    assert by_name["db_instances"]["actual"] == "missing: DB cluster payment-api-dev (DBClusterNotFoundFault)"
    assert verified["ok"] is False


# ------------------------------------------------------------------ recovery from an earlier run's state


def make_job(tmp_path: Path, action: str = "deploy") -> tuple[jobs.Job, list[str]]:
    lines: list[str] = []
    job = jobs.Job(action, {"name": "dev", "region": "us-east-1"}, STACK, "local", tmp_path, lines.append)
    return job, lines


def record(status: str, stack_id: str = "id-1") -> dict:
    return {"StackName": STACK, "StackId": stack_id, "StackStatus": status}


def test_an_operation_left_under_way_is_waited_for_then_reported_with_what_to_do(tmp_path, monkeypatch):
    job, lines = make_job(tmp_path)
    tgt = Target("local", {}, "us-east-1", "http://127.0.0.1:9", in_process=False)
    monkeypatch.setattr(readback, "stacks_named", lambda t, name: [record("UPDATE_IN_PROGRESS")])
    monkeypatch.setattr(readback, "stack_status", lambda t, name: "UPDATE_IN_PROGRESS")
    monkeypatch.setattr(readback, "SETTLE_POLL_S", 0.01)
    monkeypatch.setitem(run.SETTLE_TIMEOUT_S, "local", 0.05)
    with pytest.raises(jobs.Finished):
        run.recover_stack(job, tgt)
    assert job.result.status == "failed" and job.result.failure["type"] == "stack_state"
    assert "still UPDATE_IN_PROGRESS" in job.result.message and "Wait until it ends" in job.result.message
    assert any("waiting up to" in line for line in lines)


def test_an_operation_that_settles_lets_the_deploy_go_on(tmp_path, monkeypatch):
    job, _ = make_job(tmp_path)
    tgt = Target("local", {}, "us-east-1", "http://127.0.0.1:9", in_process=False)
    answers = iter(["CREATE_IN_PROGRESS", "CREATE_IN_PROGRESS", "CREATE_COMPLETE"])
    monkeypatch.setattr(readback, "stacks_named", lambda t, name: [record("CREATE_IN_PROGRESS")])
    monkeypatch.setattr(readback, "stack_status", lambda t, name: next(answers))
    monkeypatch.setattr(readback, "SETTLE_POLL_S", 0.01)
    run.recover_stack(job, tgt)  # no verdict: the deploy goes on
    assert job.result.recovered == {"stack_status": "CREATE_IN_PROGRESS", "action": "waited; now CREATE_COMPLETE"}


@pytest.mark.parametrize("status", ["ROLLBACK_FAILED", "DELETE_FAILED", "UPDATE_ROLLBACK_FAILED"])
def test_a_state_no_deploy_can_go_over_is_refused_with_destroy_as_the_way_out(tmp_path, monkeypatch, status):
    job, _ = make_job(tmp_path)
    tgt = Target("local", {}, "us-east-1", "http://127.0.0.1:9", in_process=False)
    monkeypatch.setattr(readback, "stacks_named", lambda t, name: [record(status)])
    with pytest.raises(jobs.Finished):
        run.recover_stack(job, tgt)
    assert job.result.status == "failed" and f"is {status}" in job.result.message
    assert "infrakit destroy" in job.result.message and job.result.stack_status == status
    destroying, _ = make_job(tmp_path, "destroy")
    run.recover_stack(destroying, tgt)  # a destroy goes ahead: deleting is the way out


def test_an_empty_review_in_progress_record_is_deleted_on_the_emulator_only(tmp_path, monkeypatch):
    deleted: list[list[str]] = []
    monkeypatch.setattr(readback, "stacks_named", lambda t, name: [record("REVIEW_IN_PROGRESS", "arn-review")])
    monkeypatch.setattr(readback, "delete_stack_records", lambda t, ids: deleted.append(ids))
    job, _ = make_job(tmp_path)
    run.recover_stack(job, Target("local", {}, "us-east-1", "http://127.0.0.1:9", in_process=False))
    assert deleted == [["arn-review"]] and job.result.recovered["stack_status"] == "REVIEW_IN_PROGRESS"
    on_aws, _ = make_job(tmp_path)
    run.recover_stack(on_aws, Target("aws", {}, "us-east-1", None, in_process=False))  # AWS reuses it itself
    assert deleted == [["arn-review"]] and on_aws.result.recovered is None


# ------------------------------------------------------------------ one run per stack and folder


def test_the_stack_lock_is_one_per_emulator_and_stack_however_the_url_is_spelled(monkeypatch):
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://localhost:4566/")
    first = stack_lock_key("local", "us-east-1", STACK)
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:4566")
    assert stack_lock_key("local", "us-east-1", STACK) == first
    assert stack_lock_key("local", "us-east-1", "PaymentApi-prod") != first
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:4567")
    assert stack_lock_key("local", "us-east-1", STACK) != first
    monkeypatch.delenv("AWS_ENDPOINT_URL")
    assert stack_lock_key("local", "us-east-1", STACK) is None  # an emulator of its own: nobody else reaches it
    assert stack_lock_key("aws", "eu-west-1", STACK) == f"aws|eu-west-1|{STACK}"


def test_a_second_deploy_of_a_stack_being_deployed_is_refused_naming_the_holder(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://localhost:9")  # never reached: the lock comes first
    monkeypatch.setattr("infra_lib.cdk.synth.synth", lambda *a, **k: pytest.fail("synthesized while locked out"))
    with FolderLock(jobs.stack_lock_path("local", "us-east-1", STACK), what="the test's deploy"):
        result = deploy_scenario(load_scenario(DEV), out_dir=tmp_path, progress=quiet)
        assert result.status == "refused" and f"process {os.getpid()}" in result.message
        assert f"{STACK} on http://localhost:9 is running" in result.message
        assert json.loads((tmp_path / "deploy.json").read_text())["status"] == "refused"
        assert main(["deploy", str(DEV), "--out", str(tmp_path / "cli"), "--json"]) == 1
        assert json.loads(capsys.readouterr().out)["status"] == "refused"
    assert not (tmp_path / ".infrakit.lock").exists()  # the run's own folder lock is gone with it


def test_a_deploy_into_a_folder_another_run_writes_to_leaves_that_runs_files_alone(tmp_path, monkeypatch):
    monkeypatch.setattr("infra_lib.cdk.synth.synth", lambda *a, **k: pytest.fail("synthesized while locked out"))
    theirs = json.dumps({"status": "running", "pid": 1})
    (tmp_path / "deploy.json").write_text(theirs)
    with FolderLock(tmp_path, what="the other run"):
        result = deploy_scenario(load_scenario(DEV), out_dir=tmp_path, progress=quiet)
    assert result.status == "refused" and "--out" in result.message and f"process {os.getpid()}" in result.message
    assert (tmp_path / "deploy.json").read_text() == theirs


def test_bad_out_folder_and_bad_target_are_reported_together_before_any_work(tmp_path, monkeypatch):
    monkeypatch.setattr("infra_lib.cdk.synth.synth", lambda *a, **k: pytest.fail("synthesized on bad input"))
    (tmp_path / "a-file").write_text("not a folder")
    with pytest.raises(InputError) as err:
        deploy_scenario(load_scenario(DEV), target="staging", out_dir=tmp_path / "a-file" / "run", progress=quiet)
    assert len(err.value.problems) == 2
    assert "'staging'" in str(err.value) and f"--out: {tmp_path / 'a-file' / 'run'} cannot be written" in str(err.value)


# ------------------------------------------------------------------ the record on disk


def test_the_result_is_written_after_making_room_and_otherwise_raised_with_the_result(tmp_path, monkeypatch):
    job, _ = make_job(tmp_path)
    job.result.status = "deployed"
    (tmp_path / "assembly").mkdir()
    (tmp_path / "assembly" / "manifest.json").write_text("{}")
    (tmp_path / "assembly" / MARKER).write_text("the kit's own copy")
    real = jobs.write_json_atomic
    calls = []

    def full_once(path, data, **kwargs):
        calls.append(path)
        if len(calls) == 1:
            raise output_problem(path, OSError(errno.ENOSPC, "No space left on device"))
        return real(path, data, **kwargs)

    monkeypatch.setattr(jobs, "write_json_atomic", full_once)
    jobs._end(job)
    saved = json.loads((tmp_path / "deploy.json").read_text())
    assert saved["status"] == "deployed" and "removed to make room" in saved["message"]
    assert not (tmp_path / "assembly").exists()

    again, _ = make_job(tmp_path)
    again.result.status = "deployed"
    monkeypatch.setattr(jobs, "write_json_atomic", lambda path, data, **k: (_ for _ in ()).throw(
        output_problem(path, OSError(errno.ENOSPC, "No space left on device"))))
    with pytest.raises(DeployOutputError) as err:
        jobs._end(again)
    assert err.value.result.status == "deployed" and "No space left on device" in str(err.value)


def test_a_log_that_cannot_be_written_after_a_deploy_fails_the_run_and_says_it_deployed(tmp_path, monkeypatch):
    job, _ = make_job(tmp_path)
    job.result.status = "deployed"
    job.cli_lines = ["✅  PaymentApi-dev"]

    def full(path, lines):
        raise output_problem(path, OSError(errno.ENOSPC, "No space left on device"))

    monkeypatch.setattr(jobs, "write_lines_atomic", full)
    jobs._end(job)
    saved = json.loads((tmp_path / "deploy.json").read_text())
    assert saved["status"] == "failed" and saved["failure"]["type"] == "output"
    assert saved["message"].startswith(f"{STACK} was deployed on local, but its results could not be saved")


# ------------------------------------------------------------------ signals


def test_sigterm_raises_like_ctrl_c_inside_and_not_after():
    before = signal.getsignal(signal.SIGTERM)
    with pytest.raises(KeyboardInterrupt) as err, signals.terminate_as_interrupt():
        os.kill(os.getpid(), signal.SIGTERM)
    assert isinstance(err.value, signals.Terminated) and signals.signal_name(err.value) == "SIGTERM"
    assert signal.getsignal(signal.SIGTERM) is before
    assert signals.SIGNAL_EXIT_CODES == {"SIGINT": 130, "SIGTERM": 130}


def test_the_shield_holds_ctrl_c_off_while_the_result_is_saved(capsys):
    before = signal.getsignal(signal.SIGINT)
    with signals.shielded("holding"):
        os.kill(os.getpid(), signal.SIGINT)
        reached = True
    assert reached and "holding" in capsys.readouterr().err
    assert signal.getsignal(signal.SIGINT) is before


def test_making_room_never_deletes_an_assembly_folder_the_kit_did_not_write(tmp_path, monkeypatch):
    job, _ = make_job(tmp_path)
    job.result.status = "deployed"
    (tmp_path / "assembly").mkdir()
    (tmp_path / "assembly" / "theirs.txt").write_text("not the kit's")  # no marker
    kit_copy_too = tmp_path / "kit" / "assembly"
    kit_copy_too.mkdir(parents=True)
    (kit_copy_too / MARKER).write_text("the kit's")
    (kit_copy_too / "notes.md").write_text("added by hand")  # the kit's folder, with a file it did not write
    assert not jobs._make_room(make_job(tmp_path / "kit")[0]) and (kit_copy_too / "notes.md").exists()
    monkeypatch.setattr(jobs, "write_json_atomic", lambda path, data, **k: (_ for _ in ()).throw(
        output_problem(path, OSError(errno.ENOSPC, "No space left on device"))))
    with pytest.raises(DeployOutputError, match="No space left on device"):
        jobs._end(job)
    assert (tmp_path / "assembly" / "theirs.txt").read_text() == "not the kit's"


def test_a_foreign_assembly_folder_in_out_is_bad_input_before_any_slow_work(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr("infra_lib.cdk.synth.synth", lambda *a, **k: pytest.fail("synthesized on bad input"))
    (tmp_path / "assembly").mkdir()
    (tmp_path / "assembly" / "theirs.txt").write_text("not the kit's")
    with pytest.raises(InputError) as err:
        deploy_scenario(load_scenario(DEV), out_dir=tmp_path, progress=quiet)
    assert f"--out: {tmp_path / 'assembly'} holds files infrakit did not write" in str(err.value)
    assert "internal error" not in str(err.value) and not (tmp_path / "deploy.json").exists()
    assert main(["deploy", str(DEV), "--out", str(tmp_path), "--json"]) == 2
    assert "choose another folder with --out" in capsys.readouterr().err
    assert (tmp_path / "assembly" / "theirs.txt").read_text() == "not the kit's"
    (tmp_path / "assembly" / MARKER).write_text("an earlier deploy's")
    (problem,) = jobs.assembly_problems(tmp_path)  # the kit's copy, and a file added to it since
    assert "theirs.txt" in problem and "never deletes what it did not create" in problem
    (tmp_path / "assembly" / "theirs.txt").unlink()
    (tmp_path / "assembly" / "manifest.json").write_text("{}")
    assert jobs.assembly_problems(tmp_path) == []  # the kit's own copy: replaced by the next deploy


def test_deploy_json_prints_the_interrupted_result_with_exit_130(tmp_path, monkeypatch, capsys):
    from infrakit.deploy import DeployInterrupted, DeployResult

    def interrupted(*a, **k):
        result = DeployResult(stack=STACK, target="local", status="interrupted")
        result.interrupted_by, result.message = "SIGTERM", "interrupted (SIGTERM) during the deploy"
        raise DeployInterrupted(result)

    monkeypatch.setattr("infrakit.deploy.deploy_scenario", interrupted)
    assert main(["deploy", str(DEV), "--out", str(tmp_path), "--json"]) == 130
    out = json.loads(capsys.readouterr().out)
    assert out["status"] == "interrupted" and out["interrupted_by"] == "SIGTERM" and out["stack"] == STACK


def test_an_out_folder_that_cannot_exist_is_bad_input_before_any_work(capsys):
    from infrakit.cli import main

    code = main(["deploy", str(ROOT / "notebooks/params/dev.yaml"), "--target", "local", "--out",
                 "/proc/infrakit-no-such-place",
                 "--json"])
    err = capsys.readouterr().err
    assert code == 2 and "/proc/infrakit-no-such-place" in err and "--out" in err and "Traceback" not in err


def test_every_documented_json_key_is_there_even_when_it_does_not_apply():
    from infrakit.deploy.results import DEPLOYED, DeployResult

    data = DeployResult(stack="PaymentApi-dev", target="local", status=DEPLOYED).to_json()
    documented = {"stack", "target", "status", "outputs", "verified", "duration_s", "phases_s", "message", "failure",
                  "preflight", "stack_status", "cleanup", "started_at", "interrupted_by", "recovered"}
    assert documented <= set(data) and data["failure"] is None and data["recovered"] is None
    assert "pid" not in data  # only while running
