"""What a test or the demo asks an emulated store to sell: products and their variants, platform-neutral.

Each emulator turns these into its own listings (its own ids, fields and variant model); orders it
generates afterwards are drawn from them, and buyers placing orders reduce their stock as on the platform.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any


@dataclass(frozen=True)
class VariantSpec:
    sku: str                 # the seller's SKU on the listing ("" for a listing without one)
    name: str                # "" when the product has a single variant and no variant model
    price: Decimal
    quantity: int            # the sellable stock the platform shows at first
    barcode: str = ""


@dataclass(frozen=True)
class ProductSpec:
    title: str
    variants: tuple[VariantSpec, ...]
    weight_kg: Decimal = Decimal("0.5")
    active: bool = True      # False: listed but not for sale (unlisted / deactivated on the platform)

    @property
    def has_variants(self) -> bool:
        return len(self.variants) > 1 or bool(self.variants and self.variants[0].name)


def products_from_json(raw: Any) -> list[ProductSpec]:
    """A control route's products ([{title, active, weight_kg, variants: [{sku, name, price, quantity, barcode}]}])
    as specs; ValueError when malformed. Prices go through text so no float creeps in."""
    if not isinstance(raw, list):
        raise ValueError("products must be a list")
    return [_product(p) for p in raw]


def _product(raw: Any) -> ProductSpec:
    if not isinstance(raw, dict) or not isinstance(raw.get("variants"), list):
        raise ValueError("each product needs a title and a list of variants")
    return ProductSpec(title=str(raw.get("title", "")), variants=tuple(_variant(v) for v in raw["variants"]),
                       weight_kg=_number(raw.get("weight_kg", "0.5")), active=bool(raw.get("active", True)))


def _variant(raw: Any) -> VariantSpec:
    if not isinstance(raw, dict) or "price" not in raw:
        raise ValueError("each variant needs at least a price")
    try:
        quantity = int(raw.get("quantity", 0))
    except (TypeError, ValueError) as exc:
        raise ValueError(f"quantity {raw.get('quantity')!r} is not a whole number") from exc
    return VariantSpec(sku=str(raw.get("sku", "")), name=str(raw.get("name", "")), price=_number(raw["price"]),
                       quantity=quantity, barcode=str(raw.get("barcode", "")))


def _number(value: Any) -> Decimal:
    try:
        return Decimal(str(value))
    except InvalidOperation as exc:
        raise ValueError(f"{value!r} is not a number") from exc
