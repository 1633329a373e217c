"""Broadcasts (群发): one text sent now to the groups an admin names, by type or id, less the
ones excluded, at most `per_group` times per group in `per` (bot.yaml `broadcasts`). The
admin command (handlers/admin.py) and the web console both plan, preview and send through
here; the job, its rows and its report belong to bot/bulk.py.

The request, as typed after `/broadcast`: the first line names the groups, the rest is the
text; a line `图片：NAME` or `文件：NAME` (`image:`, `file:`) adds a content file (an image or
a document under content/, bot/media.py), sent after the text, each a WeChat send of its own.

    /broadcast customer official -c3
    本周六 20:00 有线上分享会，欢迎参加！
    图片：posters/week48.png

Words on the first line (separated by spaces, commas or 、): a group type (its name or its
display name), a group id, `all` (全部) for every group the bot serves; a word after `-`
excludes that type or group.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from pydantic import Field

from bot import bulk
from bot.actions import TEXT_LIMIT, Action, Say
from bot.bulk import Job, Row, State
from bot.config import Count, Duration
from bot.context import Place
from bot.handler import HandlerConfig
from bot.media import is_image
from bot.sanitize import clean
from bot.store import Store
from bot.times import span

ALL = ("all", "全部", "所有")
_SEPARATORS = re.compile(r"[\s,，、;；]+")
_EXCLUDE = ("-", "－", "!", "！")
_FILE = re.compile(r"^\s*(?:图片|文件|image|file)\s*[:：]\s*(\S.*?)\s*$", re.IGNORECASE)


class Settings(HandlerConfig):
    """The admin handler's `broadcasts` keys (docs/handlers/admin.md)."""

    per_group: Count = Field(1, ge=1)  # at most this many broadcasts reach a group
    per: Duration = timedelta(days=1)  # within this time
    confirm_within: Duration = timedelta(minutes=10)  # a preview not confirmed by then expires


class Sender(Protocol):
    """What sending a confirmed job needs: the handler context, or the web console."""

    @property
    def now(self) -> datetime: ...

    @property
    def store(self) -> Store: ...

    def send_bulk(self, action: Action) -> None: ...

    async def audit(self, action: str, member: str, detail: str,
                    group: str | None = None) -> None: ...


@dataclass(frozen=True, slots=True)
class Request:
    targets: str  # the first line, as typed
    text: str
    files: tuple[str, ...] = ()  # content files, by their names under content/


def parse(rest: str) -> Request:
    """The request after the command word; ValueError saying what is missing."""
    targets, _, body = rest.strip().partition("\n")
    lines, files = [], []
    for line in body.splitlines():
        found = _FILE.match(line)
        if found:
            files.append(found[1])
        else:
            lines.append(line)
    text = "\n".join(lines).strip()
    if not targets.strip() or not (text or files):
        raise ValueError("第一行写发送到哪些群（群类型或群 ID，-排除），第二行起写内容")
    if len(text) > TEXT_LIMIT:
        raise bulk.BadRequest("text", f"内容太长：{len(text)} 字，最多 {TEXT_LIMIT} 字")
    return Request(targets.strip(), text, tuple(files))


def _matches(word: str, place: Place) -> bool:
    lowered = word.lower()
    return lowered in ALL or word == place.id or lowered == place.type.lower() or \
        word == place.title


def choose(targets: str, places: Sequence[Place]) -> tuple[list[Place], list[Row]]:
    """The groups the words name, and those excluded by a `-` word (as rows); ValueError
    naming a word that is neither a type, a group nor `all`."""
    words = [w for w in _SEPARATORS.split(targets) if w]
    chosen: dict[str, Place] = {}
    excluded: dict[str, Row] = {}
    for word in words:
        minus = word.startswith(_EXCLUDE)
        name = word[1:] if minus else word
        found = [p for p in places if _matches(name, p)]
        if not name or not found:
            raise ValueError(f"「{clean(name)}」不是群类型、群 ID 或 all：可用的类型有 "
                             + "、".join(sorted({p.type for p in places})))
        for place in found:
            if minus:
                excluded[place.id] = Row(place.id, "", place.topic, State.EXCLUDED,
                                         f"按要求排除（{clean(word)}）")
            else:
                chosen.setdefault(place.id, place)
    if not chosen:
        raise ValueError("没有指定要发送的群（只写了排除）")
    return [p for p in chosen.values() if p.id not in excluded], [
        row for row in excluded.values() if row.group in chosen]


async def _over_limit(store: Store, group: str, settings: Settings,
                      now: datetime) -> str:
    """Why the group may not get a broadcast now, or ''."""
    if await bulk.still_queued(store, group):
        return "上一次群发还在排队"
    if await bulk.broadcasts_since(store, group, now - settings.per) >= settings.per_group:
        return f"已达上限：每群每 {span(settings.per)}最多 {settings.per_group} 次群发"
    return ""


async def plan(store: Store, request: Request, places: Sequence[Place],
               settings: Settings, now: datetime, by: str,
               content_file: Callable[[str], str]) -> Job:
    """The draft job of a request, with a row per group named (ValueError: a bad request,
    or a file `content_file` does not find sendable)."""
    chosen, excluded = choose(request.targets, places)
    files = [content_file(name) for name in request.files]
    rows = []
    for place in chosen:
        reason = await _over_limit(store, place.id, settings, now)
        rows.append(Row(place.id, "", place.topic, State.EXCLUDED if reason else State.PLANNED,
                        reason))
    return await bulk.create(store, bulk.JobKind.BROADCAST, {"text": request.text,
                                                          "files": files},
                             request.targets, [*rows, *excluded], by, now)


def preview(job: Job, rows: Sequence[Row], within: timedelta) -> str:
    """What the admin reads before confirming: the text, where it goes, what is left out
    and why, and how to confirm."""
    going = [r for r in rows if r.state is State.PLANNED]
    left = [r for r in rows if r.state is State.EXCLUDED]
    lines = [f"[群发] 预览 {job.id}：发送到 {len(going)} 个群" + (
        f"，不发送 {len(left)} 个" if left else ""),
        "内容：", _quoted(job.body["text"]),
        *(f"{'图片' if is_image(name) else '文件'}：{name}" for name in job.body.get("files", []))]
    if going:
        lines += [f"发送到（{len(going)}）：", *bulk.listed(going)]
    if left:
        lines += [f"不发送（{len(left)}）：", *bulk.listed(left)]
    if going:
        lines.append(f"{span(within)}内回复 /confirm {job.id} 发送，/cancel {job.id} 取消")
    else:
        lines.append("没有可以发送的群。")
    return "\n".join(lines)


def _quoted(text: str) -> str:
    """A text of several lines, each cleaned (no control characters) but kept a line."""
    return "\n".join(clean(line, TEXT_LIMIT) for line in text.splitlines())


async def send(sender: Sender, job: Job, settings: Settings) -> list[Row]:
    """Queue a confirmed broadcast: each planned group once more checked against the limit
    (another broadcast may have reached it since the preview). The rows after."""
    store, now = sender.store, sender.now
    going = 0
    for row in await bulk.rows(store, job.id):
        if row.state is not State.PLANNED:
            continue
        reason = await _over_limit(store, row.group, settings, now)
        if reason:
            await bulk.exclude(store, job.id, row.group, "", reason)
            continue
        actions = list(_actions(row.group, job))
        for action in actions:
            sender.send_bulk(action)
        await bulk.queue(store, job.id, row.group, "", len(actions), now)
        going += 1
    rows = await bulk.rows(store, job.id)
    await sender.audit("broadcast", job.confirmed_by or "",
                       f"{job.id} to {going} group(s), {_count(rows, State.EXCLUDED)} excluded:"
                       f" {clean(job.body['text'] or ', '.join(job.body.get('files', [])), 60)}")
    if not going:
        await bulk.finish_if_settled(store, job, now)
    return rows


def _actions(group: str, job: Job) -> Iterable[Action]:
    """The text, then each file: a WeChat send each."""
    if job.body["text"]:
        yield Say(group, job.body["text"])
    for name in job.body.get("files", []):
        yield Say(group, "", file=name)


def _count(rows: Sequence[Row], state: State) -> int:
    return sum(r.state is state for r in rows)
