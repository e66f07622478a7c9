"""Reading what users point the kit at: a CloudFormation template file (JSON or YAML) or a
cloud assembly (cdk.out). Shared by `infrakit cost --template` and `infrakit preflight`, so
both accept the same inputs and refuse bad ones with the same messages (exit 2).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence

from infrakit.core.errors import InputError


def load_template_file(path: str | Path, *, flag: str = "--template") -> dict[str, Any]:
    """A CloudFormation template (JSON, or YAML with short-form tags) or InputError naming ``flag``."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError([f"{flag}: template not found: {path} does not exist; pass a synthesized template "
                          f"such as cdk.out/STACK.template.json"]) from None
    except IsADirectoryError:
        raise InputError([f"{flag}: {path} is a directory; for a cloud assembly use --assembly {path}"]) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError([f"{flag}: cannot read {path}: {exc}"]) from None
    try:
        template = json.loads(text)
    except json.JSONDecodeError as json_error:
        template = _yaml_template(text, path, json_error, flag)
    if not isinstance(template, dict) or not isinstance(template.get("Resources"), dict) \
            or not template["Resources"]:
        raise InputError([f"{flag}: {path} is not a CloudFormation template: it has no Resources mapping "
                          f"(expected a top-level 'Resources' with at least one resource)"])
    bad = [name for name, r in template["Resources"].items()
           if not isinstance(r, dict) or not isinstance(r.get("Type"), str)]
    if bad:
        raise InputError([f"{flag}: {path}: resource {name!r} has no Type" for name in bad])
    return template


def _yaml_template(text: str, path: Path, json_error: json.JSONDecodeError, flag: str) -> Any:
    if text.lstrip().startswith(("{", "[")):
        raise InputError([f"{flag}: {path} is not JSON (line {json_error.lineno}, column {json_error.colno}: "
                          f"{json_error.msg}); pass a synthesized template such as cdk.out/STACK.template.json"])
    from cfnlint.decode.decode import decode_str

    template, matches = decode_str(text)
    if matches or template is None:
        detail = matches[0].message if matches else "empty"
        raise InputError([f"{flag}: {path} is neither JSON nor a YAML CloudFormation template ({detail})"])
    return template


@dataclass(frozen=True)
class AssemblyStack:
    name: str
    template_path: Path
    region: str | None


def assembly_stacks(directory: str | Path) -> list[AssemblyStack]:
    """The CloudFormation stacks a cloud assembly (cdk.out) holds, from its manifest."""
    directory = Path(directory)
    manifest_path = directory / "manifest.json"
    if not directory.is_dir():
        raise InputError([f"--assembly: {directory} is not a directory; pass a cloud assembly such as cdk.out "
                          f"(or a template with --template)"])
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        artifacts = manifest["artifacts"]
    except FileNotFoundError:
        raise InputError([f"--assembly: {directory} has no manifest.json: it is not a cloud assembly "
                          f"(run `cdk synth` or `infrakit synth --out DIR`)"]) from None
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise InputError([f"--assembly: {manifest_path} is not a readable cloud assembly manifest: {exc}"]) from None
    stacks = []
    for artifact_id, artifact in artifacts.items():
        if artifact.get("type") != "aws:cloudformation:stack":
            continue
        props = artifact.get("properties") or {}
        region = str(artifact.get("environment", "")).rsplit("/", 1)[-1]
        stacks.append(AssemblyStack(
            name=props.get("stackName") or artifact_id,
            template_path=directory / props.get("templateFile", f"{artifact_id}.template.json"),
            region=None if not region or region.startswith("unknown") else region))
    if not stacks:
        raise InputError([f"--assembly: {directory} holds no CloudFormation stack"])
    return stacks


def choose_stack(stacks: Sequence[AssemblyStack], wanted: str | None, directory: str | Path) -> AssemblyStack:
    names = [s.name for s in stacks]
    if wanted is not None:
        for stack in stacks:
            if stack.name == wanted:
                return stack
        raise InputError([f"--stack: {wanted!r} is not in {directory}; its stacks are: {', '.join(names)}"])
    if len(stacks) > 1:
        raise InputError([f"--assembly: {directory} holds {len(stacks)} stacks ({', '.join(names)}); choose one "
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
