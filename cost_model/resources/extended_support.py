"""RDS Extended Support for Aurora PostgreSQL, projected month by month over the horizon.

Billed per vCPU-hour of every instance once the major version is past end of standard
support: the years 1-2 rate from the day charges start, the year-3 rate from year 3, until
end of Extended Support (then AWS upgrades the engine and the charge stops). Dates come
from the engine catalog; a month counts from its first day (all catalog dates fall on one).
"""

import datetime as dt

import numpy as np

from cost_model.components import HOURS_PER_MONTH, CostComponent, counts
from infrakit.core.catalogs import engine_catalog

NEVER = 10**6


def _month(date: dt.date, *, round_up: bool = False) -> int:
    index = date.year * 12 + date.month - 1
    return index + 1 if round_up and date.day > 1 else index


def _phase_months(versions) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per engine-version category: month index of charges start, year-3 start, end (exclusive)."""
    catalog = engine_catalog()
    starts, year3s, ends = [], [], []
    for version in versions:
        major = catalog.majors.get(catalog.major_of(version))
        if major is None:  # unknown major: no dates, so no projected charge (validity says why)
            starts.append(NEVER), year3s.append(NEVER), ends.append(NEVER)
            continue
        starts.append(_month(major.extended_support_charges_start, round_up=True))
        year3s.append(_month(major.extended_support_year3_start, round_up=True))
        ends.append(_month(major.end_of_extended_support) + 1)
    return np.array(starts), np.array(year3s), np.array(ends)


def components(bill):
    versions = bill["db_engine_version"].array
    codes = np.asarray(versions.codes, dtype=np.int64)
    start, year3, end = (phase[codes] for phase in _phase_months(list(versions.categories)))
    first_month = bill["start_month_index"].to_numpy(dtype=np.int64)
    vcpus = np.array([engine_catalog().instance_vcpus[c] for c in bill["db_instance_class"].array.categories],
                     dtype=float)[np.asarray(bill["db_instance_class"].array.codes)]
    quantity = counts(bill, "db_instance_count") * vcpus * HOURS_PER_MONTH
    has_db = quantity > 0
    return [
        CostComponent("Extended Support (years 1-2)", "{db_instance_count} x {db_instance_class}, Aurora PostgreSQL "
                      "{db_engine_version}", "vCPU-hours", quantity, ["ExtendedSupport:Yr1-Yr2:AuroraPostgreSQL"],
                      applies=has_db, active_from=start - first_month, active_to=year3 - first_month,
                      key="extended_support_years_1_2", group="extended_support"),
        CostComponent("Extended Support (year 3)", "{db_instance_count} x {db_instance_class}, Aurora PostgreSQL "
                      "{db_engine_version}", "vCPU-hours", quantity, ["ExtendedSupport:Yr3:AuroraPostgreSQL"],
                      applies=has_db, active_from=year3 - first_month, active_to=end - first_month,
                      key="extended_support_year_3", group="extended_support"),
    ]
