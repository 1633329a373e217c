"""`groupbot run`: the bot on real time, with WeChat when a puppet-service token is set,
else on the terminal simulator: the simulated platform in this terminal, where the operator
speaks as any member. (Not the web console, bot/web/.)"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import os
import shlex
import signal
import sys
import threading
import time
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from bot import config, roster
from bot.adapters.simulator import Record, Simulator
from bot.app import Bot
from bot.clock import SystemClock
from bot.config import parse_duration
from bot.events import (
    Event,
    FriendRequest,
    Kind,
    Member,
    MemberJoined,
    MemberLeft,
    MemberRenamed,
    Message,
)
from bot.handler import Registry

if TYPE_CHECKING:
    from bot.adapters.wechaty import WechatyGateway

log = logging.getLogger(__name__)

HELP = """\
Type a message to say it as the current member in the current group. Commands:
  /as MEMBER            speak as MEMBER            /in GROUP        switch group
  /join ID [ID...]      members join the group     /leave ID [ID...] members leave
  /rename ID NAME       change a name card         /dm TEXT         private message to the bot
  /friend HELLO         friend request to the bot  /link URL [TEXT] post a link card
  /kind KIND TEXT       post a message of a kind (image, card, mini_program, file, ...)
  /wait 10m             jump the clock ahead       /groups          list groups
  /reload               reload the config          /quit            stop (also Ctrl-C, Ctrl-D)
Mention the bot with @NAME in the text."""


async def run(config_dir: Path, registry: Registry) -> int:
    deployment = config.load(config_dir, registry)
    settings = deployment.settings
    clock = SystemClock(settings.timezone)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)

    wechat = _wechat_gateway()
    if wechat is not None:
        bot = Bot(deployment, wechat, clock, registry)
        side = wechat.run(bot)
    else:
        me = Member(settings.bot.id, settings.bot.name)
        world = Simulator(clock, me, settings.simulator.contacts, _show)
        for g in settings.simulator.groups:
            world.add_group(g.id, g.topic, g.members, g.owner)
        await _restore(world, deployment.storage_path)
        bot = Bot(deployment, world, clock, registry)
        bot.set_contact_names(world.name_of)
        bot.followups = world.take_inbox
        side = Terminal(bot, world, clock).run()

    await bot.start()
    log.info("groupbot running; database %s", bot.db_path)
    tasks = [asyncio.create_task(bot.serve()), asyncio.create_task(side)]
    stopper = asyncio.create_task(stop.wait())
    failed = False
    try:
        done, _ = await asyncio.wait([*tasks, stopper], return_when=asyncio.FIRST_COMPLETED)
        for task in done:
            if task is not stopper and not task.cancelled() and task.exception():
                log.error("stopped by an error", exc_info=task.exception())
                failed = True  # a service manager should see it and restart the bot
    finally:
        for task in (*tasks, stopper):
            task.cancel()
        for task in (*tasks, stopper):
            with contextlib.suppress(BaseException):
                await task
        await bot.stop()
        log.info("stopped; queued actions and timers are kept for the next start")
    return 1 if failed else 0


async def _restore(world: Simulator, db: Path) -> None:
    """Put the simulated groups back as the last run left them (who joined, left, was
    removed), so a restart does not look like a crowd of joins and leaves."""
    if not db.exists():
        return
    for e in await roster.last_known(db):
        if e.group in world.rooms and e.member != world.self_id:
            if e.left_at is None:
                world.rooms[e.group].members[e.member] = e.name
            else:
                world.rooms[e.group].members.pop(e.member, None)


def _wechat_gateway() -> WechatyGateway | None:
    if not os.environ.get("WECHATY_PUPPET_SERVICE_TOKEN"):
        return None
    from bot.adapters.wechaty import WechatyGateway

    return WechatyGateway.from_env(os.environ)


def _show(record: Record) -> None:
    t = record["t"][11:19]
    kind = record["action"]
    if kind == "say":
        mentions = " ".join(f"@{m}" for m in record["mentions"])
        print(f"{t} [{record['group']}] bot: {mentions + ' ' if mentions else ''}{record['text']}")
    elif kind == "dm":
        print(f"{t} [dm -> {record['to']}] bot: {record['text']}")
    else:
        details = " ".join(f"{k}={v}" for k, v in record.items() if k not in ("t", "action"))
        print(f"{t} *** {kind} {details}")
    sys.stdout.flush()


class Terminal:
    """Reads the operator's lines and turns them into events on the simulator."""

    def __init__(self, bot: Bot, world: Simulator, clock: SystemClock) -> None:
        self.bot = bot
        self.world = world
        self.clock = clock
        self.group = next(iter(world.rooms), "")
        members = world.rooms[self.group].members if self.group else {}
        self.member = next((m for m in members if m != world.self_id), "alice")
        self.ids = itertools.count(time.time_ns())  # unique across runs of the simulator

    async def run(self) -> None:
        lines: asyncio.Queue[str | None] = asyncio.Queue()
        loop = asyncio.get_running_loop()

        def read() -> None:  # a daemon thread, so a blocked read never holds up the exit
            for line in sys.stdin:
                loop.call_soon_threadsafe(lines.put_nowait, line)
            loop.call_soon_threadsafe(lines.put_nowait, None)

        threading.Thread(target=read, daemon=True).start()
        print(HELP)
        self._prompt()
        while (line := await lines.get()) is not None:
            try:
                await self.handle(line.strip())
            except IndexError:
                print("! that command needs more: /help lists them")
            except Exception as exc:  # a typo must never stop the bot
                print(f"! {exc}")
            if line.strip() in ("/quit", "/exit"):
                return
            self._prompt()

    def _prompt(self) -> None:
        print(f"[{self.group} as {self.member}]> ", end="", flush=True)

    async def handle(self, line: str) -> None:
        if not line:
            return
        if not line.startswith("/"):
            await self._say(line, Kind.TEXT)
            return
        command, _, rest = line[1:].partition(" ")
        args = shlex.split(rest) if rest else []
        now = self.clock.now()
        event: Event | None = None
        if command == "help":
            print(HELP)
        elif command == "groups":
            for g in self.world.rooms.values():
                print(f"  {g.id}: {g.topic} ({len(g.members)} members, owner {g.owner})")
        elif command == "in":
            self.world.group(args[0])
            self.group = args[0]
        elif command == "as":
            self.member = args[0]
        elif command == "join":
            event = MemberJoined(now, self.group, self.world.join(self.group, args), self.member)
        elif command == "leave":
            event = MemberLeft(now, self.group, self.world.leave(self.group, args))
        elif command == "rename":
            event = MemberRenamed(now, self.group,
                                  self.world.rename(self.group, args[0], " ".join(args[1:])))
        elif command == "dm":
            event = Message(now, None, self.world.member(None, self.member), rest,
                            id=f"t{next(self.ids)}")
        elif command == "friend":
            event = FriendRequest(now, None, self.world.member(None, self.member), rest,
                                  self.member)
        elif command == "link":
            await self._say(" ".join(args[1:]) or args[0], Kind.LINK, url=args[0])
        elif command == "kind":
            await self._say(" ".join(args[1:]), Kind(args[0]))
        elif command == "wait":
            await self._wait(parse_duration(args[0]))
        elif command == "reload":
            await self.bot.reload()
            await self.bot.refresh_groups()
            print("config reloaded")
        elif command in ("quit", "exit"):
            return
        else:  # not ours: say it, as an admin command (/warn, /status...) or plain text
            await self._say(line, Kind.TEXT)
        if event is not None:
            await self.bot.feed(event)

    async def _wait(self, delta: timedelta) -> None:
        """Jump ahead, stopping at each due job on the way, as time would have passed."""
        end = self.clock.now() + delta
        while (due := self.bot.next_due()) is not None and due <= end:
            self.clock.skip(max(due - self.clock.now(), timedelta()))
            await self.bot.run_due()
        self.clock.skip(max(end - self.clock.now(), timedelta()))
        await self.bot.run_due()

    async def _say(self, text: str, kind: Kind, url: str | None = None) -> None:
        group = self.world.group(self.group)
        if self.member not in group.members:
            raise ValueError(f"{self.member} is not in {self.group}: /join {self.member} first")
        names = {name: member_id for member_id, name in group.members.items()}
        mentions = tuple(names[w[1:]] for w in text.split() if w.startswith("@") and
                         w[1:] in names)
        await self.bot.feed(Message(
            self.clock.now(), self.group, self.world.member(self.group, self.member), text, kind,
            mentions, self.world.self_id in mentions, url, f"t{next(self.ids)}"))
