"""TikTok Shop Partner API (202309) emulator: auth host, authorized shops, orders and webhooks, offline."""

from crossdock.emulators.tiktok.app import CallRecord
from crossdock.emulators.tiktok.emulator import TikTokEmulator
from crossdock.emulators.tiktok.limits import DEFAULT_RATE_LIMIT_BURST, DEFAULT_RATE_LIMIT_RPS

__all__ = ["DEFAULT_RATE_LIMIT_BURST", "DEFAULT_RATE_LIMIT_RPS", "CallRecord", "TikTokEmulator"]
