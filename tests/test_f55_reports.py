"""f55: `groupbot report`, `export` and `audit` say what is wrong in the command's own name
(review s41 r51 findings 3, 4, 5/10 and 7)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from harness import groupbot
from pg import Postgres
from test_r51 import replayed  # noqa: F401  (funnel_journey's database: r1, i1, o1)

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = str(ROOT / "config")


def test_audit_of_a_group_the_database_does_not_hold_exits_2(
        replayed: Path) -> None:  # noqa: F811
    ran = groupbot("audit", "--db", str(replayed), "--config", SHIPPED, "--group", "zz")
    assert (ran.returncode, ran.stdout) == (2, "")
    assert ran.stderr == "groupbot audit: no group 'zz' in the database\n"


@pytest.mark.parametrize(("group", "since"), [("o1", None), ("r1", "9000-01-01")])
def test_audit_of_a_known_group_without_records_is_a_clean_log(
        replayed: Path, group: str, since: str | None) -> None:  # noqa: F811
    ran = groupbot("audit", "--db", str(replayed), "--config", SHIPPED, "--group", group,
                   *(("--since", since) if since else ()))
    assert (ran.returncode, ran.stderr) == (0, "")
    assert ran.stdout.startswith(f"no audit records in {group}")


@pytest.mark.parametrize("command", [["report"], ["export", "--what", "members", "--out", "-"],
                                     ["audit"], ["web"]])
def test_a_missing_db_file_is_named_as_the_db_option(tmp_path: Path,
                                                      command: list[str]) -> None:
    typo = tmp_path / "typo.db"
    ran = groupbot(*command, "--config", SHIPPED, "--db", str(typo))
    assert (ran.returncode, ran.stdout) == (2, "")
    assert ran.stderr == f"groupbot {command[0]}: --db: no database at {typo} (the SQLite " \
        "file the bot used)\n"


@pytest.mark.parametrize("command", [["report"], ["audit"], ["web"]])
def test_a_config_whose_bot_has_not_run_says_so(tmp_path: Path, command: list[str]) -> None:
    shutil.copytree(SHIPPED, tmp_path / "config")
    shutil.copytree(ROOT / "content", tmp_path / "content")
    ran = groupbot(*command, "--config", str(tmp_path / "config"))
    assert ran.returncode == 2
    assert ran.stderr == f"groupbot {command[0]}: no database at {tmp_path}/data/groupbot.db: " \
        "the bot has not run with this config yet\n"


def test_a_report_on_a_missing_schema_names_the_schema(postgres: Postgres) -> None:
    url = postgres.database() + "?search_path=nosuch"
    ran = groupbot("report", "--config", SHIPPED, "--db", url)
    assert ran.returncode == 2
    assert ran.stderr.endswith(f"{url}: the schema the URL's search_path names does not exist; "
                               "make it first (CREATE SCHEMA NAME AUTHORIZATION USER: "
                               "docs/configuration.md)\n")


def test_a_report_on_an_empty_database_says_no_groupbot_has_run(postgres: Postgres) -> None:
    url = postgres.database()
    ran = groupbot("audit", "--config", SHIPPED, "--db", url)
    assert ran.returncode == 2
    assert ran.stderr.endswith(f"{url} holds no tables: no groupbot has run on it yet\n")


def test_an_account_serving_no_group_is_said_as_such(
        replayed: Path, tmp_path: Path) -> None:  # noqa: F811
    shutil.copytree(SHIPPED, tmp_path / "config")
    shutil.copytree(ROOT / "content", tmp_path / "content")
    with (tmp_path / "config" / "bot.yaml").open("a", encoding="utf-8") as bot_yaml:
        bot_yaml.write("accounts:\n  - {name: a, token_env: GROUPBOT_TOKEN_A}\n")
    ran = groupbot("report", "--db", str(replayed), "--config", str(tmp_path / "config"),
                   "--account", "a", "--since", "2026-11-23", "--until", "2026-11-24")
    assert (ran.returncode, ran.stderr) == (0, "")
    assert ran.stdout.splitlines()[1] == "(account a serves no group: no lease gives it one " \
        "of the 3 in the database)"
