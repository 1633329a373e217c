"""Contact details and links however disguised, and the ordinary chat left alone."""

from __future__ import annotations

import functools
import re
from pathlib import Path

import pytest
from harness import read_yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from bot import contacts
from bot.contacts import Finding, find_contacts, find_links, own_mini_program
from bot.sanitize import group_name
from bot.text import unmask


def phone(value: str) -> Finding:
    return Finding("phone", value)


def wechat(value: str) -> Finding:
    return Finding("wechat", value)


def link(value: str) -> Finding:
    return Finding("link", value)


# --- phones --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "电话１３８００１３８０００", "138 0013 8000", "138-0013-8000", "1 3 8 0 0 1 3 8 0 0 0",
        "+86 138.0013.8000", "一三八零零一三八零零零", "壹叁捌 零零壹叁 捌零零零", "l38OO138OOO",
        "❶❸❽00138000", "⑴⑶⑻⓪⓪⑴⑶⑻⓪⓪⓪", "1️⃣3️⃣8️⃣0️⃣0️⃣1️⃣3️⃣8️⃣0️⃣0️⃣0️⃣",
        "𝟏𝟑𝟖𝟎𝟎𝟏𝟑𝟖𝟎𝟎𝟎", "幺三八洞洞幺三八洞洞洞", "138🔥0013🔥8000", "138\u200b0013\u200b8000",
        "138。0013。8000", "@13800138000",
        # spoken digits: 幺 (its variant 么) 1, 两 2, 洞 0, 拐 7, 勾 9 (radio and army); Roman
        # numerals
        "幺三八 洞洞幺三 八洞洞洞", "么三八 洞洞么三 八洞洞洞", "ⅠⅢⅧ００ⅠⅢⅧ０００",
        "ⅰⅲⅷ 0013 8000", "手机ⅠⅢ⑧零零壹叁⑧零零零",
        # other scripts' decimal digits: Arabic-Indic, Devanagari (० is 0, not o), Thai
        "١٣٨٠٠١٣٨٠٠٠", "१३८ ००१३ ८०००", "๑๓๘๐๐๑๓๘๐๐๐",
        # ○ for 〇, the Suzhou numerals
        "一三八○○一三八○○○", "〡〣〨〇〇〡〣〨〇〇〇",
        # circles for 0 (two or more together), the radical 丶 for a dot (hostile round 3)
        "138⭕⭕138⭕⭕⭕", "138◯◯138◯◯◯", "138⭕️⭕️138⭕️⭕️⭕️", "138丶0013丶8000",
    ],
)
def test_a_mobile_number_in_any_style_is_a_contact_without_a_marker(text: str) -> None:
    assert find_contacts(f"有事找我 {text} 谢谢") == [phone("13800138000")]


@pytest.mark.parametrize(
    "text",
    ["订单 2026112913800138000", "13,800,138,000 元", "SF13800138000123", "v13800138000x",
     "序列号 13800 13800 0 出厂"],  # its last digit split off a longer group
)
def test_digits_that_only_contain_a_mobile_number_are_not_one(text: str) -> None:
    assert find_contacts(text) == []


@pytest.mark.parametrize("text", [
    # rankings, price lists and days: numbers of two or three digits, and no longer one
    "上周积分排名\n1. 138\n2. 135\n3. 130", "本周：\n1) 158\n2) 152\n3) 149",
    "成绩：1 138 2 135 3 130", "① 138 ② 135 ③ 130 ④ 12", "价格：① 138 ② 158 ③ 198",
    "三档价格：139、159、189、29 元加购", "价格 139 / 169 / 199 / 29 元",
    "套餐价 158 / 198 / 298 / 39",
    "本月值班：13、15、7、18、20、22", "分别是 13, 18, 00, 13, 800 这几个编号",
    # timetables: a time is a number of its own
    "上课时间 13:00-15:00, 8:00-10:00", "值班：13:00-17:00 / 9:00-13:00", "场次 14:00、16:00、9:30",
    "报名时间 11.13 8:00-11.30 18:00", "第 3 期：1.13 19:00 - 1.18 21:00"])
def test_numbered_lists_and_timetables_are_no_phone_number(text: str) -> None:
    """Review s36 R14-1: a phone was put together from any groups adding up to 11 digits,
    across an hour's colon, list numbers and the 、 of a list, and members posting a
    leaderboard or a timetable were warned, then removed."""
    assert find_contacts(text) == []


@pytest.mark.parametrize(("text", "number"), [
    ("上课 13:00 138 0013 8000", "13800138000"),
    ("1. 138 0013 8000\n2. 139 0013 8000", "13900138000"),
    ("电话号码：138 零零 13 八零零零", "13800138000"), ("1 3 8 0 0 1 3 8000", "13800138000"),
    ("㈠㈢㈧〇〇㈠㈢㈧〇〇〇 兼职", "13800138000")])
def test_a_phone_number_beside_a_list_or_written_in_its_groups_is_found(text: str,
                                                                       number: str) -> None:
    """A phone's digits come whole, in groups one of which has four digits or more, or one
    at a time; ㈠ is the numeral 一 (NFKC made it "(一)", a list of lone numerals)."""
    assert phone(number) in find_contacts(text)


@pytest.mark.parametrize("text", [
    "电话 138-00-138-000", "电话 138.0013.8000", "13-80-01-38-000 兼职", "+86-138-00-138-000",
    "电话 一三八-零零-一三八-零零零", "电话 138-00-138-000。",
    # thousands' shape, but no amount: no currency after it (review s37 r26 R26-2)
    "电话 13-800-138-000", "电话：13.800.138.000", "13.800.138.000 微信同号",
    "电话：１３－８００－１３８－０００", "13.800.138.000 元 加我", "13.800.138.000 盾牌 加我"])
def test_a_phone_in_groups_joined_by_dashes_or_dots_is_found_whatever_their_sizes(
        text: str) -> None:
    """Review s36 R17-6: f9's rule for lists (groups of two or three digits are one) let
    these go; a dash or a dot between all its groups is how a phone is written, not a list."""
    assert find_contacts(text) == [phone("13800138000")]


@pytest.mark.parametrize("text", [
    "1-138-00-138-000", "138-00-138-000-1", "1.138.00.138.000",  # a longer code
    "价格 13.80-15.80-19.8", "138-00 138-000", "13800-13800-0",  # mixed joints, a last digit
    "139.200.138.10",  # an IP address (a link)
    "价格 138 / 158 / 198 / 25", "1. 138 2. 135 3. 130", "电话 138 00 13 80 00",
    # an amount's thousands, before its currency (review s37 r25 R25-6)
    "这套房 15.800.000.000 越南盾", "印尼盾 18.500.000.000 IDR", "预算 19.900.000.000 盾",
    "VND 15.800.000.000", "Rp 13.800.138.000"])
def test_groups_joined_otherwise_or_in_a_longer_chain_are_no_phone(text: str) -> None:
    assert [f for f in find_contacts(text) if f.family == "phone"] == []


@pytest.mark.parametrize(("text", "number"), [
    ("幺三九 洞洞拐二 三四五勾", "13900723459"), ("电话 幺3⑧-洞洞拐勾-幺二三四", "13800791234"),
    ("手机 ⅠⅢⅧⅤⅤⅤⅤⅠⅡⅢⅣ", "13855551234"), ("Ⅰ Ⅲ Ⅸ Ⅱ Ⅳ Ⅵ Ⅶ Ⅷ Ⅰ Ⅰ Ⅰ", "13924678111"),
    ("1380013800Ⅴ", "13800138005"), ("幺钩八洞洞幺三八洞洞洞", "19800138000")])
def test_spoken_digits_and_roman_numerals_spell_a_number(text: str, number: str) -> None:
    """拐 (7) and 勾 (9) as 幺 and 洞 are; Roman numerals are digits, not letters (Ⅲ was
    read "iii"); Ⅴ is a 5 after a digit, and the letter V elsewhere (加Ⅴ：abc123)."""
    assert phone(number) in find_contacts(text)


@pytest.mark.parametrize(("text", "found"), [
    ("weⅰxin abc123", Finding("wechat", "abc123")), ("ⅤⅩ：abc123", Finding("wechat", "abc123")),
    ("加Ⅴ：abc123", Finding("wechat", "abc123"))])
def test_roman_numerals_beside_latin_letters_or_a_lone_v_are_letters(text: str,
                                                                    found: Finding) -> None:
    """A Roman numeral among Latin letters is the letter it looks like, and so is a Ⅴ alone
    after no digit: the WeChat markers weixin, VX, V."""
    assert find_contacts(text) == [found]


@pytest.mark.parametrize("text", [
    "洞洞拐呼叫洞洞勾，收到请回答", "洞洞拐是邦德的代号，007 懂吧", "左拐两百米就到，门牌 幺洞幺",
    "第Ⅲ期培训 Ⅱ型糖尿病 Ⅳ级", "打勾的选项 3 个", "约个时间，房间 1208，订单号 20261130",
    "什么时候一起吃饭，这么多人要么一起去", "么么哒么么哒么么哒么么哒"])
def test_spoken_digits_and_roman_numerals_in_chat_are_no_number(text: str) -> None:
    assert find_contacts(text) == []


@pytest.mark.parametrize(("text", "found"), [
    ("加V13800138000", Finding("wechat", "13800138000")),  # V glued to the number after 加
    ("加v12345678", Finding("wechat", "12345678"))])
def test_a_bare_v_after_jia_glued_to_digits_is_a_contact(text: str, found: Finding) -> None:
    assert found in find_contacts(text)


@pytest.mark.parametrize("text", ["加v2", "加v thanks", "记得加V", "V2版本加了12项"])
def test_a_bare_v_after_jia_without_an_id_of_digits_is_none(text: str) -> None:
    assert find_contacts(text) == []


@pytest.mark.parametrize(
    "text",
    ["营收 13,800,138,000", "流水 18,612,345,678 元"],
)
def test_an_amount_with_thousands_separators_is_not_a_phone_number(text: str) -> None:
    assert find_contacts(text) == []


@pytest.mark.parametrize(
    "text",
    ["上个月账户余额 13800138000.00 元", "余额 13800138000.5", "合同额 ¥13800138000",
     "￥ 13800138000 已到账", "预算 13800138000 块", "13800138000 元", "13800138000 rmb",
     "微信 13800138000 元", "扣扣 13800138000.00"],
)
def test_a_mobile_number_written_as_an_amount_is_still_one(text: str) -> None:
    """Nobody's amount is ten billion yuan; a unit or a fraction is all a spammer would
    add to hide a number."""
    assert phone("13800138000") in find_contacts(text)


@pytest.mark.parametrize(
    "text",
    ["工号 13800138000", "13800138000 元旦期间都在", "价格 100 元，电话 13800138000",
     "13800138000。谢谢", "¥100 起，13800138000 预约"],
)
def test_a_mobile_number_near_an_amount_or_a_label_is_still_one(text: str) -> None:
    """工号 (staff number) and the like name nothing a mobile number cannot be: any label
    would hide one. Only what makes the number itself an amount does."""
    assert find_contacts(text) == [phone("13800138000")]


# --- markers -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    ["加V：abc123", "加v abc123", "vx:abc123", "微信 abc123", "V❤: abc123", "v x: abc123",
     "微🌸信 abc123", "薇 abc123", "威信号 abc123", "加 V 信 abc123", "wx号 abc123",
     "weixin: abc123", "微信搜索：abc123", "vх: abc123", "w\u200bx: abc123",
     "vx：a b c 1 2 3", "加我微信 a b c 1 2 3 好吗",  # spelled a character at a time
     "wei xin hao abc123", "weixin hao: abc123",  # 微信号 in pinyin
     "威 xin: abc123", "薇xin abc123"],  # a character and pinyin
)
def test_a_wechat_id_after_a_marker_in_any_spelling_is_caught(text: str) -> None:
    assert wechat("abc123") in find_contacts(text)


@pytest.mark.parametrize(
    "text",
    ["薇 信 号 是 abc 加 123", "薇信号是abc加123", "微信 abc+123", "微信 abc ➕ 123",
     "V 信 abc➕123", "vx：abc 加 123", "wei xin abc 加 123", "ｗｅｉ ｘｉｎ ａｂｃ 加 １２３",
     "薇🌸信号是 abc加123", "威💗信 abc ✚ 123", "微 信 号 是 a b c 加 1 2 3", "vx abc 加 一二三",
     "微 信 号 是 abc 加 一 二 三", "wei xin hao: abc 加 123"],
)
def test_a_wechat_id_in_pieces_joined_by_a_plus_is_one_id(text: str) -> None:
    """加 (plus) or a plus sign between the pieces of an id after a marker: one id."""
    assert find_contacts(text) == [wechat("abc123")]


@pytest.mark.parametrize(
    "text",
    ["微信群 200 加 300，都满了", "QQ群 500 加 1000 都满员了，新开一个吧", "微信群200加300已经满员",
     "QQ 群 200 加 300，一共五百", "QQ群 9:30 加 10:30 两场直播，别迟到", "微信 12 加 34 加 56",
     "微信 100 加 200 等于 300", "微信 50 加 50 一共 100", "微信群 200+300 人",
     "QQ群 1000＋2000 个名额",
     "工资稍微 3000 加 2000 提成", "底薪稍微 4000 加 1000 全勤", "小薇 2000 加 3000 就够了",
     "权威 1000 加 2000 字的报告", "微信 1 加 1 加 1 加 1 加 1", "qq 1 2 3 加 4 5 6",
     # a digit piece of fewer than three digits after a word is no id: 加一下, 一共, 两场
     "微信 Tony 加一下，备注面试", "wechat group 加一下", "微信 beta 加 10 项优化",
     "微信 iphone 加 15", "微信 plus 加 1", "微信 group 加 12", "微信 ab 加 cde 加 f1"],
)
def test_sums_pay_times_and_words_joined_by_a_plus_are_no_id(text: str) -> None:
    """An id in pieces starts with a letter, right after the marker (not 群), and has
    three digits or more (review rev3, R3-5): so a QQ number in pieces of digits
    ("扣扣 1234 加 5678") is let go with them."""
    assert find_contacts(text) == []


@pytest.mark.parametrize(
    "text",
    ["微信群 200 加 300 人，一共 500 人", "企鹅 1000 加 2000 只", "wx 2026 加 2027 年度总结",
     "微信 1 加 1 等于 2", "加微信 kefu 加我", "薇 信 号 是 abc 加 我", "微信 app 2026 版本",
     "wechat version 8", "微信 8.0 加了新功能", "weixin hao ma", "wei xin hao youxi"],
)
def test_a_sum_or_a_word_after_a_plus_is_no_id(text: str) -> None:
    """A sum of counts, or 加 meaning "add (me)", joins nothing; nor are a word and a
    number apart one id without a plus between them."""
    assert find_contacts(text) == []


@pytest.mark.parametrize("text", ["加个绿泡泡 abc888", "绿色泡泡：abc888", "加卫星 abc888"])
def test_a_wechat_id_after_slang_for_wechat_is_caught(text: str) -> None:
    assert find_contacts(text) == [wechat("abc888")]


@pytest.mark.parametrize(
    ("text", "found"),
    [("十V：abcdef", wechat("abcdef")), ("⊕微 lisa_wang", wechat("lisa_wang")),
     ("➕vx abcdef", wechat("abcdef")), ("✚️V abcdef", wechat("abcdef")),
     ("🞡微信 abcdef", wechat("abcdef")), ("＋v：abcdef", wechat("abcdef")),
     ("十 薇 abcdef", wechat("abcdef")), ("十V12345678", wechat("12345678")),
     ("⊕Q 12345678", Finding("qq", "12345678")), ("⨁卫星 abcdef", wechat("abcdef"))],
)
def test_a_plus_before_a_marker_announces_the_id_after_it(text: str, found: Finding) -> None:
    """十 or a sign for plus (⊕ ➕ ✚ 🞡 ＋) before a marker is 加, "add me" written so that
    no filter knows it: an id after it needs no digit, and a bare V or Q counts (R3-7)."""
    assert find_contacts(text) == [found]


@pytest.mark.parametrize(
    ("text", "found"),
    [("有需要的十V", wechat("+v")), ("看我头像十V", wechat("+v")), ("+v了解", wechat("+v")),
     ("详情➕vx", wechat("+vx")), ("有意者 ⊕ q", Finding("qq", "+q"))],
)
def test_a_plus_before_a_bare_latin_marker_is_a_contact_by_itself(text: str,
                                                                  found: Finding) -> None:
    """Only an advertiser writes 十V or ⊕vx for 加V: the id is in their name (R3-7)."""
    assert find_contacts(text) == [found]


@pytest.mark.parametrize(
    "text",
    ["加微信 thanks", "加V：abcdef", "有需要的加V", "十微米的误差", "十微秒", "奶茶➕微糖",
     "A⊕B 等于 v2", "v1.2.3+v1.2.4", "十个 v 字", "⊕微 abc", "复制后ctrl+v粘贴",
     "直接 ctrl + v 就行", "Vue+Vite 项目", "+q群里见"],
)
def test_a_plus_before_a_marker_without_an_id_is_no_contact(text: str) -> None:
    """加 is how everyone says "add me": after it an id without a digit stays a word; a
    disguised plus before a Chinese marker (微糖, 微米) needs an id, and a plus after a
    Latin word is a key (ctrl+v)."""
    assert find_contacts(text) == []


@pytest.mark.parametrize(
    ("text", "found"),
    [("❤信 abc12345", wechat("abc12345")), ("❤️信 abc12345", wechat("abc12345")),
     ("💚信：abc12345", wechat("abc12345")), ("兼职🌸🌸信 12345678", wechat("12345678")),
     ("微❤信：abc12345", wechat("abc12345")), ("🇼🇽：abc12345", wechat("abc12345")),
     ("🇶🇶：12345678", Finding("qq", "12345678")), ("ωx：abc12345", wechat("abc12345")),
     ("my wechat is abc12345", wechat("abc12345")), ("wechat id is abc12345", wechat("abc12345"))],
)
def test_a_marker_in_a_pictograph_flag_letters_omega_or_english_is_caught(
        text: str, found: Finding) -> None:
    """A pictograph in place of 微 before 信, regional-indicator letters that make no flag,
    ω for w, "wechat is" (review s32a T4)."""
    assert find_contacts(text) == [found]


@pytest.mark.parametrize(
    "text",
    ["我❤信 这次一定能过", "❤信任你们，2026 一起加油", "💚信心满满 abc", "🌸信号不好，发不出去",
     "大家要相💗信自己，坚持打卡 100 天", "🇨🇳🇺🇸 比赛 12345678 人在看", "(・ω・) 好的",
     "my wechat is broken", "wechat is 2026 best"],
)
def test_hearts_before_xin_flags_and_omega_in_chat_are_no_contact(text: str) -> None:
    assert find_contacts(text) == []


@pytest.mark.parametrize("topic", ["兼职日结300 ❤信 abc12345", "日结 🇼🇽：abc12345 群",
                                   "my wechat is abc12345"])
def test_a_group_named_with_a_disguised_marker_is_not_repeated(topic: str) -> None:
    """{group} in a welcome: a member renamed the bound group to an ad the detectors missed,
    and the bot repeated it to every newcomer (review s32a T4)."""
    assert group_name(topic) == "本群"
    assert group_name("兼职日结300 ❤信任你们") == "兼职日结300 ❤信任你们"


@pytest.mark.parametrize("text", ["气象卫星 2026 年发射", "北斗卫星导航系统", "小朋友在吹绿泡泡"])
def test_slang_for_wechat_without_an_id_is_no_contact(text: str) -> None:
    assert find_contacts(text) == []


@pytest.mark.parametrize(
    ("text", "found"),
    [("🐧：12345678", Finding("qq", "12345678")), ("🐧号 12345678 进群", Finding("qq", "12345678")),
     ("🛰️号：abc888", wechat("abc888")), ("加🛰 money_2026", wechat("money_2026")),
     ("Q裙 12345678", Finding("qq", "12345678")), ("企鹅裙 12345678", Finding("qq", "12345678")),
     ("扣扣裙：12345678", Finding("qq", "12345678")), ("徵信：fa_piao88", wechat("fa_piao88")),
     ("加V芯 abc888", wechat("abc888")), ("薇❤芯：abc888", wechat("abc888")),
     ("🐧 123456", Finding("qq", "123456")), ("🛰 12345678", wechat("12345678"))],
)
def test_a_marker_in_its_emoji_homophone_or_look_alike_is_caught(text: str,
                                                                 found: Finding) -> None:
    """The penguin is QQ's mascot and the satellite (卫星) WeChat's slang; 裙 sounds like 群,
    芯 like 信, and 徵 looks like 微 (hostile round 3)."""
    assert find_contacts(text) == [found]


@pytest.mark.parametrize(
    "text",
    ["🐧 100000 只在南极", "🐧🐧 好可爱，拍了 12 张", "🛰 发射成功，2026 年第 3 颗", "企鹅裙子 2 条",
     "+q裙里见", "徵信报告 2026 年版", "微芯片 12345 片已入库", "v芯片",
     # a marker that is a word or a name too: an id needs 号, a colon, 搜 or 加 before the
     # marker, and a number without them six digits (review of round 3)
     "🛰 Landsat8 和 Sentinel2 的影像今天更新了", "🛰 tianwen1 到达火星轨道", "🛰 CZ-5B 发射",
     "卫星 landsat8 影像", "衛星 landsat8 影像", "🛰 42000 多颗", "星链🛰 12000+ 颗",
     "南极🐧 10000+ 只，壮观", "阿德利🐧 50000 多只", "🐧 12306 买不到票", "企鹅 12306",
     "纪录片里帝企鹅🐧 12000 对在冰上孵蛋",
     "RISC-V芯 CV1800B 的板子挺便宜", "V芯 k230d 开发板", "台湾的徵信 A123456789 那种身份证号",
     # a skirt (裙, 群's homophone) and its price
     "这条🐧裙 159.90 包邮，好看吗", "企鹅裙 129.00 入手了", "Q裙 158.00 包邮"],
)
def test_the_same_emoji_homophones_and_look_alikes_without_an_id_are_no_contact(
        text: str) -> None:
    assert find_contacts(text) == []


@pytest.mark.parametrize(("text", "found"), [
    ("唯信 abc12345", wechat("abc12345")), ("嶶信 abc12345", wechat("abc12345")),
    ("加喂 abc12345", wechat("abc12345")), ("加喂信 abc12345", wechat("abc12345")),
    ("➕喂：abc12345", wechat("abc12345")), ("魏信号：abc12345", wechat("abc12345")),
    ("加伟信 abc12345", wechat("abc12345")), ("伟信号 12345678", wechat("12345678")),
    ("秋秋号 12345678", Finding("qq", "12345678")), ("加蔻蔻 12345678", Finding("qq", "12345678")),
    ("抠抠 12345678", Finding("qq", "12345678")), ("加qiuqiu 12345678", Finding("qq", "12345678")),
    ("抠抠号 12345", Finding("qq", "12345")),
    # after the names, a colon with an id of letters, a group's number or an ad's words
    # (review s37 r26 R26-1)
    ("伟信：abc12345 私聊", wechat("abc12345")), ("秋秋群：12345678", Finding("qq", "12345678")),
    ("秋秋：12345678 私聊", Finding("qq", "12345678")),
    ("秋秋 12345678 进群", Finding("qq", "12345678")),
    ("秋秋：12345678 详聊", Finding("qq", "12345678")),
    ("秋秋 12345678 加好友", Finding("qq", "12345678"))])
def test_the_sound_and_look_alikes_of_wechat_and_qq_are_markers(text: str,
                                                                found: Finding) -> None:
    """Review s36 R14-7: 唯 伟 魏 喂 sound as 微, 嶶 looks like it; 秋秋 蔻蔻 抠抠 qiuqiu sound as
    QQ. Those that are names or words too (伟 魏 喂 秋秋 蔻蔻 抠抠 qiuqiu) are weak markers: an id
    needs 号, a colon, 搜 or 加, and a number without them six digits; after the names (伟信
    魏信 秋秋 蔻蔻 qiuqiu) 号, 搜 or 加 (review s37 r25 R25-5)."""
    assert find_contacts(text) == [found]


@pytest.mark.parametrize("text", [
    "伟信 abc12345", "魏信 abc12345", "张伟信 v2ray88 的配置", "喂 abc12345",
    "喂，12345678 是谁的快递",
    "喂喂喂 123456", "喂，信号不好，听不清", "喂信 abc12345", "秋秋 12345", "魏信 200000 元",
    "蔻蔻 3 岁了，体重 12345 克", "他抠抠搜搜 123456 都不肯借", "唯信称义是新教的教义",
    "微芯 abc12345", "伟信科技 2026 年营收", "秋秋的生日 20231001",
    # a roster's names and student numbers (review s37 r25 R25-5)
    "伟信 20231234 到了吗", "魏信：20231234", "秋秋 20231234", "蔻蔻 20231234",
    "名单：伟信 2023001234，秋秋 2023001235", "qiuqiu 12345678", "秋秋 20231234 联系家长",
    "蔻蔻 20231234 领取教材", "秋秋 20231234 兼职助教", "已进群名单：秋秋 20231234，小红 20231235",
    "魏信：20231234 免费午餐"])
def test_the_same_names_and_words_without_an_announced_id_are_no_contact(text: str) -> None:
    assert find_contacts(text) == []


@pytest.mark.parametrize(
    "text",
    ["加我：abc888", "+我 abc888", "➕我：abc888 日结", "V我：abc888", "加我 abc888 备注来意"])
def test_an_id_right_after_add_me_needs_no_marker(text: str) -> None:
    """加我 (add me) and an id of WeChat's shape with a digit in it: the marker left out."""
    assert find_contacts(text) == [wechat("abc888")]


@pytest.mark.parametrize(
    "text", ["加我好友 abc888", "+我好友：abc888", "加 我：abc888", "加❤我(abc888)",
             "加我(abc888)", "加我「abc888」"])
def test_add_me_split_by_an_emoji_or_before_a_bracket_is_still_add_me(text: str) -> None:
    assert find_contacts(text) == [wechat("abc888")]


@pytest.mark.parametrize(
    "text", ["加油，我 iphone15 到了", "加油 我 mate60 也到了", "加我好友，一起打王者",
             "加我一个 😄 四缺一"])
def test_jia_ending_a_word_before_wo_is_not_add_me(text: str) -> None:
    assert find_contacts(text) == []


@pytest.mark.parametrize(
    ("text", "found"),
    [("微丨信 abc888", wechat("abc888")), ("koukou：12345678", Finding("qq", "12345678")),
     ("kou kou 12345678", Finding("qq", "12345678"))],
)
def test_the_radicals_for_a_bar_and_a_dot_and_koukou_hide_no_contact(text: str,
                                                                    found: Finding) -> None:
    """丨 may split a marker and 丶 is a dot; koukou is 扣扣 (hostile round 3)."""
    assert find_contacts(text) == [found]


@pytest.mark.parametrize(
    "text",
    ["2026丨第3期丨会议纪要", "我丶很好，谢谢", "活动时间丨11月30日丨下午3点", "koukou 2 个",
     # 丨 is a title's and a table's bar, not a phone's separator (review of round 3)
     "微信丨20250109 公开课 PRO 回放", "微丨信丨20250109 公开课",
     "排名丨分数\n1丨138\n2丨135\n3丨130", "订单 1380丨0138丨000 已发货",
     "工单 138丨2025丨1130 已关闭", "1丨3丨8丨0丨0丨1丨3丨8丨0丨0丨0",
     # one ⭕ or ◯ is a tick in an answer key, not a 0 (two together are: 138⭕⭕138⭕⭕⭕)
     "判断题答案：11⭕ 12❌ 13⭕ 14⭕ 15❌ 16⭕", "13◯ 14◯ 15◯ 16◯ 17× 全对了吗",
     "13 ⭕ 14 ⭕ 15 ❌ 16 ⭕", "13:⭕ 14:⭕ 15:⭕ 16:⭕"])
def test_the_radicals_circles_and_koukou_in_chat_are_no_contact(text: str) -> None:
    assert find_contacts(text) == []


@pytest.mark.parametrize(
    ("text", "found"),
    [("微信號：abc888", wechat("abc888")), ("薇信號 abc888", wechat("abc888")),
     ("微信號碼：abc888", wechat("abc888")), ("微信帳號 abc888", wechat("abc888")),
     ("微信搜尋：abc888", wechat("abc888")), ("綠泡泡 abc888", wechat("abc888")),
     ("衛星號 abc888", wechat("abc888")), ("維信 abc888", wechat("abc888")),
     ("QQ號 12345678", Finding("qq", "12345678")), ("扣扣號碼 12345678", Finding("qq", "12345678")),
     ("企鵝 12345678", Finding("qq", "12345678")), ("企鵝號 100000 隻", Finding("qq", "100000"))],
)
def test_a_marker_in_traditional_characters_is_caught(text: str, found: Finding) -> None:
    """號 for 号, 企鵝 for 企鹅...: contact details are not read through the conversion to
    simplified characters that banned words are, so the markers list both (hostile round 3)."""
    assert find_contacts(text) == [found]


@pytest.mark.parametrize(
    "text",
    ["企鵝 100000 隻在南極", "衛星 300 顆", "衛星導航 2026 年", "微信號就是手機號", "QQ號碼忘了"])
def test_traditional_counts_and_markers_without_an_id_are_no_contact(text: str) -> None:
    assert find_contacts(text) == []


@pytest.mark.parametrize(
    "text", ["加我一个，开黑", "v我50", "V 我 50 看看实力", "加我 steam 好友", "加我 ab12",
             "订单里加我 iphone15 的壳", "加我 abcdef", "ctrl+我的文档",
             # an id after a space alone is as often a product or a name: 团购, 接龙, games
             # (review of round 3)
             "团购再加我 ipad10 一台", "再加我 mate60pro 一台", "购物车里加我 x200pro",
             "和平精英加我 sniper99", "加😭我 iphone15", "加我 abc888 日结"])
def test_add_me_without_an_id_of_wechats_shape_is_no_contact(text: str) -> None:
    assert find_contacts(text) == []


def test_a_letters_only_wechat_id_counts_only_when_announced() -> None:
    assert find_contacts("微信号 zhangsan") == [wechat("zhangsan")]
    assert find_contacts("wechat: zhangsan") == [wechat("zhangsan")]
    assert find_contacts("join the wechat group today") == []


@pytest.mark.parametrize(
    ("text", "found"),
    [("扣扣：12345678", "12345678"), ("QQ号 1234 5678", "12345678"), ("Q: 12345678", "12345678"),
     ("企鹅 七七八八九九零", "7788990"), ("q q 12345678", "12345678"),
     ("球球 55667788", "55667788")],
)
def test_a_qq_number_after_a_marker_is_caught(text: str, found: str) -> None:
    assert Finding("qq", found) in find_contacts(text)


@pytest.mark.parametrize(
    "text",
    ["企鹅 100000 只在南极", "帝企鹅 12000 只", "球球 20000 个", "星链卫星 42000 颗",
     "企鹅：100000 只", "QQ 钱包余额 ¥12345678", "微信转账 20000 元"],
)
def test_a_count_or_an_amount_after_a_marker_is_no_contact(text: str) -> None:
    assert find_contacts(text) == []


@pytest.mark.parametrize(
    ("text", "found"),
    [("企鹅 12345678", "12345678"), ("扣扣 12345678 加我", "12345678"),
     ("企鹅号 12345678 只加女生", "12345678"), ("企鹅 12345678 只加女生", "12345678"),
     ("企鹅 12345678 个人号", "12345678"), ("企鹅号 100000 只", "100000"),
     ("QQ 12345678 只在晚上回", "12345678"),
     # a unit or a sign is all a spammer would add to hide an id
     ("兼职日结 加QQ：87654321元", "87654321"), ("QQ 87654321块", "87654321"),
     ("加扣扣 ¥87654321", "87654321"), ("加QQ 87654321 万 兼职", "87654321"),
     ("扣扣 12345678.00 元", "1234567800")],
)
def test_a_number_after_a_marker_that_is_no_count_is_still_caught(text: str, found: str) -> None:
    """Only a marker that is also a noun (a penguin) counts things, and only right before
    the number: 号 announces an id, and 只 meaning "only" (只加) is no measure word."""
    assert Finding("qq", found) in find_contacts(text)


@pytest.mark.parametrize(
    ("text", "found"),
    [("w e i x i n", wechat("weixin")), ("私聊 W.E.I.X.I.N 哦", wechat("weixin")),
     ("加 v x", wechat("vx")), ("w-x", wechat("wx")), ("q q 群", Finding("qq", "qq"))],
)
def test_a_marker_spelled_out_is_caught_by_itself(text: str, found: Finding) -> None:
    assert find_contacts(text) == [found]


@pytest.mark.parametrize(
    "text",
    ["wechat group", "qq音乐", "I use wechat every day", "we chat about it", "W X Y Z",
     "the newx box12 is out", "Q3 目标 5000 单", "V1.3.2 版本", "Q&A session 2", "微波炉 800W",
     "微信支付 88 元"],
)
def test_a_marker_without_an_id_is_no_contact(text: str) -> None:
    assert find_contacts(text) == []


@pytest.mark.parametrize("text", [
    "有意者加 abc12345（微信）兼职日结", "abc12345（V）", "abc12345（微）", "abc12345【vx】",
    "abc12345 是我的V", "abc12345是我微信号", "abc12345 ← 微信", "abc12345👈加我微信",
    "兼职日结，abc12345 薇", "🌸 abc12345 🌸 加V详聊", "abc12345 ❤信。"])
def test_a_wechat_id_before_its_marker_is_caught(text: str) -> None:
    """Review s36 R14-5: ids were read only after a marker, and ads commonly write the id
    first, then the marker in brackets, 是我的V, or an arrow at it."""
    assert find_contacts(text) == [wechat("abc12345")]


@pytest.mark.parametrize("text", [
    "lily2024 是我的微信名，群里同名", "订单 abc12345（微信支付）已退款", "ting2026 是微信小程序吗",
    "我的账号 abc12345 是微信登录的", "用 iphone15 微信视频很卡", "I use iphone15 wechat",
    "abc12345 加微博", "mate60 加微信群的方法", "abc12345 是我的vip账号", "abc12345 是我的微信群"])
def test_an_id_before_a_word_that_starts_with_a_marker_is_no_contact(text: str) -> None:
    """The marker after the id must end there: 微信名, 微信支付, 微博, vip are words."""
    assert find_contacts(text) == []


def test_a_wechat_internal_id_needs_no_marker() -> None:
    assert find_contacts("找 wxid_abcd1234") == [wechat("wxid_abcd1234")]


# --- e-mail --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    ["someone.name@example.com", "someone.name＠example．com", "someone.name at example dot com",
     "someone.name(at)example(dot)com", "someone.name [at] example [dot] com",
     "someone.name【at】example【点】com"],
)
def test_an_email_address_however_written_is_caught(text: str) -> None:
    assert Finding("email", "someone.name@example.com") in find_contacts(f"邮箱 {text} 联系")


# --- links ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "host"),
    [
        ("看这里 https://example.com/a?b=1 很好", "example.com"),
        ("www.x.com", "www.x.com"),
        ("去abc.com/xyz看看", "abc.com"),
        ("t.cn/abc", "t.cn"),
        ("ｗｗｗ．ＳＨＯＰ．ＣＯＭ", "www.shop.com"),
        ("点 www.ex\u200bample.com 领", "www.example.com"),
        ("shop点com", "shop.com"),
        ("shop。com", "shop.com"),
        ("shop(dot)com", "shop.com"),
        ("shop[.]com", "shop.com"),
        ("看这里 shop【点】com", "shop.com"),  # the CJK brackets NFKC leaves as they are
        ("shop「.」com", "shop.com"),
        ("shop『点』com", "shop.com"),
        ("shop點com", "shop.com"),  # the traditional 點
        ("shop【點】com", "shop.com"),
        ("shop〔dot〕com", "shop.com"),
        ("shop《 点 》com", "shop.com"),
        ("shop〈.〉com", "shop.com"),
        ("shop（点）com", "shop.com"),  # those NFKC makes ASCII
        ("shop［.］com", "shop.com"),
        ("shop｛点｝com", "shop.com"),
        ("shop . com", "shop.com"),
        ("shop dot com", "shop.com"),
        ("例子.中国", "例子.中国"),
        ("bit.ly/3abc", "bit.ly"),
        ("evil·top/promo", "evil.top"),
        ("evil・top/x", "evil.top"),
        ("evil•com", "evil.com"),
        ("evil,com", "evil.com"),
        ("去 evil，cn 看", "evil.cn"),
        ("evil、net", "evil.net"),
        ("发财.com领红包", "发财.com"),
        ("abc.com了吗", "abc.com"),
        ("发财.net/x", "发财.net"),
        ("www.发财.net", "www.发财.net"),
        ("abc.net 框架", "abc.net"),
        ("点击 abc123.c0m 领取", "abc123.com"),  # a zero for the o (hostile round 3)
        ("evil.t0p/x", "evil.top"),
        ("abc123丶com", "abc123.com"), ("abc123●com", "abc123.com"), ("abc123⚫vip", "abc123.vip"),
        ("abc123 ● com", "abc123.com"), ("abc123◦top", "abc123.top"), ("evil丶com", "evil.com"),
        ("evil丶top/x", "evil.top"), ("www丶evil丶top", "www.evil.top"),
    ],
)
def test_links_with_or_without_scheme_however_written_are_caught(text: str, host: str) -> None:
    assert find_links(text) == [link(host)]


def test_a_scheme_makes_a_link_whatever_follows() -> None:
    assert find_links("weixin://dl/chat") == [link("weixin://dl")]


@pytest.mark.parametrize(("text", "host"), [
    ("https://🍑.ws/x", "https://🍑.ws"), ("领福利 http://🍑🍑.com", "http://🍑🍑.com"),
    ("https://🍑.ws，快来", "https://🍑.ws")])
def test_a_host_of_emoji_after_a_scheme_is_a_link(text: str, host: str) -> None:
    """Review s36 R14-10: only names of letters, digits and Chinese were read after one."""
    assert find_links(text) == [link(host)]


@pytest.mark.parametrize("text", [
    "链接格式是 https://...，别漏了", "网址以 https:// 开头", "https://【点击】"])
def test_a_scheme_without_a_host_is_no_link(text: str) -> None:
    assert find_links(text) == []


@pytest.mark.parametrize("text", [
    "我用的是 Next.js 和 Socket.io", "好的，hello.world 程序跑通了", "asyncio.run(main) 就行",
    "改一下 user.email 字段", "server.host 填错了"])
def test_a_word_before_an_ending_that_is_a_word_too_is_no_link(text: str) -> None:
    """Review s36 R14-10: a library's or a program's name, not a site."""
    assert find_links(text) == []


@pytest.mark.parametrize(("text", "host"), [
    ("evil.io/x", "evil.io"), ("领取 abc123.io", "abc123.io"), ("www.evil.io", "www.evil.io"),
    ("https://socket.io", "socket.io"), ("evil.io:8080", "evil.io"), ("abc.xyz", "abc.xyz"),
    ("领取 evil.app", "evil.app"), ("ting.example.io", "ting.example.io"),
    # a dot written out is the disguise, not a library's name (review s37 r25 R25-2)
    ("evil点io", "evil.io"), ("evil[.]io", "evil.io"), ("evil。io", "evil.io"),
    ("evil dot io", "evil.io"), ("meimei点city 同城", "meimei.city")])
def test_the_same_endings_with_a_path_digits_or_www_are_links(text: str, host: str) -> None:
    assert find_links(text) == [link(host)]


def test_allowed_domains_and_their_subdomains_are_not_links() -> None:
    allow = ["example.com"]
    assert find_links("https://example.com/rules", allow) == []
    assert find_links("docs.example.com/faq", allow) == []
    assert find_links("badexample.com", allow) == [link("badexample.com")]


def test_an_allowed_domain_before_an_at_sign_does_not_hide_the_real_host() -> None:
    allow = ["ting.example.com"]
    assert find_links("http://ting.example.com@evil.example/login", allow) == [
        link("evil.example")]
    assert find_links("ting.example.com@evil.example", allow) == [link("evil.example")]


def test_an_email_address_is_not_a_link() -> None:
    assert find_links("abc@qq.com") == []


@pytest.mark.parametrize("text", ["103.45.67.89", "http://8.8.8.8/x", "1.2.3.4:8080",
                                  "192【点】168【点】1【点】1", "103「.」45「.」67「.」89",
                                  "192點168點1點1", "103【點】45【點】67【點】89",
                                  "192丶168丶1丶100/app", "http://10·1·1·1"])
def test_bare_ip_addresses_are_caught(text: str) -> None:
    assert [f.family for f in find_links(f"连 {text} 下载")] == ["ip"]


@pytest.mark.parametrize("text", [
    # a middle dot, a bullet or 丶 between words or numbers is chat (review of round 3):
    # with one a name needs a domain ending that is no word, digits, a path or www.
    "Love丶Me 是我的签名", "Apple丶Store 排队的人好多", "Java丶Net 都会一点",
    "擅长 Java ● Net ● Go",
    "Tony丶Top 是我游戏名", "会员等级：VIP●PLUS", "Follow · Me", "One●Life●One●Love",
    "我 10丶11丶12丶13 号都有空", "10·11·12·13 号都行",
    # a zero for a domain ending's o needs the same: a product name or a typo
    "这款叫 Mi.C0M 吗", "3.c0m 这个是错别字", "NO.T0P 榜单",
    # the .NET frameworks
    "asp.net core 教程", "ADO.NET 连接池"])
def test_words_and_numbers_between_marks_are_no_link(text: str) -> None:
    assert find_links(text) == []


@pytest.mark.parametrize("text", ["复制这段话￥AbCd1234￥打开淘宝", "€9xYz8wVu7€ 打开手淘"])
def test_a_taobao_share_code_is_a_link(text: str) -> None:
    assert [f.family for f in find_links(text)] == ["link"]


@pytest.mark.parametrize(
    ("text", "name"),
    [("搜索小程序「美味优选」领券", "美味优选"), ("微信搜「省钱宝」小程序，每天领红包", "省钱宝"),
     ("小程序搜索：返利多多，下单返现", "返利多多"), ("打开vx小程序搜 美味优选 领券", "美味优选"),
     ("小🌸程🌸序搜「美味优选」领券", "美味优选"), ("小 程 序 搜：省钱宝 天天领红包", "省钱宝"),
     ("XCX搜『美味优选』领优惠券", "美味优选"), ("薇信小程序「赚钱多多」日赚300", "赚钱多多"),
     ("「美味优选」小程序 0元购", "美味优选"), ("【美味优选】小程序，秒杀9.9", "美味优选"),
     ("进小程序《拼团侠》砍一刀免单", "拼团侠"),
     # a code of letters and digits needs no offer, as an id needs none
     ("打开微信小程序搜 abc123", "abc123"), ("小程序搜：ＡＢＣ１２３", "abc123"),
     # the usual misspelling of 券, a space inside the offer, the offer after 小程序里
     ("小程序「省钱宝」领劵下单", "省钱宝"), ("搜索小程序「省钱宝」领 券", "省钱宝"),
     ("打开微信，搜索“省钱宝”，小程序里天天领红包", "省钱宝"),
     # after a colon; in traditional characters; 返 and an amount (R3-7)
     ("微信小程序：省钱宝，天天领红包", "省钱宝"), ("搜索小程序「省钱宝」領紅包", "省钱宝"),
     ("小程序『省钱宝』，每单返10%", "省钱宝"),
     # two words that urge between the name and the offer
     ("小程序「省钱宝」，每天都能领券", "省钱宝"), ("「省钱宝」小程序，新人都可以领红包", "省钱宝"),
     # a name glued to 搜 that is the rest of its clause
     ("微信小程序搜索省钱宝，新人领券", "省钱宝"), ("小程序搜返利多多，每单都能返现", "返利多多"),
     # 赶紧, 点击 urge as 立即 does
     ("小程序「省钱宝」，赶紧领红包", "省钱宝"), ("小程序「省钱宝」，点击领取红包", "省钱宝")],
)
def test_a_mini_program_named_with_an_offer_is_a_link(text: str, name: str) -> None:
    assert find_links(text) == [link(f"小程序:{name}")]


@pytest.mark.parametrize(
    "text",
    ["这个小程序怎么用", "群里的打卡小程序打不开", "小程序搜不到怎么办",
     "在小程序里搜一下课程名就能找到", "小程序里的红包怎么提现", "小程序首页的优惠券在哪里领？",
     "我在小程序里领的券过期了，能补吗",
     "搜索小程序的时候一直转圈，红包领不了", "这个小程序有秒杀活动吗？我没抢到",
     # a name without an offer is help
     "微信搜一搜小程序「腾讯会议」，输入会议号就能进", "小程序搜 12306 买火车票",
     "微信小程序搜 WPS 就能打开文档", "打开小程序「倾听学院」领取结业证书",
     "打开微信小程序搜 腾讯文档 就能一起编辑",
     # an offer further on that nobody urges: help, a deal named
     "用小程序「美团」点外卖，满减活动今晚结束", "小程序搜索自己的学号就能查到成绩",
     "年会用小程序「抽奖助手」，每个人都能抽奖", "小程序「星巴克」的新品，每天都有特价",
     # a gift further on, for a mini program used for something (用) or where something
     # happened (在): the gift is another matter
     "打卡用小程序「钉钉」。今天周五，下午茶大家都可以免费领",
     "请大家用小程序「问卷星」填表。填完的同学可以领取福利",
     "会议签到用小程序「签到宝」，下午 3 点开始，现场可以领红包",
     "公司年会用小程序「抽奖助手」，中奖的同事直接领红包",
     "周会改用小程序「腾讯会议」，会议号 123 456 789。另外食堂新人可以领券，别忘了",
     "我在小程序「京东」下单，然后每天都能领券，挺好的",
     # a gift further on is the reward of what the mini program is used for, whoever
     # invites to it (review 2, B2 and B3)
     "请大家打开小程序「签到宝」签到，签到的同学可以领红包",
     "打开小程序「问卷星」填表，填完可以领取福利",
     "大家打开小程序「抽奖助手」，中奖的同事直接领红包",
     "快打开小程序「签到宝」签到，签到后可以领红包",
     "会议签到用👉小程序「签到宝」，下午 3 点开始，现场可以领红包",
     "会议签到用：小程序「签到宝」，现场可以领红包", "我在👉小程序「京东」下单，然后每天都能领券",
     "打开小程序「钉钉」打卡。祝大家周末愉快！领福利的找HR",
     "打开小程序「钉钉」打卡，外卖很快，领券后满减", "小程序「腾讯会议」开会，会后很快领福利",
     # ...and so is an ad's, which is missed (docs/handlers/antispam.md, known misses)
     "小程序「省钱宝」，下单就送，每天都能领券", "快来「省钱宝」小程序，品质好物，新人领券",
     "推荐小程序「省钱宝」，品质好物，每天都能领券"],
)
def test_talk_about_mini_programs_is_no_link(text: str) -> None:
    """No name to look up with an offer: a question, a complaint, or help."""
    assert find_links(text) == []


MINI_PROGRAM_CHAT = [  # review rev3, R3-3: customers and recruiters naming a mini program
    "我在小程序「美团」里领了优惠券，怎么用不了？", "小程序「京东」秒杀怎么总是抢不到",
    "学校推荐的兼职小程序「校园兼职」靠谱吗", "在「拼多多」小程序砍一刀是不是骗人的",
    "请问小程序“顺丰速运”能领优惠券吗", "公司的打卡小程序「钉钉」领福利的入口在哪",
    "麦当劳小程序「i麦当劳」有特价套餐", "小程序 搜索：腾讯文档，填表领取福利",
    "微信搜一搜小程序「腾讯会议」，输入会议号就能进，特价课程今晚开始",
    # a code of letters and digits needs 搜 before it, and no complaint after it
    "这个小程序(iOS17)打不开", "小程序（win10）版本打不开", "小程序搜 ab12 进不去",
    # 兼职 is the recruitment groups' topic, no offer
    "报名请用小程序「腾讯问卷」填表，兼职和全职都可以", "兼职的同学用「金数据」小程序登记一下时间",
    "实习和兼职都在小程序「校招通」投递", "兼职工资每周五在小程序「薪资助手」里查",
    "打卡用「钉钉」小程序，兼职也要打",
    "「拼多多」小程序砍一刀真的能免费拿吗", "你们的小程序「优选商城」领券后下单还能用积分吗",
    "我从小程序「优选商城」下的单，优惠券没抵扣", "星巴克小程序「啡快」抽奖中了，怎么领",
    "小程序《拼团》里的特价商品还有货吗", "有人用过「美团优选」小程序吗？特价菜新鲜吗",
    "用「滴滴出行」小程序打车有优惠券",
    # after 搜, what follows is no name when it is a complaint or the offer itself
    "搜小程序 找不到啊，我想领优惠券", "我搜索小程序 没找到你们店，特价活动还有吗",
    "小程序搜索：没有结果，怎么领红包", "打开微信搜一搜小程序 什么都搜不到，秒杀要开始了",
    "小程序搜 优惠券 出来一堆广告", "我在小程序里搜 返现 没看到活动",
]


@pytest.mark.parametrize("text", MINI_PROGRAM_CHAT)
def test_a_question_or_an_offer_apart_from_the_name_is_no_mini_program_ad(text: str) -> None:
    """The offer must be tied to the name, and a question or complaint is a customer's."""
    assert find_links(text) == []


@pytest.mark.parametrize(
    ("text", "name"),
    [("省钱宝小程序，天天领红包", "省钱宝"), ("打开省钱宝小程序领券下单", "省钱宝"),
     ("微信搜省钱宝小程序，下单返现", "省钱宝"), ("快来返利多多小程序领红包", "返利多多"),
     ("爆款推荐：省钱宝小程序 新人免费领", "省钱宝"), ("省钱宝 小程序，新人领券", "省钱宝"),
     ("用美味优选小🌸程🌸序，每天秒杀", "美味优选")],
)
def test_a_mini_program_named_before_the_word_with_an_offer_is_a_link(text: str,
                                                                       name: str) -> None:
    """Without brackets, the name before 小程序 from the start of a clause, what leads to it
    (打开, 搜, 快来) left out (review rev3, R3-7)."""
    assert find_links(text) == [link(f"小程序:{name}")]


@pytest.mark.parametrize(
    "text",
    ["公司的打卡小程序，天天领红包", "这个小程序天天领红包", "我用美团小程序领券点了外卖",
     "昨天在美团小程序领券点了外卖", "微信小程序，天天领红包", "打开小程序领券",
     "那款小程序每天签到", "打卡小程序，每天记得打卡", "腾讯会议小程序，直接输入会议号",
     "排序小程序的代码我发群里了", "我们的小程序，新人领券"],
)
def test_a_clause_before_the_word_that_says_whose_or_which_names_no_mini_program(
        text: str) -> None:
    """公司的, 这个, 我用, 昨天: a kind of mini program or someone's story, not a name to look
    up; and without an offer a name is help."""
    assert find_links(text) == []


def _card(inside: str) -> str:
    """A mini program card's XML as WeChat sends it, around what `inside` says."""
    return f'<?xml version="1.0"?>\n<msg><appmsg appid="" sdkver="0">{inside}</appmsg></msg>'


OWN_APPID = "<weappinfo><appid><![CDATA[wx0123456789abcdef]]></appid></weappinfo>"
OTHER_APPID = "<weappinfo><appid><![CDATA[wxdeadbeefdeadbeef]]></appid></weappinfo>"


@pytest.mark.parametrize(("text", "own"), [
    ("倾听学院", True), (" 倾听学院 ", True), (_card("<title>倾听学院</title>"), True),
    (_card("<title><![CDATA[倾听学院]]></title>"), True),
    (_card(f"<sourcedisplayname>倾听学院</sourcedisplayname>{OWN_APPID}"), True),
    # the appid decides, whatever the title; in CDATA, as real gateways send it
    (_card(f"<title>心理课 新人领券</title>{OWN_APPID}"), True),
    (_card("<title>心理课</title><weappinfo><appid>wx0123456789abcdef</appid></weappinfo>"),
     True),
    # a title that holds the name is not the name
    ("「倾听学院」新人领券", False), ("倾听学院 | 心理课 新人领券", False),
    ("倾听学院 返利版", False),
    ("倾听学院·返利版", False), ("返利 倾听学院", False), ("倾听学院|省钱宝 天天领红包", False),
    ("倾听学院返利版 天天领红包", False), ("新倾听学院", False),
    # another appid, even under the name, in CDATA or not; the name elsewhere than the title
    (_card(f"<title>倾听学院</title>{OTHER_APPID}"), False),
    (_card("<title>倾听学院</title><weappinfo><appid>wxdeadbeefdeadbeef</appid></weappinfo>"),
     False),
    (_card(f"<title>倾听学院</title>{OWN_APPID}{OTHER_APPID}"), False),
    (_card("<title>省钱宝 天天领红包</title><des>倾听学院</des>"), False),
    # an appid or tags written in a title are no card's appid (review 2, A2)
    ("心理课 新人领券 wx0123456789abcdef", False), ("wx0123456789abcdef", False),
    ("省钱宝 天天领红包 <appid>wx0123456789abcdef</appid>", False),
    ("<title>倾听学院</title>省钱宝 天天领红包 下单返现", False),
    ("<appid>wx0123456789abcdef</appid>", False), ("<title>倾听学院</title>", False),
    (_card("<title><![CDATA[省钱宝<appid>wx0123456789abcdef</appid>]]></title>"
           + OTHER_APPID), False),
    (_card("<title>省钱宝 &lt;appid&gt;wx0123456789abcdef&lt;/appid&gt;</title>"), False),
    # a DTD, or a text longer than any card's, is not read
    ('<!DOCTYPE msg [<!ENTITY n "倾听学院">]><msg><appmsg><title>&n;</title></appmsg></msg>',
     False),
    (_card(f"<title>倾听学院</title>{OWN_APPID}<des>{'领红包' * 30_000}</des>"), False),
    ("ting.example.com", False)])  # a domain names no mini program
def test_a_mini_program_card_is_the_operators_own_by_its_appid_or_its_very_name(
        text: str, own: bool) -> None:
    """By the <appid> elements of the card's XML, every one of them allowed; else by a title
    that IS an allowed name, not one that only holds it (kinds.mini_program, docs/handlers)."""
    allow = ["ting.example.com", "倾听学院", "wx0123456789abcdef"]
    assert own_mini_program(text, allow) is own
    assert not own_mini_program(text, ["ting.example.com"])


def test_an_allowed_mini_program_is_no_link() -> None:
    """The operator's own mini programs are in links `allow`, with the domains."""
    text = "搜索小程序「倾听学院」领券"
    assert find_links(text, ["ting.example.com", "倾听学院"]) == []
    assert find_links(text, ["ting.example.com"]) == [link("小程序:倾听学院")]
    # a name without brackets runs on to the next space
    assert find_links("小程序搜 倾听学院领券", ["倾听学院"]) == []
    assert find_links("小程序搜 倾听学院领券", ["学院"]) == [link("小程序:倾听学院领券")]
    # a name that only starts with the allowed one is another's ("XX官方返利版", R3-8)
    assert find_links("小程序「倾听学院返利版」天天领红包", ["倾听学院"]) == [
        link("小程序:倾听学院返利版")]
    assert find_links("搜索小程序「倾听学院官方兼职日结」领券", ["倾听学院"]) == [
        link("小程序:倾听学院官方兼职日结")]
    assert find_links("小程序搜 倾听学院官方版 领券", ["倾听学院"]) == [
        link("小程序:倾听学院官方版")]
    # before 小程序, the clause ends with the name: 在线 of 在线课堂 is no lead (在)
    assert find_links("打开倾听学院小程序领券", ["倾听学院"]) == []
    assert find_links("在线课堂小程序，新人领券", ["在线课堂"]) == []
    assert find_links("倾听学院返利版小程序，天天领红包", ["倾听学院"]) == [
        link("小程序:倾听学院返利版")]


@pytest.mark.parametrize(("text", "found"), [
    ("看这里 shop.c๐m/x", link("shop.com")), ("evil.t०p/promo", link("evil.top")),
    ("联系 abc@qq.c०m", Finding("email", "abc@qq.com")),
    ("abc@qq.c๐m", Finding("email", "abc@qq.com"))])
def test_a_digit_of_another_script_that_looks_like_a_letter_is_that_letter_in_a_word(
        text: str, found: Finding) -> None:
    """Thai ๐ and Devanagari ० are the o they look like where they spell no number (in a
    number they are 0: the phones above)."""
    assert found in [*find_links(text), *find_contacts(text)]


@pytest.mark.parametrize("text", ["原价¥199¥299都有", "¥12345678¥", "我们 v s 他们 a b c d e",
                                  "微信 a b c 好", "RNG v s e d g 3 比 1",
                                  "a v s b 2 0 2 4"])  # prices; no marker before a spelled id
def test_prices_and_spelled_letters_alone_are_no_link_or_contact(text: str) -> None:
    assert find_links(text) == [] and find_contacts(text) == []


# --- ordinary chat -------------------------------------------------------------------------

ORDINARY_MESSAGES = [
    "这个199元", "¥1,280", "价格：1,299.00", "共 3 件 合计 ￥399.00", "12.5元一斤", "转账 13800 元",
    "2026-11-23", "2026/11/23 14:00", "2026年11月23日 星期一", "12:30", "明天 10:30-11:30 开会",
    "下午3点到5点", "3点半", "我有3年经验", "验证码是 654321", "订单 1024 单，已发 998 单",
    "单号 1234567890", "编号 12345678901234", "第一二三名", "一个人", "三天后见", "一五一十地说",
    "v1.2.3", "版本 v1.2 发布了", "版本 1.00 发布", "x.c0", "3.14", "1.5倍速", "评分 4.8/5",
    "重点●下午3点开会", "价格 ● 100 元", "第一步 ● 登录 ● 打开设置", "第1题⭕ 第2题❌ 第3题⭕",
    "⭕元购，1⭕⭕件",
    "file.txt 发我",
    "身高 180cm 体重 75kg", "1 2 3 4 5 6 7 8 9 10", "ISBN 978-7-111-12345-6",
    "e.g. this, i.e. that",
    "I use wechat every day", "qq音乐 2024 年度歌单", "好的。明天见", "时间是下午3点30",
    "版本号 2.0.1.5", "营收 13,800,138,000 元", "look at this dot on the map", "我们 at 3 pm meet",
    "结果.com了吗", "你们公司.com了吧", "Jean·Paul 下周来", "ok,come on", "yes,me too",
    "【通知】明天开会", "「好的」", "《三体》第3部", "【重要】今晚8点开会", "会议〔2026〕12号",
    # a bracketed 点 that is the word (tap, key point), not a dot between a name and a domain
    "进APP「点」在线客服就能退款", "打开小程序「点」商城，再「点」我的订单", "下单后【点】在线支付",
    "手机设置里【点】网络，再连WiFi", "本周工作重【点】公司年会筹备", "考试重「点」中国近代史",
    "登录后「点」Online客服", "进小程序「点」Shop",
    # .NET, the framework, after Chinese: no host before it
    "这个.net 框架", "用.NET开发后台", "学.Net 三年了",
    # prices and dates in other scripts' digits, between words: no number across the words
    "ราคา ๑๓๘ บาท วันที่ ๒๐/๑๑/๒๕๖๗", "السعر ١٣٨ درهم، التاريخ ٢٠/١١/٢٠٢٦",
    # 么 ending 什么, 那么 is no 1 before a number, nor 钩 (a hook) a 9; ○ in a year
    "你的工号是什么？3801234567", "那么，3800138000 这个单号查不到", "挂钩 9800138000 号",
    "二○二六年十一月三十日",
]


@pytest.mark.parametrize("text", ORDINARY_MESSAGES)
def test_ordinary_chat_with_numbers_gives_no_findings(text: str) -> None:
    assert find_contacts(text) == []
    assert find_links(text) == []


# --- properties ----------------------------------------------------------------------------

DIGIT_STYLES = [
    "0123456789", "０１２３４５６７８９", "⓪①②③④⑤⑥⑦⑧⑨", "𝟎𝟏𝟐𝟑𝟒𝟓𝟔𝟕𝟖𝟗",
    "零一二三四五六七八九", "〇壹贰叁肆伍陆柒捌玖", "洞幺二三四五六七八九", "洞幺两三四五六拐八勾",
    "〇ⅠⅡⅢⅣ5ⅥⅦⅧⅨ", "٠١٢٣٤٥٦٧٨٩", "०१२३४५६७८९",
    ["0️⃣", "1️⃣", "2️⃣", "3️⃣", "4️⃣", "5️⃣", "6️⃣", "7️⃣", "8️⃣", "9️⃣"],
]
SEPARATORS = ["", " ", "-", ".", "·", "\u200b", "🔥", "❤️", " / ", "_"]


# Where a phone's digits may be cut into groups as phones are written: up to four cuts
# outside one group of four digits or more, not before the last digit (13800 13800 0 is
# none; 1 38 0013 8000, 13 80 0138000 are), or after every digit (1 3 8 0 0 1 3 8 0 0 0).
# Groups of two or three digits and no longer one are a list: 139 / 169 / 199 / 29.
PHONE_CUTS = st.one_of(
    st.integers(0, 7).flatmap(lambda whole: st.sets(
        st.integers(1, 9).filter(lambda cut: not whole < cut < whole + 4), max_size=4)),
    st.just(set(range(1, 11))))


@settings(max_examples=100, deadline=None)
@given(number=st.from_regex(r"1[3-9][0-9]{9}", fullmatch=True),
       style=st.sampled_from(DIGIT_STYLES), separator=st.sampled_from(SEPARATORS),
       cuts=PHONE_CUTS)
def test_any_mobile_number_in_any_style_with_any_separators_is_caught(
        number: str, style: str | list[str], separator: str, cuts: set[int]) -> None:
    assert phone(number) in find_contacts(f"加我 {_written(number, style, separator, cuts)} 了解")


def _written(number: str, style: str | list[str], separator: str, cuts: set[int]) -> str:
    """The number in a digit style, with the separator after the digits in `cuts`."""
    digits = [style[int(d)] for d in number]
    return "".join(d + (separator if i + 1 in cuts else "") for i, d in enumerate(digits))


@settings(max_examples=100, deadline=None)
@given(number=st.from_regex(r"1[3-9][0-9]{9}", fullmatch=True),
       style=st.sampled_from(DIGIT_STYLES), separator=st.sampled_from(SEPARATORS),
       cuts=PHONE_CUTS,
       amount=st.sampled_from(["余额 {}.00 元", "¥{}", "合计 {} 元整", "{}.5", "共 {} 万"]))
def test_any_mobile_number_written_as_an_amount_is_still_one(
        number: str, style: str | list[str], separator: str, cuts: set[int], amount: str) -> None:
    text = _written(number, style, separator, cuts)
    assert phone(number) in find_contacts(amount.format(text))


MARKERS = ["微信", "vx", "VX", "wx", "V", "v信", "薇", "weixin", "ＷＸ", "v x", "微 信", "vх"]


@settings(max_examples=100, deadline=None)
@given(marker=st.sampled_from(MARKERS), colon=st.sampled_from(["：", ":", " ", "号", "❤"]),
       # An id of o/l/i and digits only (iiii0) is read as a number on purpose (l3800138OOO):
       # its first letter is one that no digit looks like.
       ident=st.from_regex(r"[a-hjkmnp-z][a-z_]{3,10}[0-9]{1,6}", fullmatch=True))
def test_any_wechat_id_after_any_marker_is_caught(marker: str, colon: str, ident: str) -> None:
    assert wechat(ident) in find_contacts(f"有意私聊 {marker}{colon}{ident} 谢谢")


@settings(max_examples=100, deadline=None)
@given(marker=st.sampled_from(["qq", "QQ", "Q", "扣扣", "企鹅", "ＱＱ", "q q"]),
       colon=st.sampled_from(["：", ":", " ", "号", "群"]),
       number=st.from_regex(r"[1-9][0-9]{4,10}", fullmatch=True))
def test_any_qq_number_after_any_marker_is_caught(marker: str, colon: str, number: str) -> None:
    if marker in ("Q", "q q") and colon in ("号", "群"):
        colon = ":"
    if marker == "企鹅" and colon in (" ", "群") and len(number) < 6:
        colon = "："  # a penguin's count without one: "企鹅 12306", "🐧 50000 多只"
    assert Finding("qq", number) in find_contacts(f"{marker}{colon}{number}")


# --- cost ----------------------------------------------------------------------------------


@pytest.mark.parametrize("padding", ["www." + "a." * 20_000, "1 " * 20_000, "v " * 20_000,
                                     "a@" * 20_000, "中" * 40_000 + ".", "a·" * 20_000,
                                     "a 点 " * 20_000, "a,co " * 20_000, "加我 " * 20_000,
                                     "加我a1" * 20_000, "🐧裙 " * 20_000, "q裙" * 20_000,
                                     "加❤" * 20_000,
                                     "我好友(" * 20_000, "a丶" * 20_000, "a●" * 20_000,
                                     "a.c0" * 20_000, "一 " * 20_000, "13 " * 20_000,
                                     "13⭕" * 33_000, "13○" * 33_000, "1三" * 50_000,
                                     "wx_abc123 ❤ " * 10_000])
def test_every_scan_reads_the_whole_message_once(padding: str) -> None:
    """A padded ad is still found at the very end of a long message: no inspection cap.
    (The cost is measured by `groupbot moderation bench`, not asserted here.)"""
    text = padding + " 加我 138 0013 8000 或 t.cn/abc"
    assert phone("13800138000") in find_contacts(text)
    assert link("t.cn") in find_links(text)


def test_a_gift_urged_at_the_very_end_is_read_once_for_every_name_before_it() -> None:
    """Each name looks for a gift after it by one comparison with where the last one starts,
    not by a scan of the rest of the message (which made 8,000 names cost 1.3 s)."""
    names = "小程序「ab」，" * 8_000
    assert find_links(names + "新人领券") == [link("小程序:ab")]
    assert find_links(names) == []


# --- the markers' pattern ------------------------------------------------------------------


def _listed() -> re.Pattern[str]:
    """The marker pattern with its markers listed one by one, as it was before they were
    a trie (bot/contacts.py, `_alternation`: it compiles in half the time)."""
    listed = "|".join(f"{contacts._INSIDE}*".join(marker) + end
                      for marker, end in contacts._ENDS.items())
    return re.compile(contacts._MARKER.replace(contacts._ANY_MARKER, f"(?P<marker>{listed})"))


def _matches(pattern: re.Pattern[str], text: str) -> list[tuple[tuple[int, int], dict[str, str]]]:
    return [(match.span(), match.groupdict()) for match in pattern.finditer(text)]


def test_a_marker_that_starts_a_longer_one_is_listed_after_it() -> None:
    """The trie tries the longer markers first: listed so, the two find the same."""
    markers = list(contacts._ENDS)
    assert [(short, long) for i, short in enumerate(markers) for long in markers[i + 1:]
            if long.startswith(short)] == []
    assert contacts._ANY_MARKER.startswith("(?P<marker>微(?:")  # a trie


def test_the_markers_trie_finds_what_listing_the_markers_finds() -> None:
    listed, trie = _listed(), contacts._markers()[0]
    root = Path(__file__).resolve().parent
    texts = [unmask(str(text)) for corpus in ("moderation", "heldout", "innocent")
             for case in read_yaml(root / "corpus" / f"{corpus}.yaml")["cases"]
             for text in case.get("messages", [case.get("text", "")])]
    assert len(texts) > 500
    assert sum(bool(_matches(trie, text)) for text in texts) > 100
    for text in texts:
        assert _matches(trie, text) == _matches(listed, text), text


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("微薇威徽徵维維卫衛信芯星泡色绿綠扣企鹅鵝球vwxqkeichatonu"
                                             "丨 🌸:-_.号码账搜是为群加我一二3456ab好中")),
               max_size=24))
def test_any_mix_of_marker_characters_and_noise_finds_the_same(text: str) -> None:
    assert _matches(contacts._markers()[0], text) == _matches(_listed_pattern(), text)


_listed_pattern = functools.cache(_listed)
