"""The event path inside one transaction: keep the roster, find the event's group type, and
run that type's handlers for the event's kind in order, each in its own savepoint, putting
the actions of each on the outbox as it returns. One Context serves the event's handlers in
turn; a handler whose `wants` says the event is nothing to it is skipped, and so, without
asking, is one whose `triggers` a message that does not mention the bot holds none of (all
of a type's are looked for at once). A handler that raises is undone alone and the others go
on; a platform failure undoes the whole event. A handler may leave an event to those after
it and still answer it if none of them stops it (FALLBACK: keywords' `default`).

Which handlers of a type want an event of a kind (their `events`), and which of those want a
message that holds no trigger, is worked out once per type, kind and loaded config, not for
every event: a handler is never called for an event it did not ask for."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from typing import Any

from bot import activity, backstop, renames, roster
from bot.adapters.base import GatewayError
from bot.config import Deployment
from bot.context import Context, Core, Group
from bot.events import Event, GroupRenamed, MemberJoined, MemberLeft, MemberRenamed, Message, Tick
from bot.groups import GroupDirectory
from bot.handler import FALLBACK, STOP, Flow, Handler
from bot.literals import FEW, Literals
from bot.metrics import Metrics
from bot.outbox import BULK, Outbox
from bot.store import Store

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Plan:
    """Who handles the events of one kind in one group type: the handlers that want the kind
    (their `events`), in the type's order; for messages, also every trigger of those that
    have triggers (None: no handler is gated) and the handlers that want a message holding
    none of them."""

    handlers: tuple[Handler[Any], ...]
    triggers: Literals | None = None
    untriggered: tuple[Handler[Any], ...] = ()


class Pipeline:
    def __init__(self, core: Core, store: Store, outbox: Outbox, groups: GroupDirectory,
                 deployment: Callable[[], Deployment], metrics: Metrics) -> None:
        self._core = core
        self._store = store
        self._outbox = outbox
        self._groups = groups
        self._deployment = deployment
        self._metrics = metrics
        self._plans: dict[tuple[str, type[Event]], Plan] = {}
        self._planned_for: Deployment | None = None  # the config `_plans` were worked out for

    def plan(self, deployment: Deployment, type_name: str, kind: type[Event]) -> Plan:
        """Who handles events of this kind in the type. Worked out on the loop at the first
        such event after a load, so triggers are put together only for a few (FEW, well
        under a millisecond): beyond, no handler is gated and each looks for its own (built
        with the config, off the loop)."""
        if deployment is not self._planned_for:  # loaded again: its handlers are new
            self._plans, self._planned_for = {}, deployment
        found = self._plans.get((type_name, kind))
        if found is None:
            found = self._plans[(type_name, kind)] = _plan(
                deployment.types[type_name].handlers, kind)
        return found

    def forget(self) -> None:
        """Drop what was worked out for the running config (a reload replaced it)."""
        self._plans, self._planned_for = {}, None

    async def dispatch(self, event: Event) -> None:
        """Handle the event; the caller holds the transaction."""
        deployment = self._deployment()
        group: Group | None = None
        if isinstance(event, MemberJoined | MemberLeft) and event.group is not None:
            current = await _current(self._store, event, event.group)
            if current is None:
                return  # late: nothing new about anyone in it
            event = current
        if event.group is not None:
            if isinstance(event, GroupRenamed):
                await renames.renamed(self._core, self._store, self._outbox, self._groups,
                                      deployment, event, event.group)
            # the roster first: the bot's own join names who brought it in (bot/admission.py)
            unreported = await _track(self._store, event, event.group)
            group = await self._groups.group(self._store, event.group, event.at)
            if group is None:
                return  # a group no binding matches: the bot stays silent there
            if unreported is not None:
                log.info("%s in %s joined unreported: handled as a join before their message",
                         event.sender.id if isinstance(event, Message) else "?", event.group)
                await self.dispatch(unreported)
            type_name = group.type
        elif deployment.settings.direct is not None:
            type_name = deployment.settings.direct
        else:
            return
        plan = self.plan(deployment, type_name, type(event))
        handlers = plan.handlers
        if isinstance(event, Tick):
            handlers = tuple(h for h in handlers if h.name == event.handler)
        if not handlers:
            return
        ctx = Context(self._core, event, group)  # one per event, turned to each handler in turn
        if (plan.triggers is not None and isinstance(event, Message) and not event.mentions_bot
                and not plan.triggers.any_in(ctx.normalized)):
            handlers = plan.untriggered  # no handler's trigger is in it (most messages)
        fallback: Handler[Any] | None = None  # the first handler to answer what nobody takes
        for handler in handlers:
            ctx.handler, ctx.config = handler.name, handler.config
            if not handler.wants(event, ctx):
                continue  # nothing to it (most messages, for most handlers)
            flow = await self._run(handler.handle, event, ctx, deployment)
            if flow is STOP:
                break
            if flow is FALLBACK and fallback is None:
                fallback = handler
        else:
            if fallback is not None:
                ctx.handler, ctx.config = fallback.name, fallback.config
                await self._run(fallback.fallback, event, ctx, deployment)

    async def after(self, event: Event, group: Group | None, handler: str,
                    call: Callable[[Context], Awaitable[None]]) -> None:
        """What `handler` does after `event` was handled (once the reload it asked for is
        done: Context.reload_config), as it would in the event: with a context of the event
        and the handler's config in the running type (None if it no longer runs there), in
        a savepoint, its actions put on the outbox. The caller holds the transaction."""
        deployment = self._deployment()
        gtype = deployment.types.get(group.type) if group is not None else None
        config = next((h.config for h in gtype.handlers if h.name == handler), None) \
            if gtype is not None else None
        ctx = Context(self._core, event, group, handler, config)

        async def called(event: Event, ctx: Context) -> None:
            await call(ctx)

        await self._run(called, event, ctx, deployment)

    async def _run(self, call: Callable[[Event, Context], Awaitable[Flow | None]], event: Event,
                   ctx: Context, deployment: Deployment) -> Flow | None:
        """One handler's call, in its own savepoint, its actions put on the outbox; None if
        it failed (undone alone: the others go on). `ctx` is already the handler's (its
        name, `ctx.handler`, is the actions' and the log's)."""
        try:
            with self._store.savepoint():
                flow = await call(event, ctx)
                if ctx.actions:
                    await self._outbox.put_all(ctx.actions, ctx.handler,
                                               deployment.settings.admins)
                if ctx.bulk:
                    await self._outbox.put_all(ctx.bulk, BULK)
        except GatewayError:
            raise  # the platform is away: undo the whole event rather than half of it
        except Exception:
            log.exception("handler %s failed on %r; the others go on", ctx.handler, event)
            self._metrics.handler_errors.labels(ctx.handler).inc()
            return None
        finally:
            if ctx.actions or ctx.bulk:  # this handler's, put on the outbox or dropped
                ctx.actions, ctx.bulk = [], []
        return flow


def _plan(handlers: tuple[Handler[Any], ...], kind: type[Event]) -> Plan:
    wanting = tuple(handler for handler in handlers if issubclass(kind, handler.events))
    if not issubclass(kind, Message):
        return Plan(wanting)
    gated = {h: t for h in wanting
             if (t := h.triggers()) is not None and "" not in t}  # "" is in any text
    texts = frozenset(text for texts in gated.values() for text in texts)
    if not gated or len(texts) > FEW:
        return Plan(wanting)
    return Plan(wanting, Literals(texts), tuple(h for h in wanting if h not in gated))


async def _current(store: Store, event: MemberJoined | MemberLeft,
                   group: str) -> MemberJoined | MemberLeft | None:
    """The join or leave without the members a later change in the roster overtook: a leave
    of a member who joined again since (WeChat time), a join of one who left since. A late
    event (the adapter lets an event overtake one whose lookups are slow; one whose load
    failed is read again later) would otherwise mark a member who is in the group as gone,
    ending their quiz as failed. None when nobody is left in it."""
    late = await roster.overtaken(store, group, [m.id for m in event.members], event.at,
                                  leaving=isinstance(event, MemberLeft))
    if not late:
        return event
    log.warning("%s in %s at %s came after a later change of %s: not handled for them",
                type(event).__name__, group, event.at, ", ".join(sorted(late)))
    kept = tuple(m for m in event.members if m.id not in late)
    return replace(event, members=kept) if kept else None


async def _track(store: Store, event: Event, group: str) -> MemberJoined | None:
    """Keep the roster: who is in which group, since when, and when they last spoke. A
    message from someone the roster does not have, in a group the join backstop has
    recorded, is from a member who joined unreported (the backstop would find them at its
    next comparison, but their row, made now, would hide them): that join is returned, to
    handle before the message."""
    if isinstance(event, MemberJoined):
        await roster.joined(store, group, event.members, event.at, event.inviter)
    elif isinstance(event, MemberLeft):
        await roster.left(store, group, [m.id for m in event.members], event.at)
    elif isinstance(event, Message):
        first = await roster.spoke(store, group, event.sender, event.at)
        await activity.spoke(store, group, event.sender.id, event.at)
        if first and await backstop.looked_at(store, group):
            return MemberJoined(event.at, group, (event.sender,), None)
    elif isinstance(event, MemberRenamed):
        await roster.renamed(store, group, event.member)
    return None
