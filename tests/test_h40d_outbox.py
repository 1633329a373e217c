"""A stored time in the outbox that is no time (a hand edit, a restore from another tool):
the start does not fail on it. It is read as now, logged with its row and column, and
stored as now (docs/wechat.md, "When WeChat fails")."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from harness import Harness
from test_delivery_retry_due import _config, _failing
from test_outbox import _put

from bot import outbox
from bot.actions import Say
from bot.adapters.base import GatewayError
from bot.times import unstamp


@pytest.mark.usefixtures("backend")  # on SQLite, then on PostgreSQL
@pytest.mark.parametrize("column", ["not_before", "deferred_since"])
async def test_an_unreadable_stored_time_is_read_as_now_and_logged(
        tmp_path: Path, column: str, caplog: pytest.LogCaptureFixture) -> None:
    """The message whose try failed goes at its retry after the restart, once; the warning
    names the row and the column; the row holds a time again (the console reads it)."""
    async with Harness(_config(tmp_path), tmp_path) as h:
        tries = _failing(h, [GatewayError("the gateway answered 502")])
        await _put(h, Say("r1", "通知"))
        await h.advance("1s")
        [(row_id,)] = await h.bot.store.all("SELECT id FROM outbox")
        await h.bot.store.execute(f"UPDATE outbox SET {column} = 'soon'")
        with caplog.at_level(logging.WARNING, logger="bot.outbox"):
            await h.restart()
        assert f"outbox row {row_id}: {column} 'soon' is no time" in caplog.text
        [(stored,)] = await h.bot.store.all(f"SELECT {column} FROM outbox")
        assert unstamp(stored) == h.clock.now()
        await h.advance("1h")
        assert len(tries) == 2 and h.texts("r1") == ["通知"]


@pytest.mark.usefixtures("backend")
async def test_the_held_back_list_reads_a_time_that_is_no_time_as_now(tmp_path: Path) -> None:
    """The console lists what the send budget holds back before any start repaired the row
    (`groupbot web` alone): the row is shown as held since now, as the bot will read it, not
    a failed page."""
    async with Harness(_config(tmp_path), tmp_path) as h:
        await _put(h, Say("r1", "早"))
        await _put(h, Say("r1", "晚"))
        await h.bot.store.execute("UPDATE outbox SET deferred_since = ? WHERE action LIKE ?",
                                  ("2020-01-01T00:00:00.000+00:00", "%早%"))
        await h.bot.store.execute("UPDATE outbox SET deferred_since = 'soon'"
                                  " WHERE action LIKE ?", ("%晚%",))
        held = await outbox.held_back(h.bot.store, h.clock.now())
        assert [(action.text, since) for action, _, since in held] == [  # type: ignore[attr-defined]
            ("早", unstamp("2020-01-01T00:00:00.000+00:00")), ("晚", h.clock.now())]
