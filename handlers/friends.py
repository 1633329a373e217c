"""Accept friend requests whose greeting says why they ask, then send them a greeting.

WeChat shows the bot a request with the asker's greeting ("我想做倾听者"). With
`accept: keywords` the bot accepts when the greeting contains one of `keywords`; with
`all` it accepts every request, with `none` it leaves every request to a person. Each
decision is written to the audit log. A contact is accepted once by each account: a
repeated request, or the same request reported twice, is not accepted or greeted again.

Someone who was sent this account's contact card to get into a group (bot/invitations.py:
they were not its friend) is accepted whatever their greeting (unless `accept: none`), and
invited into that group once the acceptance went; they are told so (`invited`), not sent
the `greeting` that asks newcomers to sign up.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from pydantic import model_validator

from bot import invitations
from bot.config import Template, TemplateText, placeholders
from bot.context import Context
from bot.events import FriendRequest
from bot.handler import CONTINUE, STOP, Flow, Handler, HandlerConfig
from bot.sanitize import Safe, other_group
from bot.text import WordMatcher, normalize
from bot.times import stamp


class Accept(StrEnum):
    KEYWORDS = "keywords"
    ALL = "all"
    NONE = "none"


class Config(HandlerConfig):
    accept: Accept = Accept.KEYWORDS
    keywords: list[str] = []
    greeting: Annotated[TemplateText, placeholders("member")] | None = Template(
        "你好 {member}，我是倾听者平台的小助手。发送「报名」即可加入招募群。")
    # to someone accepted for the card they were sent to get into a group: where they go
    invited: Annotated[TemplateText, placeholders("member", "group")] | None = Template(
        "你好 {member}，马上邀请你加入「{group}」，请在微信里接受群邀请。")

    @model_validator(mode="after")
    def _keywords_given(self) -> Config:
        if self.accept is Accept.KEYWORDS and not self.keywords:
            raise ValueError("`accept: keywords` needs `keywords` (or say `accept: all`)")
        return self


class Friends(Handler[Config]):
    name = "friends"
    events = (FriendRequest,)
    Config = Config

    def prepare(self) -> None:
        config = self.config
        self._keywords = WordMatcher((word, word, True) for word in config.keywords)

    async def handle(self, event: FriendRequest, ctx: Context) -> Flow:
        contact = event.contact
        accepted = f"accepted@{ctx.account}" if ctx.account else "accepted"  # per account
        if await ctx.get(accepted, member=contact.id) is not None:
            return STOP
        waiting = [] if self.config.accept is Accept.NONE else await invitations.waiting_for(
            ctx.store, ctx.account, contact.id)
        if not waiting and not self._wanted(event.hello):
            await self._ignore(event, ctx)
            return CONTINUE
        await ctx.set(accepted, stamp(ctx.now), member=contact.id)
        await ctx.audit("friend_accepted", contact.id, f"hello: {event.hello}"
                        + (f"; sent this account's card for {', '.join(waiting)}"
                           if waiting else ""))
        ctx.accept_friend(contact.id, event.request)
        greeting = await self._greeting(contact.name, waiting, ctx)
        if greeting:
            ctx.dm(contact.id, greeting)
        for group in waiting:  # they added this account to be invited: it goes once accepted
            ctx.invite(group, contact.id)
        return STOP

    async def _greeting(self, name: str, waiting: list[str], ctx: Context) -> str | None:
        """`greeting` for a new contact; `invited`, naming the groups, for one who came with
        the card to be invited (asking them to sign up would send them back a stage)."""
        if not waiting:
            template = self.config.greeting
            return None if template is None else template.render({"member": name})
        if self.config.invited is None:
            return None
        topics = [other_group(group.topic, ctx.type_title(group.type))
                  if (group := await ctx.group_of(grp)) else other_group(grp, "")
                  for grp in waiting]
        return self.config.invited.render({"member": name, "group": Safe("」「".join(topics))})

    def _wanted(self, hello: str) -> bool:
        if self.config.accept is Accept.KEYWORDS:
            return self._keywords.first(normalize(hello)) is not None
        return self.config.accept is Accept.ALL

    async def _ignore(self, event: FriendRequest, ctx: Context) -> None:
        """Leave the request for a person, and audit that once per request and greeting."""
        seen = [event.request, event.hello]
        if await ctx.get("ignored", member=event.contact.id) == seen:
            return
        await ctx.set("ignored", seen, member=event.contact.id)
        why = "accept: none" if self.config.accept is Accept.NONE else "no keyword"
        await ctx.audit("friend_ignored", event.contact.id, f"{why}; hello: {event.hello}")
