"""`groupbot bench`: synthetic traffic through a config's full pipeline on the simulator.

Prints messages/s and p50/p99 handling latency of the group type's pipeline next to a bare
dispatch (the same bot with no handlers), and their ratio: on a shared, noisy machine the
ratio and medians are what to compare between runs, not absolute numbers.
"""

from __future__ import annotations

import argparse
import dataclasses
import resource
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from bot import config
from bot.adapters.simulator import Simulator
from bot.app import Bot
from bot.clock import VirtualClock
from bot.config import Binding, Deployment, GroupType, Match
from bot.events import Member, Message
from handlers import REGISTRY

CHAT = ["大家好", "今天天气不错", "请问培训什么时候开始？", "我已经提交资料了", "好的收到",
        "这个月的结算什么时候到账", "哈哈哈", "有人在吗", "谢谢小助手", "明天见"]


@dataclasses.dataclass
class Result:
    name: str
    latencies: list[float]

    def row(self) -> str:
        lat = sorted(self.latencies)
        p50 = statistics.median(lat) * 1e6
        p99 = lat[int(len(lat) * 0.99) - 1] * 1e6
        rate = len(lat) / sum(lat)
        return f"{self.name:<16}{rate:>12,.0f}{p50:>12,.0f}{p99:>12,.0f}"


def keyword_rules(count: int) -> list[dict[str, Any]]:
    return [{"id": f"bench{i}", "patterns": [f"关键词{i}号", f"keyword{i}x"],
             "reply": f"回复{i}", "cooldown": "0s"} for i in range(count)]


def banned_words(count: int) -> dict[str, Any]:
    """An antispam `words` section with `count` generated banned words in one list."""
    return {"action": "warn", "lists": [{"words": [f"违禁词{i}号" for i in range(count)],
                                         "reason": "bench"}]}


def with_section(gtype: GroupType, name: str, overrides: dict[str, Any],
                 first: bool = False) -> GroupType:
    """The type with handler `name` re-validated with `overrides` (added if missing: at the
    end, or `first`)."""
    cls = REGISTRY[name]
    handlers = list(gtype.handlers)
    index = next((i for i, h in enumerate(handlers) if h.name == name), None)
    base = dict(handlers[index].config) if index is not None else {}  # fields, as validated
    handler = cls(cls.Config.model_validate({**base, **overrides}))
    if index is None:
        handlers.insert(0 if first else len(handlers), handler)
    else:
        handlers[index] = handler
    return dataclasses.replace(gtype, handlers=tuple(handlers))


def bound(deployment: Deployment, gtype: GroupType) -> Deployment:
    """The deployment with one extra type bound to the bench group's id."""
    types = {**deployment.types, gtype.name: gtype}
    groups = [Binding(match=Match(id="bench"), type=gtype.name), *deployment.settings.groups]
    settings = deployment.settings.model_copy(update={"groups": groups})
    return dataclasses.replace(deployment, types=types, settings=settings)


def traffic(count: int, rules: int, words: int = 0) -> Iterator[str]:
    for i in range(count):
        if rules and i % 10 == 0:
            yield f"请问关键词{(i * 7919) % rules}号是什么意思"
        elif words and i % 10 == 5:
            yield f"这里有违禁词{(i * 7919) % words}号的内容"
        else:
            yield f"{CHAT[i % len(CHAT)]} {i}"


async def measure(name: str, deployment: Deployment, messages: int, rules: int,
                  words: int = 0) -> Result:
    start = datetime(2026, 11, 23, 9, 0, tzinfo=deployment.settings.timezone)
    clock = VirtualClock(deployment.settings.timezone, start)
    world = Simulator(clock, Member(deployment.settings.bot.id, deployment.settings.bot.name))
    members = [f"m{i}" for i in range(50)]
    world.add_group("bench", "bench", members)
    latencies = []
    with tempfile.TemporaryDirectory(prefix="groupbot-bench-") as tmp:
        async with Bot(deployment, world, clock, REGISTRY, Path(tmp) / "bench.db", seed=0) as bot:
            for i, text in enumerate(traffic(messages, rules, words)):
                clock.set(start + timedelta(seconds=i))
                sender = Member(members[i % len(members)], members[i % len(members)])
                event = Message(clock.now(), "bench", sender, text, id=f"b{i}")
                began = time.perf_counter()
                await bot.feed(event)
                latencies.append(time.perf_counter() - began)
    return Result(name, latencies)


async def main(args: argparse.Namespace) -> int:
    deployment = config.load(args.config, REGISTRY)
    bindings = [b.type for b in deployment.settings.groups]
    type_name = args.type or (bindings[0] if bindings else next(iter(deployment.types)))
    if type_name not in deployment.types:
        print(f"unknown group type {type_name!r}; known: {', '.join(deployment.types)}",
              file=sys.stderr)
        return 2
    gtype = deployment.types[type_name]
    rules = args.rules or 0
    if rules:
        gtype = with_section(gtype, "keywords", {"rules": keyword_rules(rules)})
    words = args.words or 0
    if words:  # the moderation pipeline: antispam first, with N generated banned words
        gtype = with_section(gtype, "antispam", {"words": banned_words(words)}, first=True)
    bare = GroupType("bench-bare", gtype.capacity, ())
    print(f"config {args.config}, type {type_name}: {', '.join(h.name for h in gtype.handlers)}")
    print(f"{args.messages} messages per run; keyword rules: {rules or 'as configured'}; "
          f"banned words: {words or 'as configured'}")
    print(f"{'':<16}{'msgs/s':>12}{'p50 µs':>12}{'p99 µs':>12}")
    base = await measure("bare dispatch", bound(deployment, bare), args.messages, 0)
    full = await measure("pipeline", bound(deployment, gtype), args.messages, rules, words)
    print(base.row())
    print(full.row())
    ratio = statistics.median(full.latencies) / statistics.median(base.latencies)
    print(f"pipeline / bare dispatch (p50): {ratio:.2f}x")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak memory: {peak:.0f} MiB")
    return 0
