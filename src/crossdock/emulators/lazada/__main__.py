"""Serve the Lazada emulator over HTTP for demos: `python -m crossdock.emulators.lazada --store 1001:SG`.

Loopback ports cannot answer for api.lazada.sg and friends, so point the connector at the path-prefixed form:
base_urls = {SG = "http://127.0.0.1:8102/sg/rest", ...}, auth_url = "http://127.0.0.1:8102/auth/rest".
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from datetime import timedelta

from crossdock.emulators.lazada.emulator import LazadaEmulator
from crossdock.ports.clock import SystemClock

DEMO_APP_KEY = "100001"
# Only for the local demo; the emulator never talks to the real platform.
DEMO_APP_SECRET = "crossdock-lazada-emulator-demo-secret"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8102)
    parser.add_argument("--app-key", default=DEMO_APP_KEY)
    parser.add_argument("--app-secret", default=DEMO_APP_SECRET)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--store", action="append", default=[], metavar="SELLER_ID:REGION", help="repeatable")
    parser.add_argument("--orders", type=int, default=200, help="orders per store over the last --days days")
    parser.add_argument("--days", type=float, default=30.0)
    return parser


def build(argv: Sequence[str] | None = None) -> tuple[LazadaEmulator, argparse.Namespace]:
    args = _parser().parse_args(argv)
    emulator = LazadaEmulator(args.app_key, args.app_secret, SystemClock(), args.seed)
    now = emulator.now()
    for spec in args.store:
        seller_id, _, region = str(spec).partition(":")
        emulator.add_store(seller_id, region or "SG")
        emulator.generate_orders(seller_id, args.orders, now - timedelta(days=args.days), now)
    return emulator, args


def main(argv: Sequence[str] | None = None) -> None:
    import uvicorn

    emulator, args = build(argv)
    uvicorn.run(emulator.app, host=args.host, port=args.port)


if __name__ == "__main__":
    main()
