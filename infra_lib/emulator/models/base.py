"""The base of the kit's CloudFormation models, and the registry every model joins by being defined.

A model names its type once (``cfn_type``); the base derives what moto asks for from it
(``cloudformation_type()``, the physical id, ``delete`` and ``delete_from_cloudformation_json``,
``GetAtt`` lookups). A model that extends one of moto's own (a NAT gateway, a route) joins the
registry through ``Registered`` alone.
"""

from __future__ import annotations

from typing import Any, ClassVar

from moto.cloudformation.exceptions import UnformattedGetAttTemplateException
from moto.core.common_models import CloudFormationModel

REGISTRY: dict[str, type] = {}


class Registered:
    """A class with a ``cfn_type`` is the emulator's model for that CloudFormation type."""

    cfn_type: ClassVar[str] = ""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cfn_type = cls.__dict__.get("cfn_type")
        if not cfn_type:
            return
        if cfn_type in REGISTRY and REGISTRY[cfn_type].__qualname__ != cls.__qualname__:
            raise TypeError(f"{cls.__qualname__} and {REGISTRY[cfn_type].__qualname__} both model {cfn_type}")
        REGISTRY[cfn_type] = cls


class KitModel(Registered, CloudFormationModel):
    """A resource the kit creates in moto's backends itself.

    Subclasses set ``cfn_type`` and ``attributes`` (what ``Fn::GetAtt`` may ask for), call
    ``super().__init__(physical_id)``, and implement ``create_from_cloudformation_json``,
    ``delete_resource`` (by physical id) and, when CloudFormation can update the type in place,
    ``update_from_cloudformation_json``. A type without an update stays abstract there, and the
    stack says the emulator cannot update it (``moto_patches``).
    """

    attributes: ClassVar[tuple[str, ...]] = ()

    def __init__(self, physical_id: str):
        self._physical_id = physical_id

    @classmethod
    def cloudformation_type(cls) -> str:
        return cls.cfn_type

    @staticmethod
    def cloudformation_name_type() -> str:
        return ""

    @classmethod
    def has_cfn_attr(cls, attr: str) -> bool:
        return attr in cls.attributes

    @property
    def physical_resource_id(self) -> str:
        return self._physical_id

    def is_created(self) -> bool:
        return True

    def cfn_attributes(self) -> dict[str, Any]:
        """Every ``Fn::GetAtt`` value of this resource, by attribute name."""
        return {}

    def get_cfn_attribute(self, attribute_name: str) -> Any:
        values = self.cfn_attributes()
        if attribute_name not in values:
            raise UnformattedGetAttTemplateException()
        return values[attribute_name]

    @classmethod
    def delete_resource(cls, physical_id: str, account_id: str, region_name: str) -> None:
        """Delete the resource named ``physical_id`` from moto's backend (default: nothing to delete)."""
        return None

    @classmethod
    def delete_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name):
        cls.delete_resource(resource_name, account_id, region_name)

    def delete(self, account_id: str, region_name: str) -> None:
        self.delete_resource(self.physical_resource_id, account_id, region_name)


def stack_name_of(kwargs: dict[str, Any]) -> str:
    """The stack's name from the ``StackId`` moto passes to ``create_from_cloudformation_json``."""
    stack_id = str(kwargs.get("StackId") or "")
    parts = stack_id.split(":stack/", 1)
    return parts[1].split("/", 1)[0] if len(parts) == 2 else stack_id
