"""A TikTok Shop shop's catalogue: products, their SKUs and per-warehouse stock, and the shop's warehouses."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from crossdock.emulators._common.catalogue import ProductSpec
from crossdock.emulators.tiktok.regions import Region

# Product `status` values of Search Products / Get Product (202309).
PRODUCT_STATUSES: tuple[str, ...] = (
    "DRAFT", "PENDING", "FAILED", "ACTIVATE", "SELLER_DEACTIVATED", "PLATFORM_DEACTIVATED", "FREEZE", "DELETED",
)
ACTIVE = "ACTIVATE"
INACTIVE = "SELLER_DEACTIVATED"       # what a seller's "deactivate" leaves; the product stays visible to them
# Update Inventory 202309: "The value should be non-negative numbers (include number 0) And less then 99999".
# (The 2025 pages print [1, 99,999], but the same range is printed on listed stock, which is 0 when sold out.)
QUANTITY_MIN, QUANTITY_MAX = 0, 99_999
# Identifier code formats (Create/Edit Product `identifier_code`): the type follows from the length.
_CODE_TYPES = {8: "EAN", 12: "UPC", 13: "EAN", 14: "GTIN"}


def listed_price(amount: Decimal, region: Region) -> Decimal:
    """A seller's price at the scale the market prints (two decimals, or whole rupiah and dong)."""
    return amount.quantize(Decimal(1).scaleb(-region.decimals), rounding=ROUND_HALF_UP)


def identifier_code(barcode: str) -> dict[str, str] | None:
    """A barcode as TikTok's `identifier_code` {code, type}; None when there is none or it fits no format."""
    kind = _CODE_TYPES.get(len(barcode)) if barcode.isdigit() else None
    return {"code": barcode, "type": kind} if kind else None


@dataclass(frozen=True)
class Warehouse:
    """One entry of Get Warehouse List."""

    id: str
    name: str
    type: str                 # SALES_WAREHOUSE | RETURN_WAREHOUSE
    is_default: bool
    effect_status: str = "ENABLED"

    def payload(self, region: Region) -> dict[str, Any]:
        """The warehouse as Get Warehouse List returns it."""
        place = region.places[0]
        return {
            "id": self.id, "entity_id": self.id, "name": self.name, "effect_status": self.effect_status,
            "type": self.type, "sub_type": "DOMESTIC_WAREHOUSE", "is_default": self.is_default,
            "address": {"region": region.country, "state": place.state, "city": place.city,
                        "distict": place.district, "postal_code": place.postal_code, "region_code": region.code,
                        "full_address": f"{self.name}, {place.city} {place.postal_code}",
                        "contact_person": "Warehouse team", "phone_number": f"{region.phone_prefix}6***0000"},
        }


@dataclass
class ListedSku:
    """One SKU of a product: its ids and names as orders show them, its price, barcode and stock per warehouse."""

    id: str
    seller_sku: str
    name: str
    price: Decimal
    image: str
    barcode: str = ""
    stock: dict[str, int] = field(default_factory=dict)    # warehouse id -> quantity

    @property
    def quantity(self) -> int:
        return sum(self.stock.values())

    def payload(self, region: Region) -> dict[str, Any]:
        """The SKU as Search Products lists it."""
        amount = f"{self.price:.{region.decimals}f}"
        # Assumption: a local seller's tax-exclusive price and sale price are the same listed price.
        return {"id": self.id, "seller_sku": self.seller_sku,
                "price": {"currency": region.currency, "tax_exclusive_price": amount, "sale_price": amount},
                "inventory": [{"warehouse_id": w, "quantity": q} for w, q in self.stock.items()]}


@dataclass
class Product:
    """One TikTok Shop product; its SKUs are what buyers buy."""

    id: str
    title: str
    status: str
    skus: list[ListedSku]
    weight_kg: Decimal
    create_time: int
    update_time: int

    @property
    def active(self) -> bool:
        return self.status == ACTIVE

    def sku(self, sku_id: str) -> ListedSku | None:
        return next((s for s in self.skus if s.id == sku_id), None)

    def payload(self, region: Region) -> dict[str, Any]:
        """The product as Search Products lists it (the key properties only, as documented)."""
        return {"id": self.id, "title": self.title, "status": self.status,
                "skus": [s.payload(region) for s in self.skus], "sales_regions": [region.code],
                "create_time": self.create_time, "update_time": self.update_time,
                "product_sync_fail_reasons": [], "is_not_for_sale": False}


@dataclass
class ShopCatalogue:
    """A shop's products in listing order, with indexes by SKU id and seller SKU (a purchase must be O(1))."""

    warehouses: tuple[Warehouse, ...]
    products: dict[str, Product] = field(default_factory=dict)
    by_sku_id: dict[str, tuple[Product, ListedSku]] = field(default_factory=dict)
    by_seller_sku: dict[str, tuple[Product, ListedSku]] = field(default_factory=dict)

    @property
    def default_warehouse(self) -> Warehouse:
        """Where a product listed without a designated warehouse keeps its stock."""
        return next(w for w in self.warehouses if w.type == "SALES_WAREHOUSE" and w.is_default)

    def warehouse(self, warehouse_id: str) -> Warehouse | None:
        return next((w for w in self.warehouses if w.id == warehouse_id), None)

    def replace(self, products: Sequence[Product]) -> None:
        """Sell exactly `products` from now on, in this order."""
        self.products = {p.id: p for p in products}
        self.by_sku_id = {s.id: (p, s) for p in products for s in p.skus}
        self.by_seller_sku = {}
        for product in products:
            for sku in product.skus:
                if sku.seller_sku:
                    self.by_seller_sku.setdefault(sku.seller_sku, (product, sku))

    def variants(self) -> Iterator[tuple[Product, ListedSku]]:
        for product in self.products.values():
            for sku in product.skus:
                yield product, sku

    def take(self, seller_sku: str, quantity: int) -> tuple[Product, ListedSku] | None:
        """Sell `quantity` of a SKU, default warehouse first; None when the product is not live or stock is short."""
        found = self.by_seller_sku.get(seller_sku)
        if found is None:
            raise KeyError(f"no SKU {seller_sku!r} in this shop")
        product, sku = found
        if not product.active or sku.quantity < quantity:
            return None
        left = quantity
        order = sorted(sku.stock, key=lambda w: w != self.default_warehouse.id)
        for warehouse_id in order:
            taken = min(left, sku.stock[warehouse_id])
            sku.stock[warehouse_id] -= taken
            left -= taken
        return product, sku


def check_specs(specs: Sequence[ProductSpec]) -> None:
    """Refuse specs TikTok Shop could not hold, before anything is replaced."""
    seen: set[str] = set()
    for spec in specs:
        if not spec.variants:
            raise ValueError(f"product {spec.title!r} has no SKU; a TikTok Shop product has at least one")
        for variant in spec.variants:
            if variant.price < 0 or not QUANTITY_MIN <= variant.quantity <= QUANTITY_MAX:
                raise ValueError(f"SKU {variant.sku!r}: price must be >= 0 and quantity within "
                                 f"[{QUANTITY_MIN}, {QUANTITY_MAX}]")
            # TikTok itself allows a seller SKU twice, but the emulator finds what a buyer buys by its SKU.
            if variant.sku and variant.sku in seen:
                raise ValueError(f"seller SKU {variant.sku!r} appears twice in the catalogue")
            seen.add(variant.sku)
