"""The console's long reads on PostgreSQL share one reader, kept for the console's life, on a
thread of its own (bot/web/base.py): a page opens no connection of its own."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Any

import pytest
from web_site import TOKEN, Site

from bot.postgres import PgReader
from bot.store import Reader, Row

BEARER = {"Authorization": f"Bearer {TOKEN}"}
pytestmark = pytest.mark.usefixtures("backend")
on_postgresql = pytest.mark.parametrize("storage", ["postgresql"], indirect=True)


def _counting_opens(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    """Each reader's pool as it opens (one server connection at least)."""
    opened: list[object] = []
    real = PgReader._open

    async def opening(self: PgReader) -> Any:
        pool = await real(self)
        opened.append(pool)
        return pool

    monkeypatch.setattr(PgReader, "_open", opening)
    return opened


@on_postgresql
async def test_an_overview_page_opens_no_reader_of_its_own(
        site: Site, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each long read (the groups, their figures, the month's activity) opened a reader of
    its own, an asyncpg pool, and closed it: three server connections (each a backend
    started, its catalog read) for each view of the overview."""
    opened = _counting_opens(monkeypatch)
    first = await site.client.get("/api/overview", headers=BEARER)  # (the readers open)
    assert first.status == 200
    before = len(opened)
    for path in ("/", "/api/overview", "/groups", "/api/groups/r1"):
        response = await site.client.get(path, headers=BEARER)
        assert response.status == 200, path
    assert len(opened) == before, f"{len(opened) - before} readers opened by four pages"


@on_postgresql
async def test_the_shared_reader_ends_with_the_console(site: Site) -> None:
    """Its thread ends when the console closes, its pool closed first; a read that comes
    after says so."""
    response = await site.client.get("/api/overview", headers=BEARER)
    assert response.status == 200
    assert any(t.name == "groupbot-reader" for t in threading.enumerate())
    await site.console.close()
    assert not any(t.name == "groupbot-reader" for t in threading.enumerate())
    assert site.console.shared is not None
    with pytest.raises(RuntimeError, match="closing"):
        await site.console.shared.one("SELECT 1")


class _Recording:
    """A reader that notes each query it is asked, then asks `reader`."""

    def __init__(self, reader: Reader) -> None:
        self.reader = reader
        self.asked: list[str] = []

    async def one(self, sql: str, params: Sequence[Any] = ()) -> Row | None:
        self.asked.append(sql)
        return await self.reader.one(sql, params)

    async def all(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        self.asked.append(sql)
        return await self.reader.all(sql, params)

    async def close(self) -> None:
        await self.reader.close()


async def test_the_overview_reads_its_month_off_the_loop(site: Site) -> None:
    """The month's joins and leaves, check-ins, warnings, removals and the funnel were read
    and counted on the bot's loop (the console's own reader): about half a second of frozen
    bot a view at 60,000 members. On the loop now: only which account serves which group."""
    on_loop = _Recording(site.console.reader)
    site.console.reader = on_loop
    response = await site.client.get("/api/overview", headers=BEARER)
    assert response.status == 200
    assert len(on_loop.asked) == 1 and "FROM leases" in on_loop.asked[0], on_loop.asked
