"""The copy in memory of antispam_recent (handlers/recent.py) never differs from what is
committed: a handler that raised, an event rolled back, a restart, another account's process
serving the group meanwhile, an `acted` taken back, a sweep not committed yet. And the store's
journal under it (`Store.defer`, `Store.on_undo`) on both backends."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime, timedelta, tzinfo
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import yaml
from harness import BOT_YAML, Harness, write_config
from hypothesis import given, settings
from hypothesis import strategies as st
from test_accounts import TAKEOVER, Accounts

from bot.adapters.base import GatewayError
from bot.events import Kind, Message
from bot.moderation import Moderator
from bot.store import Store, StoreError, open_store
from bot.times import instant, micros, stamp_of
from handlers import recent
from handlers.antispam import Antispam
from handlers.keywords import Keywords

pytestmark = pytest.mark.usefixtures("backend")  # on SQLite, then on PostgreSQL

# a flood is a fourth message within the hour (long enough for leases to change hands)
TYPE = """\
handlers:
  - antispam:
      warn_limit: 5
      flood: {messages: 3, within: 1h}
  - keywords:
      rules: [{patterns: [怎么报名], reply: 发送报名即可}]
"""
FLOOD = "刷屏"


def _config(tmp_path: Path) -> Path:
    return write_config(tmp_path / "config", BOT_YAML, {"recruitment": TYPE})


def _floods(texts: list[str]) -> int:
    return sum(FLOOD in text for text in texts)


async def same(store: Store) -> None:
    """Commit, then every group's copy holds exactly the group's rows in the table."""
    await store.flush()
    for group, rows in recent.copy_of(store).windows.items():
        acted = dict(await store.all("SELECT member, upto FROM antispam_acted WHERE grp=?",
                                     (group,)))
        table = sorted((member, message, instant(at), digest, row <= acted.get(member, 0),
                        kind) for row, member, message, at, digest, kind in await store.all(
                           "SELECT id, member, message, at, digest, kind FROM antispam_recent"
                           " WHERE grp=?", (group,)))
        copy = sorted((s.member, s.message, instant(stamp_of(s.at)), s.digest, s.acted,
                       s.kind) for saids in rows.members.values() for s in saids)
        assert copy == table, group
        assert sorted(id(s) for saids in rows.texts.values() for s in saids) == sorted(
            id(s) for saids in rows.members.values() for s in saids)


def _failing(monkeypatch: pytest.MonkeyPatch, cls: type[Any], method: str, text: str,
             error: Exception) -> None:
    """cls.method raises `error` while handling a message saying `text`."""
    original: Callable[..., Awaitable[Any]] = getattr(cls, method)

    async def failing(self: Any, event: Any, *args: Any) -> Any:
        if isinstance(event, Message) and event.text == text:
            raise error
        return await original(self, event, *args)

    monkeypatch.setattr(cls, method, failing)


async def test_a_message_whose_handler_raised_does_not_count(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # raised after the message was counted: its savepoint takes the count back too
    original = Antispam.detect

    def detect(self: Antispam, event: Message, text: str, names: Sequence[str] = ()) -> Any:
        if text == "boom":
            raise RuntimeError("a bug")
        return original(self, event, text, names)

    monkeypatch.setattr(Antispam, "detect", detect)
    async with Harness(_config(tmp_path), tmp_path) as h:
        for text in ("一", "二", "boom", "三"):
            await h.say("r1", "alice", text)
        await same(h.bot.store)
        await h.drain()
        assert _floods(h.texts("r1")) == 0  # three messages, not four
        await h.say("r1", "alice", "四")
        await h.drain()
        assert _floods(h.texts("r1")) == 1
        await same(h.bot.store)


@pytest.mark.parametrize("alone", [False, True], ids=["in-a-batch", "first-of-its-batch"])
async def test_a_message_whose_event_was_rolled_back_does_not_count(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, alone: bool) -> None:
    # antispam is done with it; a later handler finds the platform away: the whole event
    # is undone (bot/pipeline.py), antispam's count with it
    _failing(monkeypatch, Keywords, "handle", "怎么报名", GatewayError("away"))
    async with Harness(_config(tmp_path), tmp_path) as h:
        for text in ("一", "二"):
            await h.say("r1", "alice", text)
        if alone:
            await h.bot.store.flush()
        with pytest.raises(GatewayError):
            await h.say("r1", "alice", "怎么报名")
        await h.say("r1", "alice", "三")
        await same(h.bot.store)
        await h.drain()
        assert _floods(h.texts("r1")) == 0
        await h.say("r1", "alice", "四")
        await h.drain()
        assert _floods(h.texts("r1")) == 1
        await same(h.bot.store)


async def test_the_count_is_read_again_after_a_restart(tmp_path: Path) -> None:
    async with Harness(_config(tmp_path), tmp_path) as h:
        for text in ("一", "二", "三"):
            await h.say("r1", "alice", text)
        await h.restart()
        await h.say("r1", "alice", "四")
        await h.drain()
        assert _floods(h.texts("r1")) == 1
        await same(h.bot.store)


async def test_the_kinds_a_flood_counts_are_read_again_after_a_restart(
        tmp_path: Path) -> None:
    """Pictures never count for a flood (`flood.kinds`), before a restart or after it."""
    async with Harness(_config(tmp_path), tmp_path) as h:
        for _ in range(3):
            await h.say("r1", "alice", "", kind=Kind.IMAGE)
        for text in ("一", "二"):
            await h.say("r1", "alice", text)
        await h.restart()
        await h.say("r1", "alice", "三")
        await h.drain()
        assert _floods(h.texts("r1")) == 0
        await same(h.bot.store)
        await h.say("r1", "alice", "四")  # the fourth text within the hour
        await h.drain()
        assert _floods(h.texts("r1")) == 1


async def _floods_after(h: Harness, *texts: str) -> int:
    """Alice says the texts in r1; how many floods were warned of there so far."""
    for text in texts:
        await h.say("r1", "alice", text)
    await h.drain()
    return _floods(h.texts("r1"))


async def test_whom_the_bot_acted_on_is_read_again_after_a_restart(tmp_path: Path) -> None:
    async with Harness(_config(tmp_path), tmp_path) as h:
        assert await _floods_after(h, "一", "二", "三", "四") == 1  # these four no longer count
        await h.restart()
        assert await _floods_after(h, "五", "六", "七") == 1
        assert await _floods_after(h, "八") == 2
        await same(h.bot.store)


async def test_rows_made_after_the_table_emptied_are_not_taken_for_ones_acted_on(
        tmp_path: Path) -> None:
    async with Harness(_config(tmp_path), tmp_path) as h:
        assert await _floods_after(h, "一", "二", "三", "四") == 1  # acted on up to row four
        await h.advance("70m")
        # the first sweeps the four away: the table empties
        assert await _floods_after(h, "五", "六", "七") == 1
        await h.restart()
        assert await _floods_after(h, "八") == 2  # rows five to eight: none acted on, a flood
        await same(h.bot.store)


async def test_whom_the_bot_acted_on_is_kept_while_their_rows_are_and_goes_with_them(
        tmp_path: Path) -> None:
    async with Harness(_config(tmp_path), tmp_path) as h:
        assert await _floods_after(h, "一", "二", "三", "四") == 1
        await h.advance("15m")
        await h.say("r1", "bob", "你好")  # the sweep (every 10 minutes) leaves alice's entry
        await same(h.bot.store)
        await h.restart()
        assert await _floods_after(h, "五", "六", "七") == 1  # her four still do not count
        await h.advance("70m")  # all her rows are over an hour old: the entry goes with them
        await h.say("r1", "bob", "还在吗")
        await same(h.bot.store)
        assert await h.bot.store.all("SELECT member FROM antispam_acted") == []


async def test_a_warning_taken_back_counts_the_messages_again(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    async with Harness(_config(tmp_path), tmp_path) as h:
        for text in ("一", "二", "三", "四"):  # a flood: warned, these four no longer count
            await h.say("r1", "alice", text)
        for text in ("五", "六", "七"):
            await h.say("r1", "alice", text)
        # the fourth since: the warning fails after her messages were marked acted on
        original = Moderator.punish

        async def punish(self: Moderator, member: str, *args: Any) -> None:
            if member == "alice" and not failed:
                failed.append(member)
                raise RuntimeError("a bug")
            await original(self, member, *args)

        failed: list[str] = []
        monkeypatch.setattr(Moderator, "punish", punish)
        await h.say("r1", "alice", "八")
        assert failed
        await same(h.bot.store)
        await h.drain()
        assert _floods(h.texts("r1")) == 1
        await h.say("r1", "alice", "九")  # 五 六 七 九: not acted on, a flood again
        await h.drain()
        assert _floods(h.texts("r1")) == 2
        await same(h.bot.store)


async def test_rows_older_than_an_hour_go_from_the_copy_and_the_table_alike(
        tmp_path: Path) -> None:
    groups = {"r1": "Recruitment 01", "r2": "Recruitment 02"}
    async with Harness(_config(tmp_path), tmp_path, groups=groups) as h:
        await h.say("r2", "bob", "早")
        await h.say("r1", "alice", "早")
        await h.restart()  # r2 not loaded yet
        await h.advance("70m")
        await h.say("r1", "alice", "一")  # sweeps; its delete waits for the commit
        await h.say("r2", "bob", "二")  # r2 loads while the delete waits: without 早
        await same(h.bot.store)
        assert await h.bot.store.all("SELECT message FROM antispam_recent ORDER BY id") == [
            ("m3",), ("m4",)]


async def test_a_group_served_by_another_account_meanwhile_is_read_again(
        tmp_path: Path, storage: Path | str) -> None:
    root = tmp_path / "config"
    (root / "types").mkdir(parents=True)
    (root / "content").mkdir()
    settings: dict[str, Any] = {
        "bot": {"id": "wxid_a", "name": "Helper"}, "timezone": "Asia/Shanghai",
        "storage": str(storage), "content": "content",
        "groups": [{"match": {"topic": "Recruitment"}, "type": "recruitment"}],
        "accounts": [{"name": n, "token_env": f"TOKEN_{n.upper()}"} for n in "ab"],
        "leases": {"takeover": "30s"}, "backstop": {"every": None},
        "governor": {"enabled": False}}
    (root / "bot.yaml").write_text(yaml.safe_dump(settings))
    (root / "types" / "recruitment.yaml").write_text(TYPE)
    accounts = Accounts(root)
    try:
        a = await accounts.start("a")
        await accounts.start("b")
        await accounts.advance(timedelta(seconds=1))
        await accounts.say("r1", "一")  # a serves r1
        await accounts.say("r1", "二")
        await accounts.advance(TAKEOVER * 2, only=("b",))  # a stalls: b takes r1 over
        await accounts.say("r1", "三", to=("b",))
        await accounts.advance(TAKEOVER * 2, only=("a",))  # b stalls: a takes it back
        await accounts.say("r1", "四", to=("a",))  # a knew of two, the table has three
        await accounts.advance(timedelta(seconds=5))
        texts = [r["text"] for w in accounts.worlds.values() for r in w.sent
                 if r["action"] == "say"]
        assert _floods(texts) == 1
        await same(a.store)
    finally:
        await accounts.stop()


# ---------------------------------------------------------------- the journal itself


async def test_deferred_writes_wait_for_the_commit_and_go_with_what_is_rolled_back(
        storage: Path | str) -> None:
    store = await open_store(storage, {"journal_test": ["CREATE TABLE journal_test (x INTEGER)"]})
    undone: list[int] = []
    try:
        async with store.transaction():
            store.defer("INSERT INTO journal_test VALUES (?)", (1,))
            store.on_undo(lambda: undone.append(1))
            with pytest.raises(RuntimeError):
                async with store.savepoint():
                    store.defer("INSERT INTO journal_test VALUES (?)", (2,))
                    store.on_undo(lambda: undone.append(2))
                    raise RuntimeError("a handler failed")
            assert undone == [2]
            assert await store.all("SELECT x FROM journal_test") == []  # not yet
            store.defer("INSERT INTO journal_test VALUES (?)", (3,))
        await store.flush()
        assert await store.all("SELECT x FROM journal_test ORDER BY x") == [(1,), (3,)]
        assert undone == [2]  # committed: nothing more to undo

        async with store.transaction():  # a commit that fails undoes what the batch did
            store.on_undo(lambda: undone.append(4))
            store.defer("INSERT INTO journal_test VALUES (?)", (4,))
            store.defer("INSERT INTO no_such_table VALUES (?)", (4,))
        with pytest.raises(StoreError):
            await store.flush()
        assert undone == [2, 4]
        async with store.transaction():  # and the store goes on
            store.defer("INSERT INTO journal_test VALUES (?)", (5,))
        await store.flush()
        assert await store.all("SELECT x FROM journal_test ORDER BY x") == [(1,), (3,), (5,)]
        with pytest.raises(RuntimeError):
            store.defer("INSERT INTO journal_test VALUES (?)", (6,))  # outside a transaction
    finally:
        await store.close()


@pytest.mark.no_store
def test_stamp_of_is_the_iso_text_of_its_instant() -> None:
    from datetime import UTC, datetime

    start = datetime(2026, 11, 23, 23, 59, 58, 999_999, tzinfo=UTC)
    for step in range(0, 3_000_000, 7_919):
        at = start + timedelta(microseconds=step * 13)
        assert stamp_of(micros(at)) == at.isoformat(timespec="microseconds")


@pytest.mark.no_store
@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 5), st.integers(0, 7), st.integers(0, 40)),
                max_size=40), st.integers(-1, 42), st.booleans())
def test_a_prune_keeps_exactly_the_rows_from_its_bound_and_leaves_what_it_held(
        rows: list[tuple[int, int, int]], before: int, in_order: bool) -> None:
    """Window.prune against the plain reading: every list without the rows before the bound,
    the empty ones gone, in the same order; what it returns (the undo's) untouched."""
    if in_order:
        rows = sorted(rows, key=lambda row: row[2])
    window = recent.Window(0)
    for index, (member, digest, at) in enumerate(rows):
        window.add(recent.Said(f"m{member}", f"id{index}", at, f"d{digest}", False))
    was = ({k: list(v) for k, v in window.members.items()},
           {k: list(v) for k, v in window.texts.items()})
    held = window.prune(before)
    assert (held[0], held[1]) == was
    for now, then in ((window.members, was[0]), (window.texts, was[1])):
        expected = {key: kept for key, saids in then.items()
                    if (kept := [said for said in saids if said.at >= before])}
        assert list(now.items()) == list(expected.items())


@pytest.mark.no_store
@given(st.lists(st.tuples(st.integers(0, 60), st.sampled_from("abcd")), max_size=30),
       st.integers(0, 60), st.integers(1, 20))
def test_busiest_is_the_busiest_window_that_holds_the_instant(
        rows: list[tuple[int, str]], at: int, within: int) -> None:
    """`busiest`: the most distinct keys in one window (end - within, end] holding `at`,
    against trying every end."""
    rows = [*rows, (at, "z")]  # the message itself is always among the rows
    every = max(len({key for time, key in rows if end - within < time <= end})
                for end in range(at, at + within))
    assert recent.busiest(rows, at, within) == every
    count, end = recent.busiest(rows, at, within, ends=True)
    assert count == every and at <= end < at + within
    assert len({key for time, key in rows if end - within < time <= end}) == every


class _Counted(tzinfo):
    """Asia/Shanghai's offset, counting how often it is asked for."""

    def __init__(self) -> None:
        self.asked = 0

    def utcoffset(self, dt: datetime | None) -> timedelta:
        self.asked += 1
        return timedelta(hours=8)

    def dst(self, dt: datetime | None) -> timedelta:
        return timedelta(0)


@pytest.mark.no_store
def test_micros_finds_a_zones_offset_once_a_minute_and_is_exact_across_clock_changes() -> None:
    """The offset is looked up once for the minute, not for every message in it; and the
    result is the timestamp's, in a zone's repeated and skipped hours too."""
    zone = _Counted()
    start = datetime(2026, 11, 23, 9, 0, tzinfo=zone)
    found = [micros(start + timedelta(seconds=s / 10)) for s in range(600)]
    assert zone.asked <= 2
    assert found == [round((start + timedelta(seconds=s / 10)).timestamp() * 1_000_000)
                     for s in range(600)]
    berlin = ZoneInfo("Europe/Berlin")
    for day, hour in ((29, 2), (25, 2), (25, 3)):  # March's skipped 02:xx, October's twice
        for fold in (0, 1):
            for second in range(0, 3600, 61):
                at = datetime(2026, 3 if day == 29 else 10, day, hour, second // 60,
                              second % 60, 250_001, tzinfo=berlin, fold=fold)
                assert micros(at) == round(at.timestamp() * 1_000_000), at
    old = datetime(1901, 1, 1, 0, 0, 30, tzinfo=ZoneInfo("Asia/Shanghai"))  # LMT +08:05:43
    assert micros(old) == round(old.timestamp() * 1_000_000)
