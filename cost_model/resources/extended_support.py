"""RDS Extended Support for Aurora PostgreSQL, projected month by month over the horizon.

Billed per vCPU-hour of every instance once the major version is past end of standard
support: the years 1-2 rate from the day charges start, the year-3 rate from year 3, until
end of Extended Support (then AWS upgrades the engine and the charge stops; a configuration
that starts after that date is invalid, see the schema's rules). Dates come from the engine
catalog of the configuration's region (a refreshed snapshot, else the shipped one); a month
counts from its first day (all catalog dates fall on one). The Price List quotes a rate per
major (ExtendedSupport:Yr1-Yr2:AuroraPostgreSQL13), so each line's usage type names it.
"""

import datetime as dt

import numpy as np

from cost_model.components import HOURS_PER_MONTH, CostComponent, counts
from cost_model.price_list.rules import selection
from infrakit.core.catalogs import engine_catalog

NEVER = 10**6
YEARS_1_2 = "ExtendedSupport:Yr1-Yr2:AuroraPostgreSQL{}"
YEAR_3 = "ExtendedSupport:Yr3:AuroraPostgreSQL{}"

# AmazonRDS offer; these rows have no productFamily (price_list_format.md 2.8). Serverless v2
# rows (...:ASv2:... and ASv2-ExtendedSupport...) differ by usage type. The unit string is not
# settled between sources, hence the accepted spellings.
_VCPU_HOURS = {"vCPU-hour": 1.0, "vCPU-Hours": 1.0, "vCPU-Hrs": 1.0, "vCPU-Hr": 1.0}
PRICE_LIST = (
    selection(YEARS_1_2.format("{major}"), "AmazonRDS", "vCPU-hours", _VCPU_HOURS,
              "RDS Extended Support, Aurora PostgreSQL {major}, provisioned, years 1-2",
              attributes={"databaseEngine": "Aurora PostgreSQL"}),
    selection(YEAR_3.format("{major}"), "AmazonRDS", "vCPU-hours", _VCPU_HOURS,
              "RDS Extended Support, Aurora PostgreSQL {major}, provisioned, year 3",
              attributes={"databaseEngine": "Aurora PostgreSQL"}),
)


def _month(date: dt.date, *, round_up: bool = False) -> int:
    index = date.year * 12 + date.month - 1
    return index + 1 if round_up and date.day > 1 else index


def _phases(region: str, version: str) -> tuple[int, int, int]:
    """Month index of charges start, year-3 start, end (exclusive); NEVER for an unknown major."""
    catalog = engine_catalog(region)
    major = catalog.majors.get(catalog.major_of(version))
    if major is None:  # unknown major: no dates, so no projected charge (validity says why)
        return NEVER, NEVER, NEVER
    return (_month(major.extended_support_charges_start, round_up=True),
            _month(major.extended_support_year3_start, round_up=True), _month(major.end_of_extended_support) + 1)


def components(bill):
    versions = bill["db_engine_version"].array
    regions = bill["region"].array
    region_codes = np.asarray(regions.codes, dtype=np.int64)
    version_codes = np.asarray(versions.codes, dtype=np.int64)
    table = np.array([[_phases(r, v) for v in versions.categories] for r in regions.categories],
                     dtype=np.int64).reshape(len(regions.categories), len(versions.categories), 3)
    start, year3, end = (table[region_codes, version_codes, i] for i in range(3))
    majors = [str(v).split(".")[0] for v in versions.categories]
    first_month = bill["start_month_index"].to_numpy(dtype=np.int64)
    vcpus = np.array([engine_catalog().instance_vcpus.get(c, 0) for c in bill["db_instance_class"].array.categories],
                     dtype=float)[np.asarray(bill["db_instance_class"].array.codes)]
    quantity = counts(bill, "db_instance_count") * vcpus * HOURS_PER_MONTH
    has_db = quantity > 0
    label = "{db_instance_count} x {db_instance_class}, Aurora PostgreSQL {db_engine_version}"
    return [
        CostComponent("Extended Support (years 1-2)", label, "vCPU-hours", quantity,
                      [YEARS_1_2.format(m) for m in majors], applies=has_db, usage_type_index=version_codes,
                      active_from=start - first_month, active_to=year3 - first_month,
                      key="extended_support_years_1_2", group="extended_support"),
        CostComponent("Extended Support (year 3)", label, "vCPU-hours", quantity,
                      [YEAR_3.format(m) for m in majors], applies=has_db, usage_type_index=version_codes,
                      active_from=year3 - first_month, active_to=end - first_month,
                      key="extended_support_year_3", group="extended_support"),
    ]


def notes(values) -> list[str]:
    """When the engine must be upgraded, if its end of Extended Support falls inside the horizon."""
    version = str(values.get("db_engine_version", ""))
    catalog = engine_catalog(values.get("region"))
    major = catalog.majors.get(catalog.major_of(version))
    if not values.get("db_instance_count"):
        return []
    if major is None:
        return [f"Aurora PostgreSQL {version}: major {catalog.major_of(version)} is not in the engine catalog, so "
                f"when RDS Extended Support would start is unknown and none is priced; the configuration is refused "
                f"until it names a known version"]
    first = int(values["start_month_index"])
    last = first + int(values["horizon_months"])
    end = _month(major.end_of_extended_support)
    if first <= end < last:
        return [f"Aurora PostgreSQL {version}: upgrade by {major.end_of_extended_support.isoformat()} (end of RDS "
                f"Extended Support for {major.major}, inside the horizon); AWS upgrades the engine after that date and "
                f"no Extended Support is priced past it"]
    return []
