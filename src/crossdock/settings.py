"""Settings from CROSSDOCK_* environment variables and a TOML file (CROSSDOCK_CONFIG, default var/crossdock.toml)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from pydantic import Field, SecretStr
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

DEFAULT_HOME = Path("var")


def config_path() -> Path:
    return Path(os.environ.get("CROSSDOCK_CONFIG", str(DEFAULT_HOME / "crossdock.toml")))


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CROSSDOCK_", env_nested_delimiter="__", extra="ignore")

    home: Path = DEFAULT_HOME
    database_url: str = f"sqlite:///{DEFAULT_HOME / 'crossdock.db'}"
    # Fernet key for platform tokens at rest; `crossdock init` writes one to <home>/secret.key when unset.
    secret_key: SecretStr | None = None
    api_host: str = "127.0.0.1"
    api_port: int = 8000
    demo_emulator_port: int = 8101
    # The address platforms reach us at (behind a proxy it differs from what we see); pushes are signed over it.
    public_url: str | None = None
    sync_interval_seconds: int = 300
    sync_overlap_minutes: int = 10
    initial_lookback_days: int = 30
    log_level: str = "INFO"
    log_json: bool = False
    # Per platform: the seller's app credentials, e.g. [connectors.shopee] partner_id, partner_key, base_url
    connectors: dict[str, dict[str, Any]] = Field(default_factory=dict)

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (init_settings, env_settings, TomlConfigSettingsSource(settings_cls, toml_file=config_path()))

    @property
    def secret_key_file(self) -> Path:
        return self.home / "secret.key"
