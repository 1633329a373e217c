"""r79: a new operator's pass over h70's `storage copy` mark, `storage unmark`, `/wait N` and
the scenario's did-you-mean, and its findings, fixed (/work/helpers/reports/r79.md): the
plain tests pin what was checked and holds."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path

import pytest
from harness import ROOT, groupbot, own_env, shipped_config, simulate
from pg import Postgres

from bot import schema, state, storage_copy
from bot.replay import load
from bot.storage_copy import COPIED
from bot.store import open_reader, open_store
from bot.yamlfile import InputError
from handlers import REGISTRY

URL = "postgresql://groupbot@db.internal:5432/groupbot"
SCENARIO = ROOT / "tests" / "scenarios" / "broadcast.yaml"


@pytest.fixture
def config(tmp_path: Path) -> Path:
    """A deployment whose terminal simulator has run once (data/groupbot.db)."""
    root = shipped_config(tmp_path)
    assert simulate(root).returncode == 0
    return root


def _mark(db: Path) -> None:
    """The mark `storage copy` leaves once its target committed (as storage_copy._mark
    writes it), without a PostgreSQL server: what the commands read is the mark alone."""
    async def put() -> None:
        store = await open_store(db, schema.migrations(REGISTRY))
        try:
            async with store.transaction():
                await state.put(store, COPIED, {"to": URL, "at": "2026-12-02T05:40:00+00:00"})
            await store.flush()
        finally:
            await store.close()
    asyncio.run(put())


def _rows(db: Path) -> int:
    async def count() -> int:
        reader = open_reader(db)
        try:
            tables = [t for t, in await reader.all(
                "SELECT name FROM sqlite_master WHERE type='table'")]
            rows = 0
            for t in tables:
                rows += int((await reader.all(f'SELECT count(*) FROM "{t}"'))[0][0])
            return rows
        finally:
            await reader.close()
    return asyncio.run(count())


def test_the_simulator_refuses_a_marked_file_of_its_own(config: Path) -> None:
    db = config.parent / "data" / "groupbot.db"
    _mark(db)
    ran = simulate(config)
    assert ran.returncode == 2 and f"was copied to {URL}" in ran.stderr, ran.stderr


def test_replay_db_refuses_a_marked_file_as_the_simulator_does(config: Path) -> None:
    db = config.parent / "data" / "groupbot.db"
    _mark(db)
    before = _rows(db)
    ran = groupbot("replay", "--config", str(config), "--db", str(db), str(SCENARIO),
                   env=own_env())
    assert _rows(db) == before  # the copy would fall behind what the replay wrote
    assert ran.returncode == 2 and f"was copied to {URL}" in ran.stderr, ran.stderr


def _scenario_wait(tmp_path: Path, written: str) -> timedelta:
    path = tmp_path / "s.yaml"
    path.write_text(f"config: {ROOT / 'config'}\nstart: \"2026-11-23 10:05\"\n"
                    "groups:\n  - {id: r1, topic: T, members: [alice]}\n"
                    f"steps:\n  - wait: {written}\n", encoding="utf-8")
    _, steps, _ = load(path)
    waited: timedelta = steps[0][2]
    return waited


def test_the_simulator_reads_these_waits_as_refused_or_decimal(config: Path) -> None:
    out = simulate(config, "/wait 1:30\n/wait 1:30:00\n/wait 0x10\n/quit\n").stdout
    for written in ("1:30", "1:30:00", "0x10"):
        assert f"! not a duration: '{written}'" in out, out


@pytest.mark.parametrize("written", ["1:30", "1:30:00", "0x10"])
def test_a_scenario_wait_the_simulator_refuses_is_refused(tmp_path: Path,
                                                          written: str) -> None:
    with pytest.raises(InputError):
        _scenario_wait(tmp_path, written)


def test_a_leading_zero_is_refused_the_same_in_both(tmp_path: Path, config: Path) -> None:
    """Finding 2: `wait: 010` was octal, 8 s, where `/wait 010` was 10 s. Both now read it as
    the text written, and refuse it saying what to write."""
    with pytest.raises(InputError, match="a leading zero makes it a text: write 10s"):
        _scenario_wait(tmp_path, "010")
    out = simulate(config, "/wait 010\n/quit\n").stdout
    assert "! not a duration: '010' (a leading zero makes it a text: write 10s" in out, out


def test_a_wait_both_read_the_same(tmp_path: Path) -> None:
    assert _scenario_wait(tmp_path, "10") == timedelta(seconds=10)
    assert _scenario_wait(tmp_path, "1.5") == timedelta(seconds=1.5)
    assert _scenario_wait(tmp_path, "1h30m") == timedelta(minutes=90)


def test_unmark_given_the_lock_file_names_the_database(config: Path) -> None:
    db = config.parent / "data" / "groupbot.db"
    _mark(db)
    lock = db.with_name(db.name + ".lock")
    assert lock.exists()
    ran = groupbot("storage", "unmark", "--db", str(lock), env=own_env())
    assert ran.returncode == 2, ran.stdout
    assert f"is the lock file of the database {db}" in ran.stderr


def test_unmark_takes_the_mark_out_and_the_simulator_runs_again(config: Path) -> None:
    db = config.parent / "data" / "groupbot.db"
    _mark(db)
    ran = groupbot("storage", "unmark", "--db", str(db), env=own_env())
    assert ran.returncode == 0 and "unmarked" in ran.stdout, ran.stderr
    assert simulate(config).returncode == 0


def test_a_copy_whose_mark_failed_says_the_copy_is_whole_and_what_to_do(
        config: Path, postgres: Postgres, monkeypatch: pytest.MonkeyPatch) -> None:
    """r79 finding 4: the mark is written after the target committed; when that write failed
    (a full disk) the copy said only `the database cannot be used`, exit 2, while the whole
    target was kept (and a second copy is refused: the target holds tables). It says the
    copy is whole and committed, and the way on (scale.md)."""
    async def full(*_: object) -> None:
        raise OSError("database or disk is full")
    url = postgres.database()
    with monkeypatch.context() as patched:
        patched.setattr(storage_copy, "_mark", full)
        ran = groupbot("storage", "copy", "--config", str(config), "--to", url, env=own_env())
    assert ran.returncode == 2, ran.stderr
    assert "is whole and committed, but" in ran.stderr and "database or disk is full" in \
        ran.stderr and "set `storage: " in ran.stderr, ran.stderr
    assert simulate(config).returncode == 0  # unmarked: the error's advice is all there is


@pytest.mark.parametrize("command", [("report",), ("export", "--what", "members"), ("audit",)])
def test_a_read_of_a_marked_file_notes_that_it_ends_at_the_copy(
        config: Path, command: tuple[str, ...]) -> None:
    """h70: `report --db` on the file copied away showed its figures as the bot's own, though
    the bot writes to the copy since."""
    db = config.parent / "data" / "groupbot.db"
    _mark(db)
    out = ("--out", str(config.parent / "members.csv")) if command[0] == "export" else ()
    ran = groupbot(*command, *out, "--config", str(config), "--db", str(db), env=own_env())
    assert ran.returncode == 0, ran.stderr
    assert f"groupbot {command[0]}: note: {db} was copied to {URL} on 2026-12-02 05:40 UTC " \
           "(`groupbot storage copy`); what this file shows ends there (the bot writes to " \
           f"the copy: --db {URL})\n" in ran.stderr, ran.stderr
    assert ran.stdout or out  # and then what it shows


def test_a_read_of_an_unmarked_file_says_nothing_of_a_copy(config: Path) -> None:
    ran = groupbot("report", "--config", str(config), env=own_env())
    assert ran.returncode == 0 and "copied" not in ran.stderr, ran.stderr
