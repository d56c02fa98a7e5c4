"""URL, form and parameter helpers shared by the emulated APIs, consent pages and OAuth endpoints."""

from __future__ import annotations

from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit


def with_query(url: str, params: dict[str, str]) -> str:
    """`url` with `params` appended to whatever query it already has (the consent redirect back to the app)."""
    parts = urlsplit(url)
    query = f"{parts.query}&{urlencode(params)}" if parts.query else urlencode(params)
    return urlunsplit((parts.scheme, parts.netloc, parts.path, query, parts.fragment))


def form_fields(body: bytes | str) -> dict[str, str]:
    """A url-encoded form as a dict; a field given twice keeps its last value."""
    text = body.decode("utf-8", "replace") if isinstance(body, bytes) else body
    return {key: values[-1] for key, values in parse_qs(text).items()}


def int_or_none(raw: object) -> int | None:
    """An integer from a JSON number or a decimal string, as platforms accept either; None for anything else."""
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int):
        return raw
    if isinstance(raw, str):
        try:
            return int(raw.strip())
        except ValueError:
            return None
    return None
