"""Answer the questions members ask again and again.

Each rule has patterns matched exact, contains, prefix or regex against the normalized text
(case and full-width/half-width folded; Chinese matched inside sentences). The first rule
in YAML order that matches wins. Literal patterns go through one Aho-Corasick automaton and
regex patterns through one RE2 set (linear time, see bot/regex.py), so the cost per message
hardly grows with the number of rules and not at all with a pattern's shape. A message that
holds none of the text the patterns need (bot/literals.py) is not matched at all.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import timedelta
from enum import StrEnum
from typing import Annotated, Any

from pydantic import AfterValidator, Field, ValidationInfo, model_validator

from bot import answer_limit
from bot.answer_limit import MemberLimit
from bot.config import ContentFile, Duration, Media, TemplateText, invalid_at, placeholders
from bot.context import Context
from bot.events import Kind, Message
from bot.handler import CONTINUE, FALLBACK, STOP, Flow, Handler, HandlerConfig
from bot.literals import FEW, Literals, needed
from bot.regex import Pattern, PatternSet, as_normalized
from bot.smalltalk import small_talk_only
from bot.text import WordMatcher, normalize, strip_mentions, unmarked

Reply = Annotated[TemplateText, placeholders("member", "group")]


class Per(StrEnum):
    """Whom a rule's `cooldown` counts for."""

    MEMBER = "member"  # each asker gets the answer once per cooldown (the flood guard on top)
    GROUP = "group"  # the group gets it once per cooldown, whoever asks


class MatchKind(StrEnum):
    EXACT = "exact"
    CONTAINS = "contains"
    PREFIX = "prefix"
    REGEX = "regex"


def _pattern(value: str, info: ValidationInfo) -> str:
    """A regex rule's pattern is checked for RE2 (refused if it cannot run in linear time)."""
    return Pattern(value) if info.data.get("match") is MatchKind.REGEX else value


class Rule(Media):
    id: str | None = None
    match: MatchKind = MatchKind.CONTAINS
    patterns: list[Annotated[str, AfterValidator(_pattern)]] = Field(min_length=1)
    reply: Reply | None = None
    replies: list[Reply] | None = Field(None, min_length=1)
    file: ContentFile | None = None
    mention: bool = False
    only_when_mentioned: bool = False
    cooldown: Duration | None = None
    cooldown_per: Per | None = None
    limited: bool = True  # counts towards the handler's `member_limit`

    @model_validator(mode="after")
    def _one_answer(self) -> Rule:
        given = [k for k in ("reply", "replies", "file") if getattr(self, k) is not None]
        if len(given) > 1 or (not given and not self.files):
            raise ValueError("give exactly one of `reply`, `replies` or `file` (a text; or "
                             "only `image` or `attachment`)")
        return self

    @property
    def key(self) -> str:
        return self.id or self.patterns[0]


class Config(HandlerConfig):
    cooldown: Duration = timedelta(seconds=60)
    cooldown_per: Per = Per.MEMBER
    group_cooldown: Duration = timedelta(seconds=5)
    member_limit: MemberLimit | None = MemberLimit()  # answers to a member, all rules
    default: Reply | None = None
    rules: list[Rule] = []

    @model_validator(mode="after")
    def _unique_ids(self) -> Config:
        first: dict[str, int] = {}
        for index, rule in enumerate(self.rules):
            if rule.id is not None and first.setdefault(rule.id, index) != index:
                raise invalid_at(("rules", index, "id"), f"rule id {rule.id!r} is already "
                                 f"used by rules[{first[rule.id]}]; ids must differ")
        return self


# Texts of every kind: a regex pattern that finds all of them finds every message.
_ANY_TEXT = ("a", "你", "1", "?", "😀")


class Keywords(Handler[Config]):
    name = "keywords"
    events = (Message,)
    Config = Config

    def prepare(self) -> None:
        config = self.config
        self._exact: dict[str, list[int]] = {}  # the rules of each exact pattern, in order
        literal: list[tuple[str, int, bool]] = []
        regexes: list[Pattern] = []
        self._regex_rule: list[int] = []  # the rule of each of `regexes`
        for index, rule in enumerate(config.rules):
            for pattern in rule.patterns:
                if rule.match is MatchKind.EXACT:
                    self._exact.setdefault(unmarked(normalize(pattern)), []).append(index)
                elif isinstance(pattern, Pattern):
                    regexes.append(as_normalized(pattern))
                    self._regex_rule.append(index)
                else:
                    literal.append((pattern, index, True))
        self._literal = WordMatcher(literal)
        self._regex = PatternSet(regexes) if regexes else None
        # A first look: the text no rule can do without (a literal pattern, what a regex
        # needs); a message without any of it matches no rule. None: a regex needs nothing
        # that can be told, every message is matched.
        needs = [needed(str(pattern)) for pattern in regexes]
        self._needs = None if None in needs else self._literal.words | frozenset(
            text for texts in needs if texts is not None for text in texts)
        # (none either for many literal words alone: the matcher's own automaton is as quick
        # a look, and a second one of the same words cost 12 ms of a large config's load)
        self._first_look = None if self._needs is None or (
            not regexes and len(self._needs) > FEW) else Literals(self._needs)
        self._last: tuple[tuple[str, bool] | None, Rule | None] = (None, None)  # (_match)

    def triggers(self) -> frozenset[str] | None:
        """What the rules need (an exact pattern is in the text it equals); a mention may
        get the `default` reply or an `only_when_mentioned` rule."""
        return None if self._needs is None else self._needs | frozenset(self._exact)

    def shadows(self, later: Sequence[Handler[Any]]) -> list[tuple[tuple[str | int, ...], str]]:
        """A rule that answers every message (or every mention) stops the handlers after
        this one from ever getting them. (`default` does not: it answers last.)"""
        names = [handler.name for handler in later]
        found: list[tuple[tuple[str | int, ...], str]] = []
        for i, rule in enumerate(self.config.rules):
            for j, pattern in enumerate(rule.patterns):
                if not (isinstance(pattern, Pattern)
                        and all(pattern.search(text) for text in _ANY_TEXT)):
                    continue
                if not rule.only_when_mentioned and names:
                    found.append((("rules", i, "patterns", j), f"{pattern.pattern!r} matches "
                                  f"every message: no handler after keywords "
                                  f"({', '.join(names)}) ever gets one"))
                elif rule.only_when_mentioned and "faq" in names:
                    found.append((("rules", i, "patterns", j), f"{pattern.pattern!r} matches "
                                  "every mention: the faq handler after keywords never gets a "
                                  "question to look up or hand off"))
        return found

    def match(self, text: str, mentioned: bool = True) -> Rule | None:
        """The first rule (in YAML order) whose patterns match `text`; without a mention,
        the first that is not `only_when_mentioned`."""
        return self._match(normalize(strip_mentions(text)), mentioned)

    def _match(self, norm: str, mentioned: bool) -> Rule | None:
        """The same, of a text without mentions, normalized (the last answer is kept: the
        pipeline asks `wants` and then `handle` about the same message)."""
        last, rule = self._last
        if (norm, mentioned) == last:
            return rule
        rule = self._matching(norm, mentioned)
        self._last = (norm, mentioned), rule
        return rule

    def _matching(self, norm: str, mentioned: bool) -> Rule | None:
        rules = self.config.rules

        def answers(index: int) -> bool:
            # a rule for mentions is no rule for a message without one: a later rule may
            # answer it (「你好」 said plainly: `contains 你好` after `exact 你好` for mentions)
            return mentioned or not rules[index].only_when_mentioned

        exact = self._exact.get(norm)
        if exact is None and self._exact and norm and not (norm[0].isalnum()
                                                          and norm[-1].isalnum()):
            exact = self._exact.get(unmarked(norm))  # "你好！", "在吗？", "【报名】"
        found = set(filter(answers, exact or ()))
        if not found and self._first_look is not None and not self._first_look.any_in(norm):
            return None  # most messages: nothing any rule looks for is there
        for start, _, index in self._literal.find_all(norm):
            if (rules[index].match is MatchKind.CONTAINS or start == 0) and answers(index):
                found.add(index)
        if self._regex is not None and (not found or self._regex_rule[0] < min(found)):
            # a regex rule may come before the literal match (`_regex_rule` is in rule order)
            found.update(filter(answers, (self._regex_rule[i]
                                          for i in self._regex.matching(norm))))
        return rules[min(found)] if found else None

    def wants(self, event: Message, ctx: Context) -> bool:
        """A text a rule matches (a mention, for a rule `only_when_mentioned`), or a mention
        when there is a `default` reply. A file, a link or a picture is no question: a
        shared 「2026年价格表.xlsx」 comes with its name as its text."""
        if event.kind is not Kind.TEXT:
            return False
        if event.mentions_bot and self.config.default is not None:
            return True
        return self._match(ctx.normalized, event.mentions_bot) is not None

    async def handle(self, event: Message, ctx: Context) -> Flow:
        if event.kind is not Kind.TEXT:
            return CONTINUE
        rule = self._match(ctx.normalized, event.mentions_bot)
        if rule is None:
            return await self._default(event, ctx)
        cooldown = rule.cooldown if rule.cooldown is not None else self.config.cooldown
        per = rule.cooldown_per or self.config.cooldown_per
        if await self._off_cooldown(f"said:{rule.key}", cooldown, per, event, ctx,
                                    rule.limited):
            ctx.reply(self._answer(rule, event, ctx), mention=rule.mention, files=rule.files)
        return STOP

    async def _off_cooldown(self, key: str, cooldown: timedelta, per: Per, event: Message,
                            ctx: Context, limited: bool = True) -> bool:
        """Per group: the group's last answer by this rule, whoever asked (a private chat is
        its own group). Per member: each member's own cooldown, and the group's flood guard:
        a burst of askers gets one answer, members asking a minute apart get one each. The
        guard is never longer than the cooldown (a rule with `cooldown: 0s` answers every
        message), and only an answer starts it: a member asking again within their own
        cooldown keeps nobody else from an answer. In a group a member also gets at most
        `member_limit` answers of any rules in its window (a rule per group, or one not
        `limited`, such as the way to a person: no limit)."""
        if per is Per.GROUP:
            return await ctx.off_cooldown(f"flood:{key}", cooldown)
        member = event.sender.id
        limit = self.config.member_limit if ctx.group is not None and limited else None
        recent = await answer_limit.room(limit, member, ctx)  # (bot/answer_limit.py)
        if recent is None or not await ctx.off_cooldown(key, cooldown, member=member):
            return False
        guard = min(self.config.group_cooldown, cooldown)
        if ctx.group is None or await ctx.off_cooldown(f"flood:{key}", guard):
            await answer_limit.count(limit, member, recent, ctx)
            return True
        await ctx.forget(key, member=member)  # not answered: their cooldown has not begun
        return False

    async def _default(self, event: Message, ctx: Context) -> Flow:
        """A mention no rule matches gets the `default` reply (off unless configured), but
        only if no handler after this one takes it (invite's 「@小助手 报名」, a check-in,
        the FAQ): the pipeline calls `fallback` at the end if none stopped it. Small talk
        ("@小助手 谢谢你", "早上好", bot/smalltalk.py) asks nothing: no default for it."""
        if self.config.default is None or not event.mentions_bot:
            return CONTINUE
        if await asyncio.to_thread(small_talk_only, ctx.normalized):
            return CONTINUE  # (jieba: in a worker thread)
        return FALLBACK

    async def fallback(self, event: Message, ctx: Context) -> None:
        template = self.config.default
        assert template is not None  # (only a `default` returns FALLBACK)
        # addressed to the asker by name: per member, whatever `cooldown_per` says
        if await self._off_cooldown("said:default", self.config.cooldown, Per.MEMBER, event,
                                    ctx):
            ctx.reply(template.render({"member": event.sender.name,
                                       "group": ctx.group.topic if ctx.group else ""}),
                      mention=True)

    @staticmethod
    def _answer(rule: Rule, event: Message, ctx: Context) -> str:
        if rule.file is not None:
            return rule.file.text.strip()
        if rule.reply is None and rule.replies is None:
            return ""  # only an image or attachment
        template = rule.reply if rule.reply is not None else ctx.random.choice(rule.replies or [])
        assert template is not None
        return template.render({"member": event.sender.name,
                                "group": ctx.group.topic if ctx.group else ""})
