"""The bot: routes each event to its group type's handler pipeline, runs due jobs, and
hands paced actions to the gateway. One Bot owns its store, scheduler and outbox; two bots
in one process share nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from bot import audit, backstop, config, moderation, roster, seen
from bot.actions import AcceptFriend, Action, Dm, Invite, Kick, Say
from bot.adapters.base import Gateway, GatewayError, GroupInfo, Refused
from bot.clock import Clock, VirtualClock
from bot.config import Deployment, GroupType
from bot.context import Context, Group
from bot.events import Event, GroupRenamed, MemberJoined, MemberLeft, MemberRenamed, Message, Tick
from bot.handler import STOP, Registry
from bot.outbox import Outbox, Queued
from bot.scheduler import Job, Scheduler, cron_trigger
from bot.store import Store, open_store

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
RETRY_TICK = timedelta(seconds=30)
SEEN_FOR = timedelta(days=7)  # how long handled message ids are kept


class Bot:
    def __init__(self, deployment: Deployment, gateway: Gateway, clock: Clock,
                 registry: Registry, db_path: Path | str | None = None,
                 seed: int | None = None) -> None:
        self.deployment = deployment
        self.random = random.Random(seed)  # seeded in replay and tests: same input, same output
        self.gateway = gateway
        self.clock = clock
        self.registry = registry
        self.db_path = db_path or deployment.storage_path
        self._groups: dict[str, Group | None] = {}
        self._topics: dict[str, str] = {}  # last known group names, kept across reloads
        self._turn = asyncio.Lock()
        self._poke = asyncio.Event()
        self._names: Callable[[str], str] = lambda member_id: member_id
        # events an embedded platform reports back after an action (the simulator's joins)
        self.followups: Callable[[], list[Event]] = list
        self._backstop_at = clock.now()  # the join backstop runs at start, then every `every`
        self.store: Store
        self.scheduler: Scheduler
        self.outbox: Outbox

    # ------------------------------------------------------------ lifecycle

    async def start(self) -> None:
        migrations = {"moderation": moderation.MIGRATIONS}
        migrations |= {name: cls.migrations for name, cls in self.registry.items()
                       if cls.migrations}
        self.store = await open_store(self.db_path, migrations)
        self.scheduler = Scheduler(self.store, self.clock.tz)
        self.outbox = Outbox(self.store, self.deployment.settings.outbox)
        try:
            await seen.forget_before(self.store, self.clock.now() - SEEN_FOR)
            await self.outbox.load()
            await self.scheduler.load()
            await self.refresh_groups()
        except BaseException:
            await self.store.close()
            raise

    async def stop(self) -> None:
        """Close the store; what is queued or scheduled stays in it for the next start."""
        await self.store.close()

    async def __aenter__(self) -> Bot:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    async def reload(self) -> None:
        """Load and validate the config again in a worker thread (events go on meanwhile),
        then swap it in, in one step on the loop; a bad one raises InputError and leaves the
        running config as it was."""
        deployment = await asyncio.to_thread(config.load, self.deployment.root, self.registry)
        self.deployment = deployment
        self.outbox.configure(deployment.settings.outbox)
        self._groups.clear()

    async def refresh_groups(self) -> None:
        """Bind every group again and rebuild the recurring jobs from the config."""
        self._groups.clear()
        jobs = []
        for info, gtype in await self.bound_groups():
            for handler in gtype.handlers:
                for schedule in handler.schedules():
                    trigger = cron_trigger(schedule.cron, self.deployment.settings.timezone)
                    jobs.append(Job(info.id, handler.name, schedule.key, trigger,
                                    timedelta(seconds=schedule.grace_seconds)))
        await self.scheduler.set_jobs(jobs, self.clock.now())
        self._poke.set()

    async def bound_groups(self) -> list[tuple[GroupInfo, GroupType]]:
        bound = []
        for info in await self.gateway.groups():
            gtype = self.deployment.type_for(info.id, info.topic)
            if gtype is not None:
                bound.append((info, gtype))
        return bound

    def contact_name(self, member_id: str) -> str:
        return self._names(member_id)

    def set_contact_names(self, names: Callable[[str], str]) -> None:
        self._names = names

    # ------------------------------------------------------------ events in

    async def feed(self, event: Event) -> None:
        """Handle one event: the whole pipeline of its group type, in one transaction."""
        async with self._turn, self.store.transaction():
            if isinstance(event, Message) and event.id and not await seen.first_time(
                    self.store, event.id, event.at):
                log.info("dropped duplicate message %s", event.id)
                return
            await self._dispatch(event)
        self._poke.set()

    async def _group(self, group_id: str | None) -> Group | None:
        if group_id is None:
            return None
        if group_id not in self._groups:
            try:
                topic = (await self.gateway.group_info(group_id)).topic
            except GatewayError:
                if group_id not in self._topics:
                    raise
                topic = self._topics[group_id]  # the platform is away: bind by the last name
            self._topics[group_id] = topic
            gtype = self.deployment.type_for(group_id, topic)
            self._groups[group_id] = Group(group_id, topic, gtype.name) if gtype else None
        return self._groups[group_id]

    async def _dispatch(self, event: Event) -> None:
        if isinstance(event, GroupRenamed) and event.group is not None:
            self._groups.pop(event.group, None)
            self._topics[event.group] = event.topic
        group = await self._group(event.group)
        if event.group is not None:
            await self._track(event)
            if group is None:
                return  # a group no binding matches: the bot stays silent there
            gtype = self.deployment.types[group.type]
        elif self.deployment.settings.direct is not None:
            gtype = self.deployment.types[self.deployment.settings.direct]
        else:
            return
        for handler in gtype.handlers:
            if not isinstance(event, handler.events):
                continue
            if isinstance(event, Tick) and event.handler != handler.name:
                continue
            ctx = Context(self, event, group, handler.name, handler.config)
            try:
                async with self.store.savepoint():
                    flow = await handler.handle(event, ctx)
                    for action in ctx.actions:
                        await self.outbox.put(action)
            except GatewayError:
                raise  # the platform is away: undo the whole event rather than half of it
            except Exception:
                log.exception("handler %s failed on %r; the others go on", handler.name, event)
                continue
            if flow is STOP:
                break

    async def _track(self, event: Event) -> None:
        """Keep the roster: who is in which group, since when, and when they last spoke."""
        group = event.group
        assert group is not None
        if isinstance(event, MemberJoined):
            await roster.joined(self.store, group, event.members, event.at, event.inviter)
        elif isinstance(event, MemberLeft):
            await roster.left(self.store, group, [m.id for m in event.members], event.at)
        elif isinstance(event, Message):
            await roster.spoke(self.store, group, event.sender, event.at)
        elif isinstance(event, MemberRenamed):
            await roster.renamed(self.store, group, event.member)

    # ------------------------------------------------------------ time and actions out

    def next_due(self) -> datetime | None:
        times = [t for t in (self.scheduler.next_due(), self.outbox.next_due(),
                             self._backstop_due()) if t]
        return min(times, default=None)

    def _backstop_due(self) -> datetime | None:
        return self._backstop_at if self.deployment.settings.backstop.every else None

    async def backstop(self) -> None:
        """Compare each bound group's members with the roster and feed the joins and leaves
        the platform never reported, as if it had (bot/backstop.py)."""
        self._backstop_at = self.clock.now() + (self.deployment.settings.backstop.every
                                                or timedelta())
        for group, members in await backstop.member_lists(self):
            async with self._turn, self.store.transaction():
                for event in await backstop.missed(self.store, group, members,
                                                   self.gateway.self_id, self.clock.now()):
                    await self._dispatch(event)
        self._poke.set()

    async def run_due(self) -> None:
        """Run everything due by now: ticks first, then the actions that may go."""
        async with self._turn:
            now = self.clock.now()  # read under the lock: a wait for it may be long
            while (due := self.scheduler.next_due()) is not None and due <= now:
                tick: Tick | None = None
                try:
                    async with self.store.transaction():
                        tick = await self.scheduler.take(now)
                        if tick is not None:
                            await self._dispatch(tick)
                except GatewayError as exc:
                    # the platform is away; the transaction is undone, so try again later
                    log.error("could not run %s: %s", tick, exc)
                    if tick is not None:
                        await self.scheduler.postpone(tick, now + RETRY_TICK)
                    break
            while (item := self.outbox.take(now)) is not None:
                await self._deliver(item, now)
        for event in self.followups():
            await self.feed(event)
        if (due := self._backstop_due()) is not None and due <= now:
            await self.backstop()

    async def _deliver(self, item: Queued, now: datetime) -> None:
        action = item.action
        try:
            await self._send(action)
        except Refused as exc:
            log.warning("the platform refused %s: %s", action, exc)
            await self._refused(action, str(exc), now)
        except GatewayError as exc:
            if item.attempts + 1 < MAX_ATTEMPTS:
                delay = timedelta(seconds=5 * 4 ** item.attempts)
                log.warning("sending %s failed (%s); again in %s", action, exc, delay)
                self.outbox.retry(item, now + delay)
                return
            log.error("gave up sending %s after %d attempts: %s", action, MAX_ATTEMPTS, exc)
            await self._record(now, action, "send_failed", str(exc))
        await self.outbox.done(item)

    async def _send(self, action: Action) -> None:
        gw = self.gateway
        match action:
            case Say(group, text, mentions):
                await gw.send_text(group, text, mentions)
            case Dm(to, text):
                await gw.send_dm(to, text)
            case Kick(group, member, reason):
                await gw.remove_member(group, member, reason)
            case Invite(group, member):
                await gw.invite_member(group, member)
            case AcceptFriend(_, request):
                await gw.accept_friend(request)

    async def _refused(self, action: Action, reason: str, now: datetime) -> None:
        await self._record(now, action, "refused", reason)
        for admin in self.deployment.settings.admins:
            await self.outbox.put(Dm(admin, f"[groupbot] could not {action.kind} "
                                            f"{_describe(action)}: {reason}"))

    async def _record(self, now: datetime, action: Action, what: str, detail: str) -> None:
        data: dict[str, Any] = action.to_json()
        await audit.record(self.store, now, data.get("group", ""),
                           data.get("member", data.get("to", "")), f"{action.kind}_{what}",
                           "outbox", detail)

    # ------------------------------------------------------------ driving time

    async def advance(self, to: datetime) -> None:
        """Virtual time: run everything due up to `to`, in time order, then stand at `to`."""
        clock = self.clock
        assert isinstance(clock, VirtualClock), "advance() drives virtual time only"
        while (due := self.next_due()) is not None and due <= to:
            clock.set(max(due, clock.now()))
            await self.run_due()
        clock.set(max(to, clock.now()))

    async def drain(self, limit: timedelta = timedelta(days=1)) -> None:
        """Virtual time: finish what is queued (outbox and one-shot timers), not cron jobs."""
        end = self.clock.now() + limit
        while (due := self.next_due()) is not None and due <= end and (
                len(self.outbox) or self.scheduler.has_timers()):
            await self.advance(due)

    async def serve(self) -> None:
        """Real time: run due jobs and send paced actions until cancelled."""
        while True:
            due = self.next_due()
            wait = None if due is None else (due - self.clock.now()).total_seconds()
            if wait is None or wait > 0:
                self._poke.clear()
                # asyncio.timeout, not wait_for: on 3.11 wait_for can swallow a cancel that
                # arrives together with the poke, and the bot would never stop
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(wait):
                        await self._poke.wait()
                continue
            await self.run_due()


def _describe(action: Action) -> str:
    data = action.to_json()
    return " ".join(f"{k}={v}" for k, v in data.items() if k != "action")
