"""Lazada Open Platform emulator (auth, orders, products and sellable stock, fulfilment and AWBs, order trace,
reverse orders, throttling, pushes; six ventures) for testing the Lazada connector offline."""

from crossdock.emulators.lazada.app import CallRecord
from crossdock.emulators.lazada.emulator import LazadaEmulator
from crossdock.emulators.lazada.limits import DEFAULT_RATE_LIMIT_BURST, DEFAULT_RATE_LIMIT_RPS
from crossdock.emulators.lazada.regions import AUTH_HOST, VENTURES

__all__ = ["AUTH_HOST", "DEFAULT_RATE_LIMIT_BURST", "DEFAULT_RATE_LIMIT_RPS", "VENTURES", "CallRecord",
           "LazadaEmulator"]
