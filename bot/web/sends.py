"""The console's broadcasts and moves (群发 page): the same preview and confirm as the admins'
`/broadcast`, `/move` and `/confirm` (bot/broadcast.py, bot/moving.py, bot/bulk.py), acted
through the running bot as the operator, and the jobs with their reports."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from bot import broadcast, bulk, leases, moving, roster
from bot.bulk import Job, JobKind
from bot.commands import Command
from bot.context import Place
from bot.web import views
from bot.web.actor import acting
from bot.web.base import (
    CONSOLE,
    BadParameter,
    Console,
    Routes,
    form,
    in_time,
    jsonify,
    no_control,
    render,
    undecodable,
)
from bot.web.routes import needs_bot, operator
from bot.web.views import bound, handler_config
from handlers import admin

KINDS = {"broadcast": JobKind.BROADCAST, "move": JobKind.MOVE}


def settings(console: Console) -> admin.Config:
    """The admin handler's config of the type that answers private messages: the same
    limits as the admins' commands (its defaults when there is none)."""
    deployment = console.deployment
    direct = deployment.settings.direct
    found = handler_config(deployment.types.get(direct) if direct else None, "admin")
    return found if isinstance(found, admin.Config) else admin.Config()


def _job(job: Job, rows: list[bulk.Row], console: Console) -> dict[str, Any]:
    tz = console.deployment.settings.timezone
    within = settings(console)
    expired = job.expired(console.clock.now(), (within.moves if job.kind is JobKind.MOVE
                                                 else within.broadcasts).confirm_within)
    return {"id": job.id, "kind": str(job.kind), "asked": job.asked, "body": job.body,
            "status": "expired" if expired else str(job.status),
            "created_at": job.created_at.astimezone(tz).strftime("%Y-%m-%d %H:%M"),
            "created_by": job.created_by,
            "confirmed_at": job.confirmed_at.astimezone(tz).strftime("%Y-%m-%d %H:%M")
            if job.confirmed_at else None, "confirmed_by": job.confirmed_by,
            "counts": {state: sum(r.state == state for r in rows) for state in bulk.State},
            "rows": [{"group": r.group, "member": r.member, "name": r.name,
                      "state": str(r.state), "reason": r.reason} for r in rows]}


async def job_data(console: Console, job_id: str) -> dict[str, Any]:
    job = await bulk.find(console.reader, job_id)
    if job is None:
        raise web.HTTPNotFound(text=f"没有这个群发或迁移：{job_id}")
    return _job(job, await bulk.rows(console.reader, job.id), console)


async def recent(console: Console) -> list[dict[str, Any]]:
    return [_job(job, await bulk.rows(console.reader, job.id), console)
            for job in await bulk.recent(console.reader)]


async def places(console: Console) -> list[Place]:
    """Where the console may send: the groups of this process's account and, with several
    accounts, every group another account serves. A send into one of those is queued for the
    account serving it, which sends it (the outbox hands it over: docs/scale.md)."""
    bot = console.bot
    assert bot is not None
    own = await bot.places()
    if bot.account is None:
        return own
    served, known = await leases.leases(console.reader), {place.id for place in own}
    return own + [Place(group, topic, gtype.name, gtype.title,
                        len(await roster.present(console.reader, group)), gtype.capacity)
                  for group, topic, gtype in await bound(console)
                  if group in served and group not in known]


async def plan(console: Console, kind: JobKind, fields: dict[str, str], by: str) -> str:
    """A new preview from the form's (or the JSON body's) fields; its id."""
    needs_bot(console)
    bot = console.bot
    assert bot is not None
    config = settings(console)
    async with acting(bot, by) as actor:
        try:
            if kind is JobKind.BROADCAST:
                targets = _field(fields, "targets", 500)
                text, file = fields.get("text", "").strip(), fields.get("file", "").strip()
                if not (text or file):
                    raise BadParameter("text", "missing")
                request = broadcast.parse(f"{targets}\n{text}"
                                          + (f"\n文件：{file}" if file else ""))
                job = await broadcast.plan(actor.store, request, await places(console),
                                           config.broadcasts, actor.now, by,
                                           bot.content_file)
            else:
                asked = " ".join(_field(fields, key, 200) for key in ("source", "target"))
                request_move = moving.parse(f"{asked} {fields.get('active', '').strip()}",
                                            config.moves)
                job = await moving.plan(actor, request_move, await bot.places(), by)
        except ValueError as exc:  # bulk.BadRequest names its part; else the request's first
            field = exc.field if isinstance(exc, bulk.BadRequest) else (
                "targets" if kind is JobKind.BROADCAST else "source")
            raise BadParameter(field, str(exc)) from None
    return job.id


async def hand_move(console: Console, fields: dict[str, str], by: str
                    ) -> tuple[str, int] | None:
    """With several accounts, a move into a group another account serves is planned and
    sent by that account's process (the invitations are its to send, to its friends): handed
    to it through the commands table. (account, command id); None when this process plans
    it."""
    bot = console.bot
    if bot is None or bot.account is None:
        return None
    target = _field(fields, "target", 200)
    lease = (await leases.leases(console.reader)).get(target)
    if lease is None or lease.account == bot.account:
        return None
    args = {key: fields.get(key, "").strip() for key in ("source", "target", "active")}
    return lease.account, await views.hand(console, lease.account, "move", args, by, target)


async def carry_out(console: Console, command: Command) -> tuple[bool, dict[str, Any]]:
    """A console action handed to this process by another's console: a move here, the
    others in views.carry_out."""
    if command.action != "move":
        return await views.carry_out(console, command)
    # a move handed by another process's console: planned here, as if asked here
    try:
        job_id = await plan(console, JobKind.MOVE, dict(command.args), command.operator)
    except BadParameter as exc:
        return False, {"status": "refused", "parameter": exc.parameter, "problem": exc.problem}
    return True, {"status": "planned", "job": job_id}


def _field(fields: dict[str, str], name: str, limit: int) -> str:
    value = fields.get(name, "").strip()
    if not value:
        raise BadParameter(name, "missing")
    if len(value) > limit:
        raise BadParameter(name, f"longer than {limit} characters")
    return value


async def confirm(console: Console, job_id: str, by: str) -> str:
    """Confirm a preview as the admins' /confirm does; what happened, in a word."""
    needs_bot(console)
    bot = console.bot
    assert bot is not None
    config = settings(console)
    async with acting(bot, by) as actor:
        found = await bulk.find(actor.store, job_id)
        if found is None:
            raise web.HTTPNotFound(text=f"没有这个群发或迁移：{job_id}")
        within = (config.moves if found.kind is JobKind.MOVE else config.broadcasts)
        outcome, job = await bulk.confirm(actor.store, job_id, by, actor.now,
                                          within.confirm_within)
        if outcome is bulk.Confirmed.NOW and job is not None:
            if job.kind is JobKind.BROADCAST:
                await broadcast.send(actor, job, config.broadcasts)
            else:
                await moving.send(actor, job, config.moves)
    return str(outcome)


async def cancel(console: Console, job_id: str, by: str) -> bool:
    needs_bot(console)
    assert console.bot is not None
    async with acting(console.bot, by) as actor:
        job = await bulk.cancel(actor.store, job_id)
        if job is not None:
            await actor.audit(f"{job.kind}_cancelled", "", job.id)
    return job is not None


CONFIRMED = {"now": "已确认，开始发送", "unknown": "没有这个编号", "expired": "已过期，没有发送",
             "before": "已确认过，不会再次发送", "cancelled": "已取消，没有发送"}


# ---------------------------------------------------------------- pages


async def page(request: web.Request, done: str = "", status: int = 200) -> web.StreamResponse:
    console = request.app[CONSOLE]
    return render(request, "broadcasts.html", status, title="群发与迁移", done=done,
                  jobs=await recent(console),
                  types=sorted({p.type for p in await places(console)})
                  if console.bot else [])


async def job_page(request: web.Request, done: str = "") -> web.StreamResponse:
    console = request.app[CONSOLE]
    data = await job_data(console, request.match_info["id"])
    return render(request, "job.html", title=f"{'群发' if data['kind'] == 'broadcast' else '迁移'}"
                  f" {data['id']}", j=data, done=done)


async def preview_form(request: web.Request) -> web.StreamResponse:
    fields = await form(request)
    kind = KINDS.get(fields.get("kind", ""))
    if kind is None:
        raise BadParameter("kind", "broadcast or move")
    if kind is JobKind.MOVE and (
            handed := await hand_move(request.app[CONSOLE], fields, operator(request))):
        return await page(request, f"新群由账号 {handed[0]} 服务：迁移已交给它的进程预览"
                                   f"（命令 {handed[1]}，/api/commands/{handed[1]}）", 202)
    job_id = await plan(request.app[CONSOLE], kind, fields, operator(request))
    raise web.HTTPSeeOther(f"/jobs/{job_id}")


async def confirm_form(request: web.Request) -> web.StreamResponse:
    await form(request)
    outcome = await confirm(request.app[CONSOLE], request.match_info["id"], operator(request))
    return await job_page(request, CONFIRMED[outcome])


async def cancel_form(request: web.Request) -> web.StreamResponse:
    await form(request)
    done = await cancel(request.app[CONSOLE], request.match_info["id"], operator(request))
    return await job_page(request, "已取消" if done else "不是待确认的预览，没有变化")


# ---------------------------------------------------------------- JSON


BROADCAST_KEYS = {"targets": 'give a text (several groups: "r1 r2", "all")',
                  "text": "give a text", "file": 'give a text (a content file: "posters/a.png")'}
MOVE_KEYS = {"source": 'give a text (a group id: "c1")', "target": 'give a text (a group id: "c2")',
             "active": 'give a text (a period: "14d")'}
"""The keys each JSON request reads, with what to write when a value is no text."""


async def _body(request: web.Request, keys: dict[str, str]) -> dict[str, str]:
    """The request's JSON object as the fields of `keys`: a null is as if the key were left
    out, a key the request does not read is ignored, and a value of a key it reads that is
    no text or number is 400 naming it (a list would be dropped, then said to be missing)."""
    try:
        data = await in_time(request.json())
    except web.RequestPayloadError:
        raise undecodable(request) from None
    except ValueError:
        raise BadParameter("body", "not JSON") from None
    except RecursionError:  # `[[[[…` (60 KB of them fit the body limit): was a 500
        raise BadParameter("body", "nested too deep to read (not JSON the console takes)") \
            from None
    except LookupError:  # `Content-Type: application/json; charset=nonsense`
        raise BadParameter("body", "in a charset nobody knows: send UTF-8") from None
    if not isinstance(data, dict):
        raise BadParameter("body", "not a JSON object")
    fields: dict[str, str] = {}
    for key, hint in keys.items():
        value = data.get(key)
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, (str, int)):
            raise BadParameter(key, hint)
        fields[key] = no_control(key, str(value), lines=True)
    return fields


async def jobs_api(request: web.Request) -> web.StreamResponse:
    return jsonify(await recent(request.app[CONSOLE]))


async def job_api(request: web.Request) -> web.StreamResponse:
    return jsonify(await job_data(request.app[CONSOLE], request.match_info["id"]))


async def broadcast_api(request: web.Request) -> web.StreamResponse:
    console = request.app[CONSOLE]
    job_id = await plan(console, JobKind.BROADCAST, await _body(request, BROADCAST_KEYS),
                        operator(request))
    return jsonify(await job_data(console, job_id), 201)


async def move_api(request: web.Request) -> web.StreamResponse:
    console = request.app[CONSOLE]
    fields = await _body(request, MOVE_KEYS)
    if (handed := await hand_move(console, fields, operator(request))) is not None:
        account, command = handed
        return jsonify({"status": "handed", "account": account, "command": command}, 202)
    job_id = await plan(console, JobKind.MOVE, fields, operator(request))
    return jsonify(await job_data(console, job_id), 201)


async def confirm_api(request: web.Request) -> web.StreamResponse:
    console = request.app[CONSOLE]
    outcome = await confirm(console, request.match_info["id"], operator(request))
    data = await job_data(console, request.match_info["id"])
    if outcome in ("now", "before"):
        return jsonify({"outcome": outcome, **data})
    return jsonify({"error": f"not confirmed: {outcome}", "outcome": outcome, **data}, 409)


async def cancel_api(request: web.Request) -> web.StreamResponse:
    console = request.app[CONSOLE]
    done = await cancel(console, request.match_info["id"], operator(request))
    data = await job_data(console, request.match_info["id"])
    if done:
        return jsonify(data)
    return jsonify({"error": "only a preview can be cancelled", **data}, 409)


def add(app: web.Application) -> None:
    r = Routes(app)
    r.add_get("/broadcasts", page)
    r.add_post("/broadcasts/preview", preview_form)
    r.add_get("/jobs/{id}", job_page)
    r.add_post("/jobs/{id}/confirm", confirm_form)
    r.add_post("/jobs/{id}/cancel", cancel_form)
    r.add_get("/api/jobs", jobs_api)
    r.add_get("/api/jobs/{id}", job_api)
    r.add_post("/api/broadcasts", broadcast_api)
    r.add_post("/api/moves", move_api)
    r.add_post("/api/jobs/{id}/confirm", confirm_api)
    r.add_post("/api/jobs/{id}/cancel", cancel_api)
