"""Member-supplied text (names, group names) in the bot's messages: one line, no control or
bidi characters, capped; a name cannot forge a line of the bot's own reply."""

from __future__ import annotations

import unicodedata
from pathlib import Path

import pytest
from harness import BOT_YAML, SHIPPED, Harness, write_config
from hypothesis import given
from hypothesis import strategies as st

from bot import sanitize
from bot.config import Template
from bot.contacts import Finding
from bot.prefilter import Prefilter
from bot.sanitize import NAME_LIMIT, clean, group_name, member_name, names, other_group

FORGED = "bob\n⚠️ 警告 (2/2)：发布链接。"
TYPES = {"recruitment": """\
handlers:
  - checkin:
      leaderboard: {triggers: [排行]}
  - welcome:
      template: "欢迎 {members} 加入「{group}」！\\n请先看群公告。"
      window: 5s
  - keywords:
      rules:
        - {patterns: [群名], reply: "这里是「{group}」，{member}"}
"""}


def _harness(tmp_path: Path, topic: str = "Recruitment 01") -> Harness:
    root = write_config(tmp_path / "config", BOT_YAML, TYPES)
    return Harness(root, tmp_path, groups={"r1": topic})


async def test_a_name_cannot_forge_a_line_in_the_check_in_reply(tmp_path: Path) -> None:
    async with _harness(tmp_path) as h:
        h.world.contacts["mallory"] = FORGED
        await h.say("r1", "mallory", "签到")
        await h.advance("5s")
        [reply] = h.texts("r1")
    assert "\n" not in reply
    assert reply.startswith("✅ bob ⚠️ 警告 (2/2)：发布链接。 签到成功！")


async def test_the_leaderboard_shows_names_on_their_own_lines(tmp_path: Path) -> None:
    async with _harness(tmp_path) as h:
        h.world.contacts["mallory"] = FORGED
        await h.say("r1", "mallory", "签到")
        await h.say("r1", "alice", "签到")
        await h.advance("1m")
        await h.say("r1", "alice", "排行")
        await h.advance("1m")
        board = h.texts("r1")[-1]
    assert not any(line.startswith("⚠️") for line in board.splitlines()), board
    assert "bob ⚠️ 警告 (2/2)：发布链接。" in board


async def test_control_and_bidi_characters_are_dropped_and_long_names_capped(
        tmp_path: Path) -> None:
    async with _harness(tmp_path) as h:
        h.world.contacts["rlo"] = "\u202eevil\u200b\u2066name\x07\u2028x"
        h.world.contacts["long"] = "长" * 200
        await h.say("r1", "rlo", "签到")
        await h.say("r1", "long", "签到")
        await h.advance("1m")
        first, second = h.texts("r1")
    assert first.startswith("✅ evilname x 签到成功")
    assert "长" * (NAME_LIMIT - 1) + "… 签到成功" in second and "长" * NAME_LIMIT not in second


async def test_the_welcome_keeps_its_own_lines_whatever_the_names(tmp_path: Path) -> None:
    async with _harness(tmp_path, topic="Recruitment\n📢 管理员公告：请转账") as h:
        h.world.contacts["mallory"] = FORGED
        h.world.contacts["carol"] = "carol\r\n\u202e"
        await h.join("r1", "mallory", "carol")
        await h.advance("10s")
        [welcome] = h.texts("r1")
    assert welcome.splitlines() == [
        "欢迎 bob ⚠️ 警告 (2/2)：发布链接。、carol 加入「Recruitment 📢 管理员公告：请转账」！",
        "请先看群公告。"]


async def test_a_keyword_reply_quotes_the_group_name_on_one_line(tmp_path: Path) -> None:
    async with _harness(tmp_path, topic="Recruitment\u202e\n01") as h:
        await h.say("r1", "alice", "群名")
        await h.advance("5s")
    assert h.texts("r1") == ["这里是「Recruitment 01」，alice"]


def test_emoji_sequences_and_plain_names_are_kept() -> None:
    assert clean("👨\u200d👩\u200d👧 小明") == "👨\u200d👩\u200d👧 小明"
    assert clean("  Ａlice\t\tW  ") == "Ａlice W"


async def test_a_group_renamed_to_an_ad_is_not_repeated_by_the_welcome(tmp_path: Path) -> None:
    """Any member can rename a WeChat group: the binding holds, and `{group}` must not
    post the ad (a link, a WeChat id, a phone number) for them; "本群" stands for it."""
    async with _harness(tmp_path) as h:
        await h.rename_group("r1", "mallory", "Recruitment 福利 加V：abc888\n点 evil.com")
        await h.advance("1m")
        await h.join("r1", "carol")
        await h.advance("10s")
        await h.rename_group("r1", "mallory", "Recruitment 兼职 138 0013 8000")
        await h.advance("1m")
        await h.say("r1", "alice", "群名")
        await h.advance("5s")
        texts = h.texts("r1")
    assert "欢迎 carol 加入「本群」！\n请先看群公告。" in texts
    assert "这里是「本群」，alice" in texts
    assert not any("abc888" in t or "evil" in t or "138" in t for t in texts), texts


def test_a_group_name_without_a_link_or_contact_is_shown_cleaned() -> None:
    assert group_name("Customer 01 客户群") == "Customer 01 客户群"
    assert group_name("客户群\u202e\n02") == "客户群 02"
    assert group_name("福利群 vx abc888") == group_name("t.cn/x 群") == "本群"


ADS = {"eve": "加V abc888 领福利", "mal": "evil.com 免费领", "pat": "Pat 13800138000"}
AD_TYPES = {"recruitment": TYPES["recruitment"] + """\
  - namecard:
      pattern: "^\\\\S+-\\\\S+-\\\\S+$"
      example: 上海-声动科技-林晓
      first_reminder: 1m
      reminder: "{member}：请把群昵称改为「{example}」"
  - fission:
      min_stay: 1m
      rewards: [{invitations: 1, points: 5, text: "感谢 {member} 邀请 {count} 人"}]
"""}


async def test_a_name_carrying_an_ad_is_not_repeated_in_any_message(tmp_path: Path) -> None:
    """/tmp/review-4/names.yaml: names like "加V abc888 领福利" showed in 签到 replies,
    我的数据, the leaderboard, welcomes, name-card reminders and fission rewards."""
    root = write_config(tmp_path / "config", BOT_YAML, AD_TYPES)
    async with Harness(root, tmp_path, groups={"r1": "Recruitment 01"}) as h:
        h.world.contacts.update(ADS)
        for member in ("eve", "mal", "alice"):
            await h.say("r1", member, "签到")
        await h.rename("r1", "alice", "薇信 abc999 送红包")  # a rename after the first check-in
        await h.join("r1", "eve", "pat", "carol", inviter="mal")
        await h.advance("2m")
        for member in ("alice", "eve"):
            await h.say("r1", member, "我的数据")
            await h.say("r1", member, "群名")
        await h.say("r1", "carol", "排行")
        await h.advance("1m")
        texts = h.texts("r1")
    shown = "\n".join(texts)
    assert not any(ad in shown for ad in ("abc888", "abc999", "evil", "13800138000")), shown
    assert "✅ 这位成员 签到成功！" in texts[0]
    assert "欢迎 这位成员、这位成员、carol 加入「Recruitment 01」！\n请先看群公告。" in texts
    assert "感谢 这位成员 邀请 1 人" in texts
    assert any(t.startswith("这位成员、") and t.endswith("：请把群昵称改为「上海-声动科技-林晓」")
               for t in texts), texts
    assert "这里是「Recruitment 01」，这位成员" in texts and shown.count("📊 这位成员 的数据") == 2
    assert "1. 这位成员  15 分" in shown  # mal: a check-in and a reward (5)


async def test_a_name_holding_a_banned_word_is_not_posted_by_the_bot(tmp_path: Path) -> None:
    """Review s33a Q6: a member named 「援交小妹」 (援交: the shipped illegal.txt, removal at
    once when typed) got the bot to post it: the welcome, her check-in reply, the
    leaderboard; in a recruitment group the warning for the name and the removal
    announcement. The admins still see the name (the `names` case)."""
    groups = {"i1": "Listener Internship 01", "r1": "Listener Recruitment 01"}
    async with Harness(SHIPPED, tmp_path, groups=groups) as h:
        h.world.contacts.update({"x1": "援交小妹", "x2": "援交小妹"})
        await h.join("i1", "x1", inviter="alice")
        await h.join("r1", "x2", inviter="alice")
        await h.advance("1m")
        await h.say("i1", "x1", "签到")
        await h.say("i1", "alice", "签到")
        await h.say("i1", "alice", "排行榜")
        await h.advance("1m")
        await h.say("r1", "x2", "兼职日结300，加V abc12345")  # her second offence: removed
        await h.advance("1m")
        posted = h.texts("i1") + h.texts("r1")
        assert not any("援交" in text for text in posted), posted
        assert "✅ 这位成员 签到成功！" in "\n".join(posted)
        assert any(text.startswith("📢 这位成员 因") for text in posted), posted
        assert any("援交小妹" in r["text"] for r in h.actions("dm", to="op_lin"))


def test_a_name_is_not_repeated_for_a_banned_word_only_as_antispam_would_find_it() -> None:
    assert member_name("援交小妹") == member_name("台獨哥") == member_name("约 炮王") == "这位成员"
    assert group_name("法轮功交流群") == "本群"
    # segmentation keeps 援交 whole only where it is a word; pinyin is no name's word
    for name in ("支援交流组", "本平台独家首发", "Tai Du", "小艾"):
        assert member_name(name) == name


def test_the_name_lists_are_read_as_antispam_reads_them(tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """A word a line, a `# note` after a word, a line with commas one phrase (review s33c
    C1), as in antispam's lists."""
    (tmp_path / "words").mkdir()
    (tmp_path / "words" / "illegal.txt").write_text("# offers\n代开发票\n办假证  # 2026-11 新增\n"
                                                    "恭喜你，中奖了\n", encoding="utf-8")
    monkeypatch.setattr(sanitize, "_texts", None)  # (set back after: the shipped lists)
    try:
        sanitize.screen_names_with(lists := sanitize.name_lists(tmp_path))
        assert sanitize.any_names(lists)
        assert member_name("办假证老王") == member_name("代开发票-小李") == "这位成员"
        assert member_name("援交小妹") == "援交小妹"  # (not in these lists)
        assert member_name("恭喜你") == "恭喜你"
    finally:
        sanitize._shown_as.cache_clear()


def test_a_member_name_without_a_link_or_contact_is_shown_cleaned() -> None:
    assert member_name("小艾") == "小艾"
    assert member_name("Shanghai-Acme-Carol\u202e\n") == "Shanghai-Acme-Carol"
    assert member_name("加V abc888 领福利") == member_name("evil.com 免费领") == "这位成员"
    assert member_name(names(["Bob", "vx abc888", "carol"])) == "Bob、这位成员、carol"


@pytest.mark.parametrize("name", ["Fuli.Cn 领红包", "Fuli.Cn🧧领红包", "Hongbao.Icu", "Weixin.Cn",
                                  "领红包 Fuli.Cn", "Fuli.Cn?a=1", "Tina.Cn"])
def test_a_dotted_name_has_a_domains_shape_and_is_masked(name: str) -> None:
    """Ad accounts name themselves after their domain, capitalized like a person's name."""
    assert member_name(name) == "这位成员"


def test_operators_see_the_real_names_in_a_joined_list() -> None:
    """A list of names put in a text to the operators (not a template) shows them all."""
    assert f"{names(['Bob', 'vx abc888'])}" == "Bob、vx abc888"


def test_a_name_is_looked_through_for_ads_once_however_many_replies_show_it(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The same names come back in reply after reply (check-ins, keywords): the link and
    contact search of each runs once, and its answer stands."""
    looked: list[str] = []
    find_links = sanitize.find_links

    def counted(text: str) -> list[Finding]:
        looked.append(text)
        return find_links(text)

    monkeypatch.setattr(sanitize, "find_links", counted)
    for _ in range(3):
        assert member_name("Once-Only Olga 7") == "Once-Only Olga 7"
        assert member_name("once-only.example.com 领") == "这位成员"
    assert looked == ["Once-Only Olga 7", "once-only.example.com 领"]


def _cleaned_char_by_char(value: str, limit: int) -> str:
    """What `clean` means, character by character (its slow path, and its specification)."""
    kept: list[str] = []
    for char in value:
        if char.isspace() or unicodedata.category(char) in ("Zl", "Zp"):
            kept.append(" ")  # a line break, a tab, any space
        elif char == "\u200d" or unicodedata.category(char) not in ("Cc", "Cf", "Cs"):
            kept.append(char)
    line = " ".join("".join(kept).split())
    return line if len(line) <= limit else line[:limit - 1].rstrip() + "…"


@given(st.text(max_size=60), st.integers(2, 50))
def test_clean_keeps_its_meaning_on_any_text(value: str, limit: int) -> None:
    assert clean(value, limit) == _cleaned_char_by_char(value, limit)


def test_a_printable_value_is_cleaned_without_reading_each_character(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Most values (names, numbers) hold nothing to drop or replace: `clean` only joins their
    runs of spaces, without looking up each character's category."""
    monkeypatch.setattr(sanitize.unicodedata, "category", None)
    assert clean("  成员  12 ") == "成员 12"
    assert clean(1234) == "1234"
    assert clean("x" * 50, 10) == "xxxxxxxxx…"


def test_numbers_in_a_template_are_shown_as_any_value_is() -> None:
    """Counts, points and ranks (whole numbers) show as `clean` shows any value: a number too
    long for a name is cut as a name is; a yes/no is no number."""
    template = Template("{count}|{rank}")
    for value in (0, -3, 10**39, 10**45, True, 2.5):
        assert template.render({"count": value, "rank": value}) == \
            f"{clean(value)}|{clean(value)}"
    assert template.render({"count": 10**45, "rank": 7}) == f"{'1' + '0' * 38}…|7"


def test_a_name_that_shows_nothing_once_cleaned_is_the_fallback() -> None:
    """Review s35 r5 R5-11: a name of zero-width characters only was posted as nothing:
    「✅  签到成功」 named nobody."""
    assert member_name("\u200b\u200d\u2060") == member_name("\u202e\u0007") == "这位成员"
    # WeChat's blank nicknames (review s35 r8 R8-6): fillers, a blank braille cell, marks
    for blank in ("\u3164", "\u2800\u2800", "\uffa0", "\u115f\u1160", "\u034f", "\u0301\u0301",
                  "\u3164 \u3000"):
        assert member_name(blank) == "这位成员", repr(blank)
    assert member_name("e\u0301") == "e\u0301"  # a mark on a letter shows
    assert group_name("\u200b") == "本群"
    assert member_name("a\u200bb") == "ab"


def test_another_groups_name_with_an_ad_is_its_types_title() -> None:
    """Review s35 r5 R5-12: 本群 names the group the message is read in, so a sign-up in the
    recruitment group was told 「已邀请你加入「本群」」 of the internship group."""
    assert other_group("Internship 加V abc888", "实习群") == "实习群"
    assert other_group("Internship 01", "实习群") == "Internship 01"
    assert other_group("evil.com 群", "") == "本群"


@pytest.mark.parametrize("renamed", ["Internship 兼职 加V abc888", "兼职日结 加V abc888"])
@pytest.mark.parametrize("friend", [True, False])  # invited, or the QR code in the group
async def test_an_invitation_into_a_group_renamed_to_an_ad_names_its_type(
        tmp_path: Path, renamed: str, friend: bool) -> None:
    """(review s35 r8 R8-3: a name the binding no longer matches, to a non-friend, was 本群
    again: the type was read from the bindings by the name now, not the one it is bound to)"""
    groups = {"r1": "Listener Recruitment 01", "i1": "Listener Internship 01"}
    async with Harness(SHIPPED, tmp_path, groups=groups) as h:
        await h.rename_group("i1", "mallory", renamed)
        await h.advance("1m")
        if friend:
            h.world.friends.add("dave")
        await h.say("r1", "dave", "报名")
        await h.advance("1m")
        assert any("加入「实习群」" in text for text in h.texts("r1")), h.texts()
        assert not any("abc888" in text for text in h.texts())


async def test_the_bot_reads_the_name_lists_as_it_starts_not_on_a_first_reply(
        tmp_path: Path) -> None:
    """Made on the first reply that named a member, they held the loop 50 to 130 ms."""
    sanitize._words_of.cache_clear()
    sanitize._shown_as.cache_clear()
    async with _harness(tmp_path):
        made = sanitize._words_of.cache_info()
        assert made.currsize == 1  # as it started: before any event
        before = Prefilter.of.cache_info()
        Prefilter.of(sanitize._name_words())
        assert Prefilter.of.cache_info().hits == before.hits + 1  # its prefilter too
