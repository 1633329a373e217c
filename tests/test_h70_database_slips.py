"""h70: slips in naming a database, as a new operator made them (review s42 r51): the lock
file beside the database given for it, and `storage copy`'s error lines under one name."""

from __future__ import annotations

from pathlib import Path

import pytest
from harness import SHIPPED, groupbot

SCENARIO = f"""
config: {SHIPPED}
start: "2026-12-02 10:00"
groups: [{{id: c1, topic: "Customer 01 客户群", members: [carol]}}]
steps:
  - say: {{group: c1, from: carol, text: "签到"}}
"""


@pytest.fixture
def database(tmp_path: Path) -> Path:
    """A bot's database, with the lock file a bot leaves beside it."""
    scenario = tmp_path / "day.yaml"
    scenario.write_text(SCENARIO, encoding="utf-8")
    db = tmp_path / "data" / "groupbot.db"
    ran = groupbot("replay", str(scenario), "--db", str(db))
    assert ran.returncode == 0, ran.stderr
    (tmp_path / "data" / "groupbot.db.lock").touch()  # (as bot/instance.py leaves it)
    return db


LOCK = "{db}.lock is the lock file of the database {db} (a bot holds it as it runs; it " \
       "holds no data): give {db}"


@pytest.mark.parametrize("command", [
    ("report", "--config", str(SHIPPED)),
    ("export", "--what", "members", "--out", "-", "--config", str(SHIPPED)),
])
def test_report_and_export_on_the_lock_file_name_the_database_beside_it(
        database: Path, command: tuple[str, ...]) -> None:
    ran = groupbot(*command, "--db", f"{database}.lock")
    assert (ran.returncode, ran.stdout) == (2, "")
    assert ran.stderr == f"groupbot {command[0]}: the database cannot be used: " \
                         f"{LOCK.format(db=database)}\n"


def test_audit_on_the_lock_file_names_the_database_beside_it(database: Path) -> None:
    ran = groupbot("audit", "--config", str(SHIPPED), "--db", f"{database}.lock")
    assert (ran.returncode, ran.stdout) == (2, "")
    assert ran.stderr == f"groupbot audit: {LOCK.format(db=database)}\n"


def test_a_replay_onto_the_lock_file_leaves_it_a_lock_file(
        database: Path, tmp_path: Path) -> None:
    scenario = tmp_path / "day.yaml"
    ran = groupbot("replay", str(scenario), "--db", f"{database}.lock")
    assert ran.returncode == 2
    assert LOCK.format(db=database) in ran.stderr
    assert Path(f"{database}.lock").stat().st_size == 0


def test_an_account_s_lock_file_is_named_too(database: Path) -> None:
    lock = Path(f"{database}.lock-bot-a")
    lock.touch()
    ran = groupbot("report", "--config", str(SHIPPED), "--db", str(lock))
    assert ran.returncode == 2
    assert f"{lock} is the lock file of the database {database} (" in ran.stderr


def test_a_database_named_like_a_lock_file_is_read_as_a_database(
        database: Path, tmp_path: Path) -> None:
    """Only a file without tables is taken for the lock: a database of that name is read."""
    named = tmp_path / "data" / "groupbot.db.lock"
    named.write_bytes(database.read_bytes())
    ran = groupbot("report", "--config", str(SHIPPED), "--db", str(named))
    assert ran.returncode == 0, ran.stderr


def test_a_new_file_without_a_database_beside_it_still_holds_no_tables(tmp_path: Path) -> None:
    empty = tmp_path / "x.db.lock"
    empty.touch()
    ran = groupbot("report", "--config", str(SHIPPED), "--db", str(empty))
    assert ran.returncode == 2
    assert f"{empty} holds no tables: no groupbot has run on it yet" in ran.stderr


def test_every_error_line_of_storage_copy_begins_with_its_whole_name(tmp_path: Path) -> None:
    """A --db problem said `groupbot storage:`, the command's other lines `groupbot storage
    copy:`."""
    ran = groupbot("storage", "copy", "--db", str(tmp_path), "--to", "postgresql://db/x")
    assert ran.returncode == 2
    assert ran.stderr == f"groupbot storage copy: --db {tmp_path} is a directory, not a " \
                         "database file\n"


def test_a_command_with_a_storage_option_keeps_its_own_name(tmp_path: Path) -> None:
    """`bench --storage URL` is no `storage` subcommand: its lines say `groupbot bench:`."""
    url = "postgresql://nobody@127.0.0.1:9/x"  # (nothing listens on port 9)
    ran = groupbot("bench", "--config", str(SHIPPED), "--messages", "10", "--runs", "1",
                   "--storage", url)
    assert ran.returncode == 1
    assert ran.stderr.splitlines()[-1].startswith(
        f"groupbot bench: the database is unavailable: cannot connect to {url}: ")


@pytest.mark.parametrize("suffix, kind", [("-wal", "write-ahead log"),
                                          ("-shm", "shared-memory index"),
                                          ("-journal", "rollback journal")])
@pytest.mark.parametrize("empty", [False, True])
def test_a_file_sqlite_keeps_beside_the_database_names_the_database(
        database: Path, suffix: str, kind: str, empty: bool) -> None:
    """h70: `--db groupbot.db-wal` (a path completed one step too far, as the lock file's)
    said "not an SQLite database", and an empty one was taken for a new database."""
    beside = Path(f"{database}{suffix}")
    beside.write_bytes(b"" if empty else b"\x37\x7f\x06\x82" + bytes(28))
    for command in (("report", "--config", str(SHIPPED)), ("audit", "--config", str(SHIPPED))):
        ran = groupbot(*command, "--db", str(beside))
        assert ran.returncode == 2, ran.stderr
        assert f"{beside} is the {kind} of the database {database}, which SQLite keeps beside " \
               f"it (it holds no database): give {database}" in ran.stderr
    assert beside.stat().st_size == (0 if empty else 32)  # nothing written to it
