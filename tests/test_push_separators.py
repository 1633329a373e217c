"""A push file whose separators are not `---` is one item: `check` says so, naming the
line meant as one (review s33b B7: `——`, `----` or blank lines made the shipped tips one
message of all six, posted whole at every run, and `check` said OK)."""

from __future__ import annotations

from pathlib import Path

import pytest
from harness import SHIPPED, shipped_config

from bot.cli import main


def _check(tmp_path: Path, file: str, separator: str | None,
           capsys: pytest.CaptureFixture[str]) -> list[str]:
    """`check`'s lines about push files, the shipped config's `file` with its `---` lines
    replaced by `separator` (None: as shipped)."""
    root = shipped_config(tmp_path)
    path = tmp_path / "content" / file
    text = path.read_text(encoding="utf-8")
    if separator is not None:
        assert "\n---\n" in text
        path.write_text(text.replace("\n---\n", f"\n{separator}\n"), encoding="utf-8")
    assert main(["check", "--config", str(root)]) == 0
    return [line.strip() for line in capsys.readouterr().err.splitlines()
            if "push" in line and "item" in line]


@pytest.mark.parametrize("separator", ["——", "----", "- - -", "＿＿＿"],
                         ids=["em-dashes", "four-dashes", "spaced", "full-width-underscores"])
def test_a_line_of_dashes_that_is_not_the_separator_is_named(
        tmp_path: Path, separator: str, capsys: pytest.CaptureFixture[str]) -> None:
    [warning] = _check(tmp_path, "push/tips.md", separator, capsys)
    shipped = (SHIPPED / "types" / "recruitment.yaml").read_text(encoding="utf-8")
    line = shipped.splitlines().index("          content: push/tips.md") + 1
    assert f"types/recruitment.yaml:{line}: handlers.push.schedules[0].content: push/tips.md " \
           "has 1 item, so mode rotate posts all of it at every run: items are separated " \
           "by a line that is only `---` (half-width); for one text, use mode fixed " \
           f"(push/tips.md:3: {separator!r} is not a separator)" in warning, warning


def test_blank_lines_between_items_are_named(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    [warning] = _check(tmp_path, "push/tips.md", "", capsys)
    assert warning.endswith("use mode fixed (a blank line does not separate items)"), warning


def test_a_series_of_one_episode_is_named(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    [warning] = _check(tmp_path, "push/training.md", "——", capsys)
    assert "push/training.md has 1 item, so mode series posts it once, as episode 1 of 1, " \
           "and then stops" in warning, warning


def test_the_shipped_push_files_are_several_items(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert _check(tmp_path, "push/tips.md", None, capsys) == []
