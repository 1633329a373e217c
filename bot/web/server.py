"""The console's aiohttp application: middlewares (errors, security headers, auth, CSRF),
the login flow, /healthz and /metrics, and starting and stopping the server next to a bot
(`groupbot run`) or alone over a database (`groupbot web`, read-only).
"""

from __future__ import annotations

import asyncio
import logging
import math
import signal
import socket
import sys
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cache, partial
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, unquote, unquote_to_bytes

import jinja2
from aiohttp import web
from aiohttp.abc import AbstractAccessLogger
from aiohttp.http_exceptions import HttpProcessingError
from markupsafe import Markup, escape

from bot import sanitize, schema
from bot.audit_command import no_database
from bot.clock import SystemClock
from bot.config import Deployment, absent
from bot.handler import Registry
from bot.sanitize import visible
from bot.store import check_readable
from bot.web import security
from bot.web.base import (
    BODY_LIMIT,
    CONSOLE,
    HERE,
    PAGES,
    SESSION,
    BadParameter,
    Console,
    Handler,
    Routes,
    api,
    form,
    jsonify,
    no_control,
    platform_state,
    render,
)
from bot.web.security import LOGIN_COOKIE, SESSION_COOKIE

if TYPE_CHECKING:
    from bot.app import Bot

log = logging.getLogger(__name__)

WRITES = frozenset({"POST", "PUT", "DELETE", "PATCH"})
KEPT = ("Retry-After", "WWW-Authenticate")  # an error's headers that its JSON or page keeps
PUBLIC = ("/healthz", "/login", "/static/", "/me/", "/api/me/", "/metrics")


def for_bot(bot: Bot, token: str) -> Console:
    """The console of a running bot: it reads the bot's database, acts through the bot."""
    return Console(bot.db_path, bot.clock, bot.registry, token, bot, metrics=bot.metrics)


# characters GROUPBOT_WEB_TOKEN needs at least: the right token gets in even from an address
# locked out for wrong ones (docs/web.md), so only its length keeps guessers out
MIN_TOKEN = 32


def operator_token(environ: Mapping[str, str]) -> tuple[str, bool]:
    """GROUPBOT_WEB_TOKEN, or a random token (with a login link printed once); and whether
    it came from the environment. A token that cannot be right is not used: the console
    still serves (its /healthz, members' links) with a random one, and says why."""
    given = environ.get("GROUPBOT_WEB_TOKEN", "").strip()
    unusable = given and token_problem(given)
    if unusable:
        print(f"GROUPBOT_WEB_TOKEN {unusable}; until then the login link below logs in",
              file=sys.stderr, flush=True)
        given = ""
    return (given, True) if given else (security.new_token(), False)


def token_problem(token: str) -> str:
    """Why GROUPBOT_WEB_TOKEN cannot be used ("" if it can): too short to keep guessers
    out, or holding an env file's trailing `# comment`, which systemd keeps in the value."""
    if len(token) < MIN_TOKEN:
        return (f"is {len(token)} characters, too short to be used: give it at least "
                f"{MIN_TOKEN} random ones (python3 -c \"import secrets; "
                "print(secrets.token_urlsafe(32))\")")
    if any(c.isspace() for c in token):  # (a '#' alone may be the token's own: no comment
        return ("holds a space, so it is not used: a '# comment' after the value in "  # then)
                "an env file stays in the value (systemd's EnvironmentFile); put the comment "
                "on a line of its own")
    return ""


# ---------------------------------------------------------------- middlewares


@web.middleware
async def errors(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Errors as JSON under /api/, as a page elsewhere; never a traceback."""
    try:
        return await handler(request)
    except BadParameter as exc:
        if api(request):
            return jsonify({"error": exc.problem, "parameter": exc.parameter}, 400)
        return render(request, "error.html", 400, title="参数错误",
                      message=f"参数 {exc.parameter}：{exc.problem}")
    except web.HTTPException as exc:
        if exc.status < 400 or (exc.status == 401 and not api(request)):
            raise
        if api(request) or request.path == "/metrics":
            headers = {k: v for k, v in exc.headers.items() if k in KEPT}
            response = jsonify({"error": exc.reason if not exc.text or exc.text.startswith(
                str(exc.status)) else exc.text}, exc.status)
            response.headers.update(headers)
            return response
        titles = {403: "没有权限", 404: "页面不存在", 405: "不支持的请求",
                  408: "请求超时", 409: "需要运行中的机器人", 413: "请求内容过大",
                  429: "尝试次数过多"}
        # in place of aiohttp's English, where it refuses a request itself
        ours = {413: f"请求内容不能超过 {BODY_LIMIT // 1024} KB"}
        said = exc.text if exc.text and not exc.text.startswith(str(exc.status)) else ""
        page = render(request, "error.html", exc.status,
                      title=titles.get(exc.status, "出错了"), message=ours.get(exc.status, said))
        page.headers.update({k: v for k, v in exc.headers.items() if k in KEPT})
        return page
    except Exception:
        log.exception("the console failed on %s %s", request.method,
                      logged_path(request.path))
        if api(request):
            return jsonify({"error": "internal error"}, 500)
        return render(request, "error.html", 500, title="出错了", message="服务器内部错误")


@web.middleware
async def headers(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        response = await handler(request)
    except web.HTTPException as exc:  # a redirect
        exc.headers.update(security.HEADERS)
        raise
    response.headers.update(security.HEADERS)
    return response


def query_problem(raw: str) -> BadParameter | None:
    """A query parameter that is not UTF-8 or is given twice (aiohttp would quietly put
    U+FFFD in its place, or take the first): the 400 that names it, if any."""
    seen: set[str] = set()
    for pair in raw.split("&"):
        if not pair:
            continue
        name, _, value = (part.replace("+", " ") for part in pair.partition("="))
        try:
            decoded = unquote_to_bytes(name).decode()
        except UnicodeDecodeError:
            return BadParameter(unquote(name, errors="replace"), "its name is not UTF-8")
        try:
            unquote_to_bytes(value).decode()
        except UnicodeDecodeError:
            return BadParameter(decoded, "not UTF-8 text")
        if decoded in seen:
            return BadParameter(decoded, "given more than once")
        seen.add(decoded)
    return None


@web.middleware
async def query(request: web.Request, handler: Handler) -> web.StreamResponse:
    problem = query_problem(request.rel_url.raw_query_string)
    if problem is not None:
        raise problem
    for name, value in request.match_info.items():  # (a group, a job, a member in the path)
        no_control(name, value)
    return await handler(request)


def _bearer(request: web.Request) -> str | None:
    kind, _, value = request.headers.get("Authorization", "").partition(" ")
    return value.strip() if kind.lower() == "bearer" and value.strip() else None


def bearer_ok(request: web.Request) -> bool:
    """Whether the request carries the operator's token as `Authorization: Bearer`. A token
    is a login: a wrong one counts as a failed login, and a wrong one from an address locked
    out by the login limit gets 429 (the right one gets in: _try_login)."""
    given = _bearer(request)
    return given is not None and _try_login(request, given)


@web.middleware
async def auth(request: web.Request, handler: Handler) -> web.StreamResponse:
    """The operator's bearer token, or a session (with its CSRF token on every write)."""
    if request.path == "/" or not request.path.startswith(PUBLIC):
        if bearer_ok(request):
            return await handler(request)
        console = request.app[CONSOLE]
        session = console.sessions.get(request.cookies.get(_cookie(request, SESSION_COOKIE)))
        if session is None:
            if api(request):
                raise web.HTTPUnauthorized(text="log in, or send Authorization: Bearer TOKEN",
                                           headers={"WWW-Authenticate": "Bearer"})
            if request.method not in WRITES:
                raise web.HTTPFound(f"/login?next={quote(request.path_qs, safe='')}")
            back = quote(page_of(request.path), safe='')
            if request.path == "/logout":  # (logged out already: nothing left undone)
                raise web.HTTPFound(f"/login?next={back}")
            raise web.HTTPFound(f"/login?next={back}&undone=1")
        request[SESSION] = session
        if request.method in WRITES:
            given = request.headers.get("X-CSRF-Token")
            if given is None and request.content_type in (
                    "application/x-www-form-urlencoded", "multipart/form-data"):
                given = (await form(request)).get("csrf", "")
            if not given or not security.same(given, session.csrf):
                raise web.HTTPForbidden(text=STALE_FORM)
    return await handler(request)


# a write whose CSRF token is not its session's: a forged request, or (what an operator
# meets) a page opened before a logout and a new login in another tab
STALE_FORM = "CSRF 令牌缺失或已失效：这个页面是在重新登录之前打开的，请刷新页面后再操作"


def page_of(path: str) -> str:
    """The page whose form posts to `path`: its parent (/moderation for /moderation/revoke,
    /jobs/ID for /jobs/ID/confirm, / for /logout). A write without a session goes back
    there after the login: the browser follows the login's redirect with a GET, which the
    POST-only route answered with 405 (review s34 r1 W4). The write is not carried out, and
    the login page says so (`undone`)."""
    return path.rsplit("/", 1)[0] or "/"


def logged_path(path: str) -> str:
    """The path as logs show it: a member's link is their password, so /me/… stands for it."""
    for prefix in ("/me/", "/api/me/"):
        if path.startswith(prefix):
            return prefix + "…"
    return path


class AccessLog(AbstractAccessLogger):
    """Method, path and status only: a query string may carry a login token."""

    def log(self, request: web.BaseRequest, response: web.StreamResponse,
            time: float) -> None:
        self.logger.info("%s %s %s %.0fms", request.method, logged_path(request.path),
                         response.status, time * 1000)


# ---------------------------------------------------------------- login, health, metrics


class BadRequests(logging.Filter):
    """aiohttp logs a request it cannot even parse (a header over 8 KB, a broken request
    line) at ERROR with its traceback: any client could fill the operator's log with them.
    Such a record becomes one warning naming the client and the fault, without the bytes it
    choked on (they may hold a login token)."""

    def filter(self, record: logging.LogRecord) -> bool:
        fault = record.exc_info[1] if record.exc_info else None
        if isinstance(fault, web.RequestPayloadError) and isinstance(
                fault.__cause__, HttpProcessingError):
            # a body that does not decode as its Content-Encoding says: the console answers
            # 400 (base.undecodable), and aiohttp meets the fault again reading what is left
            fault = fault.__cause__
        client = record.args[0] if isinstance(record.args, tuple) and record.args else "?"
        if isinstance(fault, HttpProcessingError):
            record.msg, record.args = "unreadable request from %s: %s %s", (
                client, fault.code, type(fault).__name__)
        elif isinstance(fault, UnicodeEncodeError) and _in_expect(fault):
            # aiohttp's answer to an Expect header where no route of ours answers (a path
            # or method it has none for): its 417 repeats the value, which a byte that is
            # not UTF-8 makes a 500 (review s34 r4 Z1; our routes' own: base.expect)
            record.msg, record.args = ("a request's Expect header holds a byte that is not "
                                       "UTF-8: answered 500"), ()
        else:
            return True
        record.levelno, record.levelname = logging.WARNING, "WARNING"
        record.exc_info = record.exc_text = None
        return True


def _in_expect(fault: BaseException) -> bool:
    """Whether `fault` was raised in aiohttp's own answer to an Expect header."""
    frames = fault.__traceback__
    while frames is not None:
        if frames.tb_frame.f_code.co_name == "_default_expect_handler":
            return True
        frames = frames.tb_next
    return False


class AcceptFaults(logging.Filter):
    """asyncio logs "socket.accept() out of system resource" with a traceback each time its
    accept loop finds the process out of file descriptors, and tries again at once: slow
    clients holding the console's connections made 261,044 tracebacks, 110 MB of log, in 90 s
    (review s34 r1 W1). It becomes one warning every EVERY seconds, without the traceback,
    saying how many it stands for."""

    EVERY = 60.0

    def __init__(self, now: Callable[[], float] = time.monotonic) -> None:
        super().__init__()
        self._now = now
        self._next = -math.inf
        self._left_out = 0

    def filter(self, record: logging.LogRecord) -> bool:
        if not str(record.msg).startswith("socket.accept() out of system resource"):
            return True
        now = self._now()
        if now < self._next:
            self._left_out += 1
            return False
        fault = record.exc_info[1] if record.exc_info else None
        record.msg, record.args = (
            "cannot accept connections (%s), and %d times more since the last such warning "
            "(one a minute at most): raise LimitNOFILE, or look for clients holding "
            "connections", (fault or "out of system resource", self._left_out))
        record.levelno, record.levelname = logging.WARNING, "WARNING"
        record.exc_info = record.exc_text = None
        self._next, self._left_out = now + self.EVERY, 0
        return True


logging.getLogger("asyncio").addFilter(AcceptFaults())
requests_log = logging.getLogger("bot.web.requests")
requests_log.addFilter(BadRequests())
# seconds a connection may stay open without a request under way: aiohttp's default is
# 3630. Its timer starts when the connection opens and again after each answer, and a
# request's bytes do not push it back, so it also bounds how long a request's headers may
# take: a client dripping them held its connection (and a file descriptor) for an hour,
# and a few hundred such clients took every descriptor (review s34 r1 W1). A body has its
# own limit (base.BODY_TIMEOUT). Browsers open a new connection when this one is closed.
KEEPALIVE = 15.0
RUNNER: dict[str, Any] = {"access_log_class": AccessLog, "logger": requests_log,
                          "keepalive_timeout": KEEPALIVE}
# how long a stop waits for console requests under way (aiohttp's default is 60 s): the bot
# stops after the console, and a service manager kills it 30 s after asking it to stop
SHUTDOWN_TIMEOUT = 5.0


def _safe_next(target: str | None) -> str:
    """A path on this site, or /: browsers drop tabs and newlines from a Location and read
    a backslash as a slash, so /<TAB>/evil.example would leave the site."""
    if (target and target.startswith("/") and not target.startswith("//")
            and "\\" not in target and all(" " < c != "\x7f" for c in target)):
        return target
    return "/"


def _cookie(request: web.Request, name: str) -> str:
    """A cookie's name for this console: with several accounts, each account's console its
    own (browsers keep cookies by host, not port: logging in to one account's console logged
    the operator out of the others). An account's name is fit for one (bot.yaml allows
    lower-case letters, digits, - and _)."""
    bot = request.app[CONSOLE].bot
    account = bot.account if bot is not None else None
    return f"{name}_{account}" if account else name


def _logged_in(request: web.Request, target: str) -> web.Response:
    session_id, _ = request.app[CONSOLE].sessions.login(
        request.cookies.get(_cookie(request, SESSION_COOKIE)))
    response = web.HTTPSeeOther(_safe_next(target))
    response.set_cookie(_cookie(request, SESSION_COOKIE), session_id, httponly=True,
                        samesite="Strict", secure=request.secure, path="/")
    response.del_cookie(_cookie(request, LOGIN_COOKIE), path="/login")
    return response


def _try_login(request: web.Request, given: str) -> bool:
    """Whether `given` is the operator's token. The right token always is, also from an
    address the login limit holds: refused, anyone sharing the operator's address (every
    client behind the TLS proxy of a console open for members' links) kept the operator,
    the API scripts and the metrics scraper out for as long as he liked with five wrong
    tries a minute. A wrong token from such an address still gets 429 (and is not counted):
    against guessing, what holds is the token's length (the bot's own is 256 random bits;
    docs/web.md asks as much of GROUPBOT_WEB_TOKEN)."""
    console, client = request.app[CONSOLE], request.remote or "?"
    if security.same(given, console.token):
        return True
    wait = console.logins.wait(client)
    if wait:
        raise web.HTTPTooManyRequests(text=f"登录失败次数过多，请 {wait} 秒后再试",
                                      headers={"Retry-After": str(wait)})
    console.logins.failed(client)
    return False


# The login link opened from another site (a web mail, a chat's web page): the browser
# sends no SameSite=Strict cookie on that navigation nor on the redirect after it, so the
# login made a new session (every form of a tab already open then failed) and the page it
# went on to asked to log in again (review s34 r2 X3). This page opens the link again, from
# the console itself, where the browser's cookies are sent; marked `step`, so that it is
# never answered with this page again (a tab a sandboxed frame opened counts even its own
# reload as cross-site: review s34 r3 Y2), and with a link where the browser does not follow
# the refresh. Where even the step's reload comes from another site (such a sandboxed tab),
# no login can hold there: a session made there replaced the browser's own and its cookie
# never came back (review s34 r4 Z2). The operator is asked to open the link in a tab of
# their own.
SAME_SITE_STEP = ('<!doctype html><meta charset="utf-8">'
                  '<meta http-equiv="refresh" content="0; url={again}"><title>登录</title>'
                  '<p>正在登录… <a href="{again}">继续登录</a></p>')
OWN_TAB = ('<!doctype html><meta charset="utf-8"><title>登录</title>'
           "<p>这个窗口是在另一个网站的受限页面里打开的，不能在这里登录。"
           "请复制地址栏中的链接，在浏览器的新标签页中打开。</p>")


async def login_page(request: web.Request) -> web.StreamResponse:
    target = request.query.get("next", "/")
    token = request.query.get("token")
    if token is not None and request.headers.get("Sec-Fetch-Site") == "cross-site":
        if "step" in request.query:
            return web.Response(text=OWN_TAB, content_type="text/html")
        again = escape(str(request.rel_url.update_query(step="1")))
        return web.Response(text=SAME_SITE_STEP.format(again=again), content_type="text/html")
    if token is not None and _try_login(request, token):
        return _logged_in(request, target)
    csrf = security.new_token()
    page = render(request, "login.html", 403 if token is not None else 200,
                  title="登录", form=csrf, next=_safe_next(target),
                  failed=token is not None, undone="undone" in request.query)
    page.set_cookie(_cookie(request, LOGIN_COOKIE), csrf, httponly=True, samesite="Strict",
                    path="/login", secure=request.secure)
    return page


async def login(request: web.Request) -> web.StreamResponse:
    data = await form(request)
    csrf = data.get("csrf", "")
    if not csrf or not security.same(csrf, request.cookies.get(_cookie(request, LOGIN_COOKIE), "")):
        raise web.HTTPForbidden(text="登录表单已过期，请刷新后再试")
    target = data.get("next", "/")
    if _try_login(request, data.get("token", "")):
        return _logged_in(request, target)
    page = render(request, "login.html", 403, title="登录", form=csrf,
                  next=_safe_next(target), failed=True, undone=False)
    return page


async def logout(request: web.Request) -> web.StreamResponse:
    request.app[CONSOLE].sessions.close(request.cookies.get(_cookie(request, SESSION_COOKIE)))
    response = web.HTTPSeeOther("/login")
    response.del_cookie(_cookie(request, SESSION_COOKIE), path="/")
    return response


HEALTH_READ = 5.0
"""Seconds /healthz waits for the database to answer (the container's check gives it 30)."""


async def healthz(request: web.Request) -> web.StreamResponse:
    console = request.app[CONSOLE]
    platform = platform_state(console)
    depth = len(console.bot.outbox) if console.bot is not None else 0
    readable = await _readable(console)
    status = "degraded" if platform == "disconnected" or not readable else "ok"
    health: dict[str, object] = {"status": status, "platform": platform, "outbox": depth,
                                 "database": "ok" if readable else "unreadable"}
    if console.bot is not None and console.bot.account is not None:
        health["account"] = console.bot.account  # one process per account (docs/scale.md)
        health["groups"] = len(console.bot.accounts.leases.held()) if console.bot.accounts else 0
    return jsonify(health, 503 if status == "degraded" else 200)


async def _readable(console: Console) -> bool:
    """Whether the console's reader reads the database (a file gone or made unreadable, a
    PostgreSQL server down: every page would fail) within HEALTH_READ seconds."""
    try:
        await asyncio.wait_for(console.reader.one(  # a page of the file (SELECT 1 reads none:
            "SELECT 1 FROM schema_version LIMIT 1"), HEALTH_READ)  # a file of garbage passed)
    except asyncio.CancelledError:
        raise
    except Exception as error:  # (whatever the backend raises: the check says degraded)
        log.warning("/healthz: the database did not answer a read: %s",
                    str(error) or type(error).__name__)
        return False
    return True


async def metrics(request: web.Request) -> web.StreamResponse:
    console = request.app[CONSOLE]
    if not (console.deployment.settings.web.public_metrics or bearer_ok(request)):
        raise web.HTTPUnauthorized(text="send Authorization: Bearer TOKEN",
                                   headers={"WWW-Authenticate": "Bearer"})
    return web.Response(body=console.metrics.text(),
                        headers={"Content-Type": "text/plain; version=0.0.4; charset=utf-8"})


# ---------------------------------------------------------------- the application

# the console's own files, by name: /static/NAME serves these and nothing else
STATIC = {file.name: file for file in (HERE / "static").iterdir() if file.is_file()}


async def static(request: web.Request) -> web.StreamResponse:
    """One of the console's own files. aiohttp's static route looked a requested name up
    on the disk: a missing file was an empty 404 (no page saying so), and a name longer
    than the file system takes, asked by anyone without logging in, a 500 with a traceback
    in the log (review s39 r31 F1)."""
    name = request.match_info["name"]
    if name not in STATIC:
        raise web.HTTPNotFound(text=f"没有这个文件：{name}")
    return web.FileResponse(STATIC[name])


@cache
def _pages() -> jinja2.Environment:
    """The templates, compiled once a process (each console app of a process shares them;
    a template file changed on disk is compiled again)."""
    pages = jinja2.Environment(loader=jinja2.FileSystemLoader(HERE / "templates"),
                               autoescape=True, undefined=jinja2.StrictUndefined,
                               finalize=_shown)
    pages.filters["exact"] = _exact
    return pages


def _shown(value: object) -> object:
    """Every value a page shows, as text a screen shows (member names carry bidi overrides
    and control characters); markup the console composed (charts) as it is."""
    return visible(value) if isinstance(value, str) and not isinstance(value, Markup) else value


def _exact(value: object) -> Markup:
    """A value a form posts back (a member id to unblock, a search, the page after login) as
    it is stored, only HTML-escaped: cleaned, "zw\u200bid" would come back as "zwid", which
    names nobody."""
    return escape(value)


def make_app(console: Console) -> web.Application:
    from bot.web import routes, sends

    app = web.Application(middlewares=[headers, errors, auth, query], client_max_size=BODY_LIMIT)
    app[CONSOLE] = console
    app[PAGES] = _pages()
    r = Routes(app)
    r.add_get("/healthz", healthz)
    r.add_get("/metrics", metrics)
    r.add_get("/login", login_page)
    r.add_post("/login", login)
    r.add_post("/logout", logout)
    r.add_get("/static/{name}", static)
    routes.add(app)
    sends.add(app)
    return app


@dataclass
class Running:
    runner: web.AppRunner
    url: str

    async def stop(self) -> None:
        await self.runner.cleanup()


EVERY_ADDRESS = frozenset(("0.0.0.0", "::", ""))  # a host that listens on all of them


async def start(console: Console, host: str, port: int, *, announce: bool = True,
                token_from_env: bool = True, lasts: str = "until the bot stops") -> Running:
    """Serve the console; print `console: URL` on stderr (and, when the token was made up
    here, a one-time login URL, good `lasts`). Raises OSError when the address is taken.
    On every address of the machine (0.0.0.0, ::) the URL names the machine: a link to
    0.0.0.0 opens nothing from another one."""
    runner = web.AppRunner(make_app(console), handle_signals=False,
                           shutdown_timeout=SHUTDOWN_TIMEOUT, **RUNNER)
    await runner.setup()
    site = web.TCPSite(runner, host, port)
    try:
        await site.start()
    except (OSError, OverflowError):  # (OverflowError: a port past 65535)
        await runner.cleanup()
        raise
    bound = runner.addresses[0][1] if runner.addresses else port
    shown = socket.gethostname() if host in EVERY_ADDRESS else (
        f"[{host}]" if ":" in host else host)
    url = f"http://{shown}:{bound}/"
    if announce:
        print(f"console: {url}", file=sys.stderr, flush=True)
        if not token_from_env:
            print(f"console login (printed once; it logs in {lasts}): "
                  f"{url}login?token={console.token}", file=sys.stderr, flush=True)
    return Running(runner, url)


# ---------------------------------------------------------------- with a bot, or alone


@dataclass
class Served:
    console: Console
    running: Running

    async def stop(self) -> None:
        await self.running.stop()
        await self.console.close()


async def serve_for(bot: Bot, environ: Mapping[str, str]) -> Served | None:
    """The console next to a running bot (`groupbot run`), when `web.enabled`. A console
    that cannot listen is reported and left out: the bot runs on without it."""
    settings = bot.deployment.settings.web
    if not settings.enabled:
        return None
    token, from_env = operator_token(environ)
    console = for_bot(bot, token)
    from bot.web import sends

    if bot.accounts is not None:  # what other consoles hand to it
        bot.accounts.carry_out = partial(sends.carry_out, console)
    port = bot.deployment.settings.console_port(bot.account)  # one port per account
    try:
        running = await start(console, settings.host, port, token_from_env=from_env)
    except (OSError, OverflowError) as exc:
        await console.close()
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else exc
        print(f"console unavailable: cannot listen on {settings.host}:{port} "
              f"({reason}); set web.port, or web.enabled: false",
              file=sys.stderr, flush=True)
        return None
    return Served(console, running)


async def standalone(deployment: Deployment, db: Path | str, host: str, port: int,
                     registry: Registry, environ: Mapping[str, str]) -> int:
    """`groupbot web`: the console alone over a database until SIGINT or SIGTERM."""
    if absent(db):
        print(no_database("web", db, deployment.storage_path), file=sys.stderr)
        return 2
    token, from_env = operator_token(environ)
    sanitize.screen_names_with(deployment.name_lists)
    console = Console(db, SystemClock(deployment.settings.timezone), registry, token,
                      standalone_deployment=deployment)
    try:
        await check_readable(console.reader, db, schema.migrations(registry))  # (this version's)
    except BaseException:
        await console.close()
        raise
    try:
        running = await start(console, host, port, token_from_env=from_env,
                              lasts="until this console stops")
    except OSError as exc:
        await console.close()
        print(f"groupbot web: cannot listen on {host}:{port} ({exc.strerror or exc})",
              file=sys.stderr)
        return 2
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    try:
        await stop.wait()
    finally:
        await Served(console, running).stop()
    return 0
