"""Reading what users point the kit at: a CloudFormation template file (JSON or YAML) or a
cloud assembly (cdk.out). Shared by `infrakit cost --template` and `infrakit preflight`, so
both accept the same inputs and refuse bad ones with the same messages (exit 2).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence

from infrakit.core.cfn import cut, read_template_file
from infrakit.core.errors import InputError
from infrakit.core.schema.limits import MAX_TEMPLATE_FILE_BYTES
from infrakit.core.text import shown
from infrakit.core.yamlio import read_text_input


def load_template_file(path: str | Path, *, flag: str = "--template") -> dict[str, Any]:
    """A CloudFormation template (JSON, or YAML with short-form tags) or InputError naming ``flag``:
    at most MAX_TEMPLATE_FILE_BYTES and MAX_TEMPLATE_DEPTH levels, with the shape CloudFormation
    requires (every resource a mapping with a Type, Properties a mapping, ...)."""
    path = Path(path)
    if not path.exists():
        raise InputError([f"{flag}: template not found: {path} does not exist; pass a synthesized template "
                          f"such as cdk.out/STACK.template.json"])
    if path.is_dir():
        raise InputError([f"{flag}: {path} is a directory; for a cloud assembly use --assembly {path}"])
    return read_template_file(path, label=flag)[0]


@dataclass(frozen=True)
class AssemblyStack:
    name: str
    template_path: Path
    region: str | None


def assembly_stacks(directory: str | Path) -> list[AssemblyStack]:
    """The CloudFormation stacks a cloud assembly (cdk.out) holds, from its manifest; InputError
    for a manifest that is not one (every problem, naming the artifact and the key)."""
    directory = Path(directory)
    manifest_path = directory / "manifest.json"
    if not directory.is_dir():
        raise InputError([f"--assembly: {directory} is not a directory; pass a cloud assembly such as cdk.out "
                          f"(or a template with --template)"])
    if not manifest_path.is_file():
        raise InputError([f"--assembly: {directory} has no manifest.json: it is not a cloud assembly "
                          f"(run `cdk synth` or `infrakit synth --out DIR`)"])
    broken = f"--assembly: {manifest_path} is not a cloud assembly manifest"
    try:
        manifest = json.loads(read_text_input(manifest_path, what="cloud assembly manifest",
                                              max_bytes=MAX_TEMPLATE_FILE_BYTES))
    except InputError as exc:
        raise InputError([f"--assembly: {p}" for p in exc.problems]) from None
    except (ValueError, RecursionError) as exc:
        raise InputError([f"{broken}: {shown(str(exc), limit=200)}"]) from None
    artifacts = manifest.get("artifacts") if isinstance(manifest, dict) else None
    if not isinstance(artifacts, dict):
        raise InputError([f"{broken}: expected a JSON object with an 'artifacts' mapping"])
    stacks, problems = [], []
    for artifact_id, artifact in artifacts.items():
        if not isinstance(artifact, dict):
            problems.append(f"{broken}: artifact {shown(artifact_id, limit=60)} is not a mapping")
            continue
        if artifact.get("type") != "aws:cloudformation:stack":
            continue
        props = artifact.get("properties") or {}
        template_file = props.get("templateFile", f"{artifact_id}.template.json") if isinstance(props, dict) else None
        name = props.get("stackName") or artifact_id if isinstance(props, dict) else artifact_id
        environment = artifact.get("environment", "")
        if not isinstance(template_file, str) or not isinstance(name, str) or not isinstance(environment, str):
            problems.append(f"{broken}: artifact {shown(artifact_id, limit=60)} needs properties.templateFile, "
                            f"properties.stackName and environment as strings")
            continue
        region = environment.rsplit("/", 1)[-1]
        stacks.append(AssemblyStack(name=name, template_path=directory / template_file,
                                    region=None if not region or region.startswith("unknown") else region))
    if problems:
        raise InputError(problems)
    if not stacks:
        raise InputError([f"--assembly: {directory} holds no CloudFormation stack"])
    return stacks


def choose_stack(stacks: Sequence[AssemblyStack], wanted: str | None, directory: str | Path) -> AssemblyStack:
    names = ", ".join(cut(s.name, 80) for s in stacks[:10]) + (f" and {len(stacks) - 10:,} more" if len(stacks) > 10
                                                              else "")
    if wanted is not None:
        for stack in stacks:
            if stack.name == wanted:
                return stack
        raise InputError([f"--stack: {shown(wanted)} is not in {directory}; its stacks are: {names}"])
    if len(stacks) > 1:
        raise InputError([f"--assembly: {directory} holds {len(stacks)} stacks ({names}); choose one "
                          f"with --stack NAME"])
    return stacks[0]


def region_from_assembly(template_path: str | Path) -> str | None:
    """The region a cloud assembly (cdk.out) records for this template's stack, if any."""
    template_path = Path(template_path)
    if not (template_path.parent / "manifest.json").is_file():
        return None
    try:
        stacks = assembly_stacks(template_path.parent)
    except InputError:
        return None
    return next((s.region for s in stacks if s.template_path.name == template_path.name), None)
