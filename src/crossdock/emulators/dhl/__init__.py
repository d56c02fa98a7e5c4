"""An emulated DHL Parcel DE Shipping v2 and Shipment Tracking - Unified API, from DHL's OpenAPI descriptions."""

from crossdock.emulators.dhl.emulator import DhlEmulator

__all__ = ["DhlEmulator"]
