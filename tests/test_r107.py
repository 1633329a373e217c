"""Review r107: a hostile review of the web console as a member, an outsider on the network and
a careless operator. The `test_r107_N` tests are its six findings, all fixed since (moving's
confirm, the member page, the moderation page's links, the member search); the others are
attacks that hold and no other test tried.

The console's own fixtures live in tests/web/ (conftest.py there is not seen from here): the
`site` below is theirs, on a fresh simulator history, with the same application and runner
settings the console serves with."""

from __future__ import annotations

import asyncio
import re
import sys
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer

sys.path.insert(0, str(Path(__file__).resolve().parent / "web"))  # (tests/web's helpers)
from harness import Harness
from web_site import GROUPS, TOKEN, Site, deployment

from bot.web import links, server

BEARER = {"Authorization": f"Bearer {TOKEN}"}


@pytest.fixture
async def site(tmp_path: Path) -> AsyncIterator[Site]:
    async with Harness(deployment(tmp_path), tmp_path, groups=GROUPS) as h:
        console = server.for_bot(h.bot, TOKEN)
        serving = TestServer(server.make_app(console))
        await serving.start_server(**server.RUNNER)
        try:
            async with TestClient(serving) as client:
                yield Site(h, console, client)
        finally:
            await console.close()


async def _api(site: Site, path: str, body: Any = None, status: int = 200) -> Any:
    response = await site.client.post(path, headers=BEARER, json=body)
    assert response.status == status, await response.text()
    return await response.json()


async def _active_in_r1(site: Site, *members: str) -> None:
    """`members` join r1, are the bot's friends and speak: a move from r1 plans them."""
    await site.h.join("r1", *members, inviter="alice")
    site.h.world.friends |= set(members)
    for member in members:
        await site.h.say("r1", member, "大家好，我是新来的")
    await site.h.advance("1m")


async def _move_preview(site: Site) -> dict[str, Any]:
    return await _api(site, "/api/moves", {"source": "r1", "target": "o1", "active": "1d"}, 201)


def _invited(site: Site) -> list[str]:
    return sorted(r["member"] for r in site.h.actions("invite") if r["group"] == "o1")


# ---------------------------------------------------------------- findings (fixed)


async def test_r107_1_a_member_removed_since_the_preview_is_not_invited(site: Site) -> None:
    """The preview leaves out whoever is on the block list (在移出名单中); the confirm, minutes
    later from the same page, does not look again: erin, removed for an ad in between, is
    invited into the official group."""
    await _active_in_r1(site, "dave", "erin")
    job = await _move_preview(site)
    assert {r["member"]: r["state"] for r in job["rows"]} == {"dave": "planned",
                                                               "erin": "planned"}
    await site.h.say("r1", "erin", "加我微信 abc12345 有优惠")  # a newcomer's ad: removed
    await site.h.advance("1m")
    blocked = await (await site.client.get("/api/moderation", headers=BEARER)).json()
    assert [b["member"] for b in blocked["blocked"]] == ["erin"]
    confirmed = await _api(site, f"/api/jobs/{job['id']}/confirm")
    assert confirmed["outcome"] == "now"
    await site.h.advance("10m")
    assert _invited(site) == ["dave"]


async def test_r107_2_a_second_preview_of_a_move_invites_nobody_twice(site: Site) -> None:
    """Each 预览 makes a draft; both were planned before either was confirmed, so neither
    leaves out the other's invitees (已在邀请中 is read only when planning). Confirmed one
    after the other, every member gets two invitations and the old group two announcements."""
    await _active_in_r1(site, "dave", "erin")
    first, second = await _move_preview(site), await _move_preview(site)
    assert (await _api(site, f"/api/jobs/{first['id']}/confirm"))["outcome"] == "now"
    await site.h.advance("1m")
    assert (await _api(site, f"/api/jobs/{second['id']}/confirm"))["outcome"] == "now"
    await site.h.advance("10m")
    announced = [r for r in site.h.actions("say")
                 if r["group"] == "r1" and "迁移到新群" in r["text"]]
    assert (_invited(site), len(announced)) == (["dave", "erin"], 1)


async def test_r107_3_a_member_who_left_since_the_preview_is_not_invited(site: Site) -> None:
    """The plan leaves out whoever left the old group ("left A since"); the confirm does not
    look again: fay, who left between the preview and the confirm, is invited all the same
    (and counted in the old group's announcement)."""
    await _active_in_r1(site, "dave", "fay")
    job = await _move_preview(site)
    await site.h.leave("r1", "fay")
    await site.h.advance("1m")
    await _api(site, f"/api/jobs/{job['id']}/confirm")
    await site.h.advance("10m")
    assert _invited(site) == ["dave"]


async def test_r107_4_a_members_page_asks_the_platform_nothing(
        site: Site, monkeypatch: pytest.MonkeyPatch) -> None:
    """/me/<token> is the one page open to the internet (web.public_url) with a link any
    member gets (and may forward): each view lists the platform's groups and looks up each
    one (wechaty: room_search and a room_payload a group), through views.bound(), and reads
    the whole roster on the console's two reading threads. Its data is in the database."""
    await site.h.join("r1", "dave", inviter="alice")
    await site.h.say("r1", "dave", "签到")
    await site.h.advance("1m")
    key = await links.make_key(site.h.bot.store)
    await site.h.bot.store.flush()
    token = links.sign(key, "dave", site.h.clock.now() + timedelta(days=1))
    asked: list[str] = []
    groups, group_info = site.h.world.groups, site.h.world.group_info

    async def listing() -> Any:
        asked.append("groups")
        return await groups()

    async def looking_up(group: str) -> Any:
        asked.append(group)
        return await group_info(group)

    monkeypatch.setattr(site.h.world, "groups", listing)
    monkeypatch.setattr(site.h.world, "group_info", looking_up)
    for path in (f"/me/{token}", f"/api/me/{token}"):
        assert (await site.client.get(path)).status == 200
    assert asked == []


async def test_r107_5_the_page_after_a_revoke_filters_and_pages_as_before(site: Site) -> None:
    """revoke_form and unblock_form answer with the moderation page itself, at their own
    address; the audit log's filter form has no action and the page links are `?page=…`,
    so both go to GET /moderation/revoke, which answers 405 (不支持的请求)."""
    await site.h.say("r1", "bob", "加我微信 bob12345 有优惠")  # a member's ad: a warning
    await site.h.advance("1m")
    csrf = await site.login()
    state = await (await site.client.get("/api/moderation", headers=BEARER)).json()
    [warning] = [w["id"] for w in state["warnings"]]
    done = await site.client.post("/moderation/revoke", data={"csrf": csrf,
                                                              "warning": str(warning)})
    page = await done.text()
    assert done.status == 200 and f"已撤销警告 #{warning}" in page
    [opening] = re.findall(r'<form class="filters"[^>]*>', page)
    action = re.search(r'action="([^"]+)"', opening)
    target = action[1] if action else done.url.path  # (no action: the page's own address)
    filtered = await site.client.get(f"{target}?group=r1&member=&action=&since=&blocked_page=1")
    assert filtered.status == 200, (target, filtered.status)


async def test_r107_6_a_member_is_found_by_the_name_the_page_shows(site: Site) -> None:
    """Pages show names without zero-width and bidi characters (sanitize.visible), but the
    search (?q=) compares the stored name: "加\\u200b微信 kefu888" shows as 加微信 kefu888 and
    a search for 加微信 (or for the whole shown name) finds nobody. A name built to dodge the
    operator's search does."""
    await site.h.join("r1", "dave", inviter="alice")
    await site.h.rename("r1", "dave", "加\u200b微信\u2066 kefu888")
    await site.h.advance("1m")
    csrf = await site.login()
    assert csrf
    page = await (await site.client.get("/groups/r1")).text()
    assert 'title="加微信 kefu888"' in page  # as the page shows it
    for q in ("加微信", "加微信 kefu888"):
        found = await site.client.get("/api/groups/r1/members", params={"q": q},
                                      headers=BEARER)
        assert [m["member"] for m in await found.json()] == ["dave"], q


# ---------------------------------------------------------------- attacks that hold


POST_VALUES = {"id": "1", "member": "bob"}


async def test_every_browser_post_route_refuses_a_session_without_its_csrf_token(
        site: Site) -> None:
    """Every POST route of the application (those added later too), logged in but without
    the session's CSRF token, or with another one: 403, and nothing done (no audit record,
    no job). (The login form has its own token: the login cookie's.)"""
    await site.h.say("r1", "bob", "加我微信 bob12345 有优惠")
    await site.h.advance("1m")
    await site.login()
    before = await (await site.client.get("/api/audit", headers=BEARER)).json()
    posts = sorted({route.resource.canonical for route in site.client.app.router.routes()
                    if route.method == "POST" and route.resource is not None})
    assert len(posts) >= 15, posts
    for path in posts:
        url = re.sub(r"\{(\w+)\}", lambda m: POST_VALUES[m[1]], path)
        body = {"kind": "broadcast", "targets": "all", "text": "x", "warning": "1",
                "member": "bob", "token": TOKEN, "next": "/"}
        for extra in ({}, {"csrf": "forged"}):
            refused = await site.client.post(url, data={**body, **extra},
                                             allow_redirects=False)
            assert refused.status == 403, (url, extra, refused.status)
        header = await site.client.post(url, json=body, headers={"X-CSRF-Token": "forged"},
                                        allow_redirects=False)
        assert header.status == 403, (url, header.status)
    after = await (await site.client.get("/api/audit", headers=BEARER)).json()
    assert after["total"] == before["total"]
    assert await (await site.client.get("/api/jobs", headers=BEARER)).json() == []


@pytest.mark.parametrize("path", [
    "/static/../api/overview", "/static/%2e%2e/api/overview", "/static/..%2F..%2Fapi%2Fgroups",
    "/me/../api/overview", "/me/..%2F..%2Fapi%2Foverview", "/api/me/../../api/groups",
    "/healthz/../api/groups", "/login/../groups", "/metrics/../api/audit", "//api/groups",
    "/static/%2e%2e/moderation", "/me/%2e%2e/%2e%2e/export/members.csv"])
async def test_a_public_prefix_with_dot_segments_opens_no_operator_route(
        site: Site, path: str) -> None:
    """Sent byte for byte (a client would tidy the dots away): the public prefixes (/static/,
    /me/, /login, /healthz, /metrics) are matched on the path as it comes, the routes on
    the same path, so a `..` never lets an operator's route answer without the token."""
    reader, writer = await asyncio.open_connection(site.client.host, site.client.port)
    writer.write(f"GET {path} HTTP/1.1\r\nHost: console\r\nConnection: close\r\n\r\n".encode())
    await writer.drain()
    answer = await reader.read()
    writer.close()
    status = int(answer.split(b" ", 2)[1])
    assert status in (302, 401, 403, 404), (path, answer[:200])
    for secret in (b"Listener Recruitment", b"bob12345", b'"records"', b"member,"):
        assert secret not in answer, path


async def test_two_confirms_of_one_preview_at_once_send_it_once(site: Site) -> None:
    """A double click sends both requests before the first answer: the two confirms meet in
    the bot's turn, and the job is confirmed (and sent) once."""
    csrf = await site.login()
    job = await _api(site, "/api/broadcasts", {"targets": "r1", "text": "周六分享会"}, 201)
    answers = await asyncio.gather(*(site.client.post(f"/jobs/{job['id']}/confirm",
                                                      data={"csrf": csrf}) for _ in range(2)))
    said = sorted(["已确认，开始发送" in text, "已确认过，不会再次发送" in text]
                  for text in [await a.text() for a in answers])
    assert said == [[False, True], [True, False]]
    await site.h.advance("5m")
    assert [r["group"] for r in site.h.actions("say") if r["text"] == "周六分享会"] == ["r1"]
