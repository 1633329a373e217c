"""A member's answers in a group, capped (`member_limit` of the keywords and faq handlers).

Every answer in a group is sent from the account's hourly group-message budget, which the
welcomes and pushes of all its groups share. A rule's or an entry's own cooldown stops a
member from getting the same answer again; this stops one member (or two) asking every
question in turn from getting all of them, without end: at most `answers` answers of the
handler within `within`, the rest not answered. The times are kept in the handler's state
for the member (Context.get/set), only those still within the window.
"""

from __future__ import annotations

from datetime import timedelta

from pydantic import Field

from bot.config import Count, Duration
from bot.context import Context
from bot.handler import HandlerConfig
from bot.times import stamp

KEY = "answered"  # the state key: the member's answer times


class MemberLimit(HandlerConfig):
    answers: Count = Field(3, ge=1)
    within: Duration = timedelta(minutes=10)


async def room(limit: MemberLimit | None, member: str, ctx: Context) -> list[str] | None:
    """The member's answer times still within the window if they may have another answer
    now (`[]` when there is no limit), None if not."""
    if limit is None:
        return []
    since = stamp(ctx.now - limit.within)
    recent = [at for at in await ctx.get(KEY, member, []) if at > since]
    return recent if len(recent) < limit.answers else None


async def count(limit: MemberLimit | None, member: str, recent: list[str],
                ctx: Context) -> None:
    """Note an answer to the member now (`recent`: what `room` gave)."""
    if limit is not None:
        await ctx.set(KEY, [*recent, stamp(ctx.now)], member)
