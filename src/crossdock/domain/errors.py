"""Errors raised by domain rules: the caller broke an invariant, retrying will not help."""


class DomainError(ValueError):
    """A value or a command breaks a business rule."""


class InvalidMoney(DomainError):
    pass


class NaiveDatetime(DomainError):
    pass
