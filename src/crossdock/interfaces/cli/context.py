"""How every command gets its App (settings, logs to stderr, data folder, newest schema) and fails cleanly."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated

import typer
from rich.markup import escape

from crossdock.bootstrap import App, bootstrap, configure_logging
from crossdock.domain.errors import DomainError
from crossdock.interfaces.cli.render import err
from crossdock.persistence.migrate import upgrade
from crossdock.services.errors import InvalidInput, NotFound, PlatformUnavailable
from crossdock.settings import Settings

JsonOpt = Annotated[bool, typer.Option("--json", help="machine-readable output")]


def open_app(log_level: str = "WARNING") -> App:
    settings = Settings()
    configure_logging(settings, log_level)
    settings.home.mkdir(parents=True, exist_ok=True)
    instance = bootstrap(settings)
    upgrade(instance.engine)   # the embedded database keeps itself current
    return instance


def fail(message: str, code: int = 1) -> typer.Exit:
    err.print(f"[red]error:[/] {escape(message)}")
    return typer.Exit(code)


@contextmanager
def opened(log_level: str = "WARNING") -> Iterator[App]:
    """The App for one command; what a service refuses (unknown, invalid, platform down) ends it with a message."""
    instance = open_app(log_level)
    try:
        yield instance
    except (NotFound, InvalidInput, DomainError, PlatformUnavailable) as exc:
        raise fail(str(exc)) from None
    finally:
        instance.close()
