"""The join backstop: joins and leaves the platform never reported, found by comparing lists.

Some WeChat backends report joins late or not at all. Every `backstop.every` (bot.yaml,
default 5m), and once at start, the bot asks the platform for each bound group's member list
and compares it with the roster (who the bot believes is in the group: `left_at IS NULL`).
Members on the list but not in the roster are fed as one MemberJoined, members in the roster
but gone from the list as one MemberLeft, so handlers react as if the platform had reported
them; the welcome handler still greets each person once. A join reported late, after the
backstop found it, is a repeat the handlers already ignore.

The first time the backstop sees a group, the list is only recorded as the starting point:
nobody in a group the bot has just been added to (or had before it had a backstop) is
treated as a newcomer. A group counts as seen once a state row says so, not by having
roster rows, because a message or a reported join may reach the roster before the first
comparison does.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime

from bot import roster, state
from bot.adapters.base import Gateway, GatewayError
from bot.events import Event, Member, MemberJoined, MemberLeft
from bot.groups import GroupDirectory
from bot.store import Store
from bot.times import stamp

log = logging.getLogger(__name__)

OWNER = "@backstop"  # the state rows of the core's backstop (handler names have no "@")


async def member_lists(gateway: Gateway, groups: GroupDirectory) -> list[tuple[str, list[Member]]]:
    """Each bound group with its members as the platform lists them now; a group the
    platform cannot list this time is skipped (and logged) until the next run."""
    try:
        bound = await groups.bound()
    except GatewayError as exc:
        log.warning("join backstop: cannot list the groups: %s", exc)
        return []
    lists = []
    for info, _ in bound:
        try:
            lists.append((info.id, await gateway.members(info.id)))
        except GatewayError as exc:
            log.warning("join backstop: cannot list the members of %s: %s", info.id, exc)
    return lists


async def missed(store: Store, group: str, members: Sequence[Member], bot_id: str,
                 now: datetime) -> list[Event]:
    """The joins and leaves in `group` that the roster does not know about, as events; on
    the first look at a group, none: its members are recorded as they are."""
    listed = {m.id: m for m in members if m.id != bot_id}
    known = {e.member: e.name for e in await roster.present(store, group) if e.member != bot_id}
    joined = tuple(m for member_id, m in listed.items() if member_id not in known)
    left = tuple(Member(i, known[i]) for i in known if i not in listed)
    if await state.get(store, (group, "", OWNER, "seen")) is None:
        await _record(store, group, joined, left, now)
        return []
    if joined or left:
        log.info("join backstop: %s has %d unreported join(s), %d leave(s)", group,
                 len(joined), len(left))
    events: list[Event] = []
    if left:
        events.append(MemberLeft(now, group, left))
    if joined:
        events.append(MemberJoined(now, group, joined))
    return events


async def _record(store: Store, group: str, joined: Sequence[Member], left: Sequence[Member],
                  now: datetime) -> None:
    """Make the roster match the platform's list without any event: the starting point."""
    await roster.present_as(store, group, joined)
    await roster.left(store, group, [m.id for m in left], now)
    await state.put(store, (group, "", OWNER, "seen"), stamp(now))
