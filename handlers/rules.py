"""Post the group's rules when someone asks for them ("群规", "rules"), at most once per
cooldown in a group so the rules never flood the chat."""

from __future__ import annotations

from datetime import timedelta

from pydantic import model_validator

from bot.config import ContentFile, Duration, Media
from bot.context import Context
from bot.events import Kind, Message
from bot.handler import CONTINUE, STOP, Flow, Handler
from bot.literals import Literals
from bot.text import WordMatcher


class Config(Media):
    triggers: list[str] = ["群规", "rules"]
    text: ContentFile | None = None
    cooldown: Duration = timedelta(minutes=5)
    mention: bool = False

    @model_validator(mode="after")
    def _something(self) -> Config:
        if self.text is None and not self.files:
            raise ValueError("give `text` (a content file), and/or `image` or `attachment`")
        return self


class Rules(Handler[Config]):
    name = "rules"
    events = (Message,)
    Config = Config

    def prepare(self) -> None:
        config = self.config
        self._triggers = WordMatcher((word, word, True) for word in config.triggers)
        self._triggered_by = self._triggers.words
        self._first_look = Literals(self._triggered_by)

    def triggers(self) -> frozenset[str]:
        return self._triggered_by

    def _asked(self, event: Message, norm: str) -> bool:
        """A text naming a trigger. A file, a link or a picture asks nothing: a shared
        「本群群规（新版）.pdf」 comes with its name as its text."""
        return (event.kind is Kind.TEXT and self._first_look.any_in(norm)
                and self._triggers.first(norm) is not None)

    def wants(self, event: Message, ctx: Context) -> bool:
        return self._asked(event, ctx.normalized)

    async def handle(self, event: Message, ctx: Context) -> Flow:
        if not self._asked(event, ctx.normalized):
            return CONTINUE
        if not await ctx.off_cooldown("posted", self.config.cooldown):
            return STOP
        text = self.config.text.text.strip() if self.config.text else ""
        ctx.reply(text, mention=self.config.mention, files=self.config.files)
        return STOP
