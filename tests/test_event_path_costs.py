"""The event path's cheaper mechanics keep their results: the last stamp kept, the counts the
metrics keep in plain numbers, one cursor for the store's statements."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

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


_ZONES = [UTC, ZoneInfo("Asia/Shanghai"), ZoneInfo("Europe/Berlin"), ZoneInfo("America/St_Johns"),
          ZoneInfo("Asia/Kathmandu"), ZoneInfo("Australia/Lord_Howe")]


@settings(max_examples=500, deadline=None)
@given(st.datetimes(min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30)),
       st.sampled_from(_ZONES), st.booleans())
def test_a_stamp_is_the_iso_text_of_its_instant_in_utc(
        wall: datetime, zone: ZoneInfo, fold: bool) -> None:
    """Made from its minute's prefix, a stamp is what isoformat says, in any zone (offsets
    of odd minutes, a repeated or skipped hour), in any year."""
    at = wall.replace(tzinfo=zone, fold=int(fold))
    assert stamp(at) == at.astimezone(UTC).isoformat(timespec="microseconds")
    near = at + timedelta(seconds=7, microseconds=3)  # (the same minute's prefix, most often)
    assert stamp(near) == near.astimezone(UTC).isoformat(timespec="microseconds")


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


_ROWS = {"t": ("CREATE TABLE t (id INTEGER PRIMARY KEY AUTOINCREMENT, a TEXT NOT NULL,"
                " b INTEGER);",)}


async def test_deferred_inserts_go_in_many_rows_a_statement_in_their_order(
        tmp_path: Path) -> None:
    """A batch's deferred inserts (antispam's row per message) are run at the commit as few
    statements of many rows, not one run each; in the order they were deferred, and in order
    with the other deferred writes."""
    store = await store_module.open_store(tmp_path / "t.db", _ROWS)
    runs: list[str] = []
    try:
        store._db.set_trace_callback(runs.append)  # type: ignore[attr-defined]
        async with store.transaction():
            for i in range(300):
                store.defer("INSERT INTO t (a, b) VALUES (?, ?)", (f"r{i}", i))
            store.defer("UPDATE t SET b = b + 1000 WHERE a = ?", ("r299",))
            store.defer("INSERT INTO t (a, b) VALUES (?, ?)", ("last", -1))
        await store.flush()
        store._db.set_trace_callback(None)  # type: ignore[attr-defined]
        rows = await store.all("SELECT id, a, b FROM t ORDER BY id")
        assert rows == [*((i + 1, f"r{i}", i + 1000 * (i == 299)) for i in range(300)),
                        (301, "last", -1)]
        assert sum(run.startswith("INSERT") for run in runs) <= 8  # 128, 128, 32, 8, 4, 1
    finally:
        await store.close()


async def test_a_deferred_insert_that_fails_fails_the_commit_and_the_whole_batch(
        tmp_path: Path) -> None:
    """One bad row among many inserted at once: nothing of the batch is kept, and what it
    changed in memory is undone."""
    store = await store_module.open_store(tmp_path / "t.db", _ROWS)
    undone: list[int] = []
    try:
        with pytest.raises(Exception, match="NOT NULL"):
            async with store.transaction():
                for i in range(20):
                    store.defer("INSERT INTO t (a, b) VALUES (?, ?)",
                                (None if i == 13 else f"r{i}", i))
                    store.on_undo(lambda i=i: undone.append(i))
            await store.flush()
        assert await store.all("SELECT * FROM t") == []
        assert undone == list(range(19, -1, -1))
    finally:
        await store.close()
