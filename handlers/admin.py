"""Moderation by hand: commands the admins type in a group or in a private chat.

    /warn @member [reason]     警告      a warning, counted like the antispam handler's
    /warn CASE [reason]                  the same for the member of a private case
    /unwarn @member|ID         撤销警告  take back the member's latest warning
    /warns [@member|ID]        警告记录  warnings in force (everyone's without a member)
    /kick @member|CASE [reason] 踢       remove at once, announced with the reason
    /dismiss CASE              忽略      close a private case without doing anything
    /cases                     案件      the open private cases (always privately)
    /unblock @member|ID        解封      let a removed member join again
    /reload                    重载      reload the config (a bad one is refused)
    /status                    状态      group type, members, warnings, queued actions
    /broadcast TARGETS⏎TEXT    群发      preview a text to many groups (private chat only)
    /move A B [7d]             迁移      preview inviting A's active members into B (private)
    /confirm ID                确认      send a previewed broadcast or move, once
    /cancel ID                 取消      drop a preview
    /progress ID               进度      a broadcast's or move's delivery report so far

Only the contact ids under `admins` in bot.yaml may use them, never a display name; anyone
else gets nothing, or the `refusal` text. Targets are the members the message mentions
(/unwarn, /warns: and the ids typed of members ever in the group; /unblock: any id typed);
a member who was never in the group is named in the reply and nothing changes. Warnings
and removals follow the moderation policy of the group's type (bot/moderation.py), so a
warning by hand and one by a detector count together. In a private chat (the `direct`
type's pipeline) the commands that name a case, `/cases`, `/unblock ID` and `/reload` work,
and the broadcasts and moves (bot/broadcast.py, bot/moving.py) work there only.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, replace
from datetime import timedelta
from typing import Annotated, Any

from pydantic import BeforeValidator, Field

from bot import broadcast, bulk, config, moderation, moving, outbox, roster
from bot.actions import split_text
from bot.adapters.base import GatewayError
from bot.config import Duration, TemplateText, placeholders
from bot.context import Context
from bot.events import Message
from bot.handler import CONTINUE, STOP, Flow, Handler, HandlerConfig
from bot.moderation import (
    REASON_LIMIT,
    Case,
    Measure,
    Moderator,
    Offence,
    Status,
    WarningInForce,
    policy_of,
    reason_shown,
)
from bot.sanitize import clean, first_of, group_name, member_name, more_than
from bot.text import normalize, strip_mentions
from bot.times import span

ALIASES = {
    "warn": ("warn", "警告"),
    "unwarn": ("unwarn", "撤销警告"),
    "warns": ("warns", "list", "警告记录"),
    "kick": ("kick", "踢"),
    "dismiss": ("dismiss", "忽略"),
    "cases": ("cases", "案件"),
    "unblock": ("unblock", "解封"),
    "reload": ("reload", "重载"),
    "status": ("status", "状态"),
    "broadcast": ("broadcast", "群发"),
    "move": ("move", "迁移"),
    "confirm": ("confirm", "确认"),
    "cancel": ("cancel", "取消"),
    "progress": ("progress", "进度"),
}
DEFAULT_REASON = "违反群规"
SHOWN = 30  # ids, members or cases listed in one reply; the rest are counted
MAX_ERROR_LINES = 3
SENT_PRIVATELY = "已私信发给你。"
IN_A_GROUP = ("请在群里使用这个命令（私聊中可用：{p}warn 案件号、{p}kick 案件号、"
              "{p}dismiss 案件号、{p}cases、{p}unblock ID、{p}reload、{p}broadcast、{p}move、"
              "{p}confirm、{p}cancel、{p}progress，回答转人工的问题：/answer 案件号）。")


def _blank_is_none(value: Any) -> Any:
    """`refusal: ""` says nothing, as `null` does (it did before refusal was a message)."""
    return None if isinstance(value, str) and not value.strip() else value


class Config(HandlerConfig):
    prefix: str = Field("/", min_length=1)
    refusal: Annotated[Annotated[TemplateText, placeholders()] | None,  # (a message: no {…})
                       BeforeValidator(_blank_is_none)] = None
    refusal_cooldown: Duration = timedelta(minutes=10)  # per member: one refusal, then silence
    broadcasts: broadcast.Settings = broadcast.Settings()
    moves: moving.Settings = moving.Settings()


@dataclass(frozen=True, slots=True)
class Command:
    """One parsed command: what, by whom, on whom, and the rest of the text."""

    name: str
    event: Message
    targets: tuple[str, ...]
    rest: str


def _is_ascii_alnum(char: str) -> bool:
    return char.isascii() and char.isalnum()


class Admin(Handler[Config]):
    name = "admin"
    events = (Message,)
    Config = Config

    def prepare(self) -> None:
        config = self.config
        words = [(normalize(config.prefix + alias), name)
                 for name, aliases in ALIASES.items() for alias in aliases]
        self._words = sorted(words, key=lambda w: -len(w[0]))  # "警告记录" before "警告"
        self._prefix = normalize(config.prefix)
        self._head = len(config.prefix) + 1  # characters that hold the prefix, normalized
        lead = self._prefix[:1]
        self._lead = lead if lead.isascii() else ""  # for the quick look below

    def parse(self, event: Message, is_bot: Callable[[str], bool],
              names: Iterable[str] | None = None) -> Command | None:
        """The command in a message, or None. A Latin command ends at a space or the end
        ("/warns" is not "/warn s"); a Chinese one may run into its argument ("/踢@Bob").
        With `names`, the mentioned members' names, a mention is taken out whole: "@Bob
        Smith" is bob, not bob and the word "Smith" (a reason, or an id to act on)."""
        text = strip_mentions(event.text) if names is None else strip_mentions(
            strip_mentions(event.text, names))  # (then one whose name is unknown, as before)
        if not self._prefixed(text):
            return None  # most messages: not a command at all
        for word, name in self._words:
            head = normalize(text[:len(word)])
            after = text[len(word):len(word) + 1]
            if head == word and not (_is_ascii_alnum(word[-1]) and _is_ascii_alnum(after)):
                targets = tuple(m for m in dict.fromkeys(event.mentions) if not is_bot(m))
                return Command(name, event, targets, text[len(word):].strip())
        return None

    def _prefixed(self, text: str) -> bool:
        """Whether a text without its mentions (stripped) starts with the prefix. A first
        character that is ASCII or a Chinese character stays the normalized text's first
        (lower case): unlike an ASCII prefix's, it is no command (most messages)."""
        first = text[:1]
        if self._lead and first.lower() != self._lead and (
                first.isascii() or "\u4e00" <= first <= "\u9fff"):
            return False
        return normalize(text[:self._head]).startswith(self._prefix)

    def triggers(self) -> frozenset[str]:
        """A command holds the prefix (normalized): the pipeline skips this handler for the
        messages without it (most) in the one look it takes for every handler's triggers."""
        return frozenset([self._prefix])

    def wants(self, event: Message, ctx: Context) -> bool:
        return self._prefixed(ctx.text)

    async def handle(self, event: Message, ctx: Context) -> Flow:
        command = self.parse(event, ctx.is_bot)
        if command is None:
            return CONTINUE
        if not ctx.is_admin(event.sender.id):
            await ctx.audit("command_refused", event.sender.id, event.text[:100])
            if self.config.refusal and await ctx.off_cooldown(
                    "refused", self.config.refusal_cooldown, member=event.sender.id):
                ctx.reply(self.config.refusal.render({}), mention=True)  # (repeating it would only
            return STOP  # spend the send budget that every group's answers wait for)
        if event.mentions:  # (the names: a lookup per mention, for an admin's command only)
            command = self.parse(event, ctx.is_bot,
                                 await ctx.mention_names(event.mentions)) or command
        case_id = command.rest.split(maxsplit=1)[0] if command.rest else ""
        if command.name in CASE_COMMANDS and not command.targets and moderation.is_case_id(
                case_id):
            await _on_case(command, case_id, ctx)
        elif command.name in ANYWHERE or ctx.group is not None:
            moderator = Moderator(policy_of(ctx.group), ctx, ctx.group_id)
            await RUN[command.name](command, moderator, ctx)
        else:
            ctx.reply(IN_A_GROUP.format(p=self.config.prefix))
        return STOP


_LISTED = re.compile(r"[^\s,，、;；]+")  # (no WeChat id holds a comma)


def _listed(rest: str) -> list[str]:
    """The ids typed after a command, apart by spaces or commas: `wxid_a，wxid_b` is two."""
    return _LISTED.findall(rest)


def _typed_ids_too(command: Command, is_bot: Callable[[str], bool]) -> Command:
    """/unblock names members by mention and by id alike, each once: `/unblock @bob wxid_x`
    unblocked bob only, the id typed beside him dropped without a word. (A removed member is
    no longer in the group, and it works in private: every word is taken for an id.) The
    bot's own id, typed, is dropped as its mention is."""
    typed = [word for word in _listed(command.rest) if not is_bot(word)]
    return replace(command, targets=tuple(dict.fromkeys([*command.targets, *typed])), rest="")


async def _known_ids_too(command: Command, ctx: Context) -> tuple[Command, list[str]]:
    """/unwarn and /warns act on the members mentioned and on the words typed that are ids
    of the group's members (ever seen here, or on the platform's list); and the other words,
    which are no member: a remark like /warn's reason ("/unwarn @bob 误判了"), or a slip.
    The bot's own id, typed, is dropped as its mention is."""
    here = _Here(ctx)
    known: list[str] = []
    other: list[str] = []
    for word in dict.fromkeys(_listed(command.rest)):
        if not ctx.is_bot(word):
            (known if await here(word) else other).append(word)
    members = tuple(dict.fromkeys([*command.targets, *known]))
    return replace(command, targets=members, rest=""), other


def _needs_targets(command: Command, ctx: Context, usage: str) -> bool:
    if not command.targets:
        ctx.reply(f"用法：{usage}（请 @ 要处理的成员）")
        return False
    return True


async def _members(command: Command, ctx: Context, verb: str) -> list[tuple[str, str]]:
    """The members an admin command may act on, with their names. Admins are refused with
    a reply; members who were never in the group are named, all in one reply (a reply each
    spent the group's send budget on a pasted list)."""
    here = _Here(ctx)
    allowed, strangers = [], []
    for member in command.targets:
        name = await ctx.name(member)
        if ctx.is_admin(member):
            ctx.reply(f"{member_name(name)} 是管理员，不能{verb}。")
        elif await here(member):
            allowed.append((member, name))
        else:
            strangers.append((member, name))
    if strangers:
        ctx.reply(f"{first_of(strangers, SHOWN, '人', _named)}从未加入本群，未做任何处理。")
    return allowed


def _named(member: tuple[str, str]) -> str:
    return f"{member_name(member[1])}（{clean(member[0])}）"


class _Here:
    """Whether a member was ever in the group: the roster first; the platform's member list
    (a lookup on a slow gateway, inside the event's turn) once, only for one it does not
    know."""

    def __init__(self, ctx: Context) -> None:
        self._ctx = ctx
        self._listed: set[str] | None = None

    async def __call__(self, member: str) -> bool:
        if await _was_here(self._ctx, member):
            return True
        if self._listed is None:
            self._listed = {m.id for m in await self._ctx.members()}
        return member in self._listed


async def _was_here(ctx: Context, member: str) -> bool:
    return await roster.entry(ctx.store, ctx.group_id, member) is not None


def _offence(command: Command, measure: Measure, reason: str = "") -> Offence:
    """What the command does, and why: the admin's reason on one line, shortened."""
    return Offence("admin", measure, clean(reason, REASON_LIMIT) or DEFAULT_REASON,
                   f"by {command.event.sender.id}")


async def _warn(command: Command, moderator: Moderator, ctx: Context) -> None:
    if not _needs_targets(command, ctx, "/warn @成员 [原因]"):
        return
    for member, name in await _members(command, ctx, "警告"):
        await moderator.punish(member, name, _offence(command, Measure.WARN, command.rest),
                               command.event.id)


async def _unwarn(command: Command, moderator: Moderator, ctx: Context) -> None:
    command, other = await _known_ids_too(command, ctx)
    if not command.targets:
        ctx.reply((f"{_ids(other)} 不是本群成员。" if other else "")
                  + "用法：/unwarn @成员 或 /unwarn 成员ID")
        return
    for member, name in await _members(command, ctx, "撤销警告"):
        revoked = await moderator.revoke_last(member)
        if revoked is None:
            ctx.reply(f"{member_name(name)} 没有生效中的警告。")
            continue
        count = await moderator.count(member)
        await ctx.audit("unwarn", member, f"{revoked.detector}: {revoked.reason} "
                                          f"(now {count}/{moderator.limit})")
        ctx.reply(f"已撤销 {member_name(name)} 的一次警告（{revoked.reason}），"
                  f"现在 {count}/{moderator.limit}。")


async def _warns(command: Command, moderator: Moderator, ctx: Context) -> None:
    command, _ = await _known_ids_too(command, ctx)  # none known: the group's list
    if command.targets:
        for member, name in await _members(command, ctx, "查看警告"):
            warnings = await moderator.in_force(member)
            if not warnings:
                ctx.reply(f"{member_name(name)} 没有生效中的警告。")
                continue
            lines = [f"· {w.at:%m-%d %H:%M} {reason_shown(w.reason)}"
                     + (f" ×{w.weight}" if w.weight > 1 else "") for w in warnings]
            total = sum(w.weight for w in warnings)
            head = f"{member_name(name)} 的警告（{total}/{moderator.limit}）："
            _reply_long(ctx, "\n".join([head, *lines]))
        return
    by_member: dict[str, list[WarningInForce]] = {}
    for warning in await moderator.in_force():
        by_member.setdefault(warning.member, []).append(warning)
    if not by_member:
        ctx.reply("本群没有生效中的警告。")
        return
    lines = [f"· {member_name(await ctx.name(member))} "
             f"{sum(w.weight for w in warnings)}/{moderator.limit}："
             + "、".join(dict.fromkeys(reason_shown(w.reason) for w in warnings))
             for member, warnings in list(by_member.items())[:SHOWN]]
    _reply_long(ctx, "\n".join(["生效中的警告：", *lines,
                                 *more_than(len(by_member), SHOWN, "人")]))


async def _kick(command: Command, moderator: Moderator, ctx: Context) -> None:
    if not _needs_targets(command, ctx, "/kick @成员 [原因]"):
        return
    for member, name in await _members(command, ctx, "移出"):
        offence = _offence(command, Measure.KICK, command.rest)
        if not await moderator.remove(member, name, offence):
            ctx.reply(f"机器人不是群主，无法移出 {member_name(name)}，已通知管理员。")


async def _dismiss(command: Command, moderator: Moderator, ctx: Context) -> None:
    ctx.reply("用法：/dismiss 案件号（案件号见私信，或发送 /cases）")


async def _cases(command: Command, moderator: Moderator, ctx: Context) -> None:
    """Every group's open private cases, with the reported members' messages: they are
    decided in private, so the list goes to the admin privately wherever it was asked; a
    group sees only that it was sent."""
    admin = command.event.sender.id
    if ctx.group is not None:
        ctx.reply(SENT_PRIVATELY)
    cases = await moderation.open_cases(ctx.store, ctx.now)
    if not cases:
        ctx.dm(admin, "没有待处理的案件。")
        return
    lines = [f"· {case.id} {case.opened_at:%m-%d %H:%M}「{await _topic(ctx, case.group)}」"
             f"{moderation.quote(case.name, 40)}：{clean(case.reason)}"
             + (f"：{moderation.quote(case.text, 40)}" if case.text else "")
             + (f"（另有 {case.more} 条）" if case.more else "")
             for case in cases[:SHOWN]]
    how = "/warn、/kick 或 /dismiss 加案件号"
    if any(case.kind == "question" for case in cases[:SHOWN]):  # a hand-off (handlers/faq.py)
        how += "；提问用 /answer 案件号 答复内容"
    for part in split_text("\n".join([f"待处理的案件（{how}）：", *lines,
                                      *more_than(len(cases), SHOWN, "个")])):
        ctx.dm(admin, part)


async def _topic(ctx: Context, group: str) -> str:
    try:
        return clean((await ctx.group_info(group)).topic)
    except GatewayError:
        return group


async def _on_case(command: Command, case_id: str, ctx: Context) -> None:
    """`/warn K3F2`, `/kick K3F2`, `/dismiss K3F2`: settle a private case, in the case's
    group, by that group's policy; a case is settled once. What it did goes to the admin
    privately, even when typed in a group: a case (its member, perhaps another group's) is
    decided in private, and its warning or removal is seen where it happens."""
    admin = command.event.sender.id
    case = await moderation.find_case(ctx.store, case_id, ctx.now)
    if case is None:
        ctx.dm(admin, f"没有案件 {case_id.upper()}。发送 /cases 查看待处理的案件。")
        return
    if case.status is not Status.OPEN:
        ctx.dm(admin, _settled(case))
        return
    if case.kind == "question" and command.name != "dismiss":  # a hand-off (handlers/faq.py)
        ctx.dm(admin, f"案件 {case.id} 是成员的提问：用 /answer {case.id} 答复内容 回答，"
                      f"或 /dismiss {case.id} 结案。")
        return
    status = {"warn": Status.WARNED, "kick": Status.REMOVED}.get(command.name, Status.DISMISSED)
    try:
        moderator = Moderator(policy_of(await ctx.group_of(case.group)), ctx, case.group)
        if status is Status.REMOVED and not await moderator.can_remove():
            ctx.dm(admin, f"案件 {case.id}：机器人不是该群群主，无法移出 {clean(case.name)}，"
                          "请手动处理，或用 /warn 或 /dismiss 结案。")
            return
    except GatewayError:
        if status is not Status.DISMISSED:
            ctx.dm(admin, f"案件 {case.id}：机器人已不在该群（{case.group}），"
                          "只能 /dismiss 结案。")
            return
    await moderation.close_case(ctx.store, case.id, status, admin, ctx.now)
    typed = command.rest.split(maxsplit=1)[1:]  # (one line of 100 at most, as /warn @x's)
    offence = Offence(case.kind, Measure.KICK if status is Status.REMOVED else Measure.WARN,
                      clean(typed[0], REASON_LIMIT) if typed else case.reason,
                      f"case {case.id} by {admin}")
    if status is Status.WARNED:
        await moderator.punish(case.member, case.name, offence, f"case:{case.id}")
        ctx.dm(admin, f"案件 {case.id}：已在群里警告 {clean(case.name)}。")
    elif status is Status.REMOVED:
        await moderator.remove(case.member, case.name, offence)
        ctx.dm(admin, f"案件 {case.id}：已移出 {clean(case.name)}。")
    else:
        ctx.dm(admin, f"案件 {case.id}：不处理，已结案。")
    await ctx.audit(f"case_{status}", case.member, f"{case.id} by {admin}", case.group)


def _settled(case: Case) -> str:
    how = {Status.WARNED: "已警告", Status.REMOVED: "已移出", Status.DISMISSED: "不处理",
           Status.ANSWERED: "已答复"}
    when = f"{case.closed_at:%m-%d %H:%M}" if case.closed_at else ""
    return f"案件 {case.id} 已于 {when} 由 {case.closed_by} 结案：{how[case.status]}。"


async def _unblock(command: Command, moderator: Moderator, ctx: Context) -> None:
    """Take each member named off the block list; one reply for all of them."""
    members = _typed_ids_too(command, ctx.is_bot).targets
    if not members:
        ctx.reply("用法：/unblock @成员 或 /unblock 成员ID")
        return
    unblocked, unknown = [], []
    for member in members:
        if await moderation.unblock(ctx.store, member):
            await ctx.audit("unblock", member, f"by {command.event.sender.id}")
            unblocked.append(member)
        else:
            unknown.append(member)
    lines = []
    if unblocked:
        lines.append(f"已解封 {_ids(unblocked)}，可以重新加入本平台的群。")
    if unknown:
        lines.append(f"{_ids(unknown)} 不在移出名单中。")
    _reply_long(ctx, "\n".join(lines))


def _ids(members: list[str]) -> str:
    """Ids as typed, each on the reply's line (cleaned), the first SHOWN of them."""
    return first_of(members, SHOWN, "个", clean)


async def _reload(command: Command, moderator: Moderator, ctx: Context) -> None:
    """Reload, once this message is handled (events go on meanwhile): `_reloaded` answers."""
    ctx.reload_config(_reloaded)


async def _reloaded(ctx: Context, error: str | None, kept: list[str], warned: int) -> None:
    """The problems of a refused config, the keys read only at the start that it changed
    (kept at their running values until the next start), and how many warnings it has (what
    it accepted but likely did not mean: `groupbot check` names each, the log too) go
    privately to the admin who asked, and a group sees one neutral line."""
    assert isinstance(ctx.event, Message)
    admin = ctx.event.sender.id
    if error is None:
        await ctx.audit("reload", admin, config.reloaded(kept))
        if not kept and not warned:
            ctx.reply("✅ 配置已重新加载。")
            return
        lines = ["✅ 配置已重新加载。以下设置只在启动时读取，重启后才生效，现仍按原值运行：",
                 *kept[:MAX_ERROR_LINES]] if kept else ["✅ 配置已重新加载。"]
        if warned:
            lines.append(f"⚠️ 配置有 {warned} 个警告，运行 groupbot check 查看。")
        ctx.dm(admin, "\n".join(lines))
        if ctx.group is not None:
            ctx.reply("✅ 配置已重新加载；有设置需重启后生效，详情已私信发给你。" if kept else
                      "✅ 配置已重新加载；配置有警告，已私信告诉你。")
        return
    await ctx.audit("reload_refused", admin, error)
    lines = error.splitlines()
    more = [f"……另有 {len(lines) - MAX_ERROR_LINES} 个问题"] if len(lines) > MAX_ERROR_LINES else []
    ctx.dm(admin, "\n".join(["❌ 配置有误，仍在使用原来的配置：", *lines[:MAX_ERROR_LINES], *more]))
    if ctx.group is not None:
        ctx.reply("❌ 配置未更新，原因已私信发给你。")


async def _status(command: Command, moderator: Moderator, ctx: Context) -> None:
    assert ctx.group is not None
    info = await ctx.group_info()
    warnings, warned = await moderator.tally()
    queued = await outbox.queued_in(ctx.store, ctx.group_id)
    ctx.reply("\n".join([
        f"📊 {group_name(ctx.group.topic)}",
        f"类型：{ctx.type_title(ctx.group.type)}",
        f"成员：{info.member_count} 人",
        f"生效中的警告：{warnings} 条（{warned} 人）",
        f"待发送：{queued} 条",
    ]))


# ---------------------------------------------------------------- broadcasts and moves

IN_PRIVATE = "群发和迁移请在与机器人的私聊中使用。"


def _config(ctx: Context) -> Config:
    config = ctx.config
    assert isinstance(config, Config)
    return config


async def _broadcast(command: Command, moderator: Moderator, ctx: Context) -> None:
    """Plan a broadcast and show its preview. The text is taken from the message as sent
    (mentions and all): only the first line names the groups."""
    if ctx.group is not None:
        ctx.reply(IN_PRIVATE)
        return
    settings = _config(ctx).broadcasts
    text = command.event.text.partition("\n")[2]
    try:
        request = broadcast.parse(command.rest.partition("\n")[0] + "\n" + text)
        job = await broadcast.plan(ctx.store, request, await ctx.places(), settings, ctx.now,
                                   command.event.sender.id, ctx.content_file)
    except ValueError as exc:
        ctx.reply(f"群发未创建：{exc}。\n用法：/broadcast 群类型或群ID …（-排除）\n第二行起：内容")
        return
    _reply_long(ctx, broadcast.preview(job, await bulk.rows(ctx.store, job.id),
                                       settings.confirm_within))


async def _move(command: Command, moderator: Moderator, ctx: Context) -> None:
    if ctx.group is not None:
        ctx.reply(IN_PRIVATE)
        return
    settings = _config(ctx).moves
    try:
        request = moving.parse(command.rest, settings)
        job = await moving.plan(ctx, request, await ctx.places(), command.event.sender.id)
    except ValueError as exc:
        ctx.reply(f"迁移未创建：{exc}。")
        return
    _reply_long(ctx, moving.preview(job, await bulk.rows(ctx.store, job.id),
                                    settings.confirm_within))


def _job_id(command: Command, ctx: Context, usage: str) -> str | None:
    if ctx.group is not None:
        ctx.reply(IN_PRIVATE)
        return None
    words = command.rest.split()
    if len(words) != 1:
        ctx.reply(f"用法：{usage}")
        return None
    return words[0]


async def _confirm(command: Command, moderator: Moderator, ctx: Context) -> None:
    job_id = _job_id(command, ctx, "/confirm 编号（见预览）")
    if job_id is None:
        return
    config = _config(ctx)
    found = await bulk.find(ctx.store, job_id)
    within = (config.moves if found and found.kind is bulk.JobKind.MOVE
              else config.broadcasts).confirm_within
    outcome, job = await bulk.confirm(ctx.store, job_id, command.event.sender.id, ctx.now,
                                      within)
    if job is None:
        ctx.reply(f"没有编号为 {clean(job_id).upper()} 的群发或迁移。")
        return
    title = bulk.KIND_TITLES[job.kind]
    if outcome is bulk.Confirmed.EXPIRED:
        ctx.reply(f"{title} {job.id} 已过期（预览后 {span(within)}内未确认），没有发送。"
                  "请重新发起。")
        return
    if outcome is bulk.Confirmed.CANCELLED:
        ctx.reply(f"{title} {job.id} 已取消，没有发送。")
        return
    if outcome is bulk.Confirmed.BEFORE:
        when = f"{job.confirmed_at.astimezone(ctx.now.tzinfo):%m-%d %H:%M}" \
            if job.confirmed_at else ""
        ctx.reply(f"{title} {job.id} 已于 {when} 由 {job.confirmed_by} 确认，不会再次发送。"
                  f"发送 /progress {job.id} 查看进度。")
        return
    if job.kind is bulk.JobKind.BROADCAST:
        rows = await broadcast.send(ctx, job, config.broadcasts)
    else:
        rows = await moving.send(ctx, job, config.moves)
    queued = sum(r.state is bulk.State.QUEUED for r in rows)
    what = "个群排队发送" if job.kind is bulk.JobKind.BROADCAST else "人排队邀请"
    full = sum(r.state is bulk.State.EXCLUDED and r.reason.startswith(moving.FULL)
               for r in rows)  # (a move: the preview's, and any the confirm found no room for)
    ctx.reply(f"已确认{title} {job.id}：{queued} {what}"
              + (f"，{full} 人因新群已满未邀请" if full else "") + "，完成后发送报告。"
              f"发送 /progress {job.id} 查看进度。")


async def _cancel(command: Command, moderator: Moderator, ctx: Context) -> None:
    job_id = _job_id(command, ctx, "/cancel 编号（见预览）")
    if job_id is None:
        return
    job = await bulk.cancel(ctx.store, job_id)
    if job is None:
        ctx.reply(f"没有待确认的 {clean(job_id).upper()}（已确认、已取消或不存在）。")
        return
    await ctx.audit(f"{job.kind}_cancelled", command.event.sender.id, job.id)
    ctx.reply(f"{bulk.KIND_TITLES[job.kind]} {job.id} 已取消。")


async def _progress(command: Command, moderator: Moderator, ctx: Context) -> None:
    job_id = _job_id(command, ctx, "/progress 编号")
    if job_id is None:
        return
    job = await bulk.find(ctx.store, job_id)
    if job is None:
        ctx.reply(f"没有编号为 {clean(job_id).upper()} 的群发或迁移。")
        return
    _reply_long(ctx, await bulk.report(ctx.store, job))


def _reply_long(ctx: Context, text: str) -> None:
    """A reply that lists (warnings, ids, groups, members) in as many messages as keep each
    within a message's length."""
    for part in split_text(text):
        ctx.reply(part)


RUN: dict[str, Callable[[Command, Moderator, Context], Awaitable[None]]] = {
    "warn": _warn, "unwarn": _unwarn, "warns": _warns, "kick": _kick, "dismiss": _dismiss,
    "cases": _cases, "unblock": _unblock, "reload": _reload, "status": _status,
    "broadcast": _broadcast, "move": _move, "confirm": _confirm, "cancel": _cancel,
    "progress": _progress,
}
CASE_COMMANDS = ("warn", "kick", "dismiss")  # with a case id instead of a mention
ANYWHERE = ("dismiss", "cases", "unblock", "reload",  # the others need a group, but
            "broadcast", "move", "confirm", "cancel", "progress")  # these a private chat
