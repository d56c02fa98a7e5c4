"""A Joom store's products and variants as the v3 Products pages show them, with the stock buyers draw on.

Products (api-v3-docs.merchant.joom.com/products/overview): merchant SKUs for products and variants, Joom ids
for both, a product `state` and `hasActiveVersion`; every product has at least one variant, and buyers buy
variants. Variant fields follow the v3 variant object as public clients send and read it
(id, productId, sku, price, currency, inventory, enabled, shippingWeight, shippingPrice, size, color, gtin).
"""

from __future__ import annotations

import bisect
import heapq
import random
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from crossdock.emulators._common.catalogue import ProductSpec

# The product states of the Products overview page.
PRODUCT_STATES: tuple[str, ...] = ("active", "warning", "pending", "rejected", "disabledByJoom", "disabledByMerchant")
# States whose current version is the one buyers see; pending/rejected show an older version when there is one.
PUBLISHED_STATES = frozenset({"active", "warning"})
DISABLED_STATES = frozenset({"disabledByJoom", "disabledByMerchant"})
# "The maximum number of products in one store is 10 000 (including active and disabled products)"
# (merchant-help.joom.com, "What is a Store?").
MAX_PRODUCTS_PER_STORE = 10_000
# Assumption: Joom documents no cap on variants per product; 100 keeps one update call bounded.
MAX_VARIANTS_PER_PRODUCT = 100
# Assumption: the emulator's own catalogue (before set_catalogue) starts with this many units per variant.
DEFAULT_INVENTORY = 100
_CENT = Decimal("0.01")


def money(amount: Decimal) -> str:
    """Joom sends amounts as decimal strings."""
    return str(amount.quantize(_CENT, rounding=ROUND_HALF_UP))


def object_id(rng: random.Random) -> str:
    """A Joom-style id (24 hex digits, like a MongoDB ObjectId), cheap enough for catalogues of thousands."""
    return f"{rng.getrandbits(96):024x}"


@dataclass(frozen=True)
class Variant:
    """What an order keeps of the variant bought: its identity and price at the time."""

    id: str
    sku: str
    color: str
    size: str
    price: Decimal
    shipping: Decimal


@dataclass(frozen=True)
class Product:
    """What an order keeps of the product bought."""

    id: str
    sku: str
    name: str
    main_image: str


@dataclass
class CatalogueVariant:
    """A variant as listed: price, stock and whether it is for sale can change."""

    id: str
    product_id: str
    sku: str
    size: str
    color: str
    price: Decimal
    currency: str
    shipping: Decimal
    weight_kg: Decimal
    inventory: int
    enabled: bool = True
    gtin: str = ""

    def snapshot(self) -> Variant:
        return Variant(self.id, self.sku, self.color, self.size, self.price, self.shipping)

    def payload(self) -> dict[str, Any]:
        """The variant inside a product of GET /api/v3/products and /products/multi."""
        body: dict[str, Any] = {
            "id": self.id,
            "productId": self.product_id,
            "sku": self.sku,
            "price": money(self.price),
            "currency": self.currency,
            "inventory": self.inventory,
            "enabled": self.enabled,
            "shippingWeight": float(self.weight_kg),
            "shippingPrice": money(self.shipping),
        }
        for name, value in (("size", self.size), ("color", self.color), ("gtin", self.gtin)):
            if value:
                body[name] = value
        return body


@dataclass
class CatalogueProduct:
    """A product of one store with its variants, in the order the merchant gave them."""

    id: str
    sku: str
    store_id: str
    name: str
    main_image: str
    variants: list[CatalogueVariant]
    state: str = "active"
    updated: int = 0

    @property
    def has_active_version(self) -> bool:
        # The emulator keeps one version per product: it is published unless the product is disabled.
        return self.state not in DISABLED_STATES

    @property
    def enabled(self) -> bool:
        return self.state != "disabledByMerchant"

    def sells(self, variant: CatalogueVariant) -> bool:
        """Whether a buyer can buy `variant` now (stock aside)."""
        return self.has_active_version and variant.enabled

    def set_enabled(self, enabled: bool) -> None:
        if enabled and self.state == "disabledByMerchant":
            self.state = "active"
        elif not enabled and self.state not in DISABLED_STATES:
            self.state = "disabledByMerchant"

    def snapshot(self) -> Product:
        return Product(self.id, self.sku, self.name, self.main_image)

    def payload(self, updated: str) -> dict[str, Any]:
        """The product as GET /api/v3/products and /products/multi return it."""
        return {
            "id": self.id,
            "sku": self.sku,
            "storeId": self.store_id,
            "name": self.name,
            "state": self.state,
            "hasActiveVersion": self.has_active_version,
            "enabled": self.enabled,
            "mainImage": {"origUrl": self.main_image},
            "updatedTimestamp": updated,
            "variants": [variant.payload() for variant in self.variants],
        }


@dataclass
class Catalogue:
    """A store's products with the indexes the API and buyers need: by id, by SKU, and in id order for paging."""

    products: list[CatalogueProduct] = field(default_factory=list)
    by_id: dict[str, CatalogueProduct] = field(init=False, default_factory=dict)
    by_sku: dict[str, CatalogueProduct] = field(init=False, default_factory=dict)
    variants_by_id: dict[str, CatalogueVariant] = field(init=False, default_factory=dict)
    variants_by_sku: dict[str, CatalogueVariant] = field(init=False, default_factory=dict)
    ids: list[str] = field(init=False, default_factory=list)

    def __post_init__(self) -> None:
        for product in self.products:
            self.by_id[product.id] = product
            self.by_sku[product.sku] = product
            for variant in product.variants:
                self.variants_by_id[variant.id] = variant
                self.variants_by_sku[variant.sku] = variant
        self.ids = sorted(self.by_id)

    def after(self, last_id: str) -> Iterator[CatalogueProduct]:
        """Products in id order after `last_id` ("" for the first)."""
        start = bisect.bisect_right(self.ids, last_id) if last_id else 0
        return (self.by_id[product_id] for product_id in self.ids[start:])

    def product_of(self, variant: CatalogueVariant) -> CatalogueProduct:
        return self.by_id[variant.product_id]

    def selling(self) -> list[CatalogueProduct]:
        """Products a buyer can buy now (stock aside), in the merchant's order."""
        return [p for p in self.products if any(p.sells(v) for v in p.variants)]

    def order_pool(self) -> list[CatalogueProduct]:
        """Products a generated order may be for: those on sale, or any when none is (past orders)."""
        return self.selling() or self.products


def merged_pages(catalogues: Iterable[Catalogue], last_id: str) -> Iterator[CatalogueProduct]:
    """Products of several stores in one id order, after `last_id`: a merchant's listing without storeId."""
    return heapq.merge(*(catalogue.after(last_id) for catalogue in catalogues), key=lambda p: p.id)


@dataclass(frozen=True)
class StoreTerms:
    """What a store imposes on what it lists."""

    store_id: str
    currency: str
    shipping: Decimal = Decimal(0)


def build_catalogue(specs: Sequence[ProductSpec], terms: StoreTerms, rng: random.Random, now: int) -> Catalogue:
    """Joom products for `specs`: ids from `rng`, SKUs the merchant's, each product's SKU from its variants."""
    _check_specs(specs)
    products: list[CatalogueProduct] = []
    taken: set[str] = set()
    for spec in specs:
        product_id = _fresh_id(rng, taken)
        variants = [_variant(spec, index, product_id, terms, rng, taken) for index in range(len(spec.variants))]
        sku = _product_sku([v.sku for v in variants], taken, product_id)
        products.append(CatalogueProduct(
            id=product_id, sku=sku, store_id=terms.store_id, name=spec.title,
            main_image=f"https://images.joom.com/{product_id}_original.jpg", variants=variants,
            state="active" if spec.active else "disabledByMerchant", updated=now,
        ))
    return Catalogue(products)


def _check_specs(specs: Sequence[ProductSpec]) -> None:
    if len(specs) > MAX_PRODUCTS_PER_STORE:
        raise ValueError(f"a Joom store holds at most {MAX_PRODUCTS_PER_STORE} products, got {len(specs)}")
    skus: set[str] = set()
    for spec in specs:
        if not spec.variants:
            raise ValueError(f"product {spec.title!r} has no variant; every Joom product has at least one")
        if len(spec.variants) > MAX_VARIANTS_PER_PRODUCT:
            raise ValueError(f"product {spec.title!r} has {len(spec.variants)} variants; "
                             f"the emulator allows {MAX_VARIANTS_PER_PRODUCT}")
        for variant in spec.variants:
            if variant.quantity < 0 or variant.price <= 0:
                raise ValueError(f"variant {variant.sku!r} needs a positive price and a non-negative quantity")
            if variant.sku and variant.sku in skus:
                # "Each Variant SKU must be unique among all merchant's Variant SKUs."
                raise ValueError(f"variant SKU {variant.sku!r} is used twice")
            skus.add(variant.sku)


def _fresh_id(rng: random.Random, taken: set[str]) -> str:
    while True:
        candidate = object_id(rng)
        if candidate not in taken:
            taken.add(candidate)
            return candidate


def _variant(spec: ProductSpec, index: int, product_id: str, terms: StoreTerms, rng: random.Random,
             taken: set[str]) -> CatalogueVariant:
    given = spec.variants[index]
    variant_id = _fresh_id(rng, taken)
    return CatalogueVariant(
        id=variant_id, product_id=product_id,
        # Joom requires a variant SKU; a listing the seller left without one gets one made from its id.
        sku=given.sku or f"JV-{variant_id[-10:].upper()}",
        # Assumption: a spec's variant name is what Joom calls the variant's size (its free-text attribute).
        size=given.name, color="", price=given.price, currency=terms.currency, shipping=terms.shipping,
        weight_kg=spec.weight_kg, inventory=given.quantity, gtin=given.barcode,
    )


def _product_sku(variant_skus: list[str], taken: set[str], product_id: str) -> str:
    """The product's SKU: its only variant's ("a Product SKU may coincide with a Variant SKU"), else their
    common stem (assumption: the emulator has to make one up); unique among the store's product SKUs."""
    if len(variant_skus) == 1:
        stem = variant_skus[0]
    else:
        prefix = variant_skus[0]
        for sku in variant_skus[1:]:
            while not sku.startswith(prefix):
                prefix = prefix[:-1]
        stem = prefix.rstrip("-_ /.")
    sku = stem if stem and f"sku:{stem}" not in taken else f"JP-{product_id[-10:].upper()}"
    taken.add(f"sku:{sku}")
    return sku
