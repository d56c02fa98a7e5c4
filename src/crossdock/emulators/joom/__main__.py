"""Serve the Joom emulator over HTTP for demos: `python -m crossdock.emulators.joom --store 5f1a:EU`."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from datetime import timedelta

from crossdock.emulators.joom.emulator import DEFAULT_ACCOUNT, JoomEmulator
from crossdock.ports.clock import SystemClock

# Only for the local demo; the emulator never talks to the real platform.
DEMO_CLIENT_ID = "crossdock-joom-demo-client"
DEMO_CLIENT_SECRET = "crossdock-joom-emulator-demo-secret"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8089)
    parser.add_argument("--client-id", default=DEMO_CLIENT_ID)
    parser.add_argument("--client-secret", default=DEMO_CLIENT_SECRET)
    parser.add_argument("--redirect-uri", default="")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--account", default=DEFAULT_ACCOUNT, help="the merchant account owning --store stores")
    parser.add_argument("--store", action="append", default=[], metavar="STORE_ID:REGION", help="repeatable")
    parser.add_argument("--orders", type=int, default=200, help="orders per store over the last --days days")
    parser.add_argument("--days", type=float, default=30.0)
    return parser


def build(argv: Sequence[str] | None = None) -> tuple[JoomEmulator, argparse.Namespace]:
    args = _parser().parse_args(argv)
    emulator = JoomEmulator(args.client_id, args.client_secret, SystemClock(), args.seed, args.redirect_uri)
    now = emulator.now()
    for spec in args.store:
        store_id, _, region = str(spec).partition(":")
        emulator.add_store(store_id, region or "EU", account=args.account)
        emulator.generate_orders(store_id, args.orders, now - timedelta(days=args.days), now)
    return emulator, args


def main(argv: Sequence[str] | None = None) -> None:
    import uvicorn

    emulator, args = build(argv)
    uvicorn.run(emulator.app, host=args.host, port=args.port)


if __name__ == "__main__":
    main()
