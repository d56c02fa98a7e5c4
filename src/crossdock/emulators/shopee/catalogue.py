"""A Shopee shop's catalogue: items, their models and seller stock, rendered as the product APIs return them."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from crossdock.emulators._common.catalogue import ProductSpec
from crossdock.emulators.shopee.regions import Region

# item_status values of v2.product.get_item_list.
ITEM_STATUSES: tuple[str, ...] = ("NORMAL", "BANNED", "UNLIST", "REVIEWING", "SELLER_DELETE", "SHOPEE_DELETE")
MODEL_NORMAL = "MODEL_NORMAL"
# Assumption: the docs do not say how many days a seller needs to ship a catalogue item; two is Shopee's usual.
DEFAULT_DAYS_TO_SHIP = 2
# Assumption: the docs give no tier name for a single-tier variation; Seller Centre's default is used.
TIER_NAME = "Variation"


def json_money(amount: Decimal, decimals: int) -> int | float:
    """An amount as Shopee writes it in JSON: a float, or an integer in currencies without minor units."""
    if decimals == 0:
        return int(amount)
    return float(amount.quantize(Decimal(1).scaleb(-decimals)))


def listed_price(amount: Decimal, region: Region) -> Decimal:
    """A seller's price rounded to what the market accepts (two decimals, or whole units in VND/IDR...)."""
    return amount.quantize(Decimal(1).scaleb(-region.decimals), rounding=ROUND_HALF_UP)


@dataclass
class Model:
    """One variation of an item; `stock` is its seller stock at the shop's single warehouse."""

    model_id: int
    model_name: str
    model_sku: str
    price: Decimal
    stock: int = 0
    gtin_code: str = ""


@dataclass
class Product:
    """One Shopee item; `stock`, `price` and `gtin_code` are its own only when it has no models."""

    item_id: int
    item_name: str
    item_sku: str
    weight_kg: Decimal
    image_url: str
    price: Decimal
    models: tuple[Model, ...]
    stock: int = 0
    gtin_code: str = ""
    status: str = "NORMAL"
    create_time: int = 0
    update_time: int = 0

    @property
    def active(self) -> bool:
        return self.status == "NORMAL"

    def model(self, model_id: int) -> Model | None:
        """The model with this id; None when the item has no such model."""
        return next((model for model in self.models if model.model_id == model_id), None)


@dataclass
class Catalogue:
    """A shop's items in listing order, indexed by item id and by seller SKU (place_order must be O(1))."""

    products: tuple[Product, ...] = ()
    by_id: dict[int, Product] = field(default_factory=dict)
    by_sku: dict[str, tuple[Product, Model | None]] = field(default_factory=dict)

    @classmethod
    def of(cls, products: Sequence[Product]) -> Catalogue:
        catalogue = cls(tuple(products), {product.item_id: product for product in products})
        for product, model in catalogue.variants():
            sku = seller_sku(product, model)
            # The first listing keeps a SKU two listings share, as a buyer's search would find it first.
            if sku:
                catalogue.by_sku.setdefault(sku, (product, model))
        return catalogue

    def variants(self) -> Iterator[tuple[Product, Model | None]]:
        """Every sellable variant: each model of an item with models, else the item itself."""
        for product in self.products:
            if product.models:
                for model in product.models:
                    yield product, model
            else:
                yield product, None


def seller_sku(product: Product, model: Model | None) -> str:
    """The SKU a seller sees on a variant: the model's, else the item's."""
    return (model.model_sku if model is not None else "") or product.item_sku


def stock_of(product: Product, model: Model | None) -> int:
    return model.stock if model is not None else product.stock


def set_stock(product: Product, model: Model | None, stock: int, now_ts: int) -> None:
    """Change a variant's seller stock; the item counts as updated."""
    if model is not None:
        model.stock = stock
    else:
        product.stock = stock
    product.update_time = max(now_ts, product.update_time)


def check_specs(specs: Sequence[ProductSpec]) -> None:
    """Refuse specs Shopee could not hold, before anything is replaced."""
    seen: set[str] = set()
    for spec in specs:
        if not spec.variants:
            raise ValueError(f"product {spec.title!r} has no variant; a Shopee item needs a price and stock")
        for variant in spec.variants:
            if variant.quantity < 0 or variant.price < 0:
                raise ValueError(f"variant {variant.sku!r}: price and quantity cannot be negative")
            # Shopee itself allows shared SKUs, but the emulator finds a listing to buy by its SKU.
            if variant.sku and variant.sku in seen:
                raise ValueError(f"seller SKU {variant.sku!r} appears twice in the catalogue")
            seen.add(variant.sku)


def product_from_spec(
    spec: ProductSpec, item_id: int, model_ids: Sequence[int], region: Region, image_url: str, now_ts: int
) -> Product:
    """A Shopee item for a spec: models only when the product has variants (else model_id 0 on order lines)."""
    status = "NORMAL" if spec.active else "UNLIST"
    if not spec.has_variants:
        only = spec.variants[0]
        return Product(item_id, spec.title, only.sku, spec.weight_kg, image_url, listed_price(only.price, region),
                       (), only.quantity, only.barcode, status, now_ts, now_ts)
    models = tuple(
        Model(model_id, variant.name or f"Option {position + 1}", variant.sku, listed_price(variant.price, region),
              variant.quantity, variant.barcode)
        for position, (model_id, variant) in enumerate(zip(model_ids, spec.variants, strict=True))
    )
    # Sellers give each model its SKU and leave the parent's empty; the item's price is its cheapest model's.
    lowest = min(model.price for model in models)
    return Product(item_id, spec.title, "", spec.weight_kg, image_url, lowest, models, 0, "", status, now_ts, now_ts)


def listing_truth(product: Product, model: Model | None) -> dict[str, Any]:
    """One variant as tests compare it with what the connector read."""
    return {
        "item_id": product.item_id,
        "variant_id": str(model.model_id) if model is not None else "",
        "seller_sku": seller_sku(product, model),
        "quantity": stock_of(product, model),
        "active": product.active,
        "price": model.price if model is not None else product.price,
    }


# ---- wire payloads ------------------------------------------------------------------------


def price_info(amount: Decimal, region: Region) -> list[dict[str, Any]]:
    """price_info as get_item_base_info / get_model_list return it; no promotions run in the emulator."""
    value = json_money(amount, region.decimals)
    return [{
        "currency": region.currency,
        "original_price": value,
        "current_price": value,
        "inflated_price_of_original_price": value,
        "inflated_price_of_current_price": value,
    }]


def stock_info_v2(stock: int, region: Region) -> dict[str, Any]:
    """stock_info_v2: all stock is the seller's, at the market's one seller warehouse; nothing is reserved."""
    return {
        "summary_info": {"total_reserved_stock": 0, "total_available_stock": stock},
        "seller_stock": [{"location_id": region.location_id, "stock": stock, "if_saleable": True}],
        "shopee_stock": [],
    }


def list_entry(product: Product) -> dict[str, Any]:
    """One element of get_item_list's `item`."""
    return {"item_id": product.item_id, "item_status": product.status, "update_time": product.update_time,
            "tag": {"kit": False}}


def base_info(product: Product, region: Region) -> dict[str, Any]:
    """One element of get_item_base_info's `item_list`; price and stock only for items without models."""
    body: dict[str, Any] = {
        "item_id": product.item_id,
        "category_id": 100001,
        "item_name": product.item_name,
        "description": product.item_name,
        "item_sku": product.item_sku,
        "create_time": product.create_time,
        "update_time": product.update_time,
        "attribute_list": [],
        "image": {"image_url_list": [product.image_url], "image_id_list": [product.image_url.rsplit("/", 1)[-1]]},
        "weight": str(product.weight_kg),
        "dimension": {"package_length": 10, "package_width": 10, "package_height": 10},
        "logistic_info": [],
        "pre_order": {"is_pre_order": False, "days_to_ship": DEFAULT_DAYS_TO_SHIP},
        "condition": "NEW",
        "item_status": product.status,
        "has_model": bool(product.models),
        "promotion_id": 0,
        "brand": {"brand_id": 0, "original_brand_name": "NoBrand"},
        "item_dangerous": 0,
        "description_type": "normal",
    }
    if not product.models:
        body["price_info"] = price_info(product.price, region)
        body["stock_info_v2"] = stock_info_v2(product.stock, region)
        if product.gtin_code:
            body["gtin_code"] = product.gtin_code
    return body


def model_list(product: Product, region: Region) -> dict[str, Any]:
    """get_model_list's response: one tier whose options are the model names; empty for an item without models."""
    if not product.models:
        return {"tier_variation": [], "model": [], "standardise_tier_variation": []}
    models = []
    for position, model in enumerate(product.models):
        entry: dict[str, Any] = {
            "model_id": model.model_id,
            "model_name": model.model_name,
            "model_sku": model.model_sku,
            "model_status": MODEL_NORMAL,
            "tier_index": [position],
            "promotion_id": 0,
            "price_info": price_info(model.price, region),
            "stock_info_v2": stock_info_v2(model.stock, region),
            "pre_order": {"is_pre_order": False, "days_to_ship": DEFAULT_DAYS_TO_SHIP},
        }
        if model.gtin_code:
            entry["gtin_code"] = model.gtin_code
        models.append(entry)
    options = [{"option": model.model_name} for model in product.models]
    return {"tier_variation": [{"name": TIER_NAME, "option_list": options}], "model": models,
            "standardise_tier_variation": []}
