"""Review s40 r47: a hostile review of 7fdbd73..a603f38 (report only). Each finding is a test
marked xfail(strict=True) that passes once the finding is fixed."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from harness import BOT_YAML, SHIPPED, Harness, write_config

from bot.cli import main
from bot.text import normalize
from handlers.invite import Config, InviteHandler

CORPUS = Path(__file__).parent / "corpus_r47"
TEST = ["moderation", "test", "--config", str(SHIPPED), "--type", "customer"]
RECRUITMENT = {"r1": "Listener Recruitment 01"}


def _faq(name: str) -> str:
    return (SHIPPED.parent / "content" / "faq" / f"{name}.md").read_text().strip()


def _passes(corpus: str, figures: str, capsys: pytest.CaptureFixture[str]) -> None:
    """`moderation test` of corpus_r47/`corpus`.yaml says nothing is wrong, with its `all`
    line's `figures` (caught, recall, innocent, flagged)."""
    code = main([*TEST, str(CORPUS / f"{corpus}.yaml")])
    out = capsys.readouterr().out
    assert code == 0, out
    assert re.search(figures, out, re.M), out


# ---------------------------------------------------------------- finding 1 (HIGH)


# (corpus list_word_ads: test_the_corpora_of_the_findings)


def test_the_rosters_beside_finding_1_stay_innocent(capsys: pytest.CaptureFixture[str]) -> None:
    """(Not a finding: the innocent half of finding 1's corpus passes today, and must after
    its fix.)"""
    main([*TEST, str(CORPUS / "list_word_ads.yaml")])
    out = capsys.readouterr().out
    assert re.search(r"^all +\d+/9 +\d+% +8 +0$", out, re.M), out


# ---------------------------------------------------------------- finding 2 (HIGH)


@pytest.mark.parametrize("text", ["我要报名，收入怎么算？", "我报名了，怎么提现"])
async def test_a_sign_up_with_a_question_still_gets_its_answer(tmp_path: Path,
                                                               text: str) -> None:
    async with Harness(SHIPPED, tmp_path, groups=RECRUITMENT) as h:
        await h.say("r1", "alice", text)
        await h.advance("1m")
        texts = h.texts("r1")
    assert any(_faq("income") in t for t in texts), texts


# ---------------------------------------------------------------- finding 3 (MEDIUM)


@pytest.mark.parametrize("text", ["报名要求？", "报名流程？", "报名时间？", "报名方式？",
                                  "报名的条件？"])
def test_a_noun_phrase_question_about_signing_up_is_no_sign_up(text: str) -> None:
    invite = InviteHandler(Config(words=["报名", "join"], to="internship"))
    invite.prepare()
    assert not invite.asks(normalize(text))


# ---------------------------------------------------------------- finding 4 (HIGH)


# (corpus sells_word_rosters: test_the_corpora_of_the_findings)


# ---------------------------------------------------------------- finding 5 (MEDIUM)


LONG_NAME = "上海声动科技有限公司华东大区市场部客户关系经理林晓明{:02d}号推广大使"


async def test_each_part_of_a_leaderboard_names_the_section_of_its_ranks(
        tmp_path: Path) -> None:
    types = {"recruitment": "handlers:\n  - checkin:\n      leaderboard: {top: 50}\n"}
    async with Harness(write_config(tmp_path / "config", BOT_YAML, types), tmp_path) as h:
        for i in range(50):
            h.world.contacts[f"m{i:02d}"] = LONG_NAME.format(i)
            await h.say("r1", f"m{i:02d}", "签到")
        await h.say("r1", "alice", "排行榜")
        await h.advance("30m")
        boards = [text for text in h.texts("r1") if text.startswith("🏆")]
    assert len(boards) > 1
    for board in boards:
        body = board.split("\n")[1:]
        first_rank = next(i for i, line in enumerate(body) if re.match(r"\d+\. ", line))
        assert any(line.startswith("【") for line in body[:first_rank]), board[:300]


# ---------------------------------------------------------------- finding 6 (MEDIUM)


WISH = "祝大家新年快乐，万事如意，身体健康，心想事成，阖家幸福，恭喜发财！" * 7  # 231 characters


@pytest.mark.parametrize("text", [
    pytest.param("哈" * 150, id="short-laugh"),  # (passes today: small talk is no raid)
    pytest.param("哈" * 201, id="long-laugh"),
    pytest.param(WISH, id="long-wish")])
async def test_small_talk_copied_by_many_members_is_no_raid_whatever_its_length(
        tmp_path: Path, text: str) -> None:
    async with Harness(SHIPPED, tmp_path, groups={"c1": "Customer 01"}) as h:
        for member in ("alice", "bob", "carol", "dave"):
            await h.say("c1", member, text)
            await h.advance("20s")
        await h.drain()
        assert h.sent == [], h.sent


# ---------------------------------------------------------------- finding 7 (HIGH)


@pytest.mark.parametrize(("text", "faq"), [("requirements to join?", "requirements"),
                                           ("join requirements?", "requirements"),
                                           ("报名的收入", "income"),
                                           ("报名 收入怎么算", "income")])
async def test_a_question_keywords_answered_is_still_answered_and_signs_nobody_up(
        tmp_path: Path, text: str, faq: str) -> None:
    async with Harness(SHIPPED, tmp_path, groups=RECRUITMENT) as h:
        await h.say("r1", "alice", text)
        await h.advance("1m")
        texts = h.texts("r1")
        assert not any(t.startswith(("已收到你的报名", "报名成功")) for t in texts), texts
    assert any(_faq(faq) in t for t in texts), texts


# ---------------------------------------------------------------- finding 8 (MEDIUM)


def test_a_name_renamed_in_quotes_is_the_name_without_them(tmp_path: Path) -> None:
    from test_terminal_commands import _deployment, _run

    result = _run(_deployment(tmp_path), '/rename alice "Anna Lee"', '/as "Anna Lee"')
    assert result.returncode == 0, result.stderr
    assert "speaking as Anna Lee (alice)" in result.stdout, result.stdout[-400:]


# ---------------------------------------------------------------- finding 9 (HIGH)


# (corpus recruiting_asks: test_the_corpora_of_the_findings)


# ---------------------------------------------------------------- finding 10 (HIGH)


# (corpus numerals_after_an_id: test_the_corpora_of_the_findings)


# ---------------------------------------------------------------- finding 11 (HIGH)


# (corpus contact_after_need: test_the_corpora_of_the_findings)


# ---------------------------------------------------------------- finding 12 (HIGH)


async def test_a_question_after_signing_up_is_not_swallowed_by_invites_cooldown(
        tmp_path: Path) -> None:
    async with Harness(SHIPPED, tmp_path, groups=RECRUITMENT) as h:
        await h.say("r1", "alice", "报名")
        await h.advance("1h")
        before = len(h.texts("r1"))
        await h.say("r1", "alice", "我已经报名了，收入怎么算？")
        await h.advance("1m")
        texts = h.texts("r1")[before:]
    assert any(_faq("income") in t for t in texts), texts



# ---------------------------------------------------------------- the corpus findings


def _finding(corpus: str, figures: str, reason: str) -> object:
    """(`reason`: the finding, fixed by f48b; no longer an xfail)"""
    return pytest.param(corpus, figures, id=corpus)


CORPUS_FINDINGS = [
    _finding("list_word_ads", r"^all +9/9 +100% +8 +0$",
             "r47 finding 1: an ad calling itself a list (报名, 名单, 接龙) above a name and a "
             "number is read by clause and missed (1ebdc4e); all caught at 973c37a"),
    _finding("sells_word_rosters", r"^all +0/0 +100% +4 +0$",
             "r47 finding 4: a roster without a list word whose title sells (学费优惠公示, "
             "返利活动中奖, 兼职 录取) is flagged; innocent at 7fdbd73 (1ebdc4e)"),
    _finding("recruiting_asks", r"^all +10/10 +100% +0 +0$",
             "r47 finding 9: 招募宝妈 / 在家可做 with an invitation (私聊, 加我, 详聊, pm me) is "
             "no longer listed (217ffdd): 10/10 caught at 7fdbd73, 1/10 at a603f38"),
    _finding("numerals_after_an_id", r"^all +0/0 +100% +4 +0$",
             "r47 finding 10: 「李威 20231234 二〇二六届」: three numerals glued to a word "
             "after a roster's id are read as its tail (6f42f90); innocent at 7fdbd73"),
    _finding("contact_after_need", r"^all +9/9 +100% +2 +0$",
             "r47 finding 11: 「有需要联系→王薇 20231234」, 「有需要联系她：…」: 联系 must now "
             "be followed by 我, an end or ,。!?; (cd6bc36): 9/9 at 7fdbd73, 4/9 at a603f38"),
]


@pytest.mark.parametrize(("corpus", "figures"), CORPUS_FINDINGS)
def test_the_corpora_of_the_findings(corpus: str, figures: str,
                                     capsys: pytest.CaptureFixture[str]) -> None:
    """Findings 1, 4, 9, 10 and 11: `moderation test` of each tests/corpus_r47 file."""
    _passes(corpus, figures, capsys)
