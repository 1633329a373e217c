"""Standard name cards in B-side customer groups (shipped: City-Company-Name)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from harness import SHIPPED, Harness, write_config

from bot import config
from bot.yamlfile import InputError
from handlers import REGISTRY

pytestmark = pytest.mark.usefixtures("backend")  # on SQLite, then on PostgreSQL

GROUPS = {"c1": "Customer 01"}
REMINDER = "请把群昵称改为「城市-公司-姓名」，例如：上海-声动科技-林晓，方便大家互相认识～"


def _reminders(h: Harness, member: str) -> list[str]:
    return [r["t"][11:16] for r in h.actions("say", group="c1")
            if r["text"] == REMINDER and r["mentions"] == [member]]


async def test_a_newcomer_with_another_nickname_is_reminded_after_the_delay(
        tmp_path: Path) -> None:
    async with Harness(SHIPPED, tmp_path, groups=GROUPS) as h:
        await h.join("c1", "dave")
        await h.advance("9m")
        assert _reminders(h, "dave") == []
        await h.advance("2m")
        assert _reminders(h, "dave") == ["09:10"]


async def test_reminders_come_once_a_day_at_most_three_times(tmp_path: Path) -> None:
    async with Harness(SHIPPED, tmp_path, groups=GROUPS) as h:
        await h.join("c1", "dave")
        await h.advance("5d")
        assert _reminders(h, "dave") == ["09:10", "09:10", "09:10"]
        assert [r["t"][:10] for r in h.actions("say", group="c1") if r["text"] == REMINDER] == [
            "2026-11-23", "2026-11-24", "2026-11-25"]


async def test_a_hundred_newcomers_at_once_get_batched_reminders(tmp_path: Path) -> None:
    async with Harness(SHIPPED, tmp_path, groups=GROUPS) as h:
        newcomers = [f"n{i}" for i in range(100)]
        await h.join("c1", *newcomers)
        await h.advance("3d")
        reminders = [r for r in h.actions("say", group="c1") if r["text"].startswith("请把群昵称")]
        assert len(reminders) == 15  # 3 rounds of 100 mentions, 20 to a message (was 300)
        for round_start in range(0, 15, 5):
            mentioned = [m for r in reminders[round_start:round_start + 5]
                         for m in r["mentions"]]
            assert sorted(mentioned) == sorted(newcomers)  # everyone, once a round


async def test_reminders_stop_once_the_member_renames(tmp_path: Path) -> None:
    async with Harness(SHIPPED, tmp_path, groups=GROUPS) as h:
        await h.join("c1", "dave")
        await h.advance("1h")
        await h.rename("c1", "dave", "上海-声动科技-大卫")
        await h.advance("5d")
        assert _reminders(h, "dave") == ["09:10"]


async def test_a_rename_before_the_delay_means_no_reminder_at_all(tmp_path: Path) -> None:
    async with Harness(SHIPPED, tmp_path, groups=GROUPS) as h:
        await h.join("c1", "dave")
        await h.rename("c1", "dave", "北京－星河传媒－大卫")   # full-width dashes count too
        await h.advance("5d")
        assert _reminders(h, "dave") == []


async def test_renaming_to_a_wrong_name_again_brings_the_reminders_back(tmp_path: Path) -> None:
    async with Harness(SHIPPED, tmp_path, groups=GROUPS) as h:
        await h.join("c1", "dave")
        await h.rename("c1", "dave", "上海-声动科技-大卫")
        await h.advance("1h")
        await h.rename("c1", "dave", "大卫")
        await h.advance("11m")
        assert _reminders(h, "dave") == ["10:10"]


async def test_a_newcomer_with_a_proper_name_or_who_left_is_not_reminded(tmp_path: Path) -> None:
    async with Harness(SHIPPED, tmp_path, groups=GROUPS) as h:
        h.world.contacts["erin"] = "杭州-拾光文化-Erin"
        await h.join("c1", "dave", "erin", "fay")
        await h.advance("5m")
        await h.leave("c1", "dave")
        await h.advance("2d")
        assert _reminders(h, "dave") == [] and _reminders(h, "erin") == []
        assert _reminders(h, "fay") == ["09:10", "09:10"]  # who stayed with no proper name


async def test_the_admins_and_the_bot_are_not_held_to_the_pattern(tmp_path: Path) -> None:
    async with Harness(SHIPPED, tmp_path, groups=GROUPS) as h:
        await h.join("c1", "op_lin", "bot")
        await h.advance("1d")
        assert h.actions("say", group="c1", text=REMINDER) == []


async def test_an_admin_gets_the_list_of_nonconforming_names_by_dm(tmp_path: Path) -> None:
    async with Harness(SHIPPED, tmp_path, groups=GROUPS) as h:
        h.world.contacts["erin"] = "杭州-拾光文化-Erin"
        await h.advance("1s")             # the bot learns who was there before it (backstop)
        await h.join("c1", "dave", "erin", "op_lin")
        await h.say("c1", "op_lin", "/名片")
        await h.advance("5s")
        [listing] = h.actions("dm", to="op_lin")
        assert listing["text"] == ("「Customer 01」群名片不规范的成员 3/4 人"
                                   "（格式示例：上海-声动科技-林晓）：\nalice（alice）\n"
                                   "bob（bob）\ndave（dave）")


async def test_the_list_names_100_members_and_counts_the_others(tmp_path: Path) -> None:
    """A group of 500 with names nobody fixed: 500 lines in one private message."""
    async with Harness(SHIPPED, tmp_path, groups=GROUPS) as h:
        h.world.join("c1", [f"m{i:03}" for i in range(497)])
        await h.advance("1s")             # the bot learns who was there before it (backstop)
        await h.say("c1", "op_lin", "/名片")
        await h.advance("5s")
        [listing] = h.actions("dm", to="op_lin")
        lines = listing["text"].split("\n")
        assert lines[0].startswith("「Customer 01」群名片不规范的成员 499/499 人")
        assert len(lines) == 102 and lines[-1] == "……另有 399 人"


async def test_other_members_cannot_ask_for_the_list(tmp_path: Path) -> None:
    async with Harness(SHIPPED, tmp_path, groups=GROUPS) as h:
        await h.join("c1", "dave")
        await h.say("c1", "dave", "/名片")
        await h.advance("5s")
        assert h.actions("dm") == []


@pytest.mark.no_store
@pytest.mark.parametrize("pattern, example, expected", [
    ("'([a-z'", "x", "t.yaml:3: handlers.namecard.pattern: invalid regular"),
    ("'[^-]+-[^-]+-[^-]+'", "abc",
     "t.yaml:2: handlers.namecard: example 'abc' does not match the pattern"),
])
def test_a_bad_pattern_or_an_example_it_refuses_is_a_config_error(
        tmp_path: Path, pattern: str, example: str, expected: str) -> None:
    root = write_config(tmp_path / "config", "content: content\n", {
        "t": f"handlers:\n  - namecard:\n      pattern: {pattern}\n      example: {example}\n"
             "      reminder: hi\n"})
    with pytest.raises(InputError, match=re.escape(expected)):
        config.load(root, REGISTRY)


@pytest.mark.parametrize(("name", "complies"), [
    *((name, True) for name in ("上海-小林", "上海－小林", "上海 - 小林", "Shanghai-Tom Lee",
                                "上海—小林", "上海–小林", "上海_小林", "上海·小林", "上海・小林",
                                "上海|小林", "上海/小林", "上海丨小林", "上海-浦东-小林")),
    *((name, False) for name in ("小林", "Dave", "小林（上海）", "上海小林", "-小林", "上海-")),
])
def test_the_internship_name_card_takes_what_trainees_write(name: str, complies: bool) -> None:
    """The shipped internship rules ask for 城市-姓名; trainees write it with spaces, a
    phone keyboard's dashes or other separators (review s38 R29-4, R30-9)."""
    internship = config.load(SHIPPED, REGISTRY).types["internship"]
    [namecard] = [h for h in internship.handlers if h.name == "namecard"]
    assert namecard.complies(name) is complies
