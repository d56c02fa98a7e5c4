"""The in-process runner keeps one pending job per identity key."""

from __future__ import annotations

import threading

from crossdock.jobs.runner import JobRunner


def test_same_key_is_not_queued_twice_while_pending() -> None:
    runner = JobRunner(workers=2)
    gate = threading.Event()
    calls: list[str] = []

    def job(name: str) -> str:
        gate.wait(5)
        calls.append(name)
        return name

    first, queued_first = runner.submit("orders:1", lambda: job("a"))
    second, queued_second = runner.submit("orders:1", lambda: job("b"))
    other, queued_other = runner.submit("orders:2", lambda: job("c"))
    assert queued_first and not queued_second and queued_other
    assert second is first and runner.pending() == ["orders:1", "orders:2"]
    gate.set()
    assert first.result(5) == "a" and other.result(5) == "c"
    # once done, the key is free again
    again, queued_again = runner.submit("orders:1", lambda: job("d"))
    assert queued_again and again.result(5) == "d"
    assert sorted(calls) == ["a", "c", "d"]
    runner.shutdown()
