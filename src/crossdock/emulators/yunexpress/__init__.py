"""An emulated YunExpress OMS API (orders, labels, tracking), written from the OMS API document."""

from crossdock.emulators.yunexpress.emulator import YunExpressEmulator

__all__ = ["YunExpressEmulator"]
