"""What a test or the demo asks an emulated store to sell: products and their variants, platform-neutral.

Each emulator turns these into its own listings (its own ids, fields and variant model); orders it
generates afterwards are drawn from them, and buyers placing orders reduce their stock as on the platform.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal


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
