"""The Feeds API (2021-06-30) of the emulator for JSON_LISTINGS_FEED and POST_ORDER_ACKNOWLEDGEMENT_DATA, and the
presigned document URLs behind it.

createFeedDocument hands out a presigned URL for the upload (an S3 PUT, five minutes); createFeed queues the
feed; getFeed follows it on the clock; getFeedDocument hands out the processing report's URL. Paths, bodies and
statuses follow feeds_2021-06-30.json; the emulator serves the "S3" URLs itself under /s3/.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from crossdock.emulators.amazon.feeds import LISTINGS_FEED, Document, Feed
from crossdock.emulators.amazon.order_feeds import ORDER_ACKNOWLEDGEMENT_FEED
from crossdock.emulators.amazon.wire import Answer, ApiError, CallRecord, Context, invalid

if TYPE_CHECKING:
    from crossdock.emulators.amazon.emulator import AmazonEmulator

FEEDS_PATH = "/feeds/2021-06-30"
S3_PATH = "/s3/tortuga-prod-eu"
# FeedDocument.url / CreateFeedDocumentResponse.url: "This URL expires after 5 minutes."
URL_TTL = timedelta(minutes=5)
# CreateFeedSpecification.marketplaceIds: "minItems": 1, "maxItems": 25.
MAX_FEED_MARKETPLACES = 25
# Assumption: the emulator processes listings and order acknowledgement feeds only; any other feed type is refused as
# unsupported.
SUPPORTED_FEEDS = frozenset({LISTINGS_FEED, ORDER_ACKNOWLEDGEMENT_FEED})
_STAMP = "%Y%m%dT%H%M%SZ"


class FeedsApi:
    """createFeedDocument, createFeed, getFeed, cancelFeed, getFeedDocument; `authenticate` checks and charges."""

    def __init__(self, emulator: AmazonEmulator, authenticate: Callable[[Context], str],
                 record: Callable[[CallRecord], None]) -> None:
        self.emu = emulator
        self._authenticate = authenticate
        self._record = record

    def operations(self) -> list[tuple[str, str, str, Callable[[Context], Any]]]:
        """(path, method, operationId, handler) for each operation served."""
        return [(FEEDS_PATH + "/documents", "POST", "createFeedDocument", self.create_document),
                (FEEDS_PATH + "/documents/{feedDocumentId}", "GET", "getFeedDocument", self.get_document),
                (FEEDS_PATH + "/feeds", "POST", "createFeed", self.create_feed),
                (FEEDS_PATH + "/feeds/{feedId}", "GET", "getFeed", self.get_feed),
                (FEEDS_PATH + "/feeds/{feedId}", "DELETE", "cancelFeed", self.cancel_feed)]

    # ---- the Feeds API ------------------------------------------------------------------------------------

    def create_document(self, ctx: Context) -> Answer:
        """createFeedDocument: POST /feeds/2021-06-30/documents {contentType} -> 201 {feedDocumentId, url}."""
        seller_id = self._authenticate(ctx)
        content_type = _json(ctx).get("contentType")
        if not isinstance(content_type, str) or not content_type:
            raise invalid("Invalid input", "contentType is required.")
        document = self.emu.world.feeds.new_document(seller_id, content_type, ctx.now)
        return Answer(201, {"feedDocumentId": document.document_id,
                            "url": self.presign(ctx.base_url, "PUT", document, ctx.now)})

    def create_feed(self, ctx: Context) -> Answer:
        """createFeed: POST /feeds/2021-06-30/feeds {feedType, marketplaceIds, inputFeedDocumentId} -> 202 {feedId}."""
        seller_id = self._authenticate(ctx)
        body = _json(ctx)
        feed_type, marketplaces = body.get("feedType"), body.get("marketplaceIds")
        if not isinstance(feed_type, str) or not feed_type:
            raise invalid("Invalid input", "feedType is required.")
        if feed_type not in SUPPORTED_FEEDS:
            raise invalid("Invalid input", f"Unsupported feedType: {feed_type}.")
        if (not isinstance(marketplaces, list) or not 1 <= len(marketplaces) <= MAX_FEED_MARKETPLACES
                or not all(isinstance(m, str) for m in marketplaces)):
            raise invalid("Invalid input", f"marketplaceIds takes 1 to {MAX_FEED_MARKETPLACES} marketplace ids.")
        seller = self.emu.world.seller(seller_id)
        unknown = [m for m in marketplaces if m not in seller.participations]
        if unknown:
            raise invalid("Invalid input", f"Invalid marketplaceIds: {','.join(unknown)}.")
        document = self._document(seller_id, body.get("inputFeedDocumentId"))
        feed = self.emu.world.feeds.create(seller_id, feed_type, list(dict.fromkeys(marketplaces)), document, ctx.now)
        return Answer(202, {"feedId": feed.feed_id})

    def get_feed(self, ctx: Context) -> dict[str, Any]:
        """getFeed: GET /feeds/2021-06-30/feeds/{feedId}."""
        seller_id = self._authenticate(ctx)
        return self._feed(seller_id, str(ctx.extra.get("feedId", ""))).payload(ctx.now)

    def cancel_feed(self, ctx: Context) -> dict[str, Any]:
        """cancelFeed: DELETE /feeds/2021-06-30/feeds/{feedId}; "Only feeds with processingStatus=IN_QUEUE can be
        cancelled"."""
        seller_id = self._authenticate(ctx)
        feed = self._feed(seller_id, str(ctx.extra.get("feedId", "")))
        if feed.processing_status(ctx.now) != "IN_QUEUE":
            raise invalid("Invalid input", "Only feeds with processingStatus IN_QUEUE can be cancelled.")
        feed.status = "CANCELLED"
        return {}

    def get_document(self, ctx: Context) -> dict[str, Any]:
        """getFeedDocument: GET /feeds/2021-06-30/documents/{feedDocumentId} -> {feedDocumentId, url,
        compressionAlgorithm when compressed}."""
        seller_id = self._authenticate(ctx)
        document = self._document(seller_id, ctx.extra.get("feedDocumentId"))
        answer = {"feedDocumentId": document.document_id, "url": self.presign(ctx.base_url, "GET", document, ctx.now)}
        if document.compression:
            answer["compressionAlgorithm"] = document.compression
        return answer

    def _feed(self, seller_id: str, feed_id: str) -> Feed:
        feed = self.emu.world.feeds.feeds.get(feed_id)
        if feed is None or feed.seller_id != seller_id:
            raise ApiError(404, "NotFound", "The specified resource does not exist.", f"No feed {feed_id}.")
        return feed

    def _document(self, seller_id: str, document_id: Any) -> Document:
        document = self.emu.world.feeds.documents.get(str(document_id))
        if document is None or document.seller_id != seller_id:
            raise ApiError(404, "NotFound", "The specified resource does not exist.", f"No document {document_id}.")
        return document

    # ---- presigned URLs ("S3") ------------------------------------------------------------------------------

    def _signature(self, method: str, document: Document, stamp: str) -> str:
        # The PUT signature covers the content type, as S3 presigned uploads do.
        signed = f"{method}\n{document.document_id}\n{stamp}\n{document.content_type if method == 'PUT' else ''}"
        return hmac.new(self.emu.url_key, signed.encode(), hashlib.sha256).hexdigest()

    def presign(self, base_url: str, method: str, document: Document, now: datetime) -> str:
        stamp = now.strftime(_STAMP)
        base = self.emu.public_url or base_url
        return (f"{base.rstrip('/')}{S3_PATH}/{document.document_id}?X-Amz-Algorithm=AWS4-HMAC-SHA256"
                f"&X-Amz-Date={stamp}&X-Amz-Expires={int(URL_TTL.total_seconds())}"
                f"&X-Amz-Signature={self._signature(method, document, stamp)}")

    def routes(self) -> list[Route]:
        return [Route(S3_PATH + "/{document_id}", self.put_object, methods=["PUT"]),
                Route(S3_PATH + "/{document_id}", self.get_object, methods=["GET"])]

    async def put_object(self, request: Request) -> Response:
        """The upload to createFeedDocument's URL: the body becomes the document."""
        body = await request.body()
        with self.emu.lock:
            document, refusal = self._object(request, "PUT")
            if document is not None and refusal is None:
                document.body = body
            return self._s3_answer(request, document, refusal, Response(status_code=200, headers={
                "ETag": f'"{hashlib.md5(body).hexdigest()}"'}))   # S3's ETag of a single-part upload is its MD5

    async def get_object(self, request: Request) -> Response:
        """The download from getFeedDocument's URL."""
        with self.emu.lock:
            document, refusal = self._object(request, "GET")
            content = document.body if document is not None and document.body is not None else b""
            media = document.content_type if document is not None else ""
            return self._s3_answer(request, document, refusal, Response(content, media_type=media))

    def _object(self, request: Request, method: str) -> tuple[Document | None, tuple[int, str, str] | None]:
        """The document a presigned URL names, and (status, S3 code, message) when S3 would refuse the request."""
        document = self.emu.world.feeds.documents.get(request.path_params["document_id"])
        if document is None or (method == "GET" and document.body is None):
            return document, (404, "NoSuchKey", "The specified key does not exist.")
        query = request.query_params
        stamp, given = query.get("X-Amz-Date", ""), query.get("X-Amz-Signature", "")
        content_type = request.headers.get("content-type", "") if method == "PUT" else ""
        if (not hmac.compare_digest(given, self._signature(method, document, stamp))
                or (method == "PUT" and content_type != document.content_type)):
            return document, (403, "SignatureDoesNotMatch", "The request signature we calculated does not match "
                                                            "the signature you provided.")
        try:
            signed_at = datetime.strptime(stamp, _STAMP).replace(tzinfo=UTC)
        except ValueError:
            return document, (403, "AccessDenied", "Invalid date.")
        if self.emu.now() > signed_at + URL_TTL:
            return document, (403, "AccessDenied", "Request has expired")
        return document, None

    def _s3_answer(self, request: Request, document: Document | None, refusal: tuple[int, str, str] | None,
                   success: Response) -> Response:
        status = refusal[0] if refusal else success.status_code
        operation = "s3:PutObject" if request.method == "PUT" else "s3:GetObject"
        self._record(CallRecord(request.method, request.url.path, dict(request.query_params), status,
                                document.seller_id if document else None, self.emu.now(), operation,
                                refusal[1] if refusal else ""))
        if refusal is None:
            return success
        xml = (f'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>{refusal[1]}</Code>'
               f"<Message>{refusal[2]}</Message></Error>")
        return Response(xml, status_code=refusal[0], media_type="application/xml")


def _json(ctx: Context) -> dict[str, Any]:
    try:
        body = json.loads(ctx.body or b"null")
    except (ValueError, UnicodeDecodeError):
        raise invalid("Invalid input", "The request body is not valid JSON.") from None
    if not isinstance(body, dict):
        raise invalid("Invalid input", "The request body must be a JSON object.")
    return body
