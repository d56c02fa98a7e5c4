"""URL and form helpers shared by the emulated consent pages and OAuth endpoints."""

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
