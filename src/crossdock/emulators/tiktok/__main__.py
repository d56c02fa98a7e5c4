"""Serve the TikTok Shop emulator over HTTP for demos: `python -m crossdock.emulators.tiktok --shop 7494:SG`."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from datetime import timedelta

from crossdock.emulators.tiktok.emulator import TikTokEmulator
from crossdock.ports.clock import SystemClock

DEMO_APP_KEY = "6d2f0kq8vb3na"
# Only for the local demo; the emulator never talks to the real platform.
DEMO_APP_SECRET = "crossdock-tiktok-emulator-demo-secret"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8089)
    parser.add_argument("--app-key", default=DEMO_APP_KEY)
    parser.add_argument("--app-secret", default=DEMO_APP_SECRET)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--seller", default="demo-seller", help="the seller account owning every --shop")
    parser.add_argument("--shop", action="append", default=[], metavar="SHOP_ID:REGION", help="repeatable")
    parser.add_argument("--orders", type=int, default=200, help="orders per shop over the last --days days")
    parser.add_argument("--days", type=float, default=30.0)
    return parser


def build(argv: Sequence[str] | None = None) -> tuple[TikTokEmulator, argparse.Namespace]:
    args = _parser().parse_args(argv)
    emulator = TikTokEmulator(args.app_key, args.app_secret, SystemClock(), args.seed)
    now = emulator.now()
    for spec in args.shop:
        shop_id, _, region = str(spec).partition(":")
        emulator.add_store(shop_id, region or "SG", account=args.seller)
        emulator.generate_orders(shop_id, args.orders, now - timedelta(days=args.days), now)
    return emulator, args


def main(argv: Sequence[str] | None = None) -> None:
    import uvicorn

    emulator, args = build(argv)
    uvicorn.run(emulator.app, host=args.host, port=args.port)


if __name__ == "__main__":
    main()
