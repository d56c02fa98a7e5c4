"""Sample document inputs shared by the document tests."""

from __future__ import annotations

from dataclasses import replace

from crossdock.documents.model import LabelData
from crossdock.domain.orders.model import Address

SHIPPER = Address(name="深圳跨境电子商务有限公司", phone="+86 755 1234 5678", country="CN", state="广东省",
                  city="深圳市", district="南山区", postcode="518000", line1="科技园路1号")
RECIPIENT = Address(name="Łukasz Wójcik", phone="+48 600 123 456", country="PL", city="Łódź", postcode="90-001",
                    line1="ul. Piotrkowska 104/12")


def label(**changes: object) -> LabelData:
    base = LabelData(tracking_number="JD014600006281234567", carrier_name="InPost", service="Paczkomat 24/7",
                     shipper=SHIPPER, recipient=RECIPIENT, reference="SHP-2026-000123", weight_grams=1250)
    return replace(base, **changes)  # type: ignore[arg-type]
