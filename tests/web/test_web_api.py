"""The console's JSON API over a real bot: every route, its figures against what happened,
the actions (revoke, unblock, validate, reload) and the read-only console of `groupbot web`."""

from __future__ import annotations

import asyncio
import errno
import os
import re
import shutil
import threading
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer
from web_site import HOSTILE, TOKEN, Site

from bot import moderation, report
from bot.web import links, server
from bot.web.base import Console
from handlers import funnel as funnel_handler

pytestmark = pytest.mark.usefixtures("backend")  # on SQLite, then on PostgreSQL

BEARER = {"Authorization": f"Bearer {TOKEN}"}


async def get(site: Site, path: str, status: int = 200) -> Any:
    response = await site.client.get(path, headers=BEARER)
    assert response.status == status, await response.text()
    return await response.json()


async def post(site: Site, path: str, status: int = 200) -> Any:
    response = await site.client.post(path, headers=BEARER)
    assert response.status == status, await response.text()
    return await response.json()


async def test_groups_show_members_activity_and_moderation_of_the_last_week(
        site: Site) -> None:
    groups = {g["id"]: g for g in await get(site, "/api/groups")}
    assert set(groups) == {"r1", "i1", "o1"}
    r1 = groups["r1"]
    # alice, bob (there before), dave, mallory; erin was removed for her ad
    assert (r1["members"], r1["joins"], r1["leaves"]) == (4, 3, 1)
    assert (r1["active"], r1["active_percent"], r1["target"]) == (2, 50, 20)  # dave, bob
    assert (r1["warnings"], r1["removals"]) == (2, 1)  # erin's (settled), bob's
    assert (r1["type"], r1["capacity"]) == ("recruitment", 200)
    assert r1["name"] == r1["topic"] == "Listener Recruitment 01"  # `name`, as the contract says
    assert (await get(site, "/api/groups/r1"))["name"] == "Listener Recruitment 01"


async def test_one_group_has_30_days_of_members_messages_and_active_members(
        site: Site) -> None:
    group = await get(site, "/api/groups/r1")
    daily = group["daily"]
    assert len(daily["days"]) == 30 and daily["days"][-1] == "2026-11-23"
    assert daily["messages"][-1] == 4 and sum(daily["messages"]) == 4
    assert daily["active"][-1] == 3  # dave, erin, bob spoke today
    assert daily["members"][-1] == 4
    await site.h.advance("1d")
    await site.h.say("r1", "dave", "早上好")
    again = (await get(site, "/api/groups/r1"))["daily"]
    assert (again["messages"][-2:], again["active"][-2:]) == ([4, 1], [3, 1])


async def test_members_can_be_searched_and_sorted_and_names_stay_as_given(site: Site) -> None:
    members = await get(site, "/api/groups/r1/members?sort=messages&order=desc")
    assert [m["member"] for m in members][:2] == ["dave", "bob"]
    dave = members[0]
    assert (dave["messages"], dave["stage"], dave["warnings"]) == (2, "internship", 0)
    bob = next(m for m in members if m["member"] == "bob")
    assert bob["warnings"] == 1
    found = await get(site, "/api/groups/r1/members?q=onerror")
    assert [m["name"] for m in found] == [HOSTILE]
    assert await get(site, "/api/groups/r1/members?sort=age", 400) == {
        "error": "'age' is not one of name, joined, last_spoke, messages, warnings, points",
        "parameter": "sort"}
    await get(site, "/api/groups/nosuch/members", 404)


async def test_the_audit_log_is_newest_first_filtered_and_paginated(site: Site) -> None:
    log = await get(site, "/api/audit")
    actions = [r["action"] for r in log["records"]]
    assert actions[0] == "warn" and "kick" in actions
    assert log["total"] == len(actions)
    kicks = await get(site, "/api/audit?action=kick&group=r1")
    assert [(r["member"], r["action"]) for r in kicks["records"]] == [("erin", "kick")]
    page = await get(site, "/api/audit?per_page=1&page=2")
    assert (len(page["records"]), page["total"], page["page"]) == (1, log["total"], 2)
    assert page["records"][0] == log["records"][1]
    none = await get(site, "/api/audit?since=2026-11-24")
    assert none["records"] == []


async def test_an_operator_revokes_a_warning_and_unblocks_through_the_moderation_code(
        site: Site) -> None:
    state = await get(site, "/api/moderation")
    [warning] = state["warnings"]
    assert (warning["member"], warning["group"]) == ("bob", "r1")
    assert [b["member"] for b in state["blocked"]] == ["erin"]
    revoked = await post(site, f"/api/warnings/{warning['id']}/revoke")
    assert revoked["warning"]["member"] == "bob"
    assert (await get(site, "/api/moderation"))["warnings"] == []
    await post(site, f"/api/warnings/{warning['id']}/revoke", 404)  # not in force any more
    await post(site, "/api/warnings/x/revoke", 400)
    assert (await post(site, "/api/blocklist/erin/unblock"))["status"] == "unblocked"
    await post(site, "/api/blocklist/erin/unblock", 404)
    log = (await get(site, "/api/audit?handler=web"))["records"]
    done = {(r["action"], r["member"]): r["detail"] for r in log if r["handler"] == "web"}
    assert "by api@127.0.0.1" in done[("unwarn", "bob")]
    assert "by api@127.0.0.1" in done[("unblock", "erin")]
    members = await get(site, "/api/groups/r1/members")
    assert next(m for m in members if m["member"] == "bob")["warnings"] == 0


async def test_the_block_list_comes_a_page_at_a_time_newest_first(site: Site) -> None:
    """The block list is never pruned: the whole of it (50,000 after a year of spam waves)
    was read, converted and rendered at each view of 群管, on the bot's loop (an 18 MB page,
    the bot frozen a second). /api/moderation keeps its shape, a page of `blocked` in it."""
    start = site.h.clock.now() - timedelta(days=300)
    for i in range(250):
        await moderation.block(site.h.bot.store, f"spam{i:03d}", start + timedelta(hours=i),
                               "r1", "ads")
    state = await get(site, "/api/moderation")
    assert (state["page"], state["per_page"], state["blocked_total"]) == (1, 100, 251)
    assert [b["member"] for b in state["blocked"]] == \
        ["erin"] + [f"spam{i:03d}" for i in range(249, 150, -1)]  # newest first
    assert [w["member"] for w in state["warnings"]] == ["bob"]  # as before
    last = await get(site, "/api/moderation?page=3")
    assert [b["member"] for b in last["blocked"]] == [f"spam{i:03d}" for i in range(50, -1, -1)]
    whole = await get(site, "/api/moderation?per_page=500")
    assert len(whole["blocked"]) == 251 and whole["blocked"][100:] == (
        (await get(site, "/api/moderation?page=2"))["blocked"] + last["blocked"])
    assert (await get(site, "/api/moderation?per_page=501", 400))["parameter"] == "per_page"
    assert (await get(site, "/api/moderation?page=0", 400))["parameter"] == "page"
    await site.login()
    page = await (await site.client.get("/moderation?page=1&member=erin")).text()
    assert page.count('<tr data-member="') == 100 and 'data-member="spam151"' in page
    assert 'href="/moderation?blocked_page=2&amp;page=1&amp;group=&amp;member=erin&amp;' in page
    page = await (await site.client.get("/moderation?blocked_page=3")).text()
    assert page.count('<tr data-member="') == 51 and 'data-member="spam000"' in page
    assert "第 3 页，共 251 人" in page and 'href="/moderation?blocked_page=2&amp;' in page
    bad = await site.client.get("/moderation?blocked_page=x")
    assert bad.status == 400 and "blocked_page" in await bad.text()


async def test_the_funnel_counts_stages_weeks_and_quiz_questions(site: Site) -> None:
    funnel = await get(site, "/api/funnel")
    stages = {s["stage"]: s for s in funnel["stages"]}
    assert stages["recruitment"]["reached"] == 3  # dave, erin, mallory joined r1
    assert (stages["internship"]["reached"], stages["internship"]["conversion_percent"]) == \
        (1, 33)
    assert sum(funnel["weekly"]["new"]["recruitment"]) == 3
    assert len(funnel["quiz"]) == 5 and all(q["answered"] == 0 for q in funnel["quiz"])
    await get(site, "/api/funnel?since=tomorrow", 400)
    # from long ago (a typo for this year): the weeks begin with the first arrival's (one a
    # week since 1900, each counted over every arrival, stalled the bot: review s31b W4)
    long_ago = await get(site, "/api/funnel?since=1900-01-01")
    assert long_ago["weekly"] == funnel["weekly"] and len(funnel["weekly"]["weeks"]) <= 2


async def test_the_funnel_counts_each_weeks_arrivals_without_walking_every_member(
        site: Site, monkeypatch: pytest.MonkeyPatch) -> None:
    """The weekly arrivals were counted by walking every member's every stage on the bot's
    loop at each view (0.33 s at 60,000 members); the database counts them now, each in the
    week (Monday 00:00 in the bot's zone, not UTC) it falls in."""
    def by_week(funnel: dict[str, Any]) -> dict[tuple[str, str], int]:
        weekly = funnel["weekly"]
        return {(stage, week): n for stage, counts in weekly["new"].items()
                for week, n in zip(weekly["weeks"], counts, strict=True) if n}

    before = by_week(await get(site, "/api/funnel?since=60d"))
    now = site.h.clock.now()
    monday = (now - timedelta(days=now.weekday())).replace(hour=0, minute=0, second=0,
                                                           microsecond=0)
    weeks = [(monday - timedelta(weeks=n)).date().isoformat() for n in range(5)]
    store, tick = site.h.bot.store, timedelta(microseconds=1)
    await funnel_handler.arrived(store, ["p1", "p2"], "internship", "i1",
                                 monday - timedelta(weeks=3))  # the very start of that week
    await funnel_handler.arrived(store, ["p3"], "internship", "i1",
                                 monday - timedelta(weeks=3) - tick)  # the week before
    await funnel_handler.arrived(store, ["p4"], "official", "o1", monday - tick)

    async def whole(*args: object, **kwargs: object) -> None:
        raise AssertionError("every member's stages read")

    monkeypatch.setattr(funnel_handler, "journeys", whole)
    after = by_week(await get(site, "/api/funnel?since=60d"))
    added = {key: n - before.get(key, 0) for key, n in after.items() if n != before.get(key)}
    assert added == {("internship", weeks[3]): 2, ("internship", weeks[4]): 1,
                     ("official", weeks[1]): 1}
    assert (await get(site, "/api/funnel?since=60d"))["weekly"]["weeks"][0] == weeks[4]


async def test_quiz_answers_give_a_pass_rate_per_question(site: Site) -> None:
    h = site.h
    await h.say("i1", "dave", "开始考试")
    for answer in ("B", "B", "B", "B", "X"):  # all wrong ("X" to a choice: no answer)
        await h.advance("5s")  # an answer every 5 s, not a flood
        await h.say("i1", "dave", answer)
    quiz = (await get(site, "/api/funnel"))["quiz"]
    assert [q["answered"] for q in quiz] == [1, 1, 1, 1, 1]
    assert quiz[0]["pass_percent"] in (0, 100)
    assert sum(q["passed"] for q in quiz) <= 1


async def test_schedules_list_every_recurring_job_with_its_next_and_last_run(
        site: Site) -> None:
    jobs = await get(site, "/api/schedules")
    daily = next(j for j in jobs if (j["group"], j["handler"]) == ("i1", "lifecycle"))
    assert (daily["cron"], daily["next_run"], daily["last_run"]) == (
        "30 23 * * *", "2026-11-23 23:30", None)
    await site.h.advance("15h")
    daily = next(j for j in await get(site, "/api/schedules")
                 if (j["group"], j["handler"]) == ("i1", "lifecycle"))
    assert (daily["last_run"], daily["outcome"], daily["next_run"]) == (
        "2026-11-23 23:30", "run", "2026-11-24 23:30")


async def test_config_shows_each_types_effective_handlers(site: Site) -> None:
    config = await get(site, "/api/config")
    types = {t["name"]: t for t in config["types"]}
    antispam = types["recruitment"]["handlers"][0]
    assert antispam["name"] == "antispam"
    assert antispam["config"]["warn_window"] == "30d"  # inherited from base.yaml


async def test_a_broken_config_is_refused_with_file_line_and_key(site: Site) -> None:
    rules = site.h.deployment.root.parent / "content" / "rules" / "customer.md"
    kept = rules.read_bytes()
    rules.unlink()
    rules.symlink_to("customer.md")  # a link loop: 422 with its line too, never a 500
    customer = site.h.deployment.root / "types" / "customer.yaml"
    text_line = customer.read_text().splitlines().index("      text: rules/customer.md") + 1
    for path in ("/api/config/validate", "/api/reload"):
        [looped] = (await post(site, path, 422))["problems"]
        assert (looped["file"].endswith("customer.yaml"), looped["line"], looped["key"]) == (
            True, text_line, "handlers.rules.text")
        assert looped["message"].endswith("rules/customer.md cannot be read: "
                                          f"{os.strerror(errno.ELOOP)}")
    rules.unlink()
    rules.write_bytes(kept)
    base = site.h.deployment.root / "types" / "base.yaml"
    line = base.read_text().splitlines().index("      warn_limit: 3               # warnings in"
                                                " force that get a member removed") + 1
    base.write_text(base.read_text().replace("warn_limit: 3", "warn_limit: lots"))
    checked = await post(site, "/api/config/validate", 422)
    [problem] = checked["problems"]
    assert problem["file"].endswith("base.yaml") and problem["line"] == line
    assert problem["key"] == "handlers.antispam.warn_limit"
    refused = await post(site, "/api/reload", 422)
    assert refused["status"] == "refused" and refused["problems"] == checked["problems"]
    assert (await get(site, "/api/audit?action=reload_refused"))["total"] == 2
    base.write_text(base.read_text().replace("warn_limit: lots", "warn_limit: 2"))
    assert (await post(site, "/api/reload"))["status"] == "reloaded"
    config = await get(site, "/api/config")
    assert config["types"][0]["handlers"][0]["config"]["warn_limit"] == 2


async def test_a_member_link_shows_only_that_members_data_until_it_expires(
        site: Site) -> None:
    h = site.h
    key = await links.make_key(h.bot.store)
    token = links.sign(key, "dave", h.clock.now() + timedelta(days=7))
    mine = await get(site, f"/api/me/{token}")
    assert (mine["member"], mine["stage"], mine["points"], mine["streak"]) == (
        "dave", "internship", mine["points"], 1)
    assert mine["points"] > 0 and mine["rank"] == 1
    assert [d["date"] for d in mine["calendar"]["days"] if d["done"]] == ["2026-11-23"]
    forged = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    await get(site, f"/api/me/{forged}", 403)
    other = token.replace(token.split(".")[0], "ZmF5")  # "fay", with dave's signature
    await get(site, f"/api/me/{other}", 403)
    await h.advance("7d")
    await get(site, f"/api/me/{token}", 403)



async def test_a_member_page_reads_only_the_funnel_of_whom_it_shows(
        site: Site, monkeypatch: pytest.MonkeyPatch) -> None:
    """/me/<token> read every member's funnel stages and walked them on the bot's event loop
    to show one member's: a second's stall a page at 60,000 members (review s31b W3); the
    group members page the same. Each now reads only the stages of the members it shows."""
    read: list[set[str]] = []
    journeys = funnel_handler.journeys

    async def spied(*args: Any, **kwargs: Any) -> Any:
        found = await journeys(*args, **kwargs)
        read.append(set(found))
        return found

    monkeypatch.setattr(funnel_handler, "journeys", spied)
    h = site.h
    await h.join("o1", "erin", "fay")  # others with funnel stages
    await h.drain()
    read.clear()  # the bot's own reads meanwhile (namecard: whether dave is promoted)
    token = links.sign(await links.make_key(h.bot.store), "dave", h.clock.now() + timedelta(1))
    assert (await get(site, f"/api/me/{token}"))["stage"] == "internship"
    assert read == [{"dave"}]
    read.clear()
    shown = await get(site, "/api/groups/i1/members")
    assert {row["member"] for row in shown} >= {"dave"}
    assert read and read[0] <= {row["member"] for row in shown}

async def test_csv_downloads_need_the_operator_and_name_the_kind(site: Site) -> None:
    assert (await site.client.get("/export/members.csv", allow_redirects=False)).status == 302
    response = await site.client.get("/export/members.csv", headers=BEARER)
    assert response.status == 200
    assert response.headers["Content-Disposition"] == 'attachment; filename="members.csv"'
    body = await response.read()
    assert b"dave" in body
    await site.h.rename("r1", "dave", '=HYPERLINK("http://evil.example")')
    body = await (await site.client.get("/export/members.csv?group=r1", headers=BEARER)).read()
    assert body.startswith(b"\xef\xbb\xbf")  # UTF-8 with BOM, for Excel
    text = body.decode("utf-8-sig")
    assert '"\'=HYPERLINK(""http://evil.example"")"' in text  # a formula shown as text
    assert '"i1"' not in text  # only the group asked for
    assert (await site.client.get("/export/secrets.csv", headers=BEARER)).status == 404


async def test_the_console_answers_while_a_csv_download_is_made(
        site: Site, monkeypatch: pytest.MonkeyPatch) -> None:
    """A download is made on a thread of the console's own: the export below is held until
    the console has answered another request meanwhile (on the loop, it would never come)."""
    answered = threading.Event()
    made = report.export_rows
    threads = []

    async def held(*args: Any) -> Any:
        threads.append(threading.current_thread().name)
        if not answered.wait(timeout=30):
            raise AssertionError("the console answered nothing while the export was made")
        return await made(*args)

    monkeypatch.setattr(report, "export_rows", held)
    download = asyncio.ensure_future(site.client.get("/export/members.csv", headers=BEARER))
    assert (await site.client.get("/healthz")).status == 200
    answered.set()
    response = await download
    assert response.status == 200
    assert b"dave" in await response.read()
    # on threads of their own, not the loop's pool that image sends and reloads use
    assert threads and threads[0].startswith("groupbot-export")


async def test_a_csv_download_names_a_bad_parameter(site: Site) -> None:
    """An unknown group, or a parameter the export does not take, is a 400 naming it (not a
    file with a header and no rows, nor every group's rows)."""
    for query, parameter, problem in (
            ("group=zz", "group", "no group 'zz' in the database"),
            ("grp=r1", "grp", "an export takes only `group`")):
        response = await site.client.get(f"/export/members.csv?{query}", headers=BEARER)
        assert response.status == 400
        page = await response.text()
        assert f"参数 {parameter}" in page and problem.replace("'", "&#39;") in page
    assert (await site.client.get("/export/members.csv?group=r1", headers=BEARER)).status == 200


@pytest.mark.parametrize(("path", "parameter"), [
    ("/api/audit?member=%00", "member"), ("/api/audit?group=a%00b", "group"),
    ("/api/audit?action=%07", "action"), ("/api/groups/r1/members?q=bob%00", "q"),
    ("/export/members.csv?group=%00", "group")])
async def test_a_control_character_in_a_text_parameter_is_a_400_naming_it(
        site: Site, path: str, parameter: str) -> None:
    """(review6 P2) A NUL went on to the query: PostgreSQL refused it, a 500."""
    response = await site.client.get(path, headers=BEARER)
    assert response.status == 400, await response.text()
    text = await response.text()
    assert "control character (U+00" in text
    if path.startswith("/api/"):
        assert (await response.json())["parameter"] == parameter
    else:
        assert f"参数 {parameter}" in text


@pytest.mark.parametrize(("path", "body", "parameter"), [
    ("/api/blocklist/a%00b/unblock", None, "member"), ("/api/jobs/%00/confirm", None, "id"),
    ("/api/broadcasts", {"targets": "r1", "text": "a\x00b"}, "text")])
async def test_a_control_character_in_a_path_or_a_body_is_a_400_naming_it(
        site: Site, path: str, body: dict[str, str] | None, parameter: str) -> None:
    """A NUL in an id of the path, or in a JSON body's text: a 500 on PostgreSQL, or a
    broadcast of a NUL."""
    response = await site.client.post(path, headers=BEARER, json=body)
    assert response.status == 400, await response.text()
    assert (await response.json())["parameter"] == parameter
    if body is not None:  # a body's line breaks and tabs are text
        lines = {**body, parameter: "第一行\n\t第二行\r\n"}
        assert (await site.client.post(path, headers=BEARER, json=lines)).status == 201


async def test_a_control_character_in_a_posted_form_is_a_400_naming_the_field(
        site: Site) -> None:
    csrf = await site.login()
    response = await site.client.post("/moderation/unblock",
                                      data={"csrf": csrf, "member": "a\x00b"})
    assert response.status == 400
    assert "参数 member" in await response.text()


@pytest.fixture
async def read_only(site: Site, tmp_path: Path) -> AsyncIterator[TestClient]:
    """`groupbot web`: the console over the same database, without the bot."""
    console = Console(site.h.db, site.h.clock, site.h.registry, TOKEN,
                      standalone_deployment=site.h.deployment)
    async with TestClient(TestServer(server.make_app(console))) as client:
        yield client
    await console.close()


async def test_healthz_is_degraded_while_the_database_cannot_be_read(
        site: Site, tmp_path: Path) -> None:
    """A database file gone (or a PostgreSQL server not answering) fails every page: the
    container's health check says so, and says ok again once the database reads."""
    if isinstance(site.h.db, Path):
        location: Path | str = tmp_path / "moved.db"
    else:  # the same server's address, on a port nothing listens on
        location = re.sub(r"(@[^/:]+):\d+", r"\1:9", site.h.db)
    console = Console(location, site.h.clock, site.h.registry, TOKEN,
                      standalone_deployment=site.h.deployment)
    try:
        async with TestClient(TestServer(server.make_app(console))) as client:
            health = await client.get("/healthz")
            assert health.status == 503
            assert await health.json() == {"status": "degraded", "platform": "none",
                                           "outbox": 0, "database": "unreadable"}
            if isinstance(location, Path):
                location.write_bytes(b"not a database " * 300)  # a bad restore (r8 R8-8)
                health = await client.get("/healthz")
                assert (health.status, (await health.json())["database"]) == (503,
                                                                             "unreadable")
                location.unlink()  # the file back: read again, not a restart
                shutil.copy(site.h.db, location)
                health = await client.get("/healthz")
                assert (health.status, (await health.json())["database"]) == (200, "ok")
    finally:
        await console.close()


async def test_without_the_bot_everything_reads_and_actions_are_409(
        site: Site, read_only: TestClient) -> None:
    groups = await (await read_only.get("/api/groups", headers=BEARER)).json()
    # no platform: as the database knows them (o1: bound by name at start, no event yet)
    assert {g["id"] for g in groups} == {"r1", "i1", "o1"}
    health = await read_only.get("/healthz")
    assert (health.status, (await health.json())["platform"]) == (200, "none")
    for path in ("/api/reload", "/api/warnings/1/revoke", "/api/blocklist/erin/unblock"):
        response = await read_only.post(path, headers=BEARER)
        assert response.status == 409, path
    assert (await read_only.post("/api/config/validate", headers=BEARER)).status == 200
