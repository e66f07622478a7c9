"""The example CI workflow (examples/github-actions/infrakit-cost.yml), run locally: its steps'
shell commands on a real change in a scratch git repository, as GitHub Actions would run them
(bash -eo pipefail, GITHUB_OUTPUT, RUNNER_TEMP), with a stand-in `gh` that records what
would be posted instead of calling GitHub.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path

import pytest
import yaml

from tests.conftest import ROOT

WORKFLOW = ROOT / "examples" / "github-actions" / "infrakit-cost.yml"
FAKE_GH = """#!/bin/sh
# Stand-in for the GitHub CLI: log each call; list the comments the test put in $GH_COMMENTS.
printf '%s\\n' "$*" >> "$GH_LOG"
if [ "$1" = api ] && [ "$2" != --method ]; then cat "$GH_COMMENTS"; exit 0; fi
while [ $# -gt 0 ]; do
  case "$1" in
    --body-file) cp "$2" "$GH_POSTED"; shift ;;
    body=@*) cp "${1#body=@}" "$GH_POSTED" ;;
  esac
  shift
done
"""


def _workflow() -> dict:
    return yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))


def _git(repo: Path, *args: str) -> None:
    subprocess.run(["git", "-c", "user.email=ci@example.invalid", "-c", "user.name=ci", *args], cwd=repo,
                   check=True, capture_output=True)


def _repo(tmp_path: Path, head_text: str) -> Path:
    """A pull request: the base branch `main` (known as origin/main) holds dev.yaml; HEAD changes it."""
    repo = tmp_path / "repo"
    params = repo / "notebooks" / "params"
    params.mkdir(parents=True)
    base_text = (ROOT / "notebooks" / "params" / "dev.yaml").read_text(encoding="utf-8")
    (params / "dev.yaml").write_text(base_text, encoding="utf-8")
    _git(repo, "init", "-q", "-b", "main")
    _git(repo, "add", ".")
    _git(repo, "commit", "-q", "-m", "base")
    _git(repo, "update-ref", "refs/remotes/origin/main", "HEAD")
    _git(repo, "checkout", "-q", "-b", "feature")
    (params / "dev.yaml").write_text(head_text, encoding="utf-8")
    _git(repo, "commit", "-q", "--allow-empty", "-am", "head")
    return repo


def _outputs(path: Path) -> dict[str, str]:
    return dict(line.split("=", 1) for line in path.read_text().splitlines() if "=" in line) if path.exists() else {}


class Runner:
    """Runs the workflow's steps after checkout and install, like the Actions runner."""

    def __init__(self, tmp_path: Path, repo: Path, comments: list[dict]):
        self.repo, self.temp = repo, tmp_path / "runner"
        self.temp.mkdir()
        bin_dir = tmp_path / "bin"
        bin_dir.mkdir()
        (bin_dir / "gh").write_text(FAKE_GH)
        (bin_dir / "gh").chmod(0o755)
        (tmp_path / "comments.txt").write_text("".join(f"{c['id']}\n" for c in comments))
        self.gh_log, self.posted = tmp_path / "gh.log", tmp_path / "posted.md"
        self.outputs: dict[str, dict[str, str]] = {}
        self.env = {"PATH": f"{bin_dir}:{ROOT / '.venv' / 'bin'}:/usr/bin:/bin", "HOME": str(tmp_path),
                    "RUNNER_TEMP": str(self.temp), "GITHUB_STEP_SUMMARY": str(tmp_path / "summary.md"),
                    "GITHUB_REPOSITORY": "acme/payments", "GH_LOG": str(self.gh_log),
                    "GH_POSTED": str(self.posted), "GH_COMMENTS": str(tmp_path / "comments.txt"),
                    "INFRAKIT_CACHE_DIR": os.environ.get("INFRAKIT_CACHE_DIR", str(tmp_path / "cache")),
                    **{k: str(v) for k, v in _workflow()["env"].items()}}
        self.context = {"github.base_ref": "main", "github.token": "test-token",
                        "github.event.pull_request.number": "7"}

    def expression(self, text: str) -> str:
        def value(match):
            name = match.group(1).strip()
            step = re.fullmatch(r"steps\.(\w+)\.outputs\.(\w+)", name)
            return self.outputs.get(step.group(1), {}).get(step.group(2), "") if step else self.context[name]
        return re.sub(r"\$\{\{(.*?)\}\}", value, str(text))

    def condition(self, text: str | None) -> bool:
        if text is None:
            return True
        python = re.sub(r"steps\.(\w+)\.outputs\.(\w+)",
                        lambda m: repr(self.outputs.get(m.group(1), {}).get(m.group(2), "")), text)
        python = python.replace("always()", "True").replace("&&", " and ").replace("||", " or ")
        return bool(eval(python, {"__builtins__": {}}, {}))  # noqa: S307 - the test's own workflow file

    def run(self) -> list[tuple[str, int | None, str]]:
        done = []
        steps = _workflow()["jobs"]["cost"]["steps"]
        local = [s for s in steps if "run" in s and "pip install" not in s["run"]]
        for step in local:
            name = step.get("id") or step["name"]
            if not self.condition(step.get("if")):
                done.append((name, None, ""))
                continue
            output = self.temp / f"{name}.out"
            env = {**self.env, **{k: self.expression(v) for k, v in (step.get("env") or {}).items()},
                   "GITHUB_OUTPUT": str(output)}
            proc = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", step["run"]],
                                  cwd=self.repo, env=env, capture_output=True, text=True, timeout=300)
            self.outputs[name] = _outputs(output)
            done.append((name, proc.returncode, proc.stderr))
        return done


def _expected(text: str):
    from cost_model import cost_scenario
    from infrakit.core.schema import validate_scenario

    return cost_scenario(validate_scenario(yaml.safe_load(text)))


def test_the_workflow_is_an_example_not_this_repositorys_ci():
    workflow = _workflow()
    trigger = workflow.get("on", workflow.get(True))
    assert "pull_request" in trigger and workflow["permissions"]["pull-requests"] == "write"
    assert not (ROOT / ".github" / "workflows" / "infrakit-cost.yml").exists()
    for step in workflow["jobs"]["cost"]["steps"]:  # inputs through env:, so the commands run anywhere
        assert "${{" not in step.get("run", ""), step.get("name")


@pytest.mark.slow
def test_a_real_change_is_priced_posted_and_fails_the_gate(tmp_path):
    base_text = (ROOT / "notebooks" / "params" / "dev.yaml").read_text(encoding="utf-8")
    head_text = base_text.replace("nat_strategy: single", "nat_strategy: per_az").replace("az_count: 2", "az_count: 3")
    assert head_text != base_text
    runner = Runner(tmp_path, _repo(tmp_path, head_text), comments=[])
    steps = {name: (code, err) for name, code, err in runner.run()}

    assert steps["base"][0] == 0, steps["base"][1]
    base_cost = json.loads((runner.temp / "base-cost.json").read_text())
    base, head = _expected(base_text), _expected(head_text)
    assert base_cost["monthly_usd"] == base.monthly_usd and base_cost["verdict"]["status"] == "ok"

    assert steps["compare"][0] == 0 and runner.outputs["compare"]["exit_code"] == "1"  # over the 20% gate
    markdown = (runner.temp / "cost.md").read_text()
    increase = round(head.monthly_usd - base.monthly_usd, 2)
    pct = (head.monthly_usd - base.monthly_usd) / base.monthly_usd * 100
    assert pct > 20
    assert markdown.startswith("<!-- infrakit-cost -->") and "❌ failed" in markdown
    assert f"+${increase:,.2f} per month (+{pct:.1f}%)" in markdown
    assert f"❌ --max-increase-percent 20: the monthly cost changes by +{pct:.1f}%" in markdown
    assert "| NAT gateway | 1 NAT gateway(s) → 3 NAT gateway(s) | `NatGateway-Hours` |" in markdown
    assert f"${head.monthly_usd:,.2f}" in markdown and f"${base.monthly_usd:,.2f}" in markdown
    assert "--max-increase-percent 20" in steps["compare"][1]  # the reason in the CI log too
    assert (tmp_path / "summary.md").read_text() == markdown

    calls = runner.gh_log.read_text().splitlines()
    assert calls[0].startswith("api repos/acme/payments/issues/7/comments")
    assert calls[-1] == f"pr comment 7 --body-file {runner.temp / 'cost.md'}"  # no comment yet: a new one
    assert runner.posted.read_text() == markdown
    assert steps["Fail on a gate"][0] == 1


@pytest.mark.slow
def test_a_change_within_the_gates_passes_and_updates_its_comment(tmp_path):
    base_text = (ROOT / "notebooks" / "params" / "dev.yaml").read_text(encoding="utf-8")
    assert "log_retention_days" not in base_text
    head_text = base_text + "log_retention_days: 14\n"  # less log storage: a small saving
    runner = Runner(tmp_path, _repo(tmp_path, head_text), comments=[{"id": 4242}])
    steps = {name: (code, err) for name, code, err in runner.run()}

    assert steps["compare"][0] == 0 and runner.outputs["compare"]["exit_code"] == "0", steps["compare"][1]
    markdown = (runner.temp / "cost.md").read_text()
    assert "✅ ok" in markdown and "✅ --max-increase-percent 20" in markdown
    calls = runner.gh_log.read_text().splitlines()
    assert calls[-1] == f"api --method PATCH repos/acme/payments/issues/comments/4242 -F body=@{runner.temp / 'cost.md'}"
    assert runner.posted.read_text() == markdown
    assert steps["Fail on a gate"][1] == "" and steps["Fail on a gate"][0] is None  # skipped


@pytest.mark.slow
def test_a_scenario_new_on_the_branch_is_priced_alone(tmp_path):
    repo = _repo(tmp_path, (ROOT / "notebooks" / "params" / "dev.yaml").read_text(encoding="utf-8"))
    runner = Runner(tmp_path, repo, comments=[])
    runner.env["SCENARIO"] = "notebooks/params/new.yaml"
    (repo / "notebooks" / "params" / "new.yaml").write_text("name: new\n")
    steps = {name: (code, err) for name, code, err in runner.run()}
    assert runner.outputs["base"]["found"] == "false" and "is new on this branch" in steps["base"][1]
    assert runner.outputs["compare"]["exit_code"] == "0"
    assert "### infrakit cost: ✅ ok" in (runner.temp / "cost.md").read_text()
