"""Where doc_url points: signed, expiring object-storage URLs that serve a package's shipping document.

The docs' doc_url is an object-storage URL valid 24 hours ("https://magelng.bytedance.net2/wsos_v2/
oec_fulfillment_doc_tts/object/wsos641232"); it needs no TikTok signature or token, so the emulator serves the
same path on its own host, the object name carrying what to render and until when, signed with a key of its own.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from typing import TYPE_CHECKING

from starlette.responses import Response

from crossdock.emulators._common.carrier_labels import A5, A6, render_labels
from crossdock.emulators.tiktok import shipping
from crossdock.emulators.tiktok.world import Order

if TYPE_CHECKING:
    from crossdock.emulators.tiktok.emulator import TikTokEmulator

DOCUMENT_PATH = "/wsos_v2/oec_fulfillment_doc_tts/object/{token}"
# document_size: "A6 (Default)" or "A5"; A6 is drawn on the 100 x 150 mm thermal-label page.
PAGE_SIZES = {"A6": A6, "A5": A5}
_DENIED = b'<?xml version="1.0" encoding="UTF-8"?><Error><Code>AccessDenied</Code><Message>Request has expired' \
          b'</Message></Error>'


def _signature(key: bytes, blob: str) -> str:
    return hmac.new(key, blob.encode(), hashlib.sha256).hexdigest()[:32]


def document_url(key: bytes, base_url: str, shop_id: str, package_id: str, document_type: str, size: str,
                 expires: int) -> str:
    state = json.dumps({"s": shop_id, "p": package_id, "t": document_type, "z": size, "e": expires},
                       separators=(",", ":"))
    blob = base64.urlsafe_b64encode(state.encode()).decode().rstrip("=")
    return f"{base_url.rstrip('/')}{DOCUMENT_PATH.format(token=f'wsos{blob}.{_signature(key, blob)}')}"


def serve_document(emu: TikTokEmulator, token: str) -> Response:
    """The PDF a doc_url names; 403 as object storage answers when the URL is forged or its 24 hours are over."""
    blob, _, signature = token.removeprefix("wsos").partition(".")
    if not hmac.compare_digest(signature, _signature(emu.url_key, blob)):
        return Response(_DENIED, status_code=403, media_type="application/xml")
    try:
        state = json.loads(base64.urlsafe_b64decode(blob + "=" * (-len(blob) % 4)))
        shop_id, package_id = str(state["s"]), str(state["p"])
        document_type, size, expires = str(state["t"]), str(state["z"]), int(state["e"])
    except (binascii.Error, UnicodeDecodeError, ValueError, KeyError, TypeError):
        return Response(_DENIED, status_code=403, media_type="application/xml")
    if int(emu.now().timestamp()) >= expires:
        return Response(_DENIED, status_code=403, media_type="application/xml")
    shop = emu.world.shops.get(shop_id)
    order = None
    if shop is not None:
        order = next((o for o in shop.orders.values() if isinstance(o, Order) and package_id in o.package_ids), None)
    if shop is None or order is None:
        return Response(b"<Error><Code>NoSuchKey</Code></Error>", status_code=404, media_type="application/xml")
    pages = shipping.document_pages(shop, order, order.package_ids.index(package_id), document_type)
    if not pages:
        return Response(b"<Error><Code>NoSuchKey</Code></Error>", status_code=404, media_type="application/xml")
    pdf = render_labels(pages, page_size=PAGE_SIZES.get(size, A6), title=f"{document_type} {package_id}")
    return Response(pdf, media_type="application/pdf",
                    headers={"Content-Disposition": f'inline; filename="{package_id}.pdf"'})
