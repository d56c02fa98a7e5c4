"""The Listings Items API (2021-08-01) of the emulator: searchListingsItems, getListingsItem, patchListingsItem.

Parameters, limits and answers follow listingsItems_2021-08-01.json; where it is silent the choice is a named
constant marked "assumption".
"""

from __future__ import annotations

import heapq
import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from crossdock.emulators.amazon.listings import Listing, Patch, PatchMalformed, parse_patches, submit
from crossdock.emulators.amazon.wire import DENIED, ApiError, Context, decode_token, encode_token, invalid
from crossdock.emulators.amazon.world import Participation, parse_iso

if TYPE_CHECKING:
    from crossdock.emulators.amazon.emulator import AmazonEmulator

LISTINGS_PATH = "/listings/2021-08-01/items"
# searchListingsItems: "pageSize ... maximum: 20, default: 10"; identifiers "maxItems: 20"; marketplaceIds
# "maxItems: 1"; "The maximum number of items (SKUs) that can be returned and paged through is 1000."
MAX_PAGE_SIZE, DEFAULT_PAGE_SIZE = 20, 10
MAX_IDENTIFIERS = 20
MAX_MARKETPLACES = 1
MAX_PAGED_RESULTS = 1000
INCLUDED_DATA = frozenset({"summaries", "attributes", "issues", "offers", "fulfillmentAvailability", "procurement",
                           "relationships", "productTypes"})
PATCH_INCLUDED_DATA = frozenset({"identifiers", "issues"})
IDENTIFIER_TYPES = frozenset({"ASIN", "EAN", "FNSKU", "GTIN", "ISBN", "JAN", "MINSAN", "SKU", "UPC"})
BARCODE_TYPES = frozenset({"EAN", "GTIN", "ISBN", "JAN", "UPC"})
STATUSES = frozenset({"BUYABLE", "DISCOVERABLE"})
SEVERITIES = frozenset({"WARNING", "ERROR"})
SORT_FIELDS = frozenset({"sku", "createdDate", "lastUpdatedDate"})
SORT_ORDERS = frozenset({"ASC", "DESC"})
PREVIEW = "VALIDATION_PREVIEW"
UNPARSABLE = "Request has missing or invalid parameters and cannot be parsed."


@dataclass(frozen=True)
class _Query:
    """A search as a page token carries it."""

    marketplace_id: str
    included: tuple[str, ...]
    identifiers: tuple[str, ...]
    identifiers_type: str
    parent_sku: str
    created: tuple[int | None, int | None]   # [after, before] in whole epoch seconds, None when open
    updated: tuple[int | None, int | None]
    with_status: tuple[str, ...]
    without_status: tuple[str, ...]
    severities: tuple[str, ...]
    sort_by: str
    descending: bool
    page_size: int

    def state(self) -> dict[str, Any]:
        return {"m": self.marketplace_id, "i": list(self.included), "ids": list(self.identifiers),
                "it": self.identifiers_type, "p": self.parent_sku, "c": list(self.created), "u": list(self.updated),
                "ws": list(self.with_status), "wo": list(self.without_status), "sv": list(self.severities),
                "sb": self.sort_by, "d": self.descending, "n": self.page_size}

    @classmethod
    def from_state(cls, state: dict[str, Any]) -> _Query:
        try:
            return cls(str(state["m"]), tuple(state["i"]), tuple(state["ids"]), str(state["it"]), str(state["p"]),
                       (_bound(state["c"][0]), _bound(state["c"][1])), (_bound(state["u"][0]), _bound(state["u"][1])),
                       tuple(state["ws"]), tuple(state["wo"]), tuple(state["sv"]), str(state["sb"]),
                       bool(state["d"]), int(state["n"]))
        except (KeyError, IndexError, TypeError, ValueError):
            raise invalid("Invalid pageToken.") from None

    def matches(self, listing: Listing) -> bool:
        # Cheapest tests first: a full pull runs this over every listing for every page.
        if self.parent_sku or not self._identified(listing):
            return False
        if not (_within(listing.created, self.created) and _within(listing.updated, self.updated)):
            return False
        if self.with_status or self.without_status:
            statuses = listing.statuses()
            if not all(s in statuses for s in self.with_status) or any(s in statuses for s in self.without_status):
                return False
        return not self.severities or any(i.severity in self.severities for i in listing.issues())

    def _identified(self, listing: Listing) -> bool:
        if not self.identifiers:
            return True
        kind = self.identifiers_type
        value = (listing.sku if kind == "SKU" else listing.asin if kind == "ASIN"
                 else listing.barcode if kind in BARCODE_TYPES else "")
        return bool(value) and value in self.identifiers

    def key(self, listing: Listing) -> list[Any]:
        """The sort key; the SKU breaks ties, so a page token can name the last listing it served."""
        if self.sort_by == "createdDate":
            return [_seconds(listing.created), listing.sku]
        if self.sort_by == "lastUpdatedDate":
            return [_seconds(listing.updated), listing.sku]
        return [listing.sku]


def _seconds(moment: datetime) -> int:
    # Dates are compared as the client sees them: in whole seconds.
    return int(moment.timestamp())


def _within(moment: datetime, window: tuple[int | None, int | None]) -> bool:
    if window == (None, None):
        return True
    shown = _seconds(moment)   # both bounds included ("at or after", "at or before")
    return (window[0] is None or shown >= window[0]) and (window[1] is None or shown <= window[1])


def _beyond(key: list[Any], after: list[Any] | None, descending: bool) -> bool:
    """Whether a listing comes after the last one a page token served."""
    try:
        return after is None or (key < after if descending else key > after)
    except TypeError:
        raise invalid("Invalid pageToken.") from None


def _bound(value: Any) -> int | None:
    if value is None:
        return None
    if not isinstance(value, int):
        raise ValueError("not a bound")
    return value


class ListingsApi:
    """The three operations; `authenticate` is the emulator's token check and usage-plan charge."""

    def __init__(self, emulator: AmazonEmulator, authenticate: Callable[[Context], str]) -> None:
        self.emu = emulator
        self._authenticate = authenticate

    def operations(self) -> list[tuple[str, str, str, Callable[[Context], Any]]]:
        """(path, method, operationId, handler) for each operation served."""
        item = LISTINGS_PATH + "/{sellerId}/{sku:path}"   # a SKU may hold an encoded "/"
        return [(LISTINGS_PATH + "/{sellerId}", "GET", "searchListingsItems", self.search),
                (item, "GET", "getListingsItem", self.get),
                (item, "PATCH", "patchListingsItem", self.patch)]

    # ---- shared checks ------------------------------------------------------------------------------

    def _store(self, ctx: Context) -> Participation:
        """Authenticate, then the store named by sellerId and marketplaceIds (exactly one, as the model says)."""
        seller_id = self._authenticate(ctx)
        if str(ctx.extra.get("sellerId", "")) != seller_id:
            # Assumption: a sellerId other than the token's selling partner is refused like a foreign resource.
            raise ApiError(403, "Unauthorized", DENIED)
        marketplaces = ctx.listed("marketplaceIds")
        if not marketplaces:
            raise invalid(UNPARSABLE, "Missing required parameter: marketplaceIds.")
        if len(marketplaces) > MAX_MARKETPLACES:
            raise invalid(UNPARSABLE, f"marketplaceIds accepts at most {MAX_MARKETPLACES} value.")
        store = self.emu.world.seller(seller_id).participations.get(marketplaces[0])
        if store is None:
            raise invalid(UNPARSABLE, f"Invalid marketplaceIds: {marketplaces[0]}.")
        return store

    @staticmethod
    def _choices(ctx: Context, name: str, allowed: frozenset[str], default: tuple[str, ...] = ()) -> tuple[str, ...]:
        values = tuple(dict.fromkeys(ctx.listed(name))) or default
        wrong = [v for v in values if v not in allowed]
        if wrong:
            raise invalid(UNPARSABLE, f"Invalid {name}: {','.join(wrong)}.")
        return values

    @staticmethod
    def _date(ctx: Context, name: str) -> int | None:
        text = ctx.param(name)
        if not text:
            return None
        moment = parse_iso(text)
        if moment is None:
            raise invalid(UNPARSABLE, f"Invalid {name}: {text}. Values are ISO 8601 date-times.")
        return _seconds(moment)

    # ---- searchListingsItems ------------------------------------------------------------------------

    def search(self, ctx: Context) -> dict[str, Any]:
        """searchListingsItems: GET /listings/2021-08-01/items/{sellerId}."""
        store = self._store(ctx)
        token = ctx.param("pageToken")
        if token:
            state = decode_token(token, "pageToken")
            if state.get("sub") != ctx.seller_id:
                raise invalid("Invalid pageToken.")
            query, after, served = _Query.from_state(state), state.get("k"), state.get("s")
            if query.marketplace_id != store.marketplace.id or not isinstance(after, list) \
                    or not isinstance(served, int):
                raise invalid("Invalid pageToken.")
        else:
            query, after, served = self._query(ctx, store.marketplace.id), None, 0
        total, rest = 0, []
        for listing in store.listings.values():
            if not query.matches(listing):
                continue
            total += 1
            key = query.key(listing)
            if _beyond(key, after, query.descending):
                rest.append((key, listing))
        size = min(query.page_size, MAX_PAGED_RESULTS - served)
        # Only a page is needed of what may be thousands of listings: pick it without sorting them all.
        pick = heapq.nlargest if query.descending else heapq.nsmallest
        page = pick(size, rest, key=lambda pair: pair[0])
        body: dict[str, Any] = {"numberOfResults": total,
                                "items": [x.render(store.marketplace, query.included) for _, x in page]}
        if len(rest) > len(page) and served + len(page) < MAX_PAGED_RESULTS:
            body["pagination"] = {"nextToken": encode_token({**query.state(), "sub": ctx.seller_id,
                                                            "k": page[-1][0], "s": served + len(page)})}
        return body

    def _query(self, ctx: Context, marketplace_id: str) -> _Query:
        identifiers = tuple(ctx.listed("identifiers"))
        kind = ctx.param("identifiersType") or ""
        parent, package = ctx.param("variationParentSku") or "", ctx.param("packageHierarchySku") or ""
        if len(identifiers) > MAX_IDENTIFIERS:
            raise invalid(UNPARSABLE, f"identifiers accepts at most {MAX_IDENTIFIERS} values.")
        if bool(identifiers) != bool(kind):
            raise invalid(UNPARSABLE, "identifiers and identifiersType must be given together.")
        if kind and kind not in IDENTIFIER_TYPES:
            raise invalid(UNPARSABLE, f"Invalid identifiersType: {kind}.")
        if sum(map(bool, (identifiers, parent, package))) > 1:
            raise invalid(UNPARSABLE, "Use only one of identifiers, variationParentSku and packageHierarchySku.")
        sort_by, order = ctx.param("sortBy") or "lastUpdatedDate", ctx.param("sortOrder") or "DESC"
        if sort_by not in SORT_FIELDS or order not in SORT_ORDERS:
            raise invalid(UNPARSABLE, f"Invalid sortBy or sortOrder: {sort_by} {order}.")
        return _Query(
            marketplace_id=marketplace_id,
            included=self._choices(ctx, "includedData", INCLUDED_DATA, ("summaries",)),
            identifiers=identifiers, identifiers_type=kind,
            # No listing has a variation parent or a package hierarchy in the emulator: either filter finds none.
            parent_sku=parent or package,
            created=(self._date(ctx, "createdAfter"), self._date(ctx, "createdBefore")),
            updated=(self._date(ctx, "lastUpdatedAfter"), self._date(ctx, "lastUpdatedBefore")),
            with_status=self._choices(ctx, "withStatus", STATUSES),
            without_status=self._choices(ctx, "withoutStatus", STATUSES),
            severities=self._choices(ctx, "withIssueSeverity", SEVERITIES),
            sort_by=sort_by, descending=order == "DESC", page_size=self._page_size(ctx))

    @staticmethod
    def _page_size(ctx: Context) -> int:
        text = ctx.param("pageSize")
        if not text:
            return DEFAULT_PAGE_SIZE
        try:
            size = int(text)
        except ValueError:
            raise invalid(UNPARSABLE, f"Invalid pageSize: {text}.") from None
        if not 1 <= size <= MAX_PAGE_SIZE:
            # Assumption: the model gives only the maximum; below one is refused alike.
            raise invalid(UNPARSABLE, f"pageSize must be between 1 and {MAX_PAGE_SIZE}.")
        return size

    # ---- getListingsItem ----------------------------------------------------------------------------

    def get(self, ctx: Context) -> dict[str, Any]:
        """getListingsItem: GET /listings/2021-08-01/items/{sellerId}/{sku}."""
        store = self._store(ctx)
        included = self._choices(ctx, "includedData", INCLUDED_DATA, ("summaries",))
        sku = str(ctx.extra.get("sku", ""))
        listing = store.listings.get(sku)
        if listing is None:
            raise ApiError(404, "NotFound", "The resource specified does not exist.",
                           f"SKU '{sku}' not found in marketplace {store.marketplace.id}.")
        return listing.render(store.marketplace, included)

    # ---- patchListingsItem --------------------------------------------------------------------------

    def patch(self, ctx: Context) -> dict[str, Any]:
        """patchListingsItem: PATCH /listings/2021-08-01/items/{sellerId}/{sku}; changes show at once.

        An unknown SKU is ACCEPTED and leaves an incomplete, unbuyable listing, as Amazon does with offer data
        sent for a SKU it does not know (selling-partner-api-docs issue 3748)."""
        store = self._store(ctx)
        mode = ctx.param("mode") or ""
        if mode and mode != PREVIEW:
            raise invalid(UNPARSABLE, f"Invalid mode: {mode}.")
        included = self._choices(ctx, "includedData", PATCH_INCLUDED_DATA, ("issues",))
        if "identifiers" in included and mode != PREVIEW:
            raise invalid(UNPARSABLE, "identifiers can only be requested when mode is VALIDATION_PREVIEW.")
        product_type, patches = self._patch_body(ctx.body)
        issues, work = submit(store.listings, str(ctx.extra.get("sku", "")), product_type, patches, ctx.now,
                              preview=mode == PREVIEW)
        status = "INVALID" if issues else "VALID" if mode == PREVIEW else "ACCEPTED"
        answer: dict[str, Any] = {"sku": work.sku, "status": status, "submissionId": uuid.uuid4().hex}
        if "issues" in included:
            answer["issues"] = [issue.payload() for issue in issues]
        if "identifiers" in included:
            answer["identifiers"] = [{"marketplaceId": store.marketplace.id, "asin": work.asin}] if work.asin else []
        return answer

    @staticmethod
    def _patch_body(raw: bytes) -> tuple[str, list[Patch]]:
        """ListingsItemPatchRequest -> (productType, patches); 400 when malformed."""
        try:
            body = json.loads(raw or b"null")
        except (ValueError, UnicodeDecodeError):
            raise invalid(UNPARSABLE, "The request body is not valid JSON.") from None
        if not isinstance(body, dict):
            raise invalid(UNPARSABLE)
        product_type = body.get("productType")
        try:
            if not isinstance(product_type, str) or not product_type:
                raise PatchMalformed("productType and at least one patch are required.")
            return product_type, parse_patches(body.get("patches"))
        except PatchMalformed as exc:
            raise invalid(UNPARSABLE, str(exc)) from None
