"""Answer the questions members ask again and again.

Each rule has patterns matched exact, contains, prefix or regex against the normalized text
(case and full-width/half-width folded; Chinese matched inside sentences). The first rule
in YAML order that matches wins. Literal patterns go through one Aho-Corasick automaton and
regex patterns through one combined expression, so the cost per message does not grow with
the number of rules.
"""

from __future__ import annotations

import re
from datetime import timedelta
from enum import StrEnum
from typing import Annotated

from pydantic import Field, model_validator

from bot.config import ContentFile, Duration, TemplateText, placeholders
from bot.context import Context
from bot.events import Message
from bot.handler import CONTINUE, STOP, Flow, Handler, HandlerConfig
from bot.text import WordMatcher, normalize, strip_mentions

Reply = Annotated[TemplateText, placeholders("member", "group")]


class MatchKind(StrEnum):
    EXACT = "exact"
    CONTAINS = "contains"
    PREFIX = "prefix"
    REGEX = "regex"


class Rule(HandlerConfig):
    id: str | None = None
    match: MatchKind = MatchKind.CONTAINS
    patterns: list[str] = Field(min_length=1)
    reply: Reply | None = None
    replies: list[Reply] | None = Field(None, min_length=1)
    file: ContentFile | None = None
    mention: bool = False
    only_when_mentioned: bool = False
    cooldown: Duration | None = None

    @model_validator(mode="after")
    def _one_answer(self) -> Rule:
        given = [k for k in ("reply", "replies", "file") if getattr(self, k) is not None]
        if len(given) != 1:
            raise ValueError("give exactly one of `reply`, `replies` or `file`")
        if self.match is MatchKind.REGEX:
            for pattern in self.patterns:
                try:  # as it will stand inside the one combined expression
                    re.compile(f"(?:{pattern})")
                except re.error as exc:
                    hint = (" (inline flags like (?i) are not needed: matching ignores case)"
                            if "flags" in str(exc) else "")
                    raise ValueError(f"invalid regular expression {pattern!r}: {exc}{hint}") \
                        from None
        return self

    @property
    def key(self) -> str:
        return self.id or self.patterns[0]


class Config(HandlerConfig):
    cooldown: Duration = timedelta(seconds=60)
    rules: list[Rule] = []


class Keywords(Handler[Config]):
    name = "keywords"
    events = (Message,)
    Config = Config

    def prepare(self) -> None:
        config = self.config
        self._exact: dict[str, int] = {}
        literal: list[tuple[str, int, bool]] = []
        regexes: list[str] = []
        for index, rule in enumerate(config.rules):
            for pattern in rule.patterns:
                if rule.match is MatchKind.EXACT:
                    self._exact.setdefault(normalize(pattern), index)
                elif rule.match is MatchKind.REGEX:
                    regexes.append(f"(?P<r{index}_{len(regexes)}>{pattern})")
                else:
                    literal.append((pattern, index, True))
        self._literal = WordMatcher(literal)
        self._regex = re.compile("|".join(regexes), re.IGNORECASE) if regexes else None

    def match(self, text: str) -> Rule | None:
        """The first rule (in YAML order) whose patterns match `text`."""
        norm = normalize(strip_mentions(text))
        found = {self._exact[norm]} if norm in self._exact else set()
        for start, _, index in self._literal.find_all(norm):
            rule = self.config.rules[index]
            if rule.match is MatchKind.CONTAINS or start == 0:
                found.add(index)
        if self._regex is not None:
            for m in self._regex.finditer(norm):
                found.add(int((m.lastgroup or "r0_").split("_")[0][1:]))
        return self.config.rules[min(found)] if found else None

    async def handle(self, event: Message, ctx: Context) -> Flow:
        rule = self.match(event.text)
        if rule is None or (rule.only_when_mentioned and not event.mentions_bot):
            return CONTINUE
        cooldown = rule.cooldown if rule.cooldown is not None else self.config.cooldown
        if not await ctx.off_cooldown(f"said:{rule.key}", cooldown):
            return STOP
        ctx.reply(self._answer(rule, event, ctx), mention=rule.mention)
        return STOP

    @staticmethod
    def _answer(rule: Rule, event: Message, ctx: Context) -> str:
        if rule.file is not None:
            return rule.file.text.strip()
        template = rule.reply if rule.reply is not None else ctx.random.choice(rule.replies or [])
        assert template is not None
        return template.render({"member": event.sender.name,
                                "group": ctx.group.topic if ctx.group else ""})
