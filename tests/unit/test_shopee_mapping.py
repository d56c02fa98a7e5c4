"""Shopee mapping against the recorded documentation payload, plus each way a payload can be broken."""

import copy
import json
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from crossdock.connectors._kit.errors import BadPayload
from crossdock.connectors.shopee.mapping import order_from_detail
from crossdock.domain.orders.status import OrderStatus

FIXTURES = Path(__file__).parent.parent / "fixtures" / "shopee"


@pytest.fixture
def recorded() -> dict[str, Any]:
    body = json.loads((FIXTURES / "shopee-get_order_detail.json").read_text())
    order: dict[str, Any] = body["response"]["order_list"][0]
    return order


def test_recorded_order_maps_completely(recorded: dict[str, Any]) -> None:
    o = order_from_detail(recorded)
    assert o.platform_order_id == "2404098R48U37H"
    assert o.platform_status == "COMPLETED" and o.status is OrderStatus.COMPLETED
    assert o.total.amount == Decimal("32119") and o.total.currency == "VND"
    assert o.created_at == datetime.fromtimestamp(1712601591, UTC)
    assert o.updated_at == datetime.fromtimestamp(1713139948, UTC)
    assert o.paid_at == datetime.fromtimestamp(1712817766, UTC) and o.cod
    assert o.buyer.username == "xt4fdsf96j" and o.buyer.platform_buyer_id == "1170319091"
    assert o.address is not None and o.address.country == "VN" and o.address.state == "Bạc Liêu"
    (line,) = o.lines
    assert line.sku == "QAZ-SADOER-05" and line.quantity == 1 and line.platform_variant_id == "221404189791"
    assert line.unit_price.amount == Decimal("300000") and line.paid_unit_price.amount == Decimal("48000")
    assert o.raw is recorded and len(o.payload_hash) == 32


def test_decimal_prices_do_not_go_through_binary_floats(recorded: dict[str, Any]) -> None:
    recorded = copy.deepcopy(recorded)
    recorded.update(currency="SGD", total_amount=0.1 + 0.2 - 0.3 + 12.34)  # a float as json.loads makes it
    recorded["item_list"][0]["model_original_price"] = 12.34
    o = order_from_detail(recorded)
    assert o.lines[0].unit_price.amount == Decimal("12.34")


def test_same_payload_same_hash_and_any_change_differs(recorded: dict[str, Any]) -> None:
    a = order_from_detail(recorded)
    b = order_from_detail(copy.deepcopy(recorded))
    changed = copy.deepcopy(recorded)
    changed["note"] = "call before delivery"
    assert a.payload_hash == b.payload_hash != order_from_detail(changed).payload_hash


@pytest.mark.parametrize(("mutate", "reason"), [
    (lambda o: o.pop("order_sn"), "order_sn is missing"),
    (lambda o: o.update(order_status="TELEPORTED"), "unknown order_status 'TELEPORTED'"),
    (lambda o: o.update(currency="dong"), "ISO 4217"),
    (lambda o: o.update(total_amount="lots"), "total_amount is 'lots'"),
    (lambda o: o.update(item_list=[]), "item_list is missing or empty"),
    (lambda o: o.update(create_time=None), "create_time is missing"),
    (lambda o: o["item_list"][0].update(model_quantity_purchased=0), "model_quantity_purchased is 0"),
    (lambda o: o.update(recipient_address="nowhere"), "recipient_address is not an object"),
    (lambda o: o.update(update_time=10**13), "time out of range"),
])
def test_broken_payloads_say_why(recorded: dict[str, Any], mutate: Any, reason: str) -> None:
    broken = copy.deepcopy(recorded)
    mutate(broken)
    with pytest.raises(BadPayload) as err:
        order_from_detail(broken)
    assert reason in err.value.reason
