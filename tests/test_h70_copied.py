"""h70: after `groupbot storage copy`, the SQLite file holds a mark of the copy (where to,
when): `run` refuses the file, naming the copy and the two ways on, `check` warns, and a
second copy is refused, until `groupbot storage unmark` (review s42 r51: a bot started
on the old file again left the PostgreSQL copy behind, stale, without a word)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from harness import groupbot, shipped_config, simulate
from pg import Postgres

COPIED = re.compile(r" was copied to (\S+) on (\d{4}-\d{2}-\d{2} \d{2}:\d{2}) UTC ")


@pytest.fixture
def config(tmp_path: Path) -> Path:
    """A deployment whose terminal simulator has run once (its database: data/groupbot.db)."""
    root = shipped_config(tmp_path)
    assert simulate(root).returncode == 0
    return root


def _copied(config: Path, url: str) -> str:
    """The file copied to `url`, and when (as the messages give it)."""
    ran = groupbot("storage", "copy", "--config", str(config), "--to", url)
    assert ran.returncode == 0, ran.stderr
    assert f" from {_database(config)} (marked copied: `groupbot run` refuses it from now on) " \
           f"to {url}; " in ran.stdout.splitlines()[-1]
    ran = groupbot("check", "--config", str(config))
    found = COPIED.search(ran.stderr)
    assert found is not None and found[1] == url, ran.stderr
    return found[2]


def _database(config: Path) -> Path:
    return config.parent / "data" / "groupbot.db"


def _refused(config: Path, url: str, at: str) -> str:
    db = _database(config)
    return (f"{db} was copied to {url} on {at} UTC (`groupbot storage copy`): the bot is to run "
            "on that copy now, and a start on this file would leave the copy behind, stale. Set "
            f"`storage: {url}` in {config / 'bot.yaml'}; or, to go on with this file instead "
            "(without what the bot did on the copy since), unmark it first: groupbot "
            f"storage unmark --db {db}")


def test_run_refuses_the_file_naming_the_copy_and_the_ways_on(
        config: Path, postgres: Postgres) -> None:
    url = postgres.database()
    at = _copied(config, url)
    ran = simulate(config)
    assert (ran.returncode, ran.stdout) == (2, "")
    assert ran.stderr == f"groupbot run: {_refused(config, url, at)}\n"


def test_check_warns_at_storage(config: Path, postgres: Postgres) -> None:
    url = postgres.database()
    at = _copied(config, url)
    ran = groupbot("check", "--config", str(config))
    assert ran.returncode == 0
    assert ran.stdout.startswith("config OK")
    assert f"warning: {config / 'bot.yaml'}:10: storage: `groupbot run` refuses it: " \
           f"{_refused(config, url, at)}\n" in ran.stderr


def test_a_second_copy_is_refused_naming_the_first(config: Path, postgres: Postgres) -> None:
    url = postgres.database()
    at = _copied(config, url)
    other = postgres.database()
    ran = groupbot("storage", "copy", "--config", str(config), "--to", other)
    assert (ran.returncode, ran.stdout) == (2, "")
    db = _database(config)
    assert ran.stderr == (
        f"groupbot storage copy: {db} was copied to {url} on {at} UTC (`groupbot storage "
        "copy`) already: the bot is to run on that copy, and this file falls behind it. To "
        "copy the file again all the same (that copy dropped, or made in the wrong place), "
        f"unmark the file first: groupbot storage unmark --db {db}\n")
    assert postgres.sql("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'",
                        other.rsplit("/", 1)[1]).strip() == "0"


def test_unmark_lets_the_bot_run_on_the_file_and_copy_it_again(
        config: Path, postgres: Postgres) -> None:
    url = postgres.database()
    at = _copied(config, url)
    ran = groupbot("storage", "unmark", "--config", str(config))
    db = _database(config)
    assert (ran.returncode, ran.stderr) == (0, "")
    assert ran.stdout == (f"{db} was copied to {url} on {at} UTC (`groupbot storage copy`): "
                          f"unmarked. A bot may run on {db} again; the copy falls behind it "
                          "from then on (drop it, or empty it, before copying the file "
                          "again)\n")
    assert "copied to" not in groupbot("check", "--config", str(config)).stderr
    assert simulate(config).returncode == 0
    assert _copied(config, postgres.database())  # (into another database)
    ran = groupbot("storage", "unmark", "--db", str(db))
    assert ran.returncode == 0
    again = groupbot("storage", "unmark", "--db", str(db))
    assert (again.returncode, again.stdout) == (
        0, f"{db} holds no mark of a copy: a bot may run on it (nothing changed)\n")


def test_a_copy_refused_leaves_no_mark(config: Path, postgres: Postgres) -> None:
    url = postgres.database()
    postgres.sql("CREATE TABLE invoices (id int)", url.rsplit("/", 1)[1])
    ran = groupbot("storage", "copy", "--config", str(config), "--to", url)
    assert ran.returncode == 2
    assert simulate(config).returncode == 0
    assert "warning" not in groupbot("check", "--config", str(config)).stderr


def test_a_file_never_copied_runs_as_before(config: Path) -> None:
    ran = groupbot("storage", "unmark", "--config", str(config))
    assert ran.returncode == 0
    assert ran.stdout.endswith("holds no mark of a copy: a bot may run on it (nothing "
                               "changed)\n")
    assert simulate(config).returncode == 0
