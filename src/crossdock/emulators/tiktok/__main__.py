"""Serve the TikTok Shop emulator over HTTP for demos: `python -m crossdock.emulators.tiktok --shop 7494:SG`."""

from __future__ import annotations

import argparse
from collections.abc import Sequence

from crossdock.emulators._common.serve import add_world_options, backfill_window, demo_parser, serve, store_specs
from crossdock.emulators.tiktok.emulator import TikTokEmulator
from crossdock.ports.clock import SystemClock

DEMO_APP_KEY = "6d2f0kq8vb3na"
# Only for the local demo; the emulator never talks to the real platform.
DEMO_APP_SECRET = "crossdock-tiktok-emulator-demo-secret"


def _parser() -> argparse.ArgumentParser:
    parser = demo_parser(__doc__, port=8089)
    parser.add_argument("--app-key", default=DEMO_APP_KEY)
    parser.add_argument("--app-secret", default=DEMO_APP_SECRET)
    parser.add_argument("--seller", default="demo-seller", help="the seller account owning every --shop")
    add_world_options(parser, flag="--shop", metavar="SHOP_ID:REGION", noun="shop", orders=200)
    return parser


def build(argv: Sequence[str] | None = None) -> tuple[TikTokEmulator, argparse.Namespace]:
    args = _parser().parse_args(argv)
    emulator = TikTokEmulator(args.app_key, args.app_secret, SystemClock(), args.seed)
    start, end = backfill_window(emulator.now(), args.days)
    for shop_id, region in store_specs(args.shop, "SG"):
        emulator.add_store(shop_id, region, account=args.seller)
        emulator.generate_orders(shop_id, args.orders, start, end)
    return emulator, args


def main(argv: Sequence[str] | None = None) -> None:
    serve(*build(argv))


if __name__ == "__main__":
    main()
