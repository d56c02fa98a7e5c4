"""Amazon Selling Partner API on the wire: LWA tokens, Restricted Data Tokens, usage plans, errors -> _kit errors.

Each method names the operation it implements (developer-docs.amazon.com/sp-api; the models in
amzn/selling-partner-api-models). Calls carry the LWA access token, or an RDT for restricted data, in
`x-amz-access-token`; AWS SigV4 signing is no longer required.
"""

from __future__ import annotations

import gzip
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote

import httpx
from pydantic import SecretStr

from crossdock.connectors._kit.errors import AuthExpired, AuthFailed, Fatal, Retryable
from crossdock.connectors._kit.http import HttpApi
from crossdock.connectors._kit.ratelimit import TokenBucket
from crossdock.ports.clock import Clock
from crossdock.ports.marketplace import TokenSet, TokenStore

# Usage plans (rate per second, burst) from each operation's reference page; the client waits on them so the
# platform rarely has to answer 429. A rate the platform reports in x-amzn-RateLimit-Limit replaces the default.
USAGE_PLANS: dict[str, tuple[float, int]] = {
    "getOrders": (0.0167, 20),
    "getOrder": (0.5, 30),
    "getOrderItems": (0.5, 30),
    "confirmShipment": (2.0, 10),
    "createRestrictedDataToken": (1.0, 10),
    "getMarketplaceParticipations": (0.016, 15),
    "searchListingsItems": (5.0, 5),
    "getListingsItem": (5.0, 10),
    "patchListingsItem": (5.0, 5),
    "createFeedDocument": (0.0083, 15),
    "createFeed": (0.0083, 15),
    "getFeed": (2.0, 15),
    "getFeedDocument": (0.0222, 10),
    "createReport": (0.0167, 15),
    "getReport": (2.0, 15),
    "getReportDocument": (0.0167, 15),
    "getEligibleShipmentServices": (1.0, 1),
    "createShipment": (1.0, 1),
    "getShipment": (1.0, 1),
    "cancelShipment": (1.0, 1),
}
LISTINGS_PATH = "/listings/2021-08-01/items"
FEEDS_PATH = "/feeds/2021-06-30"
REPORTS_PATH = "/reports/2021-06-30"
# PII the order sync needs, and the restricted resources one RDT covers for it (Tokens API use case guide).
ORDER_DATA_ELEMENTS = ["buyerInfo", "shippingAddress"]
RESTRICTED_RESOURCES = [
    {"method": "GET", "path": "/orders/v0/orders", "dataElements": ORDER_DATA_ELEMENTS},
    {"method": "GET", "path": "/orders/v0/orders/{orderId}", "dataElements": ORDER_DATA_ELEMENTS},
]
# Buy Shipping's shipments carry both addresses: createShipment, getShipment and cancelShipment are restricted
# operations (Tokens API use case guide). Their own RDT, so an app without the shipping role still pulls orders.
MFN_PATH = "/mfn/v0"
MFN_RESOURCES = [
    {"method": "POST", "path": f"{MFN_PATH}/shipments"},
    {"method": "GET", "path": f"{MFN_PATH}/shipments/{{shipmentId}}"},
    {"method": "DELETE", "path": f"{MFN_PATH}/shipments/{{shipmentId}}"},
]
_RDT_RESOURCES: dict[str, list[dict[str, Any]]] = {"orders": RESTRICTED_RESOURCES, "mfn": MFN_RESOURCES}
# "The selling partner must re-authorize your public application every 365 days."
AUTHORIZATION_LIFETIME = timedelta(days=365)
# Renew a token a little before it lapses, so a long pull does not meet the deadline mid-page.
_EARLY_RENEWAL = timedelta(minutes=5)
# Waiting one token's refill after a 429 lands a hair early on a rounding clock: add a little.
_THROTTLE_MARGIN = 0.05
# LWA errors that no retry can fix: the seller or the app must act.
_LWA_AUTH_ERRORS = frozenset({"invalid_grant", "invalid_client", "unauthorized_client", "invalid_scope",
                              "access_denied"})
USER_AGENT = "Crossdock/0.1 (Language=Python)"


def amz_time(moment: datetime) -> str:
    """ISO 8601 as the Orders API takes it: UTC, whole seconds (rounded down), Z."""
    return moment.astimezone(UTC).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")


def _item_path(seller_id: str, sku: str) -> str:
    # SKUs may hold "/", "#" or spaces: every character outside the unreserved set is percent-encoded.
    return f"{LISTINGS_PATH}/{quote(seller_id, safe='')}/{quote(sku, safe='')}"


def _presigned(what: str, response: httpx.Response) -> bytes:
    """The body of a presigned S3 request; S3 answers errors in XML, and a refused URL will not work again."""
    if response.is_success:
        return response.content
    if response.status_code in (403, 404):
        raise Fatal(f"document {what} refused: HTTP {response.status_code} {response.text[:200]}",
                    code=str(response.status_code))
    raise Retryable(f"document {what}: HTTP {response.status_code}")


def _decompressed(content: bytes, compression: str) -> bytes:
    """A document as getFeedDocument/getReportDocument's compressionAlgorithm says it is stored."""
    if compression == "GZIP":
        try:
            return gzip.decompress(content)
        except (OSError, EOFError) as exc:
            raise Retryable(f"document is not the GZIP it was said to be: {exc}") from exc
    if compression:
        raise Fatal(f"document compressed with unknown {compression!r}")
    return content


def _errors(body: Any) -> tuple[str, str, str]:
    """The first entry of an SP-API error list: (code, message, details)."""
    errors = body.get("errors") if isinstance(body, dict) else None
    first = errors[0] if isinstance(errors, list) and errors and isinstance(errors[0], dict) else {}
    return str(first.get("code") or ""), str(first.get("message") or ""), str(first.get("details") or "")


class AmazonClient:
    def __init__(
        self,
        api: HttpApi,
        *,
        client_id: str,
        client_secret: SecretStr,
        lwa_url: str,
        clock: Clock,
        sleep: Callable[[float], None],
        tokens: TokenStore | None = None,
        redirect_uri: str = "",
        renew_first: bool = False,
        buckets: Mapping[str, TokenBucket] | None = None,
    ) -> None:
        self._api = api
        self._client_id = client_id
        self._secret = client_secret
        self._lwa_url = lwa_url
        self._clock = clock
        self._tokens = tokens
        self._redirect_uri = redirect_uri
        # Usage plans are per seller: clients of one seller's marketplaces pass the same shared buckets.
        self._buckets = dict(buckets) if buckets is not None else {
            op: TokenBucket(rate, burst, clock, sleep) for op, (rate, burst) in USAGE_PLANS.items()}
        self._cached: TokenSet | None = None
        self._rdts: dict[str, tuple[str, datetime]] = {}     # by the name of the resources it covers
        # A pull starts with a fresh access token: a rotated or revoked client secret (Amazon makes apps
        # rotate it) or a lapsed authorization shows up at once as an auth failure, for one LWA call.
        self._renew_due = renew_first

    # --- Login with Amazon ---------------------------------------------------------------------

    def _lwa(self, form: dict[str, str]) -> dict[str, Any]:
        form = {**form, "client_id": self._client_id, "client_secret": self._secret.get_secret_value()}

        def build() -> httpx.Request:
            return self._api.http.build_request("POST", self._lwa_url, data=form,
                                                headers={"User-Agent": USER_AGENT, "Accept": "application/json"})

        return self._api.call(build, self._parse_lwa)

    @staticmethod
    def _parse_lwa(response: httpx.Response) -> dict[str, Any]:
        try:
            body = response.json()
        except ValueError:
            raise Retryable(f"Login with Amazon answered HTTP {response.status_code} without JSON") from None
        if not isinstance(body, dict):
            raise Retryable("Login with Amazon answered with a JSON body that is not an object")
        if response.is_success and body.get("access_token"):
            return body
        error, description = str(body.get("error") or ""), str(body.get("error_description") or "")
        detail = f"Login with Amazon refused: {error or 'HTTP ' + str(response.status_code)}: {description}"
        if response.status_code == 429:
            raise Retryable(detail, throttled=True)
        if error in _LWA_AUTH_ERRORS:
            raise AuthFailed(detail)
        raise Fatal(detail, code=error)

    def _token_set(self, body: dict[str, Any], *, refresh_fallback: SecretStr | None = None,
                   authorized_until: datetime | None = None) -> TokenSet:
        try:
            now = self._clock.now()
            given = body.get("refresh_token")
            if given:
                refresh = SecretStr(str(given))
            elif refresh_fallback is not None:
                refresh = refresh_fallback
            else:
                raise KeyError("refresh_token")
            return TokenSet(
                access_token=SecretStr(str(body["access_token"])),
                refresh_token=refresh,
                access_expires_at=now + timedelta(seconds=int(body["expires_in"])),
                # LWA does not say; the authorization behind the refresh token lasts 365 days from consent.
                refresh_expires_at=authorized_until or now + AUTHORIZATION_LIFETIME,
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise Fatal(f"Login with Amazon token answer lacks a field: {exc}") from exc

    def exchange_code(self, code: str) -> TokenSet:
        """Website authorization workflow: POST /auth/o2/token, grant_type=authorization_code (spapi_oauth_code)."""
        form = {"grant_type": "authorization_code", "code": code}
        if self._redirect_uri:
            form["redirect_uri"] = self._redirect_uri
        return self._token_set(self._lwa(form))

    def refresh_access_token(self, refresh_token: SecretStr, authorized_until: datetime | None = None) -> TokenSet:
        """Connect to the SP-API, step 1: POST /auth/o2/token, grant_type=refresh_token.

        Refreshing does not extend the authorization: `authorized_until` is carried over as given."""
        body = self._lwa({"grant_type": "refresh_token", "refresh_token": refresh_token.get_secret_value()})
        return self._token_set(body, refresh_fallback=refresh_token, authorized_until=authorized_until)

    # --- tokens --------------------------------------------------------------------------------

    def _access_token(self) -> str:
        if self._cached is None:
            if self._tokens is None:
                raise Fatal("this client has no token store")
            self._cached = self._tokens.load()
            if self._cached is None:
                raise AuthFailed("the Amazon account has no tokens: authorize it first")
        if self._renew_due or self._cached.access_expires_at - _EARLY_RENEWAL <= self._clock.now():
            self._renew()
        assert self._cached is not None
        return self._cached.access_token.get_secret_value()

    def _renew(self) -> None:
        assert self._tokens is not None and self._cached is not None
        fresh = self.refresh_access_token(self._cached.refresh_token, self._cached.refresh_expires_at)
        if fresh.refresh_token.get_secret_value() != self._cached.refresh_token.get_secret_value():
            # LWA refresh tokens are reusable and normally come back unchanged; a new one is kept at once.
            # An access token alone is not worth a write: every pull starts by renewing it anyway.
            self._tokens.save(fresh)
        self._cached, self._renew_due, self._rdts = fresh, False, {}
        self._api.stats.token_refreshes += 1

    def _restricted_token(self, resources: str) -> str:
        held = self._rdts.get(resources)
        if held is None or held[1] - _EARLY_RENEWAL <= self._clock.now():
            answer = self.create_restricted_data_token(_RDT_RESOURCES[resources])
            try:
                token, expires_in = str(answer["restrictedDataToken"]), int(answer["expiresIn"])
            except (KeyError, TypeError, ValueError) as exc:
                raise Fatal(f"createRestrictedDataToken answer lacks a field: {exc}") from exc
            held = self._rdts[resources] = (token, self._clock.now() + timedelta(seconds=expires_in))
        return held[0]

    # --- the SP-API ----------------------------------------------------------------------------

    def _call(self, operation: str, method: str, path: str, *, params: dict[str, str | int] | None = None,
              body: Any = None, restricted: str = "") -> dict[str, Any]:
        """One operation; `restricted` names the resources of the RDT it needs ("orders", "mfn"), "" for none."""
        try:
            return self._send(operation, method, path, params, body, restricted)
        except AuthExpired:
            # Expired early or revoked: a new access token (and RDT) once; refused again, the seller must act.
            if restricted:
                self._rdts.pop(restricted, None)
            else:
                self._renew_due = True
            try:
                return self._send(operation, method, path, params, body, restricted)
            except AuthExpired as exc:
                raise AuthFailed(str(exc)) from exc

    def _send(self, operation: str, method: str, path: str, params: dict[str, str | int] | None, body: Any,
              restricted: str) -> dict[str, Any]:
        token = self._restricted_token(restricted) if restricted else self._access_token()
        bucket = self._buckets[operation]

        def build() -> httpx.Request:
            self._api.stats.throttle_wait_seconds += bucket.acquire()
            headers = {"x-amz-access-token": token, "User-Agent": USER_AGENT, "Accept": "application/json"}
            return self._api.http.build_request(method, path, params=params, json=body, headers=headers)

        return self._api.call(build, lambda response: self._parse(operation, response))

    def _parse(self, operation: str, response: httpx.Response) -> dict[str, Any]:
        bucket = self._buckets[operation]
        limit = response.headers.get("x-amzn-RateLimit-Limit")
        try:
            # "The x-amzn-RateLimit-Limit response header returns the usage plan rate limits that were applied."
            if limit and float(limit) > 0:
                bucket.rate = float(limit)
        except ValueError:
            pass
        if response.status_code == 204:
            return {}     # confirmShipment: success with an empty body
        try:
            body = response.json()
        except ValueError:
            raise Retryable(f"{operation} answered HTTP {response.status_code} without JSON") from None
        if response.is_success:
            if not isinstance(body, dict):
                raise Retryable(f"{operation} answered with a JSON body that is not an object")
            return body
        code, message, details = _errors(body)
        detail = f"{operation}: HTTP {response.status_code} {code}: {message} {details}".strip()
        if response.status_code == 429 or code == "QuotaExceeded":
            # Amazon sends no Retry-After; one token of the operation's bucket is the wait.
            raise Retryable(detail, retry_after=1.0 / bucket.rate + _THROTTLE_MARGIN, throttled=True)
        if response.status_code in (401, 403) and code in ("Unauthorized", "InvalidToken", "ExpiredToken", ""):
            raise AuthExpired(detail)
        raise Fatal(detail, code=code)

    def create_restricted_data_token(self, resources: list[dict[str, Any]]) -> dict[str, Any]:
        """Tokens API createRestrictedDataToken: POST /tokens/2021-03-01/restrictedDataToken."""
        return self._call("createRestrictedDataToken", "POST", "/tokens/2021-03-01/restrictedDataToken",
                          body={"restrictedResources": resources})

    def get_marketplace_participations(self) -> list[Any]:
        """Sellers API getMarketplaceParticipations: GET /sellers/v1/marketplaceParticipations."""
        payload = self._call("getMarketplaceParticipations", "GET", "/sellers/v1/marketplaceParticipations"
                             ).get("payload")
        if not isinstance(payload, list):
            raise Retryable("getMarketplaceParticipations answered without a payload list")
        return payload

    def get_orders(self, marketplace_id: str, *, time_field: str = "LastUpdated", after: datetime | None = None,
                   before: datetime | None = None, next_token: str = "", page_size: int = 100) -> dict[str, Any]:
        """Orders v0 getOrders: GET /orders/v0/orders, with an RDT so buyer and address come inline."""
        params: dict[str, str | int] = {"MarketplaceIds": marketplace_id}
        if next_token:
            # "If NextToken is present, that will be used to retrieve the orders instead of other criteria."
            params["NextToken"] = next_token
        else:
            if after is None:
                raise Fatal("getOrders needs CreatedAfter or LastUpdatedAfter")
            params[f"{time_field}After"] = amz_time(after)
            if before is not None:
                params[f"{time_field}Before"] = amz_time(before)
            params["MaxResultsPerPage"] = page_size
        return self._payload("getOrders", self._call("getOrders", "GET", "/orders/v0/orders", params=params,
                                                     restricted="orders"))

    def get_order(self, order_id: str, *, restricted: bool = True) -> dict[str, Any]:
        """Orders v0 getOrder: GET /orders/v0/orders/{orderId}, with an RDT (buyer and address inline), or with the
        access token alone when `restricted` is False (the order without its PII)."""
        return self._payload("getOrder", self._call("getOrder", "GET", f"/orders/v0/orders/{quote(order_id, safe='')}",
                                                    restricted="orders" if restricted else ""))

    def get_order_items(self, order_id: str, next_token: str = "") -> dict[str, Any]:
        """Orders v0 getOrderItems: GET /orders/v0/orders/{orderId}/orderItems."""
        params: dict[str, str | int] = {"NextToken": next_token} if next_token else {}
        return self._payload("getOrderItems", self._call("getOrderItems", "GET",
                                                         f"/orders/v0/orders/{order_id}/orderItems", params=params))

    def confirm_shipment(self, order_id: str, body: dict[str, Any]) -> None:
        """Orders v0 confirmShipment: POST /orders/v0/orders/{orderId}/shipmentConfirmation (204, no body)."""
        self._call("confirmShipment", "POST", f"/orders/v0/orders/{quote(order_id, safe='')}/shipmentConfirmation",
                   body=body)

    def search_listings_items(self, seller_id: str, marketplace_id: str, *, included: Sequence[str],
                              page_size: int = 20, page_token: str = "", created_after: datetime | None = None,
                              identifiers: Sequence[str] = (), identifiers_type: str = "SKU",
                              sort_by: str = "createdDate", sort_order: str = "ASC") -> dict[str, Any]:
        """Listings Items searchListingsItems: GET /listings/2021-08-01/items/{sellerId} (ItemSearchResults)."""
        params: dict[str, str | int] = {"marketplaceIds": marketplace_id, "includedData": ",".join(included),
                                        "pageSize": page_size, "sortBy": sort_by, "sortOrder": sort_order}
        if page_token:
            params["pageToken"] = page_token
        if created_after is not None:
            params["createdAfter"] = amz_time(created_after)
        if identifiers:
            params["identifiers"], params["identifiersType"] = ",".join(identifiers), identifiers_type
        return self._call("searchListingsItems", "GET", f"{LISTINGS_PATH}/{quote(seller_id, safe='')}",
                          params=params)

    def get_listings_item(self, seller_id: str, sku: str, marketplace_id: str,
                          included: Sequence[str]) -> dict[str, Any]:
        """Listings Items getListingsItem: GET /listings/2021-08-01/items/{sellerId}/{sku} (Item; 404 unknown)."""
        return self._call("getListingsItem", "GET", _item_path(seller_id, sku),
                          params={"marketplaceIds": marketplace_id, "includedData": ",".join(included)})

    def patch_listings_item(self, seller_id: str, sku: str, marketplace_id: str, product_type: str,
                            patches: list[dict[str, Any]]) -> dict[str, Any]:
        """Listings Items patchListingsItem: PATCH /listings/2021-08-01/items/{sellerId}/{sku}
        (ListingsItemSubmissionResponse: ACCEPTED, or INVALID with its issues)."""
        return self._call("patchListingsItem", "PATCH", _item_path(seller_id, sku),
                          params={"marketplaceIds": marketplace_id, "includedData": "issues"},
                          body={"productType": product_type, "patches": patches})

    def create_feed_document(self, content_type: str) -> dict[str, Any]:
        """Feeds createFeedDocument: POST /feeds/2021-06-30/documents -> {feedDocumentId, url (presigned PUT)}."""
        return self._call("createFeedDocument", "POST", f"{FEEDS_PATH}/documents", body={"contentType": content_type})

    def create_feed(self, feed_type: str, marketplace_ids: Sequence[str], document_id: str) -> dict[str, Any]:
        """Feeds createFeed: POST /feeds/2021-06-30/feeds -> {feedId} (202)."""
        return self._call("createFeed", "POST", f"{FEEDS_PATH}/feeds", body={
            "feedType": feed_type, "marketplaceIds": list(marketplace_ids), "inputFeedDocumentId": document_id})

    def get_feed(self, feed_id: str) -> dict[str, Any]:
        """Feeds getFeed: GET /feeds/2021-06-30/feeds/{feedId} (processingStatus, resultFeedDocumentId)."""
        return self._call("getFeed", "GET", f"{FEEDS_PATH}/feeds/{quote(feed_id, safe='')}")

    def get_feed_document(self, document_id: str) -> dict[str, Any]:
        """Feeds getFeedDocument: GET /feeds/2021-06-30/documents/{feedDocumentId} -> {url, compressionAlgorithm?}."""
        return self._call("getFeedDocument", "GET", f"{FEEDS_PATH}/documents/{quote(document_id, safe='')}")

    def upload_document(self, url: str, content: bytes, content_type: str) -> None:
        """PUT the feed's contents to the presigned URL (S3: no SP-API token; the content type is signed)."""
        def build() -> httpx.Request:
            return self._api.http.build_request("PUT", url, content=content, headers={"Content-Type": content_type})

        self._api.call(build, lambda response: _presigned("upload", response))

    def download_document(self, url: str, compression: str = "") -> bytes:
        """GET a document from its presigned URL, decompressed when getFeedDocument said it is."""
        def build() -> httpx.Request:
            return self._api.http.build_request("GET", url)

        return _decompressed(self._api.call(build, lambda response: _presigned("download", response)), compression)

    def create_report(self, report_type: str, marketplace_ids: Sequence[str], start: datetime,
                      end: datetime) -> dict[str, Any]:
        """Reports createReport: POST /reports/2021-06-30/reports -> {reportId} (202)."""
        return self._call("createReport", "POST", f"{REPORTS_PATH}/reports", body={
            "reportType": report_type, "marketplaceIds": list(marketplace_ids),
            "dataStartTime": amz_time(start), "dataEndTime": amz_time(end)})

    def get_report(self, report_id: str) -> dict[str, Any]:
        """Reports getReport: GET /reports/2021-06-30/reports/{reportId} (processingStatus, reportDocumentId)."""
        return self._call("getReport", "GET", f"{REPORTS_PATH}/reports/{quote(report_id, safe='')}")

    def get_report_document(self, document_id: str) -> dict[str, Any]:
        """Reports getReportDocument: GET /reports/2021-06-30/documents/{reportDocumentId} -> {reportDocumentId, url,
        compressionAlgorithm?}."""
        return self._call("getReportDocument", "GET", f"{REPORTS_PATH}/documents/{quote(document_id, safe='')}")

    def download_report(self, url: str, compression: str = "") -> tuple[bytes, str]:
        """GET a report document from its presigned URL (no SP-API token: the URL carries its own signature):
        its bytes, decompressed, and the charset S3 names in Content-Type ("" when it names none)."""
        def build() -> httpx.Request:
            return self._api.http.build_request("GET", url)

        def parse(response: httpx.Response) -> tuple[bytes, str]:
            return _presigned("download", response), response.charset_encoding or ""

        content, charset = self._api.call(build, parse)
        return _decompressed(content, compression), charset

    def get_eligible_shipment_services(self, details: dict[str, Any]) -> dict[str, Any]:
        """Merchant Fulfillment getEligibleShipmentServices: POST /mfn/v0/eligibleShippingServices -> payload
        {ShippingServiceList, RejectedShippingServiceList?, TemporarilyUnavailableCarrierList?, ...}."""
        return self._payload("getEligibleShipmentServices", self._call(
            "getEligibleShipmentServices", "POST", f"{MFN_PATH}/eligibleShippingServices",
            body={"ShipmentRequestDetails": details}))

    def create_shipment(self, body: dict[str, Any]) -> dict[str, Any]:
        """Merchant Fulfillment createShipment: POST /mfn/v0/shipments (an RDT) -> payload Shipment (label bought)."""
        return self._payload("createShipment", self._call("createShipment", "POST", f"{MFN_PATH}/shipments", body=body,
                                                          restricted="mfn"))

    def get_shipment(self, shipment_id: str) -> dict[str, Any]:
        """Merchant Fulfillment getShipment: GET /mfn/v0/shipments/{shipmentId} (an RDT) -> payload Shipment."""
        return self._payload("getShipment", self._call("getShipment", "GET",
                                                       f"{MFN_PATH}/shipments/{quote(shipment_id, safe='')}",
                                                       restricted="mfn"))

    def cancel_shipment(self, shipment_id: str) -> dict[str, Any]:
        """Merchant Fulfillment cancelShipment: DELETE /mfn/v0/shipments/{shipmentId} (an RDT) -> payload Shipment,
        Status RefundPending."""
        return self._payload("cancelShipment", self._call("cancelShipment", "DELETE",
                                                          f"{MFN_PATH}/shipments/{quote(shipment_id, safe='')}",
                                                          restricted="mfn"))

    @staticmethod
    def _payload(operation: str, body: dict[str, Any]) -> dict[str, Any]:
        payload = body.get("payload")
        if not isinstance(payload, dict):
            raise Retryable(f"{operation} answered without a payload object")
        return payload
