"""Friend requests: accepted by their greeting's keywords, greeted once, every decision audited."""

from __future__ import annotations

from pathlib import Path

import pytest
from harness import BOT_YAML, SHIPPED, Harness, write_config

from bot.yamlfile import InputError

pytestmark = pytest.mark.usefixtures("backend")  # on SQLite, then on PostgreSQL


async def _audit(h: Harness) -> list[tuple[str, str]]:
    rows = await h.bot.store.all("SELECT action, member FROM audit WHERE handler='friends'"
                                 " ORDER BY id")
    return [(str(action), str(member)) for action, member in rows]


async def test_a_greeting_with_a_keyword_is_accepted_and_greeted(tmp_path: Path) -> None:
    async with Harness(SHIPPED, tmp_path) as h:
        h.world.contacts["dave"] = "大卫"
        await h.friend_request("dave", "你好，我想做倾听者")
        await h.advance("10s")
        assert [r["action"] for r in h.sent] == ["accept_friend", "dm"]
        assert h.actions("accept_friend") == [
            {"t": h.sent[0]["t"], "action": "accept_friend", "contact": "dave"}]
        [greeting] = h.actions("dm", to="dave")
        assert greeting["text"].startswith("你好 大卫！") and "「报名」" in greeting["text"]
        assert await _audit(h) == [("friend_accepted", "dave")]


async def test_a_greeting_without_a_keyword_is_left_for_a_person(tmp_path: Path) -> None:
    async with Harness(SHIPPED, tmp_path) as h:
        await h.friend_request("erin", "hi")
        await h.friend_request("erin", "hi")
        await h.advance("10s")
        assert h.sent == []
        assert await _audit(h) == [("friend_ignored", "erin")]


async def test_the_same_request_twice_is_accepted_once_even_across_a_restart(
        tmp_path: Path) -> None:
    async with Harness(SHIPPED, tmp_path) as h:
        await h.friend_request("dave", "listener")
        await h.friend_request("dave", "listener")
        await h.advance("10s")
        await h.restart()
        await h.friend_request("dave", "报名")
        await h.advance("10s")
        assert [r["action"] for r in h.sent] == ["accept_friend", "dm"]


async def test_a_later_request_with_a_reason_is_accepted(tmp_path: Path) -> None:
    async with Harness(SHIPPED, tmp_path) as h:
        await h.friend_request("erin", "hello")
        await h.friend_request("erin", "I want to JOIN")
        await h.advance("10s")
        assert h.actions("accept_friend", contact="erin") != []


@pytest.mark.parametrize("hello", ["ＬＩＳＴＥＮＥＲ", "想了解一下兼职"])
async def test_keywords_match_folded_and_inside_a_sentence(tmp_path: Path, hello: str) -> None:
    async with Harness(SHIPPED, tmp_path) as h:
        await h.friend_request("dave", hello)
        await h.advance("10s")
        assert len(h.actions("accept_friend")) == 1


async def test_a_latin_keyword_matches_only_as_a_whole_word(tmp_path: Path) -> None:
    async with Harness(SHIPPED, tmp_path) as h:
        await h.friend_request("dave", "rejoined")
        await h.advance("10s")
        assert h.sent == []


def _config(tmp_path: Path, friends: str) -> Path:
    return write_config(tmp_path / "config", BOT_YAML + "direct: private\n",
                        {"recruitment": "handlers: []\n",
                         "private": f"handlers:\n  - friends: {friends}\n"})


@pytest.mark.parametrize("accept, accepted", [("all", 2), ("none", 0)])
async def test_accept_all_or_none(tmp_path: Path, accept: str, accepted: int) -> None:
    async with Harness(_config(tmp_path, f"{{accept: {accept}}}"), tmp_path) as h:
        await h.friend_request("dave", "")
        await h.friend_request("erin", "listener")
        await h.advance("2m")
        assert len(h.actions("accept_friend")) == accepted


async def test_no_greeting_when_it_is_null(tmp_path: Path) -> None:
    async with Harness(_config(tmp_path, "{accept: all, greeting: null}"), tmp_path) as h:
        await h.friend_request("dave", "")
        await h.advance("10s")
        assert [r["action"] for r in h.sent] == ["accept_friend"]


def _with_cards(tmp_path: Path, friends: str) -> Path:
    """报名 in a recruitment group invites into the internship group; someone who is no
    friend of the bot is sent its card there (bot.yaml `invitations.not_friend: card`)."""
    bot_yaml = BOT_YAML + ("  - match: {topic: Internship}\n    type: internship\n"
                           "direct: private\ninvitations: {not_friend: card}\n")
    return write_config(tmp_path / "config", bot_yaml, {
        "recruitment": "handlers:\n  - invite: {words: [报名], to: internship}\n",
        "internship": "handlers: []\n",
        "private": f"handlers:\n  - friends: {friends}\n"})


@pytest.mark.parametrize("friends, told", [
    ("{keywords: [倾听者], greeting: '{member} 你好，发送「报名」加入招募群'}",
     "你好 erin，马上邀请你加入「Listener Internship 01」，请在微信里接受群邀请。"),
    ("{keywords: [倾听者], invited: '{member}：请接受「{group}」的邀请'}",
     "erin：请接受「Listener Internship 01」的邀请"),
    ("{keywords: [倾听者], invited: null}", None),
])
async def test_someone_who_came_with_the_card_is_told_of_the_invitation_not_to_sign_up(
        tmp_path: Path, friends: str, told: str | None) -> None:
    groups = {"r1": "Listener Recruitment 01", "i1": "Listener Internship 01"}
    async with Harness(_with_cards(tmp_path, friends), tmp_path, groups=groups) as h:
        await h.say("r1", "erin", "报名")  # no friend: she is sent the card
        await h.advance("1m")
        assert len(h.actions("card")) == 1
        await h.friend_request("erin", "你好")  # no keyword: accepted for the card
        await h.advance("1m")
        assert [r["text"] for r in h.actions("dm", to="erin")] == ([told] if told else [])
        assert [r["member"] for r in h.actions("invite")] == ["erin"]


@pytest.mark.no_store
@pytest.mark.parametrize("friends, message", [
    ("{}", "`accept: keywords` needs `keywords`"),
    ("{accept: maybe}", "handlers.friends.accept"),
    ("{accept: all, greeting: '欢迎 {name}'}", "unknown placeholder {name}"),
    ("{accept: all, invited: '欢迎 {topic}'}", "unknown placeholder {topic}"),
])
def test_config_mistakes_are_named(tmp_path: Path, friends: str, message: str) -> None:
    with pytest.raises(InputError, match=message):
        Harness(_config(tmp_path, friends), tmp_path)
