"""The seller's products as Lazada keeps them: items holding SKUs, each SKU with its status and sellable stock,
indexed for the buyer and the stock APIs, and written out as GetProducts returns them."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from crossdock.emulators._common.catalogue import ProductSpec
from crossdock.emulators.lazada.regions import Venture

# GetProducts "status": "Active,InActive,Pending QC,Suspended,Deleted" (product); SKU "Status": "active" in the
# samples. Assumption: an inactive SKU reads "inactive", as the seller center's SKU switch names it.
PRODUCT_ACTIVE, PRODUCT_INACTIVE = "Active", "InActive"
SKU_ACTIVE, SKU_INACTIVE = "active", "inactive"
# The warehouse of a seller shipping their own parcels (multiWarehouseInventories sample, order warehouse_code).
WAREHOUSE = "dropshipping"
# GetProducts "filter": "Possible values are all, live, inactive, deleted, pending, rejected, sold-out."
FILTERS = frozenset({"all", "live", "inactive", "deleted", "pending", "rejected", "sold-out"})
# Assumption: emulated products are never deleted, pending QC or rejected, so those filters find nothing.
_EMPTY_FILTERS = frozenset({"deleted", "pending", "rejected"})
# Assumption: products the seller made without a brand carry Lazada's "No Brand", as the GetProductItem sample does.
NO_BRAND = "No Brand"
# Assumption: the package sizes (cm) the emulator states for every SKU; the docs' samples show "10.00".
PACKAGE_SIDE_CM = "10.00"
# Assumption: the package weight (kg) of the generated default products.
DEFAULT_WEIGHT_KG = Decimal("0.5")
# Assumption: every emulated product sits in the GetProducts sample's primary category.
PRIMARY_CATEGORY = 10000211


@dataclass(frozen=True)
class Sku:
    """What an order item says of the SKU it sold (GetMultipleOrderItems sku, shop_sku, sku_id, ...)."""

    product_id: int
    sku_id: int
    seller_sku: str
    shop_sku: str
    name: str
    variation: str
    price: Decimal
    image: str
    url: str


@dataclass
class StockedSku:
    """A SKU on sale: its order-facing identity, whether it is switched on, and what buyers can still buy."""

    sku: Sku
    sellable: int
    active: bool = True
    barcode: str = ""          # kept for the truth only: GetProducts documents no barcode field


@dataclass
class Product:
    """A Lazada item (item_id) and its SKUs; times are epoch milliseconds as GetProducts writes them."""

    item_id: int
    title: str
    active: bool
    weight_kg: Decimal
    image: str
    created_ms: int
    updated_ms: int
    skus: list[StockedSku] = field(default_factory=list)

    def buyable(self, stocked: StockedSku) -> bool:
        return self.active and stocked.active


def _money(amount: Decimal) -> float:
    # The docs' samples write SKU prices as JSON numbers ("price": 102.0, "special_price": 0.0).
    return float(amount)


def _sku_payload(stocked: StockedSku, weight_kg: Decimal) -> dict[str, object]:
    """One element of a GetProducts product's "skus", shaped like the documented samples."""
    sku = stocked.sku
    inventory = {"warehouseCode": WAREHOUSE, "quantity": stocked.sellable, "sellableQuantity": stocked.sellable,
                 "occupyQuantity": 0, "withholdQuantity": 0, "totalQuantity": stocked.sellable}
    payload: dict[str, object] = {
        "Status": SKU_ACTIVE if stocked.active else SKU_INACTIVE,
        "quantity": stocked.sellable,
        "Available": stocked.sellable,
        "SellerSku": sku.seller_sku,
        "ShopSku": sku.shop_sku,
        "SkuId": sku.sku_id,
        "Url": sku.url,
        "Images": [sku.image],
        "price": _money(sku.price),
        "special_price": 0.0,
        "package_weight": str(weight_kg),
        "package_length": PACKAGE_SIDE_CM,
        "package_width": PACKAGE_SIDE_CM,
        "package_height": PACKAGE_SIDE_CM,
        "multiWarehouseInventories": [inventory],
        "fblWarehouseInventories": [],
        "channelInventories": [],
    }
    if sku.variation:
        name, _, value = sku.variation.partition(":")
        payload["saleProp"] = {_prop_key(name): value}
    return payload


def _prop_key(label: str) -> str:
    # Sales attributes are keyed by their attribute name ("color_family"), labelled for people ("Color family").
    return label.strip().lower().replace(" ", "_")


def product_payload(product: Product) -> dict[str, object]:
    """A product as GetProducts lists it (the documented sample's fields)."""
    return {
        "item_id": product.item_id,
        "primary_category": PRIMARY_CATEGORY,
        "created_time": str(product.created_ms),
        "updated_time": str(product.updated_ms),
        "images": [product.image],
        "marketImages": [],
        "status": PRODUCT_ACTIVE if product.active else PRODUCT_INACTIVE,
        "subStatus": "",
        "suspendedSkus": [],
        "trialProduct": False,
        "attributes": {"name": product.title, "short_description": "", "description": "", "brand": NO_BRAND},
        "skus": [_sku_payload(stocked, product.weight_kg) for stocked in product.skus],
    }


class Catalogue:
    """A seller's products in creation order, with each SKU indexed by seller SKU and by SkuId, so a buyer's
    purchase or a stock update costs the same whatever the catalogue's size."""

    def __init__(self) -> None:
        self.products: dict[int, Product] = {}
        self._by_seller_sku: dict[str, StockedSku] = {}
        self._by_sku_id: dict[int, StockedSku] = {}

    def add(self, product: Product) -> None:
        """ValueError when a seller SKU is taken: Lazada refuses duplicates (BIZ_CHECK_SELLER_SKU_DUPLICATE)."""
        for stocked in product.skus:
            if stocked.sku.seller_sku in self._by_seller_sku:
                raise ValueError(f"seller SKU {stocked.sku.seller_sku!r} is used twice")
        self.products[product.item_id] = product
        for stocked in product.skus:
            self._by_seller_sku[stocked.sku.seller_sku] = stocked
            self._by_sku_id[stocked.sku.sku_id] = stocked

    def by_seller_sku(self, seller_sku: str) -> StockedSku | None:
        return self._by_seller_sku.get(seller_sku)

    def by_sku_id(self, sku_id: int) -> StockedSku | None:
        return self._by_sku_id.get(sku_id)

    def product_of(self, stocked: StockedSku) -> Product:
        return self.products[stocked.sku.product_id]

    def all_skus(self) -> Iterator[tuple[Product, StockedSku]]:
        for product in self.products.values():
            for stocked in product.skus:
                yield product, stocked

    def order_skus(self) -> tuple[Sku, ...]:
        """What generated orders draw from: the SKUs buyers can buy, or every SKU when none can."""
        buyable = tuple(s.sku for p, s in self.all_skus() if p.buyable(s))
        return buyable or tuple(s.sku for _, s in self.all_skus())

    def matching(self, status_filter: str) -> list[Product]:
        """The products a GetProducts filter selects, in creation order (assumption: the docs give no order)."""
        if status_filter in _EMPTY_FILTERS:
            return []
        products = list(self.products.values())
        if status_filter == "live":
            return [p for p in products if p.active]
        if status_filter == "inactive":
            return [p for p in products if not p.active]
        if status_filter == "sold-out":
            return [p for p in products if p.active and all(s.sellable == 0 for s in p.skus)]
        return products


def variation(label: str, value: str) -> str:
    """A SKU's sales attribute as order items write it: "name:value", e.g. "Color family:Black"."""
    return f"{label}:{value}" if value else ""


def _check(spec: ProductSpec) -> None:
    # CreateProduct: "An array contains at least one SKU"; stock and price cannot be negative.
    if not spec.variants:
        raise ValueError(f"product {spec.title!r} has no SKU")
    for variant in spec.variants:
        if variant.quantity < 0 or variant.price < 0:
            raise ValueError(f"SKU {variant.sku!r}: quantity and price must not be negative")


def product_from_spec(spec: ProductSpec, venture: Venture, new_number: Callable[[int], int], now_ms: int) -> Product:
    """A product as Lazada would hold it once created from `spec`; ids come from `new_number(digits)`.

    A variant without a seller SKU gets the one Lazada generates, shaped like the GetProductItem sample's
    "1884392091-1626242071365-0" (item id, creation time, position)."""
    _check(spec)
    item_id = new_number(10)                                 # item ids have 10 digits in the samples
    picture = hashlib.sha256(str(item_id).encode()).hexdigest()[:32]
    image = f"https://{venture.image_host}/p/{picture}.jpg"
    slug = "-".join(spec.title.lower().split()) or "product"
    product = Product(item_id, spec.title, spec.active, spec.weight_kg, image, now_ms, now_ms)
    for position, variant in enumerate(spec.variants):
        sku_id = new_number(11)                              # SkuIds have 11 digits in the samples
        sku = Sku(product_id=item_id, sku_id=sku_id, seller_sku=variant.sku or f"{item_id}-{now_ms}-{position}",
                  shop_sku=f"{item_id}_{venture.code}-{sku_id}", name=spec.title,
                  variation=variation("Variation", variant.name), price=variant.price, image=image,
                  url=f"https://{venture.web_host}/products/{slug}-i{item_id}-s{sku_id}.html")
        product.skus.append(StockedSku(sku, variant.quantity, True, variant.barcode))
    return product


def catalogue_from_specs(specs: Sequence[ProductSpec], venture: Venture, new_number: Callable[[int], int],
                         now_ms: int) -> Catalogue:
    catalogue = Catalogue()
    for spec in specs:
        catalogue.add(product_from_spec(spec, venture, new_number, now_ms))
    return catalogue


def catalogue_from_skus(skus: Sequence[Sku], stock: Callable[[], int], now_ms: int) -> Catalogue:
    """The generated default catalogue as products (all active), each SKU with a sellable stock from `stock()`."""
    products: dict[int, Product] = {}
    for sku in skus:
        product = products.get(sku.product_id)
        if product is None:
            product = products[sku.product_id] = Product(sku.product_id, sku.name, True, DEFAULT_WEIGHT_KG,
                                                         sku.image, now_ms, now_ms)
        product.skus.append(StockedSku(sku, stock()))
    catalogue = Catalogue()
    for product in products.values():
        catalogue.add(product)
    return catalogue


def listing_rows(catalogue: Catalogue) -> list[dict[str, Any]]:
    """The truth tests compare with: one row per SKU."""
    return [{"item_id": str(product.item_id), "variant_id": str(stocked.sku.sku_id),
             "seller_sku": stocked.sku.seller_sku, "quantity": stocked.sellable, "active": product.buyable(stocked),
             "price": stocked.sku.price, "barcode": stocked.barcode}
            for product, stocked in catalogue.all_skus()]


__all__ = ["FILTERS", "SKU_ACTIVE", "WAREHOUSE", "Catalogue", "Product", "Sku", "StockedSku", "catalogue_from_specs",
           "listing_rows", "product_payload", "variation"]
