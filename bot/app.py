"""The bot: puts its parts together and drives them. It opens the store, reloads the
config, feeds each event through the pipeline in one transaction (the inbound interface
adapters use, bot/inbound.py), and runs what falls due on time: ticks, the join backstop,
and paced delivery. Its parts each do one job: the group directory (bot/groups.py), the
pipeline (bot/pipeline.py), the scheduler, the outbox and delivery (bot/delivery.py), and with
several accounts on one database, what this one does as one of them (bot/accounts.py). Two
bots in one process share nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import random
import re
import threading
from collections.abc import AsyncIterator, Callable, Coroutine, Mapping, Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from bot import (
    admission,
    backstop,
    banned,
    config,
    friendships,
    instance,
    invitations,
    media,
    roster,
    sanitize,
    schema,
    seen,
)
from bot.accounts import Accounts, Host
from bot.adapters.base import Gateway, GatewayError, GroupInfo
from bot.clock import Clock, VirtualClock
from bot.config import Deployment, NotFriend
from bot.context import Group, Place, Reloaded
from bot.delivery import Delivery
from bot.events import Event, GroupRenamed, Member, MemberJoined, MemberLeft, Message, Tick
from bot.governor import Governor
from bot.groups import GroupDirectory
from bot.handler import Registry
from bot.inbound import GroupInvitation
from bot.metrics import Metrics
from bot.outbox import Outbox
from bot.pipeline import Pipeline
from bot.sanitize import storable
from bot.scheduler import Job, Scheduler, Slot, trigger
from bot.store import Store, StoreError, open_store
from bot.times import later, utc
from bot.web import links
from bot.yamlfile import InputError

log = logging.getLogger(__name__)

_ABSOLUTE_PATH = re.compile(r"(?<![\w.~])/(?:[^\s/:]+/)+")  # a directory part of a path
RETRY_TICK = timedelta(seconds=30)
LOOK_AGAIN, LOOK_AGAIN_MAX = timedelta(seconds=5), timedelta(minutes=1)  # after a login
# serve's floor: what next_due says is due and run_due did not clear waits this long (a bug)
NO_PROGRESS_WAIT = timedelta(seconds=1)
SEEN_FOR = timedelta(days=7)
# message ids older than SEEN_FOR go (also at start): hourly, so that each DELETE is short
# (a day's ids of a busy bot, 200,000, took 1.4 s of the loop)
FORGET_SEEN_EVERY = timedelta(hours=1)
_A_DAY = timedelta(days=1)  # how long handled message ids are kept


def _log_warnings(deployment: Deployment, when: str) -> None:
    """What the config accepted but likely did not mean (`greeting: off` sends "off"), in
    the log at every start and reload, as `groupbot check` says it: an operator who never
    runs check, or reloads from the chat, reads it there. The first LOGGED_WARNINGS, then
    how many more: a word list pasted with a comma on each of its 50,000 lines would write
    as many lines at each reload, on the event loop (2.6 s), past journald's rate limit."""
    warnings = deployment.warnings
    for warning in warnings[:LOGGED_WARNINGS]:
        log.warning("%s: warning: %s", when, warning)
    if len(warnings) > LOGGED_WARNINGS:
        log.warning("%s: %d more warnings: `groupbot check` lists them all", when,
                    len(warnings) - LOGGED_WARNINGS)


LOGGED_WARNINGS = 20


def _look_wait(failed: int) -> timedelta:
    """The wait before trying again after `failed` failed tries: from LOOK_AGAIN, doubling
    up to LOOK_AGAIN_MAX (a look at the groups, an event kept in standby)."""
    wait: timedelta = min(LOOK_AGAIN * 2 ** failed, LOOK_AGAIN_MAX)
    return wait


class Bot:
    def __init__(self, deployment: Deployment, gateway: Gateway, clock: Clock,
                 registry: Registry, db_path: Path | str | None = None,
                 seed: int | None = None, account: str | None = None) -> None:
        self.deployment = deployment
        sanitize.screen_names_with(deployment.name_lists)
        # one of several accounts sharing the database (docs/scale.md): it serves the groups
        # whose lease it holds and stands by in the others (`accounts`, from the start)
        self.account = account
        self.accounts: Accounts | None = None
        self.random = random.Random(seed)  # seeded in replay and tests: same input, same output
        # the send governor's jitter draws apart, so they never change a handler's choices
        self._governor_random = random.Random(None if seed is None else f"governor-{seed}")
        self.gateway = gateway
        self.clock = clock
        self.registry = registry
        self.db_path = db_path or deployment.storage_path
        self.groups = GroupDirectory(gateway, lambda: self.deployment, clock.now,
                                     lambda group: self._rotation.add(group))
        self._turn = asyncio.Lock()
        self._reloading = asyncio.Lock()
        self._after: list[Callable[[], Coroutine[Any, Any, None]]] = []  # asked for by the
        # event handled
        self._background: set[asyncio.Task[None]] = set()  # such work under way (a reload)
        self._comparing: asyncio.Task[None] | None = None  # the join backstop, under way
        self._poke = asyncio.Event()
        self._names: Callable[[str], str] = lambda member_id: member_id
        # events an embedded platform reports back after an action (the simulator's joins)
        self.followups: Callable[[], list[Event]] = list
        self.metrics = Metrics(lambda: clock.now().timestamp(),  # send rate on the bot's clock
                               account)
        self._rotation = backstop.Rotation(clock.now())  # the join backstop's next groups
        self._forget_seen = utc(later(clock.now(), FORGET_SEEN_EVERY))
        # groups whose member lists matched the roster at their last comparison, with nothing
        # fed or sent since: comparing them again finds nothing (advance() skips those runs)
        self._unchanged: set[str] = set()
        # the groups whose member lists the backstop is reading: who the events handled
        # meanwhile were about (the roster may be newer than the list for them: `backstop`)
        self._reading: dict[str, set[str]] = {}
        # the platform came back: who joined or left while it was away was never reported,
        # so the groups it lists next are compared at once (`refresh_groups`)
        self._compare_soon = False
        # the platform came back: the bot looks at its groups again (`refresh_groups`) at this
        # time, before any tick runs or any action goes (to a room the platform may not have
        # loaded yet); later after each failed look
        self._look_again: datetime | None = None
        self._looks_failed = 0
        # while this process runs, the platform went away at `_away_since`; the last such
        # outage (from, to): cron runs due in it are late only from its end (`run_due`)
        self._away_since: datetime | None = None
        self._outage: tuple[datetime, datetime] | None = None
        self.store: Store
        self.scheduler: Scheduler
        self.outbox: Outbox
        self.governor: Governor
        self._held: instance.Held | None = None  # this process's hold on the database
        self._pipeline: Pipeline
        self._delivery: Delivery

    # ------------------------------------------------------------ lifecycle

    async def start(self) -> None:
        held: list[instance.Held] = []

        async def hold(store: Store) -> None:  # before the migrations, and before anything is
            # loaded: another process on the database would send it too
            held.append(await instance.hold(store, self.db_path, self.account,
                                            self.deployment.settings.leases.takeover))

        try:
            self.store = await open_store(self.db_path, schema.migrations(self.registry), hold)
        except BaseException:
            for each in held:
                each.drop()
            raise
        self.store.when_lost = self._poke.set  # serve() wakes, and stops with what it lost
        self._held = held[0]
        try:
            await self._held.register()
        except BaseException:
            await self.store.close()
            raise
        # before the first message, not on it; after the database is open and held, so that
        # one that cannot be used, or another bot serves, fails without this CPU spent first
        banned.warm()
        sanitize.warm()
        self.scheduler = Scheduler(self.store, self.clock.tz)
        # (in virtual time nothing really goes out: no sync before each send)
        self.outbox = Outbox(self.store, self.deployment.settings.outbox, self.clock,
                             durable=not isinstance(self.clock, VirtualClock))
        self._pipeline = Pipeline(self, self.store, self.outbox, self.groups,
                                  lambda: self.deployment, self.metrics)
        settings = self.deployment.settings
        self.governor = Governor(self.store, settings.governor, settings.outbox,
                                 self._governor_random, self.metrics)
        self._delivery = Delivery(self.gateway, self.outbox, self.store, lambda: self.admins,
                                  self.metrics, self.governor,
                                  lambda: self.deployment.content_dir)
        self._delivery.gone = self.groups.is_gone
        self.metrics.queued(lambda: len(self.outbox))
        if self.account is not None:
            self.accounts = self._serve_by_lease(self.account)
        if not getattr(self.gateway, "reports_connection", False):
            self.metrics.platform(True)  # an embedded platform is always there
        try:
            await seen.forget_before(self.store, later(self.clock.now(), -SEEN_FOR))
            await self.outbox.load()
            await self.groups.load(self.store, self.outbox)
            await self.scheduler.load()
            await self.refresh_groups()
        except BaseException:
            await self._release()
            raise
        _log_warnings(self.deployment, "start")

    async def stop(self) -> None:
        """Close the store; what is queued or scheduled stays in it for the next start (and
        the groups served go to other accounts at once). A reload under way finishes first;
        a comparison of member lists under way is given up (it runs again at the next start)."""
        if self._comparing is not None:
            self._comparing.cancel()
            await asyncio.gather(self._comparing, return_exceptions=True)
        await self.after_turns()
        if self.accounts is not None:
            await self.accounts.release()
        self._delivery.stop()
        await self._release()

    async def _release(self) -> None:
        """Close the store and let another process serve the database."""
        held, self._held = self._held, None
        try:
            if held is not None:
                with contextlib.suppress(*StoreError):
                    await held.release()
        finally:
            await self.store.close()

    def _serve_by_lease(self, account: str) -> Accounts:
        """This process as one of several accounts: what it asks of the bot, and the parts
        it works with."""
        host = Host(lock=self._turn, turn=self.turn, poke=self._poke.set, handle=self._handle,
                    refresh_groups=self.refresh_groups, look_later=self._look_later,
                    looking=lambda: self._look_again is not None, wait=_look_wait,
                    contact_name=self.contact_name)
        return Accounts(account, host, self.store, self.clock, self.gateway, self.groups,
                        self.outbox, self.scheduler, self.metrics, self._delivery,
                        lambda: self.deployment)

    async def __aenter__(self) -> Bot:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    async def reload(self) -> None:
        """Load and validate the config again in a worker thread (events go on meanwhile),
        then swap it in, in one step on the loop (the old one is freed in a thread); a bad
        one raises InputError and leaves the running config as it was. Keys read only at the
        start (the time zone, the database, the console's socket...) keep their running
        values: the new deployment's `kept` names each one bot.yaml changed."""
        async with self._reloading:  # one at a time: else the slower load, begun first, is
            await self._reload()  # swapped in last (the older files) and both say done

    async def _reload(self) -> None:
        try:
            deployment = await asyncio.to_thread(config.load_in_background, self.deployment.root,
                                                 self.registry, self.deployment.settings,
                                                 self.account)
        except InputError:
            self.metrics.reloads.labels("refused").inc()
            raise
        self.metrics.reloads.labels("reloaded").inc()
        for kept in deployment.kept:
            log.warning("reload: %s", kept)
        _log_warnings(deployment, "reload")
        replaced = [self.deployment]
        self.deployment = deployment
        sanitize.screen_names_with(deployment.name_lists)
        self.outbox.configure(deployment.settings.outbox)
        self.governor.configure(deployment.settings.governor, deployment.settings.outbox)
        if self.accounts is not None:
            self.accounts.configure(deployment.settings.leases.takeover)
        self.groups.forget()
        self._pipeline.forget()
        # the old config is freed in a thread of its own, off the loop; nothing waits for it
        threading.Thread(target=config.release, args=(replaced,), daemon=True).start()
        if self._held is not None:
            await self._held.limit_stalls(deployment.settings.leases.takeover)

    async def group_invitation(self, invitation: GroupInvitation) -> bool:
        """Whether to accept an invitation into a group (bot/admission.py): audited, and the
        admins told of one not accepted."""
        async with self._turn, self.store.transaction():
            accepted = await admission.invited(self.store, self.outbox,
                                               self.deployment.settings, invitation,
                                               self.clock.now(), self.gateway.self_id)
        self._poke.set()
        return accepted

    async def refresh_groups(self) -> None:
        """Bind every group again and rebuild the recurring jobs from the config."""
        self.groups.forget()
        jobs = []
        bound = await self.groups.bound()
        if self.accounts is not None:
            self.accounts.listed(info.id for info, _ in bound)
        self._rotation.track(info.id for info, _ in bound)
        if self._compare_soon and bound:
            self._compare_soon = False
            self._rotation.at = min(self._rotation.at, utc(self.clock.now()))
        for info, gtype in bound:
            for handler in gtype.handlers:
                for schedule in handler.schedules():
                    when = trigger(schedule.cron, schedule.at,
                                   self.deployment.settings.timezone)
                    jobs.append(Job(info.id, handler.name, schedule.key, when,
                                    timedelta(seconds=schedule.grace_seconds)))
        await self.scheduler.set_jobs(jobs, self.clock.now())
        self._poke.set()

    # ------------------------------------------------------------ what contexts ask for

    @property
    def admins(self) -> Sequence[str]:
        return self.deployment.settings.admins

    @property
    def self_id(self) -> str:
        return self.gateway.self_id

    def is_bot(self, member_id: str) -> bool:
        """Whether `member_id` is the bot: this account, or with several accounts any of the
        deployment's (docs/scale.md): none is a member to greet, warn, remove or count."""
        return member_id == self.gateway.self_id or (
            self.accounts is not None and member_id in self.accounts.ids)

    @property
    def invitations_by_card(self) -> bool:
        return self.deployment.settings.invitations.not_friend is NotFriend.CARD

    def invitation_text(self, how: str, values: Mapping[str, str]) -> str:
        settings = self.deployment.settings.invitations
        text = {"card": settings.card_text, "again": settings.again_text}.get(how, settings.qr_text)
        return text.render(values)

    @property
    def invitation_again_within(self) -> timedelta:
        return self.deployment.settings.invitations.again_within

    @property
    def configured_id(self) -> str | None:
        """The bot's id as bot.yaml gives it (the platform's login id wins); None for one of
        several accounts, each of which is the account it logs in as (one `bot.id` cannot
        name them all: docs/scale.md)."""
        return self.deployment.settings.bot.id if self.account is None else None

    def contact_name(self, member_id: str) -> str:
        return storable(self._names(member_id))  # the platform's text, as an event's

    def lease_epoch(self, group_id: str) -> int:
        return self.accounts.leases.epoch(group_id) if self.accounts is not None else 0

    async def group_info(self, group_id: str) -> GroupInfo:
        return await self.gateway.group_info(group_id)

    async def members(self, group_id: str) -> list[Member]:
        return await self.gateway.members(group_id)

    async def group(self, group_id: str) -> Group | None:
        return await self.groups.group(self.store, group_id, self.clock.now())

    async def groups_of_type(self, type_name: str) -> list[GroupInfo]:
        """This account's groups of the type; with several accounts, the other accounts'
        too (a funnel step may send a member there: bot/invitations.py)."""
        mine = await self.groups.of_type(type_name)
        if self.account is None:
            return mine
        return mine + await invitations.served_elsewhere(self.store, type_name, self.account,
                                                         {info.id for info in mine})

    def capacity(self, type_name: str) -> int:
        return self.deployment.types[type_name].capacity

    def type_title(self, type_name: str) -> str:
        gtype = self.deployment.types.get(type_name)
        return gtype.title if gtype is not None else type_name

    def title_of(self, group: GroupInfo) -> str:
        """The title of the type a group is bound to (with no lookup: another account's
        group too); '' when none binds it."""
        gtype = self.groups.type_for(group.id, group.topic)
        return gtype.title if gtype is not None else ""

    async def places(self) -> list[Place]:
        return [Place(info.id, info.topic, gtype.name, gtype.title, info.member_count,
                      gtype.capacity) for info, gtype in await self.groups.bound()]

    async def is_friend(self, contact: str) -> bool:
        return await self.gateway.is_friend(contact)

    def content_file(self, name: str) -> str:
        return media.find(self.deployment.content_dir, name).name

    def removal_queued(self, group_id: str, member: str) -> bool:
        return self.outbox.removal_queued(group_id, member)

    async def set_timer(self, slot: Slot, due: datetime, data: dict[str, Any],
                        replace: bool) -> bool:
        return await self.scheduler.set_timer(slot, due, data, replace)

    async def cancel_timer(self, slot: Slot) -> None:
        await self.scheduler.cancel_timer(slot)

    def timer_due(self, slot: Slot) -> datetime | None:
        return self.scheduler.timer_due(slot)

    def reload_after(self, event: Event, group: Group | None, handler: str,
                     then: Reloaded) -> None:
        """A handler's reload (an admin's /reload), done after its event's turn, so that no
        event waits behind it (Context.reload_config)."""
        async def reload() -> None:
            problems, kept = await self.reload_config()
            warned = 0 if problems is not None else len(self.deployment.warnings)
            async with self._turn, self.store.transaction():
                await self._pipeline.after(event, group, handler,
                                           lambda ctx: then(ctx, problems, kept, warned))
            self._poke.set()

        self._after.append(reload)

    async def _after_turn(self) -> None:
        """Start what the event just handled asked for after its turn (a reload): in the
        background, so that the events after it go on meanwhile (the gateway hands them over
        one after another); in virtual time (replay, tests) awaited here, so that what comes
        next meets the same config at every run."""
        work, self._after = self._after, []
        for job in work:
            if isinstance(self.clock, VirtualClock):
                await job()
            else:
                task = asyncio.create_task(job())
                self._background.add(task)
                task.add_done_callback(self._background_done)

    async def after_turns(self) -> None:
        """Wait for what events asked for after their turn (a reload) to be done."""
        if self._background:
            await asyncio.gather(*self._background, return_exceptions=True)

    def _background_done(self, task: asyncio.Task[None]) -> None:
        self._background.discard(task)
        if not task.cancelled() and (error := task.exception()) is not None:
            log.error("what an event asked for after its turn failed", exc_info=error)

    async def reload_config(self) -> tuple[str | None, list[str]]:
        """Reload and bind the groups again: (None, the start-only keys changed and kept)
        on success, else (the problems, []) and the running config stays."""
        try:
            await self.reload()
        except InputError as exc:
            return self._relative(str(exc)), []
        await self.bind_again()
        return None, [self._relative(str(kept)) for kept in self.deployment.kept]

    async def bind_again(self) -> None:
        """Bind the groups again after a reload (and plan their jobs); with the platform away,
        when it answers again: no tick runs before (the new config runs meanwhile)."""
        try:
            await self.refresh_groups()
        except GatewayError as exc:
            self._look_later(utc(self.clock.now()),
                             f"could not bind the groups again after a reload ({exc})")

    def _relative(self, text: str) -> str:
        """Files named relative to the deployment, never by the server's absolute paths."""
        home = f"{self.deployment.root.parent}{os.sep}"
        return _ABSOLUTE_PATH.sub("…/", text.replace(home, ""))

    async def member_link(self, member: str) -> tuple[str, timedelta] | None:
        web = self.deployment.settings.web
        if web.public_url is None:
            return None
        try:
            if not await self.gateway.is_friend(member):
                return None
        except GatewayError as exc:
            log.warning("cannot tell whether %s is a friend: %s", member, exc)
            return None
        token = links.sign(await links.make_key(self.store), member,
                           later(self.clock.now(), web.member_links))
        return f"{web.public_url}/me/{token}", web.member_links

    def set_contact_names(self, names: Callable[[str], str]) -> None:
        self._names = names

    def platform(self, connected: bool) -> None:
        """The platform's connection came or went (the console's health and metrics). Once
        it came, what waited for it goes as soon as the bot looked at its groups again (at
        once, `run_due`: a send must not go to a room the platform has not loaded yet): the
        queued actions, the timers and cron runs that fell due meanwhile, and a comparison of
        the member lists (the joins and leaves made while it was away were never
        reported)."""
        was, now = self.metrics.is_connected, utc(self.clock.now())
        self.metrics.platform(connected)
        if not connected and was:
            self._away_since = now
        if connected:
            if self._away_since is not None:
                self._outage, self._away_since = (self._away_since, now), None
            self.outbox.back()
            if self.accounts is not None:  # a lease that ran out meanwhile is taken back
                self.accounts.logged_in()  # first; the friends are read again
            self._compare_soon = True
            self._look_again, self._looks_failed = now, 0
            self._poke.set()  # and the ticks held while it was away (`_ticks_due`)

    @contextlib.asynccontextmanager
    async def turn(self) -> AsyncIterator[None]:
        """A change from outside the pipeline (the web console's actions): between two
        events, in one transaction."""
        async with self._turn, self.store.transaction():
            yield
        self._poke.set()

    # ------------------------------------------------------------ events in

    async def already_in(self, group: str, members: Sequence[Member]) -> None:
        """Members an embedded platform shows in the group who were there all along (a replay
        scenario's member who says something there without a `join` step): those the roster
        never had there are recorded as present, as the join backstop's first look records
        the members it finds, not as newcomers (bot/pipeline.py would take their first
        message for a join the platform did not report)."""
        async with self._turn, self.store.transaction():
            await roster.there_before(self.store, group, members)


    async def feed(self, event: Event) -> None:
        """Handle one event: the whole pipeline of its group type, in one transaction. With
        several accounts, only in a group this account serves (else it stands by), and once
        across accounts (bot/standby.py)."""
        if isinstance(event, MemberJoined | MemberLeft):
            self._rotation.changed(event.group)  # the backstop compares the group again
        key = event.id if isinstance(event, Message) and event.id else None
        if self.accounts is not None:
            key = self.accounts.key(event, key)
            if await self.accounts.stand_by(event, key):
                await self._own_join_or_leave(event)
                return
        await self._handle(event, key)
        await self._own_join_or_leave(event)
        await self._renamed_by_admin(event)

    async def _renamed_by_admin(self, event: Event) -> None:
        """An admin's rename binds the group again by its new name (bot/renames.py): the
        groups are bound again and their jobs planned again. Another's rename changes no
        binding, so it costs no listing of the groups (a member renaming a group again and
        again would otherwise have every group looked up each time)."""
        if not isinstance(event, GroupRenamed) or event.by is None \
                or event.by not in self.admins:
            return
        try:
            await self.refresh_groups()
        except GatewayError as exc:
            self._look_later(utc(self.clock.now()),
                             f"could not bind the groups again after an admin's rename ({exc})")

    async def _own_join_or_leave(self, event: Event) -> None:
        """The bot itself joined or left a group (was added, removed, or the group was
        dissolved): its groups are bound again, their jobs planned again, and, with several
        accounts, the leases renewed at once (a new group is claimed, one left given up).
        A group the bot left stays unbound until the platform lists it again: its timers,
        late events and queued actions find no group (nothing is sent there). Every adapter
        gets this; one that cannot list the groups now has them looked at again later, as
        after a login (nothing goes out before)."""
        if not isinstance(event, MemberJoined | MemberLeft) or event.group is None or \
                self.gateway.self_id not in {member.id for member in event.members}:
            return
        if isinstance(event, MemberLeft):
            log.warning("the bot left %s (removed, or the group was dissolved): unbound",
                        event.group)
            self.groups.gone(event.group)
        else:
            log.info("the bot joined %s: binding its groups again", event.group)
            self.groups.back(event.group)
            if event.inviter:  # (also when kept in standby): may its name bind it?
                async with self._turn, self.store.transaction():
                    await admission.brought_in(self.store, event.group, event.inviter)
        if self.accounts is not None:
            self.accounts.leases.renew_soon()
        try:
            await self.refresh_groups()
        except GatewayError as exc:
            self._look_later(utc(self.clock.now()),
                             f"could not bind the groups again after the bot's own "
                             f"{'leave' if isinstance(event, MemberLeft) else 'join'} ({exc})")

    async def _handle(self, event: Event, key: str | None) -> None:
        if self.accounts is not None:
            read = self.accounts.read(event)  # (another account's own post: the bot's)
            if read is None:
                return
            event = read
        async with self._turn, self.store.transaction():
            if key is not None and not await seen.first_time(self.store, key, event.at):
                log.info("dropped duplicate %s %s", type(event).__name__, key)
                return
            if isinstance(event, Message) and event.group is None:  # only friends write
                await friendships.add(self.store, self.account or "", event.sender.id, event.at)
            if (reading := self._reading.get(event.group or "")) is not None:
                reading.update(backstop.touched(event))
            with self.metrics.handling(event):
                await self._pipeline.dispatch(event)
        self._unchanged.clear()
        self._poke.set()
        if self._after:
            await self._after_turn()

    # ------------------------------------------------------------ time and actions out

    def next_due(self) -> datetime | None:
        """When something is due next, in UTC (an instant: bot/times.py)."""
        looked = self._look_again is None  # else the groups first: then the rest (run_due)
        times = [utc(t) for t in (self._ticks_due() if looked else self._look_again,
                                  self.outbox.next_due() if looked else None,
                                  self._replay_due(), self._backstop_due(),
                                  self._leases_due(), self._forget_seen) if t]
        return min(times, default=None)

    def _ticks_due(self) -> datetime | None:
        """When the next timer or cron run is due; none while the platform is away (before
        the login, or while the gateway reconnects): a handler's call to it would fail, and
        the tick wait RETRY_TICK or be lost. They run as soon as it is back (`platform`); a
        cron run held that way is late only from then (its `grace` counts from the return)."""
        return self.scheduler.next_due() if self.metrics.is_connected else None

    def _leases_due(self) -> datetime | None:
        return self.accounts.leases.next_due() if self.accounts is not None else None

    def _replay_due(self) -> datetime | None:
        return self.accounts.replay_due() if self.accounts is not None else None

    def _look_later(self, now: datetime, why: str) -> None:
        """The platform failed: the groups are looked at again after a wait that doubles,
        from LOOK_AGAIN up to LOOK_AGAIN_MAX; no tick runs and nothing goes before."""
        wait = _look_wait(self._looks_failed)
        if wait < LOOK_AGAIN_MAX:  # (doubled on for ever, it overflowed timedelta: the
            self._looks_failed += 1  # platform away 45 minutes ended the bot)
        self._look_again = later(now, wait)
        log.warning("%s: looking at the groups again in %s", why, wait)

    def _backstop_due(self) -> datetime | None:
        """The next comparison of member lists; none while the platform is away."""
        if not self.deployment.settings.backstop.every or not self.metrics.is_connected or \
                self._comparing is not None:  # (one under way: next when it is done)
            return None
        return self._rotation.at

    async def backstop(self) -> None:
        """Compare the next bound groups' members with the roster and feed the joins and
        leaves the platform never reported, as if it had (bot/backstop.py). A comparison that
        fails on a group's data is logged, naming the group, and the others go on: a check
        run every few minutes must not stop the bot (`serve`) again at each run."""
        every = self.deployment.settings.backstop.every or timedelta()
        for group in self._rotation.take(self.clock.now(), every):
            if self.accounts is not None and \
                    not self.accounts.leases.holds(group, self.clock.now()):
                continue  # another account serves it and compares it
            unsure: set[str] = set()
            self._reading[group] = unsure
            try:
                try:
                    members = await self.gateway.members(group)
                except GatewayError as exc:
                    log.warning("join backstop: cannot list the members of %s: %s", group,
                                exc)
                    continue
                if self._rotation.same(group, members):
                    self._unchanged.add(group)
                    continue
                async with self._turn, self.store.transaction():
                    if self.accounts is not None and \
                            not self.accounts.leases.holds(group, self.clock.now()):
                        continue  # lost while the list was read: the new holder compares it
                    # the members an event was handled about while the list was read are
                    # left out: the roster may be newer than the list for them (their join
                    # would look like a leave); the others are compared
                    events = await backstop.missed(self.store, group, members,
                                                   self.gateway.self_id, self.clock.now(),
                                                   unsure)
                    for event in events:
                        with self.metrics.handling(event):
                            await self._pipeline.dispatch(event)
            except Exception:  # (its transaction undone) one group's data stops no other's
                log.exception("join backstop: comparing the members of %s failed; compared "
                              "again at its next turn", group)
                continue
            finally:
                del self._reading[group]
            if events:
                self._unchanged.clear()
            elif not unsure:  # (else compared in full at its next turn)
                self._unchanged.add(group)
                self._rotation.matched(group, members)
        self._poke.set()

    async def run_due(self) -> None:
        """Run everything due by now: ticks first, then the actions that may go."""
        taken: list[str] | None = None
        async with self._turn:
            now = self.clock.now()  # read under the lock: a wait for it may be long
            if self.accounts is not None and utc(self.accounts.leases.next_due()) <= utc(now):
                # first: a group lost runs nothing
                taken = await self.accounts.renew_leases(utc(now))
            looked = await self._looked_at_groups(utc(now))
            while looked and (due := self._ticks_due()) is not None and due <= utc(now):
                tick: Tick | None = None
                try:
                    async with self.store.transaction():
                        tick = await self.scheduler.take(now, self._outage)
                        if tick is not None:
                            with self.metrics.handling(tick):
                                await self._pipeline.dispatch(tick)
                except GatewayError as exc:
                    # the platform is away; the transaction is undone, so try again later
                    log.error("could not run %s: %s", tick, exc)
                    if tick is not None:
                        await self.scheduler.postpone(tick, later(now, RETRY_TICK))
                    break
            if self._forget_seen <= utc(now):  # (a bot that runs for weeks: the table
                await seen.forget_before(self.store, later(now, -SEEN_FOR))  # stays small)
                self._forget_seen = utc(later(now, FORGET_SEEN_EVERY))
            if looked:  # (it commits what decided an action before the action goes)
                await self._delivery.send_due(utc(now))
                self._unchanged -= self._delivery.touched  # removals and invitations sent there
                self._delivery.touched.clear()
        if self.accounts is not None:  # what the groups taken over kept, handed commands...
            await self.accounts.run_due(taken, utc(now))
        for event in self.followups():
            await self.feed(event)
        if (due := self._backstop_due()) is not None and due <= utc(now):
            if isinstance(self.clock, VirtualClock):
                await self.backstop()
            else:  # reading the member lists may take minutes on a slow gateway: events and
                # sends go on meanwhile (it takes the turn only to compare: `backstop`)
                self._comparing = asyncio.create_task(self.backstop())
                self._comparing.add_done_callback(self._compared)

    def _compared(self, task: asyncio.Task[None]) -> None:
        self._comparing = None
        if not task.cancelled() and (error := task.exception()) is not None:
            log.error("join backstop: the comparison failed", exc_info=error)
        self._poke.set()  # (what it fed may have queued sends)

    async def _looked_at_groups(self, now: datetime) -> bool:
        """Whether the groups were bound again since the last login (`platform`), as they are
        here if they are due to be: no tick runs and nothing goes before (a send must not go to
        a room the platform has not loaded yet). A failed look is tried again after a wait
        that doubles, from LOOK_AGAIN up to LOOK_AGAIN_MAX."""
        if self._look_again is None:
            return True
        if now < self._look_again:
            return False
        try:
            await self.refresh_groups()
        except GatewayError as exc:
            self._look_later(now, f"could not look at the groups after the login ({exc})")
            return False
        self._look_again = None
        return True

    # ------------------------------------------------------------ driving time

    async def advance(self, to: datetime) -> None:
        """Virtual time: run everything due up to `to`, in time order, then stand at `to`."""
        self._unchanged.clear()  # the world may have changed since, outside the bot
        await self._run_until(to)

    async def _run_until(self, to: datetime) -> None:
        clock = self.clock
        assert isinstance(clock, VirtualClock), "advance() drives virtual time only"
        while (due := self.next_due()) is not None and due <= to:
            others = [utc(t) for t in (self._ticks_due(), self.outbox.next_due(),
                                       self._replay_due()) if t]
            if due == self._backstop_due() and due < min(others, default=due + _A_DAY) and \
                    self._rotation.all_in(self._unchanged):
                # Nothing was fed or sent since every group last matched its roster, and
                # nothing outside the bot runs during advance(): the comparisons due before
                # the next other job would find nothing. Jump over them.
                until = min(others) if others and min(others) <= to else None
                self._rotation.skip(until or to, self.deployment.settings.backstop.every
                                    or timedelta(), inclusive=until is None)
                continue
            clock.set(max(due, utc(clock.now())))
            await self.run_due()
        clock.set(max(utc(to), utc(clock.now())))

    async def drain(self, limit: timedelta = timedelta(days=1)) -> None:
        """Virtual time: run on while something is queued (outbox, one-shot timers), for up
        to `limit`; cron jobs due meanwhile run too, as they would live (docs/replay.md)."""
        end = later(self.clock.now(), limit)
        self._unchanged.clear()  # once: nothing outside the bot runs while it drains
        while (due := self.next_due()) is not None and due <= end and (
                len(self.outbox) or self.scheduler.has_timers()):
            await self._run_until(due)

    async def serve(self) -> None:
        """Real time: run due jobs and send paced actions until cancelled. The loop turns
        after each run (run_due may never yield: SQLite answers at once), and a run that
        leaves the same past instant due (next_due and run_due disagreeing: a bug) waits
        NO_PROGRESS_WAIT before the next, with one warning, rather than spin."""
        stuck: datetime | None = None  # the instant last warned about
        while True:
            if (lost := self.store.lost) is not None:
                raise lost  # a commit failed, or the connection is gone: restarted, it goes
                # on from what was committed (and connects again)
            due = self.next_due()
            wait = None if due is None else (due - utc(self.clock.now())).total_seconds()
            if wait is None or wait > 0:
                self._poke.clear()
                # asyncio.timeout, not wait_for: on 3.11 wait_for can swallow a cancel that
                # arrives together with the poke, and the bot would never stop
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(wait):
                        await self._poke.wait()
                continue
            await self.run_due()
            await asyncio.sleep(0)  # the gateway's stream, the console: never starved
            if due is not None and self.next_due() == due <= utc(self.clock.now()):
                if stuck != due:
                    stuck = due
                    log.warning("nothing ran for what is due at %s (its run failed, or a bug);"
                                " waiting %s between runs", due, NO_PROGRESS_WAIT)
                await asyncio.sleep(NO_PROGRESS_WAIT.total_seconds())

