"""How every command gets its App: settings, logs to stderr, data folder, newest schema."""

from __future__ import annotations

from crossdock.bootstrap import App, bootstrap, configure_logging
from crossdock.persistence.migrate import upgrade
from crossdock.settings import Settings


def open_app(log_level: str = "WARNING") -> App:
    settings = Settings()
    configure_logging(settings, log_level)
    settings.home.mkdir(parents=True, exist_ok=True)
    instance = bootstrap(settings)
    upgrade(instance.engine)   # the embedded database keeps itself current
    return instance
