"""A testing kit: a real Bot on the simulator gateway, a virtual clock and a real SQLite file.

    async with Harness(config_dir, tmp_path) as h:
        await h.say("r1", "alice", "群规")
        await h.advance("10s")
        assert h.texts("r1") == [...]
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import dataclasses
import gc
import io
import itertools
import logging
import os
import shutil
import sys
import tempfile
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, TextIO
from zoneinfo import ZoneInfo

import yaml

from bot import cli, config, schema
from bot.adapters.simulator import Record, Simulator
from bot.app import Bot
from bot.clock import VirtualClock
from bot.config import parse_duration
from bot.events import (
    Event,
    FriendRequest,
    GroupRenamed,
    Kind,
    Member,
    MemberJoined,
    MemberLeft,
    MemberRenamed,
    Message,
    quote_reply,
)
from bot.handler import Registry
from bot.store import open_store
from bot.times import later
from bot.yamlfile import Loader, Problem, Where
from handlers import REGISTRY

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = ROOT / "config"
TZ = ZoneInfo("Asia/Shanghai")
STORAGE: Path | str | None = None  # where every Harness keeps its store (tests/pg.py's
#                                    `backend` fixture); None: bot.db in the test's tmp_path


class Harness:
    def __init__(self, config_dir: Path, tmp_path: Path, *,
                 start: datetime = datetime(2026, 11, 23, 9, 0, tzinfo=TZ),
                 groups: dict[str, str] | None = None, owner: str | None = None,
                 registry: Registry = REGISTRY, db: Path | str | None = None) -> None:
        self.deployment = load(config_dir, registry)
        self.registry = registry
        self.clock = VirtualClock(self.deployment.settings.timezone, start)
        settings = self.deployment.settings
        self.world = Simulator(self.clock, Member(settings.bot.id, settings.bot.name))
        for group_id, topic in (groups or {"r1": "Listener Recruitment 01"}).items():
            self.world.add_group(group_id, topic, ["alice", "bob"], owner)
        self.db: Path | str = db or STORAGE or tmp_path / "bot.db"
        self.ids = itertools.count(1)
        self.bot: Bot

    async def __aenter__(self) -> Harness:
        await self._start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.bot.stop()

    async def _start(self) -> None:
        if isinstance(self.db, Path) and not self.db.exists():
            await migrated(self.db, self.registry)
        self.bot = Bot(self.deployment, self.world, self.clock, self.registry, self.db, seed=0)
        self.bot.set_contact_names(self.world.name_of)
        self.bot.followups = self.world.take_inbox
        await self.bot.start()

    async def restart(self) -> None:
        await self.bot.stop()
        await self._start()

    # ------------------------------------------------------------ what happens

    async def feed(self, event: Event) -> None:
        await self.bot.feed(event)

    async def say(self, group: str | None, member: str, text: str, *, kind: Kind = Kind.TEXT,
                  mentions: tuple[str, ...] = (), url: str | None = None) -> None:
        if group is not None and member not in self.world.group(group).members:
            # in the group all along, as in `groupbot replay` (h.join makes a newcomer,
            # h.world.join one the platform did not report)
            await self.bot.already_in(group, self.world.join(group, [member]))
        sender = self.world.member(group, member)
        quoted = None
        if kind is Kind.TEXT:  # a quote-reply, split as the gateway and replay split it
            text, quoted = quote_reply(text)
        await self.feed(Message(self.clock.now(), group, sender, text, kind, mentions,
                                self.world.self_id in mentions, url, f"m{next(self.ids)}",
                                quoted))

    async def join(self, group: str, *members: str, inviter: str | None = None) -> None:
        await self.feed(MemberJoined(self.clock.now(), group, self.world.join(group, members),
                                     inviter))

    async def leave(self, group: str, *members: str) -> None:
        await self.feed(MemberLeft(self.clock.now(), group, self.world.leave(group, members)))

    async def rename(self, group: str, member: str, name: str) -> None:
        await self.feed(MemberRenamed(self.clock.now(), group,
                                      self.world.rename(group, member, name)))

    async def rename_group(self, group: str, by: str, topic: str) -> None:
        await self.feed(GroupRenamed(self.clock.now(), group,
                                     self.world.rename_group(group, topic), by))

    async def friend_request(self, member: str, hello: str) -> None:
        await self.feed(FriendRequest(self.clock.now(), None, self.world.member(None, member),
                                      hello, member))

    async def advance(self, delta: str | timedelta) -> None:
        step = parse_duration(delta) if isinstance(delta, str) else delta
        await self.bot.advance(later(self.clock.now(), step))

    async def drain(self) -> None:
        await self.bot.drain()

    # ------------------------------------------------------------ what the bot did

    @property
    def sent(self) -> list[Record]:
        return self.world.sent

    def actions(self, kind: str | None = None, **match: Any) -> list[Record]:
        return [r for r in self.sent if (kind is None or r["action"] == kind)
                and all(r.get(k) == v for k, v in match.items())]

    def texts(self, group: str | None = None) -> list[str]:
        return [r["text"] for r in self.sent if r["action"] == "say" and "text" in r
                and (group is None or r["group"] == group)]

    def files(self, group: str | None = None) -> list[str]:
        """The images and files posted in groups, by their names under content/."""
        return [r["file"] for r in self.sent if r["action"] == "say" and "file" in r
                and (group is None or r["group"] == group)]


# ------------------------------------------------------------ what every test would repeat
# A test suite of about a thousand bots would otherwise spend a third of its time loading the
# same few configs and running the same migrations on new files.

_loaded: dict[tuple[Any, ...], tuple[config.Deployment, tuple[Any, ...]]] = {}
_load = config.load  # the bot's own (cache_loads() puts load() below in its place)


def load(root: Path, registry: Registry = REGISTRY) -> config.Deployment:
    """config.load(root, registry), parsed and validated once a process for each content of
    bot.yaml, types/ and the content directory (byte for byte, wherever the copy is): later
    calls get the same validated settings with new handler objects (`cls(config)`, as a load
    makes them, so no state is shared between bots) and this root's paths. Anything the
    load's outcome may depend on beyond those bytes (a database file already there, a file
    that cannot be read, a large one, the environment a warning names) loads as usual."""
    root = config.real(root)  # (not resolve(): a symbolic link loop is the load's to report)
    files = sorted([*root.glob("types/*.yaml"), *root.glob("types/*.yml")])  # (.yml: warned)
    if not all(file.is_file() for file in (root / "bot.yaml", *files)):  # (a FIFO: never read)
        return _load(root, registry)
    try:
        key = (tuple(sorted(registry.items())), (root / "bot.yaml").read_bytes(),
               *((file.name, file.read_bytes()) for file in files))
    except OSError:
        return _load(root, registry)
    if (hit := _loaded.get(key)) is not None:
        made, content = hit
        content_dir = (root / made.settings.content).resolve()
        storage = config.location(made.settings.storage, root)
        if _content(content_dir) == content and config.database_problem(storage) is None:
            return _relocated(made, root, content_dir, storage)
    deployment = _load(root, registry)
    files = _content(deployment.content_dir)
    if files is not None and not deployment.warnings:  # (a warning may name a variable unset)
        # the first load's handlers are kept unused: each later one gets handlers of its own
        _loaded[key] = (deployment, files)
        return _relocated(deployment, root, deployment.content_dir, deployment.storage_path)
    return deployment


def cache_loads() -> None:
    """Every config.load(root, registry) in this process, the bot's own included (the CLI's
    commands run in-process, replay, reports, the terminal), is load() above: the shipped
    config alone was parsed and validated again some 200 times a suite run, 20 ms each.
    A load for a running bot's reload (its settings given) loads as usual."""
    def cached(root: Path, registry: Registry, *running: Any, **account: Any) -> config.Deployment:
        if running or account:
            return _load(root, registry, *running, **account)
        return load(root, registry)

    config.load = cached


def _content(directory: Path) -> tuple[Any, ...] | None:
    """Every file under the content directory, by name and bytes; None where that would be
    slow or incomplete (a large or unreadable file)."""
    found: list[tuple[str, bytes]] = []
    try:
        for path in sorted(directory.rglob("*")):
            if path.is_file():
                if path.stat().st_size > 1 << 20:
                    return None
                found.append((path.relative_to(directory).as_posix(), path.read_bytes()))
    except OSError:
        return None
    return tuple(found)


def _relocated(made: config.Deployment, root: Path, content_dir: Path,
               storage: Path | str) -> config.Deployment:
    def moved(file: Path) -> Path:
        for old, new in ((made.root, root), (made.content_dir, content_dir)):
            if file.is_relative_to(old):
                return new / file.relative_to(old)
        return file

    types = {name: _Fresh.of(gtype) for name, gtype in made.types.items()}
    warnings = tuple(Problem(Where(moved(w.where.file), w.where.line), w.path, w.message)
                     for w in made.warnings)
    return replace(made, root=root, types=types, storage_path=storage, content_dir=content_dir,
                   files=tuple(moved(file) for file in made.files), warnings=warnings)


class _NewHandlers:
    """`handlers` of a _Fresh type: made on first use, then kept (or as set)."""

    def __get__(self, gtype: _Fresh | None, owner: type) -> Any:
        if gtype is None:
            return self
        made: tuple[Any, ...] | None = gtype.__dict__.get("_handlers")
        if made is None:
            made = tuple(type(h)(h.config) for h in gtype.__dict__["_like"])
            object.__setattr__(gtype, "_handlers", made)
        return made

    def __set__(self, gtype: _Fresh, handlers: tuple[Any, ...]) -> None:
        object.__setattr__(gtype, "_handlers", handlers)


class _Fresh(config.GroupType):
    """A group type of a cached load, with handler objects of its own (`cls(config)` of the
    first load's: the same classes and validated configs, no state shared between bots),
    made when the bot first asks for them: a bot asks only for those of the types its
    groups are bound to (one of the shipped config's six in most tests), and making all 55
    (each preparing its matchers) was some 2.6 ms of every load."""

    handlers = _NewHandlers()

    @classmethod
    def of(cls, gtype: config.GroupType) -> _Fresh:
        fresh = replace(gtype, handlers=())  # (a GroupType: its fields as they are)
        made = cls.__new__(cls)
        for field in dataclasses.fields(config.GroupType):
            if field.name != "handlers":
                object.__setattr__(made, field.name, getattr(fresh, field.name))
        object.__setattr__(made, "_like", gtype.handlers)
        return made


_templates: dict[tuple[Any, ...], Path] = {}
_template_dir: Path | None = None


async def migrated(db: Path, registry: Registry = REGISTRY) -> None:
    """A new SQLite file at `db` with every migration applied: a copy of one made by the
    store (open_store) once a process for these migrations, instead of running them all
    again for every bot (a bot opening it finds every step done; 7-10 ms a bot)."""
    global _template_dir
    migrations = schema.migrations(registry)
    key = tuple((name, tuple(steps)) for name, steps in migrations.items())
    template = _templates.get(key)
    if template is None:
        if _template_dir is None:
            _template_dir = Path(tempfile.mkdtemp(prefix="groupbot-schema-"))
            atexit.register(shutil.rmtree, _template_dir, True)
        template = _template_dir / f"{len(_templates)}.db"
        store = await open_store(template, migrations)
        await store.close()
        _templates[key] = template
    db.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(template, db)


def read_yaml(path: Path) -> Any:
    """A YAML file's data, parsed as config files are (bot/yamlfile.py's Loader: libyaml's,
    10 times faster than yaml.safe_load on the corpora)."""
    return yaml.load(path.read_text(encoding="utf-8"), Loader=Loader)


def shipped_config(tmp_path: Path, extra: str = "", replace: tuple[str, str] = ("", "")) -> Path:
    """A copy of the shipped config (and content) in tmp_path, with `extra` added to bot.yaml
    and `replace` = (old, new) replaced in it once."""
    root = tmp_path / "config"
    shutil.copytree(SHIPPED, root)
    if not (tmp_path / "content").exists():
        shutil.copytree(SHIPPED.parent / "content", tmp_path / "content")
    bot_yaml = root / "bot.yaml"
    text = bot_yaml.read_text(encoding="utf-8")
    if replace[0]:
        assert replace[0] in text, replace
        text = text.replace(*replace, 1)
    bot_yaml.write_text(text + extra, encoding="utf-8")
    return root


def write_config(root: Path, bot_yaml: str, types: dict[str, str],
                 content: dict[str, str] | None = None) -> Path:
    """A small deployment in `root` for one test: bot.yaml, types/, content/."""
    (root / "types").mkdir(parents=True, exist_ok=True)
    (root / "content").mkdir(exist_ok=True)
    (root / "bot.yaml").write_text(bot_yaml, encoding="utf-8")
    for name, text in types.items():
        (root / "types" / f"{name}.yaml").write_text(text, encoding="utf-8")
    for name, text in (content or {}).items():
        path = root / "content" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


BOT_YAML = """\
bot: {id: bot, name: Helper}
timezone: Asia/Shanghai
admins: [admin]
storage: bot.db
content: content
outbox: {group_interval: 3s, global_per_minute: 40}
groups:
  - match: {topic: "Recruitment"}
    type: recruitment
"""


async def bot_process(*args: str, **kwargs: Any) -> asyncio.subprocess.Process:
    """`python -m bot.cli run ARGS` as a child of the test, killed by the kernel when the
    test's process dies (a killed pytest: `setpriv --pdeathsig KILL`, util-linux), else it
    reconnects for ever to the gateway that died with the test. The signal follows the
    thread that started the child: start it from the test's event loop. A test also kills
    it in its `finally` (`killed`): a failed assert must not leave it running."""
    return await asyncio.create_subprocess_exec(
        "setpriv", "--pdeathsig", "KILL", sys.executable, "-m", "bot.cli", "run", *args,
        **kwargs)


async def killed(process: asyncio.subprocess.Process) -> None:
    """Kill a `bot_process` child that still runs (after a failure) and reap it."""
    if process.returncode is None:
        process.kill()
        await process.wait()


@dataclass
class Ran:
    returncode: int
    stdout: str
    stderr: str
    frozen: int = 0  # objects the command froze out of the collector's passes (gc.freeze),
    #                  when asked to count them


def groupbot(*args: str, stdin: str | TextIO = "", env: Mapping[str, str] | None = None,
             stdout: TextIO | None = None, count_frozen: bool = False) -> Ran:
    """`groupbot ARGS` through its entry point (bot.cli:main) in this process: its exit code,
    stdout and stderr (its log lines included, as `basicConfig` writes them in a process of
    its own), as a subprocess gives them, without starting an interpreter and loading the
    dictionaries again (about a second of CPU a call). `stdin` is what the command reads (a
    text, or a stream: e.g. an io.TextIOWrapper over bytes, as an interpreter makes);
    `env`, when given, is its whole environment; `stdout`, when given, gets its output
    instead (then not collected: e.g. a pipe whose reader has gone). Called from a test's
    running event loop, it runs on a thread of its own, so the loop is not in the way of the
    command's (but `run`, which sets signal handlers, needs the main thread: call it from a
    plain `def` test). Tests of what only a process shows (signals, its exit, the process's
    time zone, reading its real stdin to the end) start `python -m bot.cli` instead."""
    out, err = stdout or io.StringIO(), io.StringIO()
    logged = logging.StreamHandler(err)
    logged.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root, ours = logging.getLogger(), [logging.getLogger(name) for name in ("bot", "handlers")]

    def call() -> int:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                return cli.main(list(args))
            except SystemExit as exit:  # argparse's usage errors
                if isinstance(exit.code, str):
                    print(exit.code, file=sys.stderr)
                    return 1
                return exit.code or 0

    # (counting walks every frozen object, the whole worker's heap: some 35 ms)
    frozen_before = gc.get_freeze_count() if count_frozen else 0
    saved = (root.handlers[:], root.level, [logger.level for logger in ours], sys.stdin,
             dict(os.environ))
    root.handlers[:] = [logged]  # a new process's logging: main's basicConfig, nothing else
    root.setLevel(logging.INFO)
    sys.stdin = io.StringIO(stdin) if isinstance(stdin, str) else stdin
    if env is not None:
        os.environ.clear()
        os.environ.update(env)
    try:
        try:
            asyncio.get_running_loop()
        except RuntimeError:  # no loop here: the main thread, where signal handlers can go
            code = call()
        else:
            with ThreadPoolExecutor(1) as thread:
                code = thread.submit(call).result()
    finally:
        # What it froze stays frozen: letting it go (gc.unfreeze) would give the collector
        # the whole worker's heap again (conftest.py freezes it), and the next command's
        # settle would walk all of it (some 200 ms). Frozen and freed are not exclusive:
        # what the command made is freed as its references go; only the few objects in
        # reference cycles (about a thousand a run) stay until the worker ends.
        frozen = gc.get_freeze_count() - frozen_before if count_frozen else 0
        root.handlers[:], level, levels, sys.stdin, environ = saved
        root.setLevel(level)
        for logger, was in zip(ours, levels, strict=True):
            logger.setLevel(was)
        if env is not None:
            os.environ.clear()
            os.environ.update(environ)
    return Ran(code, "" if stdout else out.getvalue(), err.getvalue(), frozen)


def own_env() -> dict[str, str]:
    """This process's environment without the WeChat gateway's and groupbot's settings, so a
    command runs on what its arguments and config give it (the simulator, say)."""
    return {k: v for k, v in os.environ.items() if not k.startswith(("WECHATY_", "GROUPBOT_"))}


def simulate(config_dir: Path, lines: str = "/quit\n") -> Ran:
    """`groupbot run --simulator` on `config_dir`, typed `lines`, in `own_env()`."""
    return groupbot("run", "--simulator", "--config", str(config_dir), stdin=lines,
                    env=own_env())


def sqlite_file(path: Path, statements: str) -> Path:
    """An SQLite file holding what `statements` (separated by `;`) make and nothing of
    groupbot's, as another application or tool leaves one (made through the store, which
    then drops every table of the bot's)."""

    async def make() -> None:
        store = await open_store(path, {})
        for (table,) in await store.all("SELECT name FROM sqlite_master WHERE type = 'table'"
                                        " AND name <> 'sqlite_sequence'"):
            await store.execute(f"DROP TABLE {table}")
        for statement in statements.split(";"):
            await store.execute(statement)
        await store.close()

    asyncio.run(make())
    return path


def another_applications_database(path: Path) -> Path:
    """An SQLite file with a table of its own and none of groupbot's."""
    return sqlite_file(path, "CREATE TABLE users (id INTEGER)")
