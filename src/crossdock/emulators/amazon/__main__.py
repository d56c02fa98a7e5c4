"""Serve the Amazon emulator over HTTP for demos: `python -m crossdock.emulators.amazon --store A1B2C3D4E5F6G7:DE`."""

from __future__ import annotations

import argparse
from collections.abc import Sequence

from crossdock.emulators._common.serve import add_world_options, backfill_window, demo_parser, serve, store_specs
from crossdock.emulators.amazon.emulator import AmazonEmulator
from crossdock.ports.clock import SystemClock

# Only for the local demo; the emulator never talks to the real platform.
DEMO_CLIENT_ID = "amzn1.application-oa2-client.crossdockdemo0000000000000000000"
DEMO_CLIENT_SECRET = "amzn1.oa2-cs.v1.crossdock-amazon-emulator-demo-secret"


def _parser() -> argparse.ArgumentParser:
    parser = demo_parser(__doc__, port=8102)
    parser.add_argument("--client-id", default=DEMO_CLIENT_ID)
    parser.add_argument("--client-secret", default=DEMO_CLIENT_SECRET)
    add_world_options(parser, flag="--store", metavar="SELLER_ID:REGION", noun="store", orders=100)
    return parser


def build(argv: Sequence[str] | None = None) -> tuple[AmazonEmulator, argparse.Namespace]:
    args = _parser().parse_args(argv)
    emulator = AmazonEmulator(args.client_id, args.client_secret, clock=SystemClock(), seed=args.seed)
    start, end = backfill_window(emulator.now(), args.days)
    for seller_id, region in store_specs(args.store, "DE"):
        store = emulator.add_store(seller_id, region)
        emulator.generate_orders(store, args.orders, start, end)
    return emulator, args


def main(argv: Sequence[str] | None = None) -> None:
    serve(*build(argv))


if __name__ == "__main__":
    main()
