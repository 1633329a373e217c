"""Eleven digits after a name, after s41 f54 (review r52 finding 5): a student number only
from a plausible year (2000 to 2039) and without a plus sign before it, which marks an
international number's country code (+20: Egypt)."""

from __future__ import annotations

import pytest

from bot.contacts import find_contacts


@pytest.mark.parametrize("text", [
    "王薇 +20231234567", "王薇 ＋20231234567", "王薇 + 2023 1234567", "小薇 20912345678",
    "李威 20501234567"])
def test_a_plus_or_no_plausible_year_makes_eleven_digits_no_student_number(text: str) -> None:
    assert find_contacts(text)


@pytest.mark.parametrize("text", ["王薇 20391234567", "李威：20001234567 已交", "王薇 +20231234"])
def test_eleven_digits_from_a_year_or_a_short_number_after_a_plus_are_a_rosters(
        text: str) -> None:
    assert find_contacts(text) == []
