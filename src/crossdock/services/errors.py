"""Errors services raise for the interfaces to translate (404, 409, …)."""


class NotFound(LookupError):
    pass


class InvalidInput(ValueError):
    """What a person or program sent cannot be used as it is (answered 422, never a crash)."""


class PlatformRefused(InvalidInput):
    """The platform turned down what the seller gave us (an authorization code, credentials)."""


class PlatformUnavailable(RuntimeError):
    """The platform did not answer in time or failed; trying again later may work."""
