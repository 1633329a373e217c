"""What a group's rename does to its binding (docs/configuration.md, "Bindings"):

- by an admin: the group is bound again by its new name; the admins are told when that
  leaves a bound group unbound (no binding matches the new name), always (the only word that
  the group lost the bot: never held back by the notice cap below);
- by the bot itself (it set a name back): nothing changes, the group keeps its binding;
- by anyone else, in a bound group: it keeps its type, the admins are told privately, and
  with `restore_topic` the bot sets back the group's last trusted name (the name it was
  bound by, first seen with, or an admin gave it: never a name a member gave it, so two
  quick renames cannot make the bot set a member's name). A rename whose changer the
  platform does not give is not set back (it may be an admin's), and one back to the
  trusted name (the bot's own restore, reported without its changer) is nothing to tell;
- by anyone else, in a group that was not bound: it stays unbound whatever its new name
  (a member's rename binds nothing); the admins are told when the new name matches a
  binding, with how to bind it.

At most one notice per group in RENAME_NOTICES: the renames in between are counted and told
with the next one (a member renaming it again and again would spend the private-message
budget every member's greeting and quiz wait for).

At most RESTORES restores per group in RESTORE_WINDOW: each spends the group-message budget
every group's welcomes, answers and pushes wait for, so a member renaming the group over and
over (a script) would starve them all. Past that, the renames are told but not set back
until the window has passed, and the admins are told once, whatever the notice cap, to deal
with the renamer (review s32a T1).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from bot import notices, state
from bot.actions import Dm, RenameGroup
from bot.config import Deployment
from bot.context import Core
from bot.events import GroupRenamed
from bot.groups import GroupDirectory
from bot.outbox import Outbox
from bot.sanitize import clean
from bot.store import Store
from bot.times import instant, later, stamp

RENAME_NOTICES = timedelta(minutes=10)  # at most one rename notice per group to the admins
RESTORES = 3  # at most this many restores of a group's name in RESTORE_WINDOW
RESTORE_WINDOW = timedelta(hours=1)


async def renamed(core: Core, store: Store, outbox: Outbox, groups: GroupDirectory,
                  deployment: Deployment, event: GroupRenamed, group_id: str) -> None:
    """Handle the rename before the group is looked up for the event's handlers."""
    settings = deployment.settings
    by_admin = event.by is not None and event.by in settings.admins
    by_bot = event.by is not None and event.by == core.self_id
    before, kept = groups.topic(group_id), groups.kept(group_id)
    trusted = groups.trusted_topic(group_id) or before
    await groups.renamed(store, group_id, event.topic, rebind=by_admin)
    if by_bot or before == event.topic:
        return
    now, by = core.clock.now(), clean(event.by or "?")
    shown = (f"「{clean(before or trusted or '?')}」({group_id}) 被 {by} 改名为"
             f"「{clean(event.topic)}」")
    matched = deployment.type_for(group_id, event.topic)
    if by_admin:
        if kept is not None and matched is None and deployment.type_by_id(group_id) is None:
            await _tell(store, outbox, settings.admins, group_id, by, now, (
                f"[groupbot] {shown}，没有绑定匹配这个名字，本号不再为它服务"
                f"（原为 {kept.name}）。"), must=True)  # the only word that it lost the bot
        return
    if kept is None:
        await groups.hold_unbound(store, group_id, event.by or "")
        if matched is not None:
            await _tell(store, outbox, settings.admins, group_id, by, now, (
                f"[groupbot] {shown}，名字匹配 {matched.name} 的绑定，但不是管理员改的，"
                "没有绑定它；要绑定，由管理员改一次群名，或在 bot.yaml 按 id 绑定。"))
        return
    if before is None or event.topic == trusted:
        return  # back to its trusted name: the bot's restore, reported without its changer
    info = await core.group_info(group_id)
    may = settings.restore_topic and info.owner == core.self_id and trusted is not None
    restore = may and event.by is not None  # by whom unknown: maybe an admin, so left
    if restore and (paused := await _paused(store, group_id, now)) is not None:
        resume, told = paused
        await _tell(store, outbox, settings.admins, group_id, by, now, (
            f"[groupbot] {shown}，仍按 {kept.name} 处理，没有改回：1 小时内已改回 {RESTORES} 次，"
            f"{resume:%H:%M} 前不再改回。请管理员处理改名者 {by}（如移出群聊），"
            "再由管理员改回群名。"), must=not told)
        return
    unknown = "，改名者未知，没有改回。" if may and not restore else "。"
    await _tell(store, outbox, settings.admins, group_id, by, now, (
        f"[groupbot] {shown}，仍按 {kept.name} 处理" + ("，已改回原名。" if restore else unknown)))
    if restore and trusted is not None:
        await outbox.put(RenameGroup(group_id, trusted))


async def _paused(store: Store, group_id: str, now: datetime) -> tuple[datetime, bool] | None:
    """None, counting a restore of the group's name now, unless RESTORES were counted in the
    last RESTORE_WINDOW: then when restores resume, and whether the admins were told of this
    pause already (it is counted as told)."""
    key = (group_id, "", "", "rename_restores")
    found = await state.get(store, key) or {}
    recent = [at for at in found.get("at", ()) if instant(at) > later(now, -RESTORE_WINDOW)]
    if len(recent) < RESTORES:
        await state.put(store, key, {"at": [*recent, stamp(now)]})
        return None
    told = "told" in found and instant(found["told"]) >= instant(recent[-1])
    if not told:
        await state.put(store, key, {"at": recent, "told": stamp(now)})
    return later(instant(recent[0]), RESTORE_WINDOW).astimezone(now.tzinfo), told


async def _tell(store: Store, outbox: Outbox, admins: Sequence[str], group_id: str, by: str,
                now: datetime, text: str, must: bool = False) -> None:
    """Tell the admins, at most once per group in RENAME_NOTICES (the renames in between
    counted and named in the next notice); a notice that `must` go is never held back."""
    key = (group_id, "", "", "rename_notice")
    if (skipped := await notices.due(store, key, now, RENAME_NOTICES, by, must)) is None:
        return
    if skipped.count:
        text += (f"（上次通知后另有 {skipped.count} 次改名未逐条通知，"
                 f"改名者：{'、'.join(skipped.names)}）")
    for admin in admins:
        await outbox.put(Dm(admin, text), admins=admins)
