"""The query side the Return and Refund API's searches share (Search Returns, Search Cancellations): page_size,
sort_field and sort_order in the query string, the create_time/update_time ge/lt bounds in the body, and keyset pages
behind an opaque page_token.

Followed: the Search Returns and Search Cancellations pages (sort_field create_time|update_time default create_time,
sort_order ASC|DESC default ASC, page_size sent as a string, default 10, each page its own range). Search Returns
says "If create_time_ge is filled but create_time_le is empty, create_time_le will default to the current time" and
an lt without a ge starts at "the earliest shop time"; Search Cancellations says nothing about defaults, so both
follow that rule, and a search with neither bound has no time condition.

The page_token is ours: the last key served and a hash of the query, so a token only continues the search it came
from. Each caller passes `fail`, turning a detail into its own error (the error code is the endpoint's).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from crossdock.emulators._common.web import int_or_none
from crossdock.emulators.tiktok.world import Order

Fail = Callable[[str], Exception]
Key = tuple[int, str]               # (the sort field's time, the record's id): unique, so pages never overlap
Match = tuple[Key, dict[str, Any]]
SORT_FIELDS = ("create_time", "update_time")
SORT_ORDERS = ("ASC", "DESC")
BOUNDS = ("create_time_ge", "create_time_lt", "update_time_ge", "update_time_lt")


@dataclass(frozen=True)
class PageSizes:
    least: int
    most: int
    default: int


def list_param(body: Mapping[str, Any], name: str, fail: Fail, allowed: Sequence[str] = ()) -> frozenset[str]:
    """A filter given as a list of strings (of `allowed` values where there are such); empty when absent."""
    value = body.get(name)
    if value is None:
        return frozenset()
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise fail(f"{name} must be a list of strings.")
    if allowed and any(v not in allowed for v in value):
        raise fail(f"{name} has an unknown value.")
    return frozenset(value)


class Case(Protocol):
    """A return or a cancellation: what a search reads of it."""

    @property
    def order_id(self) -> str: ...
    @property
    def create_time(self) -> int: ...
    @property
    def update_time(self) -> int: ...
    def payload(self, order: Order) -> dict[str, Any]: ...
    def facets(self, order: Order) -> tuple[str, Mapping[str, str]]:
        """The case's id, and its value for each list filter of its search (filter name -> value)."""


@dataclass(frozen=True)
class SearchPage:
    size: int
    sort_field: str
    descending: bool
    bounds: Mapping[str, int]
    chosen: Mapping[str, frozenset[str]]        # list filter -> the values asked for (empty: any)
    query_hash: str
    after: Key | None
    now: int

    @classmethod
    def parse(cls, query: Mapping[str, str], body: Mapping[str, Any], now: int, sizes: PageSizes,
              filters: Mapping[str, Sequence[str]], fail: Fail) -> SearchPage:
        """The query string and the body: time bounds, then the list filters (name -> the values each allows,
        none: any string), then the page_token, each refused through `fail` in that order."""
        size = int_or_none(query.get("page_size") or str(sizes.default))
        if size is None or not sizes.least <= size <= sizes.most:
            raise fail(f"page_size must be between {sizes.least} and {sizes.most}.")
        sort_field = query.get("sort_field") or "create_time"
        if sort_field not in SORT_FIELDS:
            raise fail("sort_field must be create_time or update_time.")
        sort_order = query.get("sort_order") or "ASC"
        if sort_order not in SORT_ORDERS:
            raise fail("sort_order must be ASC or DESC.")
        query_hash = hashlib.sha256(json.dumps([sort_field, sort_order, sorted(body.items(), key=str)],
                                               default=str).encode()).hexdigest()[:16]
        bounds = _bounds(body, fail)
        chosen = {name: list_param(body, name, fail, allowed) for name, allowed in filters.items()}
        after = _after(query["page_token"], query_hash, fail) if query.get("page_token") else None
        return cls(size, sort_field, sort_order == "DESC", bounds, chosen, query_hash, after, now)

    def in_window(self, create_time: int, update_time: int) -> bool:
        return self._within("create_time", create_time) and self._within("update_time", update_time)

    def key(self, create_time: int, update_time: int, record_id: str) -> Key:
        return create_time if self.sort_field == "create_time" else update_time, record_id

    def select(self, orders: Mapping[str, object], cases: Iterable[Case]) -> list[Match]:
        """The cases of the shop's own orders the search finds, each with its sort key and payload."""
        matches: list[Match] = []
        for case in cases:
            order = orders.get(case.order_id)
            if not isinstance(order, Order) or not self.in_window(case.create_time, case.update_time):
                continue
            record_id, values = case.facets(order)
            if all(not chosen or values[name] in chosen for name, chosen in self.chosen.items()):
                matches.append((self.key(case.create_time, case.update_time, record_id), case.payload(order)))
        return matches

    def page(self, matches: list[Match], list_name: str) -> dict[str, Any]:
        """The page after the page_token's key: `{list_name: [...], total_count, next_page_token}`."""
        after = self.after
        ordered = sorted(matches, key=lambda pair: pair[0], reverse=self.descending)
        rest = ordered if after is None else [m for m in ordered if (m[0] < after if self.descending
                                                                     else m[0] > after)]
        page = rest[:self.size]
        return {list_name: [payload for _, payload in page], "total_count": len(ordered),
                "next_page_token": _token(page[-1][0], self.query_hash) if len(rest) > self.size else ""}

    def _within(self, prefix: str, moment: int) -> bool:
        # "If *_ge is filled but *_lt is empty, *_lt will default to the current time", and the reverse to the
        # shop's earliest time; neither is no condition at all.
        ge, lt = self.bounds.get(f"{prefix}_ge"), self.bounds.get(f"{prefix}_lt")
        if ge is None and lt is None:
            return True
        return (ge if ge is not None else 0) <= moment < (lt if lt is not None else self.now + 1)


def _bounds(body: Mapping[str, Any], fail: Fail) -> dict[str, int]:
    bounds: dict[str, int] = {}
    for name in BOUNDS:
        value = body.get(name)
        if value is not None:
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise fail(f"{name} must be a Unix timestamp.")
            bounds[name] = value
    return bounds


def _after(token: str, query_hash: str, fail: Fail) -> Key:
    try:
        data = json.loads(base64.b64decode(token, validate=True))
        value, record_id = data["k"]
        if data["q"] != query_hash:
            raise ValueError("page_token of another query")
        return int(value), str(record_id)
    except (binascii.Error, UnicodeDecodeError, ValueError, KeyError, TypeError):
        raise fail("page_token is invalid.") from None


def _token(key: Key, query_hash: str) -> str:
    return base64.b64encode(json.dumps({"k": list(key), "q": query_hash}, separators=(",", ":")).encode()).decode()
