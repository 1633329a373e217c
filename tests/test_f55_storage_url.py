"""f55: a storage value meant as a URL is never taken for an SQLite file's path (review s41
r51 finding 11): `check` and every `--db` refuse a mistyped one, saying what is wrong."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from harness import groupbot

from bot import config, postgres

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize(("url", "wrong"), [
    ("postgresq://groupbot@db.internal/groupbot", "its scheme postgresq: is not postgresql:"),
    ("postgresql:/groupbot@db.internal/groupbot", "two slashes follow postgresql:"),
    ("postgres:groupbot@db.internal/groupbot", "two slashes follow postgres:"),
    ("PostgreSQL://db.internal/groupbot", "written postgresql: in lower case"),
    ("http://db.internal/groupbot", "its scheme http: is not postgresql:"),
])
def test_a_mistyped_url_is_refused_saying_what_is_wrong(url: str, wrong: str) -> None:
    assert config.location(url, Path("/srv/config")) == url  # never a file under config/
    problem = config.database_problem(config.location(url))
    assert problem is not None and wrong in problem and "not a PostgreSQL URL" in problem


@pytest.mark.parametrize("path", ["postgres.db", "postgresql/groupbot.db", "../data/x.db"])
def test_a_file_named_like_postgres_is_still_a_file(path: str) -> None:
    assert config.location(path, Path("/srv/config")) == Path("/srv/config", path).resolve()


def test_a_password_in_a_mistyped_url_is_not_shown() -> None:
    problem = postgres.url_problem("postgresq://groupbot:s3cret@db.internal/groupbot")
    assert problem is not None and "s3cret" not in problem


def test_check_names_storage_and_its_line(tmp_path: Path) -> None:
    shutil.copytree(ROOT / "config", tmp_path / "config")
    shutil.copytree(ROOT / "content", tmp_path / "content")
    bot_yaml = tmp_path / "config" / "bot.yaml"
    bot_yaml.write_text(bot_yaml.read_text(encoding="utf-8").replace(
        "storage: ../data/groupbot.db", "storage: postgresql:/groupbot@db.internal/groupbot"),
        encoding="utf-8")
    ran = groupbot("check", "--config", str(tmp_path / "config"))
    assert ran.returncode == 2
    assert "bot.yaml:" in ran.stderr and "storage: postgresql:/groupbot" in ran.stderr


def test_a_mistyped_db_option_is_refused_in_the_command_s_name() -> None:
    ran = groupbot("report", "--config", str(ROOT / "config"), "--db", "postgresq://h/d")
    assert ran.returncode == 2
    assert ran.stderr.startswith("groupbot report: --db postgresq://h/d is not a PostgreSQL")
