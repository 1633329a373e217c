"""h60: every error line of `groupbot report`, `export` and `audit` starts with the command's
name, as their other errors do (f55 noticed a few without it)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.cli import main

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = str(ROOT / "config")
SCENARIOS = ROOT / "tests" / "scenarios"


@pytest.fixture(scope="module")
def played(tmp_path_factory: pytest.TempPathFactory) -> Path:
    db = tmp_path_factory.mktemp("played") / "bot.db"
    assert main(["replay", str(SCENARIOS / "moderation_ads.yaml"), "--db", str(db)]) == 0
    return db


@pytest.mark.parametrize("args, said", [
    (["report", "--since", "yesterday"], "--since 'yesterday': give a duration back from now"),
    (["report", "--since", "2026-11-25", "--until", "2026-11-24"],
     "--since 2026-11-25 00:00 is not before 2026-11-24 00:00"),
    (["report", "--group", "zz"], "no group 'zz' in the database"),
    (["report", "--account", "a"], "no account 'a': bot.yaml lists no `accounts`"),
    (["export", "--what", "members", "--out", ""], "--out '' names no file"),
    (["export", "--what", "members", "--out", "-", "--group", "zz"],
     "no group 'zz' in the database"),
    (["export", "--what", "members", "--out", "{db}"], "--out {db} is the database {db}"),
    (["export", "--what", "members", "--out", "{dir}"], "{dir}: Is a directory"),
    (["audit", "--since", "yesterday"], "--since 'yesterday': give a duration back from now"),
    (["audit", "--since", "2026-13-01"], "--since '2026-13-01' is not an ISO date"),
])
def test_each_error_line_is_in_the_commands_name(
        capsys: pytest.CaptureFixture[str], played: Path, tmp_path: Path,
        args: list[str], said: str) -> None:
    def filled(text: str) -> str:
        return text.format(db=played, dir=tmp_path)

    code = main([*map(filled, args), "--config", SHIPPED, "--db", str(played)])
    out, err = capsys.readouterr()
    assert (code, out) == (2, "")
    [line] = err.splitlines()
    assert line.startswith(f"groupbot {args[0]}: {filled(said)}")
