"""The event path's cheaper mechanics keep their results: the last stamp kept, the counts the
metrics keep in plain numbers, one cursor for the store's statements."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot import metrics as metrics_module
from bot import store as store_module
from bot.events import Member, Message, Tick
from bot.metrics import Metrics
from bot.times import stamp


def test_a_stamp_is_of_its_own_time_never_of_an_equal_looking_one() -> None:
    """The repeated hour of a night clocks go back: the two 01:30s compare equal in their
    zone, but they are an hour apart, and so are their stamps (the stamp kept is the very
    time's, not an equal one's)."""
    berlin = ZoneInfo("Europe/Berlin")
    first = datetime(2026, 10, 25, 2, 30, tzinfo=berlin)
    second = first.replace(fold=1)
    assert first == second
    assert stamp(first) == "2026-10-25T00:30:00.000000+00:00"
    assert stamp(second) == "2026-10-25T01:30:00.000000+00:00"
    assert stamp(first) == "2026-10-25T00:30:00.000000+00:00"
    later = datetime(2026, 10, 25, 1, 30, 0, 5, tzinfo=UTC)
    assert stamp(later) == stamp(later) == "2026-10-25T01:30:00.000005+00:00"


def _sample(text: str, name: str) -> float:
    found = re.search(rf"^{re.escape(name)} (\S+)$", text, re.MULTILINE)
    return float(found[1]) if found else 0.0


def test_events_are_counted_by_kind_and_their_times_fall_in_their_buckets(
        monkeypatch: pytest.MonkeyPatch) -> None:
    metrics = Metrics()
    at = datetime(2026, 11, 23, 1, 0, tzinfo=UTC)
    message = Message(at, "g", Member("alice", "Alice"), "hi")
    tick = Tick(at, "g", "push", "daily", at)
    times = iter([10.0, 10.0005, 20.0, 20.003, 30.0, 33.0])  # 0.5 ms, 3 ms, 3 s
    monkeypatch.setattr(metrics_module.time, "perf_counter", lambda: next(times))
    for event in (message, message, tick):
        with metrics.handling(event):
            pass
    monkeypatch.undo()
    text = metrics.text().decode()
    assert _sample(text, 'groupbot_events_handled_total{kind="message"}') == 2
    assert _sample(text, 'groupbot_events_handled_total{kind="tick"}') == 1
    bucket = "groupbot_event_handling_seconds_bucket"
    assert _sample(text, f'{bucket}{{le="0.001"}}') == 1
    assert _sample(text, f'{bucket}{{le="0.0025"}}') == 1
    assert _sample(text, f'{bucket}{{le="0.005"}}') == 2
    assert _sample(text, f'{bucket}{{le="2.5"}}') == 2
    assert _sample(text, f'{bucket}{{le="+Inf"}}') == 3
    assert _sample(text, "groupbot_event_handling_seconds_count") == 3
    assert abs(_sample(text, "groupbot_event_handling_seconds_sum") - 3.0035) < 1e-9


async def test_a_row_read_alone_leaves_no_read_open_to_hold_the_wal_back(
        tmp_path: Path) -> None:
    """`one` reads the first of several rows and leaves no statement open: a read left open
    would keep the WAL from being checkpointed (it holds its snapshot)."""
    path = tmp_path / "t.db"
    store = await store_module.open_store(path, {"t": ("CREATE TABLE t (a INTEGER);",)})
    try:
        await store.executemany("INSERT INTO t VALUES (?)", [(1,), (2,), (3,)])
        await store.flush()
        assert await store.one("SELECT a FROM t ORDER BY a") == (1,)
        other = await store_module.open_store(path, {"t": ("CREATE TABLE t (a INTEGER);",)})
        try:
            assert await other.one("PRAGMA wal_checkpoint(TRUNCATE)") == (0, 0, 0)
        finally:
            await other.close()
    finally:
        await store.close()
