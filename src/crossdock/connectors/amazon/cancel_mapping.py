"""Cancellations as Amazon's order acknowledgement feed (POST_ORDER_ACKNOWLEDGEMENT_DATA) carries them, and the
processing report read back per message.

The document follows OrderAcknowledgement.xsd in an AmazonEnvelope: one Message per order, StatusCode Failure (which
"will automatically cancel the order"), an Item per order line with its AmazonOrderItemCode and CancelReason. The
report is the XML ProcessingReport: a Result per message Amazon refused or warned about (ResultCode Error|Warning,
ResultMessageCode, ResultDescription), MessageID 0 for what concerns the document as a whole.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Sequence

from crossdock.connectors._kit.errors import BadPayload
from crossdock.ports.marketplace import CancelReason, CancelRequest

ORDER_ACKNOWLEDGEMENT_FEED = "POST_ORDER_ACKNOWLEDGEMENT_DATA"
# XML feeds are uploaded as text/xml; the charset is part of what the presigned URL signs.
XML_CONTENT_TYPE = "text/xml; charset=UTF-8"
DOCUMENT_VERSION = "1.01"
# OrderAcknowledgement.xsd's CancelReason list has no pricing reason: GeneralAdjustment is Amazon's catch-all for a
# seller's own reasons.
CANCEL_REASONS: dict[CancelReason, str] = {
    CancelReason.OUT_OF_STOCK: "NoInventory",
    CancelReason.UNDELIVERABLE_ADDRESS: "ShippingAddressUndeliverable",
    CancelReason.BUYER_REQUEST: "BuyerCanceled",
    CancelReason.PRICING_ERROR: "GeneralAdjustment",
    CancelReason.OTHER: "GeneralAdjustment",
}


def acknowledgement_feed(merchant_id: str, requests: Sequence[CancelRequest]) -> bytes:
    """The feed document: message n (from 1) cancels requests[n - 1]'s order. The seller's note has no place in
    the schema and is not sent."""
    envelope = ET.Element("AmazonEnvelope", {"xmlns:xsi": "http://www.w3.org/2001/XMLSchema-instance",
                                             "xsi:noNamespaceSchemaLocation": "amzn-envelope.xsd"})
    header = ET.SubElement(envelope, "Header")
    ET.SubElement(header, "DocumentVersion").text = DOCUMENT_VERSION
    ET.SubElement(header, "MerchantIdentifier").text = merchant_id
    ET.SubElement(envelope, "MessageType").text = "OrderAcknowledgement"
    for number, request in enumerate(requests, 1):
        message = ET.SubElement(envelope, "Message")
        ET.SubElement(message, "MessageID").text = str(number)
        acknowledgement = ET.SubElement(message, "OrderAcknowledgement")
        ET.SubElement(acknowledgement, "AmazonOrderID").text = request.platform_order_id
        ET.SubElement(acknowledgement, "StatusCode").text = "Failure"
        for line in dict.fromkeys(line.platform_line_id for line in request.lines):
            item = ET.SubElement(acknowledgement, "Item")
            ET.SubElement(item, "AmazonOrderItemCode").text = line
            ET.SubElement(item, "CancelReason").text = CANCEL_REASONS[request.reason]
    document: bytes = ET.tostring(envelope, encoding="utf-8", xml_declaration=True)
    return document


def acknowledgement_report_errors(content: bytes) -> tuple[dict[int, str], list[str]]:
    """A processing report -> (Amazon's Error words per MessageID, errors of the document as a whole).

    A message without an Error result went through; warnings do not refuse it."""
    if b"<!DOCTYPE" in content:
        raise BadPayload("the processing report declares a document type")
    try:
        root = ET.fromstring(content)
    except ET.ParseError as exc:
        raise BadPayload(f"the processing report is not XML: {exc}") from None
    reports = root.findall("./Message/ProcessingReport") if root.tag == "AmazonEnvelope" else []
    if not reports:
        raise BadPayload("the processing report holds no ProcessingReport")
    by_message: dict[int, list[str]] = {}
    document: list[str] = []
    for result in (r for report in reports for r in report.findall("Result")):
        if _text(result, "ResultCode") != "Error":
            continue
        words = f"{_text(result, 'ResultMessageCode')}: {_text(result, 'ResultDescription')}".strip(": ")
        message_id = _text(result, "MessageID")
        if message_id.isdigit() and int(message_id) > 0:
            by_message.setdefault(int(message_id), []).append(words or "refused without a message")
        else:
            document.append(words or "the feed was refused without a message")
    return {m: "; ".join(w) for m, w in by_message.items()}, document


def _text(element: ET.Element, name: str) -> str:
    return (element.findtext(name) or "").strip()
