"""Every change the emulator makes to moto, each a named function listed in ``PATCHES``.

moto offers no public hook for CloudFormation models or failure handling, so the emulator
replaces attributes of moto's CloudFormation internals. They were written against one moto
(``PINNED_MOTO_VERSION``, the pin in pyproject.toml): ``apply_patches()`` first checks the
installed version and that every patched attribute exists, and raises ``MotoVersionError``
naming both versions and what to do, instead of an ``AttributeError`` or a hang deep inside a
deploy. The patches are global and permanent for the process (moto's backends are too).

What they do:

- ``resource_class_from_type``: the kit's models (``models/``) before moto's; metadata types are no-ops.
- ``parse_and_create_resource`` / ``parse_and_update_resource`` / ``delete_resource``: progress
  events per resource; a resource that fails fails the stack (``ResourceFailed``) instead of being
  skipped or dropped; deletes for types moto cannot delete (``deleters``).
- ``update_resources`` (``ResourceMap.update``): a resource an update deletes leaves the stack's
  state too (moto kept it, so a later update adding it back created nothing).
- ``create_stack`` / ``create_change_set``: a type the emulator cannot create fails the call,
  naming it; a stack name is unique among stacks that are not DELETE_COMPLETE.
- ``describe_change_set`` / ``delete_change_set`` (backend and responses): scoped to the stack,
  as AWS scopes change-set names.
- ``execute_change_set`` / ``create_resources``: a failed resource rolls the stack back
  (ROLLBACK_COMPLETE, UPDATE_ROLLBACK_COMPLETE), never a 500.
- ``get_stack_from_s3_url``: a TemplateURL on 127.0.0.1 (or any loopback address) is read
  path-style, as on localhost.
"""

from __future__ import annotations

import functools
import importlib
import importlib.metadata
import ipaddress
import threading
from typing import Any
from urllib.parse import unquote, urlparse

from infra_lib.emulator import cfn_state
from infra_lib.emulator.common import NO_OP_TYPES, MotoVersionError, ResourceFailed, is_not_found, reason

PINNED_MOTO_VERSION = "5.2.5"  # == the moto pin in pyproject.toml (tests/test_emulator_patches.py checks)

PARSING = "moto.cloudformation.parsing"
RESOURCE_MAP = "moto.cloudformation.parsing:ResourceMap"
BACKEND = "moto.cloudformation.models:CloudFormationBackend"
STACK = "moto.cloudformation.models:Stack"
RESPONSE = "moto.cloudformation.responses:CloudFormationResponse"

_ORIGINALS: dict[tuple[str, str], Any] = {}
_APPLIED = False
# Held while a stack name is checked and taken: moto's server answers requests in threads.
_STACK_NAMES = threading.RLock()


# --------------------------------------------------------------------------- the version gate

def installed_moto_version() -> str | None:
    try:
        return importlib.metadata.version("moto")
    except importlib.metadata.PackageNotFoundError:
        return None


def check_moto_version(installed: str | None = None) -> None:
    """Raise ``MotoVersionError`` unless moto ``PINNED_MOTO_VERSION`` is installed."""
    installed = installed if installed is not None else installed_moto_version()
    if installed == PINNED_MOTO_VERSION:
        return
    found = f"moto {installed} is installed" if installed else "moto is not installed"
    raise MotoVersionError(
        f"The local AWS emulator needs moto {PINNED_MOTO_VERSION}, but {found}. Its CloudFormation models "
        f"and failure handling patch moto internals written against {PINNED_MOTO_VERSION} (see "
        f"infra_lib/emulator/moto_patches.py). Install the pinned version with `make setup` or "
        f"`pip install 'moto[server,cloudformation]=={PINNED_MOTO_VERSION}'`; to move to another moto, "
        f"change the pin in pyproject.toml and PINNED_MOTO_VERSION together and run tests/test_emulator*.py.")


def _owner(path: str) -> Any:
    module_name, _, class_name = path.partition(":")
    owner = importlib.import_module(module_name)
    return getattr(owner, class_name) if class_name else owner


def original(owner: str, attribute: str) -> Any:
    """moto's own ``owner.attribute``, as it was before ``apply_patches``."""
    return _ORIGINALS[(owner, attribute)]


# --------------------------------------------------------------------------- resources

def resource_class_from_type(resource_type: str):
    from infra_lib.emulator.registry import kit_models

    if resource_type in kit_models():
        return kit_models()[resource_type]
    if resource_type in NO_OP_TYPES:
        return None
    return original(PARSING, "resource_class_from_type")(resource_type)


def parse_and_create_resource(logical_id, resource_json, resources_map, account_id, region_name):
    condition = resource_json.get("Condition")
    if condition and not resources_map.lazy_condition_map[condition]:
        return None
    resource_type = resource_json["Type"]
    if resource_type in NO_OP_TYPES:
        return None
    stack = cfn_state.stack_of(resources_map)
    cfn_state.resource_event(stack, logical_id, resource_type, "CREATE_IN_PROGRESS")
    try:
        resource = original(PARSING, "parse_and_create_resource")(
            logical_id, resource_json, resources_map, account_id, region_name)
    except ResourceFailed:
        raise  # a resource this one refers to failed; that one is the cause
    except Exception as exc:
        text = reason(exc)
        cfn_state.resource_event(stack, logical_id, resource_type, "CREATE_FAILED", text)
        raise ResourceFailed(logical_id, resource_type, text) from exc
    if resource is None:  # moto skipped it: never silently
        text = _unsupported_message([resource_type])
        cfn_state.resource_event(stack, logical_id, resource_type, "CREATE_FAILED", text)
        raise ResourceFailed(logical_id, resource_type, text)
    cfn_state.resource_event(stack, logical_id, resource_type, "CREATE_COMPLETE",
                             physical_id=cfn_state.physical_id_of(resource))
    return resource


def parse_and_update_resource(logical_id, resource_json, resources_map, account_id, region_name):
    resource_type = resource_json["Type"]
    stack = cfn_state.stack_of(resources_map)
    before = resources_map._parsed_resources.get(logical_id)
    cfn_state.resource_event(stack, logical_id, resource_type, "UPDATE_IN_PROGRESS",
                             physical_id=cfn_state.physical_id_of(before))
    resource_class = resource_class_from_type(resource_type)
    try:
        if resource_class is None or hasattr(resource_class.update_from_cloudformation_json, "__isabstractmethod__"):
            # moto would drop the resource from the stack (it stores None); say so instead.
            raise ValueError(f"the local emulator cannot update {resource_type} in place (no update "
                             f"model); destroy the stack and deploy again, or deploy with --target aws")
        resource = original(PARSING, "parse_and_update_resource")(
            logical_id, resource_json, resources_map, account_id, region_name)
    except ResourceFailed:
        raise
    except Exception as exc:
        text = reason(exc)
        cfn_state.resource_event(stack, logical_id, resource_type, "UPDATE_FAILED", text)
        raise ResourceFailed(logical_id, resource_type, text) from exc
    cfn_state.resource_event(stack, logical_id, resource_type, "UPDATE_COMPLETE",
                             physical_id=cfn_state.physical_id_of(resource))
    return resource


def delete_resource(self, parsed_resource, resource_json):
    """``ResourceMap._delete_resource``: events, and the kit's deleters where moto has none."""
    from infra_lib.emulator.deleters import fallback_delete, fallback_delete_applies

    stack = cfn_state.stack_of(self)
    logical_id = getattr(parsed_resource, "logical_resource_id", "?")
    resource_type = resource_json.get("Type", "?")
    physical = cfn_state.physical_id_of(parsed_resource)
    cfn_state.resource_event(stack, logical_id, resource_type, "DELETE_IN_PROGRESS", physical_id=physical)
    try:
        if not fallback_delete_applies(parsed_resource, resource_type):
            original(RESOURCE_MAP, "_delete_resource")(self, parsed_resource, resource_json)
        else:
            fallback_delete(parsed_resource, resource_type, self._account_id, self._region_name)
    except Exception as exc:
        # Already gone with its parent (a listener with its load balancer): deleted, as on
        # AWS. Anything else is retried by moto in a later pass (dependency order).
        if not is_not_found(exc):
            raise
    cfn_state.resource_event(stack, logical_id, resource_type, "DELETE_COMPLETE", physical_id=physical)
    cfn_state.note_deleted(self, logical_id, parsed_resource)


def update_resources(self, template, parameters=None):
    """``ResourceMap.update``: what its Remove phase deleted is forgotten, even when the update fails.

    moto deletes a removed resource but keeps it in ``_parsed_resources``: the stack state then
    pointed at a deleted NAT gateway, and an update adding it back (nat_strategy single ->
    per_az -> single -> per_az) found the stale entry and created nothing.
    """
    with cfn_state.deletions_forgotten(self):
        original(RESOURCE_MAP, "update")(self, template, parameters)


# --------------------------------------------------------------------------- stacks and change sets

def _unsupported_message(types: list[str]) -> str:
    from infra_lib.emulator.common import unsupported_message

    return unsupported_message(types, installed_moto_version() or "?")


def _check_types(template_body: str | None) -> None:
    from moto.cloudformation.exceptions import ValidationError

    from infra_lib.emulator.registry import unsupported_types

    if not template_body:
        return
    from moto.cloudformation.models import Stack

    template = Stack.parse_template(template_body)
    if isinstance(template, dict) and (missing := unsupported_types(template)):
        raise ValidationError(message=_unsupported_message(missing))


def create_stack(self, name, template, *args, **kwargs):
    _check_types(template)
    with _STACK_NAMES:  # moto's own check (AlreadyExistsException) and the insert, as one step
        return original(BACKEND, "create_stack")(self, name, template, *args, **kwargs)


def create_change_set(self, stack_name, change_set_name, template, parameters, description, change_set_type,
                      notification_arns=None, tags=None, role_arn=None):
    """A CREATE change set for a name a live stack has fails (AWS's ValidationError), except for a
    stack still in REVIEW_IN_PROGRESS, which gets the change set: one stack per name, always."""
    from moto.cloudformation.exceptions import ValidationError

    _check_types(template)
    with _STACK_NAMES:
        live = cfn_state.live_stack(self, stack_name)
        if change_set_type == "CREATE" and live is not None:
            if live.status != "REVIEW_IN_PROGRESS":
                raise ValidationError(message=f"Stack [{stack_name}] already exists and cannot be created again "
                                              f"with the changeSet [{change_set_name}].")
            return cfn_state.add_change_set(
                self, live, change_set_name=change_set_name, template=template, parameters=parameters,
                description=description, change_set_type="CREATE", notification_arns=notification_arns,
                tags=tags, role_arn=role_arn)
        if change_set_type == "UPDATE" and live is not None and live.status == "REVIEW_IN_PROGRESS":
            raise ValidationError(message=f"Stack [{stack_name}] does not exist")  # never created: AWS's words
        return original(BACKEND, "create_change_set")(
            self, stack_name, change_set_name, template, parameters, description, change_set_type,
            notification_arns=notification_arns, tags=tags, role_arn=role_arn)


@functools.cache
def _change_set_not_found() -> type[Exception]:
    from moto.cloudformation.exceptions import CloudFormationError

    class ChangeSetNotFound(CloudFormationError):
        code = "ChangeSetNotFound"
        status_code = 404  # what the CDK CLI waits for after deleting its old change set

    return ChangeSetNotFound


def describe_change_set(self, change_set_name, stack_name=None):
    if (found := cfn_state.find_change_set(self, change_set_name, stack_name)) is None:
        raise _change_set_not_found()(f"ChangeSet [{change_set_name}] does not exist")
    return found


def delete_change_set(self, change_set_name, stack_name=None):
    # AWS deletes a change set that is not there without complaint; moto raised UnboundLocalError.
    if (found := cfn_state.find_change_set(self, change_set_name, stack_name)) is not None:
        del self.change_sets[found.change_set_id]


# moto's handlers drop StackName, so with two stacks the CLI's shared change-set name
# ("cdk-deploy-change-set") found the other stack's: the CLI deleted the wrong one and then
# waited forever for its own to disappear. These pass the stack through, as AWS scopes it.

def describe_change_set_response(self):
    from moto.core.responses import ActionResult

    change_set = self.cloudformation_backend.describe_change_set(
        change_set_name=self._get_param("ChangeSetName"), stack_name=self._get_param("StackName"))
    return ActionResult(change_set)


def delete_change_set_response(self):
    from moto.core.responses import EmptyResult

    self.cloudformation_backend.delete_change_set(
        change_set_name=self._get_param("ChangeSetName"), stack_name=self._get_param("StackName"))
    return EmptyResult()


def execute_change_set(self, change_set_name, stack_name=None):
    from moto.cloudformation.exceptions import ValidationError

    change_set = cfn_state.find_change_set(self, change_set_name, stack_name)
    if change_set is None:
        raise ValidationError(stack_name)
    stack = self.stacks[change_set.stack_id]
    kind = change_set.change_set_type  # CREATE | UPDATE
    previous_template = stack.template
    previous_dict = getattr(stack, "template_dict", {}) or {}
    stack.status = f"{kind}_IN_PROGRESS"
    stack._add_stack_event(f"{kind}_IN_PROGRESS", "User Initiated")
    change_set.execution_status = "EXECUTE_IN_PROGRESS"
    try:
        change_set.apply()
    except Exception as exc:  # noqa: BLE001  (a failed resource fails the stack, not the API call)
        change_set.execution_status = "EXECUTE_FAILED"
        if kind == "CREATE":
            stack.template = change_set.template
            stack._parse_template()
            cfn_state.roll_back_create(stack, exc)
        else:
            cfn_state.roll_back_update(stack, exc, previous_template, previous_dict)
        return
    cfn_state.complete(stack, change_set, kind)


def create_resources(self):
    """``Stack.create_resources`` (CreateStack): a failed resource rolls the stack back."""
    try:
        original(STACK, "create_resources")(self)
    except Exception as exc:  # noqa: BLE001
        cfn_state.roll_back_create(self, exc)


# --------------------------------------------------------------------------- template URLs

def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def get_stack_from_s3_url(template_url: str, account_id: str, partition: str) -> str:
    """moto reads a TemplateURL path-style (bucket in the path) only when the URL contains
    "localhost", so ``http://127.0.0.1:PORT/bucket/key`` looked for bucket "127". Any loopback
    host is read path-style here, and ``bucket.localhost`` virtual-host style."""
    from moto.cloudformation.utils import get_stack_from_s3_url as moto_reader
    from moto.s3.models import s3_backends

    parts = urlparse(template_url)
    host = (parts.hostname or "").lower()
    path = unquote(parts.path).lstrip("/")
    if host.endswith(".localhost"):
        bucket, key = host[: -len(".localhost")], path
    elif _is_loopback(host) and "/" in path:
        bucket, key = path.split("/", 1)
    else:
        return moto_reader(template_url, account_id=account_id, partition=partition)
    return s3_backends[account_id][partition].get_object(bucket, key).value.decode("utf-8")


# --------------------------------------------------------------------------- the list, applied in one place

PATCHES: list[tuple[str, str, Any]] = [
    (PARSING, "resource_class_from_type", resource_class_from_type),
    (PARSING, "parse_and_create_resource", parse_and_create_resource),
    (PARSING, "parse_and_update_resource", parse_and_update_resource),
    (RESOURCE_MAP, "_delete_resource", delete_resource),
    (RESOURCE_MAP, "update", update_resources),
    (BACKEND, "create_stack", create_stack),
    (BACKEND, "create_change_set", create_change_set),
    (BACKEND, "describe_change_set", describe_change_set),
    (BACKEND, "delete_change_set", delete_change_set),
    (BACKEND, "execute_change_set", execute_change_set),
    (RESPONSE, "describe_change_set", describe_change_set_response),
    (RESPONSE, "delete_change_set", delete_change_set_response),
    (STACK, "create_resources", create_resources),
    ("moto.cloudformation.responses", "get_stack_from_s3_url", get_stack_from_s3_url),
    ("moto.cloudformation.models", "get_stack_from_s3_url", get_stack_from_s3_url),
]


def missing_attributes(patches: list[tuple[str, str, Any]]) -> list[str]:
    """``owner.attribute`` of every patch whose target moto does not have (another moto)."""
    return [f"{owner}.{attribute}" for owner, attribute, _ in patches if not hasattr(_owner(owner), attribute)]


def apply_patches() -> None:
    """Check moto's version and every patched attribute, then replace them all (once per process)."""
    global _APPLIED
    if _APPLIED:
        return
    check_moto_version()
    if missing := missing_attributes(PATCHES):
        raise MotoVersionError(f"moto {installed_moto_version()} lacks what the emulator patches: "
                               f"{', '.join(missing)}. Install moto {PINNED_MOTO_VERSION} (`make setup`).")
    for owner, attribute, _replacement in PATCHES:
        _ORIGINALS[(owner, attribute)] = getattr(_owner(owner), attribute)
    for owner, attribute, replacement in PATCHES:
        setattr(_owner(owner), attribute, replacement)
    _APPLIED = True
