"""`groupbot audit`: the moderation record as a table an operator can read."""

from __future__ import annotations

import asyncio
import re
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from harness import BOT_YAML, TZ, Harness, write_config

from bot.cli import main
from bot.table import display_width

TYPES = {"recruitment": "handlers:\n  - antispam: {warn_limit: 2}\n"}
GROUPS = {"r1": "Listener Recruitment 01", "r2": "Listener Recruitment 02"}


def _deployment(tmp_path: Path, storage: Path | str | None = None) -> Path:
    """A config whose database (`storage`, else bot.db) is the one the Harness writes (the
    tests/pg.py `backend` fixture: each backend in turn)."""
    bot_yaml = BOT_YAML if storage is None else BOT_YAML.replace(
        "storage: bot.db", f"storage: {storage}")
    return write_config(tmp_path, bot_yaml, TYPES)


async def _history(tmp_path: Path, start: datetime, storage: Path | str) -> Path:
    """eve posts an ad in r1, and ten days later two in r2 and is removed."""
    root = _deployment(tmp_path, storage)
    async with Harness(root, tmp_path, groups=GROUPS, start=start) as h:
        await h.rename("r1", "eve", "小夏")
        await h.say("r1", "eve", "加V：abc123")
        await h.drain()
    async with Harness(root, tmp_path, groups=GROUPS, start=start + timedelta(days=10)) as h:
        await h.say("r2", "eve", "www.cheap-shop.com")
        await h.say("r2", "eve", "www.cheap-shop.com")
        await h.drain()
    return root


async def _audit(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, list[str], str]:
    """`groupbot audit ARGS`, as a command runs: outside the test's event loop."""
    code = await asyncio.to_thread(main, ["audit", *args])
    out, err = capsys.readouterr()
    return code, out.splitlines(), err


def _column(lines: list[str], name: str) -> list[str]:
    """One column of the table's rows (columns are at least two spaces apart)."""
    index = ["time", "group", "member", "action", "handler", "detail"].index(name)
    return [re.split(r"\s{2,}", line)[index] for line in lines[2:]]


async def test_the_log_is_a_table_with_names_oldest_first(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], backend: Path | str) -> None:
    root = await _history(tmp_path, datetime(2026, 11, 1, 9, 0, tzinfo=TZ), backend)
    code, lines, _ = await _audit(capsys, "--config", str(root))
    assert code == 0
    assert lines[0].split() == ["time", "group", "member", "action", "handler", "detail"]
    assert set(lines[1]) == {"-", " "}
    assert lines[2].startswith("2026-11-01 09:00:00  r1     小夏 (eve)  warn    antispam  "
                               "contacts: 发布联系方式 [wechat:abc123] (1/2)")
    assert _column(lines, "action") == ["warn", "warn", "warn", "kick"]
    assert _column(lines, "member") == ["小夏 (eve)", "eve", "eve", "eve"]
    # columns line up on screen, Chinese characters counting double
    assert len({display_width(line[:line.index("antispam")]) for line in lines[2:]}) == 1


async def test_a_name_cannot_break_the_table_or_reach_the_terminal_raw(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], backend: Path | str) -> None:
    """A member's name is theirs to choose: line breaks, escape sequences and bidi overrides
    in it stay out of the operator's terminal, each record on its one line."""
    root = _deployment(tmp_path, backend)
    async with Harness(root, tmp_path, groups=GROUPS,
                       start=datetime(2026, 11, 1, 9, 0, tzinfo=TZ)) as h:
        await h.rename("r1", "eve", "x\n2026-11-01 09:00:00  r1  op  unblock\x1b[2J\u202eab")
        await h.say("r1", "eve", "加V：abc123")
        await h.drain()
    code, lines, _ = await _audit(capsys, "--config", str(root))
    assert code == 0
    assert len(lines) == 3
    assert _column(lines, "member") == ["x 2026-11-01 09:00:00 r1 op unblock[2Jab (eve)"]


async def test_group_and_since_narrow_it_down(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], backend: Path | str) -> None:
    start = datetime.now(TZ).replace(microsecond=0) - timedelta(days=12)
    root = await _history(tmp_path, start, backend)
    _, lines, _ = await _audit(capsys, "--config", str(root), "--group", "r1")
    assert _column(lines, "group") == ["r1"]
    _, lines, _ = await _audit(capsys, "--config", str(root), "--since", "7d")
    assert _column(lines, "group") == ["r2", "r2", "r2"]
    since = (start + timedelta(days=1)).date().isoformat()
    _, lines, _ = await _audit(capsys, "--config", str(root), "--since", since, "--group", "r1")
    assert lines == [f"no audit records in r1 since {since} 00:00"]


@pytest.mark.parametrize("since", ["yesterday", "2026-13-01"])
async def test_a_bad_since_is_refused_with_the_forms_it_takes(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], since: str) -> None:
    root = await _history(tmp_path, datetime(2026, 11, 1, 9, 0, tzinfo=TZ),
                          tmp_path / "bot.db")  # the argument's check: SQLite alone
    code, lines, err = await _audit(capsys, "--config", str(root), "--since", since)
    assert (code, lines) == (2, [])
    assert f"--since {since!r}" in err and "2026-11-01" in err


# SQLite alone: "no database at PATH" is about a file that is not there
async def test_without_a_database_it_says_so(tmp_path: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    root = _deployment(tmp_path)
    code, _, err = await _audit(capsys, "--config", str(root))
    assert code == 2 and f"no database at {root / 'bot.db'}" in err


async def test_db_is_read_without_a_config_and_without_either_it_says_what_is_needed(
        tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Reading the log needs the database alone: no ./config, --db, times in UTC."""
    root = await _history(tmp_path, datetime(2026, 11, 1, 9, 0, tzinfo=TZ), tmp_path / "bot.db")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    code, lines, err = await _audit(capsys, "--db", str(tmp_path / "bot.db"))
    assert code == 0, err
    assert err.strip() == ("no config at ./config: times in UTC (give --config DIR for the "
                           "bot's time zone)")
    assert _column(lines, "time")[0].startswith("2026-11-01 01:00")  # 09:00 in Shanghai
    assert _column(lines, "action") == ["warn", "warn", "warn", "kick"]
    code, lines, err = await _audit(capsys, "--config", str(root))
    assert code == 0 and _column(lines, "time")[0].startswith("2026-11-01 09:00")
    code, lines, err = await _audit(capsys)
    assert (code, lines) == (2, [])
    assert err.strip() == ("groupbot audit: no config at ./config: give --config DIR (its "
                           "`storage` is the database), or --db PATH to read a database "
                           "without a config")
    code, _, err = await _audit(capsys, "--config", str(elsewhere), "--db",
                                str(tmp_path / "bot.db"))  # a --config given must be there
    assert code == 2 and "bot.yaml" in err
