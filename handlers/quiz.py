"""The qualification quiz: a keyword starts it, questions come one at a time, each with a
time limit; a score at or above the pass mark gets the candidate invited to a group of the
next type with room, below it they are told their score and when they may try again.
The result comes first, then the way in; the quiz is a gate, so a candidate who is no
friend of the bot never gets the group's QR code in a group, where anyone could scan it,
but the account's card (bot/invitations.py, "gated").

Where the quiz runs is where it is listed: in a group type (internship) the questions are
asked in the group, mentioning the candidate, and their next messages there are the
answers; in the type for private chats (`direct:` in bot.yaml) the whole quiz happens in
the private chat, and `candidates_in` names the group type whose members may take it and
where a pass is announced. Every attempt is kept in the `quiz_attempts` table.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    Field,
    PlainValidator,
    TypeAdapter,
    ValidationInfo,
    model_validator,
)

from bot import expected, moderation, roster, yamlfile
from bot.adapters.base import GroupInfo
from bot.config import (
    ContentFile,
    Count,
    Duration,
    GroupTypeName,
    Model,
    Template,
    TemplateText,
    TypeName,
    placeholders,
)
from bot.context import Context
from bot.events import Kind, Member, MemberLeft, Message, Tick
from bot.handler import CONTINUE, STOP, Flow, Handler, HandlerConfig
from bot.invitations import How, Plan, already_in
from bot.receipts import Receipt
from bot.sanitize import Safe, clean, other_group
from bot.store import Reader
from bot.text import WordMatcher, command, normalize, strip_mentions
from bot.times import instant, span, stamp, to_utc, unstamp
from bot.yamlfile import At, InputError
from handlers import funnel

TABLE = "quiz_attempts"
ANSWERS = "quiz_answers"
LETTERS = "ABCDEFGHIJ"
# a run of letters and digits, with what an apostrophe glues to it ("it's", "I'd"), or an
# abbreviation chat writes with dots ("i.e.", "e.g."): the letters of one glued to a digit
# ("Q1", "1A", the number of a question or a class), to an apostrophe (an English word's
# contraction) or to the dots of an abbreviation are no option letters
_WORDS = re.compile(r"(?:i\.e|e\.g|a\.k\.a|p\.s|n\.b|a\.m|p\.m)(?![a-z0-9])"
                    r"|[a-z0-9]+(?:['’‘][a-z]+)*")
# what follows a lone "a" or "i" ("a question", "I think"): a word, which makes it the
# article or the pronoun; the letter is followed by anything else, by more option letters
# ("A BC"), or by a word neither goes with (`_NOT_AFTER_ARTICLE`, `_NOT_AFTER_PRONOUN`)
_WORD_AFTER = re.compile(r" ([a-z]{2,})")
# words after the letter A, never after the article: they join letters or say why one is
# the answer ("A and C", "A then C", "A is right", "A because ..."), or how sure the
# candidate is ("A maybe", "A ok, thanks": read as the article, the answer went unheard)
_NOT_AFTER_ARTICLE = frozenset({
    "and", "or", "is", "because", "then", "plus", "also", "with", "too",
    "maybe", "probably", "perhaps", "ok", "okay", "please", "pls", "thanks"})
# the same after the letter I, less those the pronoun goes with too ("I also think C", "I
# then chose C", "I maybe wrong, C", "I ok with C")
_NOT_AFTER_PRONOUN = _NOT_AFTER_ARTICLE - {
    "then", "also", "too", "maybe", "probably", "perhaps", "ok", "okay"}
# a run of capital letters in the reply as written ("ACE" in "I'd say ACE")
_CAPITALS = re.compile(r"(?<![A-Za-z])[A-Z]+(?![A-Za-z])")
# what may part a letter from its option's text when a candidate copies both ("A. ...")
_AFTER_LETTER = ".:、) "
# English words spelled only with option letters (A-J), which chat writes in a sentence: a
# word there, no letters ("bad question, it's C" to A-D; "good idea, C" to A-J). Three
# letters or more, and the words of two that chat uses, not those that are likely answers
# ("ad"): alone or in capitals ("ACE", `_Reading.spells`) they are the letters typed, but
# for a letter standing alone after them ("ACE, F": `_Reading.named`).
_ENGLISH = frozenset({
    "ah", "be", "eh", "ha", "he", "hi", "if", "ace", "aced", "ache", "ached", "acid", "add",
    "added", "age", "aged", "aha", "ahead", "aid", "aide", "aided", "abide", "adage", "babe",
    "bad", "bade", "badge", "bag", "bagged", "bah", "baggage", "bead", "beach", "bed", "bee",
    "beef", "beg", "begged", "beige", "bib", "bid", "bide", "big", "cab", "cabbage", "cabbie",
    "cache", "cad", "cafe", "cage", "caged", "cede", "chafe", "chef", "chi", "chic", "chide",
    "chief", "dab", "dad", "dead", "deaf", "deb", "decade", "decaf", "decide", "decided",
    "deed", "deface", "dice", "died", "did", "die", "dig", "each", "ebb", "edge", "egg",
    "face", "faced", "fad", "fade", "faded", "fed", "fee", "feed", "fib", "fig", "gab", "gag",
    "gee", "had", "hag", "hah", "haha", "hahaha", "head", "headache", "headed", "heed", "heh",
    "hehe", "hehehe", "hid", "hide", "high", "ice", "iced", "idea", "jab", "jade", "jag", "jig"})


SHORTEST_LIMIT = timedelta(seconds=10)  # a question's time: to read it and type an answer


def _answerable(limit: timedelta) -> timedelta:
    """A question's time limit: one too short to answer in (`0s`) failed every candidate and
    used up their attempt."""
    if limit < SHORTEST_LIMIT:
        raise ValueError(f"{limit.total_seconds():g}s is too short to answer a question in: "
                         f"at least {SHORTEST_LIMIT.total_seconds():g}s (write e.g. 3m)")
    return limit


class QuestionKind(StrEnum):
    SINGLE = "single"
    MULTIPLE = "multiple"
    TEXT = "text"


_LABEL = {QuestionKind.SINGLE: "单选", QuestionKind.MULTIPLE: "多选", QuestionKind.TEXT: "简答"}
# No example letter: a fixed one is some question's answer (copying it scored points).
_HINT = {QuestionKind.SINGLE: "请回复你选的选项字母（只选一个）。",
         QuestionKind.MULTIPLE: "请回复所有正确选项的字母（可选多个，写在一条消息里）。",
         QuestionKind.TEXT: "请直接回复你的回答。"}


class Question(Model):
    """One question of a quiz file. Choice answers are option letters (A, B, ...); a text
    answer is right when it holds at least `min_keywords` of the `keywords` (each keyword
    may be a list of words that count as the same)."""

    kind: QuestionKind
    text: str = Field(min_length=1)
    options: list[str] = []
    answer: str | list[str] | None = None
    keywords: list[str | list[str]] = []
    min_keywords: Count | None = Field(None, ge=1)
    points: Count = Field(1, ge=1)
    time_limit: Annotated[Duration, AfterValidator(_answerable)] | None = None

    @model_validator(mode="after")
    def _complete(self) -> Question:
        if self.kind is QuestionKind.TEXT:
            if self.options or self.answer is not None or not self.keywords:
                raise ValueError("a text question has `keywords` and no `options` or `answer`")
            if (self.min_keywords or 0) > len(self.keywords):
                raise At(("min_keywords",),
                         f"more than the {len(self.keywords)} keywords")
            return self
        if self.keywords or self.min_keywords is not None:
            raise At(("keywords",), "only a text question has `keywords`")
        if not 2 <= len(self.options) <= len(LETTERS):
            raise At(("options",), f"a choice question has 2 to {len(LETTERS)} options")
        letters = self.letters()
        valid = set(LETTERS[:len(self.options)])
        if not letters or not letters <= valid:
            raise At(("answer",),
                     f"the answer must be option letters among {''.join(sorted(valid))}")
        if self.kind is QuestionKind.SINGLE and (
                len(letters) != 1 or isinstance(self.answer, list)):
            raise At(("answer",), "a single-choice answer is one letter")
        return self

    def letters(self) -> set[str]:
        answer = self.answer if isinstance(self.answer, list) else [self.answer or ""]
        return {c for a in answer for c in a.upper() if not c.isspace() and c not in ",，"}

    def judge(self, reply: str) -> bool | None:
        """Whether the reply is the right answer; None when it is no answer: any text answers
        a text question, but a reply naming no option answers no choice question (「不知道」,
        「签到」: the question waits for one). A run of letters names options when each of
        its letters is one ("b", "AC") and it is no English word ("bad question, it's C");
        a longer run with a letter beyond them is a word ("OK", "bad" to A-C), read as no
        letters; a single letter beyond them ("D" to A-C, so "B C D" as "BCD") makes the
        reply no answer: it was meant for another question. English words of one letter
        and the letters of contractions are no letters at all ("I think it's B" answers B),
        nor is the text of an option copied after its letter (`_Reading`)."""
        plain = strip_mentions(reply)
        text = normalize(plain)
        if self.kind is QuestionKind.TEXT:
            groups = [k if isinstance(k, list) else [k] for k in self.keywords]
            matcher = WordMatcher((word, i) for i, words in enumerate(groups) for word in words)
            found = {i for _, _, i in matcher.find_all(text)}
            return len(found) >= (self.min_keywords or len(groups))
        chosen = _Reading.of(plain, text, self.options).named()
        return chosen == self.letters() if chosen else None

    def render(self, number: int, count: int) -> str:
        lines = [f"第 {number}/{count} 题（{_LABEL[self.kind]}）：{self.text}"]
        lines += [f"{LETTERS[i]}. {option}" for i, option in enumerate(self.options)]
        lines.append(_HINT[self.kind])
        return "\n".join(lines)


@dataclass(frozen=True, slots=True)
class _Reading:
    """A reply to a choice question, read run by run (`Question.judge`)."""

    text: str  # normalized
    valid: frozenset[str]  # the question's option letters, lower case
    options: tuple[str, ...]  # their texts, normalized
    capitals: frozenset[str]  # the runs the reply writes in capitals, lower case ("ace")
    alone: bool  # the reply holds one run only ("bad", 「选ace」)

    @classmethod
    def of(cls, reply: str, text: str, options: list[str]) -> _Reading:
        return cls(text, frozenset(LETTERS[:len(options)].lower()),
                   tuple(normalize(option) for option in options),
                   frozenset(run.lower() for run in _CAPITALS.findall(
                       unicodedata.normalize("NFKC", reply))),
                   len(_WORDS.findall(text)) == 1)

    def named(self) -> set[str] | None:
        """The option letters the reply names; None when it names a letter beyond them. An
        English word written in capitals names its letters unless a letter standing alone
        follows it: that letter is the answer, the word a word ("BAD QUESTION, C" names C,
        "C, ACE" A, C and E)."""
        chosen: set[str] = set()
        shouted: set[str] = set()  # the letters of English words in capitals so far
        copied = 0  # where the text of an option copied after its letter ends
        for word in _WORDS.finditer(self.text):
            run = word[0]
            if word.start() < copied:
                continue  # the option's own words: "C plan b" names C alone
            if (end := self._copied(word)) is not None:
                chosen.add(run.upper())
                shouted.clear()
                copied = end
            elif self._no_letters(word):
                continue
            elif self.spells(run):
                if run in _ENGLISH and not self.alone:
                    shouted.update(run.upper())
                else:
                    chosen.update(run.upper())
                if len(run) == 1:
                    shouted.clear()
            elif len(run) == 1:
                return None
        return chosen | shouted

    def spells(self, run: str) -> bool:
        """Whether a run names options: all its letters are, and it is no English word
        (`_ENGLISH`) unless the reply is that run alone or writes it in capitals."""
        return set(run) <= self.valid and (
            run not in _ENGLISH or self.alone or run in self.capitals)

    def _copied(self, word: re.Match[str]) -> int | None:
        """Where the option's text ends when a lone letter is followed by it, the candidate
        copying both (「A final answer」, "A. final answer"); None if it is not."""
        run = word[0]
        if len(run) != 1 or run not in self.valid:
            return None
        option = self.options[LETTERS.index(run.upper())]
        rest = self.text[word.end():].lstrip(_AFTER_LETTER)
        if not (option and rest.startswith(option)) or rest[len(option):][:1].isalnum():
            return None
        return len(self.text) - len(rest) + len(option)

    def _no_letters(self, word: re.Match[str]) -> bool:
        """Whether a run of a reply names no option, whatever its letters: one glued to a
        digit ("Q1: C") or holding an apostrophe ("it's", "I'd", "don't": English); a lone
        "i" that is no option, or one before a word (`_WORD_AFTER`): the pronoun ("I think
        C"); a lone "a" before a word, the article ("I have a question"; but "I choose a",
        "A, C", "A and C" and "A BC" name A)."""
        run = word[0]
        if not run.isalpha():
            return True
        if run not in ("a", "i"):
            return False
        if run not in self.valid:
            return True
        after = _WORD_AFTER.match(self.text, word.end())
        joining = _NOT_AFTER_ARTICLE if run == "a" else _NOT_AFTER_PRONOUN
        return after is not None and after[1] not in joining and not self.spells(after[1])



class Quiz(Model):
    title: str = Field(min_length=1)
    questions: list[Question] = Field(min_length=1)


@dataclass(frozen=True, slots=True)
class QuizFile:
    """A quiz from content/, parsed and checked when the config is loaded."""

    path: str
    quiz: Quiz


_CONTENT = TypeAdapter(ContentFile)


def _quiz_file(value: Any, info: ValidationInfo) -> QuizFile:
    if isinstance(value, QuizFile):
        return value
    content = _CONTENT.validate_python(value, context=info.context)
    located = yamlfile.load((info.context or {})["content_dir"] / content.path)
    try:
        quiz = yamlfile.validate(Quiz, located, located.data or {})
    except InputError as exc:
        raise ValueError("; ".join(str(p) for p in exc.problems)) from None
    return QuizFile(content.path, quiz)


QuizSource = Annotated[QuizFile, PlainValidator(_quiz_file)]


class Texts(HandlerConfig):
    """What the quiz says; every text can be changed (defaults below)."""

    start: Annotated[TemplateText, placeholders("title", "count", "limit", "pass_mark")] = Template(
        "📝 开始「{title}」：共 {count} 题，每题限时 {limit}，{pass_mark} 分及格。")
    timeout: Annotated[TemplateText, placeholders("number")] = Template(
        "⏰ 第 {number} 题超时，计 0 分。")
    passed: Annotated[TemplateText, placeholders("score", "group")] = Template(
        "🎉 恭喜以 {score} 分通过考核！已邀请你加入正式群「{group}」，请留意群邀请。")
    passed_not_friend: Annotated[TemplateText, placeholders("score", "group")] = Template(
        "🎉 恭喜以 {score} 分通过考核！请按提示加入正式群「{group}」。")
    passed_by_hand: Annotated[TemplateText, placeholders("score", "group")] = Template(
        "🎉 恭喜以 {score} 分通过考核！运营会尽快拉你进正式群「{group}」。")
    passed_already_in: Annotated[TemplateText, placeholders("score", "group")] = Template(
        "🎉 恭喜以 {score} 分通过考核！你已经在正式群「{group}」里了。")
    no_room: Annotated[TemplateText, placeholders("score")] = Template(
        "🎉 恭喜以 {score} 分通过考核！正式群暂时已满，运营会尽快拉你进群。")
    failed: Annotated[TemplateText, placeholders("score", "pass_mark")] = Template(
        "本次得分 {score} 分，未达到 {pass_mark} 分。")
    retry: Annotated[TemplateText, placeholders("when", "left", "keyword")] = Template(
        "可在 {when} 之后发送「{keyword}」重考（还剩 {left} 次机会）。")
    no_attempts: Annotated[TemplateText, placeholders("max_attempts")] = Template(
        "{max_attempts} 次考试机会已用完，请联系运营。")
    already_passed: Annotated[TemplateText, placeholders()] = Template(
        "你已通过考核，无需再考。")
    not_candidate: Annotated[TemplateText, placeholders()] = Template(
        "请先加入实习群，再来参加考试。")
    in_progress: Annotated[TemplateText, placeholders()] = Template(
        "你有一场考试正在进行（在另一个群或私聊中），请先完成它。")
    changed: Annotated[TemplateText, placeholders("keyword")] = Template(
        "题目已更新，本次作答作废，不计考试次数。请发送「{keyword}」重新开始。")
    not_sent: Annotated[TemplateText, placeholders("number", "keyword")] = Template(
        "抱歉，第 {number} 题没能确认发给你，本次作答作废，不计考试次数。"
        "请发送「{keyword}」重新开始。")


class Config(HandlerConfig):
    file: QuizSource
    start: list[str] = Field(["开始考试"], min_length=1)
    time_limit: Annotated[Duration, AfterValidator(_answerable)] = timedelta(minutes=3)
    pass_mark: Count = Field(80, ge=1, le=100)
    cooldown: Duration = timedelta(days=1)
    refusal_cooldown: Duration = timedelta(minutes=10)  # per member: one "not now", then silence
    max_attempts: Count = Field(3, ge=1)
    promote_to: GroupTypeName = TypeName("official")
    candidates_in: GroupTypeName | None = None
    texts: Texts = Texts()


def when(moment: datetime) -> str:
    return f"{moment.month}月{moment.day}日 {moment:%H:%M}"


# how far WeChat's time of a message and the bot's clock may differ (an answer's time is
# WeChat's, its question's deadline the bot's)
CLOCK_SKEW = timedelta(seconds=2)
# how long after a question's time is up its deadline waits for an answer written in time
# that is still on its way (the gateway hands messages over seconds after they were written)
GRACE = timedelta(seconds=15)
LATE_TICK = timedelta(minutes=1)  # how late a deadline's tick may be handled (a busy bot)


class QuizHandler(Handler[Config]):
    name = "quiz"
    events = (Message, MemberLeft, Tick)
    Config = Config
    migrations = (
        f"""
        CREATE TABLE {TABLE} (
            id INTEGER PRIMARY KEY AUTOINCREMENT, quiz TEXT NOT NULL, member TEXT NOT NULL,
            grp TEXT NOT NULL, started_at TEXT NOT NULL, finished_at TEXT, score INTEGER,
            passed INTEGER);
        CREATE INDEX {TABLE}_member ON {TABLE} (member, quiz);
        """,
        to_utc(TABLE, "started_at", "finished_at"),
        # 3: each question's outcome in each attempt (the console's pass rate per question)
        f"""
        CREATE TABLE {ANSWERS} (
            attempt INTEGER NOT NULL, question INTEGER NOT NULL, passed INTEGER NOT NULL,
            PRIMARY KEY (attempt, question));
        """,
        # 4: until when an unfinished attempt is under way: its open question's deadline
        f"ALTER TABLE {TABLE} ADD COLUMN live_until TEXT",
    )

    def prepare(self) -> None:
        config = self.config
        self._starts = frozenset(command(word) for word in config.start)
        self._quiz = config.file.quiz
        self._total = sum(q.points for q in self._quiz.questions)
        # which quiz an attempt was started on: a reload that changes it voids the attempt
        self._version = hashlib.sha256(self._quiz.model_dump_json().encode()).hexdigest()[:16]

    async def handle(self, event: Message | MemberLeft | Tick, ctx: Context) -> Flow:
        if isinstance(event, Tick):
            await self._timed_out(event, ctx)
        elif isinstance(event, MemberLeft):
            for member in event.members:
                if (session := await ctx.get("session", member=member.id)) is not None:
                    await self._end(ctx, member.id, session, left=True)
        else:
            session = await ctx.get("session", member=event.sender.id)
            if session is not None and event.kind is not Kind.TEXT:
                return CONTINUE  # a picture or a sticker is no answer: the question waits
            if session is not None and not await self._void_if_changed(
                    ctx, event.sender.id, session):
                return await self._reply(event, session, ctx)
            # no attempt under way, or one this message voided: it answers nothing, and a
            # 签到 still checks in when checkin comes after the quiz
            if command(event.text) in self._starts:  # the whole message: a question
                # about the quiz (「请问什么时候可以开始考试？」) starts nothing
                await self._begin(event.sender, ctx)
                return STOP
        return CONTINUE

    async def _reply(self, event: Message, session: dict[str, Any], ctx: Context) -> Flow:
        """A candidate's text while a question is open: their answer, or no answer, which
        the question waits past; kept either way (no keyword reply to 「这次考试好难啊」; put
        checkin before quiz)."""
        if command(event.text) in self._starts:  # (started already: no answer, even to a
            return STOP  # text question, which takes any other text)
        right = self._quiz.questions[session["index"]].judge(event.text)
        if right is not None:
            await self._answered(event, session, right, ctx)
        return STOP

    # ------------------------------------------------------------ starting

    async def _begin(self, member: Member, ctx: Context) -> None:
        refusal = await self._refusal(member.id, ctx)
        announce_in = None if refusal is not None else (
            ctx.group_id or await self._candidate_group(member.id, ctx))
        if announce_in is None:
            if await ctx.off_cooldown("refused", self.config.refusal_cooldown, member=member.id):
                self._tell(ctx, member.id,
                           refusal or self.config.texts.not_candidate.render({}))
            return  # told a moment ago: repeating it only spends the send budget
        attempt = await ctx.store.execute(
            f"INSERT INTO {TABLE} (quiz, member, grp, started_at) VALUES (?, ?, ?, ?)",
            (self.config.file.path, member.id, announce_in, stamp(ctx.now)))
        intro = self.config.texts.start.render({
            "title": Safe(self._quiz.title), "count": len(self._quiz.questions),
            "limit": span(self.config.time_limit), "pass_mark": self.config.pass_mark})
        # the time limit and pass mark the intro promises hold for the whole attempt (a
        # reload changes them for the attempts that begin after it)
        await self._ask(ctx, member.id, {
            "attempt": attempt, "index": 0, "earned": 0, "group": announce_in,
            "quiz": self._version, "pass_mark": self.config.pass_mark,
            "time_limit": self.config.time_limit.total_seconds()}, intro)

    async def _refusal(self, member: str, ctx: Context) -> str | None:
        texts = self.config.texts
        rows = await ctx.store.all(
            f"SELECT started_at, finished_at, passed, live_until FROM {TABLE} WHERE member=?"
            " AND quiz=? ORDER BY id", (member, self.config.file.path))
        if any(passed for _, _, passed, _ in rows):
            return texts.already_passed.render({})
        if rows and rows[-1][1] is None and self._under_way(rows[-1][0], rows[-1][3], ctx.now):
            return texts.in_progress.render({})  # under way in another group, or in private
        if len(rows) >= self.config.max_attempts:
            return texts.no_attempts.render({"max_attempts": self.config.max_attempts})
        if rows and rows[-1][1] is not None:
            retry_at = datetime.fromisoformat(rows[-1][1]).astimezone(ctx.now.tzinfo) + \
                self.config.cooldown
            if ctx.now < retry_at:
                return self._retry(retry_at, self.config.max_attempts - len(rows))
        return None

    def _under_way(self, started_at: str, live_until: str | None, now: datetime) -> bool:
        """An unfinished attempt is under way until its open question's time is up (kept at
        each question and each wait for its send: a question the send budget holds back
        keeps it going), and a moment more for its deadline to be handled; one that has no
        such time (begun before it was kept) as long as all its questions could take. Past
        that, one a restart or a reload left unfinished holds nobody up."""
        if live_until is not None:
            return instant(live_until) + LATE_TICK > now
        return instant(started_at) > now - self._longest(self.config.time_limit)

    def _retry(self, retry_at: datetime, left: int) -> str:
        return self.config.texts.retry.render({"when": when(retry_at), "left": left,
                                               "keyword": self.config.start[0]})

    async def _candidate_group(self, member: str, ctx: Context) -> str | None:
        """In a private chat: the member's group of the `candidates_in` type, None if they
        are in none; "" when no such type is set (anyone may take the quiz)."""
        if self.config.candidates_in is None:
            return ""
        groups = [info.id for info in await ctx.groups_of_type(self.config.candidates_in)]
        return await roster.group_of(ctx.store, member, groups)

    # ------------------------------------------------------------ questions and answers

    async def _ask(self, ctx: Context, member: str, session: dict[str, Any], before: str) -> None:
        question = self._quiz.questions[session["index"]]
        text = question.render(session["index"] + 1, len(self._quiz.questions))
        # the question's time runs from when it went out (the outbox's pacing and the send
        # budget may hold it back): asked about by this key
        session["sent"] = f"question:{member}:{session['attempt']}:{session['index']}"
        self._tell(ctx, member, f"{before}\n\n{text}" if before else text, session["sent"])
        # when the question was asked and when its time is up, to judge an answer by when it
        # was written, not by when it is handled (a slow lookup, a busy bot); from the send
        # once it went (_open)
        limit = self._limit(session)
        session["asked"], session["until"] = stamp(ctx.now), stamp(ctx.now + limit)
        since = session.setdefault("since", session["asked"])  # (when the attempt began)
        await ctx.set("session", session, member=member)
        if ctx.group is not None:  # their texts here are answers: alike is no raid (antispam)
            await expected.expect(ctx.store, ctx.group_id, member, instant(since),
                                  ctx.now + self._longest(self._time_limit(session)))
        await self._deadline(ctx, member, session, ctx.now + limit)

    async def _deadline(self, ctx: Context, member: str, session: dict[str, Any],
                        until: datetime) -> None:
        """The open question's time is up at `until`: its timer (GRACE later, for an answer
        written in time that is still on its way), and until when the attempt is under way
        for a start elsewhere."""
        await ctx.schedule(f"deadline:{member}", until + GRACE,
                           {"member": member, "attempt": session["attempt"],
                            "index": session["index"]})
        await ctx.store.execute(f"UPDATE {TABLE} SET live_until=? WHERE id=?",
                                (stamp(until + GRACE), session["attempt"]))

    def _limit(self, session: dict[str, Any]) -> timedelta:
        """The open question's time: its own, else the attempt's `time_limit`."""
        return self._quiz.questions[session["index"]].time_limit or self._time_limit(session)

    def _longest(self, time_limit: timedelta) -> timedelta:
        """How long an attempt can last: every question answered at its deadline."""
        return sum((q.time_limit or time_limit for q in self._quiz.questions), timedelta())

    def _time_limit(self, session: dict[str, Any]) -> timedelta:
        """The `time_limit` the attempt began with (the config's for one begun before it was
        kept)."""
        return timedelta(seconds=session.get("time_limit",
                                             self.config.time_limit.total_seconds()))

    def _pass_mark(self, session: dict[str, Any]) -> int:
        """The `pass_mark` the attempt began with (the config's for one begun before it was
        kept)."""
        return int(session.get("pass_mark", self.config.pass_mark))

    async def _sent(self, ctx: Context, session: dict[str, Any]) -> Receipt | None:
        """What became of the question's send; None when nothing is known of it (an attempt
        begun before sends were asked about)."""
        return await ctx.receipt(session["sent"]) if "sent" in session else None

    def _open(self, session: dict[str, Any], sent: Receipt | None) -> tuple[datetime, datetime]:
        """When the question was asked and when its time is up: from its send once it went,
        else (still queued as the answer comes, or nothing known) from the decision."""
        if sent is not None and sent.delivered:
            return sent.at, sent.at + self._limit(session)
        return instant(session["asked"]), instant(session["until"])

    async def _answered(self, event: Message, session: dict[str, Any], right: bool,
                        ctx: Context) -> None:
        """Score an answer (`right` or not) to the open question, if that was the question
        open when it was written: one written before the question went out (while it waits
        to go: before it was put), or before the answer or the deadline that closed the
        previous question, is no answer to it (dropped: the previous question is closed);
        one written after the question's time is up is a timeout. (A question still waiting
        may have gone already: a send the gateway timed out on is tried again.) WeChat
        stamps the message, the bot's clock the question: they may differ by CLOCK_SKEW, and
        a message is never later than its handling (a WeChat clock ahead of the bot's would
        make an answer given at once a timeout)."""
        if "asked" in session:  # (attempts begun before these were kept: judged as handled)
            written = min(event.at, ctx.now)
            sent = await self._sent(ctx, session)
            asked, until = self._open(session, sent)
            if written < asked - CLOCK_SKEW or (
                    "after" in session and written < instant(session["after"])):
                return
            if written > until + CLOCK_SKEW:
                await self._time_up(ctx, event.sender.id, session, until)
                return
            session["after"] = stamp(written)
        if right:
            session["earned"] += self._quiz.questions[session["index"]].points
        await _answered(ctx, session, right)
        await self._next(ctx, event.sender.id, session, "")

    async def _timed_out(self, tick: Tick, ctx: Context) -> None:
        member = tick.data["member"]
        session = await ctx.get("session", member=member)
        if session is None or (session["attempt"], session["index"]) != (
                tick.data["attempt"], tick.data["index"]):
            return  # answered in time, or the attempt is over
        if await self._void_if_changed(ctx, member, session):
            return
        sent = await self._sent(ctx, session)
        if sent is not None and not sent.queued and not sent.delivered:
            await self._void_unsent(ctx, member, session, sent.outcome)
            return
        if sent is not None and sent.queued:  # its time runs from its send
            await self._deadline(ctx, member, session, ctx.now + self._limit(session))
            return
        # (attempts begun before "until" was kept: up when their tick comes)
        until = self._open(session, sent)[1] if "until" in session else None
        if until is not None and until + GRACE > ctx.now:  # sent late: from the send
            await self._deadline(ctx, member, session, until)
            return
        await self._time_up(ctx, member, session, until or ctx.now)

    async def _time_up(self, ctx: Context, member: str, session: dict[str, Any],
                       until: datetime) -> None:
        """The open question's time was up at `until`: 0 points, on to the next; a message
        written before `until` (+ CLOCK_SKEW) and handled later answers nothing."""
        session["after"] = stamp(until + CLOCK_SKEW)
        number = session["index"] + 1
        await _answered(ctx, session, False)
        await self._next(ctx, member, session,
                         self.config.texts.timeout.render({"number": number}))

    async def _next(self, ctx: Context, member: str, session: dict[str, Any],
                    before: str) -> None:
        session["index"] += 1
        if session["index"] < len(self._quiz.questions):
            await self._ask(ctx, member, session, before)
        else:
            await self._finish(ctx, member, session, before)

    # ------------------------------------------------------------ the result

    async def _end(self, ctx: Context, member: str, session: dict[str, Any], *,
                   left: bool = False) -> tuple[int, bool]:
        """End the attempt and keep its score and whether it passed: never when the candidate
        left the group before the last answer (a failed attempt, `cooldown` and all)."""
        await self._drop(ctx, member)
        score = round(100 * session["earned"] / self._total)
        passed = score >= self._pass_mark(session) and not left
        await ctx.store.execute(
            f"UPDATE {TABLE} SET finished_at=?, score=?, passed=? WHERE id=?",
            (stamp(ctx.now), score, int(passed), session["attempt"]))
        return score, passed

    async def _finish(self, ctx: Context, member: str, session: dict[str, Any],
                      before: str) -> None:
        if ctx.group is None and session["group"] and not await _still_in(
                ctx, session["group"], member):
            # in private: they left their `candidates_in` group during the quiz, which in a
            # group (MemberLeft) ends the attempt as a failed one
            await self._end(ctx, member, session, left=True)
            self._tell(ctx, member, self.config.texts.not_candidate.render({}))
            return
        score, passed = await self._end(ctx, member, session)
        if not passed:
            result = await self._failed(ctx, member, score, self._pass_mark(session))
            self._tell(ctx, member, f"{before}\n{result}" if before else result)
            return
        target = plan = None
        there = await already_in(ctx.store, member,
                                 await ctx.groups_of_type(self.config.promote_to))
        if there is not None:  # nothing to send: the stage is theirs already
            result = await self._already_in(ctx, member, score, there)
        else:
            target = await ctx.group_with_room(self.config.promote_to)
            removed = await moderation.blocked_for(ctx.store, member)
            if target is not None and removed is not None:
                result = await self._blocked(ctx, member, score, target, removed)
                target = None  # nothing is sent: their join would only remove them again
            else:
                plan = None if target is None else await ctx.invitation(target, member,
                                                                        gated=True)
                result = await self._passed(ctx, member, score, target, plan)
        self._tell(ctx, member, f"{before}\n{result}" if before else result)
        if ctx.group is None and session["group"]:
            ctx.say(result, mentions=[member], group=session["group"])
        if target is not None:  # after the result: the QR code or card follows its text
            await ctx.invite_into(target, member, plan)

    async def _passed(self, ctx: Context, member: str, score: int, target: GroupInfo | None,
                      plan: Plan | None) -> str:
        """The text of a pass; the admins are told when they must add the member by hand."""
        texts = self.config.texts
        if target is None or plan is None:
            await self._by_hand(ctx, member, score, f"但没有 {self.config.promote_to} 群有空位")
            return texts.no_room.render({"score": score})
        await ctx.audit("invite", member, f"passed {self.config.file.path} with {score}; "
                                          f"invited to {target.id}"
                                          + ("" if plan.how is How.INVITE else f" ({plan.how})"))
        values = {"score": score, "group": self._promoted(target, ctx)}
        if plan.how is How.INVITE:
            return texts.passed.render(values)
        if plan.how is How.ADMINS:
            await self._by_hand(ctx, member, score,
                                f"不是「{clean(target.topic)}」所在账号的好友，且该账号的名片未知")
            return texts.passed_by_hand.render(values)
        return texts.passed_not_friend.render(values)

    async def _blocked(self, ctx: Context, member: str, score: int, target: GroupInfo,
                       removed: str) -> str:
        """The text of a pass by a member on the block list (removed from another group):
        not invited; the admins decide."""
        await ctx.audit("invite_blocked", member, f"passed {self.config.file.path} with "
                                                  f"{score}; removed before for {removed}")
        await self._by_hand(ctx, member, score, f"但曾因{removed}被移出，未自动邀请"
                                                f"（有空位的群：「{clean(target.topic)}」）")
        return self.config.texts.passed_by_hand.render({"score": score,
                                                         "group": self._promoted(target, ctx)})

    async def _already_in(self, ctx: Context, member: str, score: int,
                          group: GroupInfo) -> str:
        """The text of a pass by a member of a `promote_to` group, whose join the funnel will
        not see again: the pass moves them to that stage."""
        await funnel.arrived(ctx.store, [member], self.config.promote_to, group.id, ctx.now)
        await ctx.audit("invite_already", member, f"passed {self.config.file.path} with "
                                                  f"{score}; already in {group.id}")
        return self.config.texts.passed_already_in.render({"score": score,
                                                           "group": self._promoted(group, ctx)})

    def _promoted(self, group: GroupInfo, ctx: Context) -> Safe:
        """The name of a `promote_to` group as a text shows it (its type's title for one
        that carries an ad)."""
        return other_group(group.topic, ctx.type_title(self.config.promote_to))

    async def _by_hand(self, ctx: Context, member: str, score: int, why: str) -> None:
        name = await ctx.name(member)
        ctx.tell_admins(f"[groupbot] {name}（{member}）以 {score} 分通过考核，{why}，请手动拉群。")

    async def _failed(self, ctx: Context, member: str, score: int, pass_mark: int) -> str:
        texts = self.config.texts
        failed = texts.failed.render({"score": score, "pass_mark": pass_mark})
        row = await ctx.store.one(f"SELECT count(*) FROM {TABLE} WHERE member=? AND quiz=?",
                                  (member, self.config.file.path))
        left = self.config.max_attempts - (row[0] if row else 0)
        if left <= 0:
            return failed + texts.no_attempts.render({"max_attempts": self.config.max_attempts})
        return failed + self._retry(ctx.now + self.config.cooldown, left)

    # ------------------------------------------------------------ helpers

    async def _void_if_changed(self, ctx: Context, member: str,
                               session: dict[str, Any]) -> bool:
        """An attempt started on a quiz a reload has changed since is void: its questions
        and points are not these. It is dropped and not counted; the candidate is told to
        start again."""
        if session.get("quiz", self._version) == self._version and \
                session["index"] < len(self._quiz.questions):
            return False
        await self._drop(ctx, member)
        await ctx.store.execute(f"DELETE FROM {TABLE} WHERE id=?", (session["attempt"],))
        self._tell(ctx, member, self.config.texts.changed.render(
            {"keyword": self.config.start[0]}))
        return True

    async def _void_unsent(self, ctx: Context, member: str, session: dict[str, Any],
                           outcome: str) -> None:
        """A question that did not surely go out (the send budget dropped it; `uncertain`:
        the bot stopped while sending it): the candidate may not have seen it, so the attempt
        is dropped and not counted; they are told to start again."""
        await self._drop(ctx, member)
        await ctx.store.execute(f"DELETE FROM {TABLE} WHERE id=?", (session["attempt"],))
        what = "may not have gone" if outcome == "uncertain" else f"was not sent ({outcome})"
        await ctx.audit("quiz_void", member, f"question {session['index'] + 1} of "
                                             f"{self.config.file.path} {what}")
        self._tell(ctx, member, self.config.texts.not_sent.render(
            {"number": session["index"] + 1, "keyword": self.config.start[0]}))

    async def _drop(self, ctx: Context, member: str) -> None:
        await ctx.cancel(f"deadline:{member}")
        await ctx.forget("session", member=member)
        if ctx.group is not None:
            await expected.settled(ctx.store, ctx.group_id, member, ctx.now)

    @staticmethod
    def _tell(ctx: Context, member: str, text: str, receipt: str = "") -> None:
        if ctx.group is None:
            ctx.dm(member, text, receipt=receipt)
        else:
            ctx.say(text, mentions=[member], receipt=receipt)


async def _still_in(ctx: Context, group: str, member: str) -> bool:
    entry = await roster.entry(ctx.store, group, member)
    return entry is not None and entry.left_at is None


async def results(store: Reader) -> dict[str, tuple[int, int | None, datetime | None]]:
    """Each member's quiz attempts, best score and when they first passed (the funnel
    export, bot/report.py)."""
    return {member: (attempts, best, unstamp(passed_at)) for member, attempts, best, passed_at
            in await store.all(
                "SELECT member, count(*), max(score), min(CASE WHEN passed=1 THEN finished_at END)"
                f" FROM {TABLE} GROUP BY member")}


async def _answered(ctx: Context, session: dict[str, Any], right: bool) -> None:
    await ctx.store.execute(
        f"INSERT INTO {ANSWERS} VALUES (?, ?, ?) ON CONFLICT (attempt, question) DO NOTHING",
        (session["attempt"], session["index"], int(right)))


async def question_results(store: Reader, quiz: str) -> dict[int, tuple[int, int]]:
    """Per question (0-based) of a quiz file: (answered, answered right) (the web console)."""
    rows = await store.all(
        f"SELECT a.question, count(*), COALESCE(SUM(a.passed), 0) FROM {ANSWERS} a"
        f" JOIN {TABLE} t ON t.id = a.attempt WHERE t.quiz = ? GROUP BY a.question", (quiz,))
    return {int(q): (int(n), int(right)) for q, n, right in rows}


async def attempts_of(store: Reader, member: str
                      ) -> list[tuple[datetime | None, int | None, bool | None]]:
    """The member's attempts, oldest first: (started, score, passed); None while unfinished."""
    return [(unstamp(started), score, None if passed is None else bool(passed))
            for started, score, passed in await store.all(
                f"SELECT started_at, score, passed FROM {TABLE} WHERE member=? ORDER BY id",
                (member,))]
