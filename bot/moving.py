"""Moving the active members (迁移): the members who spoke in group A within a period are
invited into group B of the deployment, the most active first, within B's room (its type's
`capacity` less its members now). The admin command (handlers/admin.py) and the web console
both plan, preview and send through here; the job, its rows and its report belong to
bot/bulk.py. The invitations go in the outbox's lowest class, within the send governor's
invitations budget; the old group gets the announcement (bot.yaml `moves.announcement`).

    /move c1 c2 14d        members of c1 who spoke in the last 14 days, into c2

Not invited, each with the reason: members already in B, on the block list, already being
invited into B, or not friends (WeChat invites friends only) of the account that serves B
(the bot; with several accounts, the one holding B's lease, which sends the invitations:
bot/invitations.py); and, once B is full, the rest. B's room is what its members leave, less
the invitations into B that other moves queued or sent within `INVITED` (they may still
come): worked out at the preview, and again at the confirm, where the rows past it are not
invited after all (another move, or joins, may have taken the room meanwhile).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Annotated, Protocol

from bot import activity, bulk, friendships, invitations, moderation, roster
from bot.actions import Invite
from bot.adapters.base import GatewayError
from bot.broadcast import Sender
from bot.bulk import Job, Row, State
from bot.config import LONGEST, Duration, Template, TemplateText, parse_duration, placeholders
from bot.context import Place
from bot.events import Member
from bot.handler import HandlerConfig
from bot.sanitize import clean, other_group
from bot.store import Reader
from bot.times import span, stamp

INVITED = timedelta(days=7)  # an invitation sent this long ago still holds room in its group
FULL = "新群已满"  # the reason of a member the new group has no room for


class Settings(HandlerConfig):
    """The admin handler's `moves` keys (docs/handlers/admin.md)."""

    active: Duration = timedelta(days=7)  # who spoke within this time, unless the admin says
    confirm_within: Duration = timedelta(minutes=10)
    announcement: Annotated[TemplateText, placeholders("group", "count")] = Template(
        "📢 本群的活跃成员将迁移到新群「{group}」，已向 {count} 位成员发出邀请，"
        "请在微信里接受。")


class Mover(Sender, Protocol):
    """What planning and sending a move needs beyond a broadcast: member lists, friendship,
    and a word in the old group."""

    def is_bot(self, member_id: str) -> bool:
        """This account or another of the deployment's: never moved."""
        ...

    @property
    def account(self) -> str:
        """This bot's account of several ('' when it is the only one)."""
        ...

    async def members(self, group_id: str | None = None) -> list[Member]: ...

    async def is_friend(self, contact: str) -> bool: ...

    def say(self, text: str, mentions: Iterable[str] = (), group: str | None = None) -> None: ...


@dataclass(frozen=True, slots=True)
class Request:
    source: str
    target: str
    active: timedelta


def parse(rest: str, settings: Settings) -> Request:
    """`A B [period]`; ValueError saying what is wrong."""
    words = rest.split()
    if len(words) not in (2, 3):
        raise ValueError("写：/move 旧群ID 新群ID [时长，如 7d]")
    try:
        active = parse_duration(words[2]) if len(words) == 3 else settings.active
    except ValueError:
        raise bulk.BadRequest("active", f"「{clean(words[2])}」不是时长：写 7d、12h 之类") from None
    if active > LONGEST:  # (and the time that long ago would be no date the calendar has)
        raise bulk.BadRequest("active", f"时长太长：最多 {LONGEST.days}d")
    return Request(words[0], words[1], active)


def _place(places: Sequence[Place], group: str, which: str) -> Place:
    for place in places:
        if place.id == group:
            return place
    raise bulk.BadRequest("source" if which == "旧群" else "target",
                          f"{which}「{clean(group)}」不是机器人所在的、有类型的群")


async def plan(mover: Mover, request: Request, places: Sequence[Place], by: str) -> Job:
    """The draft job: a row per active member of A (in B's group id), planned or not with
    the reason. ValueError: a bad request."""
    source = _place(places, request.source, "旧群")
    target = _place(places, request.target, "新群")
    if source.id == target.id:
        raise ValueError("旧群和新群是同一个群")
    store, now = mover.store, mover.now
    spoke: Counter[str] = Counter()
    for row in await activity.since(store, now - request.active, source.id):
        spoke[row.member] += row.messages
    here = {m.id: m.name for m in await mover.members(source.id)}
    there = {m.id for m in await mover.members(target.id)}
    invited = await bulk.invited_into(store, target.id, now - INVITED) - there
    room = target.capacity - target.members - len(invited)
    rows = []
    for member, _ in sorted(spoke.items(), key=lambda item: (-item[1], item[0])):
        if member not in here or mover.is_bot(member):
            continue  # left A since, or the bot itself (any account)
        reason = await _why_not(mover, member, target, there, invited)
        if not reason and room <= 0:
            reason = f"{FULL}（容量 {target.capacity}）"
        room -= not reason
        rows.append(Row(target.id, member, here[member],
                        State.EXCLUDED if reason else State.PLANNED, reason))
    body = {"source": source.id, "source_topic": source.topic, "target": target.id,
            "target_topic": target.topic, "target_title": target.title,
            "capacity": target.capacity,
            "since": stamp(now - request.active),
            "active": span(request.active)}
    return await bulk.create(store, bulk.JobKind.MOVE, body,
                             f"{source.id} {target.id} {span(request.active)}", rows, by, now)


async def _why_not(mover: Mover, member: str, target: Place, there: set[str],
                   invited: set[str]) -> str:
    if reason := await _why_not_now(mover.store, member, there, invited):
        return reason
    serving = await invitations.serving(mover.store, target.id, mover.account or None)
    if serving != mover.account:  # several accounts: B's serving account invites its friends
        friend = await friendships.is_friend(mover.store, serving, member)
        return "" if friend else f"不是账号 {serving}（服务新群）的好友"
    try:
        friend = await mover.is_friend(member)
    except GatewayError:
        return "暂时无法确认是否好友"
    return "" if friend else "不是机器人的好友"


async def _why_not_now(store: Reader, member: str, there: set[str], invited: set[str]) -> str:
    """Why a member of the old group is not invited, whatever was planned: in the new group,
    on the block list, invited by another job."""
    if member in there:
        return "已在新群"
    if await moderation.blocked_for(store, member) is not None:
        return "在移出名单中"
    return "已在邀请中" if member in invited else ""


async def _still_going(mover: Mover, job: Job, planned: list[Row]) -> list[Row]:
    """The planned rows to invite at the confirm, which may come long after the preview, or
    after another preview of the same move was confirmed: as plan() would have them now,
    each member still in the old group, not in the new one, not on the block list (removed
    for an ad since), not invited by another job since; then as many as the new group has
    room for now, the most active first. The others are marked not invited, with why.
    (A job planned before its capacity was kept has no room counted.)"""
    store, body = mover.store, job.body
    target = body["target"]
    here, there = await _present(mover, body["source"]), await _present(mover, target)
    invited = await bulk.invited_into(store, target, mover.now - INVITED, but=job.id)
    going = []
    for row in planned:
        reason = "已离开旧群" if row.member not in here else \
            await _why_not_now(store, row.member, there, invited)
        if reason:
            await bulk.exclude(store, job.id, row.group, row.member, reason)
        else:
            going.append(row)
    capacity = body.get("capacity")
    if not isinstance(capacity, int):
        return going
    room = max(0, capacity - len(there) - len(invited - there))
    for row in going[room:]:
        await bulk.exclude(store, job.id, row.group, row.member, f"{FULL}（容量 {capacity}）")
    return going[:room]


async def _present(mover: Mover, group: str) -> set[str]:
    """Who is in the group now: as the platform lists it, else (with several accounts, the
    one confirming may not be in it) as the roster has it."""
    try:
        return {m.id for m in await mover.members(group)}
    except GatewayError:
        return {entry.member for entry in await roster.present(mover.store, group)}


def preview(job: Job, rows: Sequence[Row], within: timedelta) -> str:
    body = job.body
    going = [r for r in rows if r.state is State.PLANNED]
    left = [r for r in rows if r.state is State.EXCLUDED]
    lines = [f"[迁移] 预览 {job.id}：「{clean(body['source_topic'])}」（{body['source']}）"
             f"近 {body['active']}发过言的成员 → 「{clean(body['target_topic'])}」"
             f"（{body['target']}）",
             f"邀请 {len(going)} 人" + (f"，不邀请 {len(left)} 人" if left else "")]
    if going:
        lines += [f"邀请（{len(going)}）：", *bulk.listed(going)]
    if left:
        lines += [f"不邀请（{len(left)}）：", *bulk.listed(left)]
    if going:
        lines.append(f"{span(within)}内回复 /confirm {job.id} 开始邀请并在旧群公告，"
                     f"/cancel {job.id} 取消")
    else:
        lines.append("没有可以邀请的成员。")
    return "\n".join(lines)


async def send(mover: Mover, job: Job, settings: Settings) -> list[Row]:
    """Queue a confirmed move's invitations and announce it in the old group."""
    store, now = mover.store, mover.now
    going = await _still_going(mover, job, [r for r in await bulk.rows(store, job.id)
                                            if r.state is State.PLANNED])
    for row in going:
        mover.send_bulk(Invite(row.group, row.member))
        await bulk.queue(store, job.id, row.group, row.member, 1, now)
    body = job.body
    if going:
        mover.say(settings.announcement.render({"group": other_group(
                                                    body["target_topic"],
                                                    body.get("target_title", "")),
                                                "count": len(going)}), group=body["source"])
    rows = await bulk.rows(store, job.id)
    await mover.audit("move", job.confirmed_by or "",
                      f"{job.id} {body['source']} -> {body['target']}: {len(going)} invited, "
                      f"{len(rows) - len(going)} not", body["source"])
    if not going:
        await bulk.finish_if_settled(store, job, now)
    return rows

