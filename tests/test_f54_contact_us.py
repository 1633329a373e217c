"""联系我们 and an entry, after s41 f54 (review r52 findings 3 and 7): an id right after it,
behind a space, a colon, a bracket or any arrow, is the contact offered; 联系我们 that ends
its clause, or names a role, is the class's."""

from __future__ import annotations

import pytest

from bot.contacts import find_contacts


@pytest.mark.parametrize("text", [
    "有需要联系我们=>王薇 20231234", "有需要联系我们【王薇 20231234】",
    "有需要联系我们~王薇 20231234", "有需要联系我们👈 王薇 20231234",
    "有需要联系我们：\n王薇 20231234\n李威 20231235"])
def test_any_pointer_after_contact_us_offers_the_entry(text: str) -> None:
    assert find_contacts(text)


@pytest.mark.parametrize("text", [
    "王薇 20231234 有需要联系我们班长", "王薇 20231234 有需要联系我们",
    "王薇 20231234 有需要联系我们 谢谢", "有需要联系我们，王薇 20231234",
    "有需要联系我们的班长王薇 20231234", "王薇 20231234\n有需要联系我们：班长"])
def test_contact_us_that_ends_its_clause_or_names_a_role_is_the_class(text: str) -> None:
    assert find_contacts(text) == []
