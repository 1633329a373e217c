"""The console as a hostile outsider tries it (review s39 r31): its static files, and the
30-day series read while the bot goes on."""

from __future__ import annotations

import asyncio
import logging
import threading
from datetime import date, datetime, time, timedelta
from typing import Any

import pytest
from web_site import TOKEN, Site

from bot import activity, roster
from bot.web import server, views

BEARER = {"Authorization": f"Bearer {TOKEN}"}


@pytest.mark.parametrize("name", ["nope.js", "a" * 300, "%ff", "console.css%20"])
async def test_a_static_file_the_console_does_not_have_is_a_404_page(
        site: Site, caplog: pytest.LogCaptureFixture, name: str) -> None:
    """aiohttp's static route answered a missing file with an empty 404 (no page saying
    what is missing), and a name longer than the file system takes, asked by anyone without
    logging in, with a 500 and a traceback in the log."""
    with caplog.at_level(logging.WARNING):
        response = await site.client.get(f"/static/{name}")
    assert response.status == 404
    assert response.content_type == "text/html"
    assert "页面不存在" in await response.text()
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


async def test_the_consoles_own_static_files_are_served(site: Site) -> None:
    for name, kind in (("console.css", "text/css"), ("console.js", "javascript"),
                       ("favicon.svg", "image/svg+xml")):
        response = await site.client.get(f"/static/{name}")
        assert response.status == 200 and kind in response.content_type
        assert (await response.read()) == (server.HERE / "static" / name).read_bytes()


@pytest.mark.parametrize("path", ["/api/overview", "/api/groups/r1", "/groups/r1", "/"])
async def test_the_console_answers_while_a_30_day_series_is_read(
        site: Site, monkeypatch: pytest.MonkeyPatch, path: str) -> None:
    """The 30-day series (members, messages and active members per day; the overview's
    heatmap) were read and counted on the bot's loop: every hour's activity row of every
    member parsed, every member walked once a day. At 60,000 members and 250,000 activity
    rows that froze the bot for seconds at each view of the overview. The activity read
    (the members' in the same counting) is held until the console has answered another
    request meanwhile: on the loop, that answer would never come."""
    await _answers_while_held(site, monkeypatch, path, activity, ("since",))


async def test_the_members_series_counts_who_was_in_at_each_days_end(site: Site) -> None:
    """Members at each day's end, counted once per member now: whoever joined before the
    end and had not left by then, also at the very edges of a day."""
    h = site.h
    end_of_today = datetime.combine(h.clock.now().date() + timedelta(days=1), time(),
                                    h.clock.now().tzinfo)
    await h.advance(end_of_today - h.clock.now())
    await h.join("r1", "edge1", "edge2")  # joined at a day's very start
    await h.advance("1d")
    await h.leave("r1", "edge2")  # left at that day's very end: still in at it
    await h.advance("5m")
    entries = await roster.everyone(h.bot.store, "r1")
    series = (await (await site.client.get("/api/groups/r1", headers=BEARER)).json())["daily"]
    tz = h.clock.now().tzinfo
    for day, members in zip(series["days"], series["members"], strict=True):
        end = datetime.combine(date.fromisoformat(day) + timedelta(days=1), time(), tz)
        assert members == sum(1 for e in entries if (e.joined_at is None or e.joined_at < end)
                              and (e.left_at is None or e.left_at >= end)), day
    assert series["members"][-3:] == [series["members"][-3] + n for n in (0, 2, 1)]


@pytest.mark.parametrize(("path", "kind", "bearer"), [
    ("/login", "application/x-www-form-urlencoded", False),
    ("/api/broadcasts", "application/json", True),
    ("/moderation/revoke", "application/x-www-form-urlencoded", "session")])
@pytest.mark.parametrize("encoding", ["gzip", "deflate"])
async def test_a_body_that_does_not_decode_as_its_content_encoding_says_is_400(
        site: Site, caplog: pytest.LogCaptureFixture, path: str, kind: str,
        bearer: bool | str, encoding: str) -> None:
    """A body sent `Content-Encoding: gzip` that is not gzip was a 500 with a traceback of
    some 80 lines in the log, for anyone, at the login form: aiohttp's RequestPayloadError
    was not taken for the unreadable body it is."""
    headers = {"Content-Encoding": encoding, "Content-Type": kind}
    if bearer is True:
        headers.update(BEARER)
    elif bearer == "session":
        await site.login()
    with caplog.at_level(logging.WARNING):
        response = await site.client.post(path, data=b"token=abc&warning=1", headers=headers)
    assert response.status == 400
    shown = await response.text()
    assert "body" in shown and "Content-Encoding" in shown
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


@pytest.mark.parametrize(("path", "reads"), [
    ("/api/groups", ("groups_seen", "present")), ("/api/overview", ("groups_seen", "present")),
    ("/groups", ("groups_seen", "present")), ("/moderation", ("groups_seen",)),
    ("/schedules", ("groups_seen",)), ("/api/groups/r1", ("groups_seen", "present"))])
async def test_the_console_answers_while_the_groups_and_their_figures_are_read(
        site: Site, monkeypatch: pytest.MonkeyPatch, path: str, reads: tuple[str, ...]
        ) -> None:
    """Every page that lists the groups read the whole roster (every member who ever was in
    a group, to learn which groups the roster has seen) on the bot's loop, and the groups'
    figures every present member of every group: at 60,000 members, most of a second of
    frozen bot at each view of the overview, the groups, 群管 or the schedules. They are
    read on the console's threads now, as the 30-day series."""
    await _answers_while_held(site, monkeypatch, path, roster, reads)


@pytest.mark.usefixtures("backend")  # on SQLite, then on PostgreSQL
async def test_a_csv_download_right_after_the_bot_wrote_holds_what_it_wrote(site: Site) -> None:
    """On PostgreSQL a download was read on a thread of its own through a reader that first
    commits the bot's uncommitted writes, on the bot's connection, from that thread's
    loop: a 500 ("attached to a different loop"). So would the groups and their series
    have been, read on the console's threads."""
    await site.h.join("r1", "newbie")  # (no turn of the loop between: its batch is open)
    assert b"newbie" in await views.export(site.console, "members", None)
    await site.h.join("r1", "another")
    [r1] = [row for row in await views.groups(site.console) if row.id == "r1"]
    await site.h.join("r1", "third")
    overview = await views.overview(site.console)
    assert overview["members"] >= r1.members + 1


async def _answers_while_held(site: Site, monkeypatch: pytest.MonkeyPatch, path: str,
                              module: Any, reads: tuple[str, ...]) -> None:
    """GET `path` with `module`'s `reads` held until the console has answered /healthz
    meanwhile (on the loop, that answer never comes), each on the console's own threads."""
    answered = threading.Event()
    threads: list[str] = []

    def held(read: Any) -> Any:
        async def reading(*args: Any, **kwargs: Any) -> Any:
            threads.append(threading.current_thread().name)
            if not answered.wait(timeout=5):
                raise AssertionError("the console answered nothing while it read")
            return await read(*args, **kwargs)
        return reading

    for name in reads:
        monkeypatch.setattr(module, name, held(getattr(module, name)))
    page = asyncio.ensure_future(site.client.get(path, headers=BEARER))
    health = await asyncio.wait_for(site.client.get("/healthz"), 10)
    assert health.status == 200
    answered.set()
    response = await page
    assert response.status == 200, await response.text()
    assert threads and all(name.startswith("groupbot-read") for name in threads), threads
