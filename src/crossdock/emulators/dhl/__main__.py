"""Serve the DHL emulator over HTTP for demos: `python -m crossdock.emulators.dhl --port 8093`."""

from __future__ import annotations

import argparse
from collections.abc import Sequence

from crossdock.emulators._common.serve import demo_parser, serve
from crossdock.emulators.dhl.emulator import DhlEmulator
from crossdock.ports.clock import SystemClock

# Only for the local demo; the emulator never talks to DHL.
DEMO_API_KEY = "crossdock-dhl-demo-api-key"
DEMO_USER = "crossdock-demo-user"
DEMO_PASSWORD = "crossdock-dhl-emulator-demo-password"
DEMO_EKP = "3333333333"


def _parser() -> argparse.ArgumentParser:
    parser = demo_parser(__doc__, port=8093)
    parser.add_argument("--api-key", default=DEMO_API_KEY)
    parser.add_argument("--user", default=DEMO_USER)
    parser.add_argument("--password", default=DEMO_PASSWORD)
    parser.add_argument("--ekp", default=DEMO_EKP)
    parser.add_argument("--seed", type=int, default=7)
    return parser


def build(argv: Sequence[str] | None = None) -> tuple[DhlEmulator, argparse.Namespace]:
    args = _parser().parse_args(argv)
    return DhlEmulator(args.api_key, args.user, args.password, args.ekp, clock=SystemClock(), seed=args.seed), args


def main(argv: Sequence[str] | None = None) -> None:
    serve(*build(argv))


if __name__ == "__main__":
    main()
