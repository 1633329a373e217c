"""Fission: members who bring others in. Each join through a member's invitation is credited
to the inviter; an invitation counts once the invitee has stayed `min_stay`, and at each
reward threshold (1, 5, 20 invitations...) the inviter is then congratulated in the group,
once per threshold, with optional points. An invitee who leaves within `min_stay` never
counts, so an account that joins and leaves cannot earn a reward. Anyone can ask for the
invitation leaderboard.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Annotated

from pydantic import Field, field_validator

from bot import moderation, roster
from bot.actions import split_text
from bot.config import Count, Duration, SaidText, Template, TemplateText, placeholders
from bot.context import Context
from bot.events import MemberJoined, MemberLeft, Message, Tick
from bot.handler import CONTINUE, STOP, Flow, Handler, HandlerConfig
from bot.store import Reader, in_parts
from bot.text import WordMatcher, normalize, strip_mentions
from bot.times import instant, stamp, to_utc

INVITES = "fission_invites"
REWARDS = "fission_rewards"


class Reward(HandlerConfig):
    invitations: Count = Field(ge=1)
    points: Count = Field(0, ge=0)
    text: Annotated[TemplateText, placeholders("member", "count", "points")]


class Leaderboard(HandlerConfig):
    keywords: list[str] = ["邀请排行"]
    top: Count = Field(10, ge=1, le=50)
    cooldown: Duration = timedelta(minutes=5)  # per group: one board, then silence
    title: Annotated[TemplateText, placeholders("group")] = Template("🏆 邀请排行榜")
    line: Annotated[TemplateText, placeholders("rank", "member", "count", "points")] = Template(
        "{rank}. {member}：{count} 人")
    empty: SaidText = "还没有人邀请新成员，快来当第一个吧！"


class Config(HandlerConfig):
    rewards: list[Reward] = []
    min_stay: Duration = timedelta(days=3)
    leaderboard: Leaderboard = Leaderboard()

    @field_validator("rewards")
    @classmethod
    def _increasing(cls, rewards: list[Reward]) -> list[Reward]:
        counts = [r.invitations for r in rewards]
        if counts != sorted(set(counts)):
            raise ValueError("list the rewards by `invitations`, each number once, "
                             "smallest first")
        return rewards


class Fission(Handler[Config]):
    name = "fission"
    events = (MemberJoined, MemberLeft, Message, Tick)
    Config = Config
    migrations = (
        f"""
        CREATE TABLE {INVITES} (
            grp TEXT NOT NULL, invitee TEXT NOT NULL, inviter TEXT NOT NULL, at TEXT NOT NULL,
            left_at TEXT, counts INTEGER NOT NULL DEFAULT 1, PRIMARY KEY (grp, invitee));
        CREATE INDEX {INVITES}_inviter ON {INVITES} (grp, inviter);
        CREATE TABLE {REWARDS} (
            grp TEXT NOT NULL, inviter TEXT NOT NULL, invitations INTEGER NOT NULL,
            points INTEGER NOT NULL, at TEXT NOT NULL, PRIMARY KEY (grp, inviter, invitations));
        """,
        # 2: one time representation (bot/times.py): UTC, not the bot's offset
        to_utc(INVITES, "at", "left_at") + to_utc(REWARDS, "at"),
    )

    def prepare(self) -> None:
        config = self.config
        self._board = WordMatcher((word, word) for word in config.leaderboard.keywords)

    def triggers(self) -> frozenset[str]:
        """The leaderboard's keywords (normalized): the pipeline skips this handler for the
        messages that hold none (its other events always reach it)."""
        return self._board.words

    def wants(self, event: MemberJoined | MemberLeft | Message | Tick, ctx: Context) -> bool:
        """A join only when a member (not the bot) invited the newcomers."""
        if isinstance(event, MemberJoined):
            return bool(event.inviter) and not ctx.is_bot(event.inviter or "")
        return True

    async def handle(self, event: MemberJoined | MemberLeft | Message | Tick,
                     ctx: Context) -> Flow:
        match event:
            case MemberJoined(inviter=inviter) if inviter and not ctx.is_bot(inviter):
                await self._invited(event, inviter, ctx)
            case MemberLeft():
                await self._left(event, ctx)
            case Tick(data={"inviter": str(inviter)}):
                await self._reward(inviter, ctx)
            case Message() if self._board.first(normalize(strip_mentions(event.text))):
                await self._leaderboard(ctx)
                return STOP
        return CONTINUE

    async def _invited(self, event: MemberJoined, inviter: str, ctx: Context) -> None:
        for member in event.members:
            if member.id == inviter or ctx.is_bot(member.id):
                continue
            # A re-join counts again only if the earlier invitation no longer does; the same
            # join reported twice changes nothing and keeps its timer.
            if await ctx.store.changes(
                    f"INSERT INTO {INVITES} (grp, invitee, inviter, at) VALUES (?, ?, ?, ?)"
                    " ON CONFLICT (grp, invitee) DO UPDATE SET inviter=excluded.inviter,"
                    f" at=excluded.at, left_at=NULL, counts=1 WHERE {INVITES}.counts=0",
                    (ctx.group_id, member.id, inviter, stamp(ctx.now))):
                await ctx.schedule(f"stay:{member.id}", self.config.min_stay,
                                   {"inviter": inviter})

    async def _reward(self, inviter: str, ctx: Context) -> None:
        """An invitee stayed `min_stay`: announce the thresholds the inviter has now reached.
        An invitation that has not stayed it yet and waits on no timer (its timer was armed
        for a shorter `min_stay`, before a reload or restart lengthened it) is looked at
        again when it will have."""
        rows = await ctx.store.all(
            f"SELECT invitee, at FROM {INVITES} WHERE grp=? AND inviter=? AND counts=1",
            (ctx.group_id, inviter))
        stayed_since = ctx.now - self.config.min_stay
        count = 0
        for invitee, at in rows:
            if instant(at) <= stayed_since:
                count += 1
            elif ctx.scheduled(f"stay:{invitee}") is None:
                await ctx.schedule(f"stay:{invitee}", instant(at) + self.config.min_stay,
                                   {"inviter": inviter})
        if count < min((reward.invitations for reward in self.config.rewards), default=1):
            return
        absent = await _absent(inviter, ctx)
        if absent is not None:  # a removed ad poster is thanked for nothing: their invitees
            await ctx.audit("fission_withheld", inviter, absent)  # may be their sock puppets
            return
        for reward in self.config.rewards:
            if reward.invitations > count:
                break
            if await ctx.store.changes(
                    f"INSERT INTO {REWARDS} VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                    (ctx.group_id, inviter, reward.invitations, reward.points,
                     stamp(ctx.now))):
                ctx.say(reward.text.render({"member": await ctx.name(inviter),
                                            "count": reward.invitations,
                                            "points": reward.points}), mentions=[inviter])

    async def _left(self, event: MemberLeft, ctx: Context) -> None:
        for member in event.members:
            row = await ctx.store.one(
                f"SELECT at FROM {INVITES} WHERE grp=? AND invitee=? AND left_at IS NULL",
                (ctx.group_id, member.id))
            if row is None:
                continue
            early = ctx.now - instant(row[0]) < self.config.min_stay
            if early:
                await ctx.cancel(f"stay:{member.id}")
            await ctx.store.execute(
                f"UPDATE {INVITES} SET left_at=?, counts=? WHERE grp=? AND invitee=?",
                (stamp(ctx.now), 0 if early else 1, ctx.group_id, member.id))

    async def _leaderboard(self, ctx: Context) -> None:
        board = self.config.leaderboard
        if not await ctx.off_cooldown("leaderboard_posted", board.cooldown):
            return
        rows = await ctx.store.all(
            f"SELECT i.inviter, SUM(i.counts) AS n, (SELECT COALESCE(SUM(points), 0)"
            f" FROM {REWARDS} r WHERE r.grp=i.grp AND r.inviter=i.inviter)"
            f" FROM {INVITES} i WHERE i.grp=? GROUP BY i.grp, i.inviter HAVING SUM(i.counts) > 0"
            " ORDER BY n DESC, MIN(i.at)", (ctx.group_id,))
        removed = await moderation.blocked_among(ctx.store, [row[0] for row in rows])
        lines = [board.line.render({"rank": rank, "member": await ctx.name(inviter),
                                    "count": count, "points": points})
                 for rank, (inviter, count, points) in enumerate(
                     [row for row in rows if row[0] not in removed][:board.top], start=1)]
        title = board.title.render({"group": ctx.group.topic if ctx.group else ""})
        for part in split_text("\n".join([title, *lines]) if lines else board.empty):
            ctx.reply(part)  # (top 50: up to ~2,500 characters, in two messages)


async def _absent(inviter: str, ctx: Context) -> str | None:
    """Why the inviter gets no reward now, or None: removed (on the block list), or gone
    from the group (a reward owed is given at the next invitee's stay, if they are back)."""
    removed = await moderation.blocked_for(ctx.store, inviter)
    if removed is not None:
        return f"removed for {removed}"
    entry = await roster.entry(ctx.store, ctx.group_id, inviter)
    if entry is not None and entry.left_at is not None:
        return "left the group"
    return None


async def invited_by(store: Reader, inviter: str) -> int:
    """Invitations that count, in every group: the members' data centre."""
    row = await store.one(f"SELECT COALESCE(SUM(counts), 0) FROM {INVITES} WHERE inviter=?",
                          (inviter,))
    return int(row[0]) if row else 0


async def rewards_of(store: Reader, inviter: str) -> list[tuple[str, int, int, datetime]]:
    """(group, invitations, points, when) of each reward the member earned."""
    return [(str(grp), int(n), int(points), instant(at))
            for grp, n, points, at in await store.all(
                f"SELECT grp, invitations, points, at FROM {REWARDS} WHERE inviter=?"
                " ORDER BY at", (inviter,))]


async def reward_points(store: Reader, groups: Sequence[str], since: datetime | None = None,
                        inviter: str | None = None) -> dict[str, int]:
    """The points of the rewards earned in these groups (from `since` on; of one inviter),
    by inviter: what a member was told they earned, which the check-in figures count with
    their own (handlers/checkin.py)."""
    found: dict[str, int] = {}
    for marks, part in in_parts(groups):  # (every group of a type)
        where = f"grp IN ({marks}) AND points > 0 AND at >= ?"
        params: tuple[str, ...] = (*part, stamp(since) if since is not None else "")
        if inviter is not None:
            where, params = f"{where} AND inviter = ?", (*params, inviter)
        for member, points in await store.all(
                f"SELECT inviter, SUM(points) FROM {REWARDS} WHERE {where} GROUP BY inviter",
                params):
            found[str(member)] = found.get(str(member), 0) + int(points)
    return found
