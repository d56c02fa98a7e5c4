"""Serve the Shopee emulator over HTTP for demos: `python -m crossdock.emulators.shopee --shop 1001:SG`."""

from __future__ import annotations

import argparse
from collections.abc import Sequence

from crossdock.emulators._common.serve import add_world_options, backfill_window, demo_parser, serve, store_specs
from crossdock.emulators.shopee.emulator import ShopeeEmulator
from crossdock.ports.clock import SystemClock

DEMO_PARTNER_ID = 2001887
# Only for the local demo; the emulator never talks to the real platform.
DEMO_PARTNER_KEY = "crossdock-shopee-emulator-demo-key"


def _parser() -> argparse.ArgumentParser:
    parser = demo_parser(__doc__, port=8088)
    parser.add_argument("--partner-id", type=int, default=DEMO_PARTNER_ID)
    parser.add_argument("--partner-key", default=DEMO_PARTNER_KEY)
    add_world_options(parser, flag="--shop", metavar="SHOP_ID:REGION", noun="shop", orders=200)
    return parser


def build(argv: Sequence[str] | None = None) -> tuple[ShopeeEmulator, argparse.Namespace]:
    args = _parser().parse_args(argv)
    emulator = ShopeeEmulator(args.partner_id, args.partner_key, SystemClock(), args.seed)
    start, end = backfill_window(emulator.now(), args.days)
    for shop_id, region in store_specs(args.shop, "SG"):
        emulator.add_shop(int(shop_id), region)
        emulator.generate_orders(int(shop_id), args.orders, start, end)
    return emulator, args


def main(argv: Sequence[str] | None = None) -> None:
    serve(*build(argv))


if __name__ == "__main__":
    main()
