"""Serve the Joom emulator over HTTP for demos: `python -m crossdock.emulators.joom --store 5f1a:EU`."""

from __future__ import annotations

import argparse
from collections.abc import Sequence

from crossdock.emulators._common.serve import add_world_options, backfill_window, demo_parser, serve, store_specs
from crossdock.emulators.joom.emulator import DEFAULT_ACCOUNT, JoomEmulator
from crossdock.ports.clock import SystemClock

# Only for the local demo; the emulator never talks to the real platform.
DEMO_CLIENT_ID = "crossdock-joom-demo-client"
DEMO_CLIENT_SECRET = "crossdock-joom-emulator-demo-secret"


def _parser() -> argparse.ArgumentParser:
    parser = demo_parser(__doc__, port=8089)
    parser.add_argument("--client-id", default=DEMO_CLIENT_ID)
    parser.add_argument("--client-secret", default=DEMO_CLIENT_SECRET)
    parser.add_argument("--redirect-uri", default="")
    parser.add_argument("--account", default=DEFAULT_ACCOUNT, help="the merchant account owning --store stores")
    add_world_options(parser, flag="--store", metavar="STORE_ID:REGION", noun="store", orders=200)
    return parser


def build(argv: Sequence[str] | None = None) -> tuple[JoomEmulator, argparse.Namespace]:
    args = _parser().parse_args(argv)
    emulator = JoomEmulator(args.client_id, args.client_secret, SystemClock(), args.seed, args.redirect_uri)
    start, end = backfill_window(emulator.now(), args.days)
    for store_id, region in store_specs(args.store, "EU"):
        emulator.add_store(store_id, region, account=args.account)
        emulator.generate_orders(store_id, args.orders, start, end)
    return emulator, args


def main(argv: Sequence[str] | None = None) -> None:
    serve(*build(argv))


if __name__ == "__main__":
    main()
