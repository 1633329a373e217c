"""`groupbot run`: the bot on real time, with WeChat when a puppet-service token is set,
else (at a terminal, or with --simulator) on the terminal simulator: the simulated platform
in this terminal, where the operator speaks as any member, on a database of its own
(bot/platforms.py). (Not the web console, bot/web/.)"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import io
import itertools
import logging
import os
import shlex
import signal
import sys
import threading
import time
from collections.abc import Callable, Coroutine, Iterable
from datetime import datetime, timedelta
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot import config, platforms, postgres, roster, state, yamlfile
from bot.adapters.simulator import Record, Simulator
from bot.app import Bot
from bot.clock import SystemClock
from bot.config import Deployment, TooLong, absent, parse_duration
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
from bot.media import is_image
from bot.output import OutputFailed
from bot.sanitize import escaped
from bot.storage_copy import copied
from bot.store import StoreError
from bot.times import stamp, unstamp, utc

if TYPE_CHECKING:
    from bot.adapters.wechaty import WechatyGateway

log = logging.getLogger(__name__)

HELP = """\
Type a message to say it as the current member in the current group. Commands:
  /as MEMBER            speak as MEMBER            /in GROUP        switch group
  /join MEMBER...       members join the group     /leave MEMBER... members leave
  /rename MEMBER NAME   change a name card         /dm TEXT         private message to the bot
  /friend HELLO         friend request to the bot  /link URL [TEXT] post a link card
  /kind KIND [TEXT]     post a message of a kind (image, card, mini_program, file, ...)
  /wait 10m             jump the clock ahead       /groups          list groups
  /reload               reload the config          /reset           forget everything, start over
  /quit                 stop (also Ctrl-C, Ctrl-D)
A MEMBER is an id or a name (alice, 林运营); one with spaces goes in quotes (/as "Anna Lee").
The TEXT, NAME or HELLO a command ends in is taken as typed (/rename alice O'Brien; a NAME
in quotes loses them: /rename alice "Anna Lee").
Mention with @id or @name, also glued to a command: /warn @bob, /踢@Bob (a name two members
share is refused: use the id). Other /commands are said in the group (admin commands; the
admin /reload is /重载 here). \\n in a message or a /dm is a line break (a /broadcast's
groups, then its text: /dm /broadcast customer\\n本周六分享会)."""

# the simulator's commands: how to write each, and how many arguments it takes (at least,
# at most: None for any number)
KINDS = tuple(kind.value for kind in Kind)  # what `/kind` takes

USAGE: dict[str, tuple[str, int, int | None]] = {
    "as": ("/as MEMBER", 1, 1), "in": ("/in GROUP", 1, 1),
    "join": ("/join MEMBER [MEMBER...]", 1, None),
    "leave": ("/leave MEMBER [MEMBER...]", 1, None), "rename": ("/rename MEMBER NAME", 2, None),
    "dm": ("/dm TEXT", 1, None), "friend": ("/friend HELLO", 1, None),
    "link": ("/link URL [TEXT]", 1, None), "kind": ("/kind KIND [TEXT]", 1, None),
    "wait": ("/wait DURATION (e.g. 10m, 2h, 1d; 30 is seconds)", 1, 1),
    "help": ("/help", 0, 0), "groups": ("/groups", 0, 0), "reload": ("/reload", 0, 0),
    "reset": ("/reset", 0, 0), "quit": ("/quit", 0, 0), "exit": ("/exit", 0, 0),
}
TEXT_AFTER = {"dm": 0, "friend": 0, "rename": 1, "link": 1, "kind": 1}
"""The commands that end in a text, and how many words come before it: the text is taken as
typed, apostrophes and quotes too (`/dm it's me`, `/rename alice O'Brien`), as a member
would type it in WeChat."""
NAME_AFTER = {"rename", "kind"}
"""Those whose text is a name (a member's, a file's): one pair of quotes around the whole is
no part of it (`/rename alice "Anna Lee"`, as `/as "Anna Lee"` then names her)."""
RESET = "reset"  # what Terminal.run returns when the operator asked to start over


async def run(config_dir: Path, registry: Registry, account: str | None = None,
              simulator: bool = False) -> int:
    """`groupbot run`: on WeChat when a token is set, else (or with `simulator`) on the
    terminal simulator. ValueError (exit 2) for what the operator must fix first."""
    deployment = config.load(config_dir, registry)
    # a file `storage copy` copied is refused: the bot is to run on the copy
    if (found := await copied(deployment.storage_path)) is not None:
        raise ValueError(found.refused(deployment.root / "bot.yaml"))
    settings = deployment.settings
    clock = SystemClock(settings.timezone)
    _log_on(clock)  # before the first line: the token's warning is in the bot's zone too
    if account is None and settings.accounts and not simulator:
        raise ValueError(f"{deployment.root / 'bot.yaml'} lists accounts: run one process per "
                         "account with --account NAME (docs/scale.md)")
    wechat = None if simulator else \
        _wechat_gateway() if account is None else _account_gateway(deployment, account)
    if wechat is not None:  # (read only at the start: config._keep_start_only)
        wechat.action_timeout = settings.wechat.call_timeout.total_seconds()
    if wechat is None:
        if not simulator and not _interactive():
            raise ValueError(f"{TOKEN} is not set and stdin is not a terminal: set it to run on "
                             "WeChat (docs/wechat.md), or add --simulator to run the terminal "
                             "simulator from a script or a pipe")
        await _check_simulated(deployment.storage_path)
    else:
        await _check_real(deployment.storage_path)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)

    if wechat is not None:
        bot = Bot(deployment, wechat, clock, registry, account=account)
        return await _serve(bot, wechat.run(bot), stop, platforms.WECHAT)
    lines = _read_stdin()
    shown = False  # the usage: once, when the first bot has started (a database another
    # groupbot serves is refused by the start, and its error alone is printed)
    while True:
        world = _world(deployment, clock)
        await _restore(world, clock, deployment.storage_path)
        bot = Bot(deployment, world, clock, registry)
        bot.set_contact_names(world.name_of)
        bot.followups = partial(_logged, world.take_inbox)
        terminal = Terminal(bot, world, clock, lines, usage=not shown)
        shown = True
        result = await _serve(bot, terminal.run(), stop, platforms.SIMULATOR)
        if not terminal.reset:
            return result
        deployment = bot.deployment  # as last reloaded
        if isinstance(bot.db_path, str):  # a PostgreSQL database others may share: kept
            print("reset: the database is PostgreSQL and stays; the simulated groups restart")
            continue
        _forget(Path(bot.db_path))
        clock.reset()  # (a new database holds no time the clock must not go back before)
        print(f"reset: database {bot.db_path} removed; the simulated groups start over")


NO_GROUPS = "no simulated group: list them under `simulator.groups` (docs/configuration.md)"


def _world(deployment: Deployment, clock: SystemClock) -> Simulator:
    settings = deployment.settings
    world = Simulator(clock, Member(settings.bot.id, settings.bot.name),
                      settings.simulator.contacts, _show)
    for g in settings.simulator.groups:
        world.add_group(g.id, g.topic, g.members, g.owner)
    if not settings.simulator.groups:
        log.warning("%s, in %s", NO_GROUPS, deployment.root / "bot.yaml")
    deployment.warn_unbound([(g.id, g.topic) for g in settings.simulator.groups], log)
    return world


async def _serve(bot: Bot, side: Coroutine[Any, Any, None], stop: asyncio.Event,
                 platform: str) -> int:
    """Run the bot and its platform side until either ends or a signal comes."""
    try:
        await bot.start()
    except BaseException:  # (a database it cannot use): the side never runs
        side.close()
        raise
    try:
        await platforms.record(bot.store, platform, bot.clock.now())
    except BaseException:
        side.close()
        await bot.stop()
        raise
    log.info("groupbot running; database %s", bot.db_path)
    console = None
    if bot.deployment.settings.web.enabled:  # the web console, in this event loop
        from bot.web.server import serve_for  # (aiohttp: 0.1 s to import, for a console only)

        console = await serve_for(bot, os.environ)
    config.settled()
    tasks = [asyncio.create_task(bot.serve()), asyncio.create_task(side)]
    stopper = asyncio.create_task(stop.wait())
    failed = False
    said: OutputFailed | postgres.Unavailable | None = None  # bot/cli.py says it, once stopped
    try:
        done, _ = await asyncio.wait([*tasks, stopper], return_when=asyncio.FIRST_COMPLETED)
        for task in done:
            if task is stopper or task.cancelled() or (error := task.exception()) is None:
                continue
            if isinstance(error, (OutputFailed, postgres.Unavailable)):
                said = error  # the reader has gone, a full disk; the database lost: one line
            else:
                log.error("stopped by an error", exc_info=error)
            failed = True  # a service manager should see it and restart the bot
    finally:
        for task in (*tasks, stopper):
            task.cancel()
        for task in (*tasks, stopper):
            with contextlib.suppress(BaseException):
                await task
        if console is not None:
            await console.stop()
        await bot.stop()
        log.info("stopped; queued actions and timers are kept for the next start")
    if said is not None:
        raise said
    return 1 if failed else 0


TOKEN = "WECHATY_PUPPET_SERVICE_TOKEN"


def _interactive() -> bool:
    """Whether an operator types at this process (its stdin is a terminal)."""
    return sys.stdin is not None and sys.stdin.isatty()


async def _check_simulated(db: Path | str) -> None:
    """The terminal simulator runs on a new database or one it made (ValueError otherwise):
    never on one WeChat has used, whose real groups it would mix simulated ones into and
    `/reset` would delete, nor on an SQLite file it did not make (from `groupbot replay
    --db`, copied in, or from a groupbot that did not record its platform)."""
    if absent(db):
        return
    served = await platforms.recorded(db)
    if served == platforms.WECHAT:
        raise ValueError(f"{db} is a database WeChat has run on (`storage` in bot.yaml): the "
                         "terminal simulator does not run on it. Give the simulator a "
                         "`storage` of its own (a copy of the config directory with e.g. "
                         "storage: data/simulator.db)")
    if served is None and isinstance(db, Path):
        raise ValueError(f"{db} was not made by the terminal simulator (by `groupbot replay "
                         "--db`, copied in, or by an older groupbot): the simulator runs only "
                         "on a database it made, which `/reset` may delete. Give it another "
                         "`storage` in bot.yaml, or remove that file if it holds nothing you "
                         "need")
    if served is None and await platforms.holds_groups(db):  # PostgreSQL, from an older groupbot
        raise ValueError(f"{postgres.shown(str(db))} holds groups, and no record of the "
                         "platform that served them (an older groupbot): the simulator runs only "
                         "on a database it made. Give it a `storage` of its own (an empty "
                         "database)")


async def _check_real(db: Path | str) -> None:
    """WeChat never runs on the terminal simulator's database (ValueError): its simulated
    groups, members, warnings and check-ins would show in every report, export and audit
    from then on (the README's first command makes it where bot.yaml's `storage` says)."""
    if not absent(db) and await platforms.recorded(db) == platforms.SIMULATOR:
        # not `/reset`: the simulator makes a new database of its own at once
        if isinstance(db, str):
            shown, way = postgres.shown(db), "Give `storage` another place (an empty database)"
        else:
            shown, way = str(db), (f"Delete it, with its {db.name}-wal and {db.name}-shm if "
                                   "there, or give `storage` another place")
        raise ValueError(f"{shown} is the terminal simulator's database (`storage` in "
                         "bot.yaml), with its simulated groups: WeChat does not run on it. "
                         f"{way} before the first start on WeChat")


QUOTING = """a name with an apostrophe or a quote goes in the other quotes (/as "O'Brien", \
/as 'Anna "A" Lee')"""


def arguments(command: str, rest: str) -> list[str]:
    """A simulator command's arguments: its words as a shell splits them (a name with spaces
    in quotes: /as "Anna Lee"), then, for a command that ends in a text (`TEXT_AFTER`), that
    text whole, as typed. A quote left open in a word is refused, saying how to quote one
    (ValueError)."""
    stream = io.StringIO(rest)  # what the words leave is the text
    lexer = shlex.shlex(stream, posix=True)
    lexer.whitespace_split, lexer.commenters = True, ""  # (as shlex.split: "#" is no comment)
    before = TEXT_AFTER.get(command)
    try:
        words = list(lexer) if before is None else [lexer.get_token() for _ in range(before)]
    except ValueError as exc:  # "No closing quotation", "No escaped character"
        raise ValueError(f"{exc} in /{command} {rest}: {QUOTING}") from None
    text = "" if before is None else stream.read().strip()
    if command in NAME_AFTER and len(text) > 2 and text[0] == text[-1] and text[0] in "\"'" \
            and text[0] not in text[1:-1]:
        text = text[1:-1]
    return [word for word in words if word is not None] + ([text] if text else [])


def typed(text: str) -> str:
    """A message as typed on one line: `\\n` stands for a line break, so that what spans
    lines in WeChat (a /broadcast: its groups, then its text) can be tried here."""
    return text.replace("\\n", "\n")


def _forget(db: Path) -> None:
    """`/reset`: the database and SQLite's side files go; the next start makes a new one."""
    for path in (db, db.with_name(db.name + "-wal"), db.with_name(db.name + "-shm")):
        path.unlink(missing_ok=True)


def _read_stdin() -> asyncio.Queue[str | None]:
    """The operator's lines, read by a daemon thread (a blocked read never holds up the
    exit); None at the end of input."""
    lines: asyncio.Queue[str | None] = asyncio.Queue()
    loop = asyncio.get_running_loop()

    if isinstance(sys.stdin, io.TextIOWrapper):  # (a test's is a StringIO)
        # bytes that are not UTF-8 as U+FFFD, as a terminal shows them: a decoding error
        # would end the thread below (and the input) for good, or (C locale) lone surrogates
        # would reach the handlers as a member's text
        sys.stdin.reconfigure(errors="replace")

    def read() -> None:
        try:
            for line in sys.stdin:
                loop.call_soon_threadsafe(lines.put_nowait, line)
            loop.call_soon_threadsafe(lines.put_nowait, None)
        except RuntimeError:  # the loop has closed (the bot stopped): nobody reads on
            return

    threading.Thread(target=read, daemon=True).start()
    return lines


def _log_on(clock: SystemClock) -> None:
    """Log times on the bot's clock: its time zone, and in the simulator the virtual time
    `/wait` moved to, as on the bot's lines."""
    def converter(created: float | None) -> time.struct_time:
        ago = timedelta(seconds=time.time() - (created or time.time()))
        return (clock.now() - ago).timetuple()

    for handler in logging.root.handlers:
        if handler.formatter is not None:
            handler.formatter.converter = converter


def _logged(take: Callable[[], list[Event]]) -> list[Event]:
    """What the simulated platform reports back (joins after invites...), logged for -v."""
    events = take()
    for event in events:
        log.debug("event %s", describe(event))
    return events


def describe(event: Event) -> str:
    """One line per event for `-v`: its kind, group and the fields that are set."""
    def shown(value: object) -> str:
        match value:
            case Member(id=member_id, name=name):
                return f"{plain(member_id)} ({plain(name)})"
            case tuple():
                return "[" + ", ".join(shown(v) for v in value) + "]"
            case Kind():
                return value.value
        return repr(value)

    fields = [(f.name, getattr(event, f.name)) for f in dataclasses.fields(event)]
    return f"{type(event).__name__} in {plain(event.group or 'private')}: " + ", ".join(
        f"{name}={shown(value)}" for name, value in fields
        if name not in ("at", "group", "id") and value not in (None, (), "", False, Kind.TEXT))


def plain(text: str) -> str:
    """A member-chosen name or id as a log line shows it: as it is when every character is
    printable, else as a Python literal (`'\\x1b]0;pwned\\x07'`), so a name cannot send
    escape sequences to the operator's terminal (set its title, clear it, colour it) or
    hide behind bidi overrides and zero-width characters; cut to SHOWN characters (with
    `…`), so a 100 KB name does not fill the screen at every prompt."""
    if len(text) > SHOWN:
        text = text[:SHOWN - 1] + "…"
    return text if text.isprintable() else repr(text)


SHOWN = 60
"""The most characters of a member's name or id a simulator line shows."""


async def _restore(world: Simulator, clock: SystemClock, db: Path | str) -> None:
    """Put the simulated groups back as the last run left them (who joined, left, was
    removed), so a restart does not look like a crowd of joins and leaves; and the clock on
    to the time the last run's clock reached (stored at each line, at each step of a `/wait`
    and at the stop: `/wait` moves the clock in memory only), else no earlier than the
    newest time its members' rows hold. Else what that run did lies in the future: a week
    of `/wait`'s pushes and reports, recorded as done, are skipped when their times come
    again; the account's warm-up starts over; pushes queued before a `kill -9` go out
    stamped before they were due; a check-in on the "day before" begins a new streak."""
    if absent(db) or not await platforms.made(db):  # (a new database: no tables yet; one
        return  # whose roster is still empty keeps the clock a `/wait` reached all the same)
    entries = await roster.last_known(db)
    for e in entries:
        if e.group in world.rooms and e.member != world.self_id:
            if e.left_at is None:
                world.rooms[e.group].members[e.member] = e.name
            else:
                world.rooms[e.group].members.pop(e.member, None)
    reached = unstamp(await state.last_known(db, CLOCK))
    times = [t for e in entries for t in (e.joined_at, e.left_at, e.last_spoke)]
    newest = max((t for t in (*times, reached) if t is not None), default=None)
    if newest is not None:
        clock.not_before(newest)


CLOCK: state.Key = ("", "", "@simulator", "clock")
"""Where the simulator keeps the time its clock reached (handler names have no "@")."""


def _wechat_gateway() -> WechatyGateway | None:
    if not os.environ.get(TOKEN):
        return None
    from bot.adapters.wechaty import WechatyGateway

    return WechatyGateway.from_env(os.environ)


def _account_gateway(deployment: Deployment, name: str) -> WechatyGateway:
    """`run --account NAME`: its token from the variable bot.yaml names, its endpoint from
    bot.yaml, else from WECHATY_PUPPET_SERVICE_ENDPOINT (ValueError saying what is missing)."""
    settings = deployment.settings
    account = settings.account(name)
    if account is None:
        known = ", ".join(a.name for a in settings.accounts) or "none: add `accounts:`"
        raise ValueError(f"{deployment.root / 'bot.yaml'}: accounts: no account {name!r} "
                         f"(known: {known})")
    token = os.environ.get(account.token_env, "").strip()
    if not token:
        raise ValueError(f"account {name!r}: its token variable {account.token_env} is not "
                         "set (bot.yaml accounts: token_env)")
    endpoint = account.endpoint or os.environ.get("WECHATY_PUPPET_SERVICE_ENDPOINT", "")
    if not endpoint.strip():
        raise ValueError(f"account {name!r}: no endpoint (set `endpoint:` in bot.yaml "
                         "accounts, or WECHATY_PUPPET_SERVICE_ENDPOINT)")
    from bot.adapters.wechaty import WechatyGateway, check_endpoint

    return WechatyGateway(token, check_endpoint(endpoint))


TEXTS = ("reason", "topic")
"""An action's keys that hold the bot's or an operator's text, shown whole (escaped), not
cut as the members' ids and names around them are."""


def _show(record: Record) -> None:
    t = f"{record['t'][:10]} {record['t'][11:19]}"  # the bot's date and time, as in the log
    kind = record["action"]
    # ids and names are members' (shown by `plain`); the text is the bot's, its names cleaned
    if kind in ("say", "dm") and "file" in record:
        where = plain(record["group"]) if kind == "say" else f"dm -> {plain(record['to'])}"
        shown = "图片" if is_image(record["file"]) else "文件"
        print(f"{t} [{where}] bot: [{shown} {Path(record['file']).name}]")
    elif kind == "say":
        mentions = " ".join(f"@{plain(m)}" for m in record["mentions"])
        print(f"{t} [{plain(record['group'])}] bot: {mentions + ' ' if mentions else ''}"
              f"{record['text']}")
    elif kind == "dm":
        print(f"{t} [dm -> {plain(record['to'])}] bot: {record['text']}")
    elif kind in ("card", "group_qr"):
        where = plain(record["group"]) if "group" in record else f"dm -> {plain(record['to'])}"
        shown = (f"[名片 {plain(record['name'])}]" if kind == "card"
                 else f"[群二维码 {plain(str(record.get('topic', record['room'])))}]")
        print(f"{t} [{where}] bot: {shown}")
    else:
        details = " ".join(f"{k}={escaped(str(v)) if k in TEXTS else plain(str(v))}"
                           for k, v in record.items() if k not in ("t", "action"))
        print(f"{t} *** {kind} {details}")
    sys.stdout.flush()


WAITS = timedelta(hours=1)  # how far piped input's end lets queued sends go
LONGEST_WAIT = timedelta(days=366)  # one `/wait`: a year of the shipped config's jobs takes
# some 20 s and thousands of lines; more is no trial anyone means (and 99999d took hours)


class Terminal:
    """Reads the operator's lines and turns them into events on the simulator."""

    def __init__(self, bot: Bot, world: Simulator, clock: SystemClock,
                 lines: asyncio.Queue[str | None], usage: bool = False) -> None:
        self.bot = bot
        self.usage = usage  # print the usage (HELP) as it starts
        self.world = world
        self.clock = clock
        self.lines = lines
        self.reset = False  # the operator asked to start over
        self.group = next(iter(world.rooms), "")
        members = world.rooms[self.group].members if self.group else {}
        self.member = next((m for m in members if m != world.self_id), "alice")
        self.ids = itertools.count(time.time_ns())  # unique across runs of the simulator

    async def run(self) -> None:
        """Read the operator's lines (the bot has started: `_serve` runs this only then)."""
        if self.usage:
            print(HELP)
        try:
            await self._read()
        finally:  # (also when stopped by a signal)
            with contextlib.suppress(*StoreError):  # (a store lost: the bot stops on it)
                await self._keep_clock()

    async def _read(self) -> None:
        self._prompt()
        while (line := await self.lines.get()) is not None:
            try:
                await self._keep_clock()
                await self.handle(line.strip())
            except Exception as exc:  # a typo must never stop the bot
                print(f"! {escaped(str(exc))}"  # it may quote the line
                      + ("" if self.world.rooms else f" ({NO_GROUPS})"))
            if self.reset:
                return
            if line.strip() in ("/quit", "/exit"):
                break  # piped, ends like the end of the lines
            self._prompt()
        if not _interactive():
            await self._send_what_waits()

    async def _keep_clock(self) -> None:
        """Store the time the clock reached, for the next start (`_restore`)."""
        async with self.bot.turn():
            await state.put(self.bot.store, CLOCK, stamp(self.clock.now()))

    async def _run_at(self, at: datetime) -> None:
        """Move the clock on to `at` (never back) and run what is due by then; the time is
        stored first, committed before anything due then goes out: after a `kill -9` the
        next start goes on from there, not before."""
        self.clock.skip(max(at - utc(self.clock.now()), timedelta()))
        await self._keep_clock()
        await self.bot.run_due()

    async def _send_what_waits(self) -> None:
        """Piped lines came to an end: what the bot queued meanwhile (replies go a few
        seconds apart) goes out now, as if that time had passed, for up to `WAITS` (what
        falls due on the way runs too), so that `printf '群规\n报名\n' | groupbot run
        --simulator` shows every answer, also when the lines end with `/quit`. (An operator
        at the terminal stops at once: what waits is kept for the next start.)"""
        end = utc(self.clock.now()) + WAITS
        while len(self.bot.outbox) and (due := self.bot.next_due()) is not None and due <= end:
            await self._run_at(due)
            await asyncio.sleep(0)

    def _prompt(self) -> None:
        print(f"[{plain(self.group)} as {plain(self.member)}]> ", end="", flush=True)

    async def handle(self, line: str) -> None:
        if not line:
            return
        if not line.startswith("/"):
            await self._say(typed(line), Kind.TEXT)
            return
        command, _, rest = line[1:].partition(" ")
        if command not in USAGE:  # not ours: said in the group (/warn, /status, /踢@Bob...)
            await self._say(typed(line), Kind.TEXT)
            return
        args = arguments(command, rest)
        usage, least, most = USAGE[command]
        if len(args) < least:
            print(f"! that command needs more: {usage}")
            return
        if most is not None and len(args) > most:
            print(f"! too much after /{command}: {usage} (a name with spaces goes in quotes: "
                  '/as "Anna Lee")')
            return
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
            self.member = self._find(args[0])
            # the group's members as the last run left them, not the contacts (a restart
            # does not make a member a contact; a contact may be in another group only)
            hint = "" if self.member in self._here() else \
                f", not in {plain(self.group)}: /join it first"
            found = self.world.member(self.group, self.member)
            print(f"speaking as {plain(found.name)} ({plain(found.id)}{hint})")
        elif command == "join":
            members = [self._find(m) for m in args]
            if already := [name for name, member in zip(args, members, strict=True)
                           if member in self._here()]:  # WeChat would do nothing
                raise ValueError(f"already in {plain(self.group)}: "
                                 f"{', '.join(map(plain, already))}")
            event = MemberJoined(now, self.group, self.world.join(self.group, members),
                                 self.member)
        elif command == "leave":
            members = self._members_here(args)
            event = MemberLeft(now, self.group, self.world.leave(self.group, members))
        elif command == "rename":  # WeChat renames only a member of the group
            [member] = self._members_here(args[:1])
            event = MemberRenamed(now, self.group, self.world.rename(
                self.group, member, " ".join(args[1:])))
        elif command == "dm":
            event = Message(now, None, self.world.member(None, self.member), typed(args[0]),
                            id=f"t{next(self.ids)}")
        elif command == "friend":
            event = FriendRequest(now, None, self.world.member(None, self.member), args[0],
                                  self.member)
        elif command == "link":
            await self._say(" ".join(args[1:]) or args[0], Kind.LINK, url=args[0])
        elif command == "kind":
            if args[0] not in KINDS:
                raise ValueError(f"no kind {args[0]!r}: one of {', '.join(KINDS)}")
            await self._say(" ".join(args[1:]), Kind(args[0]))
        elif command == "wait":
            await self._wait(args[0])
        elif command == "reload":
            await self.bot.reload()
            await self.bot.bind_again()
            print("config reloaded")
        elif command == "reset":
            self.reset = True
        if event is not None and not self.world.tells(event):
            print(f"(the bot is not in {plain(self.group)}: WeChat tells it nothing of it)")
        elif event is not None:
            await self._feed(event)

    def _here(self) -> dict[str, str]:
        """The current group's members (id: name), as the last run left them after a restart."""
        return self.world.group(self.group).members if self.group else {}

    def _find(self, who: str) -> str:
        """A member's id from an id or a name: in this group first, then any known contact,
        then any group; anything else is taken as a new member's id. An empty one is none,
        and so is a name two members share where it is found (ValueError, `named`)."""
        if not who.strip():
            raise ValueError('a member is an id or a name, not "" (/as alice, /as "Anna Lee")')
        elsewhere = [pair for g in self.world.rooms.values() for pair in g.members.items()]
        for members in (list(self._here().items()), list(self.world.contacts.items()),
                        elsewhere):
            if any(member_id == who for member_id, _ in members):
                return who
            if (found := named(who, members)) is not None:
                return found
        return who

    def _members_here(self, names: list[str]) -> list[str]:
        """The ids of members of the current group, by id or name (ValueError naming those
        who are not in it)."""
        members = [self._find(name) for name in names]
        here = self.world.group(self.group).members
        missing = [name for name, member in zip(names, members, strict=True)
                   if member not in here]
        if missing:
            raise ValueError(f"not in {plain(self.group)}: {', '.join(map(plain, missing))} "
                             "(/groups lists the groups, /join adds a member)")
        return members

    async def _wait(self, written: str) -> None:
        """Jump ahead, stopping at each due job on the way, as time would have passed; each
        step lets the loop run, so Ctrl-C or SIGTERM stops a long wait (and the bot). At
        most `LONGEST_WAIT` at once. A number without a unit is seconds, as a scenario's
        `wait: 10` is (review r51: `/wait 10` was refused)."""
        try:
            delta = parse_duration(yamlfile.plain_value(written))
        except TooLong:
            delta = timedelta.max
        if delta > LONGEST_WAIT:  # (99999d ran on for hours, then past the year 9999)
            raise ValueError(f"/wait {written} is too long: at most "
                             f"{LONGEST_WAIT.days}d (a year) at a time; /wait again for more")
        end = utc(self.clock.now()) + delta  # real time, across a clock change too
        while (due := self.bot.next_due()) is not None and due <= end:
            await self._run_at(due)
            await asyncio.sleep(0)  # run_due may never yield (SQLite answers at once)
        await self._run_at(end)
        now = self.clock.now()
        print(f"now {now:%Y-%m-%d %H:%M:%S} {self.clock.tz} ({now:%A})")

    async def _say(self, text: str, kind: Kind, url: str | None = None) -> None:
        group = self.world.group(self.group)
        if self.member not in group.members:
            raise ValueError(f"{plain(self.member)} is not in {plain(self.group)}: /join "
                             f"{plain(self.member)} first")
        if not self.world.has_bot(self.group):
            raise ValueError(f"the bot is not in {plain(self.group)} (removed): WeChat shows "
                             f"it nothing there; /join {plain(self.world.self_id)} adds it back")
        event = Message(self.clock.now(), self.group, self.world.member(self.group, self.member),
                        text, kind, mentions := mentioned(text, group.members),
                        self.world.self_id in mentions, url, f"t{next(self.ids)}")
        await self._feed(event)

    async def _feed(self, event: Event) -> None:
        """Hand the line's event to the bot, and wait for what it asked for after its turn
        (an admin's /重载): the bot does that in the background, for the events after it
        not to wait, but the operator's next line would come first, and its reply before
        the reload's answer (/重载 then /status)."""
        log.debug("event %s", describe(event))
        await self.bot.feed(event)
        await self.bot.after_turns()


def mentioned(text: str, members: dict[str, str]) -> tuple[str, ...]:
    """The members a typed line mentions, as "@id" or "@name", also run into a command
    ("/踢@Bob"): at each "@", the longest id or name that ends there (at the end, a space,
    punctuation or the next "@"), in the order written, each once. An id is that member (also
    when another is named so); a name is the one member called so, and a name several share
    is refused (ValueError, `named`)."""
    keys = sorted({*members, *members.values()}, key=len, reverse=True)
    found: list[str | None] = []
    for at in (i for i, char in enumerate(text) if char == "@"):
        for key in keys:
            end = at + 1 + len(key)
            if text.startswith(key, at + 1) and (end == len(text) or not text[end].isalnum()):
                found.append(key if key in members else named(key, members.items()))
                break
    return tuple(dict.fromkeys(member for member in found if member is not None))


def named(name: str, members: Iterable[tuple[str, str]]) -> str | None:
    """The id of the member called `name` among (id, name) pairs, None if none is. A name
    several members share is refused, naming their ids (ValueError): anyone can rename
    themselves 林运营, and taking one of them would warn or remove whoever was listed first
    (WeChat's mentions carry the id the sender picked)."""
    ids = list(dict.fromkeys(member_id for member_id, shown in members if shown == name))
    if len(ids) > 1:
        raise ValueError(f"{len(ids)} members are named {plain(name)}: "
                         f"{', '.join(map(plain, ids))}; name one by its id "
                         f"(@{plain(ids[0])}, /as {plain(ids[0])})")
    return ids[0] if ids else None
