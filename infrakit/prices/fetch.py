"""Reading the Price List Bulk API: the service index, each service's region index, then the
region's offer file, streamed (never held in memory whole). No credentials are needed.

Layout (AWS "Reading the service index file" and "Service Region index file"):
``/offers/v1.0/aws/index.json`` -> ``offers[CODE].currentRegionIndexUrl`` ->
``regions[REGION].currentVersionUrl`` (a versioned path to the region's ``index.json``).
"""

from __future__ import annotations

import http.client
import json
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from contextlib import contextmanager
from typing import BinaryIO

from infrakit.core.errors import InfrakitError

DEFAULT_PRICE_LIST_URL = "https://pricing.us-east-1.amazonaws.com"
SERVICE_INDEX_PATH = "/offers/v1.0/aws/index.json"
TIMEOUT_S = 60.0
MAX_INDEX_BYTES = 64 << 20  # the service index is about 100 KB; region indexes are smaller


class FetchError(InfrakitError):
    """A Price List URL could not be read (unreachable, HTTP error, not the documented layout)."""


def url_problem(url: str) -> str | None:
    """Why ``url`` cannot be a Price List base URL, or None."""
    parsed = urllib.parse.urlparse(url)
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        return (f"--price-list-url: {url!r} is not an http(s) URL with a host; give the Bulk API's base, such as "
                f"{DEFAULT_PRICE_LIST_URL}")
    return None


Opener = Callable[[str], BinaryIO]


def _open(url: str) -> BinaryIO:
    request = urllib.request.Request(url, headers={"User-Agent": "infrakit prices refresh"})
    return urllib.request.urlopen(request, timeout=TIMEOUT_S)  # noqa: S310 - http(s) checked by url_problem


@contextmanager
def opened(url: str, opener: Opener | None = None):
    """``url`` as a binary stream; a ``FetchError`` naming the URL and the cause on failure."""
    try:
        stream = (opener or _open)(url)
    except urllib.error.HTTPError as exc:
        raise FetchError(f"{url}: HTTP {exc.code} {exc.reason}") from None
    except (urllib.error.URLError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        raise FetchError(f"{url}: unreachable ({reason})") from None
    try:
        yield _Whole(stream)
    except (OSError, http.client.HTTPException) as exc:  # the body cut off, reset or timed out mid-download
        raise FetchError(f"{url}: the download broke off ({_cause(exc)}); nothing from it is used") from None
    finally:
        stream.close()


class _Whole:
    """A response stream whose end is checked against its Content-Length: http.client returns
    b"" when the server closes early, which would read as a (truncated) end of file."""

    def __init__(self, stream: BinaryIO):
        self.stream = stream

    def read(self, size: int = -1) -> bytes:
        data = self.stream.read(size)
        left = getattr(self.stream, "length", None)
        if not data and size != 0 and isinstance(left, int) and left > 0:
            raise http.client.IncompleteRead(b"", left)
        return data

    def __getattr__(self, name: str):
        return getattr(self.stream, name)


def _cause(exc: BaseException) -> str:
    if isinstance(exc, http.client.IncompleteRead):
        more = f", {exc.expected:,} more expected" if exc.expected is not None else ""
        return f"the connection closed before the end of the body (incomplete read{more})"
    if isinstance(exc, TimeoutError):
        return f"timed out after {TIMEOUT_S:g} s without data"
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__


class PriceListSite:
    """The Bulk API at ``base``: indexes are read once and kept; offer files are streamed."""

    def __init__(self, base: str, opener: Opener | None = None):
        self.base = base.rstrip("/")
        self.opener = opener
        self._service_index: dict | None = None
        self._region_indexes: dict[str, dict] = {}

    def url(self, path: str) -> str:
        return path if path.startswith(("http://", "https://")) else self.base + "/" + path.lstrip("/")

    def _json(self, url: str) -> dict:
        with opened(url, self.opener) as stream:
            data = stream.read(MAX_INDEX_BYTES + 1)
        if len(data) > MAX_INDEX_BYTES:
            raise FetchError(f"{url}: larger than {MAX_INDEX_BYTES >> 20} MiB; not a Price List index")
        try:
            parsed = json.loads(data)
        except ValueError as exc:
            raise FetchError(f"{url}: not JSON ({exc})") from None
        if not isinstance(parsed, dict):
            raise FetchError(f"{url}: not a JSON object")
        return parsed

    def service_index(self) -> dict:
        if self._service_index is None:
            url = self.url(SERVICE_INDEX_PATH)
            index = self._json(url)
            if not isinstance(index.get("offers"), dict):
                raise FetchError(f"{url}: no 'offers' object; is {self.base} the Price List Bulk API?")
            self._service_index = index
        return self._service_index

    def offer_url(self, offer: str, region: str) -> str | None:
        """The region's current offer file URL; None when the service publishes none for it."""
        entry = self.service_index()["offers"].get(offer)
        if not isinstance(entry, dict) or not entry.get("currentRegionIndexUrl"):
            raise FetchError(f"{self.url(SERVICE_INDEX_PATH)}: offer {offer} is not in the service index")
        if offer not in self._region_indexes:
            url = self.url(entry["currentRegionIndexUrl"])
            index = self._json(url)
            if not isinstance(index.get("regions"), dict):
                raise FetchError(f"{url}: no 'regions' object; not a region index")
            self._region_indexes[offer] = index
        region_entry = self._region_indexes[offer]["regions"].get(region)
        if not isinstance(region_entry, dict) or not region_entry.get("currentVersionUrl"):
            return None
        return self.url(region_entry["currentVersionUrl"])
