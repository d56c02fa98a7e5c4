"""Serve the Lazada emulator over HTTP for demos: `python -m crossdock.emulators.lazada --store 1001:SG`.

Loopback ports cannot answer for api.lazada.sg and friends, so point the connector at the path-prefixed form:
base_urls = {SG = "http://127.0.0.1:8102/sg/rest", ...}, auth_url = "http://127.0.0.1:8102/auth/rest".
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence

from crossdock.emulators._common.serve import add_world_options, backfill_window, demo_parser, serve, store_specs
from crossdock.emulators.lazada.emulator import LazadaEmulator
from crossdock.ports.clock import SystemClock

DEMO_APP_KEY = "100001"
# Only for the local demo; the emulator never talks to the real platform.
DEMO_APP_SECRET = "crossdock-lazada-emulator-demo-secret"


def _parser() -> argparse.ArgumentParser:
    parser = demo_parser(__doc__, port=8102)
    parser.add_argument("--app-key", default=DEMO_APP_KEY)
    parser.add_argument("--app-secret", default=DEMO_APP_SECRET)
    add_world_options(parser, flag="--store", metavar="SELLER_ID:REGION", noun="store", orders=200)
    return parser


def build(argv: Sequence[str] | None = None) -> tuple[LazadaEmulator, argparse.Namespace]:
    args = _parser().parse_args(argv)
    emulator = LazadaEmulator(args.app_key, args.app_secret, SystemClock(), args.seed)
    start, end = backfill_window(emulator.now(), args.days)
    for seller_id, region in store_specs(args.store, "SG"):
        emulator.add_store(seller_id, region)
        emulator.generate_orders(seller_id, args.orders, start, end)
    return emulator, args


def main(argv: Sequence[str] | None = None) -> None:
    serve(*build(argv))


if __name__ == "__main__":
    main()
