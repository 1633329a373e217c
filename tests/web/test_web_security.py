"""Who may use the console and how: the operator token, the login form and its rate limit,
sessions with CSRF tokens, security headers, and errors that name what is wrong."""

from __future__ import annotations

import asyncio
import logging
import re
from datetime import timedelta
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient, TestServer
from harness import Harness
from web_site import GROUPS, HOSTILE, TOKEN, Site, deployment
from yarl import URL

from bot import cli
from bot.web import links, security, server

BEARER = {"Authorization": f"Bearer {TOKEN}"}


async def test_health_needs_no_login_and_reports_the_platform(site: Site) -> None:
    response = await site.client.get("/healthz")
    assert response.status == 200
    assert await response.json() == {"status": "ok", "platform": "connected", "outbox": 0,
                                      "database": "ok"}


async def test_the_api_wants_the_token_and_pages_send_to_the_login(site: Site) -> None:
    response = await site.client.get("/api/groups")
    assert response.status == 401
    assert response.headers["WWW-Authenticate"] == "Bearer"  # RFC 9110: a 401 says how
    assert "error" in await response.json()
    wrong = await site.client.get("/api/groups", headers={"Authorization": "Bearer nope"})
    assert wrong.status == 401
    assert (await site.client.get("/api/groups", headers=BEARER)).status == 200
    page = await site.client.get("/groups/r1?sort=name", allow_redirects=False)
    assert page.status == 302
    target = URL(page.headers["Location"])
    assert (target.path, target.query["next"]) == ("/login", "/groups/r1?sort=name")


async def test_logging_in_sets_a_strict_http_only_session_cookie(site: Site) -> None:
    page = await site.client.get("/login")
    form = re.search(r'name="csrf" value="([^"]+)"', await page.text())
    assert form is not None
    done = await site.client.post("/login", data={"csrf": form[1], "token": TOKEN,
                                                  "next": "/groups"}, allow_redirects=False)
    assert done.status == 303 and done.headers["Location"] == "/groups"
    cookie = done.headers["Set-Cookie"]
    assert "groupbot_session=" in cookie and "HttpOnly" in cookie
    assert "SameSite=Strict" in cookie
    assert (await site.client.get("/groups", allow_redirects=False)).status == 200



async def test_with_several_accounts_each_consoles_session_cookie_is_its_own(
        site: Site, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each account's console listens on its own port, and browsers keep cookies by host,
    not port: one cookie name for all made logging in to one log the operator out of the
    others (review s31b W5)."""
    monkeypatch.setattr(site.h.bot, "account", "b")
    page = await site.client.get("/login")
    form = re.search(r'name="csrf" value="([^"]+)"', await page.text())
    assert form is not None and "groupbot_login_b=" in page.headers["Set-Cookie"]
    done = await site.client.post("/login", data={"csrf": form[1], "token": TOKEN,
                                                  "next": "/groups"}, allow_redirects=False)
    assert done.status == 303 and "groupbot_session_b=" in done.headers["Set-Cookie"]
    assert (await site.client.get("/groups", allow_redirects=False)).status == 200
    session = site.client.session.cookie_jar.filter_cookies(site.client.make_url("/"))
    other = {"groupbot_session": session["groupbot_session_b"].value}  # as account a's
    site.client.session.cookie_jar.clear()
    assert (await site.client.get("/groups", cookies=other, allow_redirects=False)).status == 302

async def test_a_login_form_without_its_csrf_token_is_refused(site: Site) -> None:
    response = await site.client.post("/login", data={"token": TOKEN})
    assert response.status == 403
    assert "groupbot_session" not in response.cookies


async def test_the_next_page_after_login_stays_on_this_site(site: Site) -> None:
    page = await site.client.get("/login")
    form = re.search(r'name="csrf" value="([^"]+)"', await page.text())
    assert form is not None
    done = await site.client.post("/login", data={"csrf": form[1], "token": TOKEN,
                                                  "next": "//evil.example/x"},
                                  allow_redirects=False)
    assert done.headers["Location"] == "/"


async def test_login_attempts_are_rate_limited_but_the_right_token_gets_in(site: Site) -> None:
    """Five wrong tries a minute from the proxy's address (anyone's, with the console open
    for members' links) held the operator out for as long as they went on: the right token
    got 429 too. Wrong tries past the limit still do."""
    for _ in range(5):
        wrong = await site.client.get("/login?token=guess")
        assert wrong.status == 403
        assert "令牌不正确" in await wrong.text()
    blocked = await site.client.get("/login?token=guess", allow_redirects=False)
    assert blocked.status == 429
    assert int(blocked.headers["Retry-After"]) > 0
    assert "groupbot_session" not in blocked.cookies
    done = await site.client.get(f"/login?token={TOKEN}", allow_redirects=False)
    assert done.status == 303 and "groupbot_session" in done.cookies
    assert (await site.client.get("/login?token=guess")).status == 429  # still limited


async def test_wrong_bearer_tokens_count_as_failed_logins(site: Site) -> None:
    guess = {"Authorization": "Bearer guess"}
    for path in ("/api/groups", "/metrics", "/api/groups", "/metrics", "/api/audit"):
        assert (await site.client.get(path, headers=guess)).status == 401
    for blocked in (await site.client.get("/api/groups", headers=guess),
                    await site.client.get("/metrics", headers=guess),
                    await site.client.get("/login?token=guess", allow_redirects=False)):
        assert blocked.status == 429 and int(blocked.headers["Retry-After"]) > 0
    # the operator's scripts, the metrics scraper and the login link still get in
    assert (await site.client.get("/api/groups", headers=BEARER)).status == 200
    assert (await site.client.get("/metrics", headers=BEARER)).status == 200
    assert (await site.client.get(f"/login?token={TOKEN}", allow_redirects=False)).status == 303


async def test_right_tokens_from_the_same_address_do_not_give_a_guesser_more_tries(
        site: Site) -> None:
    """A metrics scraper (or the operator) behind the same proxy as a guesser: its requests
    with the right token leave the guesser's failures as they were."""
    guess = {"Authorization": "Bearer guess"}
    for _ in range(4):
        assert (await site.client.get("/api/groups", headers=guess)).status == 401
        assert (await site.client.get("/metrics", headers=BEARER)).status == 200
    assert (await site.client.get("/api/groups", headers=guess)).status == 401  # the fifth
    blocked = await site.client.get("/api/groups", headers=guess)
    assert blocked.status == 429 and int(blocked.headers["Retry-After"]) > 0


async def test_the_one_time_login_url_logs_in_and_the_token_is_not_logged(
        site: Site, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    done = await site.client.get(f"/login?token={TOKEN}", allow_redirects=False)
    assert done.status == 303 and done.headers["Location"] == "/"
    assert (await site.client.get("/", allow_redirects=False)).status == 200
    assert TOKEN not in caplog.text
    assert "/login" in caplog.text  # the access log is on, without the query


@pytest.mark.parametrize("request_head", [
    f"GET /me/{TOKEN}{'a' * 9000} HTTP/1.1\r\nHost: x\r\n\r\n",  # a member link, too long
    f"GET /login?token={TOKEN} HTTP/1.1\r\nHost: x\r\nX-Big: {'a' * 9000}\r\n\r\n"])
async def test_a_request_too_long_to_read_is_one_warning_without_its_bytes(
        site: Site, caplog: pytest.LogCaptureFixture, request_head: str) -> None:
    """aiohttp logged each at ERROR with a traceback and the first 100 bytes it choked on:
    any client could fill the log, and a member's link or the login token went into it."""
    caplog.set_level(logging.DEBUG)
    server_side = site.client.server
    reader, writer = await asyncio.open_connection(server_side.host, server_side.port)
    writer.write(request_head.encode())
    await writer.drain()
    answer = await reader.read(200)
    writer.close()
    assert answer.split(b" ")[1] == b"400"
    [record] = [r for r in caplog.records if "request" in r.getMessage()
                and r.name != "aiohttp.access"]
    assert (record.levelname, record.exc_info) == ("WARNING", None)
    assert record.getMessage() == "unreadable request from 127.0.0.1: 400 LineTooLong"
    assert TOKEN not in caplog.text and "Traceback" not in caplog.text


async def test_a_browser_write_without_the_csrf_token_is_forbidden(site: Site) -> None:
    csrf = await site.login()
    refused = await site.client.post("/api/reload")
    assert refused.status == 403
    assert "CSRF" in (await refused.json())["error"]
    wrong = await site.client.post("/api/reload", headers={"X-CSRF-Token": "x" + csrf})
    assert wrong.status == 403
    form = await site.client.post("/config/reload", data={"csrf": "forged"})
    assert form.status == 403
    ok = await site.client.post("/api/reload", headers={"X-CSRF-Token": csrf})
    assert ok.status == 200, await ok.text()


async def test_a_bearer_token_needs_no_csrf_token(site: Site) -> None:
    response = await site.client.post("/api/reload", headers=BEARER)
    assert response.status == 200
    assert (await response.json())["status"] == "reloaded"


async def test_logging_out_ends_the_session(site: Site) -> None:
    csrf = await site.login()
    assert (await site.client.post("/logout", data={"csrf": "wrong"})).status == 403
    done = await site.client.post("/logout", data={"csrf": csrf}, allow_redirects=False)
    assert done.status == 303 and done.headers["Location"] == "/login"
    assert (await site.client.get("/", allow_redirects=False)).status == 302


@pytest.mark.parametrize("path", ["/", "/login", "/api/groups", "/nope", "/api/nope",
                                  "/static/console.css", "/healthz"])
async def test_every_response_carries_the_security_headers(site: Site, path: str) -> None:
    await site.login()
    response = await site.client.get(path, headers=BEARER if path.startswith("/api") else {})
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "no-referrer"


async def test_unknown_routes_are_404_json_under_api_and_a_page_elsewhere(site: Site) -> None:
    api = await site.client.get("/api/nope", headers=BEARER)
    assert api.status == 404 and api.content_type == "application/json"
    await site.login()
    page = await site.client.get("/nope")
    assert page.status == 404 and page.content_type == "text/html"
    assert "页面不存在" in await page.text()
    group = await site.client.get("/api/groups/nosuch", headers=BEARER)
    assert group.status == 404


@pytest.mark.parametrize(("query", "parameter"), [
    ("since=yesterday", "since"), ("page=0", "page"), ("page=x", "page"),
    ("per_page=100000", "per_page"), ("since=2026-13-01", "since")])
async def test_bad_query_parameters_are_400_naming_the_parameter(
        site: Site, query: str, parameter: str) -> None:
    response = await site.client.get(f"/api/audit?{query}", headers=BEARER)
    assert response.status == 400
    assert (await response.json())["parameter"] == parameter


def _sample(text: str, name: str) -> float:
    found = re.search(rf"^{re.escape(name)} (\S+)$", text, re.MULTILINE)
    return float(found[1]) if found else 0.0


async def test_metrics_need_the_token_and_name_everything_groupbot(site: Site) -> None:
    refused = await site.client.get("/metrics")
    assert refused.status == 401 and refused.headers["WWW-Authenticate"] == "Bearer"
    before = await (await site.client.get("/metrics", headers=BEARER)).text()
    await site.h.say("r1", "alice", "大家好")
    response = await site.client.get("/metrics", headers=BEARER)
    assert response.status == 200
    text = await response.text()
    names = {line.split()[2] for line in text.splitlines() if line.startswith("# TYPE")}
    assert names and all(name.startswith("groupbot_") for name in names)
    messages = 'groupbot_events_handled_total{kind="message"}'
    assert _sample(text, messages) == _sample(before, messages) + 1
    assert _sample(text, "groupbot_event_handling_seconds_count") == \
        _sample(before, "groupbot_event_handling_seconds_count") + 1


@pytest.mark.parametrize(("path", "parameter"), [
    ("/api/audit?page=%C2%B2", "page"),  # a superscript two: isdigit() says yes, int() no
    ("/api/audit?per_page=%EF%BC%95", "per_page"),  # a full-width 5
    ("/api/audit?page=" + "9" * 5000, "page"),  # past int()'s digit limit
    ("/api/funnel?since=10000000d", "since"),  # further back than datetime goes
    ("/api/funnel?since=0001-01-01", "since"),
    ("/api/audit?since=99999999999999999999d", "since"),
    ("/api/audit?since=7d&since=x", "since"),  # repeated: which one was meant?
    ("/api/audit?per_page=1&per_page=500", "per_page"),
    ("/api/audit?group=%FF", "group"),  # not UTF-8
    ("/api/groups/r1/members?q=%C3%28", "q"),
    ("/api/groups?sort=a&sort=b", "sort"),
])
async def test_hostile_query_parameters_are_400_naming_them_never_a_500(
        site: Site, path: str, parameter: str) -> None:
    response = await site.client.get(path, headers=BEARER)
    assert response.status == 400, await response.text()
    assert (await response.json())["parameter"] == parameter
    await site.login()
    page = await site.client.get(path.replace("/api/audit", "/moderation")
                                 .replace("/api/funnel", "/funnel"))
    if not page.url.path.startswith("/api/"):
        assert page.status == 400 and parameter in await page.text()


@pytest.mark.parametrize("target", ["/\t/evil.example/x", "/\n/evil.example", "/\r/evil.example",
                                    "/ /evil.example", "/x\\..\\\\evil.example",
                                    "https://evil.example", "/\x00/evil.example"])
async def test_control_characters_in_next_cannot_make_an_open_redirect(
        site: Site, target: str) -> None:
    done = await site.client.get("/login", params={"token": TOKEN, "next": target},
                                 allow_redirects=False)
    assert done.status == 303
    location = done.headers["Location"]
    assert location.startswith("/") and not location.startswith(("//", "/\\"))
    assert not URL(location).host


async def test_a_members_link_is_not_written_to_the_log(
        site: Site, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    key = await links.make_key(site.h.bot.store)
    token = links.sign(key, "dave", site.h.clock.now() + timedelta(days=7))
    assert (await site.client.get(f"/me/{token}")).status == 200
    assert (await site.client.get(f"/api/me/{token}")).status == 200
    assert (await site.client.get(f"/api/me/{token}x")).status == 403
    assert token not in caplog.text
    assert "/me/" in caplog.text and "/api/me/" in caplog.text  # still logged, without it


async def test_a_requested_path_cannot_forge_a_line_of_the_log(
        site: Site, caplog: pytest.LogCaptureFixture) -> None:
    """Any client, without logging in: the access log shows the path decoded, so a line
    break in it wrote a line that looked like the bot's own (an ERROR telling the operator
    to delete the database), and escape sequences cleared the operator's terminal. The log
    groupbot writes (bot/cli.py) shows them escaped, on the request's one line."""
    caplog.set_level(logging.INFO)
    server_side = site.client.server
    reader, writer = await asyncio.open_connection(server_side.host, server_side.port)
    forged = ("/x%0A2026-12-01%2003:00:00,000%20ERROR%20bot.store:%20the%20database%20is%20"
              "corrupt%1B[2J%1B]0;pwned%07%E2%80%AE")
    writer.write(f"GET {forged} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode())
    await writer.drain()
    assert (await reader.read()).startswith(b"HTTP/1.1 302 ")
    writer.close()
    for _ in range(100):  # (the access log is written once the answer has gone)
        if records := [r for r in caplog.records if r.name == "aiohttp.access"]:
            break
        await asyncio.sleep(0.01)
    [record] = records
    line = cli.LogLines(cli.LOG_FORMAT).format(record)
    assert line.endswith(" INFO aiohttp.access: GET /x\\n2026-12-01 03:00:00,000 ERROR "
                         "bot.store: the database is corrupt\\x1b[2J\\x1b]0;pwned\\x07"
                         "\\u202e 302 " + line.rsplit(" ", 1)[1]), line


async def test_a_members_link_is_accepted_only_as_it_was_made(site: Site) -> None:
    """int() also reads "+1796617853", "01796617853" and "1_796_617_853": one link must be
    one string, so that it can be matched or blocked as written."""
    key = await links.make_key(site.h.bot.store)
    token = links.sign(key, "dave", site.h.clock.now() + timedelta(days=7))
    member, at, mac = token.split(".")
    assert (await site.client.get(f"/me/{token}")).status == 200
    for expiry in (f"+{at}", f"0{at}", f"{at[:3]}_{at[3:]}", f" {at}"):
        assert (await site.client.get(f"/me/{member}.{expiry}.{mac}")).status == 403, expiry


async def test_a_hostile_group_name_is_text_on_every_page(site: Site) -> None:
    await site.h.rename_group("r1", "alice", HOSTILE)
    await site.login()
    for path in ("/", "/groups", "/groups/r1", "/moderation", "/funnel", "/schedules",
                 "/budgets", "/config", "/exports"):
        page = await site.client.get(path)
        assert page.status == 200, path
        html = await page.text()
        assert "<img" not in html, path
    assert "&lt;img src=x onerror=&#34;alert(1)&#34;&gt;" in await (
        await site.client.get("/groups")).text()


async def test_a_name_with_a_bidi_override_or_control_characters_is_shown_without_them(
        site: Site) -> None:
    """HTML-escaping leaves them in: U+202E showed "\u202egnp.exe" as "exe.png", and an
    ESC, a NUL or a bell went into the page as they were."""
    await site.h.rename("r1", "dave", "\u202egnp.exe\x1b[31m\x00\x07\u200b")
    await site.h.rename_group("r1", "alice", "Recruitment\u202e 01\x1b[2J")
    await site.h.advance("1m")
    await site.login()
    for path in ("/", "/groups", "/groups/r1", "/moderation", "/funnel", "/config"):
        html = await (await site.client.get(path)).text()
        assert not [c for c in html if c in "\u202e\x1b\x00\x07\u200b"], path
    assert "gnp.exe[31m" in await (await site.client.get("/groups/r1")).text()
    assert "Recruitment 01[2J" in await (await site.client.get("/groups")).text()


async def test_health_is_503_degraded_while_the_platform_is_disconnected(site: Site) -> None:
    site.h.bot.platform(False)  # what the wechaty gateway tells the bot on a lost stream
    response = await site.client.get("/healthz")
    assert response.status == 503
    assert await response.json() == {"status": "degraded", "platform": "disconnected",
                                      "outbox": 0, "database": "ok"}
    assert "groupbot_platform_connected 0.0" in await (
        await site.client.get("/metrics", headers=BEARER)).text()
    site.h.bot.platform(True)
    assert (await site.client.get("/healthz")).status == 200


async def test_public_metrics_need_no_token_and_nothing_else_opens(tmp_path: Path) -> None:
    root = deployment(tmp_path)
    (root / "bot.yaml").write_text((root / "bot.yaml").read_text()
                                   + "\nweb: {public_metrics: true}\n")
    async with Harness(root, tmp_path, groups=GROUPS) as h:
        console = server.for_bot(h.bot, TOKEN)
        try:
            async with TestClient(TestServer(server.make_app(console))) as client:
                metrics = await client.get("/metrics")
                assert metrics.status == 200
                assert "groupbot_" in await metrics.text()
                assert (await client.get("/api/groups")).status == 401
        finally:
            await console.close()


@pytest.mark.parametrize(("content_type", "body"), [
    ("multipart/form-data", b"no boundary"),
    ("multipart/form-data; boundary=x", b"no part"),
    ("multipart/form-data; boundary=zz", b"--zz\r\nbroken"),  # a part's headers unreadable
    ("application/x-www-form-urlencoded", b"\xff\xfe=\xff"),
    ("application/x-www-form-urlencoded; charset=nonsense", b"csrf=x"),
])
@pytest.mark.parametrize("path", ["/login", "/api/reload", "/config/validate",
                                  "/moderation/revoke", "/logout"])
async def test_a_body_that_is_not_a_readable_form_is_400_never_a_500(
        site: Site, content_type: str, body: bytes, path: str) -> None:
    await site.login()
    response = await site.client.post(path, data=body, headers={"Content-Type": content_type},
                                      allow_redirects=False)
    assert response.status == 400, await response.text()
    assert "body" in await response.text()


@pytest.mark.parametrize("warning", ["²", "9" * 5000, "-1", "0"])
async def test_a_warning_number_that_is_not_one_is_400_never_a_500(
        site: Site, warning: str) -> None:
    csrf = await site.login()
    form = await site.client.post("/moderation/revoke", data={"csrf": csrf, "warning": warning})
    assert form.status == 400 and "warning" in await form.text()
    api = await site.client.post(f"/api/warnings/{warning}/revoke", headers=BEARER)
    assert api.status == 400 and (await api.json())["parameter"] == "id"


async def test_x_forwarded_for_does_not_reset_the_login_limit(site: Site) -> None:
    for n in range(5):
        await site.client.get("/login?token=guess", headers={"X-Forwarded-For": f"10.0.0.{n}"})
    blocked = await site.client.get("/login?token=guess",
                                    headers={"X-Forwarded-For": "10.9.9.9"},
                                    allow_redirects=False)
    assert blocked.status == 429


async def test_another_sessions_csrf_token_is_refused(site: Site) -> None:
    mine = await site.login()
    theirs = Site(site.h, site.console, site.client)
    site.client.session.cookie_jar.clear()
    other = await theirs.login()
    assert other != mine
    refused = await site.client.post("/api/reload", headers={"X-CSRF-Token": mine})
    assert refused.status == 403
    assert (await site.client.post("/api/reload", headers={"X-CSRF-Token": ""})).status == 403


class Clock:
    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t


def test_the_login_limit_forgets_addresses_and_remembers_a_bounded_number() -> None:
    """A scan from many addresses once grew the limiter's memory for ever."""
    clock = Clock()
    limit = security.LoginLimit(clock, clients=100)
    for _ in range(5):
        limit.failed("attacker")
    for n in range(1000):  # one failure from each of many addresses
        limit.failed(f"10.0.{n // 256}.{n % 256}")
        clock.t += 0.01
    assert len(limit) == 100  # the cap: those that failed longest ago are forgotten
    clock.t += security.LOGIN_WINDOW + 1
    limit.failed("10.9.9.9")
    assert len(limit) == 1  # a failure a window old can refuse nobody: forgotten


def test_expired_sessions_are_forgotten_at_the_next_login() -> None:
    """A session logged in once and never used again stayed in memory for the process's
    life (left alone in stop 33)."""
    clock = Clock()
    sessions = security.Sessions(clock)
    for _ in range(50):
        sessions.open()
    clock.t += security.SESSION_LIFETIME / 2
    kept, _ = sessions.open()
    assert len(sessions) == 51  # none expired yet
    clock.t += security.SESSION_LIFETIME / 2
    sessions.login(None)
    assert len(sessions) == 2  # the first 50 expired: gone; the later one still valid
    assert sessions.get(kept) is not None


def test_the_bounded_login_limit_still_refuses_within_the_window() -> None:
    clock = Clock()
    limit = security.LoginLimit(clock, clients=100)
    for _ in range(security.LOGIN_ATTEMPTS + 20):
        if not limit.wait("attacker"):
            limit.failed("attacker")
        clock.t += 1
    assert 0 < limit.wait("attacker") <= security.LOGIN_WINDOW
    for n in range(50):
        limit.failed(f"10.0.0.{n}")
    assert limit.wait("attacker") > 0
    clock.t += security.LOGIN_WINDOW
    assert limit.wait("attacker") == 0


async def test_a_form_posts_back_an_id_exactly_as_stored_though_it_is_shown_cleaned(
        site: Site) -> None:
    """The unblock button of a member whose id holds a zero-width space sent the id cleaned,
    "zwid", which names nobody: the member stayed blocked."""
    member = "zw\u200bid"
    await site.h.join("r1", member, inviter="alice")
    await site.h.say("r1", member, "加我微信 zw123456 有优惠")  # a newcomer's ad: removed
    await site.h.advance("1m")
    assert member in await blocked(site)
    csrf = await site.login()
    html = await (await site.client.get("/moderation", params={"member": member})).text()
    assert "<td>zwid</td>" in html  # shown cleaned
    posted = re.findall(r'name="member" value="([^"]*)"', html)
    assert posted == [member, "erin", member], posted  # the unblock buttons, the filter
    done = await site.client.post("/moderation/unblock", data={"csrf": csrf, "member": member})
    assert done.status == 200 and "已解封 zwid" in await done.text()
    assert member not in await blocked(site)
    search = await (await site.client.get("/groups/r1", params={"q": member})).text()
    assert f'name="q" value="{member}"' in search


async def blocked(site: Site) -> list[str]:
    state = await (await site.client.get("/api/moderation", headers=BEARER)).json()
    return [b["member"] for b in state["blocked"]]
