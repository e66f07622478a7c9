"""Reading AWS's Price List: selection rules as data, and a streaming matcher over offer files.

Pure parts only (no network, no files written): ``rules`` (what one catalog row is in the
Price List: offer, product family, usage type after a known region prefix, required
attributes, units), ``prefixes`` (the region prefixes AWS puts on usage types), ``matcher``
(one pass over an offer file, JSON or CSV, with bounded memory). Fetching and snapshots live
in ``infrakit.prices``.
"""

from cost_model.price_list.matcher import OfferResult, match_offer
from cost_model.price_list.prefixes import KNOWN_PREFIXES, strip_region_prefix
from cost_model.price_list.rules import Selection, all_selections, normalized

__all__ = ["KNOWN_PREFIXES", "OfferResult", "Selection", "all_selections", "match_offer", "normalized",
           "strip_region_prefix"]
