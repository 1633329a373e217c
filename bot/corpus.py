"""`groupbot moderation test`: a labelled corpus through a group type's real moderation.

A corpus is a YAML file:

    cases:
      - {family: phone, flag: true, text: "加我 138 0013 8000"}
      - {family: phone, flag: true, messages: ["电话 138 0013", "8000"]}
      - {family: link, flag: true, kind: link, text: "领券", url: "https://t.cn/x"}
      - {family: banned, flag: false, text: "本平台独家首发"}
      - {family: raid, flag: false, members: 3, text: "大家好，新人报到，请多多关照"}
      - {family: wechat, flag: true, mentions: [加V], text: "@加V\u2005abc12345 日结"}
      - {family: wechat, flag: true, name: "加V abc12345", text: "大家好"}

`name` is the name the case's members join with (an ad in a name is caught as they join,
as antispam's `names` says); without it each is named by their id. `mentions` names
members of the group whom a message really mentions (a member each, with
that name): a message that holds "@" + one of these names mentions that member, as the
platform would say (WeChat ends a mention with U+2005, written "\u2005" in double quotes).
A text written as WeChat hands a quote-reply over (「name：quoted」, a line of dashes, the
reply) is split as the gateway splits it (bot/events.py quote_reply).

Each case is said by a fresh member (`members`: that many, one after the other) who joins a
group of the type just before, in a bot on a temporary database, its messages one second
apart; ten minutes later its members leave, and the next case begins. A case is caught when
antispam acted on its member (on any of them; a warning, a removal, a `log`/`review` flag;
one message gets one action, so a phone number in a link card may be caught as a link); an
innocent case (`flag: false`) is a false positive when antispam acted on one of its members.

`groupbot moderation bench` measures the content detectors alone (no database): the cost
per message with 10 and with N banned words, and of one 100,000-character message.
"""

from __future__ import annotations

import argparse
import dataclasses
import logging
import statistics
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from bot import audit, config, yamlfile
from bot.adapters.simulator import Simulator
from bot.app import Bot
from bot.clock import VirtualClock
from bot.config import BackstopSettings, Binding, Deployment, GroupType, Match
from bot.events import Kind, Member, MemberJoined, MemberLeft, Message, quote_reply
from bot.handler import Registry
from bot.yamlfile import InputError

FAMILIES = ("phone", "wechat", "qq", "email", "link", "ip", "banned", "card", "mini_program",
            "raid", "flood")
_MEMBERS = 20  # the most members a case may have
_GROUP = "corpus"


@dataclasses.dataclass(frozen=True)
class Case:
    number: int
    family: str
    flag: bool
    messages: tuple[str, ...]
    kind: Kind = Kind.TEXT
    url: str | None = None
    members: int = 1
    mentions: tuple[str, ...] = ()
    name: str | None = None

    def shown(self) -> str:
        return (f"[{self.name}] " if self.name else "") + " | ".join(self.messages) + (
            f" <{self.url}>" if self.url else "") + (
            f" (mentions {', '.join(self.mentions)})" if self.mentions else "")


@dataclasses.dataclass
class Outcome:
    case: Case
    details: list[str]  # the audit details of what antispam did to the case's member

    @property
    def right(self) -> bool:
        """A flag case was acted on; an innocent one was not."""
        return bool(self.details) == self.case.flag


def read_corpus(file: Path) -> list[Case]:
    """The cases of a corpus file; InputError naming file:line and key for anything wrong."""
    located = yamlfile.load(file)
    data = located.data
    if not isinstance(data, dict) or not isinstance(data.get("cases"), list):
        raise InputError([located.problem((), "a corpus is a mapping with a `cases:` list")])
    cases = []
    for i, raw in enumerate(data["cases"]):
        where = ("cases", i)
        if not isinstance(raw, dict):
            raise InputError([located.problem(where, "a case is a mapping")])
        unknown = set(raw) - {"family", "flag", "text", "messages", "kind", "url", "members",
                              "mentions", "name"}
        if unknown:
            raise InputError([located.problem((*where, sorted(unknown)[0]), "unknown key")])
        family = raw.get("family")
        if family not in FAMILIES:
            raise InputError([located.problem((*where, "family"),
                                              f"unknown family {family!r} (one of "
                                              f"{', '.join(FAMILIES)})")])
        if (flag := yamlfile.switch(raw.get("flag"))) is None:  # (yes and no too)
            raise InputError([located.problem((*where, "flag"), "`flag` is true or false")])
        if isinstance(raw.get("text"), list | dict):
            raise InputError([located.problem((*where, "text"), "`text` is one message: give "
                                              "several as a list of `messages`")])
        messages = raw.get("messages", [raw["text"]] if "text" in raw else None)
        if not isinstance(messages, list) or not messages or \
                any(m is None or isinstance(m, list | dict) for m in messages):
            raise InputError([located.problem(where, "give `text` or a list of `messages`")])
        at = (*where, "text") if "messages" not in raw else (*where, "messages")
        if numbers := [m for m in messages if not isinstance(m, str)]:  # 13800138000, true
            raise InputError([located.problem(at, f"{numbers[0]!r} is no text: put it in "
                                                  "quotes as written")])
        try:
            kind = Kind(raw.get("kind", "text"))
        except ValueError:
            raise InputError([located.problem((*where, "kind"), f"unknown kind {raw['kind']!r} "
                                              f"(one of {', '.join(Kind)})")]) from None
        if kind is Kind.TEXT and any(not m.strip() for m in messages):  # (a picture has none)
            raise InputError([located.problem(at, "an empty text message (a picture, sticker "
                                                  "or file is given its `kind`)")])
        url = raw.get("url")
        if url is not None and not isinstance(url, str):
            raise InputError([located.problem((*where, "url"), "`url` is text")])
        members = raw.get("members", 1)
        if type(members) is not int or not 1 <= members <= _MEMBERS:
            raise InputError([located.problem((*where, "members"),
                                              f"`members` is a whole number from 1 to {_MEMBERS}")])
        mentions = raw.get("mentions", [])
        if (not isinstance(mentions, list) or len(mentions) > _MEMBERS
                or not all(isinstance(m, str) and m.strip() for m in mentions)):
            raise InputError([located.problem((*where, "mentions"),
                                              f"`mentions` is a list of up to {_MEMBERS} "
                                              "member names")])
        name = raw.get("name")
        if name is not None and (not isinstance(name, str) or not name.strip()):
            raise InputError([located.problem((*where, "name"),
                                              "`name` is the members' name, a text")])
        cases.append(Case(i + 1, family, flag, tuple(messages), kind, url, members,
                          tuple(mentions), name))
    return cases


def pick_type(deployment: Deployment, name: str | None) -> GroupType:
    """The type to test: `name`, else the first bound in bot.yaml; it must run antispam."""
    bindings = [b.type for b in deployment.settings.groups]
    name = name or (bindings[0] if bindings else next(iter(deployment.types), None))
    if name is None or name not in deployment.types:
        raise ValueError(f"unknown group type {name!r}; known: {', '.join(deployment.types)}")
    gtype = deployment.types[name]
    if not any(h.name == "antispam" for h in gtype.handlers):
        raise ValueError(f"group type {name!r} has no antispam handler")
    return gtype


async def run_cases(deployment: Deployment, gtype: GroupType, cases: list[Case],
                    registry: Registry) -> list[Outcome]:
    """Each case through the type's pipeline in one bot on a temporary database, its members
    joining and leaving as the platform reports it (no join backstop: nothing goes
    unreported here)."""
    groups = [Binding(match=Match(id=_GROUP), type=gtype.name), *deployment.settings.groups]
    settings = deployment.settings.model_copy(update={
        "groups": groups, "backstop": BackstopSettings(every=None)})
    deployment = dataclasses.replace(deployment, settings=settings)
    tz = deployment.settings.timezone
    start = datetime(2026, 11, 23, 9, 0, tzinfo=tz)
    clock = VirtualClock(tz, start)
    world = Simulator(clock, Member(deployment.settings.bot.id, deployment.settings.bot.name))
    world.add_group(_GROUP, "moderation test", [])
    with tempfile.TemporaryDirectory(prefix="groupbot-corpus-") as tmp:
        async with Bot(deployment, world, clock, registry, Path(tmp) / "corpus.db",
                       seed=0) as bot:
            bot.set_contact_names(world.name_of)

            async def join(members: list[str]) -> tuple[Member, ...]:
                joined = world.join(_GROUP, members)
                if joined:
                    await bot.feed(MemberJoined(clock.now(), _GROUP, joined))
                return joined

            for case in cases:
                mentioned = [(m.id, m.name) for m in await join(_mentioned(world, case))]
                for member in _members(case):
                    if case.name:
                        world.contacts[member] = case.name
                    await bot.advance(clock.now() + timedelta(seconds=1))
                    sender = (await join([member]))[0]
                    for j, text in enumerate(case.messages):
                        await bot.advance(clock.now() + timedelta(seconds=1))
                        reply, quoted = quote_reply(text)  # as the gateway splits it
                        await bot.feed(Message(
                            clock.now(), _GROUP, sender, reply, case.kind,
                            tuple(m for m, name in mentioned if f"@{name}" in text),
                            url=case.url, id=f"{member}-{j}", quoted=quoted))
                await bot.advance(clock.now() + timedelta(minutes=10))
                # the case's members go (a removed one is gone already): the group stays
                # the size of one case, as do its member list and reminders
                present = world.group(_GROUP).members
                if gone := [m for m in (*_members(case), *(m for m, _ in mentioned))
                            if m in present]:
                    await bot.feed(MemberLeft(clock.now(), _GROUP, world.leave(_GROUP, gone)))
            rows = await audit.records(bot.store, _GROUP, handler="antispam")
    acted: dict[str, list[str]] = {}
    for row in rows:
        acted.setdefault(row.member, []).append(row.detail)
    return [Outcome(case, [d for member in _members(case) for d in acted.get(member, [])])
            for case in cases]


def _mentioned(world: Simulator, case: Case) -> list[str]:
    """The members a case's messages may mention (they join before it), case12.m1,
    case12.m2... named as the case says."""
    mentioned = [f"case{case.number}.m{k}" for k in range(1, len(case.mentions) + 1)]
    for member, name in zip(mentioned, case.mentions, strict=True):
        world.contacts[member] = name
    return mentioned


def _members(case: Case) -> list[str]:
    """The fresh members who say a case: case12, then case12.2, case12.3..."""
    first = f"case{case.number}"
    return [first, *(f"{first}.{k}" for k in range(2, case.members + 1))]


def report(outcomes: list[Outcome]) -> str:
    """Recall and false positives per family, then each miss."""
    lines = [f"{'family':<14}{'caught':>12}{'recall':>9}{'innocent':>10}{'flagged':>9}"]
    for family in FAMILIES:
        flags = [o for o in outcomes if o.case.family == family and o.case.flag]
        clean = [o for o in outcomes if o.case.family == family and not o.case.flag]
        if not flags and not clean:
            continue
        caught = sum(o.right for o in flags)
        recall = f"{caught / len(flags):.0%}" if flags else "-"
        wrong = sum(not o.right for o in clean)
        lines.append(f"{family:<14}{f'{caught}/{len(flags)}':>12}{recall:>9}"
                     f"{len(clean):>10}{wrong:>9}")
    flags = [o for o in outcomes if o.case.flag]
    clean = [o for o in outcomes if not o.case.flag]
    caught = sum(o.right for o in flags)
    lines.append(f"{'all':<14}{f'{caught}/{len(flags)}':>12}"
                 f"{(caught / len(flags) if flags else 1):>9.0%}{len(clean):>10}"
                 f"{sum(not o.right for o in clean):>9}")
    for o in outcomes:
        if o.right:
            continue
        what = "missed" if o.case.flag else "false positive"
        acted = f" -> {'; '.join(o.details)}" if o.details else ""
        lines.append(f"{what}: case {o.case.number} ({o.case.family}): {o.case.shown()}{acted}")
    return "\n".join(lines)


async def test_command(args: argparse.Namespace, registry: Registry) -> int:
    try:
        cases = read_corpus(args.corpus)
    except InputError as exc:
        print(exc.problems[0], file=sys.stderr)
        return 2
    deployment = config.load(args.config, registry)
    try:
        gtype = pick_type(deployment, args.type)
    except ValueError as exc:
        print(f"groupbot moderation test: {exc}", file=sys.stderr)
        return 2
    logger = logging.getLogger("bot")
    level = logger.level
    logger.setLevel(logging.WARNING)  # not the bot's chatter per case
    try:
        outcomes = await run_cases(deployment, gtype, cases, registry)
    finally:
        logger.setLevel(level)  # (a command run in-process, as the tests do, leaves it be)
    print(f"corpus {args.corpus}: {len(cases)} cases through type {gtype.name}'s moderation")
    print(report(outcomes))
    return 0 if all(o.right for o in outcomes) else 1


# --- the detectors' cost ----------------------------------------------------------------

BENCH_CHAT = ["大家好，今天的培训几点开始？", "订单 20261129153045 已发货，单号 SF1234567890",
              "下午3点在 1302 会议室开会", "这个月的结算什么时候到账", "版本 v1.2.3 已更新",
              "孩子考了 98 分，全家一起去吃饭", "航班 CA1831 晚点到 13:45", "好的收到 👍"]


def detector_cost(antispam_config: dict[str, Any], words: int, registry: Registry,
                  rounds: int = 400) -> dict[str, float]:
    """Median seconds per message of the antispam content detectors (detect(): links,
    contacts, words, kinds) with 10 and with `words` generated banned words, and for one
    100,000-character message (ordinary chat with an ad at its very end)."""
    cls = registry["antispam"]
    now = datetime(2026, 11, 23, 9, 0)
    sender = Member("m", "m")

    def build(count: int) -> Any:
        lists = [{"words": [f"违禁词{i}号" for i in range(count)], "reason": "bench"}]
        return cls(cls.Config.model_validate(
            {**antispam_config, "words": {**antispam_config.get("words", {}), "lists": lists}}))

    def median(handler: Any, texts: list[str]) -> float:
        times = []
        for text in texts:
            event = Message(now, "g", sender, text)
            began = time.perf_counter()
            handler.detect(event, text)
            times.append(time.perf_counter() - began)
        return statistics.median(times)

    texts = [f"{BENCH_CHAT[i % len(BENCH_CHAT)]} 违禁词{(i * 7) % 10}号" if i % 10 == 5
             else BENCH_CHAT[i % len(BENCH_CHAT)] for i in range(rounds)]
    small, large = build(10), build(words)
    small.prepare()
    large.prepare()
    median(large, texts[:20])  # load the segmenter and converters once, outside the timing
    long_text = ("".join(BENCH_CHAT) * (100_000 // len("".join(BENCH_CHAT)) + 1))[:99_980]
    long_text += " 加我 vx: abc12345"
    return {"10 words": median(small, texts), f"{words} words": median(large, texts),
            "100,000 characters": median(large, [long_text] * 5)}


def bench_command(args: argparse.Namespace, registry: Registry) -> int:
    deployment = config.load(args.config, registry)
    try:
        gtype = pick_type(deployment, args.type)
    except ValueError as exc:
        print(f"groupbot moderation bench: {exc}", file=sys.stderr)
        return 2
    antispam = next(h for h in gtype.handlers if h.name == "antispam")
    base = antispam.config.model_dump(exclude={"words"})
    costs = detector_cost(base, args.words, registry)
    print(f"antispam detectors of type {gtype.name} (median per message, no database):")
    for name, seconds in costs.items():
        print(f"  {name:<20}{seconds * 1e6:>12,.0f} µs")
    ratio = costs[f"{args.words} words"] / costs["10 words"]
    print(f"  {args.words} words / 10 words: {ratio:.2f}x")
    return 0
