"""The deployment's configuration: bot.yaml plus one YAML file per group type.

Everything is validated before anything is used: a bad file is refused as a whole with
every problem named by file, line and key path, and a running bot keeps its old config.
"""

from __future__ import annotations

import contextlib
import gc
import logging
import math
import os
import re
import stat
import string
import sys
import threading
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, time, timedelta
from enum import StrEnum
from functools import cache, cached_property, partial
from pathlib import Path
from typing import Annotated, Any, get_args
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    PlainValidator,
    Strict,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import InitErrorDetails, PydanticCustomError

from bot import banned, media, postgres, yamlfile
from bot.handler import Handler, HandlerConfig, Registry
from bot.regex import Pattern, as_written
from bot.sanitize import (
    NAME_LIMIT,
    NAME_LISTS,
    NameLists,
    Names,
    Safe,
    any_names,
    clean,
    group_name,
    member_name,
    name_lists,
)
from bot.scheduler import cron_trigger
from bot.yamlfile import InputError, KeyPath, Located, Problem, Where, describe

# ---------------------------------------------------------------- value types for configs

_DURATION = re.compile(r"^(?:\s*\d+(?:\.\d+)?\s*[smhd])+\s*$")
_PART = re.compile(r"(\d+(?:\.\d+)?)\s*([smhd])")
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


class Seconds(timedelta):
    """A duration written as a bare number, which is seconds: `check` warns of one far
    shorter than its key's default (`silent: {after: 14}` for 14 days: see _collect)."""

    __slots__ = ()


class TooLong(ValueError):
    """A duration past what a timedelta holds (about 2.7 million years)."""


def parse_duration(value: Any) -> timedelta:
    """'15s', '10m', '2h', '7d', combined ('1h30m'), or a number of seconds."""
    if isinstance(value, timedelta):
        return value
    try:
        if isinstance(value, (int, float)) and not isinstance(value, bool) and value >= 0:
            return Seconds(seconds=value)
        if isinstance(value, str) and _DURATION.match(value):
            return timedelta(seconds=sum(float(n) * _UNIT_SECONDS[unit]
                                         for n, unit in _PART.findall(value)))
    except OverflowError:
        raise TooLong(f"duration too long: {value!r}") from None
    if isinstance(value, str) and (seconds := yamlfile.leading_zero(value)) is not None and \
            not seconds.startswith("-"):
        raise ValueError(f"not a duration: {value!r} (a leading zero makes it a text: write "
                         f"{seconds}s, or {seconds} for seconds)")
    raise ValueError(f"not a duration: {yamlfile.as_read(value)} (write e.g. 15s, 10m, 2h, 7d, "
                     "or a number of "
                     "seconds)")


LONGEST = timedelta(days=36_500)  # a config's durations: longer is no time anyone means,
# and the time now plus or minus one must stay a date the calendar has


def _not_too_long(value: timedelta) -> timedelta:
    if value > LONGEST:
        raise ValueError(f"duration too long: at most {LONGEST.days}d (100 years)")
    return value


Duration = Annotated[timedelta, BeforeValidator(parse_duration), AfterValidator(_not_too_long)]


def _by_handler(problem: Problem) -> Problem:
    """A type file's problem found as it was read (a duplicate key) at handlers.NAME...,
    as the other problems of a handler's keys are named, not at its place in the list."""
    path = problem.path
    if len(path) > 2 and path[0] == "handlers" and isinstance(path[1], int):
        return replace(problem, path=("handlers", *path[2:]))
    return problem


_CLOCK = re.compile(r"(\d{1,2}):(\d\d)(?::(\d\d))?")


def _clock_time(value: Any) -> Any:
    """A time of day written 8:00 or 08:00 (22:00:00 too, a full-width ８：００ too), quoted or
    not (bot/yamlfile.py reads an unquoted 8:00 as the text). Anything else is refused with
    what was written: a number (800, 8), a time with a zone (08:00+08:00: the bot's
    `timezone` is the clock's), 7:5, 8:00am, 24:00."""
    if isinstance(value, time):
        return value
    if isinstance(value, str):
        found = _CLOCK.fullmatch(unicodedata.normalize("NFKC", value).strip())
        if found and int(found[1]) < 24 and int(found[2]) < 60 and int(found[3] or 0) < 60:
            return time(int(found[1]), int(found[2]), int(found[3] or 0))
    number = isinstance(value, int | float) and not isinstance(value, bool)
    colon = " with a colon" if isinstance(value, float) else ""  # (8.30 is read as 8.3)
    raise ValueError(f"not a clock time: {f'the number {value}' if number else repr(value)} "
                     f"(write hours and minutes{colon} from 0:00 to 23:59, e.g. 8:00 or 22:30)")


# a time of day in a config ("22:00"): for quiet hours and the day's start
ClockTime = Annotated[time, BeforeValidator(_clock_time)]
BILLION = 1_000_000_000


def _at_most_a_billion(value: int) -> int:
    if value > BILLION:
        raise PydanticCustomError("less_than_equal", "Input should be less than or equal to "
                                  "{le}", {"le": BILLION})
    return value


def _a_number(value: Any) -> Any:
    if isinstance(value, str | bool):  # (pydantic would read '1_5', '1e3' and '1.5' too)
        raise ValueError(f"not a number: {value!r} ({_as_a_number(value)})")
    return value


def _as_a_number(value: str | bool) -> str:
    """What to write instead of a text where a number goes."""
    if isinstance(value, str) and (plain := yamlfile.leading_zero(value)) is not None and \
            not plain.startswith("-"):
        return f"a leading zero makes it a text: write {plain}"
    if isinstance(value, str) and (number := yamlfile.plain_value(value.strip())) and \
            isinstance(number, int | float) and 0 < number < float("inf"):
        return f"a text, in quotes: write {value.strip()} without them"
    return "write e.g. 1.5"


# A number with a fraction in a config: written as a number, not a text
Fraction = Annotated[float, BeforeValidator(_a_number)]
# A whole number in a config: not true/false (YAML's `yes` counts nothing) nor a text ("3"),
# and at most a billion, so that what is summed of it stays within the database's integers.
# A validator, not Field(le=...): that `le` would replace a field's own, smaller one
# (`pass_mark: Count = Field(80, ge=1, le=100)`).
Count = Annotated[int, Strict(), AfterValidator(_at_most_a_billion)]


def _not_text(what: str, value: Any) -> ValueError:
    hint = yamlfile.quote_hint(value)
    return ValueError(f"{what} must be text, not {yamlfile.as_read(value)}"
                      + (f" ({hint})" if hint else ""))


def _compile(value: Any) -> Pattern:
    if isinstance(value, Pattern):
        return value
    if not isinstance(value, str):
        raise _not_text("a regular expression", value)
    return Pattern(value)


Regex = Annotated[Pattern, PlainValidator(_compile), PlainSerializer(str)]
"""An operator's regular expression, run on RE2 (bot/regex.py); ignores case."""


class Template:
    """Text with named placeholders like {member}; it can never reach attributes or code."""

    __slots__ = ("_parts", "names", "source")

    def __init__(self, source: str) -> None:
        self.source = source
        if "{" not in source and "}" not in source:  # most texts: no placeholder, nothing
            self._parts: tuple[tuple[str, str | None], ...] = ((source, None),) if source \
                else ()  # to parse (a large config has thousands of replies)
            self.names: frozenset[str] = _NO_NAMES
            return
        parts: list[tuple[str, str | None]] = []
        for literal, name, spec, conversion in _FORMATTER.parse(source):
            if name is not None and (not name.isidentifier() or spec or conversion):
                raise ValueError(f"placeholder {{{name}}} is not allowed: use plain {{name}}")
            parts.append((literal, name))
        self._parts = tuple(parts)
        self.names = frozenset(n for _, n in parts if n)

    def render(self, values: Mapping[str, object]) -> str:
        """The text with each placeholder filled in; every value that is not Safe is cleaned
        (bot/sanitize.py): member names cannot break lines or smuggle control characters, and
        neither a group's name (`{group}`) nor a member's (`{member}`, `{members}`, a list of
        names), which members set themselves, can carry an ad."""
        return Safe("".join([lit + _shown(n, values[n]) if n else lit
                             for lit, n in self._parts]))

    def __repr__(self) -> str:
        return f"Template({self.source!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Template) and other.source == self.source

    def __hash__(self) -> int:
        return hash(self.source)


_FORMATTER = string.Formatter()
_NO_NAMES: frozenset[str] = frozenset()


def _shown(name: str, value: object) -> str:
    """A placeholder's value as a template shows it (Template.render)."""
    if name == "group":
        return group_name(value)
    if name in ("member", "members") or isinstance(value, Names):
        return member_name(value)
    if type(value) is int:  # (most others: counts, points, ranks) as clean() shows them
        text = str(value)
        if len(text) <= NAME_LIMIT:
            return text
    return clean(value)


def _template(value: Any) -> Template:
    if isinstance(value, Template):
        return value
    if value is False:  # (`greeting: false`, meant as none: quoting it would send "false")
        raise ValueError("a template must be text, not False (for no message write null, "
                         "where the key takes it; to send the word, put it in quotes, 'false')")
    if not isinstance(value, str):
        raise _not_text("a template", value)
    if not value.strip():
        raise ValueError("an empty text: the bot would send an empty message")
    try:
        return Template(value)
    except ValueError as exc:
        raise ValueError(f"{exc} {_BRACE}") from None


_BRACE = "(to show a brace, write {{ or }})"


def placeholders(*allowed: str) -> AfterValidator | BeforeValidator:
    """Restrict a Template field to the placeholders its handler fills in."""
    if not allowed:  # (admin's `refusal`: a brace there was meant as itself)
        return BeforeValidator(_takes_none)
    known = frozenset(allowed)

    def check(template: Template) -> Template:
        if template.names <= known:  # (most templates: no placeholder, or known ones)
            return template
        unknown = f"unknown placeholder {{{sorted(template.names - known)[0]}}}"
        raise ValueError(f"{unknown}; available: " + ", ".join(f"{{{a}}}" for a in allowed)
                         + f" {_BRACE}")

    return AfterValidator(check)


def _takes_none(value: Any) -> Any:
    """A text that takes no placeholders, before it is read as a Template: any field in it
    (`{}`, `{0}`, `{name!r}` as well as `{name}`) is refused as one, not told to be written
    `{name}`, which would be refused next (r96-4)."""
    if not isinstance(value, str) or ("{" not in value and "}" not in value):
        return value
    try:
        fields = [(name, spec, conversion) for _, name, spec, conversion in
                  _FORMATTER.parse(value) if name is not None]
    except ValueError:  # a brace unmatched: the Template says so
        return value
    if fields:
        name, spec, conversion = fields[0]
        shown = name + (f"!{conversion}" if conversion else "") + (f":{spec}" if spec else "")
        raise ValueError(f"unknown placeholder {{{shown}}}: this text takes no placeholders "
                         f"{_BRACE}")
    return value


TemplateText = Annotated[Template, PlainValidator(_template)]


class Said(str):
    """A text sent to members as written, with no placeholders (fission's and checkin's
    `empty`, namecard's `example`, antispam's `reason`, a push's `text`): load() warns of
    one that is only a switch word (`empty: off`), as it does of a Template."""

    @property
    def source(self) -> str:
        """The text as written (as a Template's `source`)."""
        return str(self)


SaidText = Annotated[str, AfterValidator(Said)]


@dataclass(frozen=True, slots=True)
class Content:
    """A text from content/, read when the config is loaded."""

    path: str
    text: str

    def lines(self) -> list[str]:
        """The format of word and phrase lists: bot/banned.py list_lines."""
        return banned.list_lines(self.text)


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")  # all but tab and line ends
MAX_CONTENT_BYTES = 16 * 1024 * 1024
"""A content file larger than this is refused (docs/limits.md), before it is read whole."""


def _content(value: Any, info: ValidationInfo) -> Content:
    if isinstance(value, Content):
        return value
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"a content file must be a path under content/, not {value!r}")
    root: Path | None = (info.context or {}).get("content_dir")
    if root is None:
        raise ValueError("content files need the deployment's content directory")
    path = real(root / value)
    if not path.is_relative_to(real(root)):
        raise ValueError(f"content file {value!r} is outside {root}")
    if path.exists() and not path.is_file():  # a FIFO or a device: reading it would block
        raise ValueError(f"content file {value} is not a regular file")
    try:
        with path.open("rb") as file:  # (a huge file named by mistake is not read whole)
            raw = file.read(MAX_CONTENT_BYTES + 1)
        if len(raw) > MAX_CONTENT_BYTES:
            raise ValueError(f"content file {value} is larger than {MAX_CONTENT_BYTES:,} bytes"
                             " (a text the bot sends, or a word list, is far smaller)")
        # (utf-8-sig: a file saved "UTF-8 with BOM", as Notepad does, sent U+FEFF first)
        text = raw.decode("utf-8-sig").replace("\r\n", "\n").replace("\r", "\n")
    except FileNotFoundError:
        raise ValueError(f"content file not found: {value} (looked in {root})") from None
    except OSError as exc:  # e.g. a symbolic link loop, or no permission
        raise ValueError(f"content file {value} cannot be read: {exc.strerror}") from None
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        raise ValueError(f"content file {value} is not UTF-8 text (line {line}): save it as "
                         "UTF-8") from None
    if (control := _CONTROL.search(text)) is not None:  # a binary file named by mistake
        line = text.count("\n", 0, control.start()) + 1
        raise ValueError(f"content file {value} holds a control character, U+"
                         f"{ord(control.group()):04X} (line {line}): is it a text file?")
    if not text.strip():
        raise ValueError(f"content file {value} is empty: the bot would send an empty message "
                         "(or, for a word list, match nothing)")
    return Content(value, text)


ContentFile = Annotated[Content, PlainValidator(_content)]


def _sendable(image: bool) -> PlainValidator:
    """An image (or other file) under content/ the bot may send: its name there."""

    def check(value: Any, info: ValidationInfo) -> str:
        root: Path | None = (info.context or {}).get("content_dir")
        if root is None:
            raise ValueError("content files need the deployment's content directory")
        return media.find(root, value, image=image).name

    return PlainValidator(check)


ImageFile = Annotated[str, _sendable(image=True)]
AttachmentFile = Annotated[str, _sendable(image=False)]


class Media(HandlerConfig):
    """`image` and `attachment`: sent after the text (if any), each a WeChat send of its own
    (bot/media.py: the types and size the bot sends)."""

    image: ImageFile | None = None
    attachment: AttachmentFile | None = None

    @property
    def files(self) -> list[str]:
        return [name for name in (self.image, self.attachment) if name is not None]

CRON_HORIZON = timedelta(days=8 * 366)
"""A schedule that does not fire within this time (from now) is a mistake, like 30 February."""


def _cron(value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError(f"a cron schedule must be text like '30 12 * * 1-5', not {value!r}")
    now = datetime.now(UTC)
    fires = cron_trigger(value, UTC).get_next_fire_time(None, now)
    if fires is None or fires - now > CRON_HORIZON:
        raise ValueError(f"cron schedule {value!r} never fires (no date in the next 8 years "
                         "matches it)")
    return value


Cron = Annotated[str, AfterValidator(_cron)]
"""A 5-field crontab line, checked when the config is loaded."""


def _once_a_day(value: str) -> str:
    """A line meant for once a day that runs more often (a minute left as `*`: 60 runs a
    night). One minute and one hour run at most once a day; anything else more."""
    minute, hour = value.split()[:2]
    if not (minute.isdigit() and hour.isdigit()):
        raise ValueError(f"cron schedule {value!r} runs more than once a day; this one runs "
                         "once a day: give one minute and one hour, e.g. '30 23 * * *'")
    return value


DailyCron = Annotated[str, AfterValidator(_cron), AfterValidator(_once_a_day)]
"""A crontab line that runs at most once a day (it may skip days: '30 23 * * 1-5')."""

DEFAULT_ZONE = ZoneInfo("Asia/Shanghai")
_ONE_OFF_FORMATS = ("%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M",
                    "%Y-%m-%dT%H:%M:%S")


@dataclass(frozen=True, slots=True)
class OneOff:
    """A date and time something happens once (a push's `at:`), in the bot's time zone."""

    at: datetime

    @property
    def warnings(self) -> list[str]:
        """Read when the config is loaded: a time already past will not come again."""
        if self.at < datetime.now(UTC):
            return [f"{self.at:%Y-%m-%d %H:%M} is in the past: it is posted only if it was "
                    "missed within the schedule's `grace`, else never"]
        return []


def _as_datetime(value: Any) -> datetime | None:
    if isinstance(value, datetime):  # YAML reads 2026-12-01 20:00:00 as one
        return value
    for form in _ONE_OFF_FORMATS if isinstance(value, str) else ():
        with contextlib.suppress(ValueError):
            return datetime.strptime(value.strip(), form)
    return None


def _one_off(value: Any, info: ValidationInfo) -> OneOff:
    if isinstance(value, OneOff):
        return value
    at = _as_datetime(value)
    if at is None:
        raise ValueError(f"not a date and time: '{value}' (write e.g. \"2026-12-01 20:00\", "
                         "in the bot's time zone)")
    if at.second or at.microsecond:
        raise ValueError(f"'{value}': give the time to the minute, e.g. \"2026-12-01 20:00\"")
    zone = (info.context or {}).get("timezone", DEFAULT_ZONE)
    return OneOff(at if at.tzinfo else at.replace(tzinfo=zone))


At = Annotated[OneOff, PlainValidator(_one_off)]
"""A one-off date and time, "2026-12-01 20:00" in the bot's time zone."""

# ---------------------------------------------------------------- bot.yaml


class Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Match(Model):
    id: str | None = None
    topic: Regex | None = None

    @model_validator(mode="after")
    def _one(self) -> Match:
        if (self.id is None) == (self.topic is None):
            raise ValueError("give exactly one of `id` or `topic`")
        return self


class Binding(Model):
    match: Match
    type: str


class OutboxSettings(Model):
    group_interval: Duration = timedelta(seconds=3)
    global_per_minute: Count = Field(40, ge=1)


class Budget(Model):
    """How many actions of one kind the account may do: per_minute also sets the least gap
    between two of them (60 s / per_minute); per_hour and per_day count the last 60 minutes
    and the last 24 hours."""

    per_minute: Count = Field(ge=1)
    per_hour: Count = Field(ge=1)
    per_day: Count = Field(ge=1)


class Budgets(Model):
    """Per account and action kind (docs/configuration.md, "Send governor": the sources)."""

    group_messages: Budget = Budget(per_minute=20, per_hour=300, per_day=2000)
    private_messages: Budget = Budget(per_minute=10, per_hour=100, per_day=500)
    files: Budget = Budget(per_minute=5, per_hour=60, per_day=300)  # images and files
    friend_accepts: Budget = Budget(per_minute=2, per_hour=30, per_day=120)
    invitations: Budget = Budget(per_minute=2, per_hour=30, per_day=120)
    removals: Budget = Budget(per_minute=5, per_hour=50, per_day=200)


class Warmup(Model):
    days: Count = Field(7, ge=0)  # 0: full budgets from the first minute
    start: Fraction = Field(0.3, gt=0, le=1)  # the share of each budget on the first day


class Backoff(Model):
    first: Duration = timedelta(minutes=5)
    max: Duration = timedelta(hours=6)
    # in an error's text: a rate limit pauses that kind, a risk-control one the whole account
    patterns: list[str] = ["发送消息过于频繁", "操作过于频繁", "操作频繁", "too frequent"]
    account_patterns: list[str] = ["账号存在异常", "帐号存在异常", "限制登录", "账号被限制"]


class GovernorSettings(Model):
    """The send governor (bot/governor.py, docs/configuration.md)."""

    enabled: bool = True
    jitter: Fraction = Field(0.5, ge=0, le=5)  # each gap is its least x (1 + up to this)
    budgets: Budgets = Budgets()
    warmup: Warmup = Warmup()
    backoff: Backoff = Backoff()
    # what the budget holds back longer than this is dropped (audited); by action kind
    # first, else by its outbox class; null keeps it until it goes
    keep: dict[str, Duration | None] = {
        "moderation": timedelta(days=1), "admin": timedelta(days=1),
        "answer": timedelta(hours=1), "welcome": timedelta(hours=6),
        "push": timedelta(days=1), "bulk": timedelta(days=1), "invite": timedelta(days=3),
        # a friend request is kept until accepted: an invitation or a private message that
        # waits for it would otherwise go to someone who is no friend
        "accept_friend": None}
    # the share of each budget a class may use: the rest is kept for the classes above it
    shares: dict[str, Annotated[Fraction, Field(ge=0, le=1)]] = {
        "moderation": 1.0, "admin": 1.0, "answer": 0.9, "welcome": 0.8, "push": 0.7,
        "bulk": 0.5}

    @model_validator(mode="after")
    def _known(self) -> GovernorSettings:
        classes = {"moderation", "admin", "answer", "welcome", "push", "bulk"}
        kinds = {"say", "dm", "kick", "invite", "accept_friend", "rename_group", "card",
                 "group_qr"}
        for key in self.keep:
            if key not in classes | kinds:
                raise ValueError(f"keep: {key!r} is no action kind or class (one of "
                                 f"{', '.join(sorted(kinds | classes))})")
        for key in self.shares:
            if key not in classes:
                raise ValueError(f"shares: {key!r} is no class ({', '.join(sorted(classes))})")
        return self


class SimulatedGroup(Model):
    id: str
    topic: str
    members: list[str] = []
    owner: str | None = None


class SimulatorSettings(Model):
    contacts: dict[str, str] = {}
    groups: list[SimulatedGroup] = []

    @model_validator(mode="after")
    def _unique_ids(self) -> SimulatorSettings:
        first: dict[str, int] = {}
        for index, group in enumerate(self.groups):
            if first.setdefault(group.id, index) != index:
                raise invalid_at(("groups", index, "id"), f"group id {group.id!r} is already "
                                 f"used by groups[{first[group.id]}]; ids must differ")
        return self


def _backstop_interval(every: timedelta) -> timedelta:
    if every < timedelta(minutes=1):
        raise ValueError("compare member lists at most once a minute (e.g. 5m), or null for never")
    return every


class BackstopSettings(Model):
    every: Annotated[Duration, AfterValidator(_backstop_interval)] | None = timedelta(minutes=5)


CALL_TIMEOUTS = (timedelta(seconds=5), timedelta(minutes=10))  # wechat.call_timeout's bounds


def _call_timeout(value: timedelta) -> timedelta:
    low, high = CALL_TIMEOUTS
    if not low <= value <= high:
        raise ValueError(f"give the gateway from {_written(low)} to {_written(high)} to answer"
                         " one call (e.g. 30s, or 2m for a gateway that lists a very large"
                         " account's groups slowly)")
    return value


class WechatSettings(Model):
    """The wechaty gateway's connection (docs/wechat.md)."""

    # how long one call to the gateway may take (then it is taken as lost: Uncertain for a
    # send, read again for a lookup), and how long an event waits for a slow earlier one
    call_timeout: Annotated[Duration, AfterValidator(_call_timeout)] = timedelta(seconds=30)


def _zone(value: Any) -> ZoneInfo:
    if isinstance(value, ZoneInfo):
        return value
    try:
        return ZoneInfo(str(value))
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown time zone {yamlfile.as_read(value)} (e.g. Asia/Shanghai)"
                         ) from None


def _public_url(value: str | None) -> str | None:
    if value is not None and not re.match(r"^https?://[^\s/]+", value):
        raise ValueError(f"not a web address: {value!r} (write e.g. https://bot.example.com)")
    return value.rstrip("/") if value else value


MAX_PORT = 65535  # the last TCP port


class WebSettings(Model):
    """The web console (docs/web.md)."""

    enabled: bool = True
    host: str = "127.0.0.1"
    port: Count = Field(8080, ge=0, le=MAX_PORT)
    public_url: Annotated[str | None, AfterValidator(_public_url)] = None
    public_metrics: bool = False
    member_links: Duration = timedelta(days=7)


class BotInfo(Model):
    id: str = "bot"
    name: str = "小助手"


_ACCOUNT_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,31}$")
_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_ENDPOINT = re.compile(r"^(?:https?://)?(?P<host>[^\s:/\[\]]+|\[[0-9a-f:.]+\]):(?P<port>\d{1,5})/?$",
                       re.IGNORECASE)


def gateway_endpoint(text: str) -> str | None:
    """`host:port` of a wechaty gateway, as bot.yaml's `endpoint:` and the variable
    WECHATY_PUPPET_SERVICE_ENDPOINT give it (one reading for both: docs/wechat.md); None if
    it is not one. A URL pasted from a browser is its host:port: `http://` or `https://` in
    front and one `/` at the end are dropped (the connection is plain gRPC either way)."""
    found = _ENDPOINT.match(text.strip())
    if found is None or not 0 < int(found["port"]) < 65536:
        return None
    return f"{found['host']}:{found['port']}"


def _account_name(value: str) -> str:
    if not _ACCOUNT_NAME.match(value):
        raise ValueError(f"not an account name: {value!r} (lower-case letters, digits, - and _,"
                         " at most 32, e.g. sales-2)")
    return value


# what a gateway token looks like (wechaty's puppet-service tokens: insecure_<uuid>,
# puppet_<service>_<key>, in lower case), or a value longer than variable names are
_TOKEN = re.compile(r"^(insecure|puppet)_|^.{65,}$", re.S)


def _env_name(value: str) -> str:
    if _TOKEN.match(value):  # never echoed: it would sit in the journal as it sits in the YAML
        raise ValueError("this is a token, not the name of the environment variable that "
                         "holds it: put the token in the environment (e.g. "
                         "GROUPBOT_TOKEN_SALES=...), give that variable's name here, and "
                         "take the token out of the YAML and its copies")
    if not _ENV_NAME.match(value):
        raise ValueError(f"not an environment variable name: {value!r} (e.g. "
                         "GROUPBOT_TOKEN_SALES; the token itself never goes in the YAML)")
    return value


def _endpoint(value: str | None) -> str | None:
    if value is None:
        return None
    if (taken := gateway_endpoint(value)) is None:
        raise ValueError(f"not host:port of a wechaty gateway: {value!r} (e.g. 10.0.0.5:8788)")
    return taken


class Account(Model):
    """One WeChat account: `groupbot run --account NAME` serves it (docs/scale.md)."""

    name: Annotated[str, AfterValidator(_account_name)]
    token_env: Annotated[str, AfterValidator(_env_name)]  # the variable holding its token
    endpoint: Annotated[str | None, AfterValidator(_endpoint)] = None
    web_port: Count | None = Field(None, ge=0, le=MAX_PORT)  # default: web.port + its position


def _takeover(value: timedelta) -> timedelta:
    if value < timedelta(seconds=1):
        raise ValueError("a takeover time under 1s would move groups on every hiccup "
                         "(e.g. 60s)")
    return value


class LeaseSettings(Model):
    """Which account serves a group (bot/leases.py): an account offline (or its process
    gone) for `takeover` loses its groups to another account in them."""

    takeover: Annotated[Duration, AfterValidator(_takeover)] = timedelta(seconds=60)


class NotFriend(StrEnum):
    """What a member who is not the inviting account's friend gets (bot/invitations.py)."""

    QR = "qr"
    CARD = "card"


class GroupInvitations(StrEnum):
    """bot.yaml `group_invitations`: who may bring the bot into a group that a binding by name
    then serves (bot/admission.py)."""

    ADMINS = "admins"  # only `admins` (and groups they own): a stranger's group is not served
    ANYONE = "anyone"  # every invitation accepted, every group its name matches served


class InvitationSettings(Model):
    """bot.yaml `invitations`: how a member gets into a group whose account cannot invite
    them (docs/handlers/invite.md, "Not a friend")."""

    not_friend: NotFriend = NotFriend.QR
    qr_text: Annotated[TemplateText, placeholders("member", "group")] = Template(
        "请扫描下面的二维码加入「{group}」。")
    card_text: Annotated[TemplateText, placeholders("member", "group", "account")] = Template(
        "请添加下面的名片「{account}」为好友，通过后会邀请你加入「{group}」。")
    # the QR code or card went to this group within `again_within` (or is on its way):
    # pointed to, not posted again
    again_within: Duration = timedelta(minutes=10)
    again_text: Annotated[TemplateText, placeholders("member", "group")] = Template(
        "加入「{group}」的二维码或名片已发在群里（或马上发出），请往上翻看或稍等。")


class Settings(Model):
    """bot.yaml."""

    bot: BotInfo = BotInfo()
    timezone: Annotated[ZoneInfo, PlainValidator(_zone)] = DEFAULT_ZONE
    admins: list[str] = []
    storage: str = "../data/groupbot.db"
    content: str = "../content"
    outbox: OutboxSettings = OutboxSettings()
    governor: GovernorSettings = GovernorSettings()
    groups: list[Binding] = []
    direct: str | None = None
    restore_topic: bool = False  # a group renamed by a non-admin gets its name back
    group_invitations: GroupInvitations = GroupInvitations.ADMINS
    backstop: BackstopSettings = BackstopSettings()
    wechat: WechatSettings = WechatSettings()
    simulator: SimulatorSettings = SimulatorSettings()
    web: WebSettings = WebSettings()
    accounts: list[Account] = []
    leases: LeaseSettings = LeaseSettings()
    invitations: InvitationSettings = InvitationSettings()

    def account(self, name: str) -> Account | None:
        return next((a for a in self.accounts if a.name == name), None)

    def console_port(self, account: str | None) -> int:
        """Where the console of `account`'s process listens: its `web_port`, else `web.port`
        plus its position in `accounts` (0 stays 0: any free port)."""
        for i, found in enumerate(self.accounts):
            if found.name == account:
                if found.web_port is not None:
                    return found.web_port
                return self.web.port + i if self.web.port else 0
        return self.web.port


# ---------------------------------------------------------------- group types


class TypeName(str):
    """A group type named in a handler's settings (the invite handler's `to`, the funnel's
    `stages`): load() refuses one that is no file in types/, naming its line, as it does a
    binding's `type`."""


GroupTypeName = Annotated[str, Field(min_length=1), AfterValidator(TypeName)]


class ContactId(str):
    """A member named in a handler's settings (the faq hand-off's `operators` and `rota`,
    antispam's `exempt`): `check` warns when it is a name shown (林运营), not an id, as it does
    for bot.yaml's `admins`."""

    @property
    def warnings(self) -> tuple[str, ...]:
        return () if _WECHAT_ID.fullmatch(self) else (_not_an_id(self, "members"),)


ContactIdText = Annotated[str, Field(min_length=1), AfterValidator(ContactId)]


@dataclass(frozen=True)
class GroupType:
    name: str
    capacity: int
    handlers: tuple[Handler[Any], ...]
    display_name: str = ""  # what Chinese texts for the operators call it; not inherited

    @property
    def title(self) -> str:
        """The type as bot texts name it: its `display_name`, else its file name."""
        return self.display_name or self.name


@dataclass(frozen=True)
class Deployment:
    """A whole validated configuration, swapped in one step on reload."""

    root: Path
    settings: Settings
    types: Mapping[str, GroupType]
    storage_path: Path | str  # an SQLite file, or a postgresql:// URL
    content_dir: Path
    files: tuple[Path, ...] = field(default=())
    warnings: tuple[Problem, ...] = field(default=())  # accepted, but likely not meant
    # a reload's changes to keys read only at the start: their running values were kept
    kept: tuple[Problem, ...] = field(default=())
    # the word lists names are shown with (sanitize.screen_names_with, as a bot starts with it)
    name_lists: NameLists | None = None

    def type_for(self, group_id: str, topic: str) -> GroupType | None:
        """The type of the binding by this group's id, wherever it is (as groups.Groups takes
        it); else that of the first topic that matches the name. Ids are looked up, so
        binding a thousand groups by id costs no more per event than binding one."""
        by_id = self.type_by_id(group_id)
        if by_id is not None:
            return by_id
        for i, pattern in self._topics:
            if pattern.search(topic):
                return self.types[self.settings.groups[i].type]
        return None

    def warn_unbound(self, groups: Iterable[tuple[str, str]], log: logging.Logger) -> None:
        """A warning naming the groups (id, name) that no binding matches: the bot does
        nothing there, and a simulator's or a replay's silence would look like a config that
        had nothing to say."""
        if unbound := [f"{group} 「{topic}」" for group, topic in groups
                       if self.type_for(group, topic) is None]:
            log.warning("no binding in bot.yaml matches %s (by id or name): the bot does "
                        "nothing there; `groupbot check` lists the bindings",
                        ", ".join(unbound))

    def type_by_id(self, group_id: str) -> GroupType | None:
        """The type of the first binding by this group's id, if bot.yaml has one."""
        first = self._first_by_id.get(group_id)
        return None if first is None else self.types[self.settings.groups[first].type]

    @cached_property
    def _first_by_id(self) -> dict[str, int]:
        first: dict[str, int] = {}
        for i, binding in enumerate(self.settings.groups):
            if binding.match.id is not None:
                first.setdefault(binding.match.id, i)
        return first

    @cached_property
    def _topics(self) -> list[tuple[int, Pattern]]:
        return [(i, b.match.topic) for i, b in enumerate(self.settings.groups)
                if b.match.topic is not None]


class TypeHeader(Model):
    extends: str | None = None
    description: str = ""
    display_name: str = ""
    capacity: Count | None = Field(None, ge=1)
    handlers: list[Any] = []

    @field_validator("extends", "capacity", mode="before")
    @classmethod
    def _written(cls, value: Any, info: ValidationInfo) -> Any:
        """Not given is none (no base type, 200 members); written with no value, YAML's
        null, is a value deleted or not typed yet, not those: it dropped the base's handlers
        (its word lists) or the type's capacity without a word (r108-8)."""
        if value is None:
            meant = "to extend no type" if info.field_name == "extends" else \
                "for the default, 200"
            raise ValueError(f"no value after `{info.field_name}:`: write one, or delete "
                             f"the line {meant}")
        return value


@dataclass
class _Section:
    name: str
    data: dict[str, Any]
    origin: _Merge | None  # where each key path inside the section was written, if anywhere
    written: _Written  # where the section itself was written: `- name:` in a type's file

    @property
    def header(self) -> Where:
        """Its line, looked up only when a message needs it (see Located.lines)."""
        return self.written.located.where(self.written.at)


def load(root: Path, registry: Registry, running: Settings | None = None,
         account: str | None = None) -> Deployment:
    """Load and validate config/ (bot.yaml, types/*.yaml); raise InputError with all problems,
    root causes (files that do not parse) first, then what they caused. For a running bot's
    reload, `running` is its settings (and `account` its account): the keys it reads only
    at its start keep their running values, and each one bot.yaml changed is in `kept`."""
    root = real(root)
    causes: list[Problem] = []  # files that did not parse: everything after may follow
    problems: list[Problem] = []
    bot_file = root / "bot.yaml"
    located: Located | None = None
    settings: Settings | None = None
    try:
        if not root.is_dir() and root.exists():  # `--config config/bot.yaml`
            raise InputError([Problem(Where(root, 1), (), "a file, not a config directory: "
                                      "give the directory that holds bot.yaml")])
        if not root.exists() and not root.is_symlink():
            raise InputError([Problem(Where(root, 1), (), "config directory not found (the "
                                      "directory that holds bot.yaml and types/): give it "
                                      "with --config DIR, or run where ./config is")])
        if root.is_dir() and not bot_file.exists() and not bot_file.is_symlink():
            raise InputError([Problem(Where(bot_file, 1), (), f"not found: {root} is no "
                                      "config directory (it holds no bot.yaml)")])
        located = yamlfile.load(bot_file, regular=True)
        if located.data is None:  # (truncated by an editor or a copy: a reload would go on
            #                          with no admins and no bound group)
            raise InputError([Problem(Where(bot_file, 1), (), "empty bot.yaml: it binds no "
                                      "group, so the bot would do nothing (docs/configuration"
                                      ".md)")])
        if not isinstance(located.data, dict):
            raise InputError([Problem(Where(bot_file, 1), (), "bot.yaml holds keys (`admins:`,"
                                      f" `groups:`...), not {_a(located.data)}")])
        settings = yamlfile.validate(Settings, located, located.data)
    except InputError as exc:
        (problems if located else causes).extend(exc.problems)

    raw: dict[str, Located] = {}
    broken: set[str] = set()
    types_dir = root / "types"
    if root.is_dir() and not types_dir.is_dir():
        missing = "directory not found" if not types_dir.exists() else "not a directory"
        causes.append(Problem(Where(types_dir, 1), (), f"{missing}: the group types are the "
                              "files in it, types/NAME.yaml"))
    unread = [Problem(Where(file, 1), (), "not read: a type file's name ends in .yaml "
                      f"(rename it {file.stem}.yaml)")
              for file in _type_files(types_dir, "*.yml")]
    warnings = [*unread, *(located.notes if located is not None else ())]
    for file in _type_files(types_dir, "*.yaml"):
        try:
            raw[file.stem] = yamlfile.load(file, regular=True)
        except InputError as exc:
            causes.extend(_by_handler(problem) for problem in exc.problems)
            broken.add(file.stem)
            continue
        warnings.extend(raw[file.stem].notes)
        data = raw[file.stem].data
        if data is None:
            causes.append(Problem(Where(file, 1), (), "empty type file: a type lists its "
                                  "`handlers:` (delete the file to remove the type)"))
        elif not isinstance(data, dict):
            causes.append(Problem(Where(file, 1), (), "a type file holds keys (`handlers:`, "
                                  f"`extends:`...), not {_a(data)}"))
        else:
            continue
        broken.add(file.stem)
        del raw[file.stem]
    if located is None or settings is None:  # the types are checked too, if they can be
        if (provisional := _provisional(located)) is not None:
            content_dir = real(root / os.path.expanduser(provisional.content))
            if (wrong := _directory_problem(content_dir)) is not None:
                assert located is not None  # (a provisional one is read from it)
                problems.append(located.problem(("content",), wrong))  # (their files: none)
            else:
                _build_types(raw, broken, registry, content_dir, provisional, warnings,
                             problems)
        raise InputError(_ordered(causes, problems))
    kept: list[Problem] = []
    if running is not None:  # a running bot's reload: what it read at its start stays
        settings, kept = _keep_start_only(settings, running, account, located, root)

    content_dir = real(root / os.path.expanduser(settings.content))
    content_wrong = _directory_problem(content_dir)
    if content_wrong is not None:
        problems.append(located.problem(("content",), content_wrong))
    storage = location(settings.storage, root)
    if isinstance(storage, Path) and settings.storage.endswith("/"):  # Path drops the slash
        problems.append(located.problem(("storage",), (
            f"{settings.storage!r} ends in /, as a directory does: storage names the database "
            f"file, e.g. {settings.storage}groupbot.db")))
    elif (wrong := database_problem(storage)) is not None:
        problems.append(located.problem(("storage",), wrong))
    warnings += [located.problem(path, warning) for path, leaf in _leaves(settings)
                 for warning in _warnings_of(leaf, partial(located.quoted, path))]
    problems.extend(located.problem(path, wrong) for path, wrong in _account_clashes(settings))
    warnings += [located.problem(("storage",), f"the environment variable {name} is not set"
                                 " (the bot cannot connect without it)")
                 for name in postgres.unset_variables(settings.storage)]
    problems += [located.problem(("storage",), wrong)
                 for wrong in postgres.variable_problems(settings.storage)]
    if content_wrong is not None:  # the types' files in it are not looked up: bot.yaml's
        raise InputError(_ordered(causes, problems))  # problems first (configuration.md)
    types = _build_types(raw, broken, registry, content_dir, settings, warnings, problems)

    for i, admin in enumerate(settings.admins):
        if not _WECHAT_ID.fullmatch(admin):  # a name, such as 林运营: no command would obey
            warnings.append(located.problem(("admins", i), _not_an_id(admin, "admins")))
    if not settings.admins:
        warnings.append(located.problem(("admins",), (
            "no admins: review cases, refused reloads and the alerts (a full group, a removal "
            "that failed) go to nobody, and nobody may use the admin commands (/warn, /reload "
            "...): list the operators' WeChat ids")))
    zone = str(settings.timezone)
    if re.fullmatch(r"Etc/GMT[+-]\d+", zone):  # POSIX's sign: west of Greenwich is +
        hours = -int(zone[7:])
        warnings.append(located.problem(("timezone",), (
            f"{zone} is UTC{hours:+d}, not UTC{-hours:+d} (the sign of Etc/GMT zones is "
            "reversed); for China write Asia/Shanghai")))
    shadowed = _shadowed(settings.groups)
    for i, binding in enumerate(settings.groups):
        if (wrong := _no_type(binding.type, raw, broken)) is not None:
            problems.append(located.problem(("groups", i, "type"), wrong))
        topic = binding.match.topic
        if topic is not None and topic.pattern != ".*" and topic.search("") is not None:
            warnings.append(located.problem(("groups", i, "match", "topic"), (
                f"{topic.pattern!r} matches every group name (it matches an empty one, e.g. "
                f"a stray `|`): every group no binding above takes is {binding.type!r}; "
                "if that is meant, write '.*'")))
        if (earlier := shadowed.get(i)) is not None:
            at = ("groups", i, "match", "topic" if binding.match.topic is not None else "id")
            warnings.append(located.problem(at, (
                f"this binding can never match: groups[{earlier}] above (line "
                f"{located.where(('groups', earlier)).line}) takes every group it would, "
                "and the first binding that matches wins: put this one above it")))
    if settings.direct is not None and (wrong := _no_type(settings.direct, raw, broken)):
        problems.append(located.problem(("direct",), wrong))
    if causes or problems:  # (a type file not read is likely why: said with them)
        raise InputError(_ordered(causes, [*problems, *unread]))
    warnings.extend(_unused(settings, raw, types))
    assert located is not None  # (bot.yaml: else settings is None and the load failed)
    warnings.extend(_left_empty([located, *raw.values()]))
    names = name_lists(content_dir)
    deployment = Deployment(root, settings, types, storage, content_dir,
                            (bot_file, *(loc.file for loc in raw.values())), name_lists=names)
    warnings.extend(located.problem(path, text) for path, text in _budget_warnings(deployment))
    if not any_names(names):
        warnings.append(located.problem(("content",), (
            f"no word lists in {content_dir / 'words'} ({', '.join(NAME_LISTS)}): a member or "
            "group name holding a banned word is shown in messages as written")))
    return replace(deployment, warnings=tuple(sorted(set(warnings), key=_position)),
                   kept=tuple(kept))


def _build_types(raw: dict[str, Located], broken: set[str], registry: Registry,
                 content_dir: Path, settings: Settings, warnings: list[Problem],
                 problems: list[Problem]) -> dict[str, GroupType]:
    """Every type that builds; the problems of those that do not go to `problems`."""
    types: dict[str, GroupType] = {}
    context = {"content_dir": content_dir, "timezone": settings.timezone}
    for name in raw:
        try:
            types[name] = _build_type(name, raw, broken, registry, context, warnings)
        except InputError as exc:
            problems.extend(exc.problems)
    return types


def _provisional(located: Located | None) -> Settings | None:
    """What the types need of a bot.yaml that has problems, so that `check` lists theirs
    too: its `content` and `timezone` (the default zone for one that is wrong). None when
    bot.yaml is no mapping or its `content` is wrong: the types' files could not be found."""
    data = located.data if located is not None else None
    if not isinstance(data, dict):
        return None
    given = {key: data[key] for key in ("content", "timezone") if key in data}
    for tried in (given, {key: v for key, v in given.items() if key != "timezone"}):
        try:
            return Settings.model_validate(tried)
        except ValidationError:
            continue
    return None


def _shadowed(bindings: list[Binding]) -> dict[int, int]:
    """Each binding an earlier one takes every group of, with that earlier one's index (the
    same id or topic; a topic of words every name binding's words are in holds,
    `Customer|客户` above `VIP客户`; one that matches every name). A topic that is a regular
    expression is compared only with the same one: which names it matches is not worked
    out. A binding by id is taken first whatever its place: only the same id above shadows
    it. (One pass: a thousand bindings by id are a thousand lookups, not half a million.)"""
    found: dict[int, int] = {}
    ids: dict[str, int] = {}
    topics: list[tuple[int, Pattern, list[str] | None]] = []  # the bindings by name so far
    for i, binding in enumerate(bindings):
        match = binding.match
        if match.id is not None:
            if (first := ids.setdefault(match.id, i)) != i:
                found[i] = first
            continue
        if match.topic is None:
            continue
        words = _words(match.topic.pattern)
        for j, topic, wider in topics:
            if (topic.search("") is not None or topic.pattern == match.topic.pattern
                    or (words and wider and all(any(w in word for w in wider)
                                                for word in words))):
                found[i] = j
                break
        topics.append((i, match.topic, words))
    return found


def _words(pattern: str) -> list[str] | None:
    """The words of a topic that is words or alternatives of words (`Customer|客户`),
    lowercased, as a topic ignores case; None for a regular expression of any other kind."""
    words = pattern.lower().split("|")
    return None if any(not w or _REGEX_SYNTAX.search(w) for w in words) else words


_REGEX_SYNTAX = re.compile(r"[\\.^$*+?()\[\]{}]")


def _keep_start_only(settings: Settings, running: Settings, account: str | None,
                     located: Located, root: Path) -> tuple[Settings, list[Problem]]:
    """`settings` with the running values of the keys a bot reads only at its start (the
    clock's zone, the database, the console's socket, the simulated world, its own
    account's gateway and the gateway's call timeout), and a note on each key that bot.yaml
    changed."""
    kept: list[Problem] = []
    later = "takes effect at the next start"

    def note(path: KeyPath, now: object, then: object, shown: str | None = None) -> None:
        kept.append(located.problem(path, f"changed from {shown or then} to {now}; {later}"
                                          f" — kept {shown or then}"))

    bot, web = settings.bot, settings.web
    for key in ("id", "name"):
        if getattr(bot, key) != getattr(running.bot, key):
            note(("bot", key), getattr(bot, key), getattr(running.bot, key))
    if settings.timezone != running.timezone:
        note(("timezone",), settings.timezone.key, running.timezone.key)
    if location(settings.storage, root) != location(running.storage, root):
        note(("storage",), postgres.shown(settings.storage), postgres.shown(running.storage))
    for key in ("enabled", "host", "port"):
        if getattr(web, key) != getattr(running.web, key):
            note(("web", key), getattr(web, key), getattr(running.web, key))
    if settings.wechat.call_timeout != running.wechat.call_timeout:
        note(("wechat", "call_timeout"), _written(settings.wechat.call_timeout),
             _written(running.wechat.call_timeout))
    if settings.simulator != running.simulator:
        kept.append(located.problem(("simulator",), f"changed; {later} — the running "
                                    "simulated groups and contacts stay"))
    accounts = settings.accounts
    was = running.account(account) if account is not None else None
    if was is not None and settings.account(was.name) != was:
        names = [a.name for a in accounts]
        where = ("accounts", names.index(was.name)) if was.name in names else ("accounts",)
        kept.append(located.problem(where, f"this process's account {was.name} "
                                    f"{'changed' if was.name in names else 'is not listed'}; "
                                    "its token, endpoint and console port take effect at the "
                                    "next start — kept as they were"))
        accounts = [was if a.name == was.name else a for a in accounts] if was.name in names \
            else [*accounts, was]
    return settings.model_copy(update={
        "bot": running.bot, "timezone": running.timezone, "storage": running.storage,
        "web": web.model_copy(update={"enabled": running.web.enabled, "host": running.web.host,
                                      "port": running.web.port}),
        "wechat": running.wechat, "simulator": running.simulator, "accounts": accounts}), kept


def reloaded(kept: list[str]) -> str:
    """The audit log's detail of a reload, with the start-only keys it kept."""
    return "; ".join(["config reloaded", *(f"kept until the next start: {k}" for k in kept)])


def load_in_background(root: Path, registry: Registry, running: Settings | None = None,
                       account: str | None = None) -> Deployment:
    """load() for a running bot's reload, in a worker thread (see _off_the_loop). What exists
    after is frozen (gc.freeze) as the long-lived data it mostly is, so the collector's later
    passes over the heap do not walk it."""
    with _off_the_loop():
        deployment = load(root, registry, running, account)
        banned.warm()  # Chinese words the running config lacked: load their segmenter here
        gc.freeze()
        return deployment


def settled() -> None:
    """What a process loaded to run (the config, its matchers, the segmenter's and pinyin's
    data, the libraries) lives as long as it: frozen (gc.freeze) once it runs, so that the
    collector's full passes no longer walk it. Each would hold the event loop for some
    25-130 ms with the shipped config. Garbage goes first: what is frozen is never collected.
    Then the collector's young passes come every YOUNG_PASS allocations, not 700: an event
    allocates a few hundred tracked objects that its end frees by their counts, so a young
    pass came every two or three events and found them all alive (the customer type's burst
    of 30,000 events: 675 young and 65 older passes, 0.5 s, against 27 and 3, 0.16 s)."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(YOUNG_PASS, *gc.get_threshold()[1:])


YOUNG_PASS = 10_000


def release(replaced: list[Deployment]) -> None:
    """Free the config a reload replaced, in a worker thread, one handler at a time: freeing
    a large config's rules and matchers takes tens of milliseconds, which the event loop
    (where its last reference would go otherwise) would spend at one go. `replaced` holds
    the only reference left to it, and is emptied."""
    with _off_the_loop():
        deployment = replaced.pop()
        handlers = [handler for gtype in deployment.types.values() for handler in gtype.handlers]
        del deployment
        while handlers:
            handlers.pop()  # freed here, unless an event in flight still holds it


@contextlib.contextmanager
def _off_the_loop() -> Iterator[None]:
    """Around a reload's work in a worker thread (loading the config, freeing the one it
    replaced), one piece at a time.

    Python's cyclic garbage collector, set off by the allocations of a large config, would
    hold the interpreter (and so the event loop) for hundreds of milliseconds per full pass
    over the heap: it is paused meanwhile.

    The event loop's thread waits for the interpreter lock whenever it wakes up or comes
    back from a database statement, and a thread that computes gives the lock up only every
    switch interval (5 ms by default): a message handled meanwhile waited that long at each
    statement (20-30 ms for one message with a large config). Meanwhile the interval is
    LOAD_SWITCH_INTERVAL; with nobody else waiting for the lock it costs nothing.
    """
    with _loading:
        was_enabled, interval = gc.isenabled(), sys.getswitchinterval()
        gc.disable()
        sys.setswitchinterval(min(interval, LOAD_SWITCH_INTERVAL))
        try:
            yield
        finally:
            sys.setswitchinterval(interval)
            if was_enabled:
                gc.enable()


LOAD_SWITCH_INTERVAL = 0.0005  # seconds
_loading = threading.Lock()


def _type_files(types_dir: Path, pattern: str) -> list[Path]:
    """The files in types/ whose names match `pattern`, but for hidden ones: an editor's
    lock or backup (emacs's `.#customer.yaml`, a link to nowhere while the file is open)."""
    return sorted(file for file in types_dir.glob(pattern) if not file.name.startswith("."))


def _a(data: object) -> str:
    """What a YAML file holds instead of keys: 'a list', 'a text'..."""
    return "a list" if isinstance(data, list) else "a text" if isinstance(data, str) else \
        f"a value ({data!r})"


def _account_clashes(settings: Settings) -> Iterator[tuple[KeyPath, str]]:
    """Two accounts with one name, one token variable, one gateway endpoint (two processes
    of one WeChat would both answer its private chats) or one console port; a console port
    (`web.port` plus the account's position) past the last one."""
    seen: dict[tuple[str, object], int] = {}
    for i, account in enumerate(settings.accounts):
        port = account.web_port
        if port is None and settings.web.port:
            port = settings.web.port + i
            if port > MAX_PORT:
                yield ("accounts", i, "web_port"), (
                    f"account {account.name!r} has no web_port, and web.port {settings.web.port}"
                    f" + its position {i} = {port} is past {MAX_PORT}: give it a web_port, or "
                    "lower web.port")
        for key, shown, value in (
                ("name", account.name, account.name),
                ("token_env", account.token_env, account.token_env),
                ("endpoint", account.endpoint, _same_gateway(account.endpoint)),
                ("web_port", port, port or None)):
            if value is None:
                continue
            if (key, value) in seen:
                yield ("accounts", i, key), (
                    f"{shown!r} is already the {key} of account "
                    f"{settings.accounts[seen[key, value]].name!r}: each account needs its own")
            seen.setdefault((key, value), i)


def _same_gateway(endpoint: str | None) -> tuple[str, int] | None:
    """An endpoint as a gateway: the host without case (localhost is 127.0.0.1), the port as
    a number (`GW:08788` is `gw:8788`)."""
    if endpoint is None:
        return None
    host, port = endpoint.rsplit(":", 1)
    host = host.lower()
    return ("127.0.0.1" if host == "localhost" else host), int(port)


def _position(problem: Problem) -> tuple[str, int, tuple[tuple[str, int], ...], str]:
    """Problems in the order of their files and lines, and on one line by key and message:
    the same order on every run (a set's order changes from one process to the next)."""
    key = tuple((part, -1) if isinstance(part, str) else ("", part) for part in problem.path)
    return str(problem.where.file), problem.where.line, key, problem.message


def _ordered(causes: list[Problem], problems: list[Problem]) -> list[Problem]:
    """Root causes first, then the rest; each by file and line, once (a problem in a base
    type shows once, not once per type extending it), with a hint where the line has one."""
    return yamlfile.hinted([*sorted(set(causes), key=_position),
                            *sorted(set(problems), key=_position)])


def _did_not_load(name: str) -> str:
    return f"group type {name!r} did not load: see the error in types/{name}.yaml above"


_WECHAT_ID = re.compile(r"[A-Za-z0-9_-]+")  # what an id may hold; a name shown may not


def _not_an_id(name: str, who: str) -> str:
    return (f"{name!r} is not an id (letters, digits, _ and -, as WeChat's wxid_... or a "
            f"WeChat ID): {who} are named by id, not by the name shown; `groupbot audit` "
            "and the console's members page show each member's id")


def _no_type(name: str, raw: Mapping[str, Located], broken: set[str]) -> str | None:
    """What is wrong with naming the group type `name` (in a binding, `direct`, `extends` or
    a handler's settings), or None when types/NAME.yaml loaded."""
    if name in broken:
        return _did_not_load(name)
    if name not in raw:
        return f"unknown group type {name!r}; known: {', '.join(sorted(raw)) or 'none'}"
    return None


def _left_empty(files: Iterable[Located]) -> Iterator[Problem]:
    """A key written with nothing after its colon where null is taken: off, never or none
    (`backstop: {every: }` turns the backstop off, `again_after:` welcomes nobody again).
    Typed, `null` is meant; left empty, it may be a value forgotten or deleted (r108-9).
    Not a handler's own entry (`- admin:`: its defaults)."""
    for located in files:
        nulls = [path for path in _nulls(located.data, ()) if not (
            len(path) == 3 and path[0] == "handlers" and isinstance(path[1], int))]
        for path in nulls:  # (the places, worked out only for a file that has a null)
            if located.left_empty(path):
                shown = ("handlers", *path[2:]) if path[0] == "handlers" and \
                    isinstance(path[1], int) else path
                yield Problem(located.where(path), shown, (
                    "no value after the colon: read as `null` (for this key: off, never or "
                    "none, as docs/configuration.md says); write its value, or `null` if that "
                    "is meant"))


def _nulls(data: Any, path: KeyPath) -> Iterator[KeyPath]:
    if data is None:
        yield path
    elif isinstance(data, dict):
        for key, value in data.items():
            yield from _nulls(value, (*path, key))
    elif isinstance(data, list):
        for i, value in enumerate(data):
            yield from _nulls(value, (*path, i))


def _unused(settings: Settings, raw: Mapping[str, Located],
            types: Mapping[str, GroupType]) -> list[Problem]:
    """Types no group can ever get (no binding, not `direct`, not extended) and types
    that do nothing."""
    used = {b.type for b in settings.groups} | {settings.direct}
    extended = {loc.data.get("extends") for loc in raw.values() if isinstance(loc.data, dict)}
    found = []
    for name, located in raw.items():
        if name not in used and name not in extended:
            found.append(located.problem((), f"type {name!r} is not used: no binding in "
                                             "bot.yaml names it, nor `direct`, and no type "
                                             "extends it"))
        if not types[name].handlers:
            found.append(located.problem(("handlers",), f"type {name!r} has no handlers: "
                                                        "its groups get no answer at all"))
    return found


def _budget_warnings(deployment: Deployment) -> Iterator[tuple[KeyPath, str]]:
    """Send budgets (governor: in bot.yaml) that cannot work as written: a limit the
    next one down makes unreachable, and pushes that need more group messages on their
    busiest day than a day's budget (or the first day's, in warm-up) lets pushes send."""
    governor = deployment.settings.governor
    if not governor.enabled:
        return
    budgets = ("governor", "budgets")
    for name in type(governor.budgets).model_fields:
        size: Budget = getattr(governor.budgets, name)
        for key, more, less, window in (("per_minute", size.per_minute, size.per_hour, "hour"),
                                        ("per_hour", size.per_hour, size.per_day, "day")):
            if more > less:
                yield (*budgets, name, key), (
                    f"{more} is more than the {window}'s {less}: at most {less} go in a "
                    f"{window}, so {key} never applies")
    need, named = _push_need(deployment)
    if not need:
        return
    share = governor.shares.get("push", 1.0)
    per_day = governor.budgets.group_messages.per_day
    full = max(1, math.floor(per_day * share))
    first = max(1, math.floor(per_day * share * governor.warmup.start)) \
        if governor.warmup.days else full
    keep = governor.keep.get("push", timedelta(days=1))
    what = (f"the push schedules post {need} group messages on their busiest day to the "
            f"{named} groups this config names")
    rest = ("the rest waits for the next day" + (f", and what waits longer than "
                                                  f"keep.push ({_written(keep)}) is dropped"
                                                  if keep is not None else ""))
    if need > full:
        yield (*budgets, "group_messages", "per_day"), (
            f"{what}, more than pushes may send in a day ({full}: {share:.0%} of per_day "
            f"{per_day}): {rest}")
    elif need > first:
        yield ("governor", "warmup", "start"), (
            f"{what}, more than pushes may send on the account's first day ({first}: "
            f"{governor.warmup.start:.0%} of {full} while the budgets warm up over "
            f"{governor.warmup.days} days): {rest}")


def _written(span: timedelta) -> str:
    """A duration as bot.yaml writes it: 1d, 6h, 90m, 30s."""
    seconds = int(span.total_seconds())
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds and seconds % size == 0:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


def _push_need(deployment: Deployment) -> tuple[int, int]:
    """(group messages the push schedules post on their busiest day of the next week to
    the groups the config names (bindings by id, simulated groups), how many groups)."""
    settings = deployment.settings
    named: dict[str, GroupType] = {}
    for binding in settings.groups:
        if binding.match.id is not None:
            named.setdefault(binding.match.id, deployment.types[binding.type])
    for group in settings.simulator.groups:
        if (gtype := deployment.type_for(group.id, group.topic)) is not None:
            named.setdefault(group.id, gtype)
    tz = settings.timezone
    now = datetime.now(tz)
    end = now + timedelta(days=7)
    per_day: dict[tuple[str, Any], int] = {}  # (type, day) -> posts in each of its groups
    for gtype in set(named.values()):
        for handler in gtype.handlers:
            if handler.name != "push":
                continue
            for schedule in handler.schedules():
                fires = [schedule.at] if schedule.at is not None else []
                if schedule.cron:
                    trigger, at = cron_trigger(schedule.cron, tz), now
                    while (at := trigger.get_next_fire_time(None, at)) is not None and \
                            at < end and len(fires) < 10_000:
                        fires.append(at)
                        at += timedelta(seconds=1)
                for fire in fires:
                    if now <= fire < end:
                        day = (gtype.name, fire.astimezone(tz).date())
                        per_day[day] = per_day.get(day, 0) + 1
    days: dict[Any, int] = {}
    for (name, day), posts in per_day.items():
        groups = sum(1 for gtype in named.values() if gtype.name == name)
        days[day] = days.get(day, 0) + posts * groups
    return max(days.values(), default=0), len(named)


def location(storage: str, root: Path = Path()) -> Path | str:
    """Where the store is: a URL as written (a mistyped one too, for `database_problem` to
    refuse), else a file relative to `root` (`~` is the home directory, as in a shell: not
    a directory named `~`)."""
    if postgres.looks_like_url(storage):
        return storage
    return real(root / os.path.expanduser(storage))


def _directory_problem(path: Path) -> str | None:
    """Why the content directory `path` cannot be read, or None."""
    try:
        is_dir = stat.S_ISDIR(path.stat().st_mode)
    except FileNotFoundError:
        return f"directory not found: {path}"
    except OSError as exc:  # e.g. a symbolic link loop
        return f"{path}: {exc.strerror}"
    return None if is_dir else f"not a directory: {path}"


def real(path: Path) -> Path:
    """`path` made absolute, its symbolic links followed as far as they lead. Unlike
    Path.resolve() (a RuntimeError on Python 3.11), a loop is not an error here: the stat or
    read that follows reports it (ELOOP, "too many levels of symbolic links") as it reports
    a missing file."""
    return Path(os.path.realpath(path))


def absent(path: Path | str) -> bool:
    """No SQLite file there yet (a URL is tried: the server says what is missing)."""
    return isinstance(path, Path) and not path.exists()


def database_problem(path: Path | str) -> str | None:
    """Why `path` cannot be the bot's database, or None (an SQLite file may not exist yet;
    a PostgreSQL URL is tried when the bot connects)."""
    if isinstance(path, str):
        return postgres.url_problem(path)
    try:
        if path.is_dir():
            return f"{path} is a directory, not a database file"
        if path.exists() and not path.is_file():  # a named pipe would never answer the read
            return f"{path} is not a regular file (a pipe, a device or a socket)"
        with path.open("rb") as file:
            head = file.read(len(SQLITE_HEADER))
    except FileNotFoundError:
        return None
    except OSError as exc:  # (a folder on the way this user may not enter, say)
        return f"{path} cannot be read: {exc.strerror}"
    if head != SQLITE_HEADER and (beside := _SQLITE_BESIDE.fullmatch(path.name)) and \
            (database := path.with_name(beside[1])).is_file():  # a path completed too far
        return f"{path} is the {_BESIDE_KINDS[beside[2]]} of the database {database}, " \
               f"which SQLite keeps beside it (it holds no database): give {database}"
    if head and head != SQLITE_HEADER:
        return f"{path} is not an SQLite database"
    return None


SQLITE_HEADER = b"SQLite format 3\x00"
_SQLITE_BESIDE = re.compile(r"(.+)-(wal|shm|journal)")
_BESIDE_KINDS = {"wal": "write-ahead log", "shm": "shared-memory index",
                 "journal": "rollback journal"}


def _warnings_of(leaf: Any, quoted: Callable[[], bool]) -> list[str]:
    """The warnings of one value in a config (see _leaves); `quoted`: whether it was written
    as a text (asked only for a switch word: most loads need no place). A switch word the
    operator put in quotes (`empty: 'off'`) is meant as the word: not warned of (r96-2,
    r101-4: `Located.quoted`)."""
    if isinstance(leaf, Pattern):
        return [f"{as_written(leaf.pattern)}: {warning}" for warning in leaf.warnings]
    if isinstance(leaf, Note) and leaf.switch and quoted():
        return []
    return list(leaf.warnings) if isinstance(leaf, (OneOff, ContactId, Note)) else []


@dataclass(frozen=True, slots=True)
class Note:
    """A warning found on the way through a config (_collect), at the key it is about;
    `switch`: the switch word a text is (`greeting: off`), if that is the warning."""

    text: str
    switch: str = ""

    @property
    def warnings(self) -> tuple[str, ...]:
        return (self.text,)


def _bare_seconds(model: BaseModel, key: str, value: Seconds) -> Note | None:
    """A bare number far below its key's default unit: under an hour where the default is an
    hour or more (`after: 14`: days meant), under a minute where it is 3 minutes or more
    (`first_reminder: 10`: minutes meant). The operator got seconds."""
    default = type(model).model_fields[key].default
    if not isinstance(default, timedelta) or not timedelta(0) < value < (
            _HOUR if default >= _HOUR else _MINUTE if default >= 3 * _MINUTE else timedelta(0)):
        return None
    n = f"{value.total_seconds():g}"
    meant = f"for days write {n}d, for hours {n}h, for minutes {n}m" if default >= _HOUR \
        else f"for minutes write {n}m"
    return Note(f"{n} is {n} seconds (a number without a unit is seconds; the default is "
                f"{_written(default)}): {meant}; for seconds {n}s")


_HOUR, _MINUTE = timedelta(hours=1), timedelta(minutes=1)
# the keys whose words are matched as written (a keyword rule's `patterns` unless `match:
# regex`, which holds Patterns; triggers, keywords, banned words)
_LITERAL_LISTS = frozenset({"patterns", "triggers", "keywords", "start", "words"})
_LOOKS_REGEX = re.compile(r"\||^\^|\$$|\.[*+]")


def _literal_notes(words: list[Any], path: KeyPath, found: list[tuple[KeyPath, Any]]) -> bool:
    """A warning for each word of `words` (or of a list in it) written as a regular
    expression, `签到|打卡`: it is matched as written, `|` and all, so never. Whether the
    list holds words alone (lists of them included), where _collect finds nothing more."""
    words_only = True
    for i, word in enumerate(words):
        if type(word) is list:
            words_only = _literal_notes(word, (*path, i), found) and words_only
        elif type(word) is not str:
            words_only = False
        elif _LOOKS_REGEX.search(word):
            parts = [part for part in re.split(r"\|", word.strip("^$")) if part]
            example = ", ".join(f'"{part}"' for part in parts) if len(parts) > 1 else None
            found.append(((*path, i), Note(
                f"{as_written(word)} is matched as written, as a word, not as a regular "
                "expression (no message holds it): " + (f"for alternatives list them, [{example}]"
                                         if example else "write the word alone") +
                ("; or give the rule `match: regex`" if path[-1] == "patterns" else ""))))
    return words_only


def _leaves(value: Any, path: KeyPath = ()) -> list[tuple[KeyPath, Any]]:
    """Each value in a validated config, inside its models, lists, tuples and mappings, that
    may warn or name a group type (a pattern, a one-off time, a TypeName, a ContactId), with
    its key path."""
    kind = _kind(type(value))
    if kind == _HOLDS:
        found: list[tuple[KeyPath, Any]] = []
        _collect(value, path, found)
        return found
    return [(path, value)] if kind == _LEAF else []


def _collect(value: Any, path: KeyPath, found: list[tuple[KeyPath, Any]]) -> None:
    """_leaves of a model, a list, a tuple or a mapping, into `found`, in their order."""
    items: Iterable[tuple[str | int, Any]]
    model = value if isinstance(value, BaseModel) else None
    if model is not None:
        fields = model.__dict__
        items = [(key, fields[key]) for key in _field_names(type(model))]
    elif isinstance(value, dict):  # (the hand-off's rota: a list of ids a day)
        items = [(key, item) for key, item in value.items() if isinstance(key, (str, int))]
    else:
        items = enumerate(value)
    kinds = _KINDS
    for key, item in items:
        kind = kinds.get(type(item))
        if kind is None:
            kind = _kind(type(item))
        if not kind:  # (most values: a text, a number, a template, a choice)
            continue
        if kind == _HOLDS:
            if model is not None and key in _LITERAL_LISTS and type(item) is list and \
                    _literal_notes(item, (*path, key), found):
                continue  # (words alone: nothing more in it)
            _collect(item, (*path, key), found)
        elif kind == _LEAF:
            found.append(((*path, key), item))
        elif kind == _TEMPLATE:  # a Template or a Said
            if item.source in yamlfile.SWITCHES:  # (`greeting: off`, meant as "none")
                advice = ": for no message write null, where the key takes it" \
                    if model is None or _takes_null(type(model), str(key)) else ""
                found.append(((*path, key), Note(
                    f"the text {item.source!r} is sent to members as written{advice}",
                    item.source)))
        elif kind == _CONTENT:
            if key == "file" and path[-2:-1] == ("lists",):  # antispam's words.lists
                found.extend(((*path, key), Note(warning))
                             for warning in banned.list_commas(item.path, item.text))
        elif model is not None and isinstance(key, str) and \
                (note := _bare_seconds(model, key, item)) is not None:  # Seconds
            found.append(((*path, key), note))


@cache
def _takes_null(model: type[BaseModel], key: str) -> bool:
    """Whether the model's field `key` takes null (a push's `text` beside an image does; a
    checkin leaderboard's `empty` does not)."""
    return type(None) in get_args(model.model_fields[key].annotation)


# what _collect does with a value of some type: nothing (a text, a number, a choice...),
# list it (a Pattern, a OneOff, a TypeName, a ContactId), look into it (a model, a list, a
# mapping), look for commas in a word list (a Content), see whether it is shorter than its
# key's default unit (a Seconds), or whether it is a switch word (a Template or a Said: since
# YAML reads yes, no, on and off as texts, `greeting: off` would send "off")
_NOTHING, _LEAF, _HOLDS, _CONTENT, _SECONDS, _TEMPLATE = 0, 1, 2, 3, 4, 5
_KINDS: dict[type, int] = {}


def _kind(cls: type) -> int:
    kind = _KINDS.get(cls)
    if kind is None:
        kind = _LEAF if issubclass(cls, (Pattern, OneOff, TypeName, ContactId)) else _HOLDS \
            if issubclass(cls, (BaseModel, list, tuple, dict)) else _CONTENT \
            if cls is Content else _SECONDS if cls is Seconds else _TEMPLATE \
            if cls is Template or cls is Said else _NOTHING
        _KINDS[cls] = kind
    return kind


def _field_names(cls: type[BaseModel]) -> tuple[str, ...]:
    names = _FIELDS.get(cls)
    if names is None:
        names = _FIELDS[cls] = tuple(cls.model_fields)
    return names


_FIELDS: dict[type[BaseModel], tuple[str, ...]] = {}


def invalid_at(path: KeyPath, message: str) -> ValidationError:
    """An error at a key path below the model being validated (raise it from a validator)."""
    return ValidationError.from_exception_data("config", [InitErrorDetails(
        type=PydanticCustomError("value_error", message), loc=path, input=None)])


def _build_type(name: str, raw: Mapping[str, Located], broken: set[str], registry: Registry,
                context: Mapping[str, Any], warnings: list[Problem]) -> GroupType:
    sections, capacity = _resolve(name, raw, broken, (), warnings)
    handlers: list[Handler[Any]] = []
    built: list[_Section] = []  # the section of each of `handlers`
    problems: list[Problem] = []
    for section in sections:
        cls = registry.get(section.name)
        if cls is None:
            problems.append(Problem(section.header, ("handlers", section.name),
                                    f"unknown handler; known: {', '.join(sorted(registry))}"))
            continue
        try:
            config = yamlfile.settle(cls.Config, section.data, context)
        except yamlfile.Invalid as exc:
            for error in exc.errors:
                path = yamlfile.error_path(error)
                where = _origin(section, path)
                problems.append(Problem(where, ("handlers", section.name, *path),
                                        describe(error, cls.Config)))
            continue
        for path, leaf in _leaves(config):  # one walk: a large config has many values
            at = ("handlers", section.name, *path)
            if isinstance(leaf, TypeName):
                if (wrong := _no_type(leaf, raw, broken)) is not None:
                    problems.append(Problem(_origin(section, path), at,
                                            wrong + _if_default(section, path)))
            else:
                warnings.extend(Problem(_origin(section, path), at, text)
                                for text in _warnings_of(leaf, partial(_quoted, section, path)))
        try:
            handlers.append(cls(config))
            built.append(section)
        except (ValueError, re.error) as exc:  # what prepare() could not build from it
            problems.append(Problem(section.header, ("handlers", section.name), str(exc)))
    if problems:
        raise InputError(problems)
    for i, (section, handler) in enumerate(zip(built, handlers, strict=True)):
        warnings.extend(Problem(_origin(section, path), ("handlers", section.name, *path), text)
                        for path, text in handler.shadows(handlers[i + 1:]))
    # validated with the header in _resolve; each type names itself, nothing is inherited
    return GroupType(name, capacity, tuple(handlers), str(raw[name].data.get("display_name", "")))


def _if_default(section: _Section, path: KeyPath) -> str:
    """What to add to a problem of the value at `path` when nobody wrote it: a default the
    operator may never have read (the funnel's `stages`, the quiz's `promote_to`)."""
    if section.origin is not None and any(section.origin.get(path[:end]) is not None
                                          for end in range(1, len(path) + 1)):
        return ""
    key = path[:max(i for i, part in enumerate(path) if isinstance(part, str)) + 1]
    return (f" (the default of `{yamlfile.format_path(key)}`, not written in the type: "
            "set it to your own types)")


def _origin(section: _Section, path: KeyPath) -> Where:
    for end in range(len(path), -1, -1):
        where = section.origin.get(path[:end]) if section.origin is not None else None
        if where is not None:
            return where
    return section.header


def _quoted(section: _Section, path: KeyPath) -> bool:
    return section.origin is not None and section.origin.quoted(path)


def _listed_twice(handlers: list[Any], located: Located) -> Problem | None:
    """The first handler listed a second time, at that second entry (the one to remove or
    merge into the first), naming where the first is: a type runs each handler once."""
    first: dict[str, int] = {}
    for i, item in enumerate(handlers):
        for handler in item if isinstance(item, dict) else ():
            if handler in first:
                line = located.where(("handlers", first[handler], handler)).line
                return located.problem(("handlers", i, handler),
                                       f"listed twice (first at line {line}); a type runs "
                                       "each handler once: keep one entry with all its "
                                       "settings")
            first[handler] = i
    return None


def _resolve(name: str, raw: Mapping[str, Located], broken: set[str],
             chain: tuple[str, ...], warnings: list[Problem]) -> tuple[list[_Section], int]:
    located = raw[name]
    header = yamlfile.validate(TypeHeader, located, located.data)
    sections: list[_Section] = []
    capacity = 200
    if header.extends is not None:
        if header.extends in chain or header.extends == name:
            cycle = " -> ".join((*chain, name, header.extends))
            raise InputError([located.problem(("extends",), f"cyclic extends: {cycle}")])
        if (wrong := _no_type(header.extends, raw, broken)) is not None:
            raise InputError([located.problem(("extends",), wrong)])
        sections, capacity = _resolve(header.extends, raw, broken, (*chain, name), warnings)
    if header.capacity is not None:
        capacity = header.capacity
    if (twice := _listed_twice(header.handlers, located)) is not None:
        raise InputError([twice])
    inherited = {s.name: s for s in sections}
    ordered: list[_Section] = []
    for i, item in enumerate(header.handlers):
        at: KeyPath = ("handlers", i)
        if not (isinstance(item, dict) and len(item) == 1):
            raise InputError([located.problem(
                at, "each entry is one handler, `- name:` with its settings indented below it")])
        [(handler, body)] = item.items()
        existing = inherited.pop(handler, None)
        if yamlfile.switch(body) is False:  # (`off` or `no` too, as a switch takes them)
            if existing is None:
                raise InputError([located.problem((*at, handler),
                                                  "`false` removes an inherited handler, "
                                                  "but none is inherited")])
            continue
        if body is None:
            body = {}
        if not isinstance(body, dict):
            where = located.where((*at, handler))
            if isinstance(body, str):  # (`report:true` under it: its line, with the hint)
                where = yamlfile.written_at(where, body)
            raise InputError([Problem(where, (*at, handler),
                                      "a handler's settings must be a mapping")])
        written = _Written(located, (*at, handler))
        base = existing or _Section(handler, {}, None, written)
        merge = _Merge(written, base.origin, ("handlers", handler), warnings)
        data = merge.merge(base.data, body, ())
        ordered.append(_Section(handler, data, merge, written))
    # the type's own list gives the order; inherited handlers it does not name follow
    return [*ordered, *inherited.values()], capacity


@dataclass(frozen=True)
class _Written:
    """Where a handler's settings were written in a type's file, looked up in the file's
    lines only when a message needs a place: key path inside the settings -> where."""

    located: Located
    at: KeyPath  # the settings' own key path in the file: ("handlers", i, name)

    def get(self, path: KeyPath) -> Where | None:
        line = self.located.lines.get((*self.at, *path))
        return None if line is None else Where(self.located.file, line)

    def quoted(self, path: KeyPath) -> bool:
        return self.located.quoted((*self.at, *path))


@dataclass
class _Merge:
    """A child's handler settings over the inherited ones: keys win, maps merge, lists are
    replaced (with a warning when that drops inherited entries) or, written `+key:`,
    extended. Then where each merged value was written (`get`)."""

    origin: _Written  # the child's settings
    inherited: _Merge | None  # the inherited settings' merge, if any
    at: KeyPath  # the section's key path in the type, for messages
    warnings: list[Problem]
    extended: list[tuple[KeyPath, KeyPath, int]] = field(default_factory=list)
    replaced: list[KeyPath] = field(default_factory=list)

    def where(self, path: KeyPath) -> Where:
        for end in range(len(path), -1, -1):
            if (found := self.origin.get(path[:end])) is not None:
                return found
        raise AssertionError(f"no origin for {path}")  # the section's own key is always there

    def merge(self, base: dict[str, Any], override: dict[str, Any],
              at: KeyPath) -> dict[str, Any]:
        merged = dict(base)
        for key, value in override.items():
            path = (*at, key)
            if isinstance(key, str) and key.startswith("+"):
                name = key[1:]
                inherited = merged.get(name, [])
                if name in override:
                    raise self.error(path, f"give `{name}` or `+{name}`, not both")
                if not isinstance(value, list) or not isinstance(inherited, list):
                    raise self.error(path, f"`+{name}` adds a list to an inherited list")
                merged[name] = [*inherited, *value]
                self.extended.append((path, (*at, name), len(inherited)))
            elif isinstance(value, dict):
                inner = merged.get(key)
                merged[key] = self.merge(inner if isinstance(inner, dict) else {}, value, path)
            else:
                inherited = merged.get(key)
                if isinstance(value, list) and isinstance(inherited, list) and inherited:
                    was = self.inherited.get(path) if self.inherited is not None else None
                    self.warnings.append(Problem(
                        self.where(path), (*self.at, *path),
                        f"replaces the inherited list of {len(inherited)}"
                        + (f" ({was.file.name}:{was.line})" if was else "")
                        + f"; write `+{key}:` to add to it instead"))
                merged[key] = value
                self.replaced.append(path)
        return merged

    def replaced_below(self, path: KeyPath) -> bool:
        """Whether an inherited value at `path` was replaced as part of a bigger one."""
        return any(len(path) > len(r) and path[:len(r)] == r for r in self.replaced)

    def error(self, path: KeyPath, message: str) -> InputError:
        return InputError([Problem(self.where(path), (*self.at, *path), message)])

    def get(self, path: KeyPath) -> Where | None:
        """Where the merged value at `path` was written (`written`)."""
        found = self.written(path)
        return found[0].get(found[1]) if found is not None else None

    def quoted(self, path: KeyPath) -> bool:
        """Whether the merged value at `path` is a switch word written as a text."""
        found = self.written(path)
        return found is not None and found[0].quoted(found[1])

    def written(self, path: KeyPath) -> tuple[_Written, KeyPath] | None:
        """The settings that wrote the merged value at `path`, and its path in them: the
        child (`rules`[N] as `+rules`[N - the inherited entries]), else the inherited ones,
        unless the child replaced a value that held it."""
        written: KeyPath | None = path
        for old, new, offset in self.extended:
            if path[:len(new)] == new:
                rest = path[len(new):]
                if not rest or not isinstance(rest[0], int):
                    written = (*old, *rest)
                elif rest[0] >= offset:
                    written = (*old, rest[0] - offset, *rest[1:])
                else:  # an inherited entry of the list
                    written = None
                break
        if written is not None and self.origin.get(written) is not None:
            return self.origin, written
        if self.inherited is not None and not self.replaced_below(path):
            return self.inherited.written(path)
        return None
