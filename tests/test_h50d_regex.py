"""A pattern `groupbot check` warns about or refuses is shown exactly as the operator wrote
it in the YAML (h50d, found by r47): one holding both quotes was put between ' with its own
' escaped, so `it\'s "ok"` showed as `'it\\'s "ok"'`, a backslash more than written (or an
escape the reader could not tell from theirs). It now stands between marks it does not hold,
and nothing in it is escaped."""

from __future__ import annotations

from pathlib import Path

import pytest
from harness import BOT_YAML, write_config

from bot.cli import main
from bot.regex import Pattern, as_written


@pytest.mark.parametrize(("source", "shown"), [
    ("it\\'s \"ok\"", "`it\\'s \"ok\"`"),
    ("a\\'b\"", "`a\\'b\"`"),
    ("say \\\"hi\\\" 'x'", "`say \\\"hi\\\" 'x'`"),
    ("`'\"", "「`'\"」"),
    ("a\\", "「a\\」"),  # ('a\' would read as an escaped quote)
    ("it's", "\"it's\""), ("(a)\\1", "'(a)\\1'"),  # (as before)
])
def test_a_pattern_is_shown_between_marks_it_does_not_hold(source: str, shown: str) -> None:
    assert as_written(source) == shown


TYPE = """\
handlers:
  - keywords:
      rules:
        - match: regex
          patterns:
            - \\b报名\\b it\\'s "ok"
          reply: x
"""


def test_check_shows_a_warned_pattern_with_an_escaped_quote_as_written(
        capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    root = write_config(tmp_path / "config", BOT_YAML, {"recruitment": TYPE})
    assert main(["check", "--config", str(root)]) == 0
    warned = [line for line in capsys.readouterr().err.splitlines() if "ASCII-only" in line]
    assert [line.split("patterns[0]: ", 1)[1] for line in warned] == [
        "`\\b报名\\b it\\'s \"ok\"`: \\b is ASCII-only in RE2: next to a Chinese character it "
        "finds a word boundary that Python's re would not (match Chinese by plain text instead)"]


def test_a_refused_pattern_ending_in_a_backslash_is_not_read_as_an_escaped_quote() -> None:
    with pytest.raises(ValueError, match="invalid regular expression 「报名\\\\」"):
        Pattern("报名\\")
