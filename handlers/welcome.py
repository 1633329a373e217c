"""Greet newcomers: one message for everyone who joined within a short window, mentioning
them all; each person once per group (a re-join soon after gets no second welcome). A
newcomer who speaks before the window ends is greeted at once, so that the welcome is the
first thing the bot says to them (the outbox keeps it ahead of the answer: bot/outbox.py).
An `image` or `attachment` (a QR poster) follows the greeting, once per greeting."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from pydantic import Field, model_validator

from bot.config import ContentFile, Count, Duration, Media, TemplateText, placeholders
from bot.context import Context
from bot.events import MemberJoined, MemberLeft, Message, Tick
from bot.handler import CONTINUE, Flow, Handler
from bot.sanitize import Safe, names
from bot.savepoint import restoring

PLACEHOLDERS = ("members", "group", "count", "size", "rules")
EVER = timedelta.max  # a cooldown longer than the calendar: once, ever (Context.off_cooldown)


class Config(Media):
    template: Annotated[TemplateText, placeholders(*PLACEHOLDERS)] | None = None
    window: Duration = timedelta(seconds=15)
    max_mentions: Count = Field(20, ge=1, le=50)
    again_after: Duration | None = timedelta(days=30)
    rules: ContentFile | None = None

    @model_validator(mode="after")
    def _rules_given(self) -> Config:
        if self.template is None and not self.files:
            raise ValueError("give `template`, and/or `image` or `attachment`")
        if self.template is not None and "rules" in self.template.names and self.rules is None:
            raise ValueError("the template uses {rules}: set `rules:` to a content file")
        return self


class Welcome(Handler[Config]):
    name = "welcome"
    events = (MemberJoined, MemberLeft, Message, Tick)
    Config = Config

    def prepare(self) -> None:
        # Who may be waiting in each group, as a hint for `wants`: the pending members as
        # last read or written here (more when a write was undone), with the epoch of this
        # account's lease on the group then (another account's process may have added
        # members meanwhile, and the epoch tells). Only this handler arms the batch and adds
        # to it, and it notes who waits each time; a greeting forgets the group. The store
        # decides; the hint only spares a look at the timer and a read for a message from
        # anyone else.
        self._waiting: dict[str, tuple[int, frozenset[str]]] = {}

    def wants(self, event: MemberJoined | MemberLeft | Message | Tick, ctx: Context) -> bool:
        """A message matters only from a newcomer who may be waiting for their welcome."""
        if not isinstance(event, Message):
            return True
        group_id = ctx.group_id
        hint = self._waiting.get(group_id)
        if hint is None:  # nothing noted here (a start, a load, a greeting): the timer tells
            if ctx.scheduled("batch") is not None:
                return True
            # nobody waits, noted until a batch is armed here; and forgotten if what happened
            # since is undone (a greeting undone arms its batch again)
            ctx.store.on_undo(restoring(self._waiting, group_id))
            self._waiting[group_id] = (ctx.epoch, frozenset())
            return False
        return hint[0] != ctx.epoch or event.sender.id in hint[1]

    def _note(self, ctx: Context, pending: list[list[str]]) -> None:
        """Remember who waits for the batch armed now (nothing when none is)."""
        if ctx.scheduled("batch") is None:
            self._waiting.pop(ctx.group_id, None)
        else:
            self._waiting[ctx.group_id] = (ctx.epoch, frozenset(p[0] for p in pending))

    async def handle(self, event: MemberJoined | MemberLeft | Message | Tick,
                     ctx: Context) -> Flow:
        if isinstance(event, Message):
            if ctx.scheduled("batch") is None:  # nobody waits for a welcome here
                self._waiting.pop(ctx.group_id, None)  # (a hint from before, void now)
                return CONTINUE
            pending = await ctx.get("pending", default=[])
            if any(member_id == event.sender.id for member_id, _ in pending):
                await ctx.cancel("batch")
                await self._greet(ctx)
            self._note(ctx, pending)
        elif isinstance(event, MemberJoined):
            await self._joined(event, ctx)
        elif isinstance(event, MemberLeft):
            pending = await ctx.get("pending", default=[])
            gone = {m.id for m in event.members}
            for member_id, _ in pending:
                if member_id in gone:  # never greeted: a return is welcomed
                    await ctx.forget("welcomed", member=member_id)
            await ctx.set("pending", [p for p in pending if p[0] not in gone])
        else:
            await self._greet(ctx)
            self._waiting.pop(ctx.group_id, None)
        return CONTINUE

    async def _joined(self, event: MemberJoined, ctx: Context) -> None:
        pending = await ctx.get("pending", default=[])
        waiting = {p[0] for p in pending}
        for member in event.members:
            if ctx.is_bot(member.id) or member.id in waiting:
                continue
            # welcomed within `again_after` (ever, without it): not again; else noted now
            again = EVER if self.config.again_after is None else self.config.again_after
            if not await ctx.off_cooldown("welcomed", again, member=member.id):
                continue
            pending.append([member.id, member.name])
        if pending:
            await ctx.set("pending", pending)
            await ctx.schedule("batch", self.config.window, replace=False)
            self._note(ctx, pending)

    async def _greet(self, ctx: Context) -> None:
        pending = await ctx.get("pending", default=[])
        await ctx.set("pending", [])
        # not those to be removed (an ad right after joining): their removal waits to go
        pending = [p for p in pending if not ctx.removal_queued(p[0])]
        if not pending or ctx.group is None:
            return
        template = self.config.template
        if template is not None:
            size = (await ctx.group_info()).member_count
            step = self.config.max_mentions
            for start in range(0, len(pending), step):
                batch = pending[start:start + step]
                text = template.render({
                    "members": names(name for _, name in batch),
                    "group": ctx.group.topic,
                    "count": len(batch),
                    "size": size,
                    "rules": Safe(self.config.rules.text.strip() if self.config.rules else ""),
                })
                ctx.say(text, mentions=[member_id for member_id, _ in batch])
        if self.config.files:  # once, after the greetings: the poster everyone needs
            ctx.say("", files=self.config.files)
