"""What every emulator's `python -m` entry point shares: common options, store specs, serving with uvicorn."""

from __future__ import annotations

import argparse
from datetime import datetime, timedelta
from typing import Protocol

from starlette.types import ASGIApp


class Served(Protocol):
    @property
    def app(self) -> ASGIApp: ...


def demo_parser(description: str | None, port: int) -> argparse.ArgumentParser:
    """A parser with --host and --port; the platform adds its credentials, then `add_world_options`."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=port)
    return parser


def add_world_options(parser: argparse.ArgumentParser, *, flag: str, metavar: str, noun: str, orders: int) -> None:
    """--seed, the repeatable store flag ("ID:REGION"), and how many orders over how many days to back-fill."""
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(flag, action="append", default=[], metavar=metavar, help="repeatable")
    parser.add_argument("--orders", type=int, default=orders, help=f"orders per {noun} over the last --days days")
    parser.add_argument("--days", type=float, default=30.0)


def store_specs(specs: list[str], default_region: str) -> list[tuple[str, str]]:
    """"ID:REGION" arguments as (id, region), the region defaulting when left out."""
    pairs = [str(spec).partition(":") for spec in specs]
    return [(store_id, region or default_region) for store_id, _, region in pairs]


def backfill_window(now: datetime, days: float) -> tuple[datetime, datetime]:
    return now - timedelta(days=days), now


def serve(emulator: Served, args: argparse.Namespace) -> None:
    # Imported here: uvicorn is only needed to serve, not to build an emulator in tests.
    import uvicorn

    uvicorn.run(emulator.app, host=args.host, port=args.port)
