"""Platform pushes (webhooks): kept raw first, verified by the platform's connector, deduplicated by the
platform's event id, then the orders they name are pulled at once."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field

import structlog

from crossdock.ports.clock import Clock
from crossdock.ports.marketplace import BadSignature
from crossdock.services.connectors import Connectors
from crossdock.services.order_sync import OrderSync
from crossdock.services.unit_of_work import UowFactory

log = structlog.get_logger(__name__)
# Headers that can carry a secret or a signature are kept out of the stored copy.
_SECRET_HEADERS = frozenset({"authorization", "cookie", "x-tts-access-token", "x-amz-access-token"})


class PushesNotSupported(LookupError):
    pass


@dataclass
class PushReceipt:
    delivery_id: int
    state: str                                   # accepted, rejected, malformed, ignored
    new_events: list[int] = field(default_factory=list)
    duplicates: int = 0
    error: str = ""


class PushService:
    def __init__(self, uow: UowFactory, connectors: Connectors, sync: OrderSync, clock: Clock) -> None:
        self._uow, self._connectors, self._sync, self._clock = uow, connectors, sync, clock

    def receive(self, platform: str, headers: Mapping[str, str], body: bytes, url: str) -> PushReceipt:
        parser = self._connectors.pushes(platform)
        if parser is None:
            raise PushesNotSupported(f"{platform} does not push order changes")
        now = self._clock.now()
        kept = {k.lower(): ("***" if k.lower() in _SECRET_HEADERS else v) for k, v in headers.items()}
        with self._uow() as uow:
            delivery_id = uow.pushes.add_delivery(platform, kept, body.decode("utf-8", "replace"), now)
            uow.commit()
        try:
            events = parser.parse(headers, body, url)
        except BadSignature as exc:
            log.warning("push.rejected", platform=platform, delivery_id=delivery_id, reason=str(exc))
            self._set_delivery(delivery_id, "rejected", str(exc))
            return PushReceipt(delivery_id, "rejected", error=str(exc))
        except Exception as exc:
            # Signed or not, a body the connector cannot read is kept with the reason, never a crash.
            reason = f"{type(exc).__name__}: {exc}"
            log.warning("push.malformed", platform=platform, delivery_id=delivery_id, reason=reason)
            self._set_delivery(delivery_id, "malformed", reason)
            return PushReceipt(delivery_id, "malformed", error=reason)
        receipt = PushReceipt(delivery_id, "accepted" if events else "ignored")
        with self._uow() as uow:
            for ev in events:
                store = uow.stores.by_external(platform, ev.store_external_id)
                eid = uow.pushes.add_event(platform=platform, event_id=ev.event_id, delivery_id=delivery_id,
                                           store_id=store.id if store else None,
                                           platform_order_id=ev.platform_order_id, now=now)
                if eid is None:
                    receipt.duplicates += 1     # the platform re-delivered a push we already have
                elif store is not None:
                    receipt.new_events.append(eid)
            uow.pushes.set_delivery(delivery_id, receipt.state)
            uow.commit()
        return receipt

    def process(self, event_ids: list[int]) -> None:
        """Pull the orders the events name, one batch per store; mark each event done or failed."""
        if not event_ids:
            return
        with self._uow(readonly=True) as uow:
            rows = uow.pushes.events(event_ids)
        by_store: dict[int, list[tuple[int, str]]] = defaultdict(list)
        for r in rows:
            by_store[r.store_id].append((r.id, r.platform_order_id))
        for store_id, items in by_store.items():
            run = self._sync.pull_orders(store_id, [oid for _, oid in items], trigger="push")
            with self._uow() as uow:
                uow.pushes.finish_events([i for i, _ in items], "done" if run.state == "succeeded" else "failed",
                                         run.error, self._clock.now())
                uow.commit()

    def _set_delivery(self, delivery_id: int, state: str, error: str) -> None:
        with self._uow() as uow:
            uow.pushes.set_delivery(delivery_id, state, error)
            uow.commit()
