"""Re-export of the in-process ASGI transport, kept for callers that import it from the Shopee emulator."""

from crossdock.emulators._common.transport import ASGISyncTransport

__all__ = ["ASGISyncTransport"]
