"""Names that hold a marker (张薇, 李威, 球球, 秋秋) and the numbers a roster writes after them
are no contact; an ad with the same marker still is (review s38 f15)."""

from __future__ import annotations

import pytest

from bot.contacts import Finding, find_contacts


def wechat(value: str) -> Finding:
    return Finding("wechat", value)


def qq(value: str) -> Finding:
    return Finding("qq", value)


@pytest.mark.parametrize("text", [
    # 薇 or 威 ending a name of two or three characters, a common surname first (f11's "left
    # alone")
    "张薇 20231234", "李威 20231234", "李威：20231234", "张薇 20231234 已交", "王晓薇 20231234",
    "欧阳晓薇 20231234",
    "刘威 20231234 请假", "张薇 2023123456 已缴费", "李威：2023123456 缺勤", "张薇薇 20231234",
    "陈威 20231234 已进群", "张薇 20231234 领取教材", "李威 20231234 联系家长",
    "作业未交：张薇 20231234，李威 20231235", "请以下同学到办公室：张薇 20231234 李威 20231235",
    "校友会名单：李威 2008级 20081234，张薇 20091234",
    "三班名单：\n1. 张薇 20231234\n2. 李威 20231235\n3. 王芳 20231236",
    # 球球 as a name before a student number (its year first)
    "球球 20231234", "球球：20231234 到了吗", "体育课分组：球球 20231234、秋秋 20231235",
    # a student number with its school's letter (review s37 r27 R27-6)
    "伟信：B20231234", "伟信：B20231234 到了吗", "魏信：S2023123 已签到", "张薇：B20231234",
    "李威 S2023123 已签到", "秋秋：B20231234 到了吗",
    # the next line's list number after the student number (review s37 r27 R27-4's note)
    "领取教材接龙\n1. 秋秋 20231234\n2. 小明 20231235", "接龙\n1. 张薇 20231234\n2. 李威 20231235",
    # a nickname of 小 or 阿 and the marker, a surname less common, 微 right after a surname
    # (review s39 f27)
    "小薇 20231234", "小薇 20231234 到", "阿威 20231234 已交", "倪薇 20231234",
    "樊威 20231234 收到", "颜薇：20231234 已签到", "顏薇 20231234", "张微 20231234",
    "李微 20231234 已交", "王微：20231234 到", "欧阳微 20231234",
    "名单：张微 20231234，李威 20231235",
])
def test_a_roster_name_holding_a_marker_and_its_number_are_no_contact(text: str) -> None:
    assert find_contacts(text) == []


@pytest.mark.parametrize(("text", "found"), [
    # the marker alone, after 加 or a plus, or in a word that is no name (no surname first,
    # longer, or 的 私 找 联系 before the marker)
    ("薇 20231234", wechat("20231234")), ("威 20231234 兼职", wechat("20231234")),
    ("加薇 20231234", wechat("20231234")), ("日结加薇20231234", wechat("20231234")),
    ("+V 20231234", wechat("20231234")), ("兼职日结薇20231234", wechat("20231234")),
    ("我的薇 12345678", wechat("12345678")), ("我的薇是 20231234", wechat("20231234")),
    ("私薇 12345678", wechat("12345678")), ("联系薇 12345678", wechat("12345678")),
    ("找薇 12345678", wechat("12345678")), ("客服小薇 12345678", wechat("12345678")),
    ("个人薇 12345678", wechat("12345678")), ("老师薇 12345678", wechat("12345678")),
    ("备用威 12345678", wechat("12345678")), ("王加薇 12345678", wechat("12345678")),
    # 小 or 阿 inside a word, or before a word, and 微 after anything but a surname
    ("加小薇 20231234", wechat("20231234")), ("客服小薇 20231234", wechat("20231234")),
    ("官方小薇 20231234", wechat("20231234")), ("小号薇 20231234", wechat("20231234")),
    ("微 20231234", wechat("20231234")), ("加微 20231234", wechat("20231234")),
    ("个人微 20231234", wechat("20231234")), ("小微 20231234", wechat("20231234")),
    ("官方微 20231234", wechat("20231234")), ("张小微 20231234", wechat("20231234")),
    ("小薇 20231234 日结", wechat("20231234")), ("张微 20231234 私聊", wechat("20231234")),
    ("倪薇 20231234 兼职", wechat("20231234")),
    # an id that is no roster's number, or a message that asks the reader to reach someone
    ("加薇 abc123", wechat("abc123")), ("薇：abc_123 私我", wechat("abc_123")),
    ("威信 wxid_abc123", wechat("wxid_abc123")), ("张薇 abc12345", wechat("abc12345")),
    ("李威：abc12345", wechat("abc12345")), ("张薇 20231234 私聊", wechat("20231234")),
    ("伟信：B20231234 加我", wechat("b20231234")), ("张薇微信 20231234", wechat("20231234")),
    ("李威 微信：abc12345", wechat("abc12345")),
    # a letter and a mobile number is a WeChat id's shape, no student number's
    ("伟信：a13800138000", wechat("a13800138000")), ("张薇：b13800138000", wechat("b13800138000")),
    # after 球球 a number that is no student's, or announced, or added
    ("球球 55667788", qq("55667788")), ("加球球 20231234", qq("20231234")),
    ("球球号 20231234", qq("20231234")), ("球球：20231234 私聊", qq("20231234"))])
def test_the_same_markers_in_an_ad_are_still_found(text: str, found: Finding) -> None:
    assert found in find_contacts(text)


@pytest.mark.parametrize(("text", "found"), [
    # after 薇 or 威 only a student number (its year first) is a roster's: any other number or
    # a letter and digits is an ad's id (review s38 r30 R30-1)
    ("王薇 12345678 日结", wechat("12345678")), ("王薇 a1234567", wechat("a1234567")),
    ("李威 1234 5678", wechat("12345678")), ("金牌薇 12345678", wechat("12345678")),
    ("王薇 12345678 找我", wechat("12345678")), ("刷单返利 王薇 12345678", wechat("12345678")),
])
def test_a_name_before_a_number_no_student_has_is_an_ad(text: str, found: Finding) -> None:
    assert find_contacts(text) == [found]


@pytest.mark.parametrize(("text", "found"), [
    # asks in traditional characters, the asks ads write most, another channel named
    # (review s38 r30 R30-1)
    ("王薇 20231234 詳聊", wechat("20231234")), ("李威：20231234 私訊", wechat("20231234")),
    ("王薇 20231234 欢迎咨询", wechat("20231234")), ("李威 20231234 戳我", wechat("20231234")),
    ("王薇 20231234 咨询我", wechat("20231234")), ("王薇 20231234，需要的滴滴", wechat("20231234")),
    ("王薇 20231234 私戳", wechat("20231234")), ("李威 20231234 pm me", wechat("20231234")),
    ("李威 20231234 加V", wechat("20231234")), ("王薇 20231234 加qq", wechat("20231234")),
    ("王薇 20231234 进裙", wechat("20231234")), ("伟信 12345678 欢迎咨询", wechat("12345678")),
    # a contact's label before the name
    ("联系人：王薇 20231234", wechat("20231234")), ("客服 李威 20231234", wechat("20231234")),
    ("联系 王薇 20231234", wechat("20231234")),
    # a name and a student number with what an ad sells (work, pay, a rebate, a discount)
    # in the same message are an ad's marker and id (review s39 f27)
    ("李威 B20231234 日结", wechat("b20231234")), ("张薇 20231234 兼职", wechat("20231234")),
    ("王威 20231234 代理", wechat("20231234")), ("张薇 20231234 招聘宝妈", wechat("20231234")),
    ("李威 20231234 刷单", wechat("20231234")), ("王薇 20231234 返利", wechat("20231234")),
    ("刘威 20231234 优惠", wechat("20231234")), ("陈薇 20231234 下单返现", wechat("20231234")),
    ("兼职日结 张薇 20231234", wechat("20231234")), ("招代理，李威 20231234", wechat("20231234")),
    ("吴威 20231234 日赚500", wechat("20231234")), ("周薇 20231234 高薪", wechat("20231234")),
    ("郭薇 20231234 接单", wechat("20231234")), ("王薇 20231234 兼職日結", wechat("20231234")),
    ("球球 20231234 兼职", qq("20231234")), ("秋秋 20231234 刷单", qq("20231234")),
    ("伟信：B20231234 日结", wechat("b20231234")), ("李威 20231234 副业", wechat("20231234")),
    ("王薇 20231234 挣钱", wechat("20231234")), ("李威 20231234 网赚", wechat("20231234")),
    ("王薇 20231234 月入过万", wechat("20231234")), ("张薇 20231234 返佣", wechat("20231234")),
    ("零投资，李威 20231234", wechat("20231234")), ("王薇 20231234 手工活外发", wechat("20231234")),
    ("李威 20231234 打字员", wechat("20231234")), ("王薇 20231234 点赞员", wechat("20231234")),
])
def test_a_name_and_a_student_number_with_an_ask_or_an_offer_is_an_ad(text: str,
                                                                      found: Finding) -> None:
    assert find_contacts(text) == [found]


@pytest.mark.parametrize("text", [
    "李威 2023 1234", "王薇 20231234 已交，没交的找我", "张薇 20231234 加油",
    "李威 20231234 已加vip", "王薇 S2023123 已签到", "扫码签到：王薇 20231234",
    "王薇 20231234 有问题咨询班长",
    # in traditional characters (review s38 r30 R30-1)
    "張薇 20231234 已交", "劉威：20231234", "陳薇 20231234", "歐陽薇 20231234",
    # what a class's roster says that holds a selling word: a school's own part-time job, a
    # class role held in place of another, a group buy's order placed, a job fair's sign-in
    "张薇 20231234 兼职助教", "李威 20231234 兼职辅导员", "张薇 20231234 代理班长",
    "李威 20231234 代理组长", "接龙买教材：张薇 20231234 已下单", "招聘会签到：李威 20231234",
    "张薇 20231234 已经下单", "李威 20231234 刚下单", "王薇 20231234 未下单",
])
def test_a_roster_with_a_student_number_stays_no_contact(text: str) -> None:
    assert find_contacts(text) == []

