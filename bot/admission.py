"""Who may bring the bot into a group that it then serves by the group's name (bot.yaml
`group_invitations`). Operator view: docs/configuration.md, "Who may bring the bot into a
group"; docs/wechat.md.

A binding by name (`match: {topic: ...}`) trusts a name that whoever created the group chose:
a stranger could name a group of his like a recruitment group, invite the bot, and have it
post the internship group's QR code there and spend the account's send budget on it. With
`group_invitations: admins` (the default):

- a group invitation is accepted only from an admin (or another of the deployment's
  accounts: their WeChat ids as their processes logged in, bot/friendships.py). Another's
  is left unanswered, audited, and the admins are told: at most one message in NOTICES, the
  invitations in between counted and named in the next, so a flood of invitations cannot
  spend the private-message budget;
- a group that a binding matches only by its name is bound only if its owner is an admin
  (or this account, or another of the deployment's), the bot was brought into it by one
  (its own join, as the platform reported it: the roster keeps who invited it; or, when the
  platform reports no join or one without its inviter, an admin's invitation accepted
  within INVITED_KEPT into a group of that name: an invitation names no group id, and each
  binds one group), or an admin renamed it; or another account's process bound it. Any
  other is not served: audited and the admins told once, with how to bind it on purpose;
  at most one such message in NOTICES, the groups in between counted and named in the next
  (a stranger pulling the bot into 150 small groups would otherwise send 150 private
  messages to every admin).

Whatever `group_invitations` says, a group that was not bound when a member (not an admin)
renamed it stays unbound (`hold`): a member's rename binds nothing, until an admin renames it.

A group bound by id in bot.yaml, or kept by id since a name bound it before (bot/bindings.py),
is not asked about: existing deployments keep their groups. `group_invitations: anyone` is the
old way: every invitation accepted, every name binds.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from bot import audit, friendships, notices, roster, state
from bot.actions import Dm
from bot.adapters.base import GroupInfo
from bot.config import GroupInvitations, Settings
from bot.inbound import GroupInvitation
from bot.outbox import Outbox
from bot.sanitize import clean
from bot.store import Reader, Store
from bot.times import instant, later, stamp

log = logging.getLogger(__name__)

NOTICES = timedelta(minutes=10)  # at most one notice of invitations not accepted in this,
# and one of groups not served
OWNER = "groups"  # the audit records' handler, and the state's
_NOTICE = ("", "", OWNER, "invitation_notice")
_NOT_BOUND_NOTICE = ("", "", OWNER, "not_bound_notice")
INVITED_KEPT = timedelta(days=1)  # an admin's accepted invitation names its group this long
INVITED_SHOWN = 50  # at most this many accepted invitations waiting for their group
_INVITED = ("", "", OWNER, "accepted_invitations")  # group name -> {by, at}


def _admission(group: str) -> state.Key:
    return (group, "", OWNER, "admission")


def _brought_in(group: str) -> state.Key:
    return (group, "", OWNER, "brought_in")


def anyone(settings: Settings) -> bool:
    return settings.group_invitations is GroupInvitations.ANYONE


async def trusted(store: Reader, settings: Settings, self_id: str) -> set[str]:
    """Who may bring the bot into a group: the admins, this account, and the deployment's
    other accounts (once each logged in: their WeChat ids are known from then on)."""
    found = {*settings.admins, self_id} - {""}
    return found | await friendships.contacts(store, (account.name for account in
                                                      settings.accounts))


async def invited(store: Store, outbox: Outbox | None, settings: Settings,
                  invitation: GroupInvitation, now: datetime, self_id: str) -> bool:
    """Whether to accept the invitation: from an admin (or one of the deployment's accounts),
    or `group_invitations: anyone`."""
    inviter = invitation.inviter
    what = f"「{clean(invitation.topic) or '?'}」 (invitation {invitation.id})"
    ours = bool(inviter) and inviter in await trusted(store, settings, self_id)
    if anyone(settings) or ours:
        await audit.record(store, now, "", inviter, "group_invitation_accepted", OWNER, what)
        if ours and invitation.topic:
            await _accepted(store, inviter, invitation.topic, now)
        return True
    who = clean(inviter) or "?"
    log.warning("not accepting the invitation into %s from %s: only the admins' are accepted"
                " (bot.yaml group_invitations: admins)", what, who)
    await audit.record(store, now, "", inviter, "group_invitation_refused", OWNER, what)
    await _tell_capped(store, outbox, settings, _NOTICE, now, who, (
        f"[groupbot] {who} 邀请本号进群{what}，没有接受：只接受管理员的群邀请"
        "（bot.yaml group_invitations: admins）。要本号进这个群，请管理员邀请它。"),
        lambda skipped: (f"（上次通知后另有 {skipped.count} 个群邀请未逐条通知，"
                         f"邀请人：{'、'.join(skipped.names)}）"))
    return False


async def may_bind_by_name(store: Store, info: GroupInfo, settings: Settings,
                           self_id: str, now: datetime) -> bool:
    """Whether a binding that matches the group only by its name may bind it. However it is
    bound, an admin's invitation remembered for a group of its name is used up by it: each
    invitation binds one group, also when the platform reported the join with its inviter."""
    found = await state.get(store, _admission(info.id)) or {}
    if "admitted" in found or ("held" not in found and
                               await _ours(store, info, settings, self_id)):
        if await _used(store, info.topic, now) is not None:
            log.info("group %s (%s) bound by its name uses up the admin's invitation into a"
                     " group of that name", clean(info.topic), info.id)
        return True
    return "held" not in found and await _invited_by_name(store, info, now)


async def _ours(store: Store, info: GroupInfo, settings: Settings, self_id: str) -> bool:
    """Whether the group's owner, or who brought the bot into it, is one of `trusted` (or
    `group_invitations: anyone`)."""
    if anyone(settings):
        return True
    ours = await trusted(store, settings, self_id)
    if info.owner in ours:
        return True
    entry = await roster.entry(store, info.id, self_id)
    if entry is not None and entry.inviter in ours:
        return True
    return await state.get(store, _brought_in(info.id)) in ours


async def _accepted(store: Store, inviter: str, topic: str, now: datetime) -> None:
    """An admin's invitation into the group named `topic` was accepted: the group of that
    name the bot is found in next (within INVITED_KEPT) is the one an admin brought it
    into, whether or not the platform reports the bot's join with its inviter (an
    invitation does not name its group's id)."""
    kept = {name: found for name, found in (await state.get(store, _INVITED) or {}).items()
            if instant(found["at"]) > later(now, -INVITED_KEPT)}
    kept[topic] = {"by": inviter, "at": stamp(now)}
    newest = sorted(kept, key=lambda name: str(kept[name]["at"]))[-INVITED_SHOWN:]
    await state.put(store, _INVITED, {name: kept[name] for name in newest})


async def _invited_by_name(store: Store, info: GroupInfo, now: datetime) -> bool:
    """Whether an admin's invitation accepted within INVITED_KEPT was into a group of this
    group's name: it is then kept as the bot's join by that admin (`brought_in`), and the
    invitation binds no other group of that name."""
    by = await _used(store, info.topic, now)
    if by is None:
        return False
    await brought_in(store, info.id, by)
    log.info("group %s (%s) bound by its name: %s's invitation into a group of that name was"
             " accepted", clean(info.topic), info.id, clean(by))
    return True


async def _used(store: Store, topic: str, now: datetime) -> str | None:
    """Who sent the invitation accepted within INVITED_KEPT into a group named `topic`, now
    forgotten (used up, or too old); None if there is none."""
    kept = await state.get(store, _INVITED) or {}
    found = kept.pop(topic, None)
    if found is None:
        return None
    await state.put(store, _INVITED, kept)
    return str(found["by"]) if instant(found["at"]) > later(now, -INVITED_KEPT) else None


async def brought_in(store: Store, group: str, inviter: str) -> None:
    """The platform reported the bot's own join into the group, by `inviter` (kept apart
    from the roster: with several accounts the join of a group this account does not serve
    yet is not handled, and its roster row not written)."""
    await state.put(store, _brought_in(group), inviter)


async def admit(store: Store, group: str, by: str, now: datetime) -> None:
    """An admin renamed the group: its name may bind it from now on."""
    await state.put(store, _admission(group), {"admitted": by, "at": stamp(now)})


async def hold(store: Store, group: str, by: str, now: datetime) -> None:
    """A member renamed the group while it was not bound: no name binds it (until `admit`)."""
    found = await state.get(store, _admission(group)) or {}
    told = {"told": found["told"]} if "told" in found else {}
    await state.put(store, _admission(group), {"held": by, "at": stamp(now), **told})


async def not_bound(store: Store, outbox: Outbox | None, settings: Settings, info: GroupInfo,
                    type_name: str, now: datetime) -> None:
    """A binding matched the group by its name, but it may not bind it: logged, audited and
    told to the admins once for the group."""
    key = _admission(info.id)
    if await state.get(store, key) is not None:
        return
    await state.put(store, key, {"told": stamp(now)})
    owner, topic = clean(info.owner or "?"), clean(info.topic)
    log.warning("group %s (%s) matches the binding of %s by its name, but neither an admin "
                "brought the bot into it nor is its owner (%s) one: it is not served (bind it"
                " by id in bot.yaml to serve it)", topic, info.id, type_name, owner)
    await audit.record(store, now, info.id, info.owner or "", "group_not_bound", OWNER,
                       f"「{topic}」 matches {type_name} by its name; owner {owner}")
    await _tell_capped(store, outbox, settings, _NOT_BOUND_NOTICE, now,
                       f"「{topic}」({info.id})", (
        f"[groupbot] 群「{topic}」({info.id}) 的名字匹配 {type_name} 的绑定，但群主 {owner} "
        "不是管理员，本号也不是管理员拉进群的，所以不为它服务"
        "（bot.yaml group_invitations: admins）。确要服务它：在 bot.yaml 的 groups 里按 id "
        f"绑定（- match: {{id: \"{info.id}\"}}, type: {type_name}）再 /reload，"
        "或由管理员在群里改一次群名。"),
        lambda skipped: (f"（上次通知后另有 {skipped.count} 个群同样不服务，未逐条通知："
                         f"{skipped.shown}；每个都在审计日志 group_not_bound 里）"))


async def _tell_capped(store: Store, outbox: Outbox | None, settings: Settings,
                       key: state.Key, now: datetime, name: str, text: str,
                       held_back: Callable[[notices.Skipped], str]) -> None:
    """Tell the admins `text`, at most once in NOTICES under `key`; the next one adds
    `held_back(...)` of those held back in between (bot/notices.py)."""
    if (skipped := await notices.due(store, key, now, NOTICES, name)) is None:
        return
    await _tell(outbox, settings, text + (held_back(skipped) if skipped.count else ""))


async def _tell(outbox: Outbox | None, settings: Settings, text: str) -> None:
    if outbox is None:
        return
    for admin in settings.admins:
        await outbox.put(Dm(admin, text), admins=settings.admins)
