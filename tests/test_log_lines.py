"""The log groupbot writes (bot/cli.py `LogLines`): what comes from outside (a console
request's path, a group's name a member chose, what the platform answered) cannot forge a
line of its own nor send a terminal escape sequence to the operator's terminal."""

from __future__ import annotations

import contextlib
import io
import logging
import sys
import unicodedata
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot import cli, terminal
from bot.clock import SystemClock

FORGED = ("Recruitment 01\n2026-12-01 03:00:00,000 ERROR bot.store: the database is corrupt"
          "\r\u2028\x1b[2J\x1b]0;pwned\x07 \u202egnp.exe\u200b 招聘\u3000群")


def _inert(text: str) -> bool:
    """Whether `text` holds nothing a terminal acts on (spaces of every width are shown)."""
    return all(char.isprintable() or unicodedata.category(char) == "Zs" for char in text)


def _record(message: str, *args: object) -> logging.LogRecord:
    return logging.LogRecord("bot.adapters.wechaty", logging.INFO, __file__, 1, message, args,
                             None)


def test_a_message_stays_on_its_line_and_sends_no_escape() -> None:
    line = cli.LogLines(cli.LOG_FORMAT).format(_record("removed %s from %s: %s", "bob",
                                                       FORGED, "ads"))
    assert "\n" not in line and _inert(line), line
    assert line.endswith(": removed bob from Recruitment 01\\n2026-12-01 03:00:00,000 ERROR "
                         "bot.store: the database is corrupt\\r\\u2028\\x1b[2J\\x1b]0;pwned"
                         "\\x07 \\u202egnp.exe\\u200b 招聘\u3000群: ads"), line


def test_a_plain_message_is_written_as_it_is() -> None:
    record = _record("GET %s 302 2ms", "/me/招聘 群?x=1")
    assert cli.LogLines("%(message)s").format(record) == "GET /me/招聘 群?x=1 302 2ms"
    assert record.getMessage() == record.message == "GET /me/招聘 群?x=1 302 2ms"  # unchanged


def test_a_traceback_keeps_its_lines_and_sends_no_escape() -> None:
    try:
        raise ValueError(FORGED)
    except ValueError:
        record = logging.LogRecord("bot", logging.ERROR, __file__, 1, "failed on %s", (FORGED,),
                                   sys.exc_info())
    text = cli.LogLines(cli.LOG_FORMAT).format(record)
    first, *rest = text.split("\n")
    assert first.endswith("ERROR bot: failed on Recruitment 01\\n2026-12-01 03:00:00,000 "
                          "ERROR bot.store: the database is corrupt\\r\\u2028\\x1b[2J\\x1b]0;"
                          "pwned\\x07 \\u202egnp.exe\\u200b 招聘\u3000群")
    assert rest[0] == "Traceback (most recent call last):"
    assert _inert(text.replace("\n", ""))
    assert "ValueError: Recruitment 01" in text


def test_groupbot_writes_its_log_so(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """`groupbot` (every command) sets up its log with LogLines, on the bot's clock under
    `run` (terminal._log_on sets the formatter's converter)."""
    err = io.StringIO()
    monkeypatch.setattr(logging.root, "handlers", [])  # a new process's: none
    monkeypatch.setattr(logging.root, "level", logging.WARNING)
    with contextlib.redirect_stderr(err):
        assert cli.main(["check", "--config", str(tmp_path / "none")]) == 2
        (handler,) = logging.root.handlers
        clock = SystemClock(ZoneInfo("UTC"))
        clock.skip(timedelta(days=400))  # the simulator's /wait: the log follows
        terminal._log_on(clock)
        logging.getLogger("bot.adapters.wechaty").warning("removed %s from %s", "bob", FORGED)
    assert isinstance(handler.formatter, cli.LogLines)
    (line,) = [line for line in err.getvalue().splitlines() if "removed bob" in line]
    assert _inert(line) and "\\x1b[2J" in line
    assert line[:10] == clock.now().strftime("%Y-%m-%d"), line
