"""`groupbot replay`: a dry run of the bot over a scripted conversation on a virtual clock.

The scenario format is a public contract (docs/replay.md): keep it stable, extend it only
with optional keys. Each action the bot takes is written as one JSON line, in order.
"""

from __future__ import annotations

import itertools
import json
import logging
import re
import tempfile
import unicodedata
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Annotated, Any, Self
from zoneinfo import ZoneInfo

from pydantic import AfterValidator, BeforeValidator, ConfigDict, Field, model_validator

from bot import config, platforms, postgres, storage_copy, yamlfile
from bot.adapters.simulator import Record, Simulator
from bot.app import Bot
from bot.clock import VirtualClock
from bot.config import Duration, Model
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
from bot.inbound import GroupInvitation
from bot.instance import Taken
from bot.media import is_image
from bot.times import later
from bot.yamlfile import InputError

log = logging.getLogger(__name__)


def _an_id(value: str) -> str:
    if not value.strip():
        raise ValueError(f"an id is a non-empty text, not {value!r}")
    return value


Id = Annotated[str, AfterValidator(_an_id)]
"""A member's or a group's id: not empty, not only spaces (WeChat has none such)."""


class BotSpec(Model):
    id: Id | None = None
    name: str | None = None


class GroupSpec(Model):
    id: Id
    topic: str
    members: list[Id] = []
    owner: Id | None = None


class Join(Model):
    group: str
    members: list[Id] = Field(min_length=1)
    inviter: Id | None = None
    reported: bool = True  # false: they are in the group, but the platform says nothing


class Leave(Model):
    group: str
    members: list[Id] = Field(min_length=1)
    remover: Id | None = None
    reported: bool = True


class Dm(Model):
    """A member's message: a text, or (`file`) an image or file they send, by its name."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)
    sender: Id = Field(alias="from")
    text: str = ""
    file: str = ""
    kind: Kind = Kind.TEXT
    url: str | None = None
    # how long before the step the member wrote it: the bot handles it late, as after
    # WeChat failed to hand it over the first time or at another account's takeover
    written: Duration | None = None

    def written_at(self, now: datetime) -> datetime:
        """When the message was written, the step handing it to the bot at `now`."""
        return now if self.written is None else later(now, -self.written)

    @model_validator(mode="after")
    def _text_or_file(self) -> Self:
        if not self.text and not self.file:
            raise ValueError("give `text`, or `file` for an image or file the member sends")
        if self.text and self.file:
            raise ValueError("a WeChat message is a text or a file, not both: use two steps")
        return self

    @property
    def message_kind(self) -> Kind:
        """A file is an image or a file by its name, unless `kind` says otherwise."""
        if not self.file or self.kind is not Kind.TEXT:
            return self.kind
        return Kind.IMAGE if is_image(self.file) else Kind.FILE


class Say(Dm):
    group: str
    mentions: list[Id] = []


class FriendAsk(Model):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)
    sender: Id = Field(alias="from")
    hello: str = ""


class Rename(Model):
    group: str
    member: Id
    name: str


class RenameGroup(Model):
    group: str
    by: Id
    topic: str = Field(min_length=1)


class InviteBot(Model):
    """`from` invites the bot into a group of theirs, `group` (a new id) named `topic`, with
    `members`: the bot accepts or not as bot.yaml `group_invitations` says (bot/admission.py).
    Accepted, the bot is in the group from then on (its own join, by `from`)."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)
    sender: Id = Field(alias="from")
    group: Id
    topic: str = Field(min_length=1)
    members: list[Id] = []


STEPS: dict[str, type[Model]] = {
    "join": Join, "leave": Leave, "say": Say, "dm": Dm, "friend_request": FriendAsk,
    "rename": Rename, "rename_group": RenameGroup, "invite_bot": InviteBot,
}
CONTROL = ("wait", "restart")
SPAN_LIMIT = timedelta(days=366)
"""How far the steps may move the clock: beyond it dates overflow, schedules run for ages."""


_ONE_DIGIT_HOUR = re.compile(r"^(\d{4}-\d\d-\d\d[ T])(\d:)")


def _a_date(value: Any) -> Any:
    """`start` as written: a date and time, not a number (pydantic would take 2026, or
    "1.5e9", for seconds after 1970), in ISO form; a one-digit hour ("2026-11-24 8:55") as a
    clock time and a push's `at` take it (review s41 r51 finding 12: pydantic's "unexpected
    extra characters")."""
    if isinstance(value, (int, float)):  # (bool is an int)
        raise ValueError(f"give a date and time like \"2026-11-23 08:55\", not {value!r}")
    if not isinstance(value, str):
        return value
    # full-width digits (what a Chinese input method types) as a clock time reads them
    written = _ONE_DIGIT_HOUR.sub(r"\g<1>0\g<2>", unicodedata.normalize("NFKC", value).strip())
    if written.isprintable():  # (Python's ISO reading would take a NUL after the time)
        try:  # (read here, as ISO 8601 has it: pydantic's reading refuses "08:55 +08:00")
            return datetime.fromisoformat(written)
        except ValueError:
            pass
    raise ValueError(f"give a date and time like \"2026-11-23 08:55\", not {value!r}")


def _a_gap(value: Any) -> Any:
    """`step` as written: a duration, not the steps (a typo of `steps`, review s41 r51
    finding 1b, was "not a duration: [...]")."""
    if isinstance(value, list):
        raise ValueError("`step` is the virtual time between steps (1s): did you mean "
                         "`steps`, the list of steps?")
    return value


YEARS = range(1971, 9000)
"""The years a scenario may start in: before 1970 the bot's times are negative, and near
9999 its clock runs past the last date Python has."""


def _a_year_we_keep(value: datetime) -> datetime:
    if value.year not in YEARS:
        raise ValueError(f"{value.date().isoformat()} is out of range: give a date from "
                         f"{YEARS.start} to {YEARS.stop - 1}")
    return value


class Scenario(Model):
    config: str | None = None
    start: Annotated[datetime, BeforeValidator(_a_date), AfterValidator(_a_year_we_keep)]
    step: Annotated[Duration, BeforeValidator(_a_gap)] = timedelta(seconds=1)
    bot: BotSpec = BotSpec()
    seed: int = 0  # seeds every random choice: jitter, random replies
    drain: Duration = timedelta(days=1)  # how long after the last step due actions still run
    contacts: dict[Id, str] = {}
    groups: list[GroupSpec] = []
    steps: list[Any]  # required: a scenario without them played nothing and exited 0


def load(path: Path) -> tuple[Scenario, list[tuple[timedelta, str, Any]], yamlfile.Located]:
    """Parse and validate a scenario; every step becomes (gap before it, kind, model). Its
    problems come with the hints a config's get (`wait： 20s`, `wait:20s`)."""
    try:
        return _load(path)
    except InputError as exc:
        raise InputError(yamlfile.hinted(exc.problems)) from None


def _load(path: Path) -> tuple[Scenario, list[tuple[timedelta, str, Any]], yamlfile.Located]:
    located = yamlfile.load(path)
    if not isinstance(located.data, dict):
        raise InputError([located.problem((), "a scenario is a mapping with `start` and `steps`")])
    scenario = yamlfile.validate(Scenario, located, located.data)
    declared: dict[str, int] = {}
    for i, spec in enumerate(scenario.groups):
        if declared.setdefault(spec.id, i) != i:
            raise InputError([located.problem(("groups", i, "id"), f"group {spec.id!r} is "
                                              f"already declared as groups[{declared[spec.id]}]")])
    steps, elapsed = [], timedelta()
    known = {g.id for g in scenario.groups}  # and the groups invited into by earlier steps
    for i, raw in enumerate(scenario.steps):
        at: tuple[str | int, ...] = ("steps", i)
        if not isinstance(raw, dict):
            raise InputError([located.problem(at, "a step is a mapping like `say: {...}`")])
        gap = scenario.step
        if "after" in raw:
            gap = _duration(located, (*at, "after"), raw["after"])
        kinds = [k for k in raw if k != "after"]
        if len(kinds) != 1 or kinds[0] not in (*STEPS, *CONTROL):
            raise InputError([_not_a_step(located, at, kinds)])
        kind = kinds[0]
        body: Any = _duration(located, (*at, kind), raw[kind]) if kind == "wait" else None
        elapsed += gap + (body or timedelta())
        if elapsed > SPAN_LIMIT:
            where = (*at, kind) if body else (*at, "after") if "after" in raw else at
            raise InputError([located.problem(where, f"a scenario spans at most "
                                              f"{SPAN_LIMIT.days}d from its start")])
        if kind == "restart":
            body = yamlfile.switch(raw[kind])
            if body is None:
                raise InputError([located.problem((*at, kind), "write `restart: true` (or "
                                                  "`false` to skip the restart)")])
        elif kind != "wait":
            body = yamlfile.validate(STEPS[kind], located, raw[kind], (*at, kind))
            group = getattr(body, "group", None)
            if isinstance(body, InviteBot):
                if group in known:
                    raise InputError([located.problem((*at, kind, "group"), (
                        f"group {group!r} exists already: invite_bot brings the bot into a "
                        "new group"))])
                known.add(body.group)
            elif group is not None and group not in known:
                raise InputError([located.problem((*at, kind, "group"),
                                                  f"unknown group {group!r}: declare it under "
                                                  "`groups`")])
        steps.append((gap, kind, body))
    return scenario, steps, located


def _not_a_step(located: yamlfile.Located, at: tuple[str | int, ...],
                kinds: list[Any]) -> yamlfile.Problem:
    """A step that is not one known step: a key mistyped (`wiat`, `sya`) gets the known key
    nearest to it, as a scenario's own keys do (`step:` -> `steps`)."""
    known = (*STEPS, *CONTROL, "after")
    for kind in kinds:
        if kind not in known and (near := yamlfile.nearest(kind, known)):
            return located.problem((*at, kind), f"unknown key; did you mean `{near}`?")
    return located.problem(at, "each step has exactly one of: " + ", ".join((*STEPS, *CONTROL)))


def _duration(located: yamlfile.Located, at: tuple[str | int, ...], value: Any) -> timedelta:
    try:
        return config.parse_duration(value)
    except ValueError as exc:
        raise InputError([located.problem(at, str(exc))]) from None


async def replay(path: Path, registry: Registry, config_dir: Path | None = None,
                 db: Path | str | None = None,
                 emit: Callable[[Record], None] | None = None) -> None:
    """Run a scenario; `emit` receives each action as it is sent (default: print JSON)."""
    scenario, steps, located = load(path)
    if config_dir is None:
        config_dir = _config_dir(path, scenario, located)
    deployment = config.load(config_dir, registry)
    settings = deployment.settings
    tz = settings.timezone
    start = scenario.start if scenario.start.tzinfo else _local(scenario.start, tz, located)
    clock = VirtualClock(tz, start)
    me = Member(scenario.bot.id or settings.bot.id, scenario.bot.name or settings.bot.name)
    _none_from(me.id, steps, located)
    world = Simulator(clock, me, scenario.contacts, emit or _print)
    for group in scenario.groups:
        world.add_group(group.id, group.topic, group.members, group.owner)
    deployment.warn_unbound([*((group.id, group.topic) for group in scenario.groups),
                             *((body.group, body.topic) for _, _, body in steps
                               if isinstance(body, InviteBot))], log)
    if db is not None:
        await _never_wechat_s(db)
    with tempfile.TemporaryDirectory(prefix="groupbot-replay-") as tmp:
        db_path = db or Path(tmp) / "replay.db"

        async def start_bot() -> Bot:
            bot = Bot(deployment, world, clock, registry, db_path, seed=scenario.seed)
            bot.set_contact_names(world.name_of)
            bot.followups = world.take_inbox
            await bot.start()
            return bot

        bot = await start_bot()
        try:
            run = uuid.uuid4().hex[:8]  # message ids unique across runs on one --db
            ids = itertools.count(1)
            for index, (gap, kind, body) in enumerate(steps):
                if kind == "restart":
                    await bot.advance(later(clock.now(), gap))
                    if body:
                        await bot.stop()
                        bot = await start_bot()
                    continue
                waited = body if kind == "wait" else timedelta()
                await bot.advance(later(clock.now(), gap + waited))
                if kind == "wait":
                    continue
                if isinstance(body, InviteBot):
                    await _invite_bot(bot, world, body, clock.now(), f"inv-{body.group}")
                    continue
                if isinstance(body, Say) and world.has_bot(body.group) and \
                        body.sender not in world.group(body.group).members:
                    # no `join` made them a newcomer: in the group all along
                    await bot.already_in(body.group, world.join(body.group, [body.sender]))
                try:
                    event = _event(world, kind, body, clock.now(), f"{run}-{next(ids)}")
                except Exception as exc:
                    where = located.where(("steps", index))
                    raise InputError([yamlfile.Problem(where, ("steps", index), str(exc))]) \
                        from None
                if event is not None and world.tells(event):  # not in a group the bot left
                    await bot.feed(event)
            await bot.drain(scenario.drain)
        finally:
            await bot.stop()


def _config_dir(path: Path, scenario: Scenario, located: yamlfile.Located) -> Path:
    """The config directory the scenario's `config:` names (relative to the scenario file),
    else ./config. One that is not there is the scenario's problem, at its key: config.load
    would blame ./config and advise running where it is (review s41 r51 finding 2)."""
    if not scenario.config:
        return Path("config")
    config_dir = path.parent / scenario.config
    if not config_dir.is_dir():
        raise InputError([located.problem(("config",), (
            f"config directory not found: {config.real(config_dir)} (`config` is relative "
            "to the scenario file; or give --config DIR)"))])
    return config_dir


class WeChatDatabase(Taken):
    """`--db` names a database WeChat has run on: the bot's own, which a replay must not
    write into even while the bot is stopped (said and exit 2, as `Taken`)."""


class CopiedAway(Taken):
    """`--db` names an SQLite file `groupbot storage copy` copied: the bot runs on the copy,
    which a replay's writes into the file would leave behind (said and exit 2, as `Taken`)."""


async def _never_wechat_s(db: Path | str) -> None:
    """Refuse a database WeChat has run on, as the terminal simulator does (bot/terminal.py):
    the scenario's simulated groups, members and removals would show in every report,
    export and audit of the real ones (review s41 r51 finding 9); and, as `run` does, a
    file copied away (review r79 finding 1)."""
    if not config.absent(db) and await platforms.recorded(db) == platforms.WECHAT:
        shown = postgres.shown(db) if isinstance(db, str) else str(db)
        raise WeChatDatabase(f"--db {shown} is a database WeChat has run on (the bot's "
                             "`storage`): a replay would write its simulated groups, members "
                             "and removals into it. Give --db a file of its own, or leave it "
                             "out for a temporary one")
    if (found := await storage_copy.copied(db)) is not None:
        raise CopiedAway(f"--db {found}: the bot is to run on that copy, and a replay "
                         "would write into this file. Give --db a file of its own, or leave "
                         "it out for a temporary one")


def _local(wall: datetime, tz: ZoneInfo, located: yamlfile.Located) -> datetime:
    """A start without an offset, in the bot's time zone; InputError at `start` for a time
    the zone's clocks skip (the hour a daylight-saving change jumps over)."""
    at = wall.replace(tzinfo=tz)
    if at.astimezone(UTC).astimezone(tz).replace(tzinfo=None) != wall:
        raise InputError([located.problem(("start", ), (
            f"{wall:%Y-%m-%d %H:%M} does not exist in {tz.key}: the clocks skip it "
            "(daylight saving time); give a time before or after, or an offset "
            f"({wall:%Y-%m-%d %H:%M}{at:%z})"))])
    return at


def _none_from(bot: str, steps: list[tuple[timedelta, str, Any]],
               located: yamlfile.Located) -> None:
    """InputError at the first say, dm or friend_request from the bot's own id (known once
    the config is read), before anything runs: WeChat never hands the bot its own messages."""
    for index, (_, kind, body) in enumerate(steps):
        if isinstance(body, (Dm, FriendAsk)) and body.sender == bot:
            raise InputError([located.problem(("steps", index), (
                f"{kind}: from {body.sender!r} is the bot itself: WeChat never hands the bot "
                "its own messages"))])


async def _invite_bot(bot: Bot, world: Simulator, body: InviteBot, now: datetime,
                      invitation: str) -> None:
    """Ask the bot, as the wechaty adapter does; accepted, the bot joins the group."""
    if await bot.group_invitation(GroupInvitation(invitation, body.sender, body.topic, now)):
        joined = world.accept_invitation(body.group, body.topic, body.sender, body.members)
        await bot.feed(MemberJoined(now, body.group, joined, body.sender))


def _event(world: Simulator, kind: str, body: Any, now: datetime,
           message_id: str) -> Event | None:
    if isinstance(body, Join):
        joined = world.join(body.group, body.members)
        return MemberJoined(now, body.group, joined, body.inviter) if body.reported else None
    if isinstance(body, Leave):
        left = world.leave(body.group, body.members)
        return MemberLeft(now, body.group, left, body.remover) if body.reported else None
    if isinstance(body, Rename):
        if body.member not in world.group(body.group).members:  # WeChat renames only members
            raise ValueError(f"rename: {body.member!r} is not in group {body.group!r} now "
                             "(never joined, or left): add a `join` step before it")
        return MemberRenamed(now, body.group, world.rename(body.group, body.member, body.name))
    if isinstance(body, RenameGroup):
        return GroupRenamed(now, body.group, world.rename_group(body.group, body.topic), body.by)
    if isinstance(body, FriendAsk):
        return FriendRequest(now, None, world.member(None, body.sender), body.hello, body.sender)
    assert isinstance(body, Dm), kind
    # a text as WeChat hands it over: a quote-reply's is split as the gateway splits it
    text, quoted = (body.text, None)
    if body.message_kind is Kind.TEXT:
        text, quoted = quote_reply(text)
    if isinstance(body, Say):
        return Message(body.written_at(now), body.group, world.member(body.group, body.sender),
                       text, body.message_kind, tuple(body.mentions),
                       world.self_id in body.mentions, body.url, message_id, quoted)
    return Message(body.written_at(now), None, world.member(None, body.sender), text,
                   body.message_kind, url=body.url, id=message_id, quoted=quoted)


def _print(record: Record) -> None:
    print(json.dumps(record, ensure_ascii=False), flush=True)
