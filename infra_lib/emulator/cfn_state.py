"""Reading and writing moto's CloudFormation state for the patches: events, rollback, lookups.

Every private attribute of moto the emulator touches is touched here or in ``moto_patches``
(``_add_stack_event``, ``_parse_template``, ``_create_output_map``, ``_resource_json_map``,
``_parsed_resources``, ``_account_id``, ``_region_name``); the one the emulator adds to a
resource map is ``_kit_deleted``. moto is imported inside the
functions, so that importing this module (and ``moto_patches``) never imports moto before its
version is checked.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from infra_lib.emulator.common import ResourceFailed, reason


def _cfn():
    from moto.cloudformation import models

    return models


def stack_of(resources_map) -> Any:
    """The stack a resource map belongs to (None while moto builds a change set's preview)."""
    backend = _cfn().cloudformation_backends[resources_map._account_id][resources_map._region_name]
    return backend.stacks.get(resources_map.stack_id)


def resource_event(stack, logical_id: str, resource_type: str, status: str, reason: str | None = None,
                   physical_id: str | None = None) -> None:
    """One resource event, as the CDK CLI streams them."""
    if stack is None:
        return
    stack.events.append(_cfn().Event(
        stack_id=stack.stack_id, stack_name=stack.name, logical_resource_id=logical_id,
        physical_resource_id=physical_id or "", resource_type=resource_type, resource_status=status,
        resource_status_reason=reason, resource_properties=None))


def physical_id_of(resource: Any) -> str:
    value = getattr(resource, "physical_resource_id", None)
    return str(value) if value is not None else ""


def live_stack(backend, name: str) -> Any:
    """The stack called ``name`` that is not DELETE_COMPLETE, if any (names are unique among them)."""
    return next((s for s in backend.stacks.values() if s.name == name), None)


def find_change_set(backend, name_or_arn: str, stack_name: str | None = None) -> Any:
    """A change set by ARN, or by name within its stack (name or id), newest first.

    A name is unique per stack only (the CDK CLI reuses "cdk-deploy-change-set"): only change
    sets of live stacks count (AWS deletes them with their stack).
    """
    if name_or_arn in backend.change_sets:
        return backend.change_sets[name_or_arn]
    found = [cs for cs in backend.change_sets.values() if cs.change_set_name == name_or_arn
             and cs.stack_id in backend.stacks
             and stack_name in (None, cs.stack_id, backend.stacks[cs.stack_id].name)]
    return max(found, key=lambda cs: cs.creation_time) if found else None


def add_change_set(backend, stack, *, change_set_name: str, template: str, parameters, description,
                   change_set_type: str, notification_arns=None, tags=None, role_arn=None) -> tuple[str, str]:
    """A change set on an existing stack, as moto builds one (for a CREATE on a stack still in
    REVIEW_IN_PROGRESS, which AWS attaches to that stack instead of creating a second)."""
    from moto.cloudformation.utils import generate_changeset_id, validate_create_change_set

    validate_create_change_set(change_set_name)
    change_set_id = generate_changeset_id(change_set_name, backend.region_name, backend.account_id)
    change_set = _cfn().ChangeSet(
        change_set_type=change_set_type, change_set_id=change_set_id, change_set_name=change_set_name,
        stack=stack, template=template, parameters=parameters, description=description,
        notification_arns=notification_arns, tags=tags, role_arn=role_arn)
    change_set.status = "CREATE_COMPLETE"
    change_set.execution_status = "AVAILABLE"
    backend.change_sets[change_set_id] = change_set
    return change_set_id, stack.stack_id


@contextmanager
def deletions_forgotten(resource_map) -> Iterator[None]:
    """While a resource map updates, note what it deletes; afterwards (success or not) drop each
    of those from its parsed resources, so the state never holds a resource that is gone and a
    later update (or the rollback) that adds it again creates it."""
    outer = getattr(resource_map, "_kit_deleted", None)
    resource_map._kit_deleted = {}
    try:
        yield
    finally:
        deleted, resource_map._kit_deleted = resource_map._kit_deleted, outer
        if outer is not None:
            outer.update(deleted)
        for logical_id, resource in deleted.items():
            if resource_map._parsed_resources.get(logical_id) is resource:
                del resource_map._parsed_resources[logical_id]


def note_deleted(resource_map, logical_id: str, resource: Any) -> None:
    """``resource`` (``logical_id``) is deleted; remembered only while ``deletions_forgotten`` runs
    (a stack's delete pops its resources itself)."""
    deleted = getattr(resource_map, "_kit_deleted", None)
    if deleted is not None:
        deleted[logical_id] = resource


def failed_ids(exc: BaseException) -> str:
    return exc.logical_id if isinstance(exc, ResourceFailed) else "?"


def forget_resources(stack) -> None:
    """moto's resource map is lazy: reading outputs or resources of a failed stack would create
    the failed resources again. A rolled-back stack has none, and no outputs."""
    stack.resource_map._resource_json_map = {}
    stack.output_map = _cfn().OutputMap(stack.resource_map, {}, stack.stack_id)


def roll_back_create(stack, exc: BaseException) -> None:
    """What CloudFormation does when a resource fails to create: delete what was created, ROLLBACK_COMPLETE."""
    stack.output_map = _cfn().OutputMap(stack.resource_map, {}, stack.stack_id)
    stack.status = "ROLLBACK_IN_PROGRESS"
    stack._add_stack_event("ROLLBACK_IN_PROGRESS",
                           f"The following resource(s) failed to create: [{failed_ids(exc)}]. "
                           f"Rollback requested by user.")
    try:
        stack.resource_map.delete()
    except Exception as delete_exc:  # noqa: BLE001  (reported as the stack's status)
        stack.status = "ROLLBACK_FAILED"
        stack._add_stack_event("ROLLBACK_FAILED", f"Rollback could not delete every resource: "
                                                  f"{reason(delete_exc)}")
        return
    forget_resources(stack)
    stack.status = "ROLLBACK_COMPLETE"
    stack._add_stack_event("ROLLBACK_COMPLETE")


def roll_back_update(stack, exc: BaseException, previous_template: str, previous_dict: dict) -> None:
    """What CloudFormation does when a resource fails to update: the previous template again.

    The resource that failed never changed, so the rollback leaves it alone (moto would try the
    same update again and fail the rollback: UPDATE_ROLLBACK_FAILED, a stack AWS leaves stuck).
    """
    stack.status = "UPDATE_ROLLBACK_IN_PROGRESS"
    stack._add_stack_event("UPDATE_ROLLBACK_IN_PROGRESS",
                           f"The following resource(s) failed to update: [{failed_ids(exc)}]. ")
    previous_resources = (previous_dict or {}).get("Resources") or {}
    resource_map = stack.resource_map
    if isinstance(exc, ResourceFailed) and exc.logical_id in previous_resources \
            and exc.logical_id in resource_map._resource_json_map:
        resource_map._resource_json_map = {**resource_map._resource_json_map,
                                           exc.logical_id: previous_resources[exc.logical_id]}
    try:
        stack.resource_map.update(previous_dict, stack.parameters)
    except Exception as rollback_exc:  # noqa: BLE001
        stack.status = "UPDATE_ROLLBACK_FAILED"
        stack._add_stack_event("UPDATE_ROLLBACK_FAILED", reason(rollback_exc))
        return
    stack.template = previous_template
    stack._parse_template()
    stack.output_map = stack._create_output_map()
    stack.status = "UPDATE_ROLLBACK_COMPLETE"
    stack._add_stack_event("UPDATE_ROLLBACK_COMPLETE")


def complete(stack, change_set, kind: str) -> None:
    """After a change set applied: moto leaves template and outputs as they were; AWS does not."""
    stack.template = change_set.template
    stack._parse_template()
    stack.description = stack.template_dict.get("Description")
    stack.output_map = stack._create_output_map()
    if kind == "UPDATE":
        stack._add_stack_event("UPDATE_COMPLETE_CLEANUP_IN_PROGRESS")
    stack.status = f"{kind}_COMPLETE"
    stack._add_stack_event(f"{kind}_COMPLETE")
    change_set.execution_status = "EXECUTE_COMPLETE"
