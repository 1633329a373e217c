"""Delivery: hands the outbox's actions to the gateway and deals with each class of failure
(bot/adapters/base.py). Operator view: docs/wechat.md, "When WeChat fails".

- Disconnected: nothing was done; everything waits and tries again every HOLD, counting no
  attempt, and at once when the platform says it is back (Bot.platform: logged in again).
- RateLimited: tried again after the platform's `retry_after`, else the back-off.
- Refused: audited, and the admins are told (unless it was a message to an admin); never
  tried again. So is an image or file whose content file is gone (or no longer sendable)
  when its turn comes. A removal refused is not announced (its announcement is dropped),
  nor one skipped because the member had left the group by then.
- Uncertain: a message is not sent again (at most once), audited `<kind>_uncertain`; a
  removal or invitation is checked against the member list before it is repeated.
- Any other GatewayError: tried again with back-off (5 s, 20 s, 80 s, 320 s), then given
  up and audited `<kind>_send_failed`; the other actions go meanwhile. The failed tries and
  when the next is due are kept in the store (bot/outbox.py): a restart waits out the rest
  of the back-off (a crash loop never hammers a gateway that rate-limited us), and it is
  given up after MAX_ATTEMPTS tries in all. A removal given up is told to the admins, and
  not announced unless its last attempt may have removed them. A last try that failed for
  certain is committed as failed before the give-up: a crash in between leaves the restart
  knowing it, and giving it up (not an uncertain message).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bot import audit, bulk, friendships, invitations, roster
from bot.actions import (
    AcceptFriend,
    Action,
    Card,
    Dm,
    GroupQr,
    Invite,
    Kick,
    RenameGroup,
    Say,
    split_text,
)
from bot.adapters.base import Disconnected, Gateway, GatewayError, RateLimited, Refused, Uncertain
from bot.governor import ACCOUNT, Governor
from bot.media import Attachment, find
from bot.metrics import Metrics
from bot.outbox import Outbox, Priority, Queued
from bot.store import Store
from bot.times import span

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
HOLD = timedelta(seconds=1)  # how often the first action tries while the platform is away
DROPS_LOGGED = 10  # the dropped actions of a minute logged each (_DropLog)


MESSAGES = (Say, Dm, Card, GroupQr)  # what is sent at most once
STOPPED = "the bot stopped while sending it"  # (the restart settles it)
FAILED = "its last try failed; the bot stopped before giving it up"  # (the restart does)


def backoff(attempts: int) -> timedelta:
    return timedelta(seconds=5 * 4 ** attempts)


class Delivery:
    def __init__(self, gateway: Gateway, outbox: Outbox, store: Store,
                 admins: Callable[[], Sequence[str]], metrics: Metrics,
                 governor: Governor, content: Callable[[], Path]) -> None:
        self.gateway = gateway
        self._content = content  # the content directory files are sent from
        self.outbox = outbox
        self.governor = governor
        outbox.gate = governor
        self.store = store
        self._admins = admins
        self._metrics = metrics
        # with several accounts: why an action may not go (the lease it was decided under
        # no longer stands), or None if it may
        self.fence: Callable[[Queued, datetime], Awaitable[str | None]] | None = None
        # the groups whose member list a removal or invitation may have changed (the caller
        # compares them with the roster again: the join backstop)
        self.touched: set[str] = set()
        # whether the bot left a group (removed from it): what was queued there is dropped,
        # not sent to be refused and told to every admin
        self.gone: Callable[[str], bool] = lambda group: False
        self._dropped = _DropLog()

    async def send_due(self, now: datetime) -> None:
        """Hand over every action that may go at `now`."""
        await self.governor.use_account(self.gateway.self_id, now)
        if expired := self.governor.expired(now):
            # one transaction for them all, in the open batch (none went to WeChat: a crash
            # drops them again), not one each: after an outage of a day, thousands expire
            async with self.store.transaction():
                for old in expired:
                    keep = self.governor.keep_for(old) or timedelta()
                    await self._drop(old, now,
                                     f"held back by the send budget longer than {keep}",
                                     f"发送预算内等待超过 {span(keep)}")
        # Nothing leaves before the state that decided it: an action's `sending` mark, a
        # write outside any event, commits the open batch first (bot/store.py). What a run
        # writes besides, drops and the budget's bookkeeping, joins that batch: most runs
        # send nothing, and a commit each was three in four events of a burst.
        went = False
        while (item := self.outbox.take(now)) is not None:
            await self._deliver(item, now, self._admins())
            went = True
        await self.outbox.defer(self.governor.unsaved())
        self._dropped.settle(now)
        if went:  # what went is known to have gone at once (after a crash, an action still
            await self.store.flush()  # `sending` is taken as uncertain: not sent again)

    def stop(self) -> None:
        """The bot stops: the drops of its last minute are counted in the log."""
        self._dropped.settle(None)

    async def _drop(self, item: Queued, now: datetime, why: str, note: str) -> None:
        """Drop `item` (audited `<kind>_dropped` with `why`; `note` for a broadcast's
        report), and what depends on it, the same way."""
        if not self.outbox.holds(item):  # an orphan of two dropped actions: dropped once
            return
        self._metrics.governor_dropped.labels(item.action.kind).inc()
        await self._drop_alone(item, now, why, note)
        for orphan in self.outbox.orphans(item):
            await self._drop(orphan, now, f"it depended on {item.action.kind} "
                             f"{_describe(item.action)}, dropped", "所依赖的操作被丢弃")

    async def _stay(self, item: Queued, now: datetime, outcome: str) -> None:
        """An invitation into another group that surely did not go (refused, or its last
        attempt failed with a definite error): the member is not removed from the group
        they were to leave (capacity: handlers/lifecycle.py), which would leave them in
        none. Only that removal is dropped; what was queued after it goes on."""
        action = item.action
        if not isinstance(action, Invite) or not action.leaving:
            return
        removal = self.outbox.move_queued(action)
        if removal is not None:
            await self._drop_alone(removal, now, f"its invitation {_describe(action)} "
                                                 f"was {outcome}")

    async def _drop_alone(self, item: Queued, now: datetime, why: str, note: str = "") -> None:
        """Drop `item` without what waits for it: that goes on, as after any action that
        ended."""
        self._dropped(item.action, why, now)
        async with self.store.transaction():  # audited once: with its end, or not at all
            await self._record(now, item.action, "dropped", why)
            self.governor.forget(item)
            await self._done(item, now, "dropped", note)

    async def _unannounce(self, item: Queued, now: datetime, outcome: str) -> None:
        """A removal that surely did not happen (refused, skipped as the member had left, or
        its last attempt failed with a definite error: an earlier uncertain one was settled by
        the member list before the next) is not announced: the group message its handler
        queued right after it, the announcement (bot/moderation.py), is dropped. What was
        queued after that goes on, as after any action that ended."""
        if not isinstance(item.action, Kick):
            return
        following = self.outbox.queued_after(item)
        if following is not None and isinstance(following.action, Say):
            await self._drop_alone(following, now,
                                   f"it announced kick {_describe(item.action)}, {outcome}")

    async def _deliver(self, item: Queued, now: datetime, admins: Sequence[str]) -> None:
        action = item.action
        if (group := getattr(action, "group", None)) is not None and self.gone(group):
            async with self.store.transaction():
                if item.uncertain:  # it went, or may have, before the bot stopped: counted
                    await self._spent(item, now)
                await self._drop_alone(item, now, f"the bot is not in {group} any more",
                                       "机器人已不在群内")
            return
        if item.attempts >= MAX_ATTEMPTS:  # its last try failed, and the bot stopped before
            await self._give_up(item, now, GatewayError(  # giving it up
                f"{FAILED} ({item.error})" if item.error else FAILED), verify=False)
            return
        if item.uncertain and isinstance(action, MESSAGES):
            log.warning("%s was going out when the bot stopped; not sent again", action)
            async with self.store.transaction():
                await self._spent(item, now)  # (it may have gone: its budget counts it)
                await self._record(now, action, "uncertain", STOPPED)
                await self._done(item, now, "uncertain")
            return
        try:
            file = self._attachment(action)
        except Refused as exc:  # nothing went to WeChat: no budget spent
            await self._failed(item, now, exc, admins)
            return
        try:
            code = await self._qr_code(action, now)
        except Disconnected:
            await self.outbox.hold(item, now + HOLD)
            return
        except GatewayError as exc:  # no QR code yet: nothing went to WeChat, no budget spent
            await self._retry(item, now, exc, verify=False)
            return
        try:
            try:
                done = (item.verify or item.uncertain) and await self._already_done(action)
            except Disconnected:
                raise
            except GatewayError as exc:  # no member list to settle it: nothing went to WeChat,
                # no budget spent, and it may still have been done
                await self._retry(item, now, exc, verify=True)
                return
            if done:
                log.info("%s was done already; not done again", action)
                async with self.store.transaction():
                    if item.uncertain:  # it went before the bot stopped: its budget counts it
                        await self._spent(item, now)  # (a retry's try counted as it failed)
                    await self._record(now, action, "verified", "found done in the member list")
                    await self._done(item, now, "verified")
                return
            if item.uncertain:  # not done, but it reached WeChat before the bot stopped: a
                # failed try, which its budget and its attempts count, once (the store says
                # `verify` then, not `sending`); it goes again at once, or is given up after
                # the last (a bot killed at each try stops, as one whose tries fail)
                item.uncertain = False
                async with self.store.transaction():
                    await self._spent(item, now)
                    if item.attempts + 1 >= MAX_ATTEMPTS:
                        await self._retry(item, now, GatewayError(STOPPED), verify=False)
                        return
                    await self.outbox.retry(item, now, verify=True)
            if isinstance(action, Kick) and not (item.verify or item.uncertain) and \
                    await self._left(action):  # (one that may have gone is verified above)
                # nothing to remove (an ad poster who posted and went): done, and not
                # announced (nobody was removed; blocked all the same), and what was queued
                # after the announcement goes on
                log.info("%s not sent: the member has left the group", action)
                async with self.store.transaction():  # (one commit, as a refusal's)
                    await self._record(now, action, "skipped", "the member had left the group")
                    self.governor.forget(item)
                    await self._done(item, now, "skipped")
                    await self._unannounce(item, now, "skipped: the member had left")
                return
            if self.fence is not None and (fenced := await self.fence(item, now)):
                log.warning("%s not sent: %s", action, fenced)
                await self.outbox.hand_on(item)
                return
            await self.outbox.sending(item)
            if isinstance(action, Kick | Invite):  # even if it fails: it may have happened
                self.touched.add(action.group)
            await _send(self.gateway, action, file, code)
        except Disconnected as exc:
            if await self.outbox.hold(item, now + HOLD):
                log.warning("the platform is away (%s); %d actions wait for it", exc,
                            len(self.outbox))
            return
        except GatewayError as exc:
            async with self.store.transaction():  # (what follows may read the member list:
                await self._spent(item, now)  # no transaction waits on the gateway)
            if (key := self.governor.pushback(action, exc)) is not None:
                await self._paused(item, now, key, exc, admins)
                return
            await self._failed(item, now, exc, admins)
            return
        async with self.store.transaction():
            await self._spent(item, now)
            await self.governor.ok(action)
            if isinstance(action, AcceptFriend):  # for the other accounts (bot/friendships.py)
                await friendships.add(self.store, self.outbox.account, action.contact, now)
            await self._done(item, now, "sent")
        self._metrics.sent(action.kind)

    async def _spent(self, item: Queued, now: datetime) -> None:
        """`item` reached WeChat (went or failed): pace from it and spend its budget, in one
        transaction (a crash cannot count one and not the other); after a send that went,
        with the action's end, so that it is not counted again. Before that commit the
        action is still `sending`, and after a restart it is spent then, found done or tried
        again (a failed send whose retry was not yet written is counted twice: the budget
        errs on the safe side)."""
        await self.outbox.sent(item, now)
        await self.governor.sent(item, now)

    async def _paused(self, item: Queued, now: datetime, key: str, exc: GatewayError,
                      admins: Sequence[str]) -> None:
        """WeChat pushed back: pause the kind (or the account); the action goes again when
        the pause ends, counting no attempt (bot/governor.py)."""
        retry_after = exc.retry_after if isinstance(exc, RateLimited) else None
        pause, tell = await self.governor.pause(key, now, retry_after)
        what = "every action" if key == ACCOUNT else key.replace("_", " ")
        log.warning("WeChat pushed back on %s (%s): %s paused until %s", item.action, exc,
                    what, pause.until)
        self._metrics.governor_pauses.labels(key).inc()
        await self._record(now, item.action, "paused",
                           f"{what} for {pause.until - now} ({exc})")
        await self.outbox.retry(item, pause.until, failed=False)  # (never given up)
        if tell:
            for admin in admins:
                await self.outbox.put(Dm(admin, f"[groupbot] WeChat pushed back ({exc}): "
                                                f"{what} paused until {pause.until:%H:%M:%S},"
                                                " then it goes on by itself"), admins=admins)

    async def _failed(self, item: Queued, now: datetime, exc: GatewayError,
                      admins: Sequence[str]) -> None:
        action = item.action
        if isinstance(exc, Refused):
            log.warning("the platform refused %s: %s", action, exc)
            self._metrics.action_failures.labels(action.kind).inc()
            async with self.store.transaction():  # (one commit: a crash cannot leave a
                # removal refused and its announcement still on its way; none reads WeChat)
                await self._record(now, action, "refused", str(exc))
                await self._done(item, now, "refused", str(exc))
                await self._unannounce(item, now, "refused")
                await self._stay(item, now, "refused")
                if isinstance(action, Dm) and action.to in admins:
                    return  # (telling the admins of a message to one that failed could loop)
                for admin in admins:
                    await self.outbox.put(Dm(admin, f"[groupbot] could not {action.kind} "
                                                    f"{_describe(action)}: {exc}"),
                                          admins=admins)
            return
        if isinstance(exc, Uncertain) and isinstance(action, MESSAGES):
            log.warning("%s may or may not have gone (%s); not sent again", action, exc)
            await self._record(now, action, "uncertain", str(exc))
            await self._done(item, now, "uncertain")
            return
        await self._retry(item, now, exc, verify=isinstance(exc, Uncertain))

    async def _retry(self, item: Queued, now: datetime, exc: GatewayError, *,
                     verify: bool) -> None:
        action = item.action
        if item.attempts + 1 >= MAX_ATTEMPTS:
            if not verify:  # it failed for certain: the store says so first, in a commit of
                # its own, so a crash before the give-up's commit leaves it failed (given up
                # at the restart, as here), not `sending` (audited as uncertain)
                await self.outbox.retry(item, now, error=str(exc))
                await self.store.flush()
            await self._give_up(item, now, exc, verify=verify)
            return
        delay = backoff(item.attempts)
        if isinstance(exc, RateLimited) and exc.retry_after is not None:
            delay = timedelta(seconds=exc.retry_after)
        log.warning("sending %s failed (%s); again in %s, the others meanwhile", action, exc,
                    delay)
        await self.outbox.retry(item, now + delay, verify=verify, error=str(exc))

    async def _give_up(self, item: Queued, now: datetime, exc: GatewayError, *,
                       verify: bool) -> None:
        """Its last try failed (`verify`: it may have been done): audited `send_failed`."""
        action = item.action
        log.error("gave up sending %s after %d attempts: %s", action, MAX_ATTEMPTS, exc)
        self._metrics.action_failures.labels(action.kind).inc()
        # WeChat read first: the last attempt may have done it (a removal is announced
        # unless the member list shows the member still there)
        undone = not verify or (isinstance(action, Kick) and await self._still_in(action))
        unjoined = not undone and isinstance(action, Invite) and action.leaving and \
            not await self._joined(action)
        async with self.store.transaction():  # (one commit: a crash between the record
            # and the end had the restart try it past the limit and record it again)
            await self._record(now, action, "send_failed", str(exc))
            await self._done(item, now, "send_failed")
            if undone:
                await self._unannounce(item, now, "given up")
                await self._stay(item, now, "given up")
            elif unjoined:
                await self._stay(item, now, "given up, and the member list does not show it")
            if isinstance(action, Kick):  # (a refusal tells them too, as it comes)
                admins = self._admins()
                for admin in admins:
                    await self.outbox.put(Dm(admin, f"[groupbot] gave up trying to kick "
                                                    f"{_describe(action)}: {exc}"),
                                          admins=admins)

    async def _qr_code(self, action: Action, now: datetime) -> str:
        """The QR code a GroupQr sends: kept by the account serving its group, or this
        account's own (bot/invitations.py); GatewayError (tried again) while there is none."""
        if not isinstance(action, GroupQr):
            return ""
        return await invitations.qr_for(self.store, self.gateway, action.room,
                                        self.outbox.account, now)

    def _attachment(self, action: Action) -> Attachment | None:
        """The content file an image or file send names, as it is now."""
        name = getattr(action, "file", "")
        if not name:
            return None
        try:
            return find(self._content(), name)
        except ValueError as exc:
            raise Refused(f"cannot send {name}: {exc}") from None

    async def _done(self, item: Queued, now: datetime, outcome: str, detail: str = "") -> None:
        """The action went (`sent`, `verified`) or was given up: forget it, and settle what
        waited for its end, in one transaction: a crash between them would leave its receipt
        `queued` for ever (a quiz deadline pushed back without end), or a broadcast never
        reported. A crash before the commit leaves the action on the outbox as it was (one
        that went is `sending`: after the restart it ends as uncertain, settled then)."""
        async with self.store.transaction():
            await self.outbox.done(item, outcome, now)
            if item.priority is Priority.BULK:
                await self._bulk_settled(item, outcome, detail, now)

    async def _bulk_settled(self, item: Queued, outcome: str, detail: str,
                            now: datetime) -> None:
        """A confirmed broadcast's or move's send settles its row, and the last one brings
        the admins the report (bot/bulk.py)."""
        job = await bulk.settled(self.store, item.action, outcome, detail, now)
        if job is None:
            return
        admins = self._admins()
        text = await bulk.report(self.store, job)
        by = job.confirmed_by or ""
        for admin in [by] if by in admins else admins:
            await self.outbox.put_all([Dm(admin, part) for part in split_text(text)],
                                      admins=admins)

    async def _left(self, action: Kick) -> bool:
        """Whether the member is out of the group, as the roster last saw it (they left after
        the removal was decided, say: an ad poster who posts and goes), and said nothing
        since: a message proves them back, though their return was never reported."""
        entry = await roster.entry(self.store, action.group, action.member)
        return entry is not None and entry.left_at is not None and (
            entry.last_spoke is None or entry.last_spoke <= entry.left_at)

    async def _joined(self, invite: Invite) -> bool:
        """Whether the member list shows the invitation done; False if it cannot be read."""
        try:
            return await self._already_done(invite)
        except GatewayError:
            return False

    async def _still_in(self, kick: Kick) -> bool:
        """Whether the member list shows the member still in the group; False if it cannot
        be read (the removal may have happened)."""
        try:
            return not await self._already_done(kick)
        except GatewayError:
            return False

    async def _already_done(self, action: Action) -> bool:
        """For a removal or invitation that may have happened: does the member list say so?"""
        if not isinstance(action, (Kick, Invite)):
            return False
        members = {m.id for m in await self.gateway.members(action.group)}
        return (action.member in members) == isinstance(action, Invite)

    async def _record(self, now: datetime, action: Action, what: str, detail: str) -> None:
        data: dict[str, Any] = action.to_json()
        await audit.record(self.store, now, data.get("group", ""),
                           data.get("member", data.get("to", "")), f"{action.kind}_{what}",
                           "outbox", f"{detail} ({_describe(action, data)})")


async def _send(gw: Gateway, action: Action, file: Attachment | None, code: str) -> None:
    match action:
        case Say(group, text, mentions):
            await (gw.send_file(group, file) if file else gw.send_text(group, text, mentions))
        case Dm(to, text):
            await (gw.send_dm_file(to, file) if file else gw.send_dm(to, text))
        case Kick(group, member, reason):
            await gw.remove_member(group, member, reason)
        case Invite(group, member):
            await gw.invite_member(group, member)
        case AcceptFriend(_, request):
            await gw.accept_friend(request)
        case RenameGroup(group, topic):
            await gw.set_topic(group, topic)
        case Card(card, to, group):
            await gw.send_card(group or to, card)
        case GroupQr(_, to, group):
            await gw.send_qr(group or to, code)


class _DropLog:
    """A dropped action's line in the log: each of the first DROPS_LOGGED of a minute, then
    the 16th, 32nd, 64th... with how many were dropped within the minute, and once the
    minute is over (`settle`) how many in all, if that was not the last line's count; a
    removal always (a spammer left in the group, or a member moved who stays in both). The
    send budget dropping a day's push to 500 groups, or a flood's replies, at once wrote a
    line for each: thousands, burying the log and past journald's rate limit (10,000 lines
    in 30 s), which then drops what follows. The audit log has each (`<kind>_dropped`)."""

    def __init__(self) -> None:
        self._minute: datetime | None = None
        self._count = 0
        self._told = 0  # the count the log last gave (or would have, a line each)

    def __call__(self, action: Action, why: str, now: datetime) -> None:
        minute = now.replace(second=0, microsecond=0)
        if minute != self._minute:
            self.settle(now)
            self._minute, self._count, self._told = minute, 0, 0
        self._count = count = self._count + 1
        if count <= DROPS_LOGGED:
            log.warning("%s dropped: %s", action, why)
            self._told = count
        elif count & (count - 1) == 0:  # a power of two
            log.warning("%s dropped: %s (%d actions dropped within the minute; not each is "
                        "logged: the audit log has each)", action, why, count)
            self._told = count
        elif isinstance(action, Kick):  # (a removal: always)
            log.warning("%s dropped: %s", action, why)

    def settle(self, now: datetime | None) -> None:
        """Once the minute of the drops is over (at the first run of delivery, or the first
        drop, after it; None: the bot stops, r103-4): how many it dropped in all, when past
        the last line's count (a flood of 1,500 ended at its 1,024th). Once a minute: drops
        spread over the runs of a minute, one a run, would write a total each (r101-1)."""
        if self._minute is None or (
                now is not None and now.replace(second=0, microsecond=0) == self._minute):
            return
        if self._count > self._told:
            log.warning("%d actions dropped within the minute of %s in all; not each is "
                        "logged: the audit log has each", self._count,
                        f"{self._minute.astimezone(UTC):%H:%M} UTC")
            self._told = self._count


def _describe(action: Action, data: dict[str, Any] | None = None) -> str:
    data = action.to_json() if data is None else data
    return " ".join(f"{k}={v}" for k, v in data.items() if k != "action")
