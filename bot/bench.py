"""`groupbot bench`: synthetic traffic through a config's pipeline on the simulator.

Three measures, each printing what it found so the numbers can be trusted:

- the pipeline (default): mixed traffic (chat, keyword questions, check-ins, ads, joins,
  admin commands) through the group type's handlers and through a bare dispatch (the same
  event path with no handlers, dedupe and commit included), in interleaved runs; medians of
  messages/s and latency, their ratio, and the replies, warnings and removals the traffic
  produced (draining the outbox on the virtual clock after each run, untimed);
- `--burst`: one long replay-like run (100,000 messages over 500 groups by default) with the
  clock advancing and actions delivered as they fall due; wall time, peak memory, the WAL's
  size and counts that must agree (messages handled = fed, removals decided = delivered,
  dropped or still held back by the send budget, nothing else left queued but what waits
  behind those in its group);
- `--reload`: a generated config (1,000 bindings, 5,000 keyword rules by default) reloaded
  by a running bot while it handles messages: load time with libyaml and with the
  pure-Python parser, time on the event loop, and the longest stall of the loop.

On a shared, noisy machine compare ratios and medians of one run, not absolute numbers.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import random
import resource
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from bot import audit, banned, config, outbox, postgres, roster, sanitize, yamlfile
from bot.adapters.simulator import Simulator
from bot.app import Bot
from bot.clock import VirtualClock
from bot.config import Binding, Deployment, GroupType, Match
from bot.events import Event, Kind, Member, MemberJoined, Message
from handlers import REGISTRY

CHAT = ["大家好", "今天天气不错", "请问培训什么时候开始？", "我已经提交资料了", "好的收到",
        "这个月的结算什么时候到账", "哈哈哈", "有人在吗", "谢谢小助手", "明天见"]
START = datetime(2026, 11, 23, 9, 0)  # a Monday morning, in the deployment's time zone


# ---------------------------------------------------------------- traffic


@dataclasses.dataclass(frozen=True)
class World:
    """The bench's groups, members and the words its traffic uses."""

    groups: tuple[str, ...]
    members: int
    admin: str | None
    questions: tuple[str, ...]  # texts a keyword rule answers
    checkins: tuple[str, ...]
    banned: tuple[str, ...]


def world_for(gtype: GroupType, admins: list[str], groups: int, members: int,
              rules: int, words: int) -> World:
    """What the traffic says, read from the type's own handlers so that it gets answers."""
    questions: list[str] = [f"关键词{i}号" for i in range(rules)]
    checkins: list[str] = []
    for handler in gtype.handlers:
        settings: Any = handler.config
        if handler.name == "keywords" and not rules:
            questions += [rule.patterns[0] for rule in settings.rules
                          if rule.match == "contains" and not rule.only_when_mentioned]
        elif handler.name == "checkin":
            checkins += settings.triggers[:1]
    return World(tuple(f"bench{g:04d}" for g in range(groups)), members,
                 admins[0] if admins else None, tuple(questions), tuple(checkins),
                 tuple(f"违禁词{i}号" for i in range(words)))


def traffic(world: World, count: int, clock: VirtualClock, step: timedelta,
            seed: int = 0) -> Iterator[Event]:
    """`count` events over the world's groups, deterministic for a seed. Texts carry a serial
    number, so no two members post the same text (that would be a raid) and nobody repeats
    themselves (that would be spam): what gets warned is what the mix means to be warned.

    Per 100 events: 8 keyword questions, 4 check-ins, 3 ads (an advertiser joins, then posts
    until removed), 2 joins, 1 admin command, 10 messages with banned words when --words is
    given, the rest chat (and chat instead of what the type has nothing for)."""
    rng = random.Random(seed)
    start = clock.now()
    advertisers: dict[str, str] = {}  # group -> its advertiser, who posts until removed
    for i in range(count):
        at = start + step * i
        group = world.groups[i % len(world.groups)]
        member = f"m{rng.randrange(world.members)}"
        roll = rng.randrange(100)
        text = f"{CHAT[rng.randrange(len(CHAT))]} {i}"
        kind, url = Kind.TEXT, None
        if roll < 8 and world.questions:
            text = f"请问{world.questions[rng.randrange(len(world.questions))]}是什么 #{i}"
        elif roll < 12 and world.checkins:
            text = world.checkins[0]
        elif roll < 15:
            if group not in advertisers or rng.randrange(3) == 0:  # a new advertiser joins
                member = advertisers[group] = f"ad{i}"
                yield MemberJoined(at, group, (Member(member, f"兼职{i}"),))
            member = advertisers[group]
            kind, url = Kind.LINK, f"http://cheap{i}.example.net/offer"
            text = f"兼职日结，点击领取 {i}"
        elif roll < 17:
            yield MemberJoined(at, group, (Member(f"new{i}", f"新人{i}"),))
            continue
        elif roll < 18 and world.admin is not None:
            member, text = world.admin, "/status"
        elif roll < 28 and world.banned:
            text = f"这里有{world.banned[rng.randrange(len(world.banned))]}的内容 {i}"
        yield Message(at, group, Member(member, member), text, kind, url=url, id=f"b{i}")


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
    """The deployment with one extra type bound to the bench's groups (topic `bench...`)."""
    types = {**deployment.types, gtype.name: gtype}
    mine = Binding(match=Match.model_validate({"topic": "^bench"}), type=gtype.name)
    settings = deployment.settings.model_copy(
        update={"groups": [mine, *deployment.settings.groups]})
    return dataclasses.replace(deployment, types=types, settings=settings)


# ---------------------------------------------------------------- one run


@dataclasses.dataclass
class Outcome:
    """What one run did and what it cost."""

    name: str
    latencies: list[float]
    wall: float = 0.0
    cpu: float = 0.0  # CPU seconds of this process over the same span as `wall`
    wal: int | None = None  # bytes in SQLite's WAL file once the run is done
    counts: Counter[str] = dataclasses.field(default_factory=Counter)

    @property
    def rate(self) -> float:
        return len(self.latencies) / sum(self.latencies)

    @property
    def p50(self) -> float:
        return statistics.median(self.latencies)

    @property
    def p99(self) -> float:
        ordered = sorted(self.latencies)
        return ordered[max(int(len(ordered) * 0.99) - 1, 0)]


def _simulator(deployment: Deployment, clock: VirtualClock, world: World) -> Simulator:
    me = Member(deployment.settings.bot.id, deployment.settings.bot.name)
    sim = Simulator(clock, me)
    members = [f"m{i}" for i in range(world.members)]
    for group in world.groups:
        sim.add_group(group, f"{group} bench", [*members, *([world.admin] if world.admin
                                                            else [])])
    return sim


@contextlib.asynccontextmanager
async def _database(storage: str | None) -> AsyncIterator[Path | str]:
    """A fresh SQLite file, or a schema of its own in the PostgreSQL database at `storage`."""
    if storage is not None:
        async with postgres.scratch(storage) as url:
            yield url
        return
    with tempfile.TemporaryDirectory(prefix="groupbot-bench-") as tmp:
        yield Path(tmp) / "bench.db"


async def run(name: str, deployment: Deployment, world: World, messages: int,
              live: bool = False, step: timedelta = timedelta(seconds=1),
              storage: str | None = None) -> Outcome:
    """Feed the traffic to a fresh bot; `live`: advance the clock before each event, so
    actions go out as they fall due (as in replay), and time all of it."""
    tz = deployment.settings.timezone
    clock = VirtualClock(tz, START.replace(tzinfo=tz))
    sim = _simulator(deployment, clock, world)
    outcome = Outcome(name, [])
    async with _database(storage) as db:
        bot = Bot(deployment, sim, clock, REGISTRY, db, seed=0)
        bot.set_contact_names(sim.name_of)
        bot.followups = sim.take_inbox
        async with bot:
            began, cpu = time.perf_counter(), time.process_time()
            for event in traffic(world, messages, clock, step):
                if live:
                    await bot.advance(event.at)
                else:
                    clock.set(event.at)
                if isinstance(event, MemberJoined) and event.group is not None:
                    sim.join(event.group, [m.id for m in event.members])
                elif isinstance(event, Message):
                    outcome.counts["messages fed"] += 1
                t = time.perf_counter()
                await bot.feed(event)
                outcome.latencies.append(time.perf_counter() - t)
            if live:
                await bot.drain()
            outcome.wall = time.perf_counter() - began
            outcome.cpu = time.process_time() - cpu
            if not live:
                await bot.drain()
            outcome.counts += await _count(bot, sim)
            if isinstance(db, Path):
                outcome.wal = Path(f"{db}-wal").stat().st_size
    return outcome


async def _count(bot: Bot, sim: Simulator) -> Counter[str]:
    counts: Counter[str] = Counter()
    counts["messages handled"] = sum(e.messages for e in await roster.everyone(bot.store))
    for record in sim.sent:
        counts[{"say": "replies", "dm": "replies", "kick": "removals delivered"}.get(
            record["action"], record["action"] + "s")] += 1
    for entry in await audit.records(bot.store):
        if entry.action in ("warn", "kick"):
            counts["warnings" if entry.action == "warn" else "removals decided"] += 1
        elif entry.action.endswith("_dropped"):  # held back too long by the send budget
            counts["removals dropped" if entry.action == "kick_dropped"
                   else "others dropped"] += 1
        elif entry.action == "kick_skipped":  # the member had left before it went
            counts["removals skipped"] += 1
    counts["left queued"] = len(bot.outbox)
    # each goes or is dropped in time
    for action, _, _ in await outbox.held_back(bot.store, bot.clock.now()):
        counts["removals held back" if action.kind == "kick" else "others held back"] += 1
    counts["waiting behind those"] = await outbox.behind_held(bot.store)  # (and so go then)
    return counts


def _counts(counts: Counter[str]) -> str:
    return ", ".join(f"{name} {n:,}" for name, n in sorted(counts.items()))


def _rss() -> float:
    """Peak resident memory of this process so far, MiB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# ---------------------------------------------------------------- the three measures


async def pipeline(args: argparse.Namespace, deployment: Deployment, gtype: GroupType,
                   world: World) -> int:
    bare = GroupType("bench-bare", gtype.capacity, ())
    print(f"{args.messages:,} messages per run over {len(world.groups)} group(s) of "
          f"{world.members} members; {args.runs} interleaved runs each")
    runs: dict[str, list[Outcome]] = {"bare dispatch": [], "pipeline": []}
    for _ in range(args.runs):
        runs["bare dispatch"].append(await run("bare dispatch", bound(deployment, bare),
                                               world, args.messages, storage=args.storage))
        runs["pipeline"].append(await run("pipeline", bound(deployment, gtype), world,
                                          args.messages, storage=args.storage))
    print(f"{'median of runs':<16}{'msgs/s':>12}{'p50 µs':>12}{'p99 µs':>12}"
          f"{'msgs/CPU-s':>12}")
    for name, outcomes in runs.items():
        print(f"{name:<16}{statistics.median(o.rate for o in outcomes):>12,.0f}"
              f"{statistics.median(o.p50 for o in outcomes) * 1e6:>12,.0f}"
              f"{statistics.median(o.p99 for o in outcomes) * 1e6:>12,.0f}"
              f"{statistics.median(len(o.latencies) / o.cpu for o in outcomes):>12,.0f}")
    ratios = [p.rate / b.rate for b, p in zip(runs["bare dispatch"], runs["pipeline"],
                                              strict=True)]
    print(f"pipeline / bare dispatch throughput: {statistics.median(ratios):.2f}x "
          f"(median of {len(ratios)} paired runs; each: "
          f"{', '.join(f'{r:.2f}' for r in ratios)})")
    per_cpu = [b.cpu / p.cpu for b, p in zip(runs["bare dispatch"], runs["pipeline"],
                                             strict=True)]  # the same messages in both runs
    print(f"the same per CPU second: {statistics.median(per_cpu):.2f}x "
          f"(each: {', '.join(f'{r:.2f}' for r in per_cpu)})")
    print(f"pipeline run produced: {_counts(runs['pipeline'][-1].counts)}")
    print(f"peak memory (RSS): {_rss():.0f} MiB")
    return 0


async def burst(args: argparse.Namespace, deployment: Deployment, gtype: GroupType,
                world: World) -> int:
    step = timedelta(seconds=args.step)
    print(f"burst: {args.messages:,} events over {len(world.groups)} groups of "
          f"{world.members} members, one every {args.step:g}s of virtual time, "
          "actions delivered as they fall due")
    outcome = await run("burst", bound(deployment, gtype), world, args.messages, live=True,
                        step=step, storage=args.storage)
    counts = outcome.counts
    print(f"wall time: {outcome.wall:.1f} s, CPU time {outcome.cpu:.1f} s "
          f"({len(outcome.latencies):,} events, "
          f"{len(outcome.latencies) / outcome.wall:,.0f} a second, "
          f"p50 {outcome.p50 * 1e6:,.0f} µs, p99 {outcome.p99 * 1e6:,.0f} µs per event)")
    print(f"peak memory (RSS): {_rss():.0f} MiB")
    if outcome.wal is not None:
        print(f"WAL file at the end: {outcome.wal / 2**20:.1f} MiB")
    print(f"counts: {_counts(counts)}")
    exact = {"messages handled = messages fed": counts["messages handled"]
             == counts["messages fed"],
             "removals delivered + skipped + dropped or held back by the send budget = decided":
                 counts["removals delivered"] + counts["removals skipped"]
                 + counts["removals dropped"] + counts["removals held back"]
                 == counts["removals decided"],
             "nothing left queued but what the send budget holds back, and what waits in"
             " a group behind it":
                 counts["left queued"] == counts["removals held back"]
                 + counts["others held back"] + counts["waiting behind those"]}
    for what, ok in exact.items():
        print(f"  {what}: {'yes' if ok else 'NO'}")
    return 0 if all(exact.values()) else 1


def write_big_config(root: Path, bindings: int, rules: int, types: int = 5) -> Path:
    """A deployment with `bindings` group bindings (by id) and `rules` keyword rules spread
    over `types` types."""
    (root / "types").mkdir(parents=True, exist_ok=True)
    (root / "content").mkdir(exist_ok=True)
    lines = ["bot: {id: bot, name: Bench}", "timezone: Asia/Shanghai", "admins: [admin]",
             "storage: bench.db", "content: content", "backstop: {every: null}", "groups:"]
    for i in range(bindings):
        lines += [f"  - match: {{id: 'g{i}@chatroom'}}", f"    type: t{i % types}"]
    _write(root / "bot.yaml", "\n".join(lines) + "\n")
    for t in range(types):
        body = ["handlers:", "  - keywords:", "      rules:"]
        for i in range(t, rules, types):
            body += [f"        - id: r{i}",
                     f"          patterns: ['问题{i}号', 'question {i}', '第{i}个问题']",
                     f"          reply: '回答 {i}：请看群公告'"]
        _write(root / "types" / f"t{t}.yaml", "\n".join(body) + "\n")
    return root


def _write(path: Path, text: str) -> None:
    """`text` into `path`; a failed write (a full $TMPDIR) names the file, as the error of
    a write does not."""
    try:
        path.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise OSError(exc.errno, exc.strerror, str(path)) from None


async def reload(args: argparse.Namespace) -> int:
    bindings, rules = args.bindings, args.rules or 5000
    with tempfile.TemporaryDirectory(prefix="groupbot-bench-") as tmp:
        root = write_big_config(Path(tmp) / "config", bindings, rules)
        print(f"reload: {bindings:,} bindings, {rules:,} keyword rules in 5 types "
              f"({sum(f.stat().st_size for f in root.rglob('*.yaml')):,} bytes of YAML)")
        loads = _loads(root, args.runs)
        for name, (times, cpus) in loads.items():
            print(f"  load + validate, {name + ':':<24}{statistics.median(times) * 1e3:8,.0f} ms "
                  f"(CPU {statistics.median(cpus) * 1e3:,.0f} ms; median of {len(times)})")
        deployment = config.load(root, REGISTRY)
        tz = deployment.settings.timezone
        clock = VirtualClock(tz, START.replace(tzinfo=tz))
        sim = Simulator(clock, Member("bot", "Bench"))
        for i in range(bindings):
            sim.add_group(f"g{i}@chatroom", f"group {i}", ["alice"])
        async with Bot(deployment, sim, clock, REGISTRY, Path(tmp) / "bench.db", seed=0) as bot:
            walls, stalls, latencies, on_loop = [], [], [], []
            for run in range(args.runs):
                _edit(root, run)  # as an operator does before a reload
                wall, stall, latency, swap = await _reload_once(bot, bindings)
                walls.append(wall)
                stalls.append(stall)
                latencies.append(latency)
                on_loop.append(swap)
        print(f"  a running bot's reload after one type file changed, median of {args.runs}:")
        print(f"    reload (load and validate in a worker thread, swap): "
              f"{statistics.median(walls) * 1e3:,.0f} ms")
        print(f"    meanwhile on the loop: longest stall "
              f"{statistics.median(stalls) * 1e3:,.0f} ms, slowest message handled "
              f"{statistics.median(latencies) * 1e3:,.0f} ms")
        print(f"    then on the loop: swap, bind {bindings:,} groups again and rebuild their "
              f"jobs: {statistics.median(on_loop) * 1e3:,.0f} ms")
    print(f"peak memory (RSS): {_rss():.0f} MiB")
    return 0


def _loads(root: Path, runs: int) -> dict[str, tuple[list[float], list[float]]]:
    """The wall and CPU times of `runs` loads of each kind, interleaved like the pipeline
    runs: every file parsed (as at a start), with libyaml and with the pure-Python parser;
    and after one type file changed, with libyaml (as a reload: the files as they were are
    taken as their last parse made them, bot/yamlfile.py _Kept)."""
    fast = yamlfile.Loader
    kinds = (("libyaml", fast, True), ("pure Python", yamlfile.PythonLoader, True),
             ("one type file changed", fast, False))
    loads: dict[str, tuple[list[float], list[float]]] = {kind[0]: ([], []) for kind in kinds}
    try:
        for run in range(runs):
            for name, loader, cold in kinds:
                yamlfile.Loader = loader
                if cold:
                    yamlfile.forget()
                else:  # the files as libyaml parsed them (not as the pure-Python load), then
                    config.load(root, REGISTRY)  # one of them edited
                    _edit(root, run)
                began, cpu = time.perf_counter(), time.process_time()
                config.load_in_background(root, REGISTRY)  # as a reload loads
                loads[name][0].append(time.perf_counter() - began)
                loads[name][1].append(time.process_time() - cpu)
    finally:
        yamlfile.Loader = fast
    return loads


def _edit(root: Path, run: int) -> None:
    """Change one type file, as an operator does before a reload (a comment: the same
    rules, another text)."""
    file = root / "types" / "t0.yaml"
    _write(file, file.read_text(encoding="utf-8") + f"# edited before reload {run}\n")


async def _reload_once(bot: Bot, groups: int) -> tuple[float, float, float, float]:
    """One reload while messages keep coming: (its wall time, the longest loop stall and the
    slowest message meanwhile, the time on the loop to bind the groups again and rebuild
    their jobs)."""
    done = asyncio.Event()
    stall = latency = 0.0
    ids = iter(range(10**9))

    async def heartbeat() -> None:
        nonlocal stall
        last = time.perf_counter()
        while not done.is_set():
            await asyncio.sleep(0.001)
            now = time.perf_counter()
            stall = max(stall, now - last - 0.001)
            last = now

    async def chatter() -> None:
        nonlocal latency
        while not done.is_set():
            n = next(ids)
            event = Message(bot.clock.now(), f"g{n % groups}@chatroom", Member("alice", "A"),
                            f"hello {n}", id=f"r{time.perf_counter_ns()}")
            began = time.perf_counter()
            await bot.feed(event)
            latency = max(latency, time.perf_counter() - began)
            await asyncio.sleep(0.002)

    tasks = [asyncio.create_task(heartbeat()), asyncio.create_task(chatter())]
    await asyncio.sleep(0.05)
    began = time.perf_counter()
    await bot.reload()  # loads in a worker thread, then swaps the config in one step
    wall = time.perf_counter() - began
    done.set()
    await asyncio.gather(*tasks)
    began = time.perf_counter()
    await bot.refresh_groups()  # on the loop: bind the groups again, rebuild their jobs
    return wall, stall, latency, time.perf_counter() - began


async def main(args: argparse.Namespace) -> int:
    if args.reload:
        return await reload(args)
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
    if args.burst:
        args.messages = args.messages or 100_000
        args.groups = args.groups or 500
    args.messages = args.messages or 2000
    world = world_for(gtype, deployment.settings.admins, args.groups or 10, args.members,
                      rules, words)
    banned.warm()  # as Bot.start does; then frozen, as `groupbot run` does once it runs
    sanitize.warm()
    config.settled()
    print(f"config {args.config}, type {type_name}: {', '.join(h.name for h in gtype.handlers)}")
    print(f"keyword rules: {rules or 'as configured'}; banned words: {words or 'as configured'}")
    print(f"storage: {postgres.shown(args.storage) if args.storage else 'SQLite (a fresh file)'}")
    measure = burst if args.burst else pipeline
    return await measure(args, deployment, gtype, world)
