"""When the bot commits around delivery: what decided an action is committed before the
action goes (bot/delivery.py `send_due`), and only then. A run of the delivery that sends
nothing (an action the send budget holds back, a drop, a tick) adds no commit of its own:
what it writes joins the open batch of events (bot/store.py), which commits at the next
send, at BATCH events or when the loop comes round. Before, every such run committed, and
the time a held-back action began to wait was a commit of its own at each run: three in
four events of a 500-group burst were a commit."""

from __future__ import annotations

from pathlib import Path

import pytest
from harness import Harness
from test_governor import ONE_A_DAY, _config
from test_outbox import _put

from bot.actions import Say
from bot.store import open_reader


def _commits(h: Harness) -> list[str]:
    """The COMMITs of the bot's SQLite connection from now on."""
    seen: list[str] = []
    h.bot.store._db.set_trace_callback(  # type: ignore[attr-defined]
        lambda sql: seen.append(sql) if sql == "COMMIT" else None)
    return seen


async def test_a_held_back_action_adds_no_commit_at_each_step(tmp_path: Path) -> None:
    """The send budget holds the second answer back: the members' chat and the clock go on
    for half an hour, a minute at a time, and no run commits alone."""
    async with Harness(_config(tmp_path, ONE_A_DAY), tmp_path) as h:
        await _put(h, Say("r1", "一"), Say("r1", "二"))
        await h.advance("1s")
        assert h.texts() == ["一"]
        commits = _commits(h)
        for minute in range(30):
            await h.say("r1", f"m{minute % 5}", f"第 {minute} 分钟")
            await h.advance("1m")
        assert h.texts() == ["一"] and len(h.bot.outbox) == 1
        assert commits == []


@pytest.mark.usefixtures("backend")
async def test_what_decided_a_send_is_committed_when_it_goes(tmp_path: Path) -> None:
    """Another connection finds the message a reply answers, and the reply marked as going,
    at the moment the platform is asked to send it."""
    async with Harness(_config(tmp_path, ONE_A_DAY), tmp_path) as h:
        reader = open_reader(h.db)
        found: list[object] = []
        send = h.world.send_text

        async def watched(group: str, text: str, mentions: tuple[str, ...] = ()) -> None:
            found.append(await reader.all("SELECT state FROM outbox"))
            await send(group, text, mentions)

        h.world.send_text = watched  # type: ignore[method-assign]
        try:
            await _put(h, Say("r1", "一"))
            await h.advance("1s")
            assert found == [[("sending",)]] and h.texts() == ["一"]
            # and that it went, once it did (not left `sending`, uncertain after a crash)
            assert await reader.all("SELECT count(*) FROM outbox") == [(0,)]
        finally:
            await reader.close()
