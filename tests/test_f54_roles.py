"""A class role before a name, after s41 f54 (review r52 findings 1 and 9): the role names
its holder only where it starts a word or follows 联系 (or 我们的), with no 加 or label before
it; the group's own roles (群主, 管理员) only in a list or after 联系. The near misses that
stay a class's."""

from __future__ import annotations

import pytest

from bot.contacts import find_contacts


@pytest.mark.parametrize("text", [
    "有需要联系班长王薇 20231234", "班长王薇 20231234", "有需要联系我们的班长王薇 20231234",
    "辅导员小薇 20231234", "有需要联系群主小薇 20231234", "有需要联系我们的管理员王薇 20231234",
    "名单\n群主小薇 20231234\n管理员王薇 20231235", "报名统计：管理员小薇 20231234 已交",
    "请假，老师王薇 20231234", "（班长）王薇 20231234"])
def test_a_role_that_starts_a_word_or_follows_contact_names_its_holder(text: str) -> None:
    assert find_contacts(text) == []


@pytest.mark.parametrize("text", [
    "考研学姐小薇 20231234", "加 老师小薇 20231234", "客服：老师小薇 20231234",
    "群主小薇 20231234", "管理员王薇 20231234 有事找我"])
def test_a_persona_an_add_or_the_groups_own_role_alone_is_an_ad(text: str) -> None:
    assert find_contacts(text)
