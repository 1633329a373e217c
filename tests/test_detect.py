"""What antispam's detection part does in a running bot: severities and categories of word
lists, `allow`, contacts split over messages, mentions, and cards read by their text."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from harness import BOT_YAML, Harness, write_config

from bot.events import Kind

TYPE = """\
handlers:
  - antispam:
      warn_limit: 3
      contacts: {split_within: 60s}
      words:
        allow: ["台独立团"]
        lists:
          - {file: words/politics.txt, reason: 涉及政治话题}
          - {words: ["色情"], category: vulgar, reason: 低俗, severity: review}
          - {words: ["卖淫"], reason: 违法, severity: remove}
  - admin: {}
"""


def _config(tmp_path: Path, gtype: str = TYPE) -> Path:
    return write_config(tmp_path / "config", BOT_YAML + "direct: private\n",
                        {"recruitment": gtype, "private": "handlers:\n  - admin: {}\n"},
                        {"words/politics.txt": "# politics\n台独\n"})


async def _audit(h: Harness) -> list[tuple[Any, ...]]:
    return await h.bot.store.all("SELECT action, member, detail FROM audit ORDER BY id")


async def test_a_warn_list_warns_in_public(tmp_path: Path) -> None:
    async with Harness(_config(tmp_path), tmp_path) as h:
        await h.say("r1", "eve", "支持台獨")
        await h.drain()
        assert h.texts("r1") == ["⚠️ 警告 (1/3)：涉及政治话题。警告满 3 次将被移出群聊。"]
        assert ("warn", "eve", "words: 涉及政治话题 [台独] (1/3)") in await _audit(h)


async def test_a_review_list_says_nothing_in_public_and_asks_the_admins(tmp_path: Path) -> None:
    async with Harness(_config(tmp_path), tmp_path) as h:
        await h.say("r1", "eve", "举报色情广告")
        await h.drain()
        assert h.texts("r1") == []
        [dm] = h.actions("dm")
        assert dm["to"] == "admin" and "低俗（色情）" in dm["text"]


@pytest.mark.parametrize("text", [
    "卖 淫",
    "卖淫虽然违法，放心来，加V：abc123",  # a warning word beside a contact: an ad all the same
])
async def test_a_remove_list_removes_at_once(tmp_path: Path, text: str) -> None:
    async with Harness(_config(tmp_path), tmp_path) as h:
        await h.say("r1", "eve", text)
        await h.drain()
        assert [k["member"] for k in h.actions("kick")] == ["eve"]


@pytest.mark.parametrize("text", [
    "提醒大家：卖淫嫖娼是违法的，遇到这种广告请举报",
    "来访者说她被逼卖淫，我应该怎么帮她求助？",  # a trainee asks how to help a client
])
async def test_a_sentence_warning_against_a_remove_word_only_asks_the_admins(
        tmp_path: Path, text: str) -> None:
    async with Harness(_config(tmp_path), tmp_path) as h:
        await h.say("r1", "amy", text)
        await h.drain()
        assert h.texts("r1") == [] and h.actions("kick") == []
        [dm] = h.actions("dm")
        assert dm["to"] == "admin" and "原因：违法（卖淫）" in dm["text"]


async def test_without_context_words_a_warning_sentence_is_punished(tmp_path: Path) -> None:
    gtype = TYPE.replace('allow: ["台独立团"]', 'allow: ["台独立团"]\n        context: []')
    async with Harness(_config(tmp_path, gtype), tmp_path) as h:
        await h.say("r1", "amy", "卖淫是违法的")
        await h.drain()
        assert [k["member"] for k in h.actions("kick")] == ["amy"]


async def test_a_word_across_a_boundary_or_in_an_allow_phrase_is_left_alone(
        tmp_path: Path) -> None:
    async with Harness(_config(tmp_path), tmp_path) as h:
        await h.say("r1", "eve", "本平台独家首发")
        await h.say("r1", "bob", "台独立团的故事")  # allow: 台独立团
        await h.drain()
        assert h.sent == [] and await _audit(h) == []


async def test_a_phone_split_over_messages_is_caught_in_the_one_that_completes_it(
        tmp_path: Path) -> None:
    async with Harness(_config(tmp_path), tmp_path) as h:
        await h.say("r1", "eve", "有意者联系 138")
        await h.advance("5s")
        await h.say("r1", "bob", "0013")  # another member's message is not part of it
        await h.say("r1", "eve", "0013 8000")
        await h.drain()
        assert h.texts("r1") == ["⚠️ 警告 (1/3)：发布联系方式。警告满 3 次将被移出群聊。"]
        [(_, member, detail)] = await _audit(h)
        assert member == "eve" and "phone:13800138000; over several messages" in detail


async def test_pieces_further_apart_than_the_window_are_not_joined(tmp_path: Path) -> None:
    async with Harness(_config(tmp_path), tmp_path) as h:
        await h.say("r1", "eve", "有意者联系 138")
        await h.advance("2m")
        await h.say("r1", "eve", "0013 8000")
        await h.drain()
        assert h.texts("r1") == []


async def test_an_at_sign_is_a_mention_only_when_the_platform_says_so(tmp_path: Path) -> None:
    async with Harness(_config(tmp_path), tmp_path) as h:
        await h.say("r1", "bob", "@13800138000\u2005 你好", mentions=("13800138000",))
        await h.drain()
        assert h.texts("r1") == []  # a real mention of a member whose name is digits
        await h.say("r1", "eve", "@13800138000 加我")
        await h.drain()
        assert h.texts("r1") == ["⚠️ 警告 (1/3)：发布联系方式。警告满 3 次将被移出群聊。"]


async def test_an_ad_in_a_made_up_mention_before_a_real_one_is_read(tmp_path: Path) -> None:
    # anyone can type the U+2005 WeChat ends a mention with: only "@" + the name of a
    # member the platform says is mentioned is a mention (review s31 S21)
    async with Harness(_config(tmp_path), tmp_path) as h:
        await h.say("r1", "eve", "@加微信abc12345\u2005@bob\u2005 兼职日结，私聊",
                    mentions=("bob",))
        await h.say("r1", "mallory", "@www.evil-promo.com\u2005@bob\u2005 点进去免费领",
                    mentions=("bob",))
        await h.drain()
        assert [row[1:] for row in await _audit(h) if row[0] == "warn"] == [
            ("eve", "contacts: 发布联系方式 [wechat:abc12345] (1/3)"),
            ("mallory", "links: 发布链接 [link:www.evil-promo.com] (1/3)")]


async def test_a_real_mention_of_a_member_whose_name_looks_like_an_ad_is_no_ad(
        tmp_path: Path) -> None:
    async with Harness(_config(tmp_path), tmp_path) as h:
        await h.rename("r1", "bob", "微信abc12345")
        await h.say("r1", "alice", "@微信abc12345\u2005 你的名字像广告，改一下吧",
                    mentions=("bob",))
        await h.drain()
        assert h.texts("r1") == []


async def test_a_mini_programs_title_is_read_for_contacts(tmp_path: Path) -> None:
    async with Harness(_config(tmp_path), tmp_path) as h:
        await h.say("r1", "eve", "高薪兼职 加V：job2026", kind=Kind.MINI_PROGRAM)
        assert any("contacts: 发布联系方式 [wechat:job2026]" in row[2]
                   for row in await _audit(h))


async def test_a_phone_split_over_messages_is_one_warning_not_one_per_message_after(
        tmp_path: Path) -> None:
    async with Harness(_config(tmp_path), tmp_path) as h:
        await h.say("r1", "eve", "有意者联系 138")
        await h.advance("5s")
        await h.say("r1", "eve", "0013 8000")
        await h.say("r1", "eve", "好的")  # nothing of a contact in it
        await h.say("r1", "eve", "谢谢 2")  # a digit, but completing nothing new
        await h.drain()
        assert h.texts("r1") == ["⚠️ 警告 (1/3)：发布联系方式。警告满 3 次将被移出群聊。"]


OWN = TYPE.replace("      warn_limit: 3\n", "      warn_limit: 3\n"
                   "      links: {allow: [ting.example.com, 倾听学院, wx0123456789abcdef]}\n")


@pytest.mark.parametrize("text", [
    "倾听学院",
    "<msg><appmsg><title>心理课 新人领券</title><weappinfo><appid>wx0123456789abcdef</appid>"
    "</weappinfo></appmsg></msg>",
    # the appid in CDATA, as real gateways send it (review 2, A1)
    "<msg><appmsg><title>心理课</title><weappinfo><appid><![CDATA[wx0123456789abcdef]]>"
    "</appid></weappinfo></appmsg></msg>",
    "<msg><appmsg><title><![CDATA[倾听学院]]></title></appmsg></msg>"])
async def test_the_operators_own_mini_program_card_is_not_acted_on(tmp_path: Path,
                                                                   text: str) -> None:
    """links `allow` names the operator's own mini program, by name or appid: kinds
    mini_program (warn, as shipped) does not act on its card."""
    async with Harness(_config(tmp_path, OWN), tmp_path) as h:
        await h.say("r1", "bob", text, kind=Kind.MINI_PROGRAM)
        await h.drain()
        assert h.texts("r1") == []


@pytest.mark.parametrize("text", [
    "倾听学院返利版 天天领红包",  # another's, by a name that starts with the operator's
    "倾听学院 | 心理课，新人领券",  # a title that holds the name is not the name
    "<msg><appmsg><title>倾听学院</title><weappinfo><appid>wxdeadbeefdeadbeef</appid>"
    "</weappinfo></appmsg></msg>",  # another's appid under the name
    "<msg><appmsg><title>倾听学院</title><weappinfo><appid><![CDATA[wxdeadbeefdeadbeef]]>"
    "</appid></weappinfo></appmsg></msg>",  # in CDATA too (review 2, A1)
    "省钱宝 天天领红包 <appid>wx0123456789abcdef</appid>",  # tags typed into a title (A2)
    "「倾听学院」新人领券 加V：abc123"])  # a contact in its title
async def test_another_mini_program_card_is_acted_on(tmp_path: Path, text: str) -> None:
    async with Harness(_config(tmp_path, OWN), tmp_path) as h:
        await h.say("r1", "eve", text, kind=Kind.MINI_PROGRAM)
        await h.drain()
        assert len(h.texts("r1")) == 1 and "警告 (1/3)" in h.texts("r1")[0]
