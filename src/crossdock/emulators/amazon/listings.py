"""A seller's listings in one marketplace as the Listings Items API (2021-08-01) shows and patches them.

A listing is identified by its seller SKU; it offers one catalogue item (ASIN) at a price and says how many
units the seller's own network (fulfillment channel DEFAULT) or Amazon's (AMAZON_EU, FBA) can ship.
Rendering follows listingsItems_2021-08-01.json (`Item`, `ItemSummaryByMarketplace`, `ItemOfferByMarketplace`,
`FulfillmentAvailability`, `Issue`); where the model is silent the choice is a constant marked "assumption".
"""

from __future__ import annotations

import copy
import hashlib
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from crossdock.emulators._common.catalogue import ProductSpec
from crossdock.emulators.amazon.marketplaces import Marketplace

MFN_CHANNEL = "DEFAULT"            # FulfillmentAvailability.fulfillmentChannelCode of seller-fulfilled stock
AFN_CHANNEL = "AMAZON_EU"          # Amazon's EU fulfillment network (FBA); its stock is Amazon's to count
BUYABLE, DISCOVERABLE = "BUYABLE", "DISCOVERABLE"
# Assumption: listings created from a catalogue get the generic product type Amazon accepts for offer data.
PRODUCT_TYPE = "PRODUCT"
CONDITION = "new_new"
# Assumption: Amazon caps seller SKUs at 40 characters (Seller Central's inventory file rule).
MAX_SKU_LENGTH = 40
# Assumption: a catalogue upload creates about ten listings a second, the newest one at "now"; createdDate
# is reported in whole seconds as in the model's examples, so several listings share one.
CREATED_PER_SECOND = 10
# Attribute names are snake_case in every product type schema; anything else is not an attribute.
ATTRIBUTE_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
_ALNUM = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_CENT = Decimal("0.01")


def iso_seconds(moment: datetime) -> str:
    """Listings dates as the model's examples write them: UTC, whole seconds, Z."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def asin_for(seller_id: str, sku: str) -> str:
    """A stable ten-character ASIN ("B0" + 8) for a seller's SKU: the same item in every marketplace."""
    digest = int.from_bytes(hashlib.sha256(f"{seller_id}\x00{sku}".encode()).digest()[:8], "big")
    chars = []
    for _ in range(8):
        digest, index = divmod(digest, len(_ALNUM))
        chars.append(_ALNUM[index])
    return "B0" + "".join(chars)


@dataclass(frozen=True)
class Issue:
    """An `Issue` of a listing or of a submission."""

    code: str
    message: str
    attribute: str = ""
    category: str = ""
    severity: str = "ERROR"

    def payload(self) -> dict[str, Any]:
        body: dict[str, Any] = {"code": self.code, "message": self.message, "severity": self.severity,
                                "categories": [self.category] if self.category else []}
        if self.attribute:
            body["attributeNames"] = [self.attribute]
        return body


# A listing created by patching offer data onto an unknown SKU lacks the product facts Amazon needs.
INCOMPLETE = Issue("90220", "'item_name' is required but not supplied.", "item_name", "MISSING_ATTRIBUTE")


@dataclass
class Listing:
    """One seller SKU in one marketplace."""

    sku: str
    asin: str                      # "" while the listing has no catalogue item (an incomplete listing)
    title: str
    price: Decimal | None
    quantity: int                  # units of the channel below the seller makes available
    active: bool                   # the seller offers it (False: closed/inactive in Seller Central)
    created: datetime
    updated: datetime
    channel: str = MFN_CHANNEL
    barcode: str = ""
    product_type: str = PRODUCT_TYPE
    attributes: dict[str, list[Any]] = field(default_factory=dict)   # other attributes patched, kept as sent

    @property
    def complete(self) -> bool:
        return bool(self.asin and self.title)

    @property
    def buyable(self) -> bool:
        return self.active and self.complete and self.price is not None and self.quantity > 0

    def statuses(self) -> list[str]:
        """summaries.status: BUYABLE and DISCOVERABLE while on sale; out of stock it stays visible only.

        Assumption: an inactive (closed) or incomplete listing has neither status."""
        if not self.active or not self.complete:
            return []
        return [BUYABLE, DISCOVERABLE] if self.buyable else [DISCOVERABLE]

    def issues(self) -> list[Issue]:
        return [] if self.complete else [INCOMPLETE]

    def sell(self, quantity: int, now: datetime) -> None:
        self.quantity -= quantity
        self.updated = max(now, self.updated)

    def truth(self) -> dict[str, Any]:
        """What tests compare the connector's reading with (see AmazonEmulator.listings)."""
        return {"item_id": self.sku, "variant_id": "", "seller_sku": self.sku, "asin": self.asin,
                "title": self.title, "quantity": self.quantity, "active": self.active, "price": self.price,
                "channel": self.channel, "buyable": self.buyable}

    # ---- rendering ----------------------------------------------------------------------------

    def render(self, mp: Marketplace, included: Sequence[str]) -> dict[str, Any]:
        """The `Item` with the datasets `included` asks for (searchListingsItems / getListingsItem)."""
        item: dict[str, Any] = {"sku": self.sku}
        for name in included:
            part = self._part(name, mp)
            if part is not None:
                item[name] = part
        return item

    def _part(self, name: str, mp: Marketplace) -> Any:
        parts: dict[str, Callable[[Marketplace], Any]] = {
            "summaries": lambda m: [self._summary(m)],
            "attributes": self._attributes,
            "issues": lambda m: [issue.payload() for issue in self.issues()],
            "offers": self._offers,
            "fulfillmentAvailability": lambda m: [{"fulfillmentChannelCode": self.channel, "quantity": self.quantity}],
            # No parent SKUs are created: a variant's family shows in its title only.
            "relationships": lambda m: [{"marketplaceId": m.id, "relationships": []}],
            "productTypes": lambda m: [{"marketplaceId": m.id, "productType": self.product_type}],
        }
        build = parts.get(name)   # procurement is vendor data: a seller's listing has none
        return build(mp) if build is not None else None

    def _summary(self, mp: Marketplace) -> dict[str, Any]:
        summary: dict[str, Any] = {"marketplaceId": mp.id}
        if self.asin:
            summary["asin"] = self.asin
        summary.update({"productType": self.product_type, "conditionType": CONDITION, "status": self.statuses()})
        if self.title:
            summary["itemName"] = self.title
        summary.update({"createdDate": iso_seconds(self.created), "lastUpdatedDate": iso_seconds(self.updated)})
        return summary

    def _offers(self, mp: Marketplace) -> list[dict[str, Any]]:
        if self.price is None:
            return []
        return [{"marketplaceId": mp.id, "offerType": "B2C",
                 "price": {"currencyCode": mp.currency, "amount": str(self.price)},
                 "audience": {"value": "ALL", "displayName": "Sell on Amazon"}}]

    def _attributes(self, mp: Marketplace) -> dict[str, Any]:
        attributes: dict[str, Any] = dict(self.attributes)
        if self.title:
            attributes["item_name"] = [{"value": self.title, "language_tag": mp.language, "marketplace_id": mp.id}]
        attributes["condition_type"] = [{"value": CONDITION, "marketplace_id": mp.id}]
        attributes["fulfillment_availability"] = [{"fulfillment_channel_code": self.channel,
                                                   "quantity": self.quantity}]
        if self.price is not None:
            attributes["purchasable_offer"] = [{"currency": mp.currency, "audience": "ALL", "marketplace_id": mp.id,
                                                "our_price": [{"schedule": [{"value_with_tax": float(self.price)}]}]}]
        if self.barcode:
            attributes["externally_assigned_product_identifier"] = [
                {"type": "ean", "value": self.barcode, "marketplace_id": mp.id}]
        return attributes


# ---- building from a catalogue ------------------------------------------------------------------------


def check_specs(specs: Sequence[ProductSpec]) -> None:
    """Refuse what Amazon could not list, before anything is replaced: every variant needs its own SKU."""
    seen: set[str] = set()
    for spec in specs:
        for variant in spec.variants:
            if not variant.sku or len(variant.sku) > MAX_SKU_LENGTH:
                raise ValueError(f"variant {variant.name!r} of {spec.title!r}: an Amazon listing needs a seller SKU "
                                 f"of 1 to {MAX_SKU_LENGTH} characters")
            if variant.sku in seen:
                raise ValueError(f"seller SKU {variant.sku!r} appears twice: a SKU is one Amazon listing")
            if variant.quantity < 0 or variant.price < 0:
                raise ValueError(f"variant {variant.sku!r}: price and quantity cannot be negative")
            seen.add(variant.sku)


def from_specs(seller_id: str, specs: Sequence[ProductSpec], now: datetime) -> dict[str, Listing]:
    """One listing per variant, in catalogue order; a variant's title names its product and its variation."""
    check_specs(specs)
    variants = [(spec, variant) for spec in specs for variant in spec.variants]
    listings: dict[str, Listing] = {}
    for index, (spec, variant) in enumerate(variants):
        created = now - timedelta(seconds=(len(variants) - 1 - index) // CREATED_PER_SECOND)
        title = f"{spec.title}, {variant.name}" if variant.name else spec.title
        listings[variant.sku] = Listing(
            sku=variant.sku, asin=asin_for(seller_id, variant.sku), title=title,
            price=variant.price.quantize(_CENT, rounding=ROUND_HALF_UP), quantity=variant.quantity,
            active=spec.active, created=created, updated=created, barcode=variant.barcode)
    return listings


def incomplete(sku: str, now: datetime) -> Listing:
    """What a patch of offer data onto an unknown SKU leaves behind: a listing with no catalogue item."""
    return Listing(sku=sku, asin="", title="", price=None, quantity=0, active=True, created=now, updated=now)


# ---- patches --------------------------------------------------------------------------------------------

PATCH_OPS = frozenset({"add", "replace", "merge", "delete"})
# "Only top-level listings item attributes can be patched": a path is /attributes/<name>.
ATTRIBUTE_PATH = re.compile(r"^/attributes/([^/]+)$")
# Assumption: product types are Amazon's upper-case names (LUGGAGE, PRODUCT, ...).
PRODUCT_TYPE_NAME = re.compile(r"^[A-Z][A-Z0-9_]*$")
Patch = tuple[str, str, Any]          # (op, attribute name, value)


class PatchMalformed(ValueError):
    """A patch list that cannot be parsed (the API answers 400; a feed message is invalid)."""


class PatchRefused(Exception):
    """The submission is INVALID: the listing stays as it was."""

    def __init__(self, issue: Issue) -> None:
        super().__init__(issue.message)
        self.issue = issue


BAD_PRODUCT_TYPE = Issue("4000003", "The Amazon product type specified is invalid or not supported.")


def parse_patches(patches: Any) -> list[Patch]:
    """JSON Patch operations as ListingsItemPatchRequest and listings feed messages carry them."""
    if not isinstance(patches, list) or not patches:
        raise PatchMalformed("productType and at least one patch are required.")
    parsed: list[Patch] = []
    for index, patch in enumerate(patches):
        path = patch.get("path") if isinstance(patch, dict) else None
        match = ATTRIBUTE_PATH.match(path) if isinstance(path, str) else None
        if not isinstance(patch, dict) or match is None:
            raise PatchMalformed(f"Invalid path provided in patch at index of {index}.")
        op, value = patch.get("op"), patch.get("value")
        if op not in PATCH_OPS:
            raise PatchMalformed(f"Invalid op provided in patch at index of {index}.")
        if op != "delete" and not (isinstance(value, list) and all(isinstance(v, dict) for v in value)):
            raise PatchMalformed(f"Invalid value provided in patch at index of {index}.")
        parsed.append((str(op), match.group(1), value))
    return parsed


def submit(listings: dict[str, Listing], sku: str, product_type: str, patches: list[Patch], now: datetime,
           *, preview: bool = False) -> tuple[list[Issue], Listing]:
    """Apply a submission to a copy of the listing (an incomplete new one for an unknown SKU, as Amazon accepts
    offer data for any SKU); keep the copy unless refused or previewed. Returns (issues, the listing as patched)."""
    current = listings.get(sku)
    work = copy.deepcopy(current) if current is not None else incomplete(sku, now)
    try:
        if not PRODUCT_TYPE_NAME.match(product_type):
            raise PatchRefused(BAD_PRODUCT_TYPE)
        for op, name, value in patches:
            apply_patch(work, op, name, value, now)
    except PatchRefused as refused:
        return [refused.issue], work
    if not preview:
        listings[sku] = work
    return [], work


def _invalid_attribute(name: str) -> PatchRefused:
    return PatchRefused(Issue("90000900", "The attributes are invalid.", name, "INVALID_ATTRIBUTE"))


def _availability(value: Any) -> tuple[str, int]:
    """fulfillment_availability: [{fulfillment_channel_code, quantity}] -> (channel, quantity)."""
    entry = value[0] if isinstance(value, list) and len(value) == 1 and isinstance(value[0], dict) else None
    if entry is None:
        raise _invalid_attribute("fulfillment_availability")
    channel, quantity = entry.get("fulfillment_channel_code"), entry.get("quantity", 0)
    if not isinstance(channel, str) or not channel:
        raise _invalid_attribute("fulfillment_availability")
    if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity < 0:
        raise PatchRefused(Issue("90244", "The value for 'quantity' must be a whole number of 0 or more.",
                                 "fulfillment_availability", "INVALID_ATTRIBUTE"))
    return channel, quantity


def _our_price(value: Any) -> Decimal:
    """purchasable_offer: [{our_price: [{schedule: [{value_with_tax}]}]}] -> the price."""
    try:
        raw = value[0]["our_price"][0]["schedule"][0]["value_with_tax"]
        price = Decimal(str(raw))
    except (KeyError, IndexError, TypeError, InvalidOperation):
        raise _invalid_attribute("purchasable_offer") from None
    if isinstance(raw, bool) or not price.is_finite() or price < 0:
        raise _invalid_attribute("purchasable_offer")
    return price.quantize(_CENT, rounding=ROUND_HALF_UP)


def apply_patch(listing: Listing, op: str, name: str, value: Any, now: datetime) -> None:
    """One JSON Patch operation on a top-level attribute; callers patch a copy, so a refusal changes nothing."""
    if not ATTRIBUTE_NAME.match(name):
        raise _invalid_attribute(name)
    if name == "fulfillment_availability":
        # Assumption: DEFAULT quantity on an FBA listing switches it to seller fulfilment, as Seller Central warns.
        listing.channel, listing.quantity = (MFN_CHANNEL, 0) if op == "delete" else _availability(value)
    elif name == "purchasable_offer":
        listing.price = None if op == "delete" else _our_price(value)
    elif op == "delete":
        listing.attributes.pop(name, None)
    else:
        listing.attributes[name] = list(value)
    listing.updated = max(now, listing.updated)
