"""One pass over an AWS Price List offer file (JSON or CSV), keeping only what selections need.

Memory stays bounded by the matched products, never by the file: the JSON file is parsed
incrementally (ijson, C backend) by two push pipelines fed the same chunks, one yielding
``products`` one SKU at a time and one yielding ``terms.OnDemand`` one SKU at a time; a
product is tested against an index keyed by (offer, usage type after the region prefix) and
dropped unless it matches; a term is kept only for a matched SKU. Reserved and other term
types are tokenized but never built. The CSV variant is read row by row.
"""

from __future__ import annotations

import csv
import io
import json
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any, BinaryIO

import ijson

from cost_model.price_list.prefixes import strip_region_prefix
from cost_model.price_list.rules import Selection, normalized

CHUNK_BYTES = 1 << 20
HEAD_LIMIT_BYTES = 1 << 20
ON_DEMAND = "OnDemand"


class OfferFileError(ValueError):
    """The file is not a Price List offer file (or is cut short)."""


@dataclass
class OfferResult:
    """What one offer file gave: rows by catalog key, problems by catalog key."""

    offer_code: str
    version: str
    publication_date: str
    region: str | None
    rows: dict[str, dict[str, Any]] = field(default_factory=dict)
    problems: dict[str, str] = field(default_factory=dict)
    products_read: int = 0


class _Index:
    def __init__(self, selections: Iterable[Selection]):
        self.by_usage: dict[str, list[Selection]] = defaultdict(list)
        for rule in selections:
            for spelling in (rule.usage_type, *rule.spellings):
                self.by_usage[spelling].append(rule)

    def candidates(self, usage_type: str | None) -> list[Selection]:
        if not usage_type:
            return []
        return self.by_usage.get(strip_region_prefix(usage_type), [])


def _attrs(product: dict) -> dict[str, str]:
    attrs = {normalized(k): ("" if v is None else str(v)) for k, v in (product.get("attributes") or {}).items()}
    if product.get("productFamily") is not None:
        attrs.setdefault("productfamily", str(product["productFamily"]))
    return attrs


def _rank(rule: Selection, attrs: dict[str, str], region: str | None) -> int | None:
    """None when ``attrs`` does not satisfy ``rule``; else how far down the preferences it went."""
    family = attrs.get("productfamily", "")
    if rule.family is not None and family != rule.family:
        return None
    if region and attrs.get("regioncode") and attrs["regioncode"] != region:
        return None
    rank = 0
    for name, values in rule.required():
        if attrs.get(name) not in values:
            return None
        rank = max(rank, values.index(attrs[name]))
    for name, value in rule.exclude:
        if attrs.get(normalized(name)) == value:
            return None
    for left, right in rule.same:
        if attrs.get(normalized(left)) is None or attrs.get(normalized(left)) != attrs.get(normalized(right)):
            return None
    return rank


class _Collector:
    """Matches products against the index and keeps the on-demand terms of the matched ones."""

    def __init__(self, selections: list[Selection], region: str | None):
        self.index = _Index(selections)
        self.selections = selections
        self.region = region
        self.matches: dict[str, list[tuple[int, str, dict]]] = defaultdict(list)
        self.skus: set[str] = set()
        self.terms: dict[str, list[dict]] = {}
        self.pending_terms: dict[str, list[dict]] = {}
        self.products_done = False
        self.regions: Counter = Counter()
        self.products_read = 0

    def product(self, sku: str, product: dict) -> None:
        self.products_read += 1
        attrs = _attrs(product)
        if attrs.get("regioncode"):
            self.regions[attrs["regioncode"]] += 1
        for rule in self.index.candidates(attrs.get("usagetype")):
            rank = _rank(rule, attrs, self.region)
            if rank is not None:
                self.matches[rule.key].append((rank, sku, attrs))
                self.skus.add(sku)
                if sku in self.pending_terms:
                    self.terms[sku] = self.pending_terms.pop(sku)

    def term(self, sku: str, terms_of_sku: dict) -> None:
        if self.products_read:  # the products object closes before the terms object opens
            self.products_done = True
        dims = [_dimension(d, t) for t in (terms_of_sku or {}).values() for d in (t.get("priceDimensions") or {}).values()]
        if sku in self.skus:
            self.terms[sku] = dims
        elif not self.products_done:  # terms before products (not the published layout): keep compactly
            self.pending_terms[sku] = dims


def _dimension(dim: dict, term: dict) -> dict:
    return {"unit": dim.get("unit", ""), "begin": dim.get("beginRange", dim.get("startingRange", "0")),
            "end": dim.get("endRange", dim.get("endingRange", "Inf")), "usd": (dim.get("pricePerUnit") or {}).get("USD"),
            "description": dim.get("description", ""), "effective": term.get("effectiveDate", ""),
            "term_code": term.get("offerTermCode", "")}


def _decimal(text: Any) -> Decimal | None:
    try:
        value = Decimal(str(text))
    except (InvalidOperation, TypeError, ValueError):
        return None
    return value if value.is_finite() or str(text) == "Inf" else None


def _bound(text: Any) -> float:
    return float("inf") if str(text) in ("Inf", "", "None") else float(Decimal(str(text)))


def _row(rule: Selection, sku: str, attrs: dict, dims: list[dict]) -> tuple[dict | None, str | None]:
    if not dims:
        return None, f"SKU {sku} has no on-demand price"
    units = sorted({d["unit"] for d in dims})
    factor = rule.factor(units[0]) if len(units) == 1 else None
    if factor is None:
        expected = ", ".join(u for u, _ in rule.units)
        return None, f"SKU {sku} is quoted in {', '.join(units)}, not {expected}"
    tiers = []
    for d in sorted(dims, key=lambda d: _bound(d["begin"])):
        usd = _decimal(d["usd"])
        if usd is None:
            return None, f"SKU {sku} has a price that is not a number: {d['usd']!r}"
        tiers.append((_bound(d["begin"]) / factor, _bound(d["end"]) / factor, float(usd) * factor, d))
    paid = [t for t in tiers if t[2] > 0]
    if not paid:
        return None, f"SKU {sku} is priced at zero in the Price List (a look-alike, not this meter)"
    if len(tiers) > 1 and not rule.tiered and len(paid) > 1:
        return None, f"SKU {sku} has {len(tiers)} price tiers; this row expects one"
    first = paid[0]
    return {
        "usage_type": rule.usage_type, "service": rule.offer, "unit": rule.unit, "usd_per_unit": first[2],
        "tiers": [(t[0], t[2]) for t in tiers] if len(tiers) > 1 else [],
        "sku": sku, "price_list_unit": units[0], "price_list_usd": str(first[3]["usd"]),
        "effective_date": str(first[3]["effective"])[:10], "description": first[3]["description"] or rule.description,
        "price_list_usagetype": attrs.get("usagetype", ""),
    }, None


def _decide(collector: _Collector, selections: list[Selection]) -> tuple[dict, dict]:
    rows, problems = {}, {}
    for rule in selections:
        found = collector.matches.get(rule.key, [])
        if not found:
            problems[rule.key] = f"no product matches ({_describe(rule)})"
            continue
        best = min(rank for rank, _, _ in found)
        chosen = [(sku, attrs) for rank, sku, attrs in found if rank == best]
        if len({sku for sku, _ in chosen}) > 1:
            skus = ", ".join(sorted({sku for sku, _ in chosen})[:6])
            problems[rule.key] = f"{len(chosen)} products match ({_describe(rule)}): SKUs {skus}"
            continue
        sku, attrs = chosen[0]
        row, problem = _row(rule, sku, attrs, collector.terms.get(sku, []))
        if problem:
            problems[rule.key] = problem
        else:
            rows[rule.key] = row
    return rows, problems


def _describe(rule: Selection) -> str:
    parts = [f"offer {rule.offer}", f"usage type [prefix-]{rule.usage_type}"]
    if rule.family:
        parts.append(f"productFamily {rule.family!r}")
    parts += [f"{k} {v!r}" for k, v in rule.attributes]
    return ", ".join(parts)


def _header(head: bytes) -> dict[str, str]:
    """The offer file's scalar header (offerCode, version, publicationDate), read from the bytes
    before ``"products"`` (where AWS writes it)."""
    text = head.decode("utf-8", errors="replace")
    cut = text.find('"products"')
    if cut < 0:
        return {}
    prefix = text[:cut].rstrip().rstrip(",")
    try:
        data = json.loads(prefix + "}")
    except ValueError:
        return {}
    return {k: str(v) for k, v in data.items() if isinstance(v, (str, int, float))}


def _match_json(stream: BinaryIO, collector: _Collector) -> dict[str, str]:
    products, terms = ijson.sendable_list(), ijson.sendable_list()
    product_coro = ijson.kvitems_coro(products, "products")
    term_coro = ijson.kvitems_coro(terms, f"terms.{ON_DEMAND}")
    head, header, total = b"", None, 0
    try:
        while chunk := stream.read(CHUNK_BYTES):
            total += len(chunk)
            if header is None:
                head += chunk
                if b'"products"' in head or len(head) > HEAD_LIMIT_BYTES:
                    header = _header(head)
                    head = b""
            product_coro.send(chunk)
            for sku, product in products:
                collector.product(sku, product)
            del products[:]
            term_coro.send(chunk)
            for sku, value in terms:
                collector.term(sku, value)
            del terms[:]
        product_coro.close()
        collector.products_done = True
        term_coro.close()
        for sku, value in terms:
            collector.term(sku, value)
    except ijson.JSONError as exc:
        raise OfferFileError(f"not valid JSON after {total:,} bytes: {exc}") from None
    if header is None:
        header = _header(head)
    return header


CSV_META = {"publication date": "publicationDate", "version": "version", "offercode": "offerCode",
            "formatversion": "formatVersion"}


def _match_csv(stream: BinaryIO, collector: _Collector) -> dict[str, str]:
    text = io.TextIOWrapper(stream, encoding="utf-8-sig", newline="")
    reader = csv.reader(text)
    header: dict[str, str] = {}
    columns: list[str] | None = None
    try:
        for record in reader:
            if columns is None:
                if record and record[0].strip().lower() == "sku":
                    columns = [normalized(c) for c in record]
                elif len(record) >= 2 and record[0].strip().lower() in CSV_META:
                    header[CSV_META[record[0].strip().lower()]] = record[1]
                continue
            _csv_row(dict(zip(columns, record, strict=False)), collector)
    except csv.Error as exc:
        raise OfferFileError(f"not a valid CSV offer file: {exc}") from None
    if columns is None:
        raise OfferFileError("no header row starting with \"SKU\" (a CSV offer file has 5 metadata rows, then it)")
    collector.products_done = True
    return header


_CSV_TERM_COLUMNS = {"sku", "offertermcode", "ratecode", "termtype", "pricedescription", "effectivedate",
                     "startingrange", "endingrange", "unit", "priceperunit", "currency", "relatedto",
                     "leasecontractlength", "purchaseoption", "offeringclass"}


def _csv_row(values: dict[str, str], collector: _Collector) -> None:
    if values.get("termtype") != ON_DEMAND or values.get("currency", "USD") != "USD":
        return
    sku = values.get("sku", "")
    if sku not in collector.skus:
        attrs = {k: v for k, v in values.items() if k not in _CSV_TERM_COLUMNS}
        collector.product(sku, {"attributes": attrs})
    if sku in collector.skus:
        collector.terms.setdefault(sku, []).append({
            "unit": values.get("unit", ""), "begin": values.get("startingrange") or "0",
            "end": values.get("endingrange") or "Inf", "usd": values.get("priceperunit"),
            "description": values.get("pricedescription", ""), "effective": values.get("effectivedate", ""),
            "term_code": values.get("offertermcode", "")})


def match_offer(stream: BinaryIO, selections: list[Selection], *, region: str | None = None,
                kind: str = "json") -> OfferResult:
    """Match ``selections`` against one offer file read from ``stream`` (binary, read in chunks).

    ``region``: when given, products whose regionCode names another region never match. The
    file's own region (the most common regionCode of its products) is returned either way.
    """
    collector = _Collector(list(selections), region)
    header = (_match_csv if kind == "csv" else _match_json)(stream, collector)
    for key in ("offerCode", "version"):
        if not header.get(key):
            raise OfferFileError(f"no {key} in the offer file's header; is this an AWS Price List offer file?")
    offer = header["offerCode"]
    own = [s for s in selections if s.offer == offer]
    rows, problems = _decide(collector, own)
    file_region = collector.regions.most_common(1)[0][0] if collector.regions else None
    return OfferResult(offer_code=offer, version=header["version"], publication_date=header.get("publicationDate", ""),
                       region=file_region, rows=rows, problems=problems, products_read=collector.products_read)
