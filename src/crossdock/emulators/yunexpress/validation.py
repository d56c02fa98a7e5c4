"""What the emulated YunExpress refuses in a CreateOrder element, with the OMS document's failure code.

Mandatory fields follow the OMS document (CustomerOrderNumber, ShippingMethodCode, Length, Width, Height,
PackageCount > 0, Weight > 0, Receiver with CountryCode, FirstName, Street, City; non-empty Parcels, each with
EName, Quantity, UnitPrice, UnitWeight, CurrencyCode). Codes: 1001 submission failure, 2004 duplicate order
number, 2009 weight must be positive, 2010 product cannot serve the destination. The remarks are ours, Chinese
first as YunExpress writes them, with an English gloss.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

SUBMISSION_FAILED, DUPLICATE, WEIGHT, DESTINATION = "1001", "2004", "2009", "2010"
_ZIP = {"DE": re.compile(r"^\d{5}$"), "FR": re.compile(r"^\d{5}$"), "IT": re.compile(r"^\d{5}$"),
        "ES": re.compile(r"^\d{5}$"), "NL": re.compile(r"^\d{4} ?[A-Za-z]{2}$"), "AT": re.compile(r"^\d{4}$"),
        "BE": re.compile(r"^\d{4}$"), "PL": re.compile(r"^\d{2}-\d{3}$")}


@dataclass(frozen=True)
class Product:
    code: str
    name: str
    destinations: frozenset[str]
    ddp: bool                    # duties paid by YunExpress: every line needs its HS code
    track_type: str = "1"        # 1 tracking number at once, 2 issued later (GetTrackingNumber)
    max_kg: Decimal = Decimal("2")


def _number(value: Any) -> Decimal | None:
    if isinstance(value, bool) or value is None:
        return None
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def _text(obj: dict[str, Any], key: str) -> str:
    value = obj.get(key)
    return str(value).strip() if value is not None and not isinstance(value, dict | list) else ""


def check_order(raw: Any, products: dict[str, Product]) -> tuple[str, list[str]]:
    """(failure code, remarks) of one order; ("", []) when YunExpress accepts it. Duplicates are the world's."""
    if not isinstance(raw, dict):
        return SUBMISSION_FAILED, ["订单格式错误 (the order is not an object)"]
    remarks: list[str] = []
    code = SUBMISSION_FAILED
    reference = _text(raw, "CustomerOrderNumber")
    if not reference:
        remarks.append("客户订单号不能为空 (CustomerOrderNumber is required)")
    elif len(reference) > 50:
        remarks.append("客户订单号长度不能超过50 (CustomerOrderNumber is longer than 50)")
    method = _text(raw, "ShippingMethodCode")
    product = products.get(method)
    if product is None:
        remarks.append(f"运输方式[{method}]不存在 (unknown ShippingMethodCode {method!r})")
    receiver = raw.get("Receiver")
    country = ""
    if not isinstance(receiver, dict):
        remarks.append("收件人信息不能为空 (Receiver is required)")
    else:
        country = _text(receiver, "CountryCode").upper()
        for key, name in (("CountryCode", "国家"), ("FirstName", "姓名"), ("Street", "街道"), ("City", "城市")):
            if not _text(receiver, key):
                remarks.append(f"收件人{name}不能为空 (Receiver.{key} is required)")
        postcode = _text(receiver, "Zip")
        if product is not None and country and not postcode:
            remarks.append("收件人邮编不能为空 (Receiver.Zip is required for this line)")
        elif country in _ZIP and postcode and not _ZIP[country].match(postcode):
            remarks.append(f"收件人邮编格式错误 (Receiver.Zip {postcode!r} is not a valid {country} postcode)")
    if product is not None and country and country not in product.destinations:
        code = DESTINATION
        remarks.append(f"运输方式[{method}]不支持目的国家[{country}] (the line does not serve {country})")
    weight = _number(raw.get("Weight"))
    if weight is None or weight <= 0:
        code = WEIGHT if code == SUBMISSION_FAILED else code
        remarks.append("重量必须大于0 (Weight must be greater than 0)")
    elif product is not None and weight > product.max_kg:
        remarks.append(f"重量超过{product.max_kg}KG (Weight exceeds {product.max_kg} kg for this line)")
    count = raw.get("PackageCount")
    if isinstance(count, bool) or not isinstance(count, int) or count <= 0:
        remarks.append("件数必须大于0 (PackageCount must be greater than 0)")
    for side in ("Length", "Width", "Height"):
        size = _number(raw.get(side))
        if size is None or size <= 0:
            remarks.append(f"{side}必须大于0 ({side} must be greater than 0)")
    remarks += _parcels(raw.get("Parcels"), product)
    return (code if remarks else ""), remarks


def _parcels(parcels: Any, product: Product | None) -> list[str]:
    if not isinstance(parcels, list) or not parcels:
        return ["申报信息不能为空 (Parcels: the customs declaration lines are required)"]
    remarks = []
    for index, line in enumerate(parcels):
        where = f"Parcels[{index}]"
        if not isinstance(line, dict):
            remarks.append(f"申报信息格式错误 ({where} is not an object)")
            continue
        if not _text(line, "EName"):
            remarks.append(f"英文申报品名不能为空 ({where}.EName is required)")
        quantity = line.get("Quantity")
        if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity <= 0:
            remarks.append(f"申报数量必须大于0 ({where}.Quantity must be greater than 0)")
        for key, name in (("UnitPrice", "申报单价"), ("UnitWeight", "申报单重")):
            value = _number(line.get(key))
            if value is None or value <= 0:
                remarks.append(f"{name}必须大于0 ({where}.{key} must be greater than 0)")
        if not re.fullmatch(r"[A-Z]{3}", _text(line, "CurrencyCode")):
            remarks.append(f"申报币种不能为空 ({where}.CurrencyCode is required)")
        if product is not None and product.ddp and not _text(line, "HSCode"):
            remarks.append(f"DDP产品海关编码不能为空 ({where}.HSCode is required on a duties-paid line)")
    return remarks
