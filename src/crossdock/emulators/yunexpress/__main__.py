"""Serve the YunExpress emulator over HTTP for demos: `python -m crossdock.emulators.yunexpress --port 8094`."""

from __future__ import annotations

import argparse
from collections.abc import Sequence

from crossdock.emulators._common.serve import demo_parser, serve
from crossdock.emulators.yunexpress.emulator import YunExpressEmulator
from crossdock.ports.clock import SystemClock

# Only for the local demo; the emulator never talks to YunExpress.
DEMO_CUSTOMER_CODE = "CN0000001"
DEMO_API_SECRET = "crossdock-yunexpress-demo-secret"


def _parser() -> argparse.ArgumentParser:
    parser = demo_parser(__doc__, port=8094)
    parser.add_argument("--customer-code", default=DEMO_CUSTOMER_CODE)
    parser.add_argument("--api-secret", default=DEMO_API_SECRET)
    parser.add_argument("--seed", type=int, default=7)
    return parser


def build(argv: Sequence[str] | None = None) -> tuple[YunExpressEmulator, argparse.Namespace]:
    args = _parser().parse_args(argv)
    return YunExpressEmulator(args.customer_code, args.api_secret, clock=SystemClock(), seed=args.seed), args


def main(argv: Sequence[str] | None = None) -> None:
    serve(*build(argv))


if __name__ == "__main__":
    main()
