"""Shopee Open Platform v2 emulator (auth, orders, products and stock, logistics and air waybills, returns) for
testing the Shopee connector offline."""

from crossdock.emulators.shopee.app import CallRecord
from crossdock.emulators.shopee.emulator import ShopeeEmulator
from crossdock.emulators.shopee.limits import DEFAULT_RATE_LIMIT_BURST, DEFAULT_RATE_LIMIT_RPS
from crossdock.emulators.shopee.transport import ASGISyncTransport

__all__ = [
    "DEFAULT_RATE_LIMIT_BURST",
    "DEFAULT_RATE_LIMIT_RPS",
    "ASGISyncTransport",
    "CallRecord",
    "ShopeeEmulator",
]
