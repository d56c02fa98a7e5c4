"""Lazada push verification: the documented Authorization signature, trade order messages to PushEvents."""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import Any

import pytest
from pydantic import SecretStr

from crossdock.connectors.lazada.webhooks import LazadaPushes
from crossdock.ports.marketplace import BadSignature, PushEvent

APP_KEY, SECRET = "123456", "3412gyo124goi3124"     # the push doc's example app key and secret
URL = "https://crossdock.example/api/webhooks/lazada"
# The push doc's trade order message sample.
TRADE = {"seller_id": "1234567", "message_type": 0,
         "data": {"order_status": "unpaid", "status_update_time": 1603698638, "trade_order_id": "260422900198363",
                  "trade_order_line_id": "260422900298363"},
         "timestamp": 1603766859530, "site": "lazada_vn"}
# The push doc's reverse order message sample.
REVERSE = {"seller_id": "1000114855", "message_type": 0,
           "data": {"order_status": "canceled", "reverse_order_id": "501977696648153",
                    "reverse_order_line_id": "502491640048153", "status_update_time": 1603703663,
                    "trade_order_id": "252883361348153", "trade_order_line_id": "252883361948153"},
           "timestamp": 1603715010436, "site": "lazada_vn"}


def signed(message: Any, *, key: str = APP_KEY, secret: str = SECRET) -> tuple[dict[str, str], bytes]:
    body = json.dumps(message).encode()
    # "Base = {your_app_key} + {message_body_you_receieved}", HMAC-SHA256 keyed by the app secret, hex.
    signature = hmac.new(secret.encode(), key.encode() + body, hashlib.sha256).hexdigest()
    return {"content-type": "application/json", "authorization": signature}, body


def parser() -> LazadaPushes:
    return LazadaPushes(APP_KEY, SecretStr(SECRET))


def test_a_signed_trade_order_message_names_its_store_and_order() -> None:
    headers, body = signed(TRADE)
    (event,) = parser().parse(headers, body, URL)
    assert event == PushEvent(store_external_id="1234567", platform_order_id="260422900198363",
                              event_id="1234567:260422900198363:260422900298363::unpaid:1603698638")


def test_header_name_and_hex_case_do_not_matter() -> None:
    headers, body = signed(TRADE)
    assert parser().parse({"Authorization": headers["authorization"].upper()}, body, URL)


def test_each_order_line_and_each_reverse_line_is_its_own_event() -> None:
    other_line = {**TRADE, "data": {**TRADE["data"], "trade_order_line_id": "1"}}   # type: ignore[dict-item]
    ids = {parser().parse(*signed(m), URL)[0].event_id for m in (TRADE, other_line, REVERSE)}
    assert len(ids) == 3
    (reverse,) = parser().parse(*signed(REVERSE), URL)
    assert reverse.platform_order_id == "252883361348153" and "502491640048153" in reverse.event_id


@pytest.mark.parametrize("tamper", ["body", "secret", "app_key", "missing"])
def test_anything_but_the_platform_signature_is_rejected(tamper: str) -> None:
    headers, body = signed(TRADE, secret="other" if tamper == "secret" else SECRET,
                           key="654321" if tamper == "app_key" else APP_KEY)
    if tamper == "body":
        body = body.replace(b"unpaid", b"paid!!")
    if tamper == "missing":
        headers = {"content-type": "application/json"}
    with pytest.raises(BadSignature):
        parser().parse(headers, body, URL)


def test_signed_but_not_a_push_is_rejected() -> None:
    headers, body = signed(["not", "a", "push"])
    with pytest.raises(BadSignature, match="not a Lazada push"):
        parser().parse(headers, body, URL)


@pytest.mark.parametrize("message", [
    {"seller_id": "1", "message_type": 3, "data": {"trade_order_id": "1"}},      # not a trade order message
    {"seller_id": "1", "message_type": 0, "data": {}},                           # no order named
    {"seller_id": "1", "message_type": 0, "data": "x"},
])
def test_other_messages_are_ignored(message: dict[str, Any]) -> None:
    assert parser().parse(*signed(message), URL) == []
