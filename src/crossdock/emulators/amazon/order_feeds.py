"""POST_ORDER_ACKNOWLEDGEMENT_DATA through the Feeds API: the XML order acknowledgement feed with which a seller
acknowledges an order or, with StatusCode Failure, cancels all of it; and its XML processing report.

Followed: OrderAcknowledgement.xsd (AmazonOrderID, MerchantOrderID?, StatusCode Success|Failure, Item*
{AmazonOrderItemCode, MerchantOrderItemID?, CancelReason?} with the ten CancelReason values), the AmazonEnvelope
(Header{DocumentVersion, MerchantIdentifier}, MessageType, Message{MessageID, ...}), the ProcessingReport
(DocumentTransactionID, StatusCode Complete, ProcessingSummary{MessagesProcessed, MessagesSuccessful,
MessagesWithError, MessagesWithWarning}, Result{MessageID, ResultCode, ResultMessageCode, ResultDescription,
AdditionalInfo{AmazonOrderID}}), and the order feed guide: "Order Feeds are not marketplace-specific" (an order
of any of the seller's marketplaces is found), "Do not issue an Order Acknowledgment request with the Failure
StatusCode after at least one item in the order has been confirmed as shipped", "For all CancelReason values
except NoInventory, Amazon will increase the item's stock level by the count of canceled units". Where those are
silent (result codes and most refusal words) the choice is a named constant marked "assumption".
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from crossdock.emulators.amazon.feeds import XML_MESSAGE, Feed, Processed

ORDER_ACKNOWLEDGEMENT_FEED = "POST_ORDER_ACKNOWLEDGEMENT_DATA"
MESSAGE_TYPE = "OrderAcknowledgement"
STATUS_CODES = ("Success", "Failure")
# OrderAcknowledgement.xsd, Item/CancelReason.
CANCEL_REASONS = ("NoInventory", "ShippingAddressUndeliverable", "CustomerExchange", "BuyerCanceled",
                  "GeneralAdjustment", "CarrierCreditDecision", "RiskAssessmentInformationNotValid",
                  "CarrierCoverageFailure", "CustomerReturn", "MerchandiseNotReceived")
NO_INVENTORY = "NoInventory"
# amzn-base.xsd: AmazonOrderID and MerchantOrderID are strings of at most 50 and 64 characters.
MAX_ORDER_ID, MAX_MERCHANT_ORDER_ID = 50, 64
# Assumption: reports are XML served as text/xml (an XML feed's report is an AmazonEnvelope).
REPORT_CONTENT_TYPE = "text/xml"
REPORT_DOCUMENT_VERSION = "1.02"
# Error 5000 and its Xerces words are what XML feeds with a schema or parse error show in their reports.
SCHEMA_ERROR = "5000"
# The words sellers meet when a feed holds messages of another type (amzn/selling-partner-api-models #1813);
# assumption: the code.
WRONG_FEED = ("25", "We are unable to process the XML feed because one or more items are invalid. Please re-submit "
                    "the feed.")
# Assumption: the codes below; the words for an unknown order follow Seller Central's help page on the error.
UNKNOWN_ORDER = "18001"
NOT_CANCELLABLE = "18022"
UNKNOWN_ITEM = "18008"


@dataclass(frozen=True)
class Acknowledgement:
    message_id: int
    amazon_order_id: str
    merchant_order_id: str
    status_code: str                       # Success, or Failure to cancel the order
    items: tuple[tuple[str, str], ...]     # (AmazonOrderItemCode, CancelReason or "")


@dataclass(frozen=True)
class Refusal:
    code: str
    description: str


def unknown_order(order_id: str) -> Refusal:
    return Refusal(UNKNOWN_ORDER, f"Invalid OrderID or AmazonOrderID. The AmazonOrderID {order_id} is not an order "
                                  "of this seller; use the AmazonOrderID of the order report.")


def not_cancellable(order_id: str, why: str) -> Refusal:
    return Refusal(NOT_CANCELLABLE, f"The order {order_id} cannot be canceled: {why}.")


def unknown_item(order_id: str, item_code: str) -> Refusal:
    return Refusal(UNKNOWN_ITEM, f"The AmazonOrderItemCode {item_code} is not an item of order {order_id}.")


class OrderDesk(Protocol):
    """What processing needs of the world: one acknowledgement applied to the seller's orders."""

    def acknowledge(self, seller_id: str, acknowledgement: Acknowledgement, feed_id: str,
                    at: datetime) -> Refusal | None: ...


class _Invalid(Exception):
    """The document breaks the envelope or OrderAcknowledgement schema: Amazon applies none of it."""

    def __init__(self, description: str, message_id: int = 0, code: str = SCHEMA_ERROR) -> None:
        super().__init__(description)
        self.description, self.message_id, self.code = description, message_id, code


def process(feed: Feed, body: bytes | None, desk: OrderDesk, at: datetime) -> Processed:
    """DONE and the processing report. A document that breaks the schema changes nothing: its report names the
    error (MessageID 0 when it is not one message's); otherwise each message is applied in turn and refused ones
    get a Result."""
    try:
        acknowledgements = parse(body)
    except _Invalid as exc:
        messages = len(XML_MESSAGE.findall(body or b""))
        return _report(feed, messages, 0, [(exc.message_id, Refusal(exc.code, exc.description), "")])
    results: list[tuple[int, Refusal, str]] = []
    for acknowledgement in acknowledgements:
        refusal = desk.acknowledge(feed.seller_id, acknowledgement, feed.feed_id, at)
        if refusal is not None:
            results.append((acknowledgement.message_id, refusal, acknowledgement.amazon_order_id))
    return _report(feed, len(acknowledgements), len(acknowledgements) - len(results), results)


# ---- the document ------------------------------------------------------------------------------------------

def parse(body: bytes | None) -> list[Acknowledgement]:
    if body is None:
        raise _Invalid("The feed document was never uploaded.")
    if b"<!DOCTYPE" in body:
        # Amazon's parser refuses document type declarations (and with them entity tricks).
        raise _Invalid('XML Parsing Error: DOCTYPE is disallowed when the feature '
                       '"http://apache.org/xml/features/disallow-doctype-decl" set to true.')
    try:
        root = ET.fromstring(body)
    except ET.ParseError as exc:
        line, column = exc.position
        raise _Invalid(f"XML Parsing Error at Line {line}, Column {column}: {exc.msg}.") from None
    if root.tag != "AmazonEnvelope":
        raise _Invalid(f"cvc-elt.1: Cannot find the declaration of element '{root.tag}'.")
    header = _child(root, "Header", "Header")
    _text(header, "DocumentVersion")
    _text(header, "MerchantIdentifier")
    if _text(root, "MessageType") != MESSAGE_TYPE:
        raise _Invalid(WRONG_FEED[1], code=WRONG_FEED[0])
    messages = root.findall("Message")
    if not messages:
        raise _Invalid("cvc-complex-type.2.4.b: The content of element 'AmazonEnvelope' is not complete. One of "
                       "'{Message}' is expected.")
    seen: set[int] = set()
    return [_acknowledgement(message, seen) for message in messages]


def _acknowledgement(message: ET.Element, seen: set[int]) -> Acknowledgement:
    raw_id = _text(message, "MessageID")
    if not raw_id.isdigit() or int(raw_id) < 1:
        raise _Invalid(f"cvc-datatype-valid.1.2.1: '{raw_id}' is not a valid value for 'positiveInteger'.")
    message_id = int(raw_id)
    if message_id in seen:
        raise _Invalid(f"MessageID {message_id} is used by more than one message.", message_id)
    seen.add(message_id)
    body = _child(message, "OrderAcknowledgement", "OperationType, OrderAcknowledgement", message_id)
    order_id = _text(body, "AmazonOrderID", message_id)
    _check_length(order_id, MAX_ORDER_ID, message_id)
    merchant_order_id = (body.findtext("MerchantOrderID") or "").strip()
    _check_length(merchant_order_id, MAX_MERCHANT_ORDER_ID, message_id)
    status = _text(body, "StatusCode", message_id)
    _check_enumeration(status, STATUS_CODES, message_id)
    items: list[tuple[str, str]] = []
    for item in body.findall("Item"):
        code = _text(item, "AmazonOrderItemCode", message_id)
        reason = (item.findtext("CancelReason") or "").strip()
        if reason:
            _check_enumeration(reason, CANCEL_REASONS, message_id)
        items.append((code, reason))
    return Acknowledgement(message_id, order_id, merchant_order_id, status, tuple(items))


def _child(parent: ET.Element, name: str, expected: str, message_id: int = 0) -> ET.Element:
    found = parent.find(name)
    if found is None:
        raise _Invalid(f"cvc-complex-type.2.4.b: The content of element '{parent.tag}' is not complete. One of "
                       f"'{{{expected}}}' is expected.", message_id)
    return found


def _text(parent: ET.Element, name: str, message_id: int = 0) -> str:
    value = (_child(parent, name, name, message_id).text or "").strip()
    if not value:
        raise _Invalid(f"cvc-minLength-valid: Value '' with length = '0' is not facet-valid with respect to "
                       f"minLength '1' for type of '{name}'.", message_id)
    return value


def _check_length(value: str, limit: int, message_id: int) -> None:
    if len(value) > limit:
        raise _Invalid(f"cvc-maxLength-valid: Value '{value}' with length = '{len(value)}' is not facet-valid with "
                       f"respect to maxLength '{limit}'.", message_id)


def _check_enumeration(value: str, allowed: tuple[str, ...], message_id: int) -> None:
    if value not in allowed:
        raise _Invalid(f"cvc-enumeration-valid: Value '{value}' is not facet-valid with respect to enumeration "
                       f"'[{', '.join(allowed)}]'. It must be a value from the enumeration.", message_id)


# ---- the processing report ---------------------------------------------------------------------------------

def _report(feed: Feed, processed: int, successful: int, results: list[tuple[int, Refusal, str]]) -> Processed:
    envelope = ET.Element("AmazonEnvelope", {"xmlns:xsi": "http://www.w3.org/2001/XMLSchema-instance",
                                             "xsi:noNamespaceSchemaLocation": "amzn-envelope.xsd"})
    header = ET.SubElement(envelope, "Header")
    ET.SubElement(header, "DocumentVersion").text = REPORT_DOCUMENT_VERSION
    ET.SubElement(header, "MerchantIdentifier").text = feed.seller_id
    ET.SubElement(envelope, "MessageType").text = "ProcessingReport"
    message = ET.SubElement(envelope, "Message")
    ET.SubElement(message, "MessageID").text = "1"
    report = ET.SubElement(message, "ProcessingReport")
    ET.SubElement(report, "DocumentTransactionID").text = feed.feed_id
    ET.SubElement(report, "StatusCode").text = "Complete"
    summary = ET.SubElement(report, "ProcessingSummary")
    for name, count in (("MessagesProcessed", processed), ("MessagesSuccessful", successful),
                        ("MessagesWithError", len(results)), ("MessagesWithWarning", 0)):
        ET.SubElement(summary, name).text = str(count)
    for message_id, refusal, order_id in results:
        result = ET.SubElement(report, "Result")
        ET.SubElement(result, "MessageID").text = str(message_id)
        ET.SubElement(result, "ResultCode").text = "Error"
        ET.SubElement(result, "ResultMessageCode").text = refusal.code
        ET.SubElement(result, "ResultDescription").text = refusal.description
        if order_id:
            ET.SubElement(ET.SubElement(result, "AdditionalInfo"), "AmazonOrderID").text = order_id
    return Processed("DONE", ET.tostring(envelope, encoding="utf-8", xml_declaration=True), REPORT_CONTENT_TYPE)
