"""The one handler contract.

A handler is one operation an operator turns on per group type (welcome, rules, keywords...).
It declares its YAML name, the event kinds it wants and a pydantic Config model, and
implements `handle(event, ctx)`; `wants(event, ctx)` may tell the pipeline cheaply that an
event is nothing to it. Handlers keep no state of their own between events: what
they need to remember goes into the store through the context, so a restart or a config
reload loses nothing (at most a hint that lets `wants` skip events; the store decides).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from enum import Enum
from typing import Any, ClassVar, Generic, TypeVar

from pydantic import BaseModel, ConfigDict, model_validator

from bot.context import Context
from bot.events import Event


class Flow(Enum):
    """What the pipeline does after a handler: go on to the next one, or stop here; or go on,
    and call this handler's `fallback` at the end if no handler after it stops the event (a
    reply for what nobody else acts on: keywords' `default`)."""

    CONTINUE = "continue"
    STOP = "stop"
    FALLBACK = "fallback"


CONTINUE = Flow.CONTINUE
STOP = Flow.STOP
FALLBACK = Flow.FALLBACK


class HandlerConfig(BaseModel):
    """Base of every handler's config: unknown keys are errors, never silent typos."""

    model_config = ConfigDict(extra="forbid", frozen=True)


C = TypeVar("C", bound=HandlerConfig)


class Schedule(BaseModel):
    """A job a handler asks for: recurring (`cron`) or once (`at`); the scheduler turns fire
    times into Ticks. The key names it for good: a one-off's key carries its time."""

    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True)

    key: str
    cron: str = ""
    at: datetime | None = None
    grace_seconds: float = 600.0

    @model_validator(mode="after")
    def _one(self) -> Schedule:
        if bool(self.cron) == (self.at is not None):
            raise ValueError("a schedule has a cron line or a time, not both")
        return self


class Handler(Generic[C]):
    """Subclass with: name, events, Config, and `async handle(event, ctx)`.

    `migrations` lists the SQL a handler needs for its own tables, in order; the store
    applies those not yet applied, per handler name.
    """

    name: ClassVar[str]
    events: ClassVar[tuple[type[Event], ...]]
    Config: ClassVar[type[HandlerConfig]]
    migrations: ClassVar[Sequence[str]] = ()

    def __init__(self, config: C) -> None:
        self.config = config
        self.prepare()

    def prepare(self) -> None:
        """Build what the config allows ahead of time (matchers, lookups); runs on each load."""

    def schedules(self) -> list[Schedule]:
        """Recurring jobs of this handler, from its config (rebuilt on reload)."""
        return []

    def shadows(self, later: Sequence[Handler[Any]]) -> list[tuple[tuple[str | int, ...], str]]:
        """Keys of this config that keep the handlers after it in the type's list (`later`)
        from ever getting what they are for, or that do less than they seem to, each with
        why: `groupbot check` warns about each, naming file:line:key. None by default."""
        return []

    def wants(self, event: Any, ctx: Context) -> bool:
        """Whether `handle` may do anything with this event. False only where it surely
        would not: it would return CONTINUE having written nothing and acted on nothing
        (most messages carry no command or trigger word). The pipeline then skips the
        handler for the event: no savepoint, no call. Synchronous and cheap (never reads
        the store); True by default."""
        return True

    def triggers(self) -> frozenset[str] | None:
        """Normalized text (bot/text.py) one of which a message that does not mention the
        bot must hold for `wants` to say yes to it; None (the default) when there is no
        such text. The pipeline looks for all of a type's triggers in one pass and skips
        these handlers for a message that holds none of them."""
        return None

    async def handle(self, event: Any, ctx: Context) -> Flow:
        raise NotImplementedError

    async def fallback(self, event: Any, ctx: Context) -> None:
        """What to do with an event `handle` returned FALLBACK for, when no handler after
        this one stopped it. Nothing by default."""


Registry = Mapping[str, type[Handler[Any]]]
