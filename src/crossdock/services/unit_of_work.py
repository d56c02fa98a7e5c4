"""How services open a unit of work; the composition root decides which."""

from __future__ import annotations

from collections.abc import Callable

from crossdock.persistence.uow import UnitOfWork

UowFactory = Callable[..., UnitOfWork]
