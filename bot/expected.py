"""Replies a handler expects in a group: while the quiz asks a candidate its questions there,
each text of theirs is an answer (handlers/quiz.py), however like the others' (a cohort
giving the same right answer) or their own (the same answer to two questions). Antispam
takes such texts for no raid and no repeat; floods, links, contact details and banned
words still count (handlers/antispam.py).

Kept in the state table (bot/state.py) under OWNER, so a restart keeps them: for each member
and group, since when their texts are answers and until when (the attempt's longest end,
set to its actual end when it ends: a copy written during the attempt is still an answer
when a later copy by someone else makes a raid of it). Read only when a raid or a repeat is
found.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from bot import state
from bot.store import Reader, Store
from bot.times import instant, stamp

OWNER = "expected"
SKEW = timedelta(seconds=10)  # the platform's clock (when a text was written) vs the bot's


def _key(group: str, member: str) -> state.Key:
    return (group, member, OWNER, "reply")


async def expect(store: Store, group: str, member: str, since: datetime,
                 until: datetime) -> None:
    """The member's texts in the group from `since` to `until` answer what the bot asked."""
    await state.put(store, _key(group, member), {"since": stamp(since), "until": stamp(until)})


async def settled(store: Store, group: str, member: str, at: datetime) -> None:
    """No more answers are expected of the member in the group after `at`."""
    key = _key(group, member)
    if (mark := await state.get(store, key)) is not None and instant(mark["until"]) > at:
        await state.put(store, key, {**mark, "until": stamp(at)})


async def expecting(store: Reader, group: str, member: str, at: datetime) -> bool:
    """Whether the member's text in the group written at `at` is an answer the bot asked
    for."""
    mark = await state.get(store, _key(group, member))
    return mark is not None and (
        instant(mark["since"]) - SKEW <= at <= instant(mark["until"]) + SKEW)
