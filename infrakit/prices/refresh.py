"""``infrakit prices refresh``: the rows the cost model needs, from AWS's Price List, as a dated
snapshot per region.

Per region, every offer the selection rules name is read (the Bulk API, or files a user
downloaded) and matched in one streaming pass. Outcome per region:

- ``failed``: an offer could not be read (unreachable URL, HTTP error, a file that is not an
  offer file, another region's file) or nothing matched. Nothing is written: the catalog in
  use stays as it was.
- ``partial``: every offer was read, but some items matched no product (or several). A
  snapshot of the rows found is written; the missing items are listed in it and in the
  output, and price as missing (never $0) unless an older layer has them.
- ``complete``: every item found; a snapshot is written.

A snapshot is one JSON file, ``catalog_dir()/prices/<region>/<UTC stamp>.json``, written
atomically; older snapshots are kept (the newest wins).
"""

from __future__ import annotations

import datetime as dt
import difflib
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cost_model.catalog import PRICE_SNAPSHOT_FOLDER
from cost_model.price_list import OfferResult, Selection, all_selections, match_offer
from cost_model.price_list.matcher import OfferFileError
from infrakit.core.catalogs import region_catalog
from infrakit.core.errors import InputError
from infrakit.core.files import FolderLock, write_json_atomic
from infrakit.core.paths import catalog_dir
from infrakit.core.text import shown
from infrakit.prices.fetch import DEFAULT_PRICE_LIST_URL, FetchError, Opener, PriceListSite, opened, url_problem

SHIPPED_REGIONS = ("us-east-1", "us-west-2", "eu-west-1", "eu-central-1", "ap-southeast-1", "ap-northeast-1")


@dataclass
class RegionOutcome:
    region: str
    rows: dict[str, dict] = field(default_factory=dict)
    missing: dict[str, str] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)
    offers: dict[str, dict] = field(default_factory=dict)
    not_requested: list[str] = field(default_factory=list)
    snapshot: str | None = None

    @property
    def status(self) -> str:
        if self.failures or not self.rows:
            return "failed"
        return "partial" if self.missing else "complete"

    def to_json(self) -> dict[str, Any]:
        return {"region": self.region, "status": self.status, "rows": len(self.rows), "snapshot": self.snapshot,
                "offers": self.offers, "missing": self.missing, "failures": self.failures,
                "not_requested": self.not_requested}


def region_problem(region: str) -> str | None:
    known = region_catalog()
    if region in known:
        return None
    near = difflib.get_close_matches(region, list(known), n=1, cutoff=0.6)
    hint = f" Did you mean {near[0]!r}?" if near else f" Known: {', '.join(known)}."
    return f"--region: {shown(region)} is not a commercial AWS region the kit knows.{hint}"


def check_inputs(regions: list[str], base_url: str | None, files: list[str]) -> None:
    """Every problem with the command line at once (bad input, exit 2)."""
    problems = [p for r in regions if (p := region_problem(r))]
    if base_url is not None and (p := url_problem(base_url)):
        problems.append(p)
    if files and base_url is not None:
        problems.append("give --from-file or --price-list-url, not both: files are read instead of the Bulk API")
    for name in files:
        path = Path(name)
        if not path.is_file():
            problems.append(f"--from-file: {shown(name)} does not exist or is not a file; give the path of an offer "
                            f"file you downloaded (index.json or index.csv)")
    if problems:
        raise InputError(problems)


def _offer_rows(result: OfferResult, url: str | None, file: str | None = None) -> dict[str, dict]:
    origin = {"url": url} if file is None else {"url": url, "file": file}
    return {key: {**row, "offer_code": result.offer_code, "offer_version": result.version,
                  "publication_date": result.publication_date, **origin} for key, row in result.rows.items()}


def _absorb(outcome: RegionOutcome, result: OfferResult, url: str | None, source: str) -> None:
    outcome.offers[result.offer_code] = {"version": result.version, "publication_date": result.publication_date,
                                         "source": source, "products_read": result.products_read}
    outcome.rows.update(_offer_rows(result, url, None if url else source))
    outcome.missing.update(result.problems)


def _from_site(region: str, by_offer: dict[str, list[Selection]], site: PriceListSite) -> RegionOutcome:
    outcome = RegionOutcome(region)
    for offer, selections in by_offer.items():
        try:
            url = site.offer_url(offer, region)
            if url is None:
                for rule in selections:
                    outcome.missing[rule.key] = f"offer {offer} publishes no file for {region}"
                continue
            with opened(url, site.opener) as stream:
                result = match_offer(stream, selections, region=region)
        except FetchError as exc:
            outcome.failures.append(str(exc))
            continue
        except OfferFileError as exc:
            outcome.failures.append(f"{url}: {exc}")
            continue
        if result.offer_code != offer:
            outcome.failures.append(f"{url}: serves offer {result.offer_code}, expected {offer}")
            continue
        if result.region and result.region != region:
            outcome.failures.append(f"{url}: holds prices for {result.region}, not {region}")
            continue
        _absorb(outcome, result, url, url)
    return outcome


def _from_files(files: list[str], regions: list[str], selections: list[Selection]) -> dict[str, RegionOutcome]:
    outcomes: dict[str, RegionOutcome] = {}
    failures: list[str] = []
    for name in files:
        kind = "csv" if name.lower().endswith(".csv") else "json"
        wanted = regions[0] if len(regions) == 1 else None
        try:
            with open(name, "rb") as stream:
                result = match_offer(stream, selections, region=wanted, kind=kind)
        except (OSError, OfferFileError) as exc:
            failures.append(f"{name}: {exc}")
            continue
        region = result.region or wanted
        if region is None:
            failures.append(f"{name}: no product names its region (regionCode); give --region")
            continue
        if regions and region not in regions:
            failures.append(f"{name}: holds prices for {region}, not {', '.join(regions)}")
            continue
        outcome = outcomes.setdefault(region, RegionOutcome(region))
        if result.offer_code in outcome.offers:
            outcome.failures.append(f"{name}: a second file for offer {result.offer_code} in {region}")
            continue
        _absorb(outcome, result, None, str(Path(name).resolve()))
    if failures:  # a file that cannot be read fails every region it might have been for
        for region in regions or list(outcomes) or ["(unknown region)"]:
            outcomes.setdefault(region, RegionOutcome(region)).failures.extend(failures)
    offers = sorted({s.offer for s in selections})
    for outcome in outcomes.values():
        outcome.not_requested = [o for o in offers if o not in outcome.offers]
    return outcomes


def _stamp(now: dt.datetime) -> str:
    return now.astimezone(dt.timezone.utc).strftime("%Y%m%dT%H%M%SZ")


def write_snapshot(outcome: RegionOutcome, now: dt.datetime, root: Path | None = None) -> Path:
    folder = (root or catalog_dir()) / PRICE_SNAPSHOT_FOLDER / outcome.region
    path = folder / f"{_stamp(now)}.json"
    counter = 2
    while path.exists():
        path = folder / f"{_stamp(now)}-{counter}.json"
        counter += 1
    refreshed = now.astimezone(dt.timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z")
    write_json_atomic(path, {"kind": "infrakit price snapshot", "region": outcome.region, "refreshed_at": refreshed,
                             "status": outcome.status, "offers": outcome.offers, "missing": outcome.missing,
                             "not_requested": outcome.not_requested,
                             "rows": [outcome.rows[k] for k in sorted(outcome.rows)]})
    return path


def refresh(regions: list[str], *, base_url: str | None = None, files: list[str] | None = None,
            opener: Opener | None = None, now: dt.datetime | None = None) -> list[RegionOutcome]:
    """Refresh ``regions`` (default: those the package ships) and write a snapshot for each that
    did not fail. Bad input raises ``InputError`` before anything is read."""
    files = list(files or [])
    check_inputs(regions, base_url, files)
    selections = all_selections()
    now = now or dt.datetime.now(dt.timezone.utc)
    if files:
        outcomes = _from_files(files, regions, selections)
    else:
        by_offer: dict[str, list[Selection]] = defaultdict(list)
        for rule in selections:
            by_offer[rule.offer].append(rule)
        site = PriceListSite(base_url or DEFAULT_PRICE_LIST_URL, opener)
        outcomes = {}
        for region in regions or list(SHIPPED_REGIONS):
            try:
                site.service_index()
            except FetchError as exc:
                outcomes[region] = RegionOutcome(region, failures=[str(exc)])
                continue
            outcomes[region] = _from_site(region, dict(by_offer), site)
    with FolderLock(catalog_dir() / PRICE_SNAPSHOT_FOLDER, what="a price refresh"):
        for outcome in outcomes.values():
            if outcome.status != "failed":
                outcome.snapshot = str(write_snapshot(outcome, now))
    return [outcomes[r] for r in sorted(outcomes)]
