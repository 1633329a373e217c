"""Questions no keyword rule answers: the FAQ when it knows, else a person.

A message that mentions the bot (or matches one of `questions`) is looked up in the type's
FAQ entries (bot/retrieval.py): one of an entry's example questions as written, else BM25
above `threshold`, else a message holding an example question with only filler ("请问",
"呢") or small talk around it; the entry's file answers,
mentioning the asker. Otherwise a mention is handed off: a private case is opened
(bot/moderation.py's cases, kind `question`), the operators on duty get the question, the
asker and the group privately with the case id, and the first of them to answer privately
with `/answer CASE text` has the bot post the text in the group, mentioning the asker.
A mention with a hand-off word (`人工`, `客服`, as a whole word), or a message that is just
one, is handed off at once. Small talk that merely mentions the bot (greetings, thanks,
"在吗", "哈哈", emoji: every word of it small talk, bot/smalltalk.py, or `small_talk`) is not a
question: it is neither looked up nor handed off. Cases nobody answers are reminded after
`remind_after`, never in quiet hours. A crowd asking at once is told `opened` once per
`together` in the group, and the operators get the cases opened within `together` of their
last one in one message, and their reminders together. A member has at most one open
hand-off per group: asking again meanwhile is told the open case's id (once per
`pending_cooldown`) and opens none.
An @所有人 announcement is never answered. An entry goes to a member at most once per
`cooldown`, to the group at most once per `group_cooldown` (whoever asks), and a member gets
at most `member_limit` answers of any entries in a window: one or two members asking the
examples in turn cannot spend the send budget every group's welcomes and pushes share.

In a private chat (the `direct` type's pipeline) the handler only takes `/answer`.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable
from datetime import timedelta
from typing import Annotated, Any

from pydantic import Field, model_validator

from bot import answer_limit, moderation
from bot.actions import TEXT_LIMIT, split_text
from bot.answer_limit import MemberLimit
from bot.config import (
    ClockTime,
    ContactIdText,
    ContentFile,
    Count,
    Duration,
    Fraction,
    Regex,
    Template,
    TemplateText,
    placeholders,
)
from bot.context import Context
from bot.events import Message, Tick
from bot.handler import CONTINUE, STOP, Flow, Handler, HandlerConfig
from bot.literals import needed
from bot.moderation import Case, Status
from bot.regex import as_normalized
from bot.retrieval import Examples, Index, whole_words
from bot.sanitize import Safe, clean
from bot.smalltalk import LONGEST, small_talk_only
from bot.text import normalize, strip_mentions
from bot.yamlfile import At
from handlers.push import quiet_covers, quiet_end

KIND = "question"  # the kind of case a hand-off opens
COMMANDS = ("/answer", "/答复")
ANSWER_LIMIT = 1000  # characters of an operator's answer posted
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")

# What makes a mention the FAQ cannot answer a matter for a person: it asks something (a
# question mark, a question word), asks for something (请, 帮我, 发我...) or reports a
# problem (写错了, 收不到...). A statement that merely mentions the bot ("今天天气不错",
# "谢谢你的解答，我明白了") is no case for the operators; a hand-off word ("转人工") always is.
ASKING = re.compile(
    r"[?？]|吗|呢|么|啥|谁|哪|几|多少|多久|多长|如何|为何|为啥|怎|是否|是不是|有没有|能不能|"
    r"可不可以|会不会|要不要|行不行|对不对|能否|可以|请|求|麻烦|帮我|帮忙|想问|想知道|"
    r"想了解|咨询|需要|我要|我想|发我|给我|告诉我|教我|错了|出错|不了|收不到|没收到|打不开|"
    r"无法|失败|投诉|退款|退费|"
    r"\b(?:how|what|why|when|where|who|which|can|could|please|help)\b")


# Said around a question without changing it: with small talk (bot/smalltalk.py), what may
# be left around an example question a message holds for its entry to answer ("请问你们
# 怎么收费呢"). Taken out whole before segmenting.
FILLER = tuple(normalize(phrase) for phrase in (
    "请问一下", "请问", "想问一下", "想问下", "想问", "问一下", "问下", "请教一下", "请教",
    "你们", "咱们", "这边", "这里", "一下", "那个", "就是", "所以", "还有", "然后"))

Opened = Annotated[TemplateText, placeholders("member", "case")]
Answer = Annotated[TemplateText, placeholders("member", "answer")]


class Entry(HandlerConfig):
    file: ContentFile
    questions: list[str] = []  # example questions, indexed with the answer


class QuietHours(HandlerConfig):
    start: ClockTime
    end: ClockTime

    @model_validator(mode="after")
    def _not_empty(self) -> QuietHours:
        if self.start == self.end:
            raise ValueError("quiet hours need different `start` and `end`")
        return self


class Handoff(HandlerConfig):
    operators: list[ContactIdText] = []
    rota: dict[str, list[ContactIdText]] = {}
    words: list[str] = []
    small_talk: list[str] = []  # more words of small talk, never handed off
    remind_after: Duration = timedelta(minutes=30)
    max_reminders: Count = Field(3, ge=0)
    quiet_hours: QuietHours | None = None
    opened: Opened = Template("已转给运营同学（案件 {case}），答复会发在群里，请稍等。")
    # a request while the member's case here is still open: no new case, this (once per
    # `pending_cooldown`), so one member cannot flood the operators
    pending: Opened = Template("你的问题已在处理中（案件 {case}），答复会发在群里，请稍等。")
    pending_cooldown: Duration = timedelta(minutes=10)
    # `opened` is told in a group at most once in this time (the one just above says a
    # person is on it); cases opened within it of the operators' last message wait and go
    # to them in one message at its end, and are reminded together
    together: Duration = timedelta(minutes=1)
    answer: Answer = Template("{answer}")

    @model_validator(mode="after")
    def _someone(self) -> Handoff:
        unknown = sorted(set(self.rota) - set(DAYS))
        if unknown:
            raise At(("rota", unknown[0]), f"rota day {unknown[0]!r} is not one of "
                     f"{', '.join(DAYS)}")
        if not self.operators and not any(self.rota.values()):
            raise ValueError("a hand-off needs `operators` (or a `rota`) to send cases to")
        if not self.operators and (nobody := [d for d in DAYS if not self.rota.get(d)]):
            raise ValueError(  # (the member would be told a person has the question)
                f"the rota has nobody on {', '.join(nobody)} and there are no `operators` "
                "for the days it leaves out: their cases would go to nobody (list "
                "`operators`, or each day in the rota)")
        return self

    def on_duty(self, weekday: int) -> list[str]:
        """Who gets a case opened on this weekday (0 = Monday): the rota's day, else all."""
        return self.rota.get(DAYS[weekday]) or self.operators

    def everyone(self) -> set[str]:
        return {*self.operators, *(m for day in self.rota.values() for m in day)}


class Config(HandlerConfig):
    threshold: Fraction = Field(1.5, gt=0)
    cooldown: Duration = timedelta(seconds=60)
    group_cooldown: Duration = timedelta(seconds=30)  # the same entry, whoever asks
    member_limit: MemberLimit | None = MemberLimit()
    questions: list[Regex] = []
    entries: list[Entry] = []
    handoff: Handoff | None = None


class Faq(Handler[Config]):
    name = "faq"
    events = (Message, Tick)
    Config = Config

    def prepare(self) -> None:
        self._documents = ["\n".join([*e.questions, e.file.text]) for e in self.config.entries]
        self._examples = Examples([entry.questions for entry in self.config.entries])
        self._index: Index | None = None
        self._words = {normalize(w) for w in self.config.handoff.words} \
            if self.config.handoff else set()
        self._small_talk = [normalize(w) for w in self.config.handoff.small_talk] \
            if self.config.handoff else []
        self._filler = (*FILLER, *self._small_talk)
        # (what they read is normalized: traditional characters are simplified ones by then)
        self._questions = [as_normalized(question) for question in self.config.questions]
        needs = [needed(str(question)) for question in self._questions]
        self._needs = None if None in needs else frozenset(
            [*self._words, *(normalize(command) for command in COMMANDS),
             *(text for texts in needs if texts is not None for text in texts)])

    def triggers(self) -> frozenset[str] | None:
        """A hand-off word, what a question pattern needs, `/answer` (a mention is looked
        up anyway)."""
        return self._needs

    async def index(self) -> Index:
        """The BM25 index, built on first use in a worker thread (it loads jieba's
        dictionary and segments every entry), so neither loading nor an event waits."""
        if self._index is None:
            self._index = await asyncio.to_thread(Index, self._documents)
        return self._index

    def wants(self, event: Message | Tick, ctx: Context) -> bool:
        """A reminder; in a group, a mention, a question, or a hand-off word alone (never an
        @所有人 announcement); in a private chat, `/answer`."""
        if isinstance(event, Tick):
            return True
        if ctx.group is None:
            parts = event.text.strip().split(maxsplit=1)
            return bool(parts) and parts[0].lower() in COMMANDS
        if not event.mentions_bot:
            norm = ctx.normalized
            if norm not in self._words and not (self._questions and any(
                    p.search(norm) for p in self._questions)):
                return False  # most messages: neither a question nor a hand-off word
        return bool(ctx.text) and not event.to_everyone

    async def handle(self, event: Message | Tick, ctx: Context) -> Flow:
        if isinstance(event, Tick):
            if event.key == "waiting":
                await self._tell_waiting(ctx)
            else:
                await self._remind(event, ctx)
            return STOP
        if ctx.group is None:
            return await self._answer(event, ctx)
        text = ctx.text
        if event.to_everyone or not text:
            return CONTINUE
        handoff = self.config.handoff
        norm = ctx.normalized
        if handoff is not None and await self._asks_for_a_person(norm, event.mentions_bot):
            return await self._hand_off(event, ctx)
        if not event.mentions_bot and not any(p.search(norm) for p in self._questions):
            return CONTINUE
        if await asyncio.to_thread(self._small_talk_only, norm):
            return CONTINUE  # "谢谢小助手": nothing to look up, nobody to bother
        found = await self.entry_for(text)
        if found is not None:
            entry = self.config.entries[found]
            if await self._may_answer(f"entry:{entry.file.path}", event.sender.id, ctx):
                ctx.reply(entry.file.text.strip(), mention=True)
            return STOP
        if event.mentions_bot and handoff is not None and ASKING.search(norm):
            return await self._hand_off(event, ctx)
        return CONTINUE

    async def _may_answer(self, key: str, member: str, ctx: Context) -> bool:
        """Whether an entry is sent to this member now: not within the member's own
        `cooldown` for it, not within the group's `group_cooldown` for it (whoever asked),
        and not past the member's `member_limit` (bot/answer_limit.py). Only an answer
        counts: a question left unanswered starts no cooldown and uses none of the limit."""
        limit = self.config.member_limit
        recent = await answer_limit.room(limit, member, ctx)
        if recent is None or not await ctx.off_cooldown(key, self.config.cooldown,
                                                        member=member):
            return False
        if not await ctx.off_cooldown(key, self.config.group_cooldown):
            await ctx.forget(key, member=member)  # not answered: their cooldown has not begun
            return False
        await answer_limit.count(limit, member, recent, ctx)
        return True

    async def entry_for(self, text: str) -> int | None:
        """The entry that answers `text`: the one listing it as an example question, else the
        best by BM25 if it reaches `threshold`, else the one whose (longest) example question
        it holds with only filler or small talk around it ("请问你们怎么收费呢"); None: the FAQ
        does not know (a longer question that holds one but asks something else too)."""
        if not self._documents:
            return None
        listed = self._examples.exact(text)
        if listed is not None:
            return listed
        # (jieba: in a worker thread, as every segmenting here; Index.best reads a bounded
        # prefix, so a pasted wall of text costs no more than a long question)
        hit = await asyncio.to_thread((await self.index()).best, text)
        if hit is not None and hit.score >= self.config.threshold:
            return hit.entry
        return await asyncio.to_thread(self._examples.inside, text, self._is_filler)

    def _is_filler(self, rest: str) -> bool:
        """What is left around an example question says nothing more: filler and small talk
        ("请问 呀", "小助手 你们 呢")."""
        return small_talk_only(rest, self._filler)

    def _small_talk_only(self, norm: str) -> bool:
        """Every word is small talk ("你好呀", "谢谢小助手！", "哈哈哈 👍"): nothing to ask
        (bot/smalltalk.py, with the operator's `small_talk` phrases); never a mention longer
        than LONGEST, which is not segmented."""
        return len(norm) <= LONGEST and small_talk_only(norm, self._small_talk)

    # ------------------------------------------------------------ hand-off

    async def _asks_for_a_person(self, norm: str, mentioned: bool) -> bool:
        """A hand-off word alone, or as a whole word in a mention ("@小助手 转人工")."""
        if norm in self._words:
            return True
        if not mentioned or not any(word in norm for word in self._words):
            return False
        return bool(self._words & await asyncio.to_thread(whole_words, norm))

    async def _hand_off(self, event: Message, ctx: Context) -> Flow:
        handoff = self.config.handoff
        assert handoff is not None
        text = strip_mentions(event.text).strip()
        name = await ctx.name(event.sender.id)
        pending = await moderation.open_case_of(ctx.store, KIND, ctx.group_id, event.sender.id,
                                                ctx.now)
        if pending is not None:
            if pending.ref != event.id and await ctx.off_cooldown(
                    "pending", handoff.pending_cooldown, member=event.sender.id):
                ctx.reply(handoff.pending.render({"member": name, "case": pending.id}),
                          mention=True)
            return STOP
        case = await moderation.open_case(
            ctx.store, kind=KIND, group=ctx.group_id, member=event.sender.id,
            name=moderation.quote(name, 40), text=text, reason="转人工",
            ref=event.id, at=ctx.now, by=ctx.bot_id)  # a message delivered twice: one case
        if case is None:
            return STOP
        await ctx.set("waiting", [*await ctx.get("waiting", default=[]), case.id])
        if await ctx.off_cooldown("told", handoff.together):
            await self._tell_waiting(ctx)
        else:  # the operators were told of one moments ago: this one waits for the next
            await ctx.schedule("waiting", handoff.together, replace=False)
        if await ctx.off_cooldown("opened", handoff.together):
            ctx.reply(handoff.opened.render({"member": name, "case": case.id}), mention=True)
        await ctx.audit("case_opened", event.sender.id, f"{case.id} {KIND}")
        return STOP

    async def _tell_waiting(self, ctx: Context) -> None:
        """Tell the operators of the cases opened since their last message, in one (those
        still open); the next ones within `together` wait again."""
        cases = await _open_cases(await ctx.get("waiting", default=[]), ctx)
        await ctx.forget("waiting")
        if cases and self.config.handoff is not None:  # (none since a reload: nobody to tell)
            await ctx.off_cooldown("told", timedelta(0))  # (notes the time: a window anew)
            await self._tell(cases, ctx)

    async def _tell(self, cases: list[Case], ctx: Context) -> None:
        """Send the operators on duty newly opened cases, one message for them all, and
        remind them of the cases together."""
        handoff = self.config.handoff
        assert handoff is not None
        topic = clean(ctx.group.topic) if ctx.group is not None else ctx.group_id
        texts = _one_or_list(
            cases, lambda case: "\n".join([
                f"[转人工] 案件 {case.id} · 「{topic}」",
                f"提问人：{case.name}（{case.member}）",
                f"问题：{moderation.quote(case.text)}",
                f"私聊回复「/answer {case.id} 答复内容」，我会在群里 @ 提问人。"]),
            f"[转人工] 「{topic}」的 {len(cases)} 个提问：",
            lambda case: f"案件 {case.id} · 提问人：{case.name}（{case.member}）："
                         f"{moderation.quote(case.text)}",
            "私聊回复「/answer 案件号 答复内容」，我会在群里 @ 提问人。")
        for operator in handoff.on_duty(ctx.now.weekday()):
            for part in texts:
                ctx.dm(operator, part)
        if handoff.max_reminders > 0:  # (0: the operators are told once, never reminded)
            await ctx.schedule(f"remind:{cases[0].id}", handoff.remind_after,
                               {"cases": [case.id for case in cases], "reminded": 0})

    async def _remind(self, event: Tick, ctx: Context) -> None:
        """Remind the operators on duty of the cases told together that are still open."""
        handoff = self.config.handoff
        # ("case": one case's timer, set before cases were told together)
        cases = await _open_cases(event.data.get("cases") or [event.data.get("case")], ctx)
        if handoff is None or not cases:
            return
        reminded = int(event.data.get("reminded", 0)) + 1
        if reminded > handoff.max_reminders:
            return  # a timer armed before a reload lowered the maximum
        quiet = handoff.quiet_hours
        if quiet is not None and quiet_covers(ctx.now.time(), quiet.start, quiet.end):
            await ctx.schedule(event.key, quiet_end(ctx.now, quiet.end), event.data)
            return
        texts = _one_or_list(
            cases, lambda case: f"⏰ 案件 {case.id} 已等待 {_waited(case, ctx)} 分钟，"
                                f"还没有人答复：{moderation.quote(case.text, 60)}\n"
                                f"私聊回复「/answer {case.id} 答复内容」。",
            f"⏰ {len(cases)} 个案件还没有人答复：",
            lambda case: f"案件 {case.id}（已等待 {_waited(case, ctx)} 分钟）："
                         f"{moderation.quote(case.text, 60)}",
            "私聊回复「/answer 案件号 答复内容」。")
        for operator in handoff.on_duty(ctx.now.weekday()):
            for part in texts:
                ctx.dm(operator, part)
        if reminded < handoff.max_reminders:
            await ctx.schedule(event.key, handoff.remind_after,
                               {"cases": [case.id for case in cases], "reminded": reminded})

    async def _answer(self, event: Message, ctx: Context) -> Flow:
        """`/answer CASE text` in a private chat, from an operator of the case's group type
        or an admin: the text goes to the group, mentioning the asker. Anyone else gets
        nothing, whatever they write: no reply spends the private lane's budget on them."""
        parts = event.text.strip().split(maxsplit=2)
        if not parts or parts[0].lower() not in COMMANDS:
            return CONTINUE
        well_formed = len(parts) == 3 and moderation.is_case_id(parts[1])
        case = await moderation.find_case(ctx.store, parts[1], ctx.now) if well_formed else None
        if case is not None and case.kind != KIND:
            case = None
        group = await ctx.group_of(case.group) if case is not None else None
        config: Any = group.config(self.name) if group is not None else None
        operator = event.sender.id
        if not ctx.is_admin(operator) and operator not in (
                _answerers(config) if case is not None else await self._all_answerers(ctx)):
            await ctx.audit("command_refused", operator, event.text[:100])
            return STOP
        if not well_formed:
            ctx.reply("用法：/answer 案件号 答复内容")
            return STOP
        if case is None:
            ctx.reply(f"没有待答复的问题 {parts[1].upper()}。")
            return STOP
        if not await moderation.close_case(ctx.store, case.id, Status.ANSWERED, operator,
                                           ctx.now):
            ctx.reply(_settled(case))
            return STOP
        template = config.handoff.answer if config and config.handoff else Template("{answer}")
        answer = Safe(clean(parts[2], ANSWER_LIMIT))  # the operator's text, on one line
        ctx.say(template.render({"member": case.name, "answer": answer}),
                mentions=[case.member], group=case.group)
        ctx.reply(f"案件 {case.id}：已在群里答复 {clean(case.name)}。")
        await ctx.audit(f"case_{Status.ANSWERED}", case.member, f"{case.id} by {operator}",
                        case.group)
        return STOP

    async def _all_answerers(self, ctx: Context) -> set[str]:
        """Everyone who may answer some group type's cases: asked for a command that names
        no open case, so only they get its usage."""
        types: dict[str, str] = {place.type: place.id for place in await ctx.places()}
        groups = [await ctx.group_of(group) for group in types.values()]
        return {operator for group in groups if group is not None
                for operator in _answerers(group.config(self.name))}


def _answerers(config: Any) -> set[str]:
    """Who may answer the cases of a group type whose faq config is `config`."""
    return config.handoff.everyone() if config and config.handoff else set()


async def _open_cases(ids: list[Any], ctx: Context) -> list[Case]:
    """The question cases of these ids that are still open."""
    found = [await moderation.find_case(ctx.store, str(case_id), ctx.now) for case_id in ids]
    return [case for case in found if case is not None and case.status is Status.OPEN]


def _one_or_list(cases: list[Case], one: Callable[[Case], str], head: str,
                 line: Callable[[Case], str], foot: str) -> list[str]:
    """The messages to the operators about cases: `one` of a single case, else a list of
    them (`head`, a `line` each, `foot` under each message), in as many messages as keep
    each within a message's length (a wave of long questions in one minute)."""
    if len(cases) == 1:
        return [one(cases[0])]
    listed = "\n".join([head, *map(line, cases)])  # "[转人工] 「X」的 12 个提问（1/2）："
    return [f"{part}\n{foot}" for part in split_text(listed, TEXT_LIMIT - len(foot) - 1)]


def _waited(case: Case, ctx: Context) -> int:
    """Minutes since the case was opened."""
    return int((ctx.now - case.opened_at).total_seconds() // 60)


def _settled(case: Case) -> str:
    when = f"{case.closed_at:%m-%d %H:%M}" if case.closed_at else ""
    return f"案件 {case.id} 已于 {when} 由 {case.closed_by} 结案。"
