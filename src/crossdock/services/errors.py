"""Errors services raise for the interfaces to translate (404, 409, …)."""


class NotFound(LookupError):
    pass
