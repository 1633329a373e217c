"""A refused regular expression is shown as the operator wrote it: `'(a)\\1'`, not Python's
quoting `'(a)\\\\1'` (a pattern of two backslashes, which they did not write)."""

from __future__ import annotations

import pytest

from bot.regex import Pattern


@pytest.mark.parametrize("source, shown", [
    ("(a)\\1", "'(a)\\1' cannot run on RE2"),
    ("\\d+(?=元)", "'\\d+(?=元)' cannot run on RE2"),
    ("it's (x)\\1", "\"it's (x)\\1\" cannot run on RE2"),  # (the other quote, as Python's)
    ("(a\\d", "invalid regular expression '(a\\d':"),
    ("a\nb(?!c)", "'a\\nb(?!c)' cannot run on RE2"),  # a line break escaped: one line
])
def test_a_refused_pattern_is_quoted_as_written(source: str, shown: str) -> None:
    with pytest.raises(ValueError) as refused:
        Pattern(source)
    assert shown in str(refused.value)
