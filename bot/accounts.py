"""Accounts: what this process does as one of several WeChat accounts sharing one database
(docs/scale.md; `groupbot run --account NAME`, one process each). With one account there is
none of it.

- It serves the groups whose lease it holds (bot/leases.py): it renews them on time, claims
  the groups it is in that no account serves, and takes over those of an account gone
  offline. Each queued action goes only while the lease it was decided under still stands
  (the fence); the leases are given up at the stop, so the other accounts take the groups at
  once.
- In the groups another account serves, it stands by (bot/standby.py): it handles nothing
  there and keeps what it sees for a while. When it takes a group over, it handles what it
  kept, oldest first, as it would have live; what the old holder handled is dropped by its
  key.
- A group new to this account (added to it since its login, its own join not reported) is
  bound at its first event and claimed at once.
- After each renewal it carries out the console actions other processes handed to it
  (bot/commands.py), and shares what the others need to invite members into its groups
  (bot/invitations.py): its WeChat id and friends, the types of its groups, their QR codes.
- It knows the other accounts' WeChat ids: each of them is the bot too (`Bot.is_bot`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import deque
from collections.abc import Awaitable, Callable, Iterable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from bot import commands, friendships, invitations, prompts
from bot.adapters.base import (
    Disconnected,
    Gateway,
    GatewayError,
    PartlyRead,
    Refused,
    Uncertain,
)
from bot.clock import Clock
from bot.commands import Command
from bot.config import Deployment
from bot.delivery import Delivery
from bot.events import Event, GroupRenamed, Message
from bot.groups import GroupDirectory
from bot.leases import Leases
from bot.metrics import Metrics
from bot.outbox import Outbox, Queued
from bot.sanitize import storable
from bot.scheduler import Scheduler
from bot.standby import Standby
from bot.store import Store, StoreError
from bot.times import later, utc

log = logging.getLogger(__name__)

REPLAY_TRIES = 5  # tries of an event kept in standby, handled once its group is taken over


@dataclass(frozen=True)
class Host:
    """What the accounts' part asks of the bot it is part of (bot/app.py hands it these)."""

    lock: asyncio.Lock  # the bot's turn: one event or change at a time
    turn: Callable[[], AbstractAsyncContextManager[None]]  # the turn, in one transaction; then
    # the bot looks at what is due again
    poke: Callable[[], None]  # the bot looks at what is due again
    handle: Callable[[Event, str | None], Awaitable[None]]  # an event now, by its seen key
    refresh_groups: Callable[[], Awaitable[None]]  # bind every group again (GatewayError)
    look_later: Callable[[datetime, str], None]  # the platform failed: the groups are looked
    # at again later, as after a login (no tick, no send before)
    looking: Callable[[], bool]  # whether the groups wait for that look
    wait: Callable[[int], timedelta]  # the wait before a try again after so many failed ones
    contact_name: Callable[[str], str]


class Accounts:
    def __init__(self, account: str, host: Host, store: Store, clock: Clock, gateway: Gateway,
                 groups: GroupDirectory, outbox: Outbox, scheduler: Scheduler,
                 metrics: Metrics, delivery: Delivery,
                 deployment: Callable[[], Deployment]) -> None:
        self.account = account
        self._host = host
        self._store = store
        self._clock = clock
        self._gateway = gateway
        self._groups = groups
        self._outbox = outbox
        self._scheduler = scheduler
        self._metrics = metrics
        self._deployment = deployment
        self.standby = Standby(deployment().settings.leases.takeover * 1.5)
        self._bound: set[str] = set()  # the bound groups the platform last listed
        # groups an event came from that no binding matches (`_bind_new`)
        self._not_bound: set[str] = set()
        # the WeChat ids of the deployment's accounts, as their processes logged in (read at
        # each lease renewal): each of them is the bot too (`Bot.is_bot`)
        self.ids: frozenset[str] = frozenset()
        # carries out a console action another process handed to this account (bot/commands.py;
        # the console sets it): (done, result)
        self.carry_out: Callable[[Command], Awaitable[tuple[bool, dict[str, Any]]]] | None = None
        self._friends_of = ""  # the login whose friends were last recorded
        # events kept in standby of groups taken over, to handle once the groups are looked
        # at (`_took_over`): (key, event, failed tries, not before), oldest first
        self._replay: deque[tuple[str | None, Event, int, datetime]] = deque()
        self.leases = Leases(store, account, deployment().settings.leases.takeover)
        self._serve_by_lease(delivery)

    def _serve_by_lease(self, delivery: Delivery) -> None:
        leases = self.leases
        self._outbox.account = self.account
        self._outbox.epoch_of = leases.epoch
        self._scheduler.mine = leases.has
        self._metrics.leases_held.set_function(lambda: len(leases.held()))

        async def fence(item: Queued, now: datetime) -> str | None:
            group = getattr(item.action, "group", None)
            if group is None or await leases.valid(group, item.epoch, now):
                return None
            if await leases.served_by_other(group, now):
                return "its group is served by another account now (it is handed on to it)"
            return ("its lease on the group has run out (it is handed on: sent once the"
                    " lease is renewed, or by the account that takes the group)")

        delivery.fence = fence

    def configure(self, takeover: timedelta) -> None:
        """A reload's takeover time."""
        self.leases.configure(takeover)
        self.standby.window = takeover * 1.5

    async def release(self) -> None:
        """At the stop: the groups served go to other accounts at once."""
        with contextlib.suppress(*StoreError):
            async with self._store.transaction():
                await self.leases.release_all(self._clock.now())

    def listed(self, groups: Iterable[str]) -> None:
        """The bound groups the platform listed (the groups were bound again)."""
        self._bound = set(groups)
        self._not_bound.clear()

    def logged_in(self) -> None:
        """The platform came back: a lease that ran out meanwhile is taken back first, and
        the friends are read again (made on the phone meanwhile)."""
        self.leases.renew_soon()
        self._friends_of = ""

    # ------------------------------------------------------------ events in

    def key(self, event: Event, seen_id: str | None) -> str | None:
        """The event's key among the seen ones: across accounts (bot/standby.py), else its
        message id under this account's name."""
        return self.standby.key(event) or (seen_id and f"{self.account}:{seen_id}")

    def read(self, event: Event) -> Event | None:
        """The event as the bot reads it among its accounts: another account's own post in a
        group is the bot's, not a member's (kept as what the bot said, bot/prompts.py: a
        member's answer to it is an answer; None: nothing to handle), and a mention of any
        account mentions the bot."""
        if not self.ids or not isinstance(event, Message) or event.group is None:
            return event
        if self._is_bot(event.sender.id):
            prompts.bot_said(self._store, event.group, event.at, event.text)
            return None
        if not event.mentions_bot and any(map(self._is_bot, event.mentions)):
            return replace(event, mentions_bot=True)
        return event

    def _is_bot(self, member: str) -> bool:
        return member == self._gateway.self_id or member in self.ids

    async def stand_by(self, event: Event, key: str | None) -> bool:
        """Whether another account serves the event's group: then the event is kept (till
        this account takes the group over), not handled; a group new to this account is
        bound."""
        if isinstance(event, GroupRenamed):
            self._not_bound.discard(event.group or "")  # its new name may bind it
        now = self._clock.now()
        if event.group is None or self.leases.holds(event.group, now):
            return False
        self.standby.keep(key, event, now)
        if event.group not in self._bound and event.group not in self._not_bound:
            await self._bind_new(event.group)
        return True

    async def _bind_new(self, group: str) -> None:
        """An event of a group this account did not list at its login (added to it since,
        its own join not reported). Bound now, the group is claimed at the next lease
        renewal, at once, and what was kept of it handled then (else nobody served it until
        the next login); one no binding matches is remembered, so its next events cost a set
        lookup."""
        try:
            async with self._host.lock, self._store.transaction():
                found = await self._groups.group(self._store, group, self._clock.now())
        except GatewayError as exc:  # the platform cannot say: asked again at its next event
            log.warning("could not look at %s, a group new to this account: %s", group, exc)
            return
        if found is None:
            self._not_bound.add(group)
            return
        log.info("%s: a group new to this account, bound as %s; claiming it", group,
                 found.type)
        self._bound.add(group)
        self.leases.renew_soon()
        self._host.poke()

    # ------------------------------------------------------------ on time

    def replay_due(self) -> datetime | None:
        """When a kept event is to be handled next; none while the groups wait for a look."""
        if not self._replay or self._host.looking():
            return None
        first: dict[str | None, datetime] = {}  # a group's oldest kept event holds the rest
        for _, event, _, after in self._replay:
            first.setdefault(event.group, after)
        return min(first.values())

    async def renew_leases(self, now: datetime) -> list[str]:
        """Renew and claim leases (the caller holds the turn); the groups taken over get
        their queued actions and timers here."""
        try:
            async with self._store.transaction():
                taken = await self.leases.cycle(self._bound, self._metrics.is_connected, now)
                self.ids = await friendships.contacts(
                    self._store,
                    (account.name for account in self._deployment().settings.accounts))
                for group in taken:
                    await self._outbox.adopt(group, self.leases.epoch(group))
                    await self._scheduler.load(group)
                # what other accounts' processes queued in the groups this one serves
                await self._outbox.route({g: self.leases.epoch(g) for g in self.leases.held()})
            await self._store.flush()  # another account must see it at once
        except StoreError as exc:  # the database is away: the leases run out meanwhile
            log.error("could not renew the leases: %s", exc)
            return []
        return taken

    async def run_due(self, taken: list[str] | None, now: datetime) -> None:
        """After the bot's run of what was due (`taken`: the groups taken over by the lease
        renewal in it, None if none was due): those groups' kept events, else the kept
        events due; then, after a renewal, the handed commands and what is shared."""
        if taken:
            await self._took_over(taken)
        elif (due := self.replay_due()) is not None and due <= now:
            await self._replay_kept()  # (once the groups were looked at again)
        if taken is not None:
            await self._take_commands()
            await self._share_for_invitations()

    async def _share_for_invitations(self) -> None:
        """What the other accounts read to invite members (bot/invitations.py), after each
        lease renewal: this account's WeChat id and friends (once a login; the contact list
        is read outside the turn, it may be long), the types of the groups it serves, and
        the QR codes the others asked for of those groups."""
        if not self._metrics.is_connected:
            return
        account, me = self.leases.account, self._gateway.self_id
        friends, unread = None, []
        if self._friends_of != me:
            try:
                friends = [storable(friend) for friend in await self._gateway.friend_list()]
            except PartlyRead as exc:  # (not read again till the next login: it may be long)
                friends, unread = list(map(storable, exc.friends)), list(map(storable, exc.unread))
                log.warning("could not read some of this account's friends, who stay as last "
                            "read: %s", exc)
            except GatewayError as exc:  # (the friends last read are kept: none made up)
                log.warning("could not read this account's friends (tried again at the next "
                            "lease renewal): %s", exc)
        try:
            async with self._host.lock, self._store.transaction():
                now = self._clock.now()
                if friends is not None:
                    await friendships.logged_in(self._store, account, me,
                                                self._host.contact_name(me), now)
                    await friendships.replace(self._store, account, friends, now, unread)
                for group in self.leases.held():  # bound: the others may invite there
                    await self._groups.group(self._store, group, now)
                await invitations.fetch_wanted(self._store, self._gateway, account,
                                               self.leases.held(), now)
            await self._store.flush()
        except (GatewayError, *StoreError) as exc:
            log.warning("could not share this account's friends or QR codes: %s", exc)
            return
        if friends is not None:
            self._friends_of = me

    async def _took_over(self, groups: list[str]) -> None:
        """Groups taken over: their jobs planned again (a run missed within its grace is
        made up once), then what this account saw there while standing by. The platform
        failing meanwhile (often the moment of a takeover) ends neither: the groups are
        looked at again later, as after a login (no tick, no send before), and what was kept
        is handled then."""
        now = self._clock.now()
        self._replay.extend((key, event, 0, utc(now))
                            for key, event in self.standby.take(groups, now))
        try:
            await self._host.refresh_groups()
        except GatewayError as exc:
            self._host.look_later(utc(now), f"could not bind the groups taken over ({exc})")
            return
        await self._replay_kept()

    async def _replay_kept(self) -> None:
        """Handle what standby kept of the groups taken over, oldest first, as the live path
        handles an event: one the platform refuses (or may have carried out: Uncertain) is
        not tried again. One it fails otherwise (a lookup unanswered) waits, with the later
        ones of its group, and is tried again after a wait that doubles (the bot's, as after
        a failed look at the groups), up to REPLAY_TRIES tries; the other groups go on
        meanwhile, their ticks and sends too. Only the platform away (Disconnected) holds
        everything up to the groups' next look, as after a login."""
        waiting: set[str | None] = set()  # groups an earlier kept event of which waits
        held: list[tuple[str | None, Event, int, datetime]] = []
        while self._replay:
            key, event, tries, after = kept = self._replay.popleft()
            now = utc(self._clock.now())
            if event.group in waiting or after > now:
                waiting.add(event.group)
                held.append(kept)
                continue
            try:
                await self._host.handle(event, key)
            except GatewayError as exc:
                what = f"{type(event).__name__} kept of {event.group} ({key})"
                if isinstance(exc, Refused | Uncertain):
                    log.warning("did not handle the %s, nor will try again: %s", what, exc)
                elif tries + 1 >= REPLAY_TRIES:
                    log.warning("gave up handling the %s after %d tries: %s", what, tries + 1,
                                exc)
                elif isinstance(exc, Disconnected):  # the platform away: all wait for it
                    held.append((key, event, tries + 1, now))
                    self._host.look_later(now, f"could not handle the {what}: {exc}")
                    break
                else:
                    wait = self._host.wait(tries)
                    held.append((key, event, tries + 1, later(now, wait)))
                    waiting.add(event.group)
                    log.warning("could not handle the %s: %s; trying again in %s", what, exc,
                                wait)
        self._replay.extendleft(reversed(held))

    async def _take_commands(self) -> None:
        """Carry out what consoles of other processes handed to this account, each once."""
        if self.carry_out is None:
            return
        try:
            held = self.leases.held()
            # a claim older than a takeover: its taker is gone
            stale = utc(self._clock.now()) - self._deployment().settings.leases.takeover
            for command in await commands.waiting(self._store, self.account, held, stale):
                async with self._host.turn():  # stamped when it is taken: behind a command
                    # that took long, a claim stamped at the run's start looked stale at once
                    claimed = await commands.claim(self._store, command, self.account,
                                                   utc(self._clock.now()))
                if not claimed:
                    continue
                try:
                    done, result = await self.carry_out(command)
                except Exception as exc:  # recorded as the command's outcome
                    log.exception("the handed %s failed", command.action)
                    done, result = False, {"error": f"{type(exc).__name__}: {exc}"}
                except BaseException:  # stopped meanwhile: another taker, or this one again
                    async with self._host.turn():
                        await commands.release(self._store, command)
                    raise
                async with self._host.turn():
                    await commands.finish(self._store, command, done, result,
                                          self._clock.now())
                log.info("carried out %s #%d from %s: %s", command.action, command.id,
                         command.operator, "done" if done else "failed")
        except StoreError as exc:
            log.error("could not take the handed commands: %s", exc)
