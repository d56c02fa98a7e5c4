"""Loopback ports for tests that serve emulators over real HTTP.

A port the kernel hands out for `bind(0)` comes from its ephemeral range, the same range outgoing
connections (to PostgreSQL, to the emulators themselves) take their source ports from, so it can be
gone again before the server binds it. Tests pick ports below that range instead, each xdist worker
in a slice of its own, and check that the whole block is free.
"""

from __future__ import annotations

import os
import random
import socket
from pathlib import Path

_FLOOR = 20000


def _ephemeral_low() -> int:
    try:
        return int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return 32768


def _worker_slice() -> range:
    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw")
    count = int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1"))
    index = int(worker) if worker.isdigit() else 0
    width = max(200, (_ephemeral_low() - _FLOOR) // max(count, 1))
    start = _FLOOR + index * width
    return range(start, start + width)


def _all_free(first: int, span: int) -> bool:
    socks: list[socket.socket] = []
    try:
        for port in range(first, first + span):
            s = socket.socket()
            socks.append(s)
            s.bind(("127.0.0.1", port))
        return True
    except OSError:
        return False
    finally:
        for s in socks:
            s.close()


def free_ports(span: int = 1) -> int:
    """The first of `span` consecutive free loopback ports (a demo world serves at base + each offset)."""
    slice_ = _worker_slice()
    rng = random.Random()
    for _ in range(200):
        first = rng.randrange(slice_.start, slice_.stop - span)
        if _all_free(first, span):
            return first
    raise RuntimeError(f"no {span} consecutive free ports in {slice_.start}-{slice_.stop}")
