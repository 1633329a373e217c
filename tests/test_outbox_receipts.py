"""An action's end and what waited for it are one write (bot/delivery.py `_done`): the outbox
row goes with its receipt settled, so a crash between them cannot leave a receipt `queued`
for ever."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
from harness import SHIPPED, Harness

from bot import receipts
from bot.store import Store

GROUPS = {"i1": "Listener Internship 01", "o1": "Listener Official 01"}

pytestmark = pytest.mark.usefixtures("backend")  # on SQLite, then on PostgreSQL


class Crash(Exception):
    """The process dies here (a kill -9, a power cut): nothing after it is written."""


async def test_a_crash_as_a_questions_receipt_is_settled_still_ends_the_attempt(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Review r6 R6-4: the process died after delivery had taken the quiz's first question
    off the outbox (one commit) and before it settled the question's receipt (another). The
    receipt stayed `queued`, so the deadline was pushed back every 3 minutes and the attempt
    never ended. Now nothing of the question's end is written: after the restart it is a
    message that was going out when the bot stopped (uncertain, not sent again), its receipt
    says so, and the attempt ends at its deadline."""
    async with Harness(SHIPPED, tmp_path, groups=GROUPS) as h:
        settled = receipts.settled

        async def crash(store: Store, key: str, outcome: str, now: datetime) -> None:
            monkeypatch.setattr(receipts, "settled", settled)  # (the restart settles it)
            raise Crash(key)

        monkeypatch.setattr(receipts, "settled", crash)
        await h.say("i1", "dave", "开始考试")
        with pytest.raises(Crash):
            await h.advance("10s")
        assert len(h.sent) == 1  # the question went
        await h.restart()
        await h.advance("1h")
        assert len(h.sent) == 2  # not sent again; the candidate is told it did not count
        assert "第 1 题没能确认发给你，本次作答作废" in h.sent[1]["text"]  # (it may have gone)
        [detail] = await h.bot.store.all("SELECT detail FROM audit WHERE action='quiz_void'")
        assert detail[0].endswith(" may not have gone")
        assert [row[0] for row in await h.bot.store.all(
            "SELECT outcome FROM outbox_receipts ORDER BY at")] == ["uncertain"]
        assert await h.bot.store.all("SELECT id FROM outbox") == []
        assert await h.bot.store.all("SELECT key FROM timers WHERE handler = 'quiz'") == []
