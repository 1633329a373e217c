"""The console's broadcasts and moves (群发 page, /api/broadcasts, /api/moves, /api/jobs): the
same preview and one confirm as the admins' commands, CSRF on the forms, member names as
text, and 409 without the bot."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer
from web_site import HOSTILE, TOKEN, Site

from bot.web import server
from bot.web.base import Console

pytestmark = pytest.mark.usefixtures("backend")  # on SQLite, then on PostgreSQL

BEARER = {"Authorization": f"Bearer {TOKEN}"}


async def _api(site: Site, path: str, body: Any = None, status: int = 200) -> Any:
    response = await site.client.post(path, headers=BEARER, json=body)
    assert response.status == status, await response.text()
    return await response.json()


async def test_a_broadcast_from_the_page_is_previewed_then_sent_once_on_confirm(
        site: Site) -> None:
    csrf = await site.login()
    page = await site.client.get("/broadcasts")
    assert 'id="broadcast-form"' in await page.text()
    done = await site.client.post("/broadcasts/preview", allow_redirects=False, data={
        "csrf": csrf, "kind": "broadcast", "targets": "all -i1", "text": "周六线上分享会"})
    assert done.status == 303, await done.text()
    job = done.headers["Location"].removeprefix("/jobs/")
    preview = await (await site.client.get(f"/jobs/{job}")).text()
    assert '<pre id="text">周六线上分享会</pre>' in preview
    assert re.findall(r'data-row="(\w+)" data-state="(\w+)"', preview) == [
        ("r1", "planned"), ("o1", "planned"), ("i1", "excluded")]
    forged = await site.client.post(f"/jobs/{job}/confirm", data={"csrf": "forged"})
    assert forged.status == 403
    assert site.h.texts() == [] or "周六线上分享会" not in site.h.texts()
    sent = await (await site.client.post(f"/jobs/{job}/confirm", data={"csrf": csrf})).text()
    assert "已确认，开始发送" in sent
    again = await (await site.client.post(f"/jobs/{job}/confirm", data={"csrf": csrf})).text()
    assert "已确认过，不会再次发送" in again
    await site.h.advance("1m")
    assert sorted(r["group"] for r in site.h.actions("say") if r["text"] == "周六线上分享会") \
        == ["o1", "r1"]
    report = [r["text"] for r in site.h.actions("dm") if f"[群发] {job} 报告" in r["text"]]
    assert len(report) == 1 and "已发送 2" in report[0]  # to the admins: an operator confirmed
    jobs = await (await site.client.get("/broadcasts")).text()
    assert f'data-job="{job}"' in jobs


async def test_the_api_previews_confirms_once_and_refuses_bad_requests(site: Site) -> None:
    job = await _api(site, "/api/broadcasts", {"targets": "recruitment", "text": "通知"}, 201)
    assert job["status"] == "draft"
    assert [(r["group"], r["state"]) for r in job["rows"]] == [("r1", "planned")]
    first = await _api(site, f"/api/jobs/{job['id']}/confirm")
    second = await _api(site, f"/api/jobs/{job['id']}/confirm")
    assert (first["outcome"], second["outcome"]) == ("now", "before")
    await site.h.advance("1m")
    assert [r["group"] for r in site.h.actions("say") if r["text"] == "通知"] == ["r1"]
    listed = await (await site.client.get("/api/jobs", headers=BEARER)).json()
    assert listed[0]["id"] == job["id"] and listed[0]["counts"]["sent"] == 1
    limited = await _api(site, "/api/broadcasts", {"targets": "r1", "text": "再一条"}, 201)
    assert limited["rows"][0]["reason"] == "已达上限：每群每 1 天最多 1 次群发"
    bad = await site.client.post("/api/broadcasts", headers=BEARER,
                                 json={"targets": "nosuch", "text": "x"})
    assert (bad.status, (await bad.json())["parameter"]) == (400, "targets")
    missing = await site.client.post("/api/broadcasts", headers=BEARER, json={"targets": "r1"})
    assert (missing.status, await missing.json()) == (400, {"error": "missing",
                                                            "parameter": "text"})
    no_file = await site.client.post("/api/broadcasts", headers=BEARER,
                                     json={"targets": "r1", "text": "x", "file": "../bot.yaml"})
    assert no_file.status == 400 and "bot.yaml" in (await no_file.json())["error"]
    assert (await site.client.post("/api/jobs/ZZZZ/confirm", headers=BEARER)).status == 404
    # each refusal names the part at fault, and a refused cancel is an error too
    for path, body, part in (
            ("/api/broadcasts", {"targets": "all", "text": "x" * 60000}, "text"),
            ("/api/moves", {"source": "r1", "target": "o1", "active": "-5d"}, "active"),
            ("/api/moves", {"source": "r1", "target": "o1", "active": "99999999d"}, "active"),
            ("/api/moves", {"source": "r1", "target": "nosuch"}, "target"),
            ("/api/moves", {"source": "nosuch", "target": "o1"}, "source")):
        refused = await site.client.post(path, headers=BEARER, json=body)
        assert (refused.status, (await refused.json())["parameter"]) == (400, part), body
    late = await site.client.post(f"/api/jobs/{job['id']}/cancel", headers=BEARER)
    assert late.status == 409 and "error" in await late.json()


@pytest.mark.parametrize("headers, body, part", [
    ({"Content-Type": "application/json; charset=klingon"}, b'{"targets": "r1"}', "body"),
    ({}, b'{"targets": ["r1"], "text": "x"}', "targets"),  # said "targets: missing"
    ({}, b'{"targets": "r1", "text": true}', "text"),  # sent as the text "True"
    ({}, b'{"targets": "r1", "text": {"zh": "x"}}', "text"),
    ({}, b"[" * 60000, "body"),  # nested too deep for the parser: was a 500
    ({}, b'{"targets": "r1", "text": ' + b'{"a":' * 9000 + b"1" + b"}" * 9001, "body")])
async def test_a_json_body_the_api_cannot_use_is_400_naming_the_part(
        site: Site, headers: dict[str, str], body: bytes, part: str) -> None:
    """An unknown charset was a 500; a value that is no text was dropped (then missing) or
    turned into one ("True"), and a broadcast was planned with it."""
    refused = await site.client.post("/api/broadcasts", data=body,
                                     headers={**BEARER, "Content-Type": "application/json",
                                              **headers})
    assert refused.status == 400, await refused.text()
    said = await refused.json()
    assert said["parameter"] == part and said["error"] != "missing"
    jobs = await (await site.client.get("/api/jobs", headers=BEARER)).json()
    assert jobs == []


@pytest.mark.parametrize("path, body", [
    ("/api/broadcasts", {"targets": "r1", "text": "hello all", "file": None}),
    ("/api/broadcasts", {"targets": "r1", "text": "hello all", "extra": {"a": [1]}}),
    ("/api/moves", {"source": "r1", "target": "i1", "active": None}),
    ("/api/moves", {"source": "r1", "target": "i1", "note": 1.5, "tags": ["x"]})])
async def test_a_null_is_a_key_left_out_and_keys_the_api_does_not_read_are_ignored(
        site: Site, path: str, body: dict[str, Any]) -> None:
    """docs/web.md calls `file` and `active` optional: a JSON null for them was a 400, and so
    was an unknown key whose value was no text, though an unknown text key was ignored."""
    job = await _api(site, path, body, 201)
    assert job["status"] == "draft"


@pytest.mark.parametrize("path, body, hint", [
    ("/api/broadcasts", {"targets": ["r1"], "text": "x"}, '"r1 r2"'),
    ("/api/broadcasts", {"targets": "r1", "text": ["x"]}, "give a text"),
    ("/api/broadcasts", {"targets": "r1", "text": "x", "file": 1.5}, "content file"),
    ("/api/moves", {"source": "r1", "target": "i1", "active": True}, '"14d"')])
async def test_a_value_that_is_no_text_gets_the_hint_of_its_own_key(
        site: Site, path: str, body: dict[str, Any], hint: str) -> None:
    [part] = [key for key, value in body.items() if not isinstance(value, str)]
    said = await _api(site, path, body, 400)
    assert said["parameter"] == part and hint in said["error"], said
    if part != "targets":
        assert "r1 r2" not in said["error"]  # the targets' hint was given for every key


async def test_a_move_preview_shows_member_names_as_text(site: Site) -> None:
    site.h.world.friends |= {"mallory", "dave"}
    await site.h.say("r1", "mallory", "你好")
    csrf = await site.login()
    done = await site.client.post("/broadcasts/preview", allow_redirects=False, data={
        "csrf": csrf, "kind": "move", "source": "r1", "target": "o1", "active": "1d"})
    assert done.status == 303, await done.text()
    page = await (await site.client.get(done.headers["Location"])).text()
    assert HOSTILE not in page and "&lt;img src=x onerror=" in page
    assert 'data-row="mallory" data-state="planned"' in page
    assert 'data-row="dave" data-state="planned"' in page
    job = done.headers["Location"].removeprefix("/jobs/")
    cancelled = await (await site.client.post(f"/jobs/{job}/cancel", data={"csrf": csrf})).text()
    assert "已取消" in cancelled
    late = await (await site.client.post(f"/jobs/{job}/confirm", data={"csrf": csrf})).text()
    assert "已取消，没有发送" in late
    await site.h.advance("1m")
    assert site.h.actions("invite") == []


@pytest.fixture
async def read_only(site: Site, tmp_path: Path) -> AsyncIterator[TestClient]:
    console = Console(site.h.db, site.h.clock, site.h.registry, TOKEN,
                      standalone_deployment=site.h.deployment)
    async with TestClient(TestServer(server.make_app(console))) as client:
        yield client
    await console.close()


async def test_without_the_bot_jobs_are_shown_and_new_ones_are_409(
        site: Site, read_only: TestClient) -> None:
    job = await _api(site, "/api/broadcasts", {"targets": "r1", "text": "通知"}, 201)
    await site.h.bot.store.flush()
    shown = await (await read_only.get(f"/api/jobs/{job['id']}", headers=BEARER)).json()
    assert shown["id"] == job["id"]
    for path in ("/api/broadcasts", "/api/moves", f"/api/jobs/{job['id']}/confirm"):
        response = await read_only.post(path, headers=BEARER, json={"targets": "r1"})
        assert response.status == 409, path
