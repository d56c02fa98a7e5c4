"""Work sent to marketplaces in lanes: one per token owner (a store, or the account its tokens belong to), lanes
side by side, each lane's items one after the other, so a token refresh never races another and one slow store
holds no other back."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from crossdock.services.stores import StoreService


def run_in_lanes(stores: StoreService, items: Sequence[dict[str, Any]],
                 work: Callable[[list[dict[str, Any]]], None], workers: int) -> None:
    """Call `work` once per lane with that lane's items (each a row with a `store_id`), in order."""
    lanes: dict[tuple[str, int], list[dict[str, Any]]] = defaultdict(list)
    for item in items:
        lanes[stores.token_owner(stores.get(item["store_id"]))].append(item)
    if not lanes:
        return
    with ThreadPoolExecutor(max_workers=max(1, min(workers, len(lanes)))) as pool:
        list(pool.map(work, lanes.values()))
