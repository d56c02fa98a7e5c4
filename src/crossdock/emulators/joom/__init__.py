"""Joom for Merchants API emulator (v2 OAuth, v3 orders, stores and products) for testing the Joom connector offline."""

from crossdock.emulators.joom.app import CallRecord
from crossdock.emulators.joom.emulator import DEFAULT_ACCOUNT, JoomEmulator

__all__ = ["DEFAULT_ACCOUNT", "CallRecord", "JoomEmulator"]
