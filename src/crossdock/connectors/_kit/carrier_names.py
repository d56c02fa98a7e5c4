"""Our carrier in a marketplace's list of shipping providers: names compared by their letters and digits alone
("DHL eCommerce", "dhl_ecommerce" and "DHLeCommerce" are one), through the platform's own aliases."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

_NOT_LETTER_OR_DIGIT = re.compile(r"[^a-z0-9]")


def carrier_key(name: str) -> str:
    """A carrier name or code with case, spaces and punctuation left out."""
    return _NOT_LETTER_OR_DIGIT.sub("", name.lower())


def match_provider(providers: Sequence[Mapping[str, Any]], carrier_code: str, carrier_name: str,
                   aliases: Mapping[str, str]) -> dict[str, str] | None:
    """The provider ({"id", "name"}) whose name is our carrier's code or name, or what the platform calls it
    (`aliases`: our key -> the platform's key); None when the platform lists no such provider."""
    wanted = {carrier_key(carrier_code), carrier_key(carrier_name)} - {""}
    wanted |= {aliases[w] for w in wanted if w in aliases}
    for provider in providers:
        name, provider_id = str(provider.get("name") or ""), str(provider.get("id") or "")
        if provider_id and carrier_key(name) in wanted:
            return {"id": provider_id, "name": name}
    return None
