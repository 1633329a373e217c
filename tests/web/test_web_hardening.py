"""The console against clients that hold connections or bodies (review s34 r1 W1), writes
after the session ended (W4), a lone surrogate in a JSON field (W5) and a second login in
another tab (W6). The slow clients are real sockets against the real server
(`server.start`), with its limits scaled down."""

from __future__ import annotations

import asyncio
import errno
import json
import logging
import re

import aiohttp
import pytest
from web_site import TOKEN, Site
from yarl import URL

from bot.web import base, server

BEARER = {"Authorization": f"Bearer {TOKEN}"}
HANG = 30.0  # seconds a test waits for what should come long before: only against a hang


async def _drip(writer: asyncio.StreamWriter, piece: bytes) -> None:
    """A slow client: `piece` every tenth of a second, until the server closes on it."""
    try:
        while not writer.is_closing():
            writer.write(piece)
            await writer.drain()
            await asyncio.sleep(0.1)
    except ConnectionError:
        pass


async def _health(running: server.Running) -> int:
    async with aiohttp.ClientSession() as session, \
            session.get(f"{running.url}healthz") as response:
        return response.status


async def test_a_half_sent_request_is_closed_and_health_answers_meanwhile(
        site: Site, monkeypatch: pytest.MonkeyPatch) -> None:
    """Clients sending a request's headers a line at a time, never finishing them, held
    their connections for an hour: a few hundred took every file descriptor, and /healthz
    went unanswered. The keep-alive timer bounds them: a header line does not push it back."""
    # the shipped timeout is short (aiohttp's default is 3630 s) ...
    assert server.RUNNER.get("keepalive_timeout", 3630) == server.KEEPALIVE <= 60
    # ... and here a thirtieth of it
    monkeypatch.setitem(server.RUNNER, "keepalive_timeout", server.KEEPALIVE / 30)
    running = await server.start(site.console, "127.0.0.1", 0, announce=False)
    host, port = URL(running.url).host, URL(running.url).port
    try:
        clients = [await asyncio.open_connection(host, port) for _ in range(3)]
        drips = []
        for _, writer in clients:
            writer.write(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
            drips.append(asyncio.create_task(_drip(writer, b"X-Slow: 1\r\n")))
        assert await _health(running) == 200
        for reader, _ in clients:
            assert await asyncio.wait_for(reader.read(), HANG) == b""  # closed, no answer
        for drip in drips:
            await asyncio.wait_for(drip, HANG)
        assert await _health(running) == 200
    finally:
        await running.stop()


SLOW_BODIES = [
    ("/login", {"Content-Type": "application/x-www-form-urlencoded"}, "text/html"),
    ("/api/broadcasts", {"Content-Type": "application/json", **BEARER}, "application/json")]


@pytest.mark.parametrize(("path", "headers", "answer"), SLOW_BODIES)
async def test_a_body_that_does_not_arrive_in_time_is_408(
        site: Site, monkeypatch: pytest.MonkeyPatch, path: str, headers: dict[str, str],
        answer: str) -> None:
    """A body sent a byte at a time kept a handler reading it (an unauthenticated login
    form of 60 KB, for as long as the client liked)."""
    assert base.BODY_TIMEOUT <= 60
    monkeypatch.setattr(base, "BODY_TIMEOUT", 0.5)
    running = await server.start(site.console, "127.0.0.1", 0, announce=False)
    try:
        reader, writer = await asyncio.open_connection(URL(running.url).host,
                                                       URL(running.url).port)
        head = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
        writer.write(f"POST {path} HTTP/1.1\r\nHost: x\r\n{head}"
                     "Content-Length: 60000\r\n\r\n".encode())
        drip = asyncio.create_task(_drip(writer, b"a"))
        assert await _health(running) == 200
        response = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), HANG)
        assert response.split(b" ")[1] == b"408"
        assert f"Content-Type: {answer}".encode() in response
        drip.cancel()
        writer.close()
        await writer.wait_closed()  # (before the stop: one waits for a connection still open)
    finally:
        await running.stop()


async def test_out_of_descriptors_is_one_warning_a_while(
        caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch) -> None:
    """asyncio's accept loop, out of file descriptors, logged the fault with a traceback
    each time it tried again: 110 MB of log in 90 s. What it logs is what it gives its
    loop's exception handler, as here."""
    [faults] = [f for f in logging.getLogger("asyncio").filters
                if isinstance(f, server.AcceptFaults)]
    now = [1000.0]
    monkeypatch.setattr(faults, "_now", lambda: now[0])
    monkeypatch.setattr(faults, "_next", 0.0)
    monkeypatch.setattr(faults, "_left_out", 0)
    loop = asyncio.get_running_loop()
    fault = {"message": "socket.accept() out of system resource",
             "exception": OSError(errno.EMFILE, "Too many open files")}
    caplog.set_level(logging.DEBUG, logger="asyncio")
    for _ in range(1000):
        loop.call_exception_handler(fault)
        now[0] += 0.01
    now[0] += server.AcceptFaults.EVERY
    loop.call_exception_handler(fault)
    records = [r for r in caplog.records if r.name == "asyncio"]
    assert [(r.levelname, r.exc_info) for r in records] == [("WARNING", None)] * 2
    assert "Too many open files" in records[0].getMessage()
    assert "and 999 times more" in records[1].getMessage()
    assert "Traceback" not in caplog.text
    loop.call_exception_handler({"message": "something else"})  # the rest as before
    assert caplog.records[-1].levelname == "ERROR"


@pytest.mark.parametrize(("path", "page"), [
    ("/moderation/revoke", "/moderation"), ("/moderation/unblock", "/moderation"),
    ("/jobs/abc/confirm", "/jobs/abc"), ("/broadcasts/preview", "/broadcasts"),
    ("/config/reload", "/config"), ("/logout", "/")])
async def test_a_write_after_the_session_ended_logs_in_back_to_its_page(
        site: Site, path: str, page: str) -> None:
    """The login sent the browser (a GET) to the POST-only route: a 405 page, and the
    operator did not know whether the action was carried out (it was not; the login page
    now says so)."""
    csrf = await site.login()
    site.client.session.cookie_jar.clear()  # a restart, the 12 h, 退出 in another tab
    refused = await site.client.post(f"{path}?x=1", data={"csrf": csrf, "warning": "1"},
                                     allow_redirects=False)
    assert refused.status == 302
    target = URL(refused.headers["Location"])
    assert (target.path, target.query["next"]) == ("/login", page)
    login = await (await site.client.get(str(target))).text()
    # the login page says the action was not carried out (a logout: nothing undone)
    assert ('id="login-undone"' in login) == (path != "/logout")
    back = await site.client.get(f"/login?token={TOKEN}&next={target.query['next']}",
                                 allow_redirects=False)
    assert back.status == 303 and back.headers["Location"] == page


@pytest.mark.parametrize("field", ["text", "file"])
async def test_a_lone_surrogate_is_400_naming_its_field(site: Site, field: str) -> None:
    fields = {"targets": "r1", "text": "hello", "file": "posters/a.png"}
    fields[field] = "surrogate \ud800 here"
    response = await site.client.post("/api/broadcasts", data=json.dumps(fields),
                                      headers={"Content-Type": "application/json", **BEARER})
    assert response.status == 400
    assert await response.json() == {"error": "holds a lone surrogate (U+D800), which is "
                                              "not text", "parameter": field}
    assert (await site.client.get("/api/jobs", headers=BEARER)).status == 200


async def _form_csrf(site: Site, path: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', await (await site.client.get(path)).text())
    assert found is not None
    return found[1]


async def test_a_second_login_keeps_the_first_tabs_forms_working(site: Site) -> None:
    """Opening the login link again (a second tab) made a new session: every form of the
    pages open in the first tab failed with 403, in English."""
    first = await site.login()
    again = await site.client.get(f"/login?token={TOKEN}", allow_redirects=False)
    assert again.status == 303
    assert await _form_csrf(site, "/moderation") == first
    done = await site.client.post("/moderation/unblock", data={"csrf": first, "member": "x"})
    assert done.status == 200 and "x 不在移出名单中" in await done.text()


async def test_a_form_from_before_a_new_session_says_to_reload_the_page(site: Site) -> None:
    old = await site.login()
    await site.client.post("/logout", data={"csrf": old})
    new = await site.login()
    assert new != old  # a logout ends the session: a new login is a new one
    stale = await site.client.post("/moderation/unblock", data={"csrf": old, "member": "x"})
    assert stale.status == 403
    assert server.STALE_FORM in await stale.text() and "刷新页面" in server.STALE_FORM
    api = await site.client.post("/api/reload", headers={"X-CSRF-Token": old})
    assert api.status == 403 and (await api.json())["error"] == server.STALE_FORM


@pytest.mark.parametrize("request_", [
    b"GET /api/groups HTTP/1.1\r\nAuthorization: Bearer \xff\r\n",  # the operator's token
    b"POST /login HTTP/1.1\r\nCookie: groupbot_login=\xff\r\n"  # the login form's token
    b"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 10\r\n"])
async def test_a_token_that_is_not_utf_8_is_a_wrong_one(site: Site, request_: bytes) -> None:
    """A byte that is not UTF-8 in a token (review s34 r2 X1) gave anyone a 500 and a
    traceback in the log for each request, uncounted by the login limit."""
    running = await server.start(site.console, "127.0.0.1", 0, announce=False)
    host, port = URL(running.url).host, URL(running.url).port
    try:
        reader, writer = await asyncio.open_connection(host, port)
        body = b"csrf=abcde" if request_.startswith(b"POST") else b""  # (its 10 bytes)
        writer.write(request_ + b"Host: x\r\nConnection: close\r\n\r\n" + body)
        status = (await asyncio.wait_for(reader.readline(), HANG)).split()[1]
        writer.close()
        assert status in (b"401", b"403"), status
    finally:
        await running.stop()


@pytest.mark.parametrize(("request_", "expect", "answer"), [
    (b"POST /login", b"\xff", b"417"), (b"POST /login", b"x", b"417"),
    (b"POST /login", b"100-continue", b"100"), (b"GET /static/console.css", b"\xff", b"417"),
    # where aiohttp answers (no such page, no such method): its 500, one warning in the log
    (b"GET /nope", b"\xff", b"500"), (b"DELETE /login", b"\xff", b"500")])
async def test_an_expect_header_is_answered_without_repeating_it(
        site: Site, caplog: pytest.LogCaptureFixture, request_: bytes, expect: bytes,
        answer: bytes) -> None:
    """aiohttp's own answer to an Expect header it does not know repeats its value, before
    any middleware: a byte in it that is not UTF-8 made a 500 and a traceback in the log for
    anyone (review s34 r3 Y1). 100-continue still gets its interim answer (curl sends it
    with a body over 1 KB)."""
    running = await server.start(site.console, "127.0.0.1", 0, announce=False)
    host, port = URL(running.url).host, URL(running.url).port
    try:
        reader, writer = await asyncio.open_connection(host, port)
        writer.write(request_ + b" HTTP/1.1\r\nHost: x\r\nExpect: " + expect +
                     b"\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
        status = (await asyncio.wait_for(reader.readline(), HANG)).split()[1]
        writer.close()
        assert status == answer
        assert not [r for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info]
    finally:
        await running.stop()
