"""Standard name cards: a newcomer whose group nickname does not follow the group type's
pattern (e.g. City-Company-Name) is reminded after a delay, then again at an interval, at
most a set number of times; the reminders stop as soon as they rename themselves (or
leave). Reminders that fall due within a short window go as one message mentioning
everyone, like welcomes: 100 newcomers at once get a few messages, not 300. Admins can ask
for the list of members whose names do not comply (`/名片`); the bot and the admins
themselves are not held to the pattern, nor is a member in a group of a later stage of the
funnel now (a trainee promoted to the official group who stays in the internship group a
while: their name card is the official group's business): a reminder that falls due then
is not sent, and the schedule goes on, so that one dismissed from there gets those left.
A rename to another wrong name once the schedule has run out starts a fresh one.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from typing import Annotated

from pydantic import Field, model_validator

from bot import roster
from bot.config import Count, Duration, Regex, SaidText, TemplateText, placeholders
from bot.context import Context, Group
from bot.events import MemberJoined, MemberLeft, MemberRenamed, Message, Tick
from bot.handler import CONTINUE, STOP, Flow, Handler, HandlerConfig
from bot.regex import as_normalized
from bot.sanitize import clean, more_than, names
from bot.text import normalize, strip_mentions
from handlers import funnel
from handlers.lifecycle import stages_in


class Config(HandlerConfig):
    pattern: Regex
    example: SaidText = Field(min_length=1)
    first_reminder: Duration = timedelta(minutes=10)
    interval: Duration = timedelta(days=1)
    max_reminders: Count = Field(3, ge=1)
    reminder: Annotated[TemplateText, placeholders("example", "member", "group")]
    list_commands: list[str] = ["/名片", "/names"]
    window: Duration = timedelta(seconds=15)
    max_mentions: Count = Field(20, ge=1, le=50)

    @model_validator(mode="after")
    def _example_complies(self) -> Config:
        """Members are told to copy the example: one the pattern refuses would have them
        rename to a name still reminded about."""
        if as_normalized(self.pattern).fullmatch(normalize(self.example)) is None:
            raise ValueError(f"example {self.example!r} does not match the pattern: give a "
                             "nickname that follows it")
        return self


class NameCard(Handler[Config]):
    name = "namecard"
    events = (MemberJoined, MemberRenamed, MemberLeft, Message, Tick)
    Config = Config

    def prepare(self) -> None:
        config = self.config
        self._commands = tuple(normalize(command) for command in config.list_commands)
        self._pattern = as_normalized(config.pattern)  # (it reads normalized names)

    def triggers(self) -> frozenset[str]:
        """The admins' list commands (normalized): the pipeline skips this handler for the
        messages that hold none (its other events always reach it)."""
        return frozenset(self._commands)

    def complies(self, name: str) -> bool:
        return self._pattern.fullmatch(normalize(name)) is not None

    async def handle(self, event: MemberJoined | MemberRenamed | MemberLeft | Message | Tick,
                     ctx: Context) -> Flow:
        match event:
            case MemberJoined():
                wrong = [member.id for member in event.members
                         if not (self.complies(member.name) or _exempt(member.id, ctx))]
                for member_id in wrong:  # (one promoted meanwhile: `_remind` puts it off)
                    if await ctx.schedule(_timer(member_id), self.config.first_reminder,
                                          {"member": member_id}, replace=False):
                        await ctx.set("reminded", 0, member=member_id)
            case MemberRenamed():
                await self._renamed(event, ctx)
            case MemberLeft():
                for member in event.members:
                    await ctx.cancel(_timer(member.id))
            case Tick() if event.key == BATCH:
                await self._remind(ctx)
            case Tick():
                await self._due(event.data["member"], ctx)
            case Message():
                return await self._list_for_admin(event, ctx)
        return CONTINUE

    async def _held(self, members: Sequence[str], ctx: Context) -> list[str]:
        """Those of `members` held to the pattern here. The bot and the admins keep the names
        they have; a member in a group of a later stage than this group's type now (a trainee
        who passed the quiz and joined the official group, or was added there by hand, and
        stays in the internship group a while) is that stage's business. Not every stage the
        funnel saw them reach: one added to the official group by mistake and removed, or
        dismissed from it, is a trainee here again."""
        members = [m for m in members if not _exempt(m, ctx)]
        later = _later_stages(ctx.group)
        if not (members and later):
            return members
        # one got into a group of a later stage by a join the funnel recorded (one there
        # before the bot saw any join is unknown to it, and held): the platform's list of
        # groups is asked for them alone, not for every member due
        reached = await funnel.journeys(ctx.store, members=members)
        been = [m for m in members if not later.isdisjoint(reached.get(m, ()))]
        if not been:
            return members
        groups = [info.id for stage in sorted(later) for info in await ctx.groups_of_type(stage)]
        there = await roster.present_in_any(ctx.store, groups, been)
        return [m for m in members if m not in there]

    async def _renamed(self, event: MemberRenamed, ctx: Context) -> None:
        member = event.member
        if self.complies(member.name) or _exempt(member.id, ctx):
            await ctx.cancel(_timer(member.id))
            return
        # a schedule going on keeps its rounds; one run out (say, while they were promoted)
        # starts afresh: a wrong name chosen now is a new act, reminded as after a join
        ran_out = await ctx.get("reminded", member=member.id, default=0) \
            >= self.config.max_reminders
        if await ctx.schedule(_timer(member.id), self.config.first_reminder,
                              {"member": member.id}, replace=False) and ran_out:
            await ctx.set("reminded", 0, member=member.id)

    async def _due(self, member: str, ctx: Context) -> None:
        """A member's reminder is due: it goes with the others due within `window`."""
        due = await ctx.get("due", default=[])
        if member not in due:
            await ctx.set("due", [*due, member])
        await ctx.schedule(BATCH, self.config.window, replace=False)

    async def _remind(self, ctx: Context) -> None:
        due = await ctx.get("due", default=[])
        await ctx.set("due", [])
        held = set(await self._held(due, ctx))
        wrong = []
        for member in due:
            entry = await roster.entry(ctx.store, ctx.group_id, member)
            if entry is None or entry.left_at is not None or self.complies(entry.name):
                continue
            reminded = await ctx.get("reminded", member=member, default=0) + 1
            await ctx.set("reminded", reminded, member=member)
            if reminded < self.config.max_reminders:
                await ctx.schedule(_timer(member), self.config.interval, {"member": member})
            if member in held:  # (one promoted now: this round passes unsent, and the
                wrong.append((member, entry.name))  # next is kept for a dismissal)
        step = self.config.max_mentions
        for start in range(0, len(wrong), step):
            batch = wrong[start:start + step]
            ctx.say(self.config.reminder.render({
                "example": self.config.example, "member": names(name for _, name in batch),
                "group": ctx.group.topic if ctx.group else ""}),
                mentions=[member for member, _ in batch])

    async def _list_for_admin(self, event: Message, ctx: Context) -> Flow:
        text = normalize(strip_mentions(event.text))
        if not (ctx.is_admin(event.sender.id) and text.startswith(self._commands)):
            return CONTINUE
        present = {e.member: e.name for e in await roster.present(ctx.store, ctx.group_id)}
        rows = [(member, present[member]) for member in await self._held(list(present), ctx)]
        wrong = [f"{clean(name)}（{member}）" for member, name in rows if not self.complies(name)]
        topic = clean(ctx.group.topic if ctx.group else ctx.group_id)
        if wrong:
            text = (f"「{topic}」群名片不规范的成员 {len(wrong)}/{len(rows)} 人"
                    f"（格式示例：{self.config.example}）：\n"
                    + "\n".join(wrong[:SHOWN] + more_than(len(wrong), SHOWN, "人")))
        else:
            text = f"「{topic}」{len(rows)} 位成员的群名片都符合规范。"
        ctx.dm(event.sender.id, text)
        return STOP


BATCH = "batch"  # the timer that sends the reminders due within the window
SHOWN = 100  # members named in the list for an admin; the rest are counted


def _timer(member: str) -> str:
    return f"remind:{member}"


def _exempt(member: str, ctx: Context) -> bool:
    """The bot and the admins keep the names they have."""
    return ctx.is_bot(member) or ctx.is_admin(member)


def _later_stages(group: Group | None) -> frozenset[str]:
    """The funnel's stages after the group's type (none if its type is no stage)."""
    stages = stages_in(group)
    if group is None or group.type not in stages:
        return frozenset()
    return frozenset(stages[stages.index(group.type) + 1:])
