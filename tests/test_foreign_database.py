"""Another application's database is never taken for groupbot's, on either backend: the bot
(which migrates) and every command refuse it in one line, exit 2, and write nothing to it.
It is one with tables but no `schema_version` (a PostgreSQL database or schema too, not an
SQLite file alone), or one whose `schema_version` holds none of groupbot's `core` (another
tool's table of that name: Flyway's, say), which a groupbot database always holds: the
core's migrations run first, each step with its row."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from harness import BOT_YAML, groupbot, sqlite_file, write_config
from pg import Postgres

from bot import schema
from bot.store import open_store
from handlers import REGISTRY

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = str(ROOT / "config")
SCENARIOS = ROOT / "tests" / "scenarios"
NEVER = "groupbot never writes into another application's database"
NO_SCHEMA_VERSION = f"is not a groupbot database (it has tables, and no schema_version): {NEVER}"
NO_CORE = ("is not a groupbot database (its schema_version has no row of groupbot's core, "
           f"only 'flyway'): {NEVER}")
# another tool's schema_version, with a table of that application beside it
FLYWAY = ("CREATE TABLE schema_version (component TEXT PRIMARY KEY, version INTEGER NOT NULL);"
          " INSERT INTO schema_version VALUES ('flyway', 1);"
          " CREATE TABLE orders (id INTEGER, item TEXT)")

# what reads it, what migrates it: each refuses it
READERS = {"report": ["report", "--config", SHIPPED],
           "audit": ["audit", "--config", SHIPPED],
           "export": ["export", "--what", "members", "--out", "-", "--config", SHIPPED],
           "web": ["web", "--config", SHIPPED, "--port", "0"]}
WRITERS = {"replay": ["replay", str(SCENARIOS / "pacing.yaml")]}


def _one_line(err: str) -> str:
    [line] = err.strip().splitlines()
    return line


def _run_bot(tmp_path: Path, storage: str) -> tuple[int, str]:
    """`groupbot run --simulator` on a config whose `storage` is `storage`."""
    root = write_config(tmp_path / "config",
                        BOT_YAML.replace("storage: bot.db", f"storage: {storage}"),
                        {"recruitment": "handlers: []\n"})
    ran = groupbot("run", "--simulator", "--config", str(root))
    return ran.returncode, ran.stderr


def _pg_state(postgres: Postgres, name: str, schema: str = "public") -> str:
    """Every table of the schema and what schema_version holds, if it is there."""
    tables = postgres.sql("SELECT string_agg(tablename, ',' ORDER BY tablename) FROM pg_tables"
                          f" WHERE schemaname = '{schema}'", name)
    versions = postgres.sql(
        f"SELECT CASE WHEN to_regclass('{schema}.schema_version') IS NULL THEN '' ELSE"
        f" query_to_xml('SELECT * FROM {schema}.schema_version', false, false, '')::text"
        " END", name)
    return tables + versions


def _pg_database(postgres: Postgres, statements: str, schema: str = "") -> tuple[str, str]:
    """A new database holding what `statements` make (in schema `schema`, made first, and the
    URL naming it, if given): its URL and name."""
    url = postgres.database()
    name = url.rsplit("/", 1)[1]
    if schema:
        postgres.sql(f"CREATE SCHEMA {schema}; SET search_path = {schema}; {statements}", name)
        return f"{url}?search_path={schema}", name
    postgres.sql(statements, name)
    return url, name


# ------------------------------------------------------------ tables, and no schema_version


@pytest.mark.parametrize("schema", ["", "shop"])
def test_the_bot_refuses_a_postgresql_database_or_schema_holding_another_applications_tables(
        postgres: Postgres, tmp_path: Path, schema: str) -> None:
    """It made schema_version there and migrated every table of groupbot's in beside the
    other application's (on SQLite the file was refused)."""
    url, name = _pg_database(postgres, "CREATE TABLE orders (id int, item text)", schema)
    before = _pg_state(postgres, name, schema or "public")
    code, err = _run_bot(tmp_path, url)
    assert code == 2
    assert _one_line(err) == f"groupbot run: the database cannot be used: {url} " \
                             f"{NO_SCHEMA_VERSION}"
    assert _pg_state(postgres, name, schema or "public") == before


@pytest.mark.parametrize("command", [*READERS, *WRITERS])
def test_every_command_refuses_a_postgresql_database_holding_another_applications_tables(
        postgres: Postgres, command: str) -> None:
    url, name = _pg_database(postgres, "CREATE TABLE orders (id int, item text)")
    before = _pg_state(postgres, name)
    ran = groupbot(*{**READERS, **WRITERS}[command], "--db", url)
    assert ran.returncode == 2
    assert _one_line(ran.stderr).endswith(f"{url} {NO_SCHEMA_VERSION}")
    assert _pg_state(postgres, name) == before


# ------------------------------------------------------------ a schema_version not groupbot's


def _sqlite_flyway(path: Path) -> Path:
    return sqlite_file(path, FLYWAY)


def _left_alone(db: Path, before: bytes) -> None:
    """Not a byte of it changed, and no side file was left next to it."""
    assert db.read_bytes() == before
    assert [p.name for p in db.parent.iterdir() if p.name.startswith(db.name)] == [db.name]


def test_the_bot_refuses_an_sqlite_file_whose_schema_version_is_another_tools(
        tmp_path: Path) -> None:
    (tmp_path / "config").mkdir()
    db = _sqlite_flyway(tmp_path / "config" / "bot.db")
    before = db.read_bytes()
    code, err = _run_bot(tmp_path, "bot.db")
    assert code == 2
    assert _one_line(err) == f"groupbot run: the database cannot be used: {db} {NO_CORE}"
    _left_alone(db, before)


@pytest.mark.parametrize("command", [*READERS, *WRITERS, "check", "copy"])
def test_every_command_refuses_an_sqlite_file_whose_schema_version_is_another_tools(
        tmp_path: Path, command: str) -> None:
    db = _sqlite_flyway(tmp_path / "other.db")
    before = db.read_bytes()
    if command == "check":
        root = write_config(tmp_path / "config", BOT_YAML.replace("storage: bot.db",
                                                                  f"storage: {db}"),
                            {"recruitment": "handlers: []\n"})
        ran = groupbot("check", "--config", str(root))
        assert ran.returncode == 2
        assert f"storage: {db} {NO_CORE}" in ran.stderr
        assert db.read_bytes() == before
        return
    args = ["storage", "copy", "--to", "postgresql://nobody@127.0.0.1:9/none"] \
        if command == "copy" else {**READERS, **WRITERS}[command]
    ran = groupbot(*args, "--db", str(db))
    assert ran.returncode == 2
    assert _one_line(ran.stderr).endswith(f": {db} {NO_CORE}")
    assert _one_line(ran.stderr).count(str(db)) == 1  # named once
    _left_alone(db, before)


def test_the_bot_refuses_a_postgresql_database_whose_schema_version_is_another_tools(
        postgres: Postgres, tmp_path: Path) -> None:
    url, name = _pg_database(postgres, FLYWAY)
    before = _pg_state(postgres, name)
    code, err = _run_bot(tmp_path, url)
    assert code == 2
    assert _one_line(err) == f"groupbot run: the database cannot be used: {url} {NO_CORE}"
    assert _pg_state(postgres, name) == before


@pytest.mark.parametrize("command", [*READERS, *WRITERS])
def test_every_command_refuses_a_postgresql_database_whose_schema_version_is_another_tools(
        postgres: Postgres, command: str) -> None:
    url, name = _pg_database(postgres, FLYWAY)
    before = _pg_state(postgres, name)
    ran = groupbot(*{**READERS, **WRITERS}[command], "--db", url)
    assert ran.returncode == 2
    assert _one_line(ran.stderr).endswith(f"{url} {NO_CORE}")
    assert _pg_state(postgres, name) == before


def test_storage_copy_says_a_target_with_another_tools_schema_version_holds_tables(
        postgres: Postgres, tmp_path: Path) -> None:
    """It is refused as any target with tables is, not called a groupbot database."""
    source = tmp_path / "bot.db"

    async def make() -> None:
        await (await open_store(source, schema.migrations(REGISTRY))).close()

    asyncio.run(make())
    url, name = _pg_database(postgres, FLYWAY)
    before = _pg_state(postgres, name)
    ran = groupbot("storage", "copy", "--db", str(source), "--to", url)
    assert ran.returncode == 2
    assert _one_line(ran.stderr) == (
        f"groupbot storage copy: {url} (schema public) already holds tables (orders, "
        "schema_version): the copy goes into an empty database or schema only")
    assert _pg_state(postgres, name) == before


def test_an_empty_schema_version_alone_is_migrated(tmp_path: Path) -> None:
    """What a first start stopped after making schema_version leaves: not another
    application's database, the next start migrates it."""
    db = sqlite_file(tmp_path / "bot.db", "CREATE TABLE schema_version (component TEXT "
                                           "PRIMARY KEY, version INTEGER NOT NULL)")
    ran = groupbot(*WRITERS["replay"], "--db", str(db))
    assert ran.returncode == 0, ran.stderr
