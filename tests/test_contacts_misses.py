"""Contact details the detector missed, found now; the same words in chat still are none
(review s38 f15, from review s36 r14's other-platform and QQ cases)."""

from __future__ import annotations

import pytest

from bot.banned import BannedWords
from bot.contacts import Finding, find_contacts, platform_ids_in
from bot.prefilter import Prefilter
from bot.text import unmask


def wechat(value: str) -> Finding:
    return Finding("wechat", value)


def qq(value: str) -> Finding:
    return Finding("qq", value)


@pytest.mark.parametrize(("text", "found"), [
    ("VX同号 abc12345", wechat("abc12345")), ("微信同号 abc12345", wechat("abc12345")),
    ("微信同號：abc12345", wechat("abc12345")), ("QQ同号 12345678", qq("12345678"))])
def test_an_id_after_the_marker_and_same_number_is_found(text: str, found: Finding) -> None:
    """同号 (the same number as the phone) announces an id as 号 does."""
    assert find_contacts(text) == [found]


def test_a_phone_after_wechat_same_number_is_found_as_after_wechat_number() -> None:
    """Caught as a phone before too; now also as the WeChat id, as after 微信号."""
    assert find_contacts("微信同号 13800138000") == find_contacts("微信号 13800138000") == [
        Finding("phone", "13800138000"), wechat("13800138000")]


@pytest.mark.parametrize("text", ["微信同号", "手机和微信同号吗？", "微信同号，方便联系"])
def test_same_number_without_an_id_is_no_contact(text: str) -> None:
    assert find_contacts(text) == []


@pytest.mark.parametrize("text", ["xv：abc12345", "XV号 abc12345", "加xv abc12345", "xv: 12345678",
                                  "XV 12345678", "XV 12345678 私聊"])
def test_xv_for_vx_announced_is_a_marker(text: str) -> None:
    """xv is vx with its letters swapped; it is also fifteen in Roman numerals (路易XV, FFXV),
    so an id after it needs a colon, 号 or 搜, or 加 before it, as after the weak markers."""
    assert len(find_contacts(text)) == 1


@pytest.mark.parametrize("text", [
    "路易XV 时期的家具 abc12345", "FFXV 12345", "xv abc12345", "xvideos", "XVII abc12345",
    "Final Fantasy XV 2016 年发售",
    # a car and its price (review s38 r30 R30-2)
    "斯巴鲁XV 169800元 落地", "斯巴鲁XV 169800 落地价", "斯巴鲁xv 169800 起", "斯巴鲁XV 169800块"])
def test_xv_in_chat_is_no_marker(text: str) -> None:
    assert find_contacts(text) == []


@pytest.mark.parametrize("text", ["wechat me: abc12345", "wechat me abc12345", "vx me：abc888"])
def test_wechat_me_before_an_id_is_found(text: str) -> None:
    assert len(find_contacts(text)) == 1


@pytest.mark.parametrize("text", ["wechat me: tonight", "wechat me later", "wechat me when free"])
def test_wechat_me_before_a_word_is_a_request_not_an_id(text: str) -> None:
    """After "me" (a request: message me) an id needs a digit: the colon announces nothing."""
    assert find_contacts(text) == []


@pytest.mark.parametrize(("text", "number"), [
    ("加qun 123456789", "123456789"), ("加qun：12345678", "12345678"),
    ("+qun 12345678", "12345678"), ("加 qun号 12345678", "12345678"),
    ("➕qun 12345678", "12345678"), ("加qun 12345678 有福利", "12345678")])
def test_add_qun_and_a_number_is_a_qq_group(text: str, number: str) -> None:
    """qun is 群 in pinyin: 加群 and a number, a QQ group's (review s36 r14, ads6)."""
    assert find_contacts(text) == [qq(number)]


@pytest.mark.parametrize("text", [
    "qunar 123456 订单", "加qun 的人 12345678", "加群 12345678 人", "qun 12345678",
    "加qun 0123456", "加qun 50000 人了"])
def test_qun_without_add_or_a_number_is_no_contact(text: str) -> None:
    """Only 加 (or a plus) before qun, and a number right after it (去哪儿 is qunar)."""
    assert find_contacts(text) == []


@pytest.mark.parametrize(("text", "value"), [
    ("钉钉：abc12345", "dingtalk:abc12345"), ("钉钉号 abc12345", "dingtalk:abc12345"),
    ("钉钉号：1234567890", "dingtalk:1234567890"), ("加钉钉 abc_2024", "dingtalk:abc_2024"),
    ("钉钉搜 abc12345", "dingtalk:abc12345"), ("钉钉 ID: abc12345", "dingtalk:abc12345")])
def test_a_dingtalk_id_announced_is_another_platforms(text: str, value: str) -> None:
    """钉钉 (DingTalk) with 号, id, 搜 or 加, or a colon before a name with a digit: an id of
    the `platform` family, found only where an operator looks for it (review s36 r14)."""
    assert platform_ids_in(unmask(text)) == [Finding("platform", value)]
    assert find_contacts(text) == []


@pytest.mark.parametrize("text", [
    "钉钉：20231201 打卡记录", "钉钉 abc12345", "钉钉群号 12345678", "钉钉：明天 9 点打卡",
    "钉钉会议号 123456789", "钉钉：zhangsan", "钉钉打卡 12345678 次", "螺丝钉钉 abc12345"])
def test_dingtalk_in_chat_is_no_id(text: str) -> None:
    """A date or a word after a colon, a group's or a meeting's number: a class's or an
    office's chat, not an id."""
    assert platform_ids_in(unmask(text)) == []


def test_a_dingtalk_number_is_read_where_other_platforms_are_looked_for() -> None:
    """「钉钉号：1234567890」 has no Latin letter: the prefilter must not clear it then."""
    assert not Prefilter(BannedWords([]), platforms=True).clean("钉钉号：1234567890")
    assert Prefilter(BannedWords([])).clean("钉钉号：1234567890")
