"""Moderation by hand: commands the admins type in a group.

    /warn @member [reason]     警告      a warning, counted like the spam handler's
    /unwarn @member            撤销警告  take back the member's latest warning
    /warns [@member]           警告记录  warnings in force (everyone's without a mention)
    /kick @member [reason]     踢        remove at once, announced with the reason
    /unblock @member|ID        解封      let a removed member join again
    /reload                    重载      reload the config (a bad one is refused)
    /status                    状态      group type, members, warnings, queued actions

Only the contact ids under `admins` in bot.yaml may use them, never a display name; anyone
else gets nothing, or the `refusal` text. Targets are the members the message mentions.
Warnings and removals follow the antispam settings of the group's type (limit, expiry,
texts), so a warning by hand and one by a detector count together.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from pydantic import Field

from bot import outbox
from bot.context import Context
from bot.events import Message
from bot.handler import CONTINUE, STOP, Flow, Handler, HandlerConfig
from bot.text import normalize, strip_mentions
from handlers.antispam import Action, Antispam, Moderator, Offence, WarningInForce
from handlers.antispam import Config as AntispamConfig

ALIASES = {
    "warn": ("warn", "警告"),
    "unwarn": ("unwarn", "撤销警告"),
    "warns": ("warns", "list", "警告记录"),
    "kick": ("kick", "踢"),
    "unblock": ("unblock", "解封"),
    "reload": ("reload", "重载"),
    "status": ("status", "状态"),
}
DEFAULT_REASON = "违反群规"
MAX_ERROR_LINES = 3


class Config(HandlerConfig):
    prefix: str = Field("/", min_length=1)
    refusal: str | None = None


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

    def parse(self, event: Message, bot_id: str) -> Command | None:
        """The command in a message, or None. A Latin command ends at a space or the end
        ("/warns" is not "/warn s"); a Chinese one may run into its argument ("/踢@Bob")."""
        text = strip_mentions(event.text)
        if not normalize(text[:len(self.config.prefix) + 1]).startswith(self._prefix):
            return None  # most messages: not a command at all
        for word, name in self._words:
            head = normalize(text[:len(word)])
            after = text[len(word):len(word) + 1]
            if head == word and not (_is_ascii_alnum(word[-1]) and _is_ascii_alnum(after)):
                targets = tuple(m for m in dict.fromkeys(event.mentions) if m != bot_id)
                return Command(name, event, targets, text[len(word):].strip())
        return None

    async def handle(self, event: Message, ctx: Context) -> Flow:
        if ctx.group is None:
            return CONTINUE
        command = self.parse(event, ctx.bot_id)
        if command is None:
            return CONTINUE
        if not ctx.is_admin(event.sender.id):
            await ctx.audit("command_refused", event.sender.id, event.text[:100])
            if self.config.refusal:
                ctx.reply(self.config.refusal, mention=True)
            return STOP
        moderator = Moderator(await _policy(ctx), ctx)
        await RUN[command.name](command, moderator, ctx)
        return STOP


async def _policy(ctx: Context) -> AntispamConfig:
    """The antispam settings of this group's type (defaults if the type has none)."""
    assert ctx.group is not None
    for _, gtype in await ctx.groups_of_type(ctx.group.type):
        for handler in gtype.handlers:
            if isinstance(handler, Antispam):
                return handler.config
        break
    return AntispamConfig()


def _needs_targets(command: Command, ctx: Context, usage: str) -> bool:
    if not command.targets:
        ctx.reply(f"用法：{usage}（请 @ 要处理的成员）")
        return False
    return True


async def _members(command: Command, ctx: Context, verb: str) -> list[tuple[str, str]]:
    """The mentioned members an admin command may act on, with their names; admins are
    refused with a reply."""
    allowed = []
    for member in command.targets:
        name = await ctx.name(member)
        if ctx.is_admin(member):
            ctx.reply(f"{name} 是管理员，不能{verb}。")
        else:
            allowed.append((member, name))
    return allowed


def _offence(command: Command, action: Action) -> Offence:
    return Offence("admin", action, command.rest or DEFAULT_REASON,
                   f"by {command.event.sender.id}")


async def _warn(command: Command, moderator: Moderator, ctx: Context) -> None:
    if not _needs_targets(command, ctx, "/warn @成员 [原因]"):
        return
    for member, name in await _members(command, ctx, "警告"):
        await moderator.punish(member, name, _offence(command, Action.WARN), command.event.id)


async def _unwarn(command: Command, moderator: Moderator, ctx: Context) -> None:
    if not _needs_targets(command, ctx, "/unwarn @成员"):
        return
    for member in command.targets:
        name = await ctx.name(member)
        revoked = await moderator.revoke_last(member)
        if revoked is None:
            ctx.reply(f"{name} 没有生效中的警告。")
            continue
        count = await moderator.count(member)
        await ctx.audit("unwarn", member, f"{revoked.detector}: {revoked.reason} "
                                          f"(now {count}/{moderator.limit})")
        ctx.reply(f"已撤销 {name} 的一次警告（{revoked.reason}），"
                  f"现在 {count}/{moderator.limit}。")


async def _warns(command: Command, moderator: Moderator, ctx: Context) -> None:
    if command.targets:
        for member in command.targets:
            warnings = await moderator.in_force(member)
            name = await ctx.name(member)
            if not warnings:
                ctx.reply(f"{name} 没有生效中的警告。")
                continue
            lines = [f"· {w.at:%m-%d %H:%M} {w.reason}" + (f" ×{w.weight}" if w.weight > 1
                                                            else "") for w in warnings]
            total = sum(w.weight for w in warnings)
            ctx.reply("\n".join([f"{name} 的警告（{total}/{moderator.limit}）：", *lines]))
        return
    by_member: dict[str, list[WarningInForce]] = {}
    for warning in await moderator.in_force():
        by_member.setdefault(warning.member, []).append(warning)
    if not by_member:
        ctx.reply("本群没有生效中的警告。")
        return
    lines = [f"· {await ctx.name(member)} {sum(w.weight for w in warnings)}/{moderator.limit}："
             + "、".join(dict.fromkeys(w.reason for w in warnings))
             for member, warnings in by_member.items()]
    ctx.reply("\n".join(["生效中的警告：", *lines]))


async def _kick(command: Command, moderator: Moderator, ctx: Context) -> None:
    if not _needs_targets(command, ctx, "/kick @成员 [原因]"):
        return
    for member, name in await _members(command, ctx, "移出"):
        if not await moderator.remove(member, name, _offence(command, Action.KICK)):
            ctx.reply(f"机器人不是群主，无法移出 {name}，已通知管理员。")


async def _unblock(command: Command, moderator: Moderator, ctx: Context) -> None:
    members = command.targets or tuple(command.rest.split())
    if not members:
        ctx.reply("用法：/unblock @成员 或 /unblock 成员ID")
        return
    for member in members:
        if await moderator.unblock(member):
            await ctx.audit("unblock", member, f"by {command.event.sender.id}")
            ctx.reply(f"已解封 {member}，可以重新加入本平台的群。")
        else:
            ctx.reply(f"{member} 不在移出名单中。")


async def _reload(command: Command, moderator: Moderator, ctx: Context) -> None:
    error = await ctx.reload_config()
    if error is None:
        await ctx.audit("reload", command.event.sender.id, "config reloaded")
        ctx.reply("✅ 配置已重新加载。")
        return
    await ctx.audit("reload_refused", command.event.sender.id, error)
    lines = error.splitlines()
    more = [f"……另有 {len(lines) - MAX_ERROR_LINES} 个问题"] if len(lines) > MAX_ERROR_LINES else []
    ctx.reply("\n".join(["❌ 配置有误，仍在使用原来的配置：", *lines[:MAX_ERROR_LINES], *more]))


async def _status(command: Command, moderator: Moderator, ctx: Context) -> None:
    assert ctx.group is not None
    info = await ctx.group_info()
    warnings = await moderator.in_force()
    queued = await outbox.queued_in(ctx.store, ctx.scope)
    ctx.reply("\n".join([
        f"📊 {ctx.group.topic}",
        f"类型：{ctx.group.type}",
        f"成员：{info.member_count} 人",
        f"生效中的警告：{len(warnings)} 条（{len({w.member for w in warnings})} 人）",
        f"待发送：{queued} 条",
    ]))


RUN: dict[str, Callable[[Command, Moderator, Context], Awaitable[None]]] = {
    "warn": _warn, "unwarn": _unwarn, "warns": _warns, "kick": _kick, "unblock": _unblock,
    "reload": _reload, "status": _status,
}
