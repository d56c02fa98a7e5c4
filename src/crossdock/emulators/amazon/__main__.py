"""Serve the Amazon emulator over HTTP for demos: `python -m crossdock.emulators.amazon --store A1B2C3D4E5F6G7:DE`."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from datetime import timedelta

from crossdock.emulators.amazon.emulator import AmazonEmulator
from crossdock.ports.clock import SystemClock

# Only for the local demo; the emulator never talks to the real platform.
DEMO_CLIENT_ID = "amzn1.application-oa2-client.crossdockdemo0000000000000000000"
DEMO_CLIENT_SECRET = "amzn1.oa2-cs.v1.crossdock-amazon-emulator-demo-secret"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8102)
    parser.add_argument("--client-id", default=DEMO_CLIENT_ID)
    parser.add_argument("--client-secret", default=DEMO_CLIENT_SECRET)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--store", action="append", default=[], metavar="SELLER_ID:REGION", help="repeatable")
    parser.add_argument("--orders", type=int, default=100, help="orders per store over the last --days days")
    parser.add_argument("--days", type=float, default=30.0)
    return parser


def build(argv: Sequence[str] | None = None) -> tuple[AmazonEmulator, argparse.Namespace]:
    args = _parser().parse_args(argv)
    emulator = AmazonEmulator(args.client_id, args.client_secret, clock=SystemClock(), seed=args.seed)
    now = emulator.now()
    for spec in args.store:
        seller_id, _, region = str(spec).partition(":")
        store = emulator.add_store(seller_id, region or "DE")
        emulator.generate_orders(store, args.orders, now - timedelta(days=args.days), now)
    return emulator, args


def main(argv: Sequence[str] | None = None) -> None:
    import uvicorn

    emulator, args = build(argv)
    uvicorn.run(emulator.app, host=args.host, port=args.port)


if __name__ == "__main__":
    main()
