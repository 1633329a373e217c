"""The console's routes: each page and the JSON API behind it, from the same view data
(bot/web/views.py), and the actions (revoke a warning, unblock, validate and reload)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

from aiohttp import web

from bot.config import parse_duration
from bot.web import charts, views
from bot.web.base import (
    CONSOLE,
    SESSION,
    BadParameter,
    Conflict,
    Console,
    Routes,
    form,
    jsonify,
    no_control,
    number,
    render,
)

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}")
PER_PAGE = 50
MAX_PER_PAGE = 500


# ---------------------------------------------------------------- parameters


def since_param(request: web.Request, default: timedelta | None) -> datetime | None:
    """`since`: a duration back from now (7d, 12h) or an ISO date; 400 naming it if bad."""
    console = request.app[CONSOLE]
    now = console.clock.now()
    value = request.query.get("since", "").strip()
    if not value:
        return now - default if default is not None else None
    if _DATE.match(value):
        try:
            since = datetime.fromisoformat(value)
        except ValueError:
            raise BadParameter("since", f"{value!r} is not a date like 2026-11-01") from None
        since = since if since.tzinfo else since.replace(tzinfo=now.tzinfo)
    else:
        try:
            since = now - parse_duration(value)
        except (ValueError, OverflowError):
            raise BadParameter("since", f"{value!r}: give 7d, 12h or a date like 2026-11-01"
                               ) from None
    try:  # the views compare it in UTC: a year-1 date in UTC+8 falls off the calendar
        since.astimezone(UTC)
    except (ValueError, OverflowError):
        raise BadParameter("since", f"{value!r} is out of range") from None
    return since


def int_param(request: web.Request, name: str, default: int, top: int) -> int:
    value = request.query.get(name, "").strip()
    if not value:
        return default
    return number(name, value, top)


def choice_param(request: web.Request, name: str, choices: tuple[str, ...]) -> str:
    value = request.query.get(name, choices[0])
    if value not in choices:
        raise BadParameter(name, f"{value!r} is not one of {', '.join(choices)}")
    return value


def text_param(request: web.Request, name: str, limit: int = 200) -> str | None:
    """A text to look for (a group, a member, a search): 400 naming it when it is too long or
    holds a control character (a NUL, which PostgreSQL cannot compare; no name holds one:
    member text is stored without, bot/sanitize.py `storable`)."""
    value = request.query.get(name, "").strip()
    if len(value) > limit:
        raise BadParameter(name, f"longer than {limit} characters")
    return no_control(name, value) or None


async def group_or_404(console: Console, group_id: str) -> views.GroupRow:
    found = await views.group_row(console, group_id)
    if found is None:
        raise web.HTTPNotFound(text=f"没有这个群：{group_id}")
    return found


def needs_bot(console: Console) -> None:
    if console.read_only:
        raise Conflict(text="只读模式（groupbot web）：这个操作需要运行中的机器人（groupbot run）")


# ---------------------------------------------------------------- overview and groups


async def overview_api(request: web.Request) -> web.StreamResponse:
    return jsonify(await views.overview(request.app[CONSOLE]))


async def overview_page(request: web.Request) -> web.StreamResponse:
    data = await views.overview(request.app[CONSOLE])
    trend = data["trend"]
    return render(
        request, "overview.html", title="总览", o=data,
        people=charts.lines("chart-members", "30 天入群与退群", trend["days"], [
            charts.Series("入群", trend["joins"]), charts.Series("退群", trend["leaves"])]),
        activity=charts.lines("chart-activity", "30 天消息与活跃人数", trend["days"], [
            charts.Series("消息", trend["messages"]),
            charts.Series("活跃人数", trend["active"]),
            charts.Series("签到", trend["checkins"])]),
        moderation=charts.lines("chart-moderation", "30 天警告与移出", trend["days"], [
            charts.Series("警告", trend["warnings"]),
            charts.Series("移出", trend["removals"])]),
        heat=charts.heatmap("chart-heatmap", "每周各时段消息数", data["heatmap"]))


def account_filter(request: web.Request) -> str | None:
    """`?account=NAME`: only the groups that account serves (several accounts)."""
    account = request.query.get("account")
    if account is None:
        return None
    known = [a.name for a in request.app[CONSOLE].deployment.settings.accounts]
    if account not in known:
        raise BadParameter("account", f"{account!r} is not one of bot.yaml's accounts "
                                      f"({', '.join(known) or 'none'})")
    return account


async def groups_api(request: web.Request) -> web.StreamResponse:
    return jsonify([row.json() for row in await views.groups(request.app[CONSOLE],
                                                             account_filter(request))])


async def groups_page(request: web.Request) -> web.StreamResponse:
    rows = await views.groups(request.app[CONSOLE], account_filter(request))
    return render(request, "groups.html", title="群组", groups=rows,
                  accounts=any(row.account for row in rows))


async def command_api(request: web.Request) -> web.StreamResponse:
    """A console action handed to another account's process, and its outcome."""
    command_id = request.match_info["id"]
    found = await views.command(request.app[CONSOLE], number("id", command_id))
    if found is None:
        raise web.HTTPNotFound(text=f"no command {command_id}")
    return jsonify(found)


async def group_api(request: web.Request) -> web.StreamResponse:
    console = request.app[CONSOLE]
    row = await group_or_404(console, request.match_info["id"])
    return jsonify({**row.json(), "daily": await views.daily(console, row.id)})


def _members_query(request: web.Request) -> tuple[str | None, str, str]:
    return (text_param(request, "q"), choice_param(request, "sort", views.MEMBER_SORTS),
            choice_param(request, "order", ("asc", "desc")))


async def members_api(request: web.Request) -> web.StreamResponse:
    console = request.app[CONSOLE]
    row = await group_or_404(console, request.match_info["id"])
    q, sort, order = _members_query(request)
    return jsonify([m.json() for m in await views.members(console, row.id, q, sort, order)])


async def group_page(request: web.Request) -> web.StreamResponse:
    console = request.app[CONSOLE]
    row = await group_or_404(console, request.match_info["id"])
    q, sort, order = _members_query(request)
    daily = await views.daily(console, row.id)
    recent = await views.audit_log(console, group=row.id, since=None, action=None, member=None,
                               page=1, per_page=20)
    return render(
        request, "group.html", title=row.topic, g=row, q=q or "", sort=sort, order=order,
        members=await views.members(console, row.id, q, sort, order), recent=recent,
        chart=charts.lines("chart-group", "30 天成员、消息与活跃人数", daily["days"], [
            charts.Series("成员", daily["members"]), charts.Series("消息", daily["messages"]),
            charts.Series("活跃人数", daily["active"])]))


# ---------------------------------------------------------------- moderation


def _audit_query(request: web.Request) -> dict[str, Any]:
    return {"group": text_param(request, "group"), "since": since_param(request, None),
            "action": text_param(request, "action"), "member": text_param(request, "member"),
            "page": int_param(request, "page", 1, 1_000_000),
            "per_page": int_param(request, "per_page", PER_PAGE, MAX_PER_PAGE)}


async def audit_api(request: web.Request) -> web.StreamResponse:
    return jsonify(await views.audit_log(request.app[CONSOLE], **_audit_query(request)))


async def moderation_api(request: web.Request) -> web.StreamResponse:
    return jsonify(await views.moderation_state(
        request.app[CONSOLE], int_param(request, "page", 1, 1_000_000),
        int_param(request, "per_page", views.BLOCKED_PER_PAGE, MAX_PER_PAGE)))


async def moderation_page(request: web.Request, done: str = "") -> web.StreamResponse:
    console = request.app[CONSOLE]
    query = _audit_query(request)  # (its `page` is the audit log's; the block list's is
    #                                 `blocked_page`)
    return render(request, "moderation.html", title="群管", done=done,
                  m=await views.moderation_state(
                      console, int_param(request, "blocked_page", 1, 1_000_000)),
                  log=await views.audit_log(console, **query),
                  filters={k: request.query.get(k, "") for k in ("group", "since", "action",
                                                                 "member")})


async def revoke_api(request: web.Request) -> web.StreamResponse:
    console = request.app[CONSOLE]
    needs_bot(console)
    warning = request.match_info["id"]
    if (handed := await views.hand_revoke(console, number("id", warning),
                                          operator(request))) is not None:
        return jsonify({"status": "handed", "account": handed[0], "command": handed[1]}, 202)
    revoked = await views.revoke(console, number("id", warning), operator(request))
    if revoked is None:
        raise web.HTTPNotFound(text=f"no warning {warning} in force")
    return jsonify({"status": "revoked", "warning": revoked})


async def unblock_api(request: web.Request) -> web.StreamResponse:
    console = request.app[CONSOLE]
    needs_bot(console)
    member = request.match_info["member"]
    if not await views.unblock(console, member, operator(request)):
        raise web.HTTPNotFound(text=f"{member} is not blocked")
    return jsonify({"status": "unblocked", "member": member})


async def revoke_form(request: web.Request) -> web.StreamResponse:
    console = request.app[CONSOLE]
    needs_bot(console)
    warning = (await form(request)).get("warning", "")
    if (handed := await views.hand_revoke(console, number("warning", warning),
                                          operator(request))) is not None:
        return await moderation_page(request, f"警告 #{warning} 所在群由账号 {handed[0]} 服务："
                                              "已交给它的进程撤销")
    revoked = await views.revoke(console, number("warning", warning), operator(request))
    return await moderation_page(request, f"已撤销警告 #{warning}" if revoked else
                                 f"警告 #{warning} 已不在生效中")


async def unblock_form(request: web.Request) -> web.StreamResponse:
    console = request.app[CONSOLE]
    needs_bot(console)
    member = (await form(request)).get("member", "")
    if not member:
        raise BadParameter("member", "missing")
    done = await views.unblock(console, member, operator(request))
    return await moderation_page(request, f"已解封 {member}" if done
                                 else f"{member} 不在移出名单中")


def operator(request: web.Request) -> str:
    """Who acted, for the audit log: a browser session or the API token, and from where."""
    how = "console" if request.get(SESSION) else "api"
    return f"{how}@{request.remote or '?'}"


# ---------------------------------------------------------------- funnel, schedules, config


async def funnel_api(request: web.Request) -> web.StreamResponse:
    since = since_param(request, timedelta(days=30))
    assert since is not None
    return jsonify(await views.funnel(request.app[CONSOLE], since))


async def funnel_page(request: web.Request) -> web.StreamResponse:
    since = since_param(request, timedelta(days=30))
    assert since is not None
    data = await views.funnel(request.app[CONSOLE], since)
    weekly = data["weekly"]
    return render(
        request, "funnel.html", title="漏斗", f=data,
        stages=charts.bars("chart-stages", "各阶段人数",
                           [(s["stage"], s["reached"]) for s in data["stages"]]),
        over_time=charts.lines("chart-funnel", "每周新进入各阶段人数", weekly["weeks"], [
            charts.Series(stage, counts) for stage, counts in weekly["new"].items()]),
        quiz=charts.bars("chart-quiz", "各题通过率（%）",
                         [(q["question"], q["pass_percent"]) for q in data["quiz"]]))


async def schedules_api(request: web.Request) -> web.StreamResponse:
    return jsonify(await views.schedules(request.app[CONSOLE]))


async def schedules_page(request: web.Request) -> web.StreamResponse:
    return render(request, "schedules.html", title="定时任务",
                  jobs=await views.schedules(request.app[CONSOLE]))


async def budgets_api(request: web.Request) -> web.StreamResponse:
    return jsonify(await views.budgets(request.app[CONSOLE]))


async def budgets_page(request: web.Request) -> web.StreamResponse:
    return render(request, "budgets.html", title="发送预算",
                  b=await views.budgets(request.app[CONSOLE]))


async def config_api(request: web.Request) -> web.StreamResponse:
    return jsonify(views.effective_config(request.app[CONSOLE]))


async def config_page(request: web.Request, result: dict[str, Any] | None = None,
                      status: int = 200) -> web.StreamResponse:
    return render(request, "config.html", status, title="配置", result=result,
                  c=views.effective_config(request.app[CONSOLE]))


async def validate_api(request: web.Request) -> web.StreamResponse:
    result = await views.validate(request.app[CONSOLE])
    return jsonify(result, 200 if result["status"] == "valid" else 422)


async def reload_api(request: web.Request) -> web.StreamResponse:
    console = request.app[CONSOLE]
    needs_bot(console)
    result = await views.reload(console, operator(request))
    return jsonify(result, 200 if result["status"] == "reloaded" else 422)


async def validate_form(request: web.Request) -> web.StreamResponse:
    result = await views.validate(request.app[CONSOLE])
    return await config_page(request, result, 200 if result["status"] == "valid" else 422)


async def reload_form(request: web.Request) -> web.StreamResponse:
    console = request.app[CONSOLE]
    needs_bot(console)
    result = await views.reload(console, operator(request))
    return await config_page(request, result, 200 if result["status"] == "reloaded" else 422)


# ---------------------------------------------------------------- exports and members


async def exports_page(request: web.Request) -> web.StreamResponse:
    return render(request, "exports.html", title="导出", kinds=views.EXPORTS)


async def export_csv(request: web.Request) -> web.StreamResponse:
    what = request.match_info["what"]
    if what not in views.EXPORTS:
        raise web.HTTPNotFound(text=f"没有这种导出：{what}")
    for name in request.query:
        if name != "group":
            raise BadParameter(name, "no such parameter: an export takes only `group`")
    group = text_param(request, "group")
    console = request.app[CONSOLE]
    if group is not None and group not in {g[0] for g in await views.bound(console)}:
        raise BadParameter("group", f"no group {group!r} in the database")
    body = await views.export(console, what, group)
    return web.Response(body=body, headers={
        "Content-Type": "text/csv; charset=utf-8",
        "Content-Disposition": f'attachment; filename="{what}.csv"'})


async def me_api(request: web.Request) -> web.StreamResponse:
    console = request.app[CONSOLE]
    member = await views.member_of(console, request.match_info["token"])
    if member is None:
        raise web.HTTPForbidden(text="这个链接无效或已过期")
    return jsonify(await views.me(console, member))


async def me_page(request: web.Request) -> web.StreamResponse:
    console = request.app[CONSOLE]
    member = await views.member_of(console, request.match_info["token"])
    if member is None:
        return render(request, "member_error.html", 403, title="链接已失效",
                      message="这个链接无效或已过期。")
    return render(request, "me.html", title="我的数据", d=await views.me(console, member))


def add(app: web.Application) -> None:
    r = Routes(app)
    r.add_get("/", overview_page)
    r.add_get("/groups", groups_page)
    r.add_get("/moderation", moderation_page)
    r.add_get("/funnel", funnel_page)
    r.add_get("/schedules", schedules_page)
    r.add_get("/budgets", budgets_page)
    r.add_get("/config", config_page)
    r.add_get("/api/overview", overview_api)
    r.add_get("/api/groups", groups_api)
    r.add_get("/api/groups/{id}", group_api)
    r.add_get("/api/groups/{id}/members", members_api)
    r.add_get("/groups/{id}", group_page)
    r.add_get("/api/audit", audit_api)
    r.add_get("/api/moderation", moderation_api)
    r.add_post("/api/warnings/{id}/revoke", revoke_api)
    r.add_post("/api/blocklist/{member}/unblock", unblock_api)
    r.add_post("/moderation/revoke", revoke_form)
    r.add_post("/moderation/unblock", unblock_form)
    r.add_get("/api/funnel", funnel_api)
    r.add_get("/api/schedules", schedules_api)
    r.add_get("/api/budgets", budgets_api)
    r.add_get("/api/config", config_api)
    r.add_post("/api/config/validate", validate_api)
    r.add_post("/api/reload", reload_api)
    r.add_get("/api/commands/{id}", command_api)
    r.add_post("/config/validate", validate_form)
    r.add_post("/config/reload", reload_form)
    r.add_get("/exports", exports_page)
    r.add_get("/export/{what}.csv", export_csv)
    r.add_get("/api/me/{token}", me_api)
    r.add_get("/me/{token}", me_page)
