"""The REST API (FastAPI): request -> service -> response; errors as RFC 9457 problem+json."""
