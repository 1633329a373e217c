"""Bulk sends an admin asks for and confirms: broadcasts (群发: one text to many groups) and
moves (迁移: inviting a group's active members into another group). Owner of the tables
`bulk_jobs` and `bulk_sends`.

Both go the same way. A request is planned into a job with a short id (B7K2) and one row per
group (a broadcast) or per member (a move): planned, or excluded with the reason. The admin
sees that preview; only a confirm within `confirm_within` queues the sends, in the outbox's
lowest class (bulk), paced by the outbox and the send governor; a second confirm does
nothing. Delivery settles each row (sent, dropped, failed) as its sends go or are given up;
when the last one settles, the admins get the report and the audit log a record of it.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from bot import audit, roster
from bot.actions import Action, Invite, Say
from bot.moderation import short_id
from bot.sanitize import clean
from bot.store import Reader, Store
from bot.times import stamp, unstamp

MIGRATIONS: Sequence[str] = (
    """
    CREATE TABLE bulk_jobs (
        id TEXT PRIMARY KEY, kind TEXT NOT NULL, body TEXT NOT NULL, asked TEXT NOT NULL,
        status TEXT NOT NULL, created_at TEXT NOT NULL, created_by TEXT NOT NULL,
        confirmed_at TEXT, confirmed_by TEXT, reported_at TEXT);
    CREATE TABLE bulk_sends (
        job TEXT NOT NULL, grp TEXT NOT NULL, member TEXT NOT NULL, name TEXT NOT NULL,
        state TEXT NOT NULL, reason TEXT NOT NULL, pending INTEGER NOT NULL DEFAULT 0,
        at TEXT, PRIMARY KEY (job, grp, member));
    CREATE INDEX bulk_sends_queued ON bulk_sends (grp, member, state);
    """,
)

SHOWN = 30  # groups or members listed by name in a preview or report; the rest are counted


class Kind(StrEnum):
    BROADCAST = "broadcast"
    MOVE = "move"


class Status(StrEnum):
    DRAFT = "draft"
    CONFIRMED = "confirmed"
    CANCELLED = "cancelled"
    DONE = "done"  # every send settled, the report made


class State(StrEnum):
    PLANNED = "planned"
    EXCLUDED = "excluded"
    QUEUED = "queued"
    SENT = "sent"
    DROPPED = "dropped"
    FAILED = "failed"


STATE_TITLES = {State.PLANNED: "待发送", State.EXCLUDED: "不发送", State.QUEUED: "排队中",
                State.SENT: "已发送", State.DROPPED: "已丢弃", State.FAILED: "失败"}
MOVE_TITLES = {**STATE_TITLES, State.PLANNED: "待邀请", State.EXCLUDED: "未邀请",
               State.SENT: "已邀请"}
KIND_TITLES = {Kind.BROADCAST: "群发", Kind.MOVE: "迁移"}
ORDER = (State.PLANNED, State.SENT, State.QUEUED, State.DROPPED, State.FAILED, State.EXCLUDED)


@dataclass(frozen=True, slots=True)
class Row:
    group: str
    member: str  # '' for a broadcast's group
    name: str  # the group's name (a broadcast) or the member's (a move), as planned
    state: State
    reason: str = ""


@dataclass(frozen=True, slots=True)
class Job:
    id: str
    kind: Kind
    body: dict[str, Any]  # a broadcast: text (and file); a move: source, target, since
    asked: str  # what the admin asked for, as typed
    status: Status
    created_at: datetime
    created_by: str
    confirmed_at: datetime | None
    confirmed_by: str | None

    def expired(self, now: datetime, within: timedelta) -> bool:
        return self.status is Status.DRAFT and now - self.created_at > within


_JOB = ("id, kind, body, asked, status, created_at, created_by, confirmed_at, confirmed_by")


def _job(row: Sequence[Any]) -> Job:
    job_id, kind, body, asked, status, created, by, confirmed, confirmed_by = row
    return Job(job_id, Kind(kind), json.loads(body), asked, Status(status),
               unstamp(created) or datetime.min, by, unstamp(confirmed), confirmed_by)


# ---------------------------------------------------------------- jobs and rows


async def create(store: Store, kind: Kind, body: dict[str, Any], asked: str,
                 rows: Iterable[Row], by: str, now: datetime) -> Job:
    """A new job in draft with its rows; its id comes from what it is and when."""
    seed, attempt = f"{kind}|{asked}|{now.timestamp()}", 0
    while await store.one("SELECT 1 FROM bulk_jobs WHERE id=?",
                          (job_id := short_id(seed, attempt),)) is not None:
        attempt += 1
    await store.execute(
        f"INSERT INTO bulk_jobs ({_JOB}, reported_at) VALUES (?,?,?,?,?,?,?,NULL,NULL,NULL)",
        (job_id, kind, json.dumps(body, ensure_ascii=False), asked, Status.DRAFT, stamp(now),
         by))
    await store.executemany(
        "INSERT INTO bulk_sends (job, grp, member, name, state, reason) VALUES (?,?,?,?,?,?)",
        [(job_id, r.group, r.member, r.name, r.state, r.reason) for r in rows])
    return Job(job_id, kind, body, asked, Status.DRAFT, now, by, None, None)


async def find(store: Reader, job_id: str) -> Job | None:
    row = await store.one(f"SELECT {_JOB} FROM bulk_jobs WHERE id=?", (job_id.upper(),))
    return None if row is None else _job(row)


async def recent(store: Reader, limit: int = 20) -> list[Job]:
    """The latest jobs, newest first."""
    return [_job(row) for row in await store.all(
        f"SELECT {_JOB} FROM bulk_jobs ORDER BY created_at DESC, id LIMIT ?", (limit,))]


async def rows(store: Reader, job_id: str) -> list[Row]:
    return [Row(grp, member, name, State(state), reason) for grp, member, name, state, reason
            in await store.all("SELECT grp, member, name, state, reason FROM bulk_sends"
                               " WHERE job=? ORDER BY rowid", (job_id,))]


async def exclude(store: Store, job_id: str, group: str, member: str, reason: str) -> None:
    """A planned row that may not go after all (found at the confirm)."""
    await store.execute("UPDATE bulk_sends SET state=?, reason=? WHERE job=? AND grp=?"
                        " AND member=?", (State.EXCLUDED, reason, job_id, group, member))


async def queue(store: Store, job_id: str, group: str, member: str, sends: int,
                now: datetime) -> None:
    """A planned row's `sends` actions are on the outbox."""
    await store.execute("UPDATE bulk_sends SET state=?, pending=?, at=? WHERE job=? AND grp=?"
                        " AND member=?", (State.QUEUED, sends, stamp(now), job_id, group,
                                          member))


class Confirmed(StrEnum):
    NOW = "now"
    UNKNOWN = "unknown"
    EXPIRED = "expired"
    BEFORE = "before"  # confirmed once already: nothing is sent again
    CANCELLED = "cancelled"


async def confirm(store: Store, job_id: str, by: str, now: datetime,
                  within: timedelta) -> tuple[Confirmed, Job | None]:
    """Confirm a draft, once: (what happened, the job)."""
    job = await find(store, job_id)
    if job is None:
        return Confirmed.UNKNOWN, None
    if job.status is Status.CANCELLED:
        return Confirmed.CANCELLED, job
    if job.status is not Status.DRAFT:
        return Confirmed.BEFORE, job
    if job.expired(now, within):
        return Confirmed.EXPIRED, job
    if not await store.changes("UPDATE bulk_jobs SET status=?, confirmed_at=?, confirmed_by=?"
                               " WHERE id=? AND status=?",
                               (Status.CONFIRMED, stamp(now), by, job.id, Status.DRAFT)):
        return Confirmed.BEFORE, job
    return Confirmed.NOW, Job(job.id, job.kind, job.body, job.asked, Status.CONFIRMED,
                              job.created_at, job.created_by, now, by)


async def cancel(store: Store, job_id: str) -> Job | None:
    """Cancel a draft; None if there is no draft with that id."""
    job = await find(store, job_id)
    if job is None or not await store.changes(
            "UPDATE bulk_jobs SET status=? WHERE id=? AND status=?",
            (Status.CANCELLED, job.id, Status.DRAFT)):
        return None
    return job


async def finish_if_settled(store: Store, job: Job, now: datetime) -> bool:
    """Mark a confirmed job done when none of its rows waits any more; True if this did."""
    waiting = await store.one("SELECT count(*) FROM bulk_sends WHERE job=? AND state=?",
                              (job.id, State.QUEUED))
    if waiting and waiting[0]:
        return False
    return bool(await store.changes(
        "UPDATE bulk_jobs SET status=?, reported_at=? WHERE id=? AND status=?",
        (Status.DONE, stamp(now), job.id, Status.CONFIRMED)))


# ---------------------------------------------------------------- delivery settles rows

OUTCOMES = {"sent": State.SENT, "verified": State.SENT, "dropped": State.DROPPED}
FAILURES = {"refused": "平台拒绝", "send_failed": "多次重试后失败",
            "uncertain": "发送时中断，可能未送达"}


def _row_of(action: Action) -> tuple[str, str] | None:
    if isinstance(action, Say):
        return action.group, ""
    if isinstance(action, Invite):
        return action.group, action.member
    return None


async def settled(store: Store, action: Action, outcome: str, detail: str,
                  now: datetime) -> Job | None:
    """A bulk send went (`sent`, `verified`) or was given up (`dropped`, `refused`,
    `send_failed`, `uncertain`): its row says so once all its sends are settled. The job,
    when this settled its last row (then make its report)."""
    key = _row_of(action)
    if key is None:
        return None
    found = await store.one("SELECT job, pending, state FROM bulk_sends WHERE grp=? AND"
                            " member=? AND state=? ORDER BY at LIMIT 1", (*key, State.QUEUED))
    if found is None:
        return None
    job_id, pending, _ = found
    state = OUTCOMES.get(outcome, State.FAILED)
    reason = "" if state is State.SENT else FAILURES.get(outcome, detail)
    if state is State.SENT and pending > 1:
        await store.execute("UPDATE bulk_sends SET pending=pending-1 WHERE job=? AND grp=?"
                            " AND member=?", (job_id, *key))
        return None
    await store.execute("UPDATE bulk_sends SET state=?, reason=?, pending=0, at=? WHERE job=?"
                        " AND grp=? AND member=?", (state, reason, stamp(now), job_id, *key))
    job = await find(store, job_id)
    if job is None or not await finish_if_settled(store, job, now):
        return None
    counts = Counter(await count_states(store, job.id))
    await audit.record(store, now, "", job.confirmed_by or "", f"{job.kind}_report", "bulk",
                       f"{job.id}: " + ", ".join(f"{state} {n}" for state, n in
                                                 sorted(counts.items())))
    return job


async def count_states(store: Reader, job_id: str) -> dict[str, int]:
    return {str(state): int(n) for state, n in await store.all(
        "SELECT state, count(*) FROM bulk_sends WHERE job=? GROUP BY state", (job_id,))}


async def still_queued(store: Reader, group: str, member: str = "") -> bool:
    """Whether an earlier bulk send to the group (or member) still waits on the outbox."""
    return await store.one("SELECT 1 FROM bulk_sends WHERE grp=? AND member=? AND state=?",
                           (group, member, State.QUEUED)) is not None


async def broadcasts_since(store: Reader, group: str, since: datetime) -> int:
    """Broadcasts that went (or wait to go) to the group from `since` on."""
    row = await store.one(
        "SELECT count(*) FROM bulk_sends s JOIN bulk_jobs j ON j.id = s.job WHERE s.grp=?"
        " AND s.member='' AND j.kind=? AND s.state IN (?, ?) AND s.at >= ?",
        (group, Kind.BROADCAST, State.QUEUED, State.SENT, stamp(since)))
    return int(row[0]) if row else 0


# ---------------------------------------------------------------- what the admins read


async def report(store: Reader, job: Job) -> str:
    """The job's report as it stands: each state with its rows; for a move, who joined."""
    found = await rows(store, job.id)
    joined = []
    if job.kind is Kind.MOVE and job.confirmed_at is not None:
        for row in found:
            entry = await roster.entry(store, row.group, row.member)
            if entry is not None and entry.left_at is None and entry.joined_at is not None \
                    and entry.joined_at >= job.confirmed_at:
                joined.append(row.member)
    return summary(job, found, joined)


def listed(rows: Sequence[Row], limit: int = SHOWN) -> list[str]:
    """One line per row (its name, id and reason), at most `limit`, then how many more."""
    lines = [f"· {clean(r.name)}（{r.member or r.group}）" + (f"：{r.reason}" if r.reason else "")
             for r in rows[:limit]]
    if len(rows) > limit:
        lines.append(f"……另有 {len(rows) - limit} 个")
    return lines


def summary(job: Job, all_rows: Sequence[Row], joined: Iterable[str] = ()) -> str:
    """The delivery report (or the progress so far): each state with its rows."""
    title = KIND_TITLES[job.kind]
    titles = MOVE_TITLES if job.kind is Kind.MOVE else STATE_TITLES
    counts = Counter(r.state for r in all_rows)
    moved = set(joined)
    head = f"[{title}] {job.id} 报告：" + " · ".join(
        f"{titles[state]} {counts[state]}" for state in ORDER
        if counts[state] or state in (State.SENT, State.QUEUED))
    if job.kind is Kind.MOVE:
        head += f" · 已入群 {len(moved)}"
    lines = [head]
    for state in ORDER:
        some = [r for r in all_rows if r.state is state]
        if some:
            lines.append(f"{titles[state]}（{len(some)}）：")
            lines.extend(listed([Row(r.group, r.member, r.name, r.state,
                                     r.reason or ("已入群" if r.member in moved else ""))
                                 for r in some]))
    return "\n".join(lines)
