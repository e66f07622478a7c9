"""Selection rules: what one catalog row is in AWS's Price List, as data.

Each priced resource (``cost_model/resources/*.py``) declares, beside its quantities, a
``PRICE_LIST`` tuple of ``Selection``s: the offer (service code), the product family, the
usage type after a known region prefix, the attributes a product must have (and those it
must not), and the Price List units it may be quoted in with the factor to the model's unit.
Exactly one product of an offer file must match each selection; none or several is a named
problem, never a guess.

Templates: ``{instance_class}`` expands over the instance classes the schema accepts,
``{major}`` over the Aurora PostgreSQL majors of the engine catalog.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any


def normalized(name: str) -> str:
    """An attribute name as the matcher compares it: JSON ``regionCode`` and CSV ``Region Code``
    both become ``regioncode``."""
    return name.replace(" ", "").replace("_", "").lower()


@dataclass(frozen=True)
class Selection:
    """One catalog row's identity in the Price List.

    usage_type       the catalog key: the Price List usage type after its region prefix
    offer            service code (offer file), e.g. AmazonEC2
    unit             the model's unit for the row (what quantities are counted in)
    units            accepted Price List units -> factor: USD per model unit = USD per Price List
                     unit x factor (IOs -> 1M requests is 1e6)
    family           required productFamily; None when the Price List leaves it empty
    attributes       required attribute values (a tuple of values: preferred first)
    exclude          attribute values a product must not have
    same             pairs of attributes that must be equal (fromLocation = toLocation)
    tiered           keep every tier (data transfer); otherwise one tier is expected
    spellings        other usage types (after the region prefix) the Price List writes for this
                     row: RDS shortens instance sizes (db.r6g.xlarge is ``InstanceUsage:db.r6g.xl``)
    """

    usage_type: str
    offer: str
    unit: str
    units: tuple[tuple[str, float], ...]
    description: str
    family: str | None = None
    attributes: tuple[tuple[str, Any], ...] = ()
    exclude: tuple[tuple[str, str], ...] = ()
    same: tuple[tuple[str, str], ...] = ()
    tiered: bool = False
    spellings: tuple[str, ...] = ()
    params: tuple[tuple[str, str], ...] = field(default=(), compare=False)

    @property
    def key(self) -> str:
        return self.usage_type

    def factor(self, price_list_unit: str) -> float | None:
        return dict(self.units).get(price_list_unit)

    def required(self) -> list[tuple[str, tuple[str, ...]]]:
        out = []
        for name, value in self.attributes:
            values = value if isinstance(value, tuple) else (value,)
            out.append((normalized(name), tuple(values)))
        return out

    def expand(self, values: Mapping[str, str]) -> Selection:
        def fill(text):
            return text.format(**values) if isinstance(text, str) else tuple(fill(t) for t in text)

        expanded = replace(self, usage_type=fill(self.usage_type), description=fill(self.description),
                           attributes=tuple((k, fill(v)) for k, v in self.attributes),
                           params=tuple(sorted(values.items())))
        if "instance_class" in values:
            # The Price List's own spelling of the class in usage types, and the instanceType
            # attribute, so a shortened usage type can only ever match its own class.
            short = expanded.usage_type.replace(values["instance_class"], rds_usage_class(values["instance_class"]))
            expanded = replace(expanded, attributes=(*expanded.attributes, ("instanceType", values["instance_class"])),
                               spellings=tuple(s for s in (short,) if s != expanded.usage_type))
        return expanded


def rds_usage_class(instance_class: str) -> str:
    """How RDS usage types spell an instance class: sizes from xlarge up are shortened
    (db.r6g.xlarge -> db.r6g.xl, db.r6g.2xlarge -> db.r6g.2xl), as on bills and in offer files."""
    return re.sub(r"(\d*)xlarge$", r"\1xl", instance_class)


def selection(usage_type: str, offer: str, unit: str, units: Mapping[str, float], description: str, *,
              family: str | None = None, attributes: Mapping[str, Any] | None = None,
              exclude: Mapping[str, str] | None = None, same: Iterable[tuple[str, str]] = (),
              tiered: bool = False) -> Selection:
    """A ``Selection`` from plain mappings (how resources declare them)."""
    return Selection(usage_type=usage_type, offer=offer, unit=unit, units=tuple(units.items()),
                     description=description, family=family, attributes=tuple((attributes or {}).items()),
                     exclude=tuple((exclude or {}).items()), same=tuple(same), tiered=tiered)


def expand(selections: Iterable[Selection], *, instance_classes: Iterable[str],
           majors: Iterable[str]) -> list[Selection]:
    """Templates filled in: one selection per instance class or major where the template names one."""
    classes, major_list = list(instance_classes), list(majors)
    out = []
    for rule in selections:
        if "{instance_class}" in rule.usage_type:
            out.extend(rule.expand({"instance_class": c}) for c in classes)
        elif "{major}" in rule.usage_type:
            out.extend(rule.expand({"major": m}) for m in major_list)
        else:
            out.append(rule)
    return out


def all_selections() -> list[Selection]:
    """Every row the cost model can price, for the instance classes and majors the kit knows."""
    from cost_model import resources
    from infrakit.core.catalogs import engine_catalog

    catalog = engine_catalog()
    declared = [rule for module in resources.ALL for rule in getattr(module, "PRICE_LIST", ())]
    found = expand(declared, instance_classes=catalog.instance_vcpus, majors=sorted(catalog.majors, key=int))
    keys = [s.key for s in found]
    duplicates = sorted({k for k in keys if keys.count(k) > 1})
    if duplicates:
        raise ValueError(f"usage types declared twice in PRICE_LIST: {duplicates}")
    return found
