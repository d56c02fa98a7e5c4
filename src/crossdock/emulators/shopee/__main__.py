"""Serve the Shopee emulator over HTTP for demos: `python -m crossdock.emulators.shopee --shop 1001:SG`."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from datetime import timedelta

from crossdock.emulators.shopee.emulator import ShopeeEmulator
from crossdock.ports.clock import SystemClock

DEMO_PARTNER_ID = 2001887
# Only for the local demo; the emulator never talks to the real platform.
DEMO_PARTNER_KEY = "crossdock-shopee-emulator-demo-key"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8088)
    parser.add_argument("--partner-id", type=int, default=DEMO_PARTNER_ID)
    parser.add_argument("--partner-key", default=DEMO_PARTNER_KEY)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--shop", action="append", default=[], metavar="SHOP_ID:REGION", help="repeatable")
    parser.add_argument("--orders", type=int, default=200, help="orders per shop over the last --days days")
    parser.add_argument("--days", type=float, default=30.0)
    return parser


def build(argv: Sequence[str] | None = None) -> tuple[ShopeeEmulator, argparse.Namespace]:
    args = _parser().parse_args(argv)
    emulator = ShopeeEmulator(args.partner_id, args.partner_key, SystemClock(), args.seed)
    now = emulator.now()
    for spec in args.shop:
        shop_id, _, region = str(spec).partition(":")
        emulator.add_shop(int(shop_id), region or "SG")
        emulator.generate_orders(int(shop_id), args.orders, now - timedelta(days=args.days), now)
    return emulator, args


def main(argv: Sequence[str] | None = None) -> None:
    import uvicorn

    emulator, args = build(argv)
    uvicorn.run(emulator.app, host=args.host, port=args.port)


if __name__ == "__main__":
    main()
