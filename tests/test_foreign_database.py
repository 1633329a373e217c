"""Another application's database is never taken for groupbot's, on either backend: the bot
(which migrates) and every command refuse it in one line, exit 2, and write nothing to it.
It is one with tables but no `schema_version` (a PostgreSQL database or schema too, not an
SQLite file alone), or one whose `schema_version` holds none of groupbot's `core` (another
tool's table of that name: Flyway's, say), which a groupbot database always holds: the
core's migrations run first, each step with its row."""

from __future__ import annotations

from pathlib import Path

import pytest
from harness import BOT_YAML, groupbot, write_config
from pg import Postgres

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = str(ROOT / "config")
SCENARIOS = ROOT / "tests" / "scenarios"
NEVER = "groupbot never writes into another application's database"
NO_SCHEMA_VERSION = f"is not a groupbot database (it has tables, and no schema_version): {NEVER}"

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
