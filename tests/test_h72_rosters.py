"""A roster's entry after s42 h72: a class role before the name in traditional characters,
and a member's ask addressed to the class role who is to answer it."""

from __future__ import annotations

import pytest

from bot.contacts import find_contacts

ENTRY = "王薇 20231234"  # a roster's entry: a name and a student number


# ------------------------------------- a role before the name, in traditional characters

@pytest.mark.parametrize("text", [
    "老師小薇 20231234", "班長王薇 20231234", "輔導員小薇 20231234", "有需要聯繫群主小薇 20231234"])
def test_a_class_role_in_traditional_characters_names_its_holder(text: str) -> None:
    assert find_contacts(text) == []


@pytest.mark.parametrize("text", [
    "加老師小薇 20231234", "客服老師小薇 20231234", "聯繫人：王薇 20231234", "群主小薇 20231234",
    "理財老師小薇 20231234", "考研學姐小薇 20231234"])
def test_an_ad_s_persona_or_label_in_traditional_characters_is_still_found(text: str) -> None:
    assert find_contacts(text)
