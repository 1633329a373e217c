"""Contact details and links in a message, however disguised.

Each finder reads `unmask(text)` (bot/text.py) and is linear in the length of the whole
message: every scan is a regular expression without nested repetition, or one pass over
the digit groups. Findings carry a family:

- phone: a Chinese mobile number, 11 digits 1[3-9]..., optionally after 86, in any digit
  style (full-width, circled, parenthesized, keycaps, mathematical, Roman, other scripts':
  bot/text.py; Chinese and financial numerals, the spoken 幺 (么 beside another numeral) 两
  拐 勾 洞 for 1 2 7 9 0, the letters o/l/i standing for 0/1) with anything but letters and
  other Chinese characters between the digits (spaces, dashes, dots, emoji; a colon ends a
  number, as in a time: "13:00-15:00"). A number needs no marker; its digits must be whole
  groups ("订单 2026112913800138000" is not one), grouped as a phone's are: one of four digits
  or more, each a digit, or all joined by one dash or all by one dot ("138-00-138-000";
  "139 / 169 / 199 / 29" and "1. 138 2. 135 3. 130" are lists), its
  last digit no group of its own after a longer one ("序列号 13800 13800 0"), and one written
  with thousands separators is an amount (below).
- wechat, qq: a contact marker (微信 薇 威 v信 威xin vx wx weixin wechat 徵信 v芯 唯信
  伟信 魏信 嶶信 喂信 加喂, the slang 绿泡泡 and 卫星..., qq 扣扣 koukou 企鹅 球球 秋秋 蔻蔻
  抠抠 qiuqiu; the emoji 🐧 and 🛰 are 企鹅 and 卫星: bot/text.py), in any
  spelling, spaced or split by emoji, then an id (群 or 裙 may come between: "Q裙 12345678"). A
  bare "V" or "Q" counts only as a word of its own followed by an id with a digit
  ("V：abc123", "Q: 12345678"). Other digit runs (QQ-like numbers, order, room numbers)
  count only after a marker. A marker spelled out one letter at a time ("w e i x i n",
  "V.X") is a finding by itself, and so is an id after a marker ("vx：z h a n g 1 2 3 4").
  An id of WeChat's shape with a digit may come before its marker, in brackets, before
  是我的 or 加 and the marker, or before a Chinese one ending a clause ("abc12345（微信）",
  "abc12345 是我的V", "兼职日结，abc12345 薇").
  An id in pieces joined by 加 (plus) or a plus sign is one id ("薇 信 号 是 abc 加 123",
  "vx abc➕一 二 三") if it starts with a letter right after the marker and has three digits
  or more: not sums of counts, pay or times ("微信群 200 加 300", "工资稍微 3000 加 2000"),
  nor "微信 Tony 加一下" (a numeral glued to a word is that word). 号 may be written hao.
  十 or a plus sign (unmask makes ⊕ ➕ ✚ 🞡 one) right before a marker is 加 in disguise
  ("十V：abcdef", "⊕微 lisa_wang"): an id after it needs no digit, and a bare V or Q counts;
  before a bare Latin marker it is a finding by itself ("有需要的十V"); after 加 itself a bare V
  or Q glued to an id of digits is one ("加V13800138000"). 加我 (+我, V我: add me) before an
  id of WeChat's shape with a digit needs no marker if a colon, a bracket or 好友 announces it
  or 备注 follows ("加我：abc888", "加❤我(abc888)", "加我 abc888 备注来意"). After a marker that
  is a word or a name too (卫星 企鹅 球球 徵信 v芯 伟信 魏信 秋秋... and the emoji) an id needs
  号, a colon, 搜 or 加 before the marker, and a number without them six digits ("🛰 tianwen1",
  "🐧 12306"); 喂 counts only right after 加 or a plus ("加喂 abc12345"). After a name (伟信
  秋秋..., 薇 or 威 ending one: "张薇", "李威", "小薇", 微 after a surname: "张微", a class
  role glued before it: "班长王薇") a roster's number is none ("张薇 20231234 已交",
  "伟信：B20231234") in a message that asks nobody to reach anyone, and that sells nothing:
  in a message that calls itself a list (名单 报名 接龙 已交...), its own line and sentence
  ("张薇 20231234 日结" and "兼职日结⏎张薇 20231234" are ads, "学费优惠名单⏎张薇 20231234"
  and "名单⏎张薇 20231234⏎有问题私聊我" a roster's: `_a_name`, `_SELLS`, `_Clauses`).
- counts are no QQ number or id: after a marker that is also a noun (企鹅 penguin, 球球
  balls, 卫星 satellite), a number with a measure word after it ("企鹅 100000 只在南极",
  "卫星 300 颗"), nor is a price after 裙 (a skirt: "企鹅裙 129.00"). A number written as an
  amount stays what it is ("13800138000 元", "加QQ：87654321元", "¥13800138000"): a unit or
  a sign is all a spammer would add to hide one, and nobody's amount is ten billion yuan;
  only thousands separators ("13,800,138,000") make a mobile number an amount.
- email: an address, also written "name at qq dot com", "name(at)qq(dot)com".
- link: a scheme ("https://", "weixin://"; any host after it: "https://🍑.ws/x"), "www.",
  or a domain ending in a known top-level domain (also Chinese: .中国 .公司 ...; a zero for
  its o: "abc123.c0m"), with the
  dots written 点 。 · ● (dot) [.] 「.」 (in a bracket of 【】「」『』〔〕《》〈〉〖〗 or an ASCII
  one; 【点】 between Latin letters or digits, as 点 alone) or spaced, or a comma before a
  common top-level domain ("abc,com"); a domain after another one and "@"
  (allowed.example@evil.example) too; with · ● 丶 and the like only before com cn org
  xyz or with more (`_MARKED_TLDS`: "Love丶Me" is a name). Not a domain: a Chinese word
  and ".com" said as a word before sentence-final particles ("结果.com了吗"), nor a word of
  letters before an ending that is a word too, without more (`_WORD_TLDS`: "Socket.io",
  "hello.world"), nor Chinese and ".net" or asp.net, the .NET frameworks ("这个.net 框架";
  with a path, "www." or a scheme it is a link). A Taobao 口令 is a shop link without a
  URL: 8 to 14 letters and digits (both) between two currency signs ("￥AbCd1234￥").
- ip: four numbers 0-255 with dots, one of them of two digits or more, or after a scheme.
- platform: an id on Telegram, Douyin, Xiaohongshu, DingTalk or LINE, announced
  (`platform_ids_in`, at the end): not a contact detail `contacts_in` finds.
"""

from __future__ import annotations

import bisect
import re
import xml.etree.ElementTree as ElementTree
from collections.abc import Collection, Iterator
from dataclasses import dataclass, field
from functools import cache, lru_cache
from itertools import pairwise

from bot.segment import whole_word
from bot.text import normalize, simplified, unmask


@dataclass(frozen=True, slots=True)
class Finding:
    """Something a message reveals: `family` is phone, wechat, qq, email, link or ip."""

    family: str
    value: str


# --- digits ------------------------------------------------------------------------------

_NUMERALS = {
    **dict.fromkeys("零〇○◯⭕洞", "0"),  # circles for 〇 (一三八○○..., 138⭕⭕138⭕⭕⭕)
    **{c: str(i + 1) for i, c in enumerate("一二三四五六七八九")},
    **{c: str(i + 1) for i, c in enumerate("壹贰叁肆伍陆柒捌玖")},
    **{c: str(i + 1) for i, c in enumerate("壹貳參肆伍陸柒捌玖")},
    **{c: str(i + 1) for i, c in enumerate("〡〢〣〤〥〦〧〨〩")},  # Suzhou (Hangzhou) numerals
    "幺": "1", "么": "1", "两": "2", "拐": "7", "勾": "9", "钩": "9",
    "o": "0", "l": "1", "i": "1",
}
_AS_DIGITS = str.maketrans(_NUMERALS)
_CHINESE_AS_DIGITS = str.maketrans({c: d for c, d in _NUMERALS.items() if not c.isascii()})
_CHINESE_NUMERALS = "".join(c for c in _NUMERALS if not c.isascii())
_HAN = r"\u3400-\u9fff\uf900-\ufaff"
# A digit group: latin "words" of digits and o/l/i only (with one real digit somewhere in
# the number), or a run of Chinese numerals. Anything else that is a letter or Chinese ends
# a number, and so does a colon: a time is a number of its own ("13:00-15:00, 8:00-10:00");
# what is neither (space, other punctuation, emoji) only separates its groups. 么 (the
# variant of 幺, and the end of 什么 怎么 那么) and 钩 (the variant of 勾, and a hook: 鱼钩)
# are digits only beside another numeral: "么三八", "幺钩八", not "什么？3801234567". The
# circles ◯ and ⭕ are 0 only beside another circle ("138⭕⭕138⭕⭕⭕"): one alone is a tick
# ("13⭕ 14⭕ 15❌ 16⭕" marks answers), and separates groups as any symbol does.
_BESIDE = "么钩"
_PAIRED = "◯⭕"
_ALONE = "".join(c for c in _CHINESE_NUMERALS if c not in _BESIDE + _PAIRED)
_GROUP = (rf"(?:(?<![a-z0-9])[0-9oli]+(?![a-z0-9])"
          rf"|(?:[{_ALONE}]|(?<=[{_ALONE}])[{_BESIDE}]|[{_BESIDE}](?=[{_ALONE}])"
          rf"|(?<=[{_PAIRED}])[{_PAIRED}]|[{_PAIRED}](?=[{_PAIRED}]))+)")
_NUMBER = re.compile(rf"{_GROUP}(?:[^a-z0-9:{_HAN}]*{_GROUP})*")
# A run of groups as `_phones` reads it, as long as the run: Latin digits (and o l i) as 0-9,
# Chinese numerals as the full-width ０-９ (NFKC leaves none in a text), so that a group ends
# where the two meet ("1三八"), and a lone circle as a separator. A mobile number in it
# (after 86, or not) starts and ends where a group does.
_LATIN_AND_CHINESE = str.maketrans({c: chr(0xFF10 + int(d)) if not c.isascii() else d
                                    for c, d in _NUMERALS.items()})
_LONE_CIRCLE = re.compile(f"(?<![{_PAIRED}])[{_PAIRED}](?![{_PAIRED}])")
_EDGE = "(?<=[0-9])(?=[０-９])|(?<=[０-９])(?=[0-9])"  # Latin digits meet Chinese numerals
_MOBILE = re.compile(
    f"(?:(?<![0-9０-９])|{_EDGE})"
    "((?:[8８][^0-9０-９]*[6６][^0-9０-９]*)?[1１][^0-9０-９]*[3-9３-９](?:[^0-9０-９]*[0-9０-９]){9})"
    f"(?:(?![0-9０-９])|{_EDGE})")
_ASCII_DIGITS = str.maketrans({chr(0xFF10 + d): str(d) for d in range(10)})
_NOT_DIGITS = re.compile("[^0-9]+")
_DIGIT_GROUP = re.compile("[0-9０-９]+")
_THOUSANDS = re.compile(r"[0-9]{1,3}(?:\s*,\s*[0-9]{3}){2,}")
# dots as thousands separators, before a currency whose amounts are written so and run to
# billions (the đồng, the rupiah): "15.800.000.000 越南盾" is an amount; "电话：13.800.138.000"
# and "13.800.138.000 元" (nobody's ten billion yuan, and a unit is all a spammer would add)
# are phones (review s37 r25 R25-6, r26 R26-2)
_DOT_GROUPS = r"[0-9]{1,3}(?:\.[0-9]{3}){2,}"
_DOT_CURRENCY = "(?:越南盾|印尼盾|盾|vnd|idr|rp|đ|₫|dong)"
_DOT_THOUSANDS = re.compile(f"{_DOT_GROUPS} ?{_DOT_CURRENCY}(?![a-z{_HAN}])")  # (not 盾牌)
_CURRENCY_BEFORE = re.compile(f"(?:^|[^a-z]){_DOT_CURRENCY} ?$")  # "VND 15.800.000.000"
_DOT_NUMBER = re.compile(_DOT_GROUPS)


def _amount(text: str, at: int, end: int) -> bool:
    """The digits text[at:end] are an amount's, written with thousands separators: commas,
    or dots with the currency that writes them so after or before them."""
    return bool(_THOUSANDS.fullmatch(text, at, end) or _DOT_THOUSANDS.match(text, at) or (
        _DOT_NUMBER.match(text, at, end) and _CURRENCY_BEFORE.search(text[max(at - 6, 0):at])))


def _phones(text: str) -> Iterator[str]:
    """Mobile numbers made of whole digit groups, each once, in one scan of each run.

    A run is digit groups with nothing but separators between them; a phone is 11 digits
    (13 after 86) from the start of one group to the end of another, written as a phone is
    (`_written_as_phone`), unless they are written as an amount with thousands separators
    ("13,800,138,000", "15.800.000.000 越南盾": `_amount`). The numbers found in a run do
    not overlap."""
    found = set()
    for run in _NUMBER.finditer(text):
        if run.end() - run.start() < 11:
            continue  # too short to hold a phone: most numbers in a chat
        digits = _LONE_CIRCLE.sub("|", run.group()).translate(_LATIN_AND_CHINESE)
        for mobile in _MOBILE.finditer(digits):
            number = _NOT_DIGITS.sub("", mobile[1].translate(_ASCII_DIGITS))[-11:]
            if number in found or _amount(text, run.start() + mobile.start(1),
                                          run.start() + mobile.end(1)):
                continue
            joined = _joined_as_phone(digits, mobile.start(1), mobile.end(1))
            if not _written_as_phone(mobile[1], joined):
                continue
            found.add(number)
            yield number


def _written_as_phone(number: str, joined: bool) -> bool:
    """A phone's digits are written whole, or in groups one of which has four digits or
    more ("138 0013 8000", "138 零零 13 八零零零"), or one at a time ("1 3 8 0 0 1 3 8 0 0
    0", "1 3 8 0 0 1 3 8000"), or in groups of any size `joined` by dashes or dots
    ("138-00-138-000"). Other numbers of two or three digits and no longer one are a list
    ("139 / 169 / 199 / 29", "1. 138 2. 135 3. 130", "13、15、7、18、20、22"), and a last
    digit split off a longer group is no phone's ("序列号 13800 13800 0", "13800-13800-0")."""
    sizes = [len(group) for group in _DIGIT_GROUP.findall(number)]
    if sizes[-1] == 1 and max(sizes) > 1:
        return False
    return joined or max(sizes) >= 4 or sum(size > 1 for size in sizes) < 2


def _joined_as_phone(run: str, start: int, end: int) -> bool:
    """The mobile number `run[start:end]` has its groups joined by one dash or one dot each,
    and all by the same ("138-00-138-000", "138.0013.8000"), as a phone's are and a list's
    or a timetable's are not ("1. 138 2. 135", "13:00-15:00", "13.80-15.80"). The chain of
    groups is the number itself: one more group joined so before or after it
    ("1-138-00-138-000") makes it some other code, and four numbers 0-255 joined by dots
    are an IP address ("139.200.138.10", found as one)."""
    joints = set(_DIGIT_GROUP.split(run[start:end])[1:-1])
    if len(joints) != 1 or (joint := joints.pop()) not in ("-", "."):
        return False
    escaped = re.escape(joint)
    if (re.fullmatch(f"[0-9０-９]{escaped}", run[max(start - 2, 0):start])
            or re.fullmatch(f"{escaped}[0-9０-９]", run[end:end + 2])):
        return False  # the chain runs on
    groups = _DIGIT_GROUP.findall(run, start, end)
    return not (joint == "." and len(groups) == 4
                and all(len(group) <= 3 and int(group.translate(_ASCII_DIGITS)) < 256
                        for group in groups))


# --- counts ----------------------------------------------------------------------------

# Markers that are also ordinary nouns or names: right after them (no 号 or 搜索 between), a
# number with a measure word is a count (traditional ones too: 企鵝 100000 隻; "+", 多 or 余
# may come between: 🐧 10000+ 只, 🛰 42000 多颗; 魏信 200000 元 is a donor's gift). Not 个人
# (personal) or 只 meaning "only" (只加, 只要...).
_NOUN_MARKERS = ("企鹅", "企鵝", "球球", "卫星", "衛星", "伟信", "魏信", "秋秋", "蔻蔻", "qiuqiu")
# Those and the markers that are words or names too (徵信 credit checks, v芯 a RISC-V chip,
# 抠抠 as in 抠抠搜搜, 喂 hello: 喂，信号不好; xv, vx swapped, is fifteen: 路易XV, FFXV):
# after them an id needs an announcement (号, a colon, 搜) or 加 before the marker, and a
# number without one six digits or more
# ("🛰 tianwen1 到达火星轨道", "🐧 12306 买不到票", "V芯 k230d 开发板", "伟信 abc12345" are
# chat; "🐧 12345678", "加🛰 money_2026", "🛰号：abc888", "加喂 abc12345" are not).
_WEAK_MARKERS = (*_NOUN_MARKERS, "徵信", "v芯", "抠抠", "喂信", "喂", "xv")
# Of those, the ones that are names first: a number after them needs 号 or 搜 after them or
# 加 before them, not a colon nor six digits alone ("伟信 20231234", "秋秋：20231234" are a
# roster's name and student number; "伟信号 abc12345", "加秋秋 12345678" are not: review s37
# r25 R25-5)
_NAME_MARKERS = frozenset(("伟信", "魏信", "秋秋", "蔻蔻", "qiuqiu"))
# ...unless the id has letters (no student number has), a group's number follows (秋秋群：),
# or the message asks to be reached or sells (秋秋：12345678 私聊: review s37 r26 R26-1)
# (what a reader is asked to do, not nouns a class's roster holds too: 「秋秋 20231234 联系
# 家长」, 「领取教材」, 「兼职助教」, 「已进群」: review s37 r27 R27-4)
# Read on the text in simplified characters (詳聊, 私訊: review s38 r30 R30-1), with the asks
# ads write most (欢迎咨询 咨询我 戳我 滴滴 私戳 pm me; not 找我, 扫码 or 咨询 alone, as a
# class writes 「没交的找我」, 「扫码签到」, 「有问题咨询班长」) and another channel named: 加V,
# 加qq, 进裙 (a skirt for a group, as ads write it); and 找我 or 联系 after 有需要 (if you
# need it): an offer's (「王薇 20231234 有需要找我」, 「有需要的朋友联系」: h40b; 「有需要联系→
# 王薇 20231234」, 「有需要联系她：…」: review s40 r47 finding 11), unless 联系 names a role in
# a class, which a class's message does to say whom to ask (「有需要联系班长」: review s40 r45),
# or us, the class or the office the writer speaks for, not the writer (「王薇 20231234 有需要
# 联系我们」, 「…联系我们的班长」), but where what follows it, a space, a colon, a bracket or
# any arrow, points at a number right after it: the contact offered, as after 她 (「有需要联系
# 我们：王薇 20231234」: s41 h50a; 「…联系我们 王薇 20231234」, 「…联系我们👇王薇…」: review s41
# r52 findings 3 and 7; a comma ends the ask: 「有需要联系我们，王薇 20231234」 is a class's)
_CLASS_ROLES = ("副?班长|学委|团支书|支书|[班课]?委|课代表|组长|宿舍长|寝室长|舍长|班主任|辅导员"
                "|助教|老师|家长|学长|学姐|群主|管理员|教务处?|学校|学院|宿管|校医|办公室|物业"
                "|居委会|村委会|家委会|网格员|社工|楼长")  # (by name too: 「联系王老师」: r49)
_POINTS = f"[^{_HAN}0-9a-z,。!?;、]+(?=[^,。!?;]{{0,8}}[0-9])"  # 「联系我们：王薇 2…」
# Of those, the ones that say what the reader wants (有需要, 有意者, 欢迎咨询) offer what the
# whole message holds, and are read over it (「学费优惠名单⏎王薇 20231234⏎有需要找我」: h40b),
# as any other is in a list but an ask for questions (`_QUESTION_ASKS`, `_Clauses`)
_OFFERED = re.compile("有意者|欢迎咨询|有需要的?(?:朋友|亲|宝子|姐妹|老板)?们?[ ,]?"
                      f"(?:可以|请|就|随时|直接)?(?:找我|联系(?!我们(?!{_POINTS}))"
                      f"(?![{_HAN}]{{0,2}}?(?:{_CLASS_ROLES})))")
_ASKED = re.compile("加我|[+➕]我|私聊|私我|私信|私讯|私戳|详聊|加好友|咨询我|戳我|滴滴|pm me"
                    "|(?<![已了])[进加+](?:[群裙]|(?:qq?|vx?|wx)(?![a-z]))")
# ...nor sells: work, pay or a discount on offer (日结 副业 兼职 代理 招聘 刷单 返利 优惠 下单...:
# 「李威 B20231234 日结」, 「张薇 20231234 兼职」 are ads: review s39 f27), which a roster says
# only of its own: a school's part-time job (兼职助教), a class role held for another (代理班长),
# a group buy's order placed (已下单, 已经下单, 刚下单), a job fair's sign-in (招聘会); and not
# 免费 or 福利, which a class's roster holds too (「免费午餐」). 咨询 alone is no offer
# (「有问题咨询班长」).
_SELLS = re.compile("日结|日赚|躺赚|赚钱|挣钱|网赚|月入|副业|零投资|高薪|刷单|返利|返现|返佣|佣金"
                    "|兼职(?!助教|辅导员|教师)|代理(?![班组课])|招聘(?!会)|诚招|急招|打字员|点赞员"
                    "|手工活|加盟|代购|微商|优惠|(?<![已未没经刚])下单|接单")


def _sells(said: str) -> bool:
    """A selling word in `said` that is a word of it, by word segmentation (bot/segment.py):
    日结 in 兼职日结, not in 周日结束 or 节日结束 (周日|结束: 「王薇 20231234 节日结束后交作业」
    is a roster's line)."""
    return any(hit.group().isascii() or whole_word(said, hit.start(), hit.end())
               for hit in _SELLS.finditer(said))


# ...nor of a roster's own selling words as its title says them: a fee's discount (学费优惠), who
# took a coupon (优惠券领取), a school's part-time job (勤工助学岗位（兼职）), a shop's event's
# winners (返利活动中奖) (review s40 r47 finding 4)
_ROSTERS_OWN = re.compile("(?:学|杂|住宿|书|餐)费优惠|优惠券(?=领取|已领|谁领)"
                          "|勤工助学[^ ]{0,4}兼职|返利活动中奖")
# ...and 联系人 or 客服 (a label before the name: "联系人：王薇 12345678") is one too
_LABEL_BEFORE = re.compile("(?:联系人?|客服)[ :]*$")
# ...and before a role named before the name, 加 too: the role is then the ad's persona, and
# what comes before it asks to add it (「加老师小薇 20231234」, 「客服老师小薇…」: review s41 r52)
_ROLE_LABEL = re.compile("(?:联系人|客服|[加+➕])[ :]*$")
# 薇 and 威 end many a name (张薇, 李威, 王晓薇): one that ends a word of two or three Chinese
# characters (four after 欧阳), a common surname first, is read as those names are ("张薇 20231234",
# "李威：20231234" are a roster's), unless 加 的 私 找 系 (联系) or 十 comes right before it
# ("日结加薇", "我的薇", "兼职日结薇", "客服小薇", "个人薇" are ads': review s38 f15); and so is a
# nickname, 小 or 阿 and the marker as a word of its own ("小薇 20231234", "阿威"; not "客服小薇",
# "加小薇", "小号薇": review s39 f27)
_SURNAMES = ("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余"
             "杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙"
             "史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"  # the hundred commonest, and 欧阳...
             # ...in traditional characters too ("張薇 20231234 已交": review s38 r30 R30-1)
             "張劉陳楊黃趙吳孫馬羅鄭謝許韓馮鄧蔣葉蘇呂盧鍾譚陸賈韋鄒閆龍賀顧龔萬錢嚴湯"
             # ...and of the next hundred those that start no word an ad puts before the marker
             # (倪薇, 樊威: review s39 f27; not 成 包 房 麻 荣 童 连 官 商 全 常..., as in 成人薇,
             # 包邮薇, 房产薇, 麻将薇, 荣耀薇, 童装薇, 连锁薇, 官方薇, 商务薇, 全职薇, 常用薇)
             "倪樊施颜葛邢伍庞聂岳翟殷詹耿俞柳柯纪梅裴霍涂翁冉骆辛靳鲍喻祁蒲滕屈饶穆缪褚娄窦戚岑"
             "卜晏柏瞿桂佟臧闵苟邬卞姬仇栾隋刁巫桑甄丛仲虞敖巩佘邝阮焦鲁章牟芦寇郎苑迟池"
             "顏龐聶紀駱鮑饒繆婁竇閔鄔欒叢鞏鄺魯蘆遲")
_SURNAME = f"(?:欧阳|歐陽|上官|司马|司馬|诸葛|諸葛|[{_SURNAMES}])"
# A surname that starts a word an ad puts before the marker is that word (金牌薇, 高端薇,
# 马上薇, 付费薇: h40b), not a name; not 黄金, as 黄金薇 and 黄金威 are names of the surname 黄
# as often (review s40 r45)
_AD_WORDS = "金牌|金融|金钻|高端|高级|高薪|高佣|高价|高额|马上|万能|付费|任意|严选"
# The name starts a word, or follows a class role glued to it that starts a word itself (or
# follows 联系 or 我们的): the role's holder is named, not the writer offering themselves
# (「有需要联系班长王薇 20231234」: s41 h50a); an ad's persona is no role (「考研学姐小薇」,
# 「理财老师小薇」: review s41 r52 finding 1)
_STARTS_NAME = f"(?:(?<![{_HAN}])|(?<=联系)|(?<=我们的))(?P<role>{_CLASS_ROLES})?"
# ...but the group's own roles (群主, 管理员) before a name and a number, alone, are what an
# impersonator posts: they name their holder only in a list or after 联系 (review s41 r52
# finding 9: 「群主小薇 20231234」 is an ad's, 「有需要联系群主小薇 20231234」 a class's)
_GROUP_ROLES = frozenset(("群主", "管理员"))
_AFTER_CONTACT = re.compile("联系(?:我们的)?$")
# ...and the titles a seller signs with before a nickname (学姐小薇, 联系老师小薇: a class
# calls its teacher by surname) name a persona: in traditional characters too, read as
# these (學姐小薇: review s42 r75 finding 6)
_PERSONA = re.compile("(?:(?<=联系)老师|学长|学姐)[小阿]")
_NAME_BEFORE = re.compile(f"{_STARTS_NAME}(?P<name>(?!{_AD_WORDS})"
                          f"(?:{_SURNAME}(?:(?![加的私找系十])[{_HAN}])?|[小阿]))$")
# 微 ends names too (张微, 李微), but is the marker itself far more often (个人微, 官方微, 小微):
# it ends a name only right after a surname (review s39 f27)
_SURNAME_BEFORE = re.compile(f"{_STARTS_NAME}(?P<name>{_SURNAME})$")
_ROLE_AND_NAME = 8  # the characters before the marker a role and a name take (管理员欧阳X)
# XV is a car too (斯巴鲁XV): after xv unannounced, a number and a price's word is its price
_CAR_PRICE = re.compile(" ?(?:[元块塊万萬]|落地|售价|起)")
_MEASURE_AFTER = re.compile(" ?[+多余]? ?(?:只(?![要有是能需收限加聊做接回])|隻|[个個](?!人)"
                            "|[头頭]|[颗顆]|人|位|名|次|天|年|[岁歲]|[张張]|[条條]|件|倍|元|[块塊]"
                            "|[万萬]|[亿億])")


# --- markers -----------------------------------------------------------------------------

_SEP = r"[^a-z0-9_\-" + _HAN + r"]"
# (徵信 嶶信 for their look, v芯 薇芯 唯信 伟信 魏信 喂 for their sound: 芯 is xin, 喂 wei; the
# traditional forms of those that have one: 維信 衛信 綠泡泡 衛星 企鵝, and 號 帳號 搜尋 below.
# Not 微芯, as in 微芯片 microchips)
_WECHAT_MARKERS = ("微信", "薇信", "威信", "徽信", "徵信", "维信", "維信", "卫信", "衛信", "v信",
                   "v芯", "薇芯", "唯信", "伟信", "魏信", "嶶信", "喂信", "wei信", "微xin", "薇xin",
                   "威xin", "微x", "薇x", "威x", "绿泡泡", "綠泡泡", "绿色泡泡", "綠色泡泡", "卫星",
                   "衛星", "微", "薇", "威", "喂", "weixin", "wechat", "vx", "xv", "wx", "v")
# koukou: 扣扣 in pinyin; 秋秋 蔻蔻 抠抠 qiuqiu for their sound
_QQ_MARKERS = ("扣扣", "企鹅", "企鵝", "球球", "秋秋", "蔻蔻", "抠抠", "koukou", "qiuqiu", "qq",
               "q")
# A marker may have separators (spaces, emoji, dots) between its characters: "微🌸信", "v x".
# (not a colon: "V：x_abc1" is the marker V and the id x_abc1), and the radical 丨: "微丨信",
# "V丨X" (after the marker it is a title's bar: "微信丨20250109 公开课")
_INSIDE = r"(?:[^a-z0-9_\-:" + _HAN + r"]|丨)"
# what a marker ends with: a bare letter stands alone
_ENDS = {marker: "" for marker in (*_WECHAT_MARKERS, *_QQ_MARKERS)} | {
    "v": "(?![a-z])", "q": "(?![a-z])",
    # 喂 (hello) is one only right after 加 or a plus ("加喂 abc12345", not "喂，12345678 是谁的"),
    # and 抠抠 none in 抠抠搜搜 (stingy)
    "喂": "(?<=[加+十]喂)", "抠抠": "(?!搜搜)"}


@dataclass
class _Node:
    """A node of the markers' trie: the markers that go on after this character, and what
    the marker that ends here (if one does) ends with."""

    after: dict[str, _Node] = field(default_factory=dict)
    end: str | None = None


def _alternation(ends: dict[str, str]) -> str:
    """The markers (and what each ends with) with `_INSIDE` characters between theirs
    ("微🌸信"), as a trie: 微信, 微xin, 微x and 微 share one 微 and one run of _INSIDE after it
    ("微(?:G*(?:信|x(?:G*iG*n|))|)"), and characters after which the same follows share a
    class ("卫G*[信星]"). Each run of _INSIDE is a class of Chinese characters, 2 to 4 ms of CPU
    to compile (a table of the 65,536 characters of plane 0): the trie has two thirds of
    the runs of listing each marker, and finds the same. A run of _INSIDE characters before
    a marker's character can only be all of the run (the character is no _INSIDE one), so
    two markers that part somewhere never both match at one place: only a marker and the
    longer ones it starts can, which the trie tries longest first, as listing them longer
    first (tests/test_contacts.py checks that they are) did. The first characters are not
    shared ("微…|威…", not "[微威]…"): a pattern whose alternatives all start with a character
    skips in one scan the places where none starts, and reads a message in as many
    instructions as listing each marker did; with a class first in one of them it tries
    every place, and takes twice as many (callgrind, the moderation corpora)."""
    root = _Node()
    for marker, end in ends.items():
        node = root
        for character in marker:
            node = node.after.setdefault(character, _Node())
        node.end = end
    return "|".join(re.escape(first) + _then(after) for first, after in root.after.items())


def _options(node: _Node) -> str:
    """The characters that may come after `node`'s (a class of those after which the same
    follows), each with what follows it."""
    alike: dict[str, list[str]] = {}
    for character, after in node.after.items():
        alike.setdefault(_then(after), []).append(re.escape(character))
    options = [(f"[{''.join(characters)}]" if len(characters) > 1 else characters[0]) + rest
               for rest, characters in alike.items()]
    return options[0] if len(options) == 1 else f"(?:{'|'.join(options)})"


def _then(node: _Node) -> str:
    """What follows `node`'s character: a run of _INSIDE and the longer markers' next
    character, then (tried last) the end of the marker that ends there."""
    if not node.after:
        return node.end or ""
    longer = f"{_INSIDE}*{_options(node)}"
    return longer if node.end is None else f"(?:{longer}|{node.end})"


# 加 or a plus sign between two pieces of an id joins them: "abc 加 123", "abc➕123" are
# abc123 (the separators before the plus possessive, so that a long run is read once)
_JOIN = rf"[^a-z0-9_\-+➕✚{_HAN}]*+[加+➕✚]{_SEP}*+"
# an id spelled out a character at a time after a marker: "vx：z h a n g 1 2 3 4"
_SPELLED_ID = "[a-z0-9](?:(?: ?加 ?| )[a-z0-9]){4,19}(?![a-z0-9])"
_PIECE = rf"[a-z0-9_\-{_CHINESE_NUMERALS}]"
_CHAT_GROUP = "[群裙]"  # a group: 裙 (skirt) is its homophone in ads ("Q裙", "企鹅裙 12345678")
_PIECE_CHARACTER = re.compile(rf"[a-z0-9_\-{_HAN}]")
_ANY_MARKER = f"(?P<marker>{_alternation(_ENDS)})"
# what may come between a marker and its id: separators, 号, 账号, 同号 (the phone's number: "VX
# 同号 abc12345", review s38 f15), 搜, 是...
_FILLER = (rf"(?:{_SEP}|[号號][码碼]|[号號]|[账帳賬][号號]|同[号號]|搜索|搜尋|搜|是|[为為]"
           rf"|{_CHAT_GROUP}|(?:id|hao|is|me)(?={_SEP}))*")
# More digits after a separator continue the id ("QQ 1234 5678", "微信 一三八 零零"), but not
# one or two Chinese numerals glued to the word after them, which are that word (「李威
# 20231234 零投资」, 「王薇 20231234 一班」, 「十一班」: the id is 20231234, as `_joined` reads
# 加一下: h40b); three or more are the id's tail whatever follows (「QQ 1234 五六七八了解一下」:
# review s40 r45 finding 1), unless they are a year, a class or a number said: four with 〇
# (二〇二六毕业), a year's two or four (with 〇 or 零) before 届 级 年, one or two before 班, or
# any before 十 百 千 万 and a numeral, which no id's digits hold (「李威 20231234 二〇二六届」,
# 「王薇 20231234 二〇二五级一班」, 「九九八十一难」: review s40 r47 finding 10; a 十 after them
# ends no number: 「QQ 12345 六七八九十」, r45; an id's four before 年 or 班 are its digits:
# 「QQ 1234 五六七八年入百万」, 「扣扣 1234 五六七八班级群」, review s40 r49 finding 3)
_NO_TAIL = (rf"(?:[{_CHINESE_NUMERALS}]{{2}}|(?=[{_CHINESE_NUMERALS}]{{0,3}}[〇零])"
            rf"[{_CHINESE_NUMERALS}]{{4}})[届级年]|[{_CHINESE_NUMERALS}]{{1,2}}班"
            rf"|[{_CHINESE_NUMERALS}]*+[十百千万][{_CHINESE_NUMERALS}]"
            rf"|(?=[{_CHINESE_NUMERALS}]{{0,3}}〇)[{_CHINESE_NUMERALS}]{{4}}[{_HAN}]")
_MORE_DIGITS = (rf"{_SEP}++(?!{_NO_TAIL})[0-9{_CHINESE_NUMERALS}]++"
                rf"(?:(?<=[0-9])|(?<=[{_CHINESE_NUMERALS}]{{3}})|(?![{_HAN}]))")
_MARKER = (
    rf"{_ANY_MARKER}"
    rf"(?P<filler>{_FILLER})"
    rf"(?P<id>{_SPELLED_ID}|{_PIECE}{{1,40}}"
    rf"(?:{_JOIN}{_PIECE}+|{_MORE_DIGITS})*)"  # more digits, or joined
)
_SPELLED_ID_ALONE = re.compile(_SPELLED_ID)
_JOINED = re.compile(_JOIN)
_ONE_CHARACTER = "vq微薇威"


@cache
def _markers() -> tuple[re.Pattern[str], re.Pattern[str]]:
    """A marker and an id after it; the same with a one-character marker only. Compiled on
    first use, as the mini programs' patterns are: their many classes of Chinese characters
    (`_alternation`) take some 0.1 s of CPU to compile, which a command that reads no
    message (check, report) does not spend, and a bot spends as it starts (`warm`)."""
    return re.compile(_MARKER), re.compile(_MARKER.replace(
        _ANY_MARKER, f"(?P<marker>[{_ONE_CHARACTER}])"))


@cache
def _name_patterns() -> tuple[re.Pattern[str], re.Pattern[str]]:
    """A name that is a marker as a whole (加V, 微信号, VX, QQ号); any marker (compiled on first
    use, as `_markers`)."""
    whole = re.compile(rf"{_SEP}*(?:[加+十]{_SEP}*)?{_ANY_MARKER}{_FILLER}")
    return whole, re.compile(_ANY_MARKER)


def marker_name(unmasked: str) -> str:
    """A mentioned member's name (unmasked) as it counts before what the message says
    after it: a name that is a marker as a whole (「加V」, 「微信号」, 「VX」, 「QQ号」: an
    accomplice's name that announces the id written after the mention) as it is, any other
    with the markers it holds made 某 (「小Q」, 「阿Q」, 「薇薇」, 「官方微信」, 「客服小薇」 are
    nicknames: 「@小Q 20231234 是你的学号吗」 is no QQ number). Its ids and digits stay, for a
    marker written before the mention: 「加V @abc12345」."""
    whole, any_marker = _name_patterns()
    if whole.fullmatch(unmasked):
        return unmasked
    return any_marker.sub("某", unmasked)


_WECHAT_ID = re.compile(r"[a-z][a-z0-9_-]{4,19}")
_LONE = r"[a-z](?![a-z0-9])"
_SPELLED = re.compile(rf"(?<![a-z0-9]){_LONE}(?:[^a-z0-9{_HAN}]+{_LONE}){{1,5}}")
_SPELLED_MARKERS = {"weixin": "wechat", "wechat": "wechat", "vx": "wechat", "wx": "wechat",
                    "qq": "qq"}


def _marked(text: str, clauses: _Clauses) -> Iterator[Finding]:
    found = list(_marked_ids(text, clauses))
    yield from found
    if not found:  # "十V：abcdef" is the id; "有需要的十V" only the plus and the marker
        yield from (Finding("qq" if plus["marker"][0] == "q" else "wechat", "+" + plus["marker"])
                    for plus in _PLUS_MARKER.finditer(text))


def _marked_ids(text: str, clauses: _Clauses) -> Iterator[Finding]:
    any_marker, one_character_marker = _markers()
    for match in any_marker.finditer(text):
        yield from filter(None, [_after_marker(text, match, clauses)])
        marker = match["marker"]
        if marker[0] in _ONE_CHARACTER and re.search(_SEP, marker):
            # "V❤x_abc1": the first character alone may be the marker, and the rest the id
            yield from filter(None, [_after_marker(
                text, one_character_marker.match(text, match.start()), clauses)])
    for match in _SPELLED.finditer(text):
        word = "".join(c for c in match.group() if c.isalpha())
        if word in _SPELLED_MARKERS:
            yield Finding(_SPELLED_MARKERS[word], word)
    for wxid in re.finditer(r"(?<![a-z0-9])wxid_[a-z0-9]{4,30}(?![a-z0-9])", text):
        yield Finding("wechat", wxid.group())


# 十 or a plus sign for 加 right before a bare Latin marker is a finding by itself, as a
# marker spelled out is: only an advertiser writes 十V, ⊕vx or +q ("有需要的十V": the id is
# in their name). Not after a Latin word (ctrl+v, c+v), nor before 群 or 裙 (+q群 names a group).
_PLUS_MARKER = re.compile(r"(?<![a-z0-9])(?<![a-z0-9] )[+十] ?(?P<marker>vx|wx|v|qq|q)"
                          r"(?![a-z0-9_]| ?[群裙])")
def _joined(text: str, end: int, filler: str, ident: str) -> str:
    """An id in pieces joined by 加 or a plus sign ("abc 加 123"), or only its first piece
    when they are no id: a Chinese numeral glued to the word after it is that word (加一下,
    一共, 两场); and an id starts with a letter, right after the marker (not 群), and has
    three digits or more, so that sums of counts, pay and times ("微信群 200 加 300，都满了",
    "工资稍微 3000 加 2000 提成", "QQ群 9:30 加 10:30") and words (微信 beta 加 10 项) are none."""
    if (ident[-1] in _CHINESE_NUMERALS and re.match(f"[{_HAN}]", text[end:end + 1])
            and text[end] not in _CHINESE_NUMERALS):
        ident = ident.rstrip(_CHINESE_NUMERALS)
        while ident and (ident[-1] in "加+➕✚" or not _PIECE_CHARACTER.match(ident[-1])):
            ident = ident[:-1]  # the plus or the separators before the numeral
    first = _JOINED.split(ident, maxsplit=1)[0]
    digits = sum(c.isdigit() for c in ident.translate(_CHINESE_AS_DIGITS))
    if re.search(_CHAT_GROUP, filler) or not re.search("[a-z]", first) or digits < 3:
        return first
    return ident


_PRICE = re.compile("[0-9]+\\.[0-9]{1,2}")


# A number as a roster writes one after a name: digits (the next line's number may follow:
# "1. 秋秋 20231234⏎2. 小明"), or a letter and six to ten digits ("伟信：B20231234", a student
# number with its school's letter: review s37 r27 R27-6; a letter and a mobile number,
# "a13800138000", is a WeChat id's shape). After 球球 (balls, and a QQ ad's marker: "球球
# 55667788") and after 薇 or 威 (张薇, and an ad's marker: "王薇 12345678 日结", "王薇 a1234567":
# review s38 r30 R30-1) only a student number, which starts with its year ("球球 20231234").
_ROSTER_NUMBER = re.compile(rf"[a-z][0-9]{{6,10}}|[0-9]+(?:{_SEP}+[0-9]+)*")
# (its year, then six to eight digits, or five after its school's letter: "S2023123"; a
# space may split it: "2023 1234")
_STUDENT_NUMBER = re.compile(rf"(?:[a-z](?:19|20)[0-9]{{5,8}}|(?:19|20)(?:{_SEP}?[0-9]){{6,8}})"
                             "(?![0-9])")
# ...or eleven digits from a year of 2000 to 2039, which no mobile number starts with, while
# 19.. and eleven digits is one ("王薇 20231234567": s41 h50a); not after a plus sign, which
# an international number's country code follows (+20: Egypt; review s41 r52 finding 5)
_LONG_STUDENT_NUMBER = re.compile(rf"20[0-3](?:{_SEP}?[0-9]){{8}}(?![0-9])")


_NAMES = _NAME_MARKERS | {"薇", "威", "微", "球球"}  # the markers `_a_name` may read as a name


def _a_name(text: str, start: int, marker: str, filler: str, ident: str) -> int | None:
    """Where the name starts when the marker at `start` (one of `_NAMES`) is a name and
    `ident` the number a roster writes after it (`filler` between them); None when it is
    not."""
    if not _ROSTER_NUMBER.fullmatch(ident):
        return None
    offset, before = _read_before(text, start)
    if marker in _NAME_MARKERS:
        name = len(before)
    elif not (_STUDENT_NUMBER.match(ident) or (
            _LONG_STUDENT_NUMBER.match(ident) and not filler.rstrip().endswith("+"))):
        return None
    elif marker == "球球":
        name = len(before)
    elif name_before := (_SURNAME_BEFORE if marker == "微" else _NAME_BEFORE).search(
            before, max(len(before) - _ROLE_AND_NAME, 0)):
        name = name_before.start("name")
        role = name_before["role"]
        if role and not _holds_role(before, name_before.start(), role, text):
            return None  # "加老师小薇 20231234", "群主小薇 20231234"
    else:
        return None
    if _LABEL_BEFORE.search(before, max(name - 6, 0), name):
        return None  # "联系人：王薇 20231234"
    return offset + name


# What `_a_name` reads before the marker: a label (联系人：) before a role and a name
_BEFORE_A_NAME = _ROLE_AND_NAME + 8


def _read_before(text: str, start: int) -> tuple[int, str]:
    """Where the text `_a_name` reads before text[start] starts, and that text in simplified
    characters, as its roles and labels are written (「老師小薇 20231234」 is 老师小薇's: the
    markers read the text unmasked, whose Chinese is as written; h72), when the characters
    are as many (OpenCC may write a phrase in fewer)."""
    offset = max(start - _BEFORE_A_NAME, 0)
    written = text[offset:start]
    said = simplified(written)
    return offset, said if len(said) == len(written) else written


def _holds_role(before: str, start: int, role: str, text: str) -> bool:
    """The class role at before[start:] (the text before a name, `_read_before`) names its
    holder: no 加 or label asks to add it (`_ROLE_LABEL`), and the group's own
    (`_GROUP_ROLES`) are in a list (the whole `text`) or after 联系."""
    if _ROLE_LABEL.search(before, max(start - 6, 0), start) or _PERSONA.match(before, start):
        return False
    return (role not in _GROUP_ROLES or _AFTER_CONTACT.search(before, 0, start) is not None
            or _A_LIST.search(simplified(text)) is not None)


# Spaces, emoji and zero-width characters between two Chinese characters: an ad splits its
# ask or selling word with them (「私❤聊」, 「日💰结」, 「兼 职」: review s41 r52 finding 8)
# (not a line's end: a word is not split over lines, nor over messages read together). Only
# where the piece before or the piece after it is one character standing alone, as a split
# word's pieces are: between two words of two, 「周日 结束」 is no 日结, 「参加 我们」 no 加我
# (review s41 r59 finding 2), but 「欢迎私 聊」 and 「需要的加 我」 are asks (r63 finding 1)
_GAP = r"(?:[^\S\n]|[\u200b-\u200d\u2600-\u27bf\ufe0f\U0001f000-\U0001faff])+"
_SPLIT_BY = re.compile(rf"(?<![{_HAN}][{_HAN}])(?<=[{_HAN}]){_GAP}(?=[{_HAN}])"
                       rf"|(?<=[{_HAN}]){_GAP}(?=[{_HAN}](?![{_HAN}]))")


def _joined_up(said: str) -> str:
    """The text with what splits its Chinese words (`_SPLIT_BY`) taken out."""
    return _SPLIT_BY.sub("", said)


def reaches_out(said: str) -> bool:
    """A message (in simplified characters) asks to be reached, offers or sells, or ends an
    offer's ask begun before it (有需要… then 联系, 找我): read after a roster's entry that a
    member sent before it, it makes the entry an ad's (`_Clauses`), a contact detail split
    over messages (bot/prefilter.py `no_contact_part`)."""
    joined = _joined_up(said)
    return bool(_ASKED.search(joined) or _OFFERED.search(said) or _sells(joined)
                or "联系" in said or "找我" in said)


# What ends a clause: a sentence's end, and a line's (`_Clauses`)
_CLAUSE_END = re.compile("[。!?;]")
# What a roster calls itself or says of its entries (tests/corpus/innocent.yaml): a message
# without any is read as one clause, as an ad dressed as a roster is one offer (「兼职日结⏎
# 王薇 20231234」, 「刷单返利。王薇 20231234」: review s40 r45 finding 4). Not 同学 or 签到,
# which ads say too (「同学们，兼职日结」, 「每日签到领红包」)
_A_LIST = re.compile("名单|名册|报名|统计|接龙|如下|已交|未交|没交|点名|分组")
# What a list's title offers that only an ad does: a class's list names its own discount, order
# or part-time job (「班服团购优惠名单」, 「暑期兼职招聘会报名」, 「兼职报名。王薇 20231234 已交」:
# review s40 r49 finding 1), never pay by the day or for clicks (「兼职日结报名」, 「刷单返利名单」,
# 「代理招募接龙」, whatever its entries say they did: r47 finding 1, r49 finding 6)
_ONLY_ADS = re.compile("日结|日赚|躺赚|赚钱|挣钱|网赚|月入|副业|零投资|高薪|刷单|返利|返现|返佣"
                       "|佣金|代理(?![班组课])|招聘(?!会)|诚招|急招|打字员|点赞员|手工活|加盟|接单")


# An ask for questions (有问题私聊我, 不清楚的加我好友) and a roster's own 进群 (进群名单): the
# only asks a list reads in their entry's own clause; any other offers the whole list, as an ad
# puts its ask on a line of its own (「兼职名单⏎王薇 20231234⏎私聊」, 「报名加我⏎王薇
# 20231234」: review s41 r52 finding 2)
_QUESTION_ASKS = re.compile("(?:有(?:问题|疑问)|不(?:清楚|懂|明白|会)的?|疑问)"
                            f"(?:(?!{_ONLY_ADS.pattern})[^。!?;]){{0,6}}?"  # (「有问题的日结私聊」)
                            "(?:加我|私聊|私我|私信|私讯|详聊|加好友|咨询我|戳我|滴滴)"
                            "|[进加]群(?=名单|情况|统计|接龙)")


# A sentence without a number that asks a question or tells what was done (有优惠吗, 到了吗,
# 刚才私聊你了, 进群了) says nothing an ad does, unless it pitches one (想赚钱吗, 需要兼职吗, an
# offer's 有意者): a customer's question after their member number, in its message or in the
# next one, which bot/prefilter.py reads with it (review s41 r52 finding 6)
_CHAT = re.compile("[?吗呢谁哪]|请问|什么|怎么|多少|刚才|刚刚|已经"
                   "|(?<!就行)(?<!就好)(?<!可以)了(?!解)")
# (谁要, 哪位 and 什么都 offer the reader something, as no question does: 「谁需要私聊」,
# 「哪位宝妈需要加我」, 「什么都能做，私聊」: review s41 r59 finding 1)
_PITCHES = re.compile(f"{_ONLY_ADS.pattern}|兼职|微商|{_OFFERED.pattern}"
                      "|谁(?:需)?要|哪位|什么都|多少都")
# A sentence that asks to be reached is chat only where its question or deed is the ask's
# own: 已经, 刚才, 怎么 just before it (刚才私聊你, 请问怎么进群), a question or 了 just after
# it (方便私聊吗, 进群了, 加我进群的是谁). A 了 or a question elsewhere leaves the ask an
# ad's (「名额不多了，需要的私聊」: review s41 r59 finding 1)
_BEFORE_ITS_ASK = re.compile("(?:已经|刚才|刚刚|怎么|什么时候)[^,。!?;]{0,3}$")
# ...and a question of who or where anywhere before it in its sentence (谁拉我进群的, 还有谁没
# 进群, 请问在哪进群: review s41 r63 finding 2; 谁要 and 哪位 are pitches, read before), or
# a person after it whom the writer reaches (我私聊老师, 我再私信您: a class's role, as
# after 联系)
_WHO_BEFORE_ITS_ASK = re.compile("谁|哪|请问")
_WHOM_IT_REACHES = re.compile(f"您|客服|{_SURNAME}?(?:{_CLASS_ROLES})")  # (王老师 too)
# ...or a sentence that speaks to one holder of a class role at its start (老师，王老师好，
# 班主任：, 班主任老师，, @王老师 and a space: r75 finding 7) asks that person to reach
# the writer (私聊我, 加我), whom it is to answer: a parent's
# 「老师，孩子请假了，有事私聊我」 (r63 finding 2). Not to all who want (需要的私聊,
# 感兴趣私聊我), whom an ad asks whoever it speaks to, nor another channel (进群, 加V), nor
# to 家长, each parent in a class's group, as a tutoring ad speaks to them (家长，暑假班开课了).
# Only the few a parent speaks to (not 群主 学姐 学校 物业, whom an ad opens with: 「群主，打扰
# 了，私聊我」), only about the parent's child, and only for 有事 (「老师，暑假班开课了，私聊我
# 报名」 and 「…，有事私聊我」 are an ad's: review s42 r75 findings 2 and 4)
_ADDRESSED = re.compile(rf"\s*(?:@(?={_SURNAME}?老师))?"
                        rf"(?:(?:{_SURNAME})?老师|(?:班主任|辅导员|班长)(?:老师)?)"
                        rf"(?:您?好)?(?:[,:]|(?<=老师)\s)")
_WRITERS_REACH = re.compile("加我|私我|私聊|私信|私讯")  # (`_ASKED`'s, 我 after them aside)
_FOR_A_MATTER = "有事"
_A_CHILD = re.compile("孩子|小孩|宝宝|儿子|女儿")
_WHOEVER = re.compile("的|感兴趣|有意|想|需要")
# A business gives itself some class roles' titles too (理财老师, 团队组长, 考研学姐): an
# invitation to one (「招募宝妈，零基础，可以私聊老师」) may be the way to its writer, unless
# it names the holder (私聊李老师), while one to any other role is to someone else (`a_role_at`)
# (so are 学院 学校 办公室 家长 委员, and a title by name only as 李老师, not 王组长: review s42
# r75 finding 5), 我们 or 我们的 before it too (私聊我们班主任: finding 7)
_TITLES = "老师|组长|助教|学长|学姐|群主|管理员|学院|学校|办公室|家长|委"
_SOMEONE_ELSE = re.compile(f"(?:我们的?)?(?:{_SURNAME}老师|(?!{_TITLES})(?:{_CLASS_ROLES}))")


def a_role_at(said: str, at: int) -> bool:
    """A class's or a community's role that is not the writer's starts said[at] (simplified):
    an invitation right before it is the way to that person (bot/banned.py: 「家委会招募宝妈，
    无需经验，可以私聊班主任」, 「…私聊网格员」, 「…私聊李老师报名」: review s41 r63 finding 3)."""
    return _SOMEONE_ELSE.match(said, at) is not None


_AFTER_ITS_ASK = 4  # characters, no comma between (「私聊你了」, 「进群的是谁」)
_PIECE_END = re.compile("[,。!?;]")


def _chat(clause: str) -> bool:
    """The clause (in simplified characters) is a question or a deed done, no number, no
    pitch (above), and if it asks to be reached, of the ask's own."""
    if _CHAT.search(clause) is None or re.search("[0-9]", clause) or _PITCHES.search(clause):
        return False
    joined = _joined_up(clause)
    asks = list(_ASKED.finditer(joined))
    return not asks or any(_asks_own_chat(joined, ask) for ask in asks)


def _asks_own_chat(clause: str, ask: re.Match[str]) -> bool:
    """A question or a deed done is the ask's own (above)."""
    stop = _PIECE_END.search(clause, ask.end())  # its question mark is its own
    end = min(ask.end() + _AFTER_ITS_ASK, stop.end() if stop else len(clause))
    start = clause.rfind(",", 0, ask.start()) + 1  # (the ask's own sentence)
    return (_BEFORE_ITS_ASK.search(clause, 0, ask.start()) is not None
            or _WHO_BEFORE_ITS_ASK.search(clause, start, ask.start()) is not None
            or _WHOM_IT_REACHES.match(clause, ask.end()) is not None
            or _CHAT.search(clause, ask.end(), end) is not None
            or _addressed_ask(clause, ask))


def _addressed_ask(clause: str, ask: re.Match[str]) -> bool:
    """The clause speaks to one holder of a class role at its start, and its ask asks that
    person to reach the writer about their child if there is a matter (`_ADDRESSED`), and
    nobody who wants something anywhere after the address (「老师，名额不多了，有需要，私聊
    我」: review s42 r75 finding 3)."""
    addressed = _ADDRESSED.match(clause)
    return (addressed is not None and _WRITERS_REACH.fullmatch(ask[0]) is not None
            and clause.endswith(_FOR_A_MATTER, 0, ask.start())
            and _A_CHILD.search(clause, addressed.end(), ask.start()) is not None
            and _WHOEVER.search(clause, addressed.end(), ask.start()) is None)


class _Clauses:
    """Whether a roster's entry in a text as the markers read it (`marked`, unmasked) is an
    ad's: the entry's clause asks the reader to reach someone (`_ASKED`) or sells, read in
    simplified characters. In a message that calls itself a list (`_A_LIST`) that is the
    entry's own clause, or the list's title (its first clause) when it offers what only an
    ad offers (`_ONLY_ADS`), as an ad calls itself a list too (「兼职日结报名⏎张薇 20231234」:
    review s40 r47 finding 1), not anywhere in the message; an ask but one for questions
    (`_QUESTION_ASKS`: a roster's 「有问题私聊我」 on a line of its own, s41 h50a) is read over
    the whole message all the same. A roster's own selling words
    (「学费优惠名单」: h40b) are none (`_ROSTERS_OWN`). In any other message the whole message
    is one clause. A clause ends at 。 ! ? ; and at a line's end: the lines of the text as
    written (`written`), read one by one as the whole was, which unmask joins with a space
    (when it does not, as a look-alike read across lines may not, the line ends are not
    known). Each is read once a
    text, on first use (most texts hold no roster entry; a long roster many in one clause)."""

    def __init__(self, marked: str, written: str) -> None:
        self._text, self._written = marked, written
        # its clauses' ends; whether it offers (its title what only ads do, or an ask)
        self._read: tuple[list[int], bool] | None = None
        self._reaches: dict[int, bool] = {}  # by the clause's start

    def reach_out(self, start: int, end: int) -> bool:
        """The entry text[start:end] is an ad's (above)."""
        if self._read is None:
            lines = set(self._line_ends())
            ends = sorted({*lines, *(m.end() for m in _CLAUSE_END.finditer(self._text))})
            self._text = self._clauses_read(ends, lines)
            said = simplified(self._text)
            ends = ends if _A_LIST.search(said) else []
            self._read = (ends, self._offers(said, ends))
        ends, offers = self._read
        if offers:
            return True
        before = bisect.bisect_right(ends, start)
        after = bisect.bisect_left(ends, end)
        clause = (ends[before - 1] if before else 0,
                  ends[after] if after < len(ends) else len(self._text))
        return self._clause_reaches(clause)

    def _offers(self, said: str, ends: list[int]) -> bool:
        """The whole message (`said`) offers: an offer's ask (its pointers as written: 「联系
        我们 👇」), or in a list (its clauses' `ends`) any ask but one for questions, or a
        title that offers what only ads do."""
        if _OFFERED.search(said):
            return True
        if not ends:
            return False
        title = _ROSTERS_OWN.sub(" ", _joined_up(simplified(self._text[:ends[0]])))
        asks = _ASKED.search(_QUESTION_ASKS.sub(" ", _joined_up(said)))
        return bool(asks or _ONLY_ADS.search(title))

    def _clause_reaches(self, clause: tuple[int, int]) -> bool:
        """The clause asks to be reached or sells."""
        if clause[0] not in self._reaches:
            said = _joined_up(simplified(self._text[slice(*clause)]))
            self._reaches[clause[0]] = bool(
                _ASKED.search(said) or _sells(_ROSTERS_OWN.sub(" ", said)))
        return self._reaches[clause[0]]

    def _clauses_read(self, ends: list[int], lines: set[int]) -> str:
        """The text as its clauses are read: its questions and deeds done (`_chat`) blanked,
        a space for each character, and the space that joins two lines (which ends a line's
        clause) a line break, which no word split by spaces goes over (`_joined_up`)."""
        read = []
        for start, end in pairwise([0, *ends, len(self._text)]):
            clause = self._text[start:end]
            if _chat(simplified(clause)):
                clause = " " * len(clause)
            read.append(clause[:-1] + "\n" if end in lines else clause)
        return "".join(read)

    def _line_ends(self) -> Iterator[int]:
        if "\n" not in self._written:
            return
        lines = [_pictures_for_wei(unmasked) for line in self._written.splitlines()
                 if (unmasked := unmask(line))]
        if " ".join(lines) != self._text:
            return
        at = 0
        for line in lines[:-1]:
            at += len(line) + 1
            yield at


def _after_marker(text: str, match: re.Match[str] | None, clauses: _Clauses) -> Finding | None:
    """The contact detail after a marker, if what follows it is one."""
    if match is None:
        return None
    filler, ident = match["filler"], match["id"]
    if len(ident) < 5:  # none is shorter (5 digits, an id's 5 characters): "q群q群q…" costs little
        return None
    marker = re.sub(_SEP, "", match["marker"])
    start = match.start()
    latin = marker[0].isascii()
    if latin and start > 0 and text[start - 1].isascii() and text[start - 1].isalnum():
        return None  # "wow xbox", "faq": a latin marker must start a word
    bare = marker in ("v", "q")
    before = start - 2 if text[start - 1:start] == " " else start - 1  # one space at most
    plus = before >= 0 and text[before] in "+十"  # "十V", "⊕微" (unmask: "+微")
    if (bare or latin) and not filler and ident[0].isalpha():
        return None  # "vxabc" is a word, not a marker and an id
    added = plus or (before >= 0 and text[before] == "加")
    if bare and not filler and not (added and ident.isdigit()):
        return None  # "Q1", "v2": a bare letter must stand alone ("十V12345678", "加V1380...")
    family = "qq" if marker in _QQ_MARKERS else "wechat"
    if _JOINED.search(ident):
        ident = _joined(text, match.end(), filler, ident)
    if _SPELLED_ID_ALONE.fullmatch(ident):
        if bare:
            return None  # "RNG v s e d g 3 比 1": a score, not the marker V and an id
        ident = ident.replace(" ", "").replace("加", "")
    if _PRICE.fullmatch(ident) and re.search(_CHAT_GROUP, filler):
        return None  # "Q裙 158.00 包邮", "企鹅裙 129.00": a skirt and its price
    if (marker in _NAMES and (name := _a_name(text, start, marker, filler, ident)) is not None
            and not (added or re.search(r"[号號]|搜|[群裙]", filler))
            and not clauses.reach_out(name, match.end())):
        return None  # "伟信 20231234", "张薇：20231234": a roster's name and student number
    # (not a colon after "me": "wechat me: tonight" asks for a message, and names no id)
    announced = bool(re.search(r"[号號]|:|搜", filler)) and not bare and "me" not in filler
    weak = marker in _WEAK_MARKERS and not (announced or added)
    phone = next(_phones(ident), None)
    if phone:
        return Finding(family, phone)
    if (marker in _NOUN_MARKERS and not re.sub(_SEP, "", filler)
            and re.match(f"[0-9{_CHINESE_NUMERALS}]", ident)
            and _MEASURE_AFTER.match(text, match.end())):
        return None  # "企鹅 100000 只在南极": a count of penguins
    if marker == "xv" and weak and _CAR_PRICE.match(text, match.end()):
        return None  # "斯巴鲁XV 169800元 落地": a car and its price (review s38 r30 R30-2)
    digits = re.sub(f"{_SEP}|加", "", ident).translate(_AS_DIGITS)
    if "加" in ident and digits.isdigit() and _MEASURE_AFTER.match(text, match.end()):
        return None  # "微信群 200 加 300 人": a sum of counts
    if (digits.isdigit() and (6 if weak else 5) <= len(digits) <= 11 and digits[0] != "0"
            and re.search(f"[0-9{_CHINESE_NUMERALS}]", ident)):
        return Finding(family, digits)  # a QQ number, or a WeChat id of digits
    if _JOINED.search(ident):  # "abc 加 123", "abc➕一 二 三": one id, abc123
        ident = re.sub(f"{_SEP}|加", "", ident)
    wid = _WECHAT_ID.match(ident.translate(_CHINESE_AS_DIGITS))
    if family == "wechat" and wid and not weak and (
            any(c.isdigit() for c in wid.group()) or announced or plus):
        return Finding("wechat", wid.group())
    return None


# --- e-mail and links ----------------------------------------------------------------------

_GENERIC_TLDS = (
    "com net org edu gov mil int info biz name pro mobi asia xyz top vip club site online "
    "shop store app dev tech live fun icu cloud link work ltd group life world today space "
    "website wang ren xin cyou buzz art blog news email page love win bid loan men party "
    "click host press run ink red kim zone team plus city center global example ly"
)
_COUNTRY_TLDS = (
    "ac ad ae af ag ai al am ao aq ar as at au aw ax az ba bb bd be bf bg bh bi bj bm bn bo "
    "bq br bs bt bw by bz ca cc cd cf cg ch ci ck cl cm cn co cr cu cv cw cx cy cz de dj dk "
    "dm do dz ec ee eg er es et eu fi fj fk fm fo fr ga gb gd ge gf gg gh gi gl gm gn gp gq "
    "gr gs gt gu gw gy hk hm hn hr ht hu id ie il im in io iq ir is it je jm jo jp ke kg kh "
    "ki km kn kp kr kw ky kz la lb lc li lk lr ls lt lu lv ly ma mc md me mg mh mk ml mm mn "
    "mo mp mq mr ms mt mu mv mw mx my mz na nc ne nf ng ni nl no np nr nu nz om pa pe pf pg "
    "ph pk pl pm pn pr ps pt pw py qa re ro rs ru rw sa sb sc sd se sg sh si sk sl sm sn so "
    "sr ss st su sv sx sy sz tc td tf tg th tj tk tl tm tn to tr tt tv tw tz ua ug uk us uy "
    "uz va vc ve vg vi vn vu wf ws ye yt za zm zw"
)
TLDS = frozenset((_GENERIC_TLDS + " " + _COUNTRY_TLDS).split())
# Top-level domains a bare name counts with by itself ("abc.com", "t.cn", "bit.ly"); with
# the others it needs a path, a port, "www." or a scheme, as they are also names and file
# endings ("Dr.Wang", "mr.li", "main.py" are not links; "main.py/x" is).
_STRONG_TLDS = frozenset((
    "com", "net", "org", "info", "biz", "mobi", "asia", "xyz", "top", "vip", "club", "site",
    "online", "shop", "store", "app", "tech", "live", "fun", "icu", "cloud", "link", "work",
    "ltd", "group", "life", "world", "space", "website", "cyou", "buzz", "blog", "news", "email",
    "page", "love", "win", "bid", "loan", "party", "click", "host", "press", "run", "ink", "kim",
    "zone", "team", "plus", "city", "center", "global", "example", "cn", "hk", "tw", "mo", "cc",
    "co", "io", "me", "ly", "gl", "gd", "im", "la", "ws", "to", "tk", "ml", "ga", "cf", "gq",
    "pw", "su", "ru", "jp", "kr", "us", "uk"
))
HAN_TLDS = ("中国", "中國", "公司", "网络", "网址", "在线", "商城", "集团", "我爱你",
            "中文网", "网店")
# TLDs a dot written with spaces around it may come before ("abc . com")
_SPACED_TLDS = "com|net|org|cn|xyz|vip|cc|io|top|me"
# Dots and at signs written out. Each pattern starts with a fixed character, so that the
# scan skips ahead in C; what must stand around a match is checked on the few matches.
# Brackets a dot or an at sign may be spelt in: the ASCII ones (NFKC makes （［｛ ASCII)
# and the CJK ones NFKC leaves as they are: abc(dot)com, abc【点】com, abc「.」com
OPENING_BRACKETS = "([{<【「『〔《〈〖"
CLOSING_BRACKETS = ")]}>】」』〕》〉〗"
_BRACKETED = re.compile(rf"[{re.escape(OPENING_BRACKETS)}]\s*(dot|点|點|\.|at|@|艾特)\s*"
                        rf"[{re.escape(CLOSING_BRACKETS)}]")
# abc点com (also the traditional 點), abc。com
# (each only between Latin letters or digits, a space apart at most, as `_between_alnum`
# says: told by lookarounds, so that a text of many costs no Python call for each)
_ALNUM_BEFORE, _ALNUM_AFTER = "(?:(?<=[a-z0-9])|(?<=[a-z0-9] ))", "(?= ?[a-z0-9])"
_WRITTEN_DOT = re.compile(f"{_ALNUM_BEFORE}[点點。]{_ALNUM_AFTER}")
# abc·com: the middle dots, bullets and small circles (abc●com, abc◦com; unmask makes the
# radical 丶 a middle dot). Chat writes them between words and numbers as often as spammers
# between a name and a domain ending ("Love丶Me", "Apple●Store", "10·11·12·13 号"), so a
# name with one makes a link only with more to go on (`_hosts`). Each is read as `_MARK`,
# a dot the link finder tells from one written as a dot.
_MARK_DOT = re.compile(
    f"{_ALNUM_BEFORE}[\u00b7\u30fb\u2022\u2027\u2219\u22c5●⚫◦∘⚬⦁⸱]{_ALNUM_AFTER}")
_MARK = "\u2024"  # ONE DOT LEADER: NFKC makes it ".", so no unmasked text holds one
# abc,com: a comma (or 、) between a name and a common top-level domain
_COMMA_DOT = re.compile(r"(?<=[a-z0-9])[,、](?=(?:com|net|org|cn|top|xyz|vip)(?![a-z0-9]))")
_SPACED_DOT = re.compile(rf"\s+(?:dot\s+|[.{_MARK}]\s*)(?=(?:{_SPACED_TLDS})(?![a-z0-9]))"
                         rf"|[.{_MARK}]\s+(?=(?:{_SPACED_TLDS})(?![a-z0-9]))")  # abc . com
_WORD_AT = re.compile(r"at(?![a-z])|艾特")  # name at qq dot com, name艾特qq
_ALNUM = re.compile(r"[a-z0-9]")


def _between_alnum(text: str, start: int, end: int) -> bool:
    """A Latin letter or digit either side, a space apart at most (the text is normalized:
    one space at most), looked up in place so that many dots stay linear."""
    before = start - 2 if text[start - 1:start] == " " else start - 1
    after = end + 1 if text[end:end + 1] == " " else end
    return (before >= 0 and after < len(text) and bool(_ALNUM.match(text[before]))
            and bool(_ALNUM.match(text[after])))


@lru_cache(maxsize=8)
def _spell_dots(text: str) -> str:
    """The text with dots written out as dots: 点 。 between Latin letters or digits (· and
    the other marks as `_MARK`),
    (dot) [.] 「.」 in any of the brackets, and 点 in one between Latin letters or digits
    ({点} 【点】), and " dot ", a spaced "." or a comma before a common top-level domain."""
    def bracketed(m: re.Match[str]) -> str:
        if m[1] in ("点", "點"):  # also a word: 进APP「点」在线客服, 重【点】公司年会 are no links
            return "." if _between_alnum(text, m.start(), m.end()) else m.group()
        return "." if m[1] in ("dot", ".") else m.group()

    if _BRACKETED.search(text):
        text = _BRACKETED.sub(bracketed, text)
    text = _MARK_DOT.sub(_MARK, _WRITTEN_DOT.sub(".", text))
    if "," in text or "、" in text:
        text = _COMMA_DOT.sub(".", text)
    return _SPACED_DOT.sub(lambda m: (_MARK if _MARK in m.group() else ".") if m.start() and
                           _ALNUM.match(text[m.start() - 1]) else m.group(), text)


def _spell_ats(text: str) -> str:
    """An e-mail address's "@" written out: (at) [at], " at " or 艾特 between Latin
    letters or digits; spaces around the dots and "@" dropped."""
    if not ("at" in text or "艾特" in text or "@" in text):
        return text
    text = _BRACKETED.sub(lambda m: "@" if m[1] in ("at", "@", "艾特") else m.group(), text)
    text = _WORD_AT.sub(lambda m: "@" if (m[0] == "艾特" or not text[m.start() - 1:m.start()]
                                          .isalpha()) and _between_alnum(text, m.start(), m.end())
                        else m.group(), text)
    return re.sub(r"\s*([@.])\s*(?=[a-z0-9])", r"\1", text) if "@" in text else text


_EMAIL = re.compile(r"(?<![a-z0-9._%+-])[a-z0-9][a-z0-9._%+-]*@(?:[a-z0-9-]+\.)+[a-z]{2,}"
                    r"(?![a-z0-9-])")
_LABEL_CHARS = rf"a-z0-9_\-{_HAN}"
# A dotted name, or any name right after a scheme; only at the start of a run of name
# characters, so that a long run is read once.
_LABEL = rf"[{_LABEL_CHARS}]++"
_HOST = re.compile(rf"(?<![{_LABEL_CHARS}])(?:(?<=://){_LABEL}(?:[.{_MARK}]{_LABEL})*"
                   rf"|{_LABEL}(?:[.{_MARK}]{_LABEL})+)")
_SCHEME = re.compile(r"[a-z][a-z0-9+.-]{0,15}://")
# After a scheme, a host of other characters (emoji: "https://🍑.ws/x"), which `_HOST` does not
# read: dotted labels of anything but spaces and punctuation ("https://..." is none)
_OTHER_LABEL = r"[^\s!-/:-@\[-`{-~\u3000-\u303f\uff00-\uffef]+"
_OTHER_HOST = re.compile(rf"{_OTHER_LABEL}(?:\.{_OTHER_LABEL})+")
_LABEL_START = re.compile(f"[{_LABEL_CHARS}]")


def _emails(text: str) -> Iterator[str]:
    yield from (m.group() for m in _EMAIL.finditer(text))
    spelled = _spell_ats(_spell_dots(text).replace(_MARK, "."))
    if spelled == text:
        return
    for match in _EMAIL.finditer(spelled):
        if match.group().rsplit(".", 1)[1] in TLDS:
            yield match.group()


# A Chinese word, then ".com" and only sentence-final particles: chat, not a domain
_SENTENCE_END = re.compile(r"[a-z]+[了吗呢吧啊嘛呀么哦哈啦]+")
_ALL_HAN = re.compile(f"[{_HAN}]+")


def _domain(labels: list[str]) -> list[str] | None:
    """The labels of a domain, Chinese around it trimmed; None if it is not one."""
    if len(labels) < 2 or not all(labels):
        return None
    first, last = labels[0], labels[-1]
    if _SENTENCE_END.fullmatch(last) and all(_ALL_HAN.fullmatch(label) for label in labels[:-1]):
        return None  # 结果.com了吗: a word and ".com" said as a word, ending a sentence
    if not last.isascii():
        head = re.match(r"[a-z0-9-]+", last)
        tld = head.group() if head else next((t for t in HAN_TLDS if last.startswith(t)), "")
        if not tld:
            return None
        last = tld
    if not first.isascii() and re.search(r"[a-z0-9]$", first):
        first = re.sub(rf"^[{_HAN}]+", "", first)
    return [first, *labels[1:-1], last]


# A name with marks for its dots (`_MARK_DOT`) is a link only before a domain ending that is
# no word or name (`_MARKED_TLDS`), or with a name of letters and digits (abc123●top), a
# path or a port, "www." or a scheme. A zero for a domain ending's o (abc123.c0m) counts only
# with the same context ("这款叫 Mi.C0M 吗", "3.c0m" are typos).
_MARKED_TLDS = frozenset(("com", "cn", "org", "xyz"))
_NAME_WITH_DIGITS = re.compile("[a-z][a-z0-9-]*[0-9]|[0-9][a-z0-9-]*[a-z]")
# Top-level domains that are also English words or a library's ending, which a word and a
# dot before them in chat name a library or a program's attribute far more often than a
# site ("Socket.io", "hello.world", "asyncio.run", "user.email"): a name of letters alone
# before one is a link only with a path or a port, "www." or a scheme ("evil.io/x"), or
# with a digit in it (abc123.io). The endings of ads' bare names (com cn net top vip xyz
# app shop ...) are none of them.
_WORD_TLDS = frozenset(("io", "world", "run", "page", "group", "team", "host", "press", "zone",
                        "city", "center", "plus", "global", "space", "website", "news", "email",
                        "blog", "ink"))
_LETTERS = re.compile("[a-z]+")
# the .NET frameworks ASP.NET, ADO.NET and VB.NET, whose names are written as domains
_DOTNET = ("asp", "ado", "vb")
# A member's name of words with a dot is a nickname far more often than a site: 「vivi.love」,
# 「Amy.Life」, 「Leo.Me」, 「Mia.Top」, 「Tina.Cn」, 「lily.zhang.cn」 (review r5 R5-8). In a name
# (`links_in(..., name=True)`) a dotted name is a site only with one of these, which no
# nickname ends in ("xx.com 加V", "abc.com.cn"), or with digits in its name (abc123.top), a
# path or a port, "www." or a scheme, as for the marks above.
_NAME_TLDS = frozenset(("com", "net", "org", "xyz"))


def _hosts(text: str, written: str, name: bool = False) -> Iterator[tuple[str, str]]:
    """(family, host) for each link or IP address in an unmasked text whose dots are spelled
    out (`_spell_dots`), `written` the same before that; in a member's name if `name`
    (`_NAME_TLDS`)."""
    schemes = {m.end(): m.group() for m in _SCHEME.finditer(text)}
    for end, scheme in schemes.items():
        other = None if _LABEL_START.match(text, end) else _OTHER_HOST.match(text, end)
        if other:
            yield "link", scheme + other.group()
    previous: tuple[int, bool] = (-1, False)  # end and "is a domain" of the last token
    for match in _HOST.finditer(text):
        start = match.start()
        marked = _MARK in match.group()  # abc·com, abc丶com
        host = match.group().replace(_MARK, ".").rstrip(".")
        labels = _domain(host.split("."))
        more = text[match.end():match.end() + 1] in (":", "/")
        after_scheme = start in schemes
        after_domain = start > 0 and text[start - 1] == "@" and previous == (start - 1, True)
        # after "name@": the domain of an e-mail address, not a link of its own
        after_at = start > 1 and text[start - 1] == "@" and bool(
            re.match(r"[a-z0-9._%+-]", text[start - 2]))
        is_domain = False
        if labels is not None:
            if len(labels) == 4 and all(label.isdigit() and int(label) < 256 for label in labels):
                # "10丶11丶12丶13 号" lists days: with marks, an address needs a path or a port
                if after_scheme or more or (not marked and any(len(label) > 1
                                                               for label in labels)):
                    yield "ip", host
                previous = (match.end(), False)
                continue
            context = after_scheme or more or labels[0] == "www"
            named = any(_NAME_WITH_DIGITS.search(label) for label in labels[:-1])
            tld = labels[-1]
            if "0" in tld and len(tld) > 2 and tld.replace("0", "o") in _STRONG_TLDS and (
                    context or named):  # abc123.c0m, evil.t0p/x: a zero for the letter o
                tld = labels[-1] = tld.replace("0", "o")
            dotnet = tld == "net" and len(labels) == 2 and (
                _ALL_HAN.fullmatch(labels[0]) or labels[0] in _DOTNET)
            is_domain = ((tld in _STRONG_TLDS and not dotnet) or tld in HAN_TLDS
                         or labels[0] == "www" or after_scheme or (tld in TLDS and more))
            if marked and not (context or named or tld in _MARKED_TLDS):
                is_domain = False  # "Love丶Me", "Apple●Store", "Java ● Net": words
            elif (tld in _WORD_TLDS and len(labels) == 2 and not context
                  and _LETTERS.fullmatch(labels[0]) and f"{labels[0]}.{tld}" in written):
                # "Socket.io", "hello.world": a name and a word, with the dot a dot (one
                # written out, evil点io, evil[.]io, is the disguise: review s37 r25 R25-2)
                is_domain = False
            elif name and not (context or named or _NAME_TLDS.intersection(labels[1:])):
                is_domain = False  # "vivi.love", "Tina.Cn": a nickname
        if after_scheme and labels is None:
            yield "link", schemes[start] + host
        elif is_domain and labels is not None and (not after_at or after_scheme
                                                   or after_domain):
            yield "link", ".".join(labels)
        previous = (match.end(), is_domain)


def _allowed(host: str, allow: Collection[str]) -> bool:
    return any(host == domain or host.endswith("." + domain) for domain in allow)


# Public mailbox providers' domains: anyone can have an address at these (and their
# subdomains), so an address there is nobody's own but its holder's
PUBLIC_MAILBOXES = frozenset((
    "qq.com", "vip.qq.com", "foxmail.com", "163.com", "vip.163.com", "126.com", "vip.126.com",
    "yeah.net", "188.com", "netease.com", "vip.sina.com",
    "sina.com", "sina.cn", "sohu.com", "139.com", "189.cn", "wo.cn", "aliyun.com", "tom.com",
    "21cn.com", "263.net", "2980.com", "sogou.com", "gmail.com", "googlemail.com",
    "outlook.com", "hotmail.com", "live.com", "msn.com", "yahoo.com", "icloud.com", "me.com",
    "mac.com", "aol.com", "proton.me", "protonmail.com", "mail.com", "gmx.com", "yandex.com",
    "yandex.ru", "mail.ru", "zoho.com",
))


def public_mailboxes(domain: str) -> list[str]:
    """The public mailbox domains (`PUBLIC_MAILBOXES`) that `domain` is or holds, sorted:
    allowing it for links would allow their addresses, were it not for `own_address`."""
    return sorted(provider for provider in PUBLIC_MAILBOXES if _allowed(provider, (domain,)))


def own_address(address: str, allow: Collection[str]) -> bool:
    """An e-mail address at one of the allowed link domains or their subdomains, the
    operator's own: not at a public mailbox domain, where anyone has one (links.allow
    [qq.com] allows links to QQ's pages, not every QQ mail address)."""
    host = address.rpartition("@")[2]
    return _allowed(host, allow) and not _allowed(host, PUBLIC_MAILBOXES)


def find_links(text: str, allow: Collection[str] = ()) -> list[Finding]:
    """Links and IP addresses in a message, except to the allowed domains and their
    subdomains (`allow` holds lower-case domains)."""
    return links_in(unmask(text), allow)


# A Taobao 口令 ("复制这段话￥AbCd1234￥打开淘宝"): a shop link without a URL, 8 to 14 letters
# and digits (both) between two currency signs (NFKC makes ￥ ¥)
_SHOP_CODE = re.compile(r"[¥$€£₳](?=[a-z0-9]*[a-z])(?=[a-z0-9]*[0-9])([a-z0-9]{8,14})[¥$€£₳]")


# A mini program named for members to look up, with an offer tied to its name, is an ad
# for it as a link is ("搜索小程序「美味优选」领券", "打开微信小程序搜 省钱宝 天天领红包"). Named:
# in brackets next to 小程序 (noise between its characters, or "xcx"), after a colon next to
# it, after 搜 (搜索, 搜一搜) next to it and a space or a colon (or as the clause's rest), or
# right before it from the start of a clause ("打开省钱宝小程序领券"). The offer (`_OFFER`;
# 领劵, 领 券, 領紅包 too) comes right after the name or 小程序 ("「美味优选」小程序，秒杀"),
# across separators, 里, and up to two words that urge (`_URGE`: 每天, 新人, 下单, 都能...:
# "小程序「省钱宝」，每天都能领券"). An offer further on is not read: it is as often the
# reward of what the mini program is used for ("会议签到用小程序「签到宝」，现场可以领红包"),
# and an innocent member warned is worse than an ad missed (docs/handlers/antispam.md).
# A name of letters and digits after 搜 ("小程序搜 abc123") needs none, as an id needs none.
# A message that asks or complains (`_ASKS`) is a customer's, not an ad ("小程序「京东」秒杀
# 怎么总是抢不到", "请问小程序“顺丰速运”能领优惠券吗"); talk about mini programs names none
# ("这个小程序怎么用"), a name without an offer is help ("微信搜小程序「腾讯会议」，输入会议号"),
# and the operator's own are in links `allow` (`own_mini_program`: their cards too).
MINI_PROGRAM_KEY = "序"  # every such ad has it written out (bot/prefilter.py)
_MINI = f"(?:小{_INSIDE}*程{_INSIDE}*序|xcx)"
_SEARCH = "搜(?:索|一搜)?"
_QUOTES = "“”‘’\"'"
_BRACKETS = re.escape(OPENING_BRACKETS + CLOSING_BRACKETS + _QUOTES)
_IN_BRACKETS = (f"[{re.escape(OPENING_BRACKETS + _QUOTES)}] ?(?P<name>[^{_BRACKETS}]{{1,20}}?)"
                f" ?[{re.escape(CLOSING_BRACKETS + _QUOTES)}]")
# a name after a space or a colon (it may run on into the offer), or the clause's rest
_NAME = (rf"(?:{_SEP}*{_IN_BRACKETS}|(?:[ :]+|(?=[a-z0-9{_HAN}]{{2,12}}(?![a-z0-9{_HAN}])))"
         rf"(?P<word>[a-z0-9{_HAN}]{{2,12}}))")
_MINI_PROGRAMS = (
    rf"{_SEARCH}(?:{_SEP}|微信|一下)*{_MINI}{_NAME}",  # 搜索小程序「美味优选」
    rf"{_MINI}(?:{_SEP}|里|中|内|上)*{_SEARCH}{_NAME}",  # 小程序里搜 省钱宝
    rf"{_MINI}{_SEP}*{_IN_BRACKETS}",  # 小程序「美味优选」
    rf"{_IN_BRACKETS}{_SEP}*(?:微信)?{_MINI}",  # 「美味优选」小程序
    rf"{_MINI} ?: ?(?P<word>[a-z0-9{_HAN}]{{2,12}})",  # 小程序：省钱宝
    # 省钱宝小程序, 打开省钱宝小程序: a name before it, from the start of a clause (not
    # where one in brackets follows: 薇信小程序「赚钱多多」 is that one)
    rf"(?:^|{_SEP})(?P<before>[a-z0-9{_HAN}]{{2,16}}?) ?{_MINI}"
    rf"(?!{_SEP}*[{re.escape(OPENING_BRACKETS + _QUOTES)}])",
)
_SEARCHED = 2  # the first two patterns name it after 搜
# Before 小程序, what leads to the name (打开, 用, 搜...) is no part of it, and a clause
# that says whose or which one, or tells a story (公司的打卡小程序, 这个小程序, 我用美团小程序,
# 昨天在美团小程序领券) names none
_LEAD = re.compile("^(?:大家|快来|快|来|请|打开|点开|进入|进|用|上|去|到|在|关注|搜索|搜一搜|搜"
                   "|[微薇威]信|vx|wx)+")
_WHOSE = re.compile("[的我你他她它这那哪个款了们昨刚]")
_OFFER = ("[领領](?:取)? ?(?:[券劵]|[红紅]包|优惠|福利|现金)|抢红包|免费领|免费拿|返利|返现"
          "|返[0-9]|佣金|[日躺]赚|赚钱|免单|[0零]元购|砍一刀|秒杀|优惠[券劵]|特价|低价|折扣|抽奖")
_URGE = ("每天|天天|每日|新人|新用户|下单|每单|立即|马上|立刻|赶紧|赶快|快|点击|即可|就能|就可以"
         "|可以|都能|都可以|还能|还可以|均可|免费|直接")
_OFFER_AFTER = re.compile(
    rf"[^a-z0-9{_HAN}]*[里中内]?(?:(?:{_URGE})[^a-z0-9{_HAN}]*){{0,2}}(?:{_OFFER})")
_OFFER_IN = re.compile(_OFFER)
_ASKS = re.compile("[?吗呢]|请问|怎么|怎样|为什么|为啥|什么|哪|是不是|能不能|有没有|靠谱|骗"
                   "|不了|不到|不去|不开|没")
_CODE = re.compile("(?=[a-z]*[0-9])(?=[0-9]*[a-z])[a-z0-9]{4,20}")


def _own(name: str, bare: bool, allow: Collection[str]) -> bool:
    """The operator's own mini program: its very name, or (not in brackets, where the name
    runs on) its name and then the offer ("倾听学院领券"); not "倾听学院返利版"."""
    return any(name == own or (bare and name.startswith(own)
                               and _OFFER_IN.match(name, len(own)) is not None)
               for own in allow)


_APPID_ENTRY = re.compile("wx[0-9a-f]{16}")
# A card's XML is a few kilobytes; a longer text is not read as one (nor is one with a DTD,
# whose entities could make a short text cost much to parse): it is another's card.
CARD_LIMIT = 65_536


def _card(text: str) -> ElementTree.Element | None:
    """The card's XML (a <msg> document, as WeChat sends it), or None when its text is none
    (a gateway that passes only the title)."""
    try:
        card = ElementTree.fromstring(text.strip())
    except ElementTree.ParseError:
        return None
    return card if card.tag == "msg" else None


def _element_texts(card: ElementTree.Element, tag: str) -> list[str]:
    """The text of each element `tag` in the card (any case), CDATA as any text."""
    return [normalize("".join(element.itertext())) for element in card.iter()
            if element.tag.lower() == tag]


def own_mini_program(text: str, allow: Collection[str]) -> bool:
    """A mini program card is one of the operator's own, named in links `allow` by an entry
    that is no domain: an appid (wx and 16 hex digits) or a name. `text` is the card's text
    as the gateway passes it: its XML, read as XML (only its <appid> elements give an
    appid, only its <title> elements a title), or, when it is no <msg> document, the title
    alone. Own: every appid in the card is an allowed one; with none, its title (every one)
    is an allowed name exactly ("倾听学院", not "倾听学院 返利版", nor an allowed appid
    written as a title)."""
    entries = {entry for entry in allow if "." not in entry}
    appids = {entry for entry in entries if _APPID_ENTRY.fullmatch(entry)}
    names = entries - appids
    if len(text) > CARD_LIMIT or "<!DOCTYPE" in text:
        return False
    card = _card(text)
    if card is None:
        return normalize(text) in names
    found = [appid for appid in _element_texts(card, "appid") if appid]
    if found:
        return all(appid in appids for appid in found)
    titles = _element_texts(card, "title")
    return bool(titles) and all(title in names for title in titles)


@cache
def _mini_program_patterns() -> tuple[re.Pattern[str], ...]:
    """_MINI_PROGRAMS compiled, on first use (see _markers)."""
    return tuple(re.compile(pattern) for pattern in _MINI_PROGRAMS)


def warm() -> None:
    """Compile the patterns compiled on first use: a bot does as it starts (bot/banned.py),
    so that no message waits for them."""
    _markers()
    _name_patterns()
    _mini_program_patterns()


def _mini_programs(unmasked: str, allow: Collection[str]) -> Iterator[str]:
    """The names of the mini programs a message advertises (above)."""
    if _ASKS.search(unmasked):
        return
    for index, pattern in enumerate(_mini_program_patterns()):
        for match in pattern.finditer(unmasked):
            bare = bool(match.groupdict().get("word"))
            name = next(group for group in match.groups() if group)  # in brackets or not
            if match.groupdict().get("before"):  # 打开省钱宝小程序
                if _WHOSE.search(name) or any(name.endswith(own) for own in allow):
                    continue
                name = _LEAD.sub("", name)
                if len(name) < 2:
                    continue  # 微信小程序, 打开小程序: no name
            elif _own(name, bare, allow):
                continue
            # not in brackets, the name may run on into the offer ("省钱宝领红包"); a name that
            # is an offer ("小程序搜 优惠券") is a search for it
            offer = (_OFFER_AFTER.match(unmasked, match.end()) is not None
                     or (bare and _OFFER_IN.search(name, 1) is not None))
            if offer or (index < _SEARCHED and _CODE.fullmatch(name)):
                yield name


def links_in(unmasked: str, allow: Collection[str] = (), name: bool = False) -> list[Finding]:
    """find_links on a text already unmasked; on a member's name if `name` (`_NAME_TLDS`)."""
    spelled = _spell_dots(unmasked)
    found = [Finding(family, host) for family, host in _hosts(spelled, unmasked, name)
             if family == "ip" or not _allowed(host, allow)]
    found += [Finding("link", f"淘口令:{code}") for code in _SHOP_CODE.findall(unmasked)]
    if MINI_PROGRAM_KEY in unmasked or "xcx" in unmasked:
        found += [Finding("link", f"小程序:{name}") for name in _mini_programs(unmasked, allow)]
    return list(dict.fromkeys(found))


def find_contacts(text: str) -> list[Finding]:
    """Phone numbers, WeChat ids, QQ numbers and e-mail addresses, each listed once."""
    return contacts_in(unmask(text), text)


def contacts_in(unmasked: str, written: str = "") -> list[Finding]:
    """find_contacts on a text already unmasked; `written`, the text as written, when it is
    known: a roster's entry is read in its own line (`_Clauses`)."""
    return list(_contacts_in(unmasked, written if "\n" in written else ""))  # one line: as one


# "加我：abc888", "+我(abc888)", "V我好友 abc888": add me, and no marker at all, only an id of
# WeChat's shape (6 to 20 letters, digits, _ and -, a letter first) with a digit in it, which
# a colon, a bracket or 好友 announces, or 备注 follows ("加我 abc888 备注来意"), or after a
# plus sign for 加 ("+我 abc888"); a space or an emoji may split 加我 ("加❤我：abc888"). An id
# after a space alone is as often a product or a name: 团购 and 接龙 add one more for me
# ("再加我 ipad10 一台", "和平精英加我 sniper99"). Not "加我一个" or "v我50" (no such id), nor a
# name before 的 ("订单里加我：iphone15 的壳"), nor 我 after a word with 加 ("加油，我：iphone15":
# only a space or an emoji may stand between 加 and 我).
_NOISE = rf"[^\x00-\x7f\u2000-\u206f\u3000-\u303f\uff00-\uffef{_HAN}]"  # emoji, symbols
_ADD_ME = re.compile(rf"(?P<add>加|\+|(?<![a-z0-9])v)(?: |{_NOISE}){{0,3}}我"
                     rf"(?P<how>(?:[ :]|好友|{_NOISE}|[{re.escape(OPENING_BRACKETS)}])*+)"
                     r"(?P<id>[a-z][a-z0-9_-]{5,19})(?![a-z0-9_-]| ?的)")
_ANNOUNCED = re.compile(rf":|好友|[{re.escape(OPENING_BRACKETS)}]")
_NOTE_AFTER = re.compile(" ?备注")


def _added_me(text: str) -> Iterator[Finding]:
    for match in _ADD_ME.finditer(text):
        if any(c.isdigit() for c in match["id"]) and (
                match["add"] == "+" or _ANNOUNCED.search(match["how"])
                or _NOTE_AFTER.match(text, match.end())):
            yield Finding("wechat", match["id"])


# An id of WeChat's shape with a digit in it written before its marker, spaces, emoji or an
# arrow between them: the marker in brackets ("有意者加 abc12345（微信）", "abc12345(V)"), after
# 是我的 ("abc12345 是我的V", "abc12345是我微信号"), after 加 ("🌸 abc12345 🌸 加V详聊"), or a
# Chinese one ending a clause ("兼职日结，abc12345 薇", "abc12345 ← 微信"). Not a marker that is
# the start of a word (微信名 微信群 微信支付 微博 vip: "lily2024 是我的微信名", "订单 abc12345
# （微信支付）", "abc12345 加微博"), nor a Latin one ending a clause ("I use iphone15 wechat").
_CHINESE_AFTER_ID = "微信|薇信|威信|维信|維信|v信|绿泡泡|綠泡泡"
_AFTER_ID = f"{_CHINESE_AFTER_ID}|vx|wx|weixin|wechat"
_ID_BEFORE_MARKER = re.compile(
    r"(?<![a-z0-9_-])(?P<id>[a-z](?=[a-z_-]*[0-9])[a-z0-9_-]{5,19})(?![a-z0-9_-])"
    rf"(?: |{_NOISE})*"
    rf"(?:[{re.escape(OPENING_BRACKETS)}] ?(?:{_AFTER_ID}|微|薇|v)[号號]? ?"
    rf"[{re.escape(CLOSING_BRACKETS)}]"
    rf"|就?是我的? ?(?:{_AFTER_ID}|微|薇|v)(?:[号號]|(?![a-z0-9{_HAN}]))"
    rf"|加我? ?(?:{_AFTER_ID}|v)(?![a-z0-9_群])"
    rf"|(?:{_CHINESE_AFTER_ID}|微|薇)(?=[,.!;。]|$))")


def _ids_before_markers(text: str) -> Iterator[Finding]:
    return (Finding("wechat", match["id"]) for match in _ID_BEFORE_MARKER.finditer(text))


# 加群 with 群 in pinyin, and a number: a QQ group's ("加qun 123456789", "+qun：12345678";
# review s36 r14). Not qun alone nor a word starting so (qunar, 去哪儿), nor a count ("加qun
# 50000 人了"), and 加群 itself is left to the markers ("Q群 12345678"): "加群 200 人" is chat.
_ADD_QUN = re.compile(
    r"[加+] ?qun(?:[号號]|hao)?(?![a-z])[ :]*(?P<number>[1-9][0-9]{4,10})(?![0-9])")


def _added_groups(text: str) -> Iterator[Finding]:
    return (Finding("qq", match["number"]) for match in _ADD_QUN.finditer(text)
            if not _MEASURE_AFTER.match(text, match.end()))


# Every marker and every spelled-out marker starts with one of these (wxid_ too).
MARKER_STARTS = "".join(sorted({m[0] for m in (*_WECHAT_MARKERS, *_QQ_MARKERS)}))
NUMERALS = _CHINESE_NUMERALS  # what counts as a digit of a phone number, besides 0-9 o l i
_MARKER_START = re.compile(f"[{MARKER_STARTS}]")


# A pictograph in place of 微 before 信 ("❤信 abc888", "🌸信：abc888"; "❤️信" once unmasked):
# the marker 微信 (one between 微 and 信 is one inside a marker: "微❤信")
_PICTURE_FOR_WEI = re.compile("[\u2190-\u2bff\U0001F000-\U0001FAFF]+信")


def _pictures_for_wei(unmasked: str) -> str:
    return _PICTURE_FOR_WEI.sub("微信", unmasked) if "信" in unmasked else unmasked


@lru_cache(maxsize=1024)  # the split-contact detector reads a member's last messages again
def _contacts_in(unmasked: str, written: str) -> tuple[Finding, ...]:
    found = [Finding("phone", number) for number in _phones(unmasked)]
    marked = _pictures_for_wei(unmasked)
    if _MARKER_START.search(marked):  # no marker can start anywhere else
        found += _marked(marked, _Clauses(marked, written))
        found += _ids_before_markers(marked)
        if "qun" in marked:
            found += _added_groups(marked)
    if "我" in unmasked:
        found += _added_me(unmasked)
    if "@" in unmasked or "at" in unmasked or "艾特" in unmasked:  # what _spell_ats reads
        found += [Finding("email", address) for address in _emails(unmasked)]
    return tuple(dict.fromkeys(found))


# --- other platforms' ids -------------------------------------------------------------------

# An id on another platform, a family of its own (`platform`) that `contacts_in` does not
# find: only an operator who looks for it asks `platform_ids_in`. Telegram (TG, telegram, 电报,
# and 飞机 纸飞机 in spam slang), Douyin (抖音), Xiaohongshu (小红书), DingTalk (钉钉) and LINE.
# An id is announced by 号, id or 搜 after the marker, 加 or 搜 before it ("加飞机 abc12345",
# "抖音号：abc12345", "Line ID: abc123"), or for Telegram by @ ("飞机：@abc12345"). Telegram's
# names start with a letter; after TG, telegram or 电报 one with a digit needs no announcement
# ("TG：abc12345", "TG abc12345"), after 飞机 every one does ("坐飞机：CA1380" is a flight).
# Douyin's and Xiaohongshu's ids are names (a letter first, 5 characters or more) or numbers
# of 6 digits or more, announced ("小红书 abc12345" is as often a search for a post); LINE's
# need id, 号 or 加 ("line 1234", "line: abc" are code and chat). DingTalk's are as Douyin's,
# and a name with a digit after a colon too ("钉钉：abc12345"; "钉钉：20231201 打卡记录" is a
# date, and a group's or a meeting's number is no person's: 钉钉群号, 钉钉会议号).
PLATFORMS = {"telegram": "telegram", "tg": "telegram", "电报": "telegram", "纸飞机": "telegram",
             "飞机": "telegram", "抖音": "douyin", "小红书": "xiaohongshu", "钉钉": "dingtalk",
             "line": "line"}
# Every id has a Latin letter but a number after 抖音, 小红书 or 钉钉: a text with no Latin
# letter and none of these characters holds no id (what bot/prefilter.py may clear)
PLATFORM_KEYS = "抖书钉"
# (the marker first, so that the scan skips in C to where one starts; 加 before it is looked
# up after a match)
_PLATFORM_ID = re.compile(
    r"(?<![a-z0-9])(?P<marker>telegram|tg|电报|纸飞机|飞机|抖音|小红书|钉钉|line)(?![a-z0-9])"
    r"(?P<how>(?:[ :]|[号號]|[账帳][号號]|id|搜索?)*)(?P<at>@?)"
    r"(?P<id>[a-z0-9][a-z0-9_.]{3,31})(?![a-z0-9_])")
_ADD_BEFORE = re.compile("[加+搜] ?$")


def platform_ids_in(unmasked: str) -> list[Finding]:
    """Ids on other platforms (above) in a text already unmasked, each listed once."""
    found = []
    for match in _PLATFORM_ID.finditer(unmasked):
        platform, how, ident = PLATFORMS[match["marker"]], match["how"], match["id"].rstrip(".")
        added = _ADD_BEFORE.search(unmasked, max(match.start() - 2, 0), match.start()) is not None
        named = "号" in how or "號" in how or "id" in how
        announced = named or added or "搜" in how
        if platform == "telegram":
            slang = match["marker"] in ("飞机", "纸飞机")
            ok = ident[0].isalpha() and len(ident) >= 5 and (
                announced or bool(match["at"]) or (not slang and any(map(str.isdigit, ident))))
        elif platform == "line":
            ok = len(ident) >= 4 and (named or added)
        else:
            colon = (platform == "dingtalk" and ":" in how and ident[0].isalpha()
                     and any(map(str.isdigit, ident)))  # "钉钉：abc12345"
            ok = (announced or colon) and ((ident[0].isalpha() and len(ident) >= 5)
                                or (ident.isdigit() and len(ident) >= 6))
        if ok:
            found.append(Finding("platform", f"{platform}:{ident}"))
    return list(dict.fromkeys(found))
