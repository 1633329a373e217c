"""Banned words, found however they are disguised, and never across a word boundary.

A `BannedWords` matcher is built once from word lists (each word with a category and a
severity) and an operator's `allow` phrases; `find(text)` lists the hits in a message.

What a word survives (all in one pass over the message, with one Aho-Corasick automaton
whatever the number of words):

- traditional characters: the message and the words are converted to simplified Chinese
  with OpenCC ("台獨" is "台独");
- noise between the characters: spaces, punctuation, emoji, zero-width characters, 〇
  ("色 情", "法〇轮〇功", "援🍑交", "约,炮"), and letters of other scripts that look like
  ASCII; but a word of Chinese and Latin letters never spans the end of a clause
  (，。！？；、…): "他说我傻，B 选项才对" holds no 傻B;
- repeated letters ("fuuuck") and `*` standing for letters ("f*ck", "f**king");
- inflected Latin words: a listed Latin word matches with an ending (s, es, ed, er, ers,
  ing, ings, in, y) and, when it has 4 letters or more, inside a compound
  ("motherfucker");
- pinyin: each Chinese word's pinyin (pypinyin, generated here) matches as whole Latin
  words ("yue pao"; 约p as "yuep", its letter kept); a pinyin hit is at most `review`, as
  pinyin is ambiguous. The letters
  of any word of Chinese and Latin letters must be whole Latin words too: 这个傻bug holds
  no 傻b, 约PK no 约p; and its one final letter before a Chinese character other than a
  particle is an initial: 约P总开会, 约p老师, 约个P图 hold no 约p; nor 预约P1会议室, unless
  the offer's price list follows the letter: times or hours, a round price or the trade's
  words (约p1次200, 约P一晚500, 约p200, 同城约P快餐200).

A Chinese hit counts only when real word segmentation (jieba's dictionary and algorithm,
bot/segment.py, run on a few characters around the hit and nowhere else) keeps it whole, and
clearly: the likeliest reading with a word across either end of it must be far less likely.
台独 is not found in 本平台独家首发 (平台|独家), nor 援交 in 支援交流, nor 色情 in
风景色情调 (风|景色|情调 is about as likely as 风景|色情|调).
A hit inside one of the operator's `allow` phrases does not count either.

A sentence that warns against a listed word or reports it is not punished for it: when the
sentence of a hit also holds one of the `context` words (违法, 举报, 警惕...: `CONTEXT`), as
a whole word and apart from the hit, the hit is at most `review` (the admins decide), unless
the message also holds a contact detail or a link (bot/contacts.py): that is an ad, whatever
it says around it. Nor is talk about a service offered (a list's `offer` words, 卖淫 援交: news,
a warning, a film): without a way to reach the seller, an invitation to (加我, 私聊), a contact
detail or a link in the message (or split over it and the sender's messages just before),
such a hit is at most `review`.

A word a member spells over messages (「裸」 then 「聊 私我」) is read from fragments only, and
once what follows it is there to segment it with (`BannedWords.find_split`).
"""

from __future__ import annotations

import bisect
import contextlib
import itertools
import json
import logging
import re
import subprocess
import sys
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache

import ahocorasick

from bot import contacts, segment
from bot.contacts import contacts_in, links_in
from bot.text import look_alikes, t2s, unmask


def list_lines(text: str) -> list[str]:
    """A word or phrase list's entries: its non-empty lines, without '#' comment lines and
    notes (a '#' after a space, to the line's end). A line with commas is one phrase
    ("恭喜你，中奖了", "黄、赌、毒", matched without their punctuation), not words: split, its
    parts would hit innocent chat (恭喜你, 黄, 毒: review s33c C1); `check` names such a line
    in a word list instead (list_commas)."""
    return [s for line in text.splitlines() if (s := _NOTE.sub("", line).strip())]


def list_commas(path: str, text: str) -> list[str]:
    """A warning for each line of a word list holding a comma or a semicolon (，,、；;): as
    an operator pastes several words from a chat or a sheet, it is one phrase, which a
    message holds only whole (review s33b B8)."""
    return [f"{path}:{number}: {line!r} is one phrase, matched only whole (without its "
            f"punctuation: {_APART.sub('', line)!r}), not words: write one word a line"
            for number, raw in enumerate(text.splitlines(), start=1)
            if _APART.search(line := _NOTE.sub("", raw).strip())]


def list_errors(path: str, text: str) -> list[str]:
    """An error for each line of a word list that is not read as written (`word_error`),
    with the file and the line."""
    return [f"{path}:{number}: {error}" for number, raw in enumerate(text.splitlines(), start=1)
            if (line := _NOTE.sub("", raw).strip()) and (error := word_error(line))]


def word_error(word: str) -> str | None:
    """What makes a listed word match what its writer did not mean, or None. Only letters,
    digits and Chinese characters are matched (a word list is words, not patterns): the
    rest is dropped, and `(a+)+$` would be the word "a", `18+` the word "18", `f*ck` "fck"
    (review s36 r14 R14-6). Spaces, · - _ . and a phrase's commas between them are fine
    ("色 情", "达赖·喇嘛" are read as written), and so is anything around a Chinese word
    ("代开发票。"). Nor is one Latin letter a word: every "a" in chat would count."""
    read = skeleton(word)[0]
    dropped = "".join(dict.fromkeys(_KEPT_RUN.sub("", _AROUND.sub("", _plain(word, False)))))
    if not read:
        return f"{word!r} holds no letter, digit or Chinese character: it matches nothing"
    if dropped:
        return (f"{word!r} is read as the word {read!r} ({dropped!r} is not matched: words "
                f"are listed as written, not as patterns); write the word itself")
    if _LATIN.fullmatch(read):
        repeated = "" if len(_AROUND.sub("", word)) == 1 else \
            " (a letter repeated is read once, as fuuuck is fuck)"
        return (f"{word!r} is one Latin letter{repeated}: every {read!r} in chat would count "
                f"(list 傻b or 约p, not b or p)")
    return None


_NOTE = re.compile(r"(?:^|\s)[#＃].*")  # a comment line, or a note after a word
_APART = re.compile(r"[,，、;；]")

log = logging.getLogger(__name__)


class Severity(StrEnum):
    """How bad a listed word is, mildest first."""

    REVIEW = "review"  # no public action; the admins decide
    WARN = "warn"  # a public warning that counts toward removal
    REMOVE = "remove"  # removal at once


@dataclass(frozen=True, slots=True)
class Listed:
    """A listed word with what it means: `source` tells which list it came from; `offer`:
    it names a service offered (卖淫, 援交), which counts at its severity only with a way to
    reach the seller (`BannedWords.find`)."""

    word: str
    category: str
    severity: Severity
    source: int
    offer: bool = False


@dataclass(frozen=True, slots=True)
class Hit:
    """A listed word found in a message, as written there (`found`)."""

    listed: Listed
    found: str
    severity: Severity
    pinyin: bool = False


_HAN = r"\u3400-\u9fff\uf900-\ufaff"
# What is kept to match on: Latin letters, digits and Chinese; everything else (and 〇) is
# noise between characters.
_KEPT_RUN = re.compile(rf"[a-z0-9{_HAN}]+")
_ANY_HAN = re.compile(f"[{_HAN}]")
# what a listed word may hold that is not matched, and still be read as written: spaces
# and a few separators between its characters, anything before or after a Chinese word
_AROUND = re.compile(rf"(?<=[a-z0-9{_HAN}])[\s·.\-_,，、;；]+(?=[a-z0-9{_HAN}])"
                     rf"|^[^a-z0-9{_HAN}]+(?=[{_HAN}])|(?<=[{_HAN}])[^a-z0-9{_HAN}]+$")
_REPEATS = re.compile(r"([a-z])(?:[^a-z0-9" + _HAN + r"]*\1)+")
_STARRED = re.compile(r"(?<![a-z*])[a-z]*\*[a-z*]*(?![a-z*])")
SUFFIXES = ("", "s", "es", "ed", "er", "ers", "ing", "ings", "in", "y")
# What ends a sentence in an unmasked text (NFKC made ！？； ASCII; newlines are spaces)
_SENTENCE_END = re.compile("[。!?;…]")
# What ends a clause (NFKC made ， ASCII too): a listed word of Chinese and Latin letters
# (傻b) never spans one, as an answer's option letter so often follows one ("我傻，B 对");
# one of a single script does ("约,炮", "f,u,c,k" are disguises)
_CLAUSE_END = re.compile("[。!?;…,、]")
# An offer's way to reach the seller written out instead of a contact detail: 加我看裸聊视频,
# 援交 私聊, 私聊我. Only as an invitation, where a clause or a run of words starts (or after
# 请), not told in a story (有人私聊我发广告, 骗子加我好友), nor to an office (联系我们); 私聊
# and 私信 without 我 only where the clause ends too (请私信管理员 is the way to someone else)
_INVITATION = re.compile("(?:加我|找我|联系我|私我|撩我|来撩|扣我|滴滴我|戳我头像|看我头像|"
                         "看我朋友圈|(私聊|私信)(我)?)(?!们)")
# A listed word that ends in an ask without its object (…可以私聊) before a class's or a
# community's role (私聊班主任, 私聊李老师: `contacts.a_role_at`) names the way to someone else,
# not to the writer: a community's call (「家委会招募宝妈，无需经验，可以私聊班主任」, review s41
# r63 finding 3) holds no such word. Only where a class or a community calls (家委会招募,
# before the ask) and offers nothing more: no other way to the writer (或者我, 也可以加我),
# no group (拉你进群), no pay (日结300): any ad can append 班主任 to its ask (review s42 r75
# finding 1)
_ASKS_WHOM = ("私聊", "私信")
_A_COMMUNITY_CALLS = re.compile("(?:家委会|居委会|村委会|社区|小区|班级|学校|幼儿园|运动会)招募")
_MORE_OFFERED = re.compile("我(?!们班)|进群|拉你|日结|日赚|月入|高薪|赚钱|副业|[0-9]")
# ... in a message that does not report an ad, the news, a film, a paper (看到援交广告请联系
# 我, 群里有人发裸聊广告，私聊我要截图): an ad does not say these of itself
_REPORTED = re.compile("广告|新闻|电影|纪录片|论文|截图")
_PIECE_END = re.compile(r"[。!?;…,、:\s]")
# Words that say a sentence warns against what it names, or reports it: a listed word in
# the same sentence is at most `review` (antispam `words.context`, this by default)
# Words an ad does not say of itself: not 不要, 小心, 拒绝, 禁止, 识别, 远离 ("不要998只要198",
# "小心别错过", "拒绝套路", "禁止外传", "识别二维码", "远离孤独" are ad copy)
# A victim's story ("来访者说她被逼卖淫，我该怎么帮她？", "她是受害者") is no offer either; not
# 被迫, 求助 or 诈骗, which ad copy says of itself ("被迫营业", "求助请私聊", "拒绝诈骗").
CONTEXT = ("违法", "犯法", "非法", "违规", "举报", "报警", "警惕", "谨防", "提防", "防范", "抵制",
           "打击", "危害", "被逼", "受害")
_DENIED = "不没无未"  # before a context word, it says the opposite: "援交不违法" is an offer
_MIXED = 4  # words up to this long also match with some characters as pinyin ("约 pao")


_wanted = False  # a list with Chinese words was loaded: its hits are segmented


def warm() -> None:
    """Load what reading messages needs and a process loads once: the look-alike letters
    `unmask` folds (bot/text.py), the contact patterns (bot/contacts.py), and the segmenter's
    dictionary (a second or two) if a loaded list has Chinese words. The bot calls this as it
    starts and reloads, so no member's message waits for them; commands that only read
    (check, report, export, audit) never load the dictionary."""
    look_alikes()
    contacts.warm()
    if _wanted:
        segment.dictionary()


def simplified(text: str) -> str:
    return str(t2s().convert(text)) if _ANY_HAN.search(text) else text


def _collapse(text: str) -> str:
    """Repeated letters as one, also when noise stands between them ("fu-u-uck")."""
    return _REPEATS.sub(r"\1", text)


def _plain(text: str, unmasked: bool) -> str:
    """unmask (unless done), simplified Chinese, repeated letters collapsed: the text
    before only its kept characters make the skeleton."""
    text = text if unmasked else unmask(text)
    return _collapse(simplified(text.replace("〇", " ")))


def skeleton(text: str, unmasked: bool = False) -> tuple[str, list[int]]:
    """The form words are matched on, and where each run of kept characters starts in it.

    unmask, simplified Chinese, repeated letters collapsed, then only Latin letters, digits
    and Chinese characters kept ("色 情" -> "色情", "法〇轮〇功" -> "法轮功")."""
    runs = _KEPT_RUN.findall(_plain(text, unmasked))
    starts, at = [], 0
    for run in runs:
        starts.append(at)
        at += len(run)
    return "".join(runs), starts


def _sentences(text: str, unmasked: bool, end: re.Pattern[str] = _SENTENCE_END) -> list[int]:
    """Where each sentence (or what `end` ends) of the text starts in its skeleton (the
    first at 0)."""
    starts, at = [], 0
    for sentence in end.split(_plain(text, unmasked)):
        starts.append(at)
        at += sum(map(len, _KEPT_RUN.findall(sentence)))
    return starts


_PYPINYIN = """
import json, sys
from pypinyin import lazy_pinyin
json.dump({word: lazy_pinyin(word) for word in json.load(sys.stdin)}, sys.stdout)
"""
_syllables: dict[str, list[str]] = {}  # each word's reading, once a process
_reading = threading.Lock()
_KEPT = 20_000  # words pinyin.json keeps at most; past that it starts again with the new ones


def _readings(words: Iterable[str]) -> dict[str, list[str]]:
    """pypinyin's reading of each Chinese word, a syllable a character; its phrase
    dictionary decides the characters with several readings.

    The dictionary is 55 MB once loaded and needed only here, so pypinyin runs in a child
    process that reads the words not read before and ends: it never enters the bot's. What
    it read is kept for the next process (`_kept`): a start or a `check` with the same word
    lists starts no child (0.2 s of CPU)."""
    words = list(words)
    with _reading:
        missing = sorted(set(words) - _syllables.keys())
        if missing:
            kept = _kept()
            _syllables.update((word, kept[word]) for word in missing if word in kept)
            if unread := [word for word in missing if word not in kept]:
                read = _read_in_child(unread) or _read_here(unread)
                _syllables.update(read)
                _keep(read, kept if len(kept) + len(read) <= _KEPT else {})
        return {word: _syllables[word] for word in words}


def _pypinyin() -> str:
    import importlib.metadata  # 10 ms to import: only with word lists to read pinyin of

    try:
        return importlib.metadata.version("pypinyin")
    except importlib.metadata.PackageNotFoundError:
        return "none"


def _kept() -> dict[str, list[str]]:
    """The readings earlier processes kept in pinyin.json (next to the segmenter's
    dictionary cache, bot/segment.py) with this version of pypinyin; none from a file of
    another version, a damaged one or none."""
    try:
        kept = json.loads(segment.cache_path("pinyin.json").read_bytes())
        if kept["pypinyin"] == _pypinyin():
            return {word: syllables for word, syllables in kept["readings"].items()
                    if isinstance(syllables, list) and all(isinstance(s, str) for s in syllables)}
    except (OSError, ValueError, TypeError, KeyError, AttributeError):
        pass
    return {}


def _keep(read: dict[str, list[str]], kept: dict[str, list[str]]) -> None:
    """Keep the readings just read, with those kept before, for the next process (not when
    the cache cannot be written: the next one reads them again)."""
    data = {"pypinyin": _pypinyin(), "readings": kept | read}
    with contextlib.suppress(OSError):
        segment.write_whole(segment.cache_path("pinyin.json"),
                            json.dumps(data, ensure_ascii=False).encode())


def _read_in_child(words: list[str]) -> dict[str, list[str]] | None:
    """The readings from a child process; None (logged) when no child could give them."""
    try:
        child = subprocess.run([sys.executable, "-c", _PYPINYIN], input=json.dumps(words),
                               capture_output=True, text=True, check=False, timeout=120)
        if child.returncode == 0:
            found = json.loads(child.stdout)
            if isinstance(found, dict) and found.keys() >= set(words):
                return {word: [str(s) for s in found[word]] for word in words}
        problem = child.stderr.strip().splitlines()[-1:] or [f"exit {child.returncode}"]
    except (OSError, subprocess.SubprocessError, ValueError) as error:
        problem = [str(error)]
    log.warning("pinyin of the listed words read in this process (about 55 MB more memory): "
                "the child process could not: %s", problem[0])
    return None


def _read_here(words: list[str]) -> dict[str, list[str]]:
    """The readings in this process: the fallback (pypinyin's dictionary stays loaded)."""
    from pypinyin import lazy_pinyin

    return {word: lazy_pinyin(word) for word in words}


def _chinese(form: str) -> str:
    """The Chinese characters of a form with pinyin forms (a word of two characters or more,
    some Chinese: 约炮, and 约p, whose letters stay as they are), else ""."""
    return "".join(_ANY_HAN.findall(form)) if len(form) >= 2 else ""


def _pinyin_forms(word: str, syllables: list[str]) -> tuple[str, ...]:
    """The pinyin of a word of two characters or more ("yuepao", "yuep"), and, for words of
    up to `_MIXED` characters, every mix of characters and pinyin ("约pao", "yue炮").
    `syllables` reads its Chinese characters, one each."""
    read = iter(syllables)
    syllables = [c if c.isascii() else next(read) for c in word]
    if len(word) > _MIXED:
        return (_collapse("".join(syllables)),)
    forms = (_collapse("".join(s if latin else c
                               for c, s, latin in zip(word, syllables, mix, strict=True)))
             for mix in itertools.product((False, True), repeat=len(word)) if any(mix))
    return tuple(dict.fromkeys(form for form in forms if form != word))


def _mixed(form: str) -> bool:
    """Chinese characters and Latin letters both (傻b, 约pao)."""
    return not form.isascii() and _LATIN.search(form) is not None


# After the one Latin letter that ends a word of Chinese and Latin letters (约p, 傻b), a
# Chinese character makes the letter an initial (P总, P哥 a person, P大 Peking University,
# P图 editing a photo, p值, B站 a site), unless it is one of these particles and pronouns
# (约P吗, 约P的私聊, 约p私我, 傻B们, 傻b吧你) or the clause ends after the letter (同城约p，私我).
_AFTER_A_LETTER = frozenset("吗吧啊呢不么的了呀哦嘛啦们你我他她私加")


# The price list of an offer after that letter makes the letter the end of the word, before
# a digit too: a number of times or hours (约p1次200, 约P一晚500), whatever follows it; or
# round prices (three digits or more, the last 0; 三百, 两千; with 元 块 块钱 r 起 after them)
# and the trade's words, which end the clause (约p200，真实照片; 同城约P上门服务; 约p 同城), or come
# before times (约P快餐300包夜800; 约p三百一次), before the ways to reach the seller (私 加v
# 加我 加微 速来: 约个P 包夜 私我, 约p200加v), or before particles and the trade's last words
# that end the clause (`_LAST`: 约p200哦, 约p包夜800哦, 约p200 滴滴, 约p200妹妹). Other numbers
# and words make it a name's letter: 预约P1会议室, 约P203开会, 约P200人的会场, 约P200的会议室,
# 约P1000相机维修, 约P一千字稿子, 约P上门维修, 约P 快餐店吃饭.
_TIMES = re.compile("(?:[0-9]+|[一二两三四五六七八九十半]+)个?(?:次|晚|夜|小时|钟|h)")
_PRICES = re.compile("(?:(?:[1-9][0-9]+0|[一二两三四五六七八九]+[百佰千仟])(?:[元块]钱?|r)?起?"
                     "|(?:快餐|包夜|过夜|全套|半套|上门|一条龙|同城)(?:服务)?)+")
_REACH = ("私", "加v", "加我", "加微", "速来")
_LAST = re.compile("(?:[哦噢喔呦哟啦呀吧嘛哈的]|滴滴|妹妹|妹子|学生|同城)+")
_TRADE_LAST = re.compile("滴滴|妹妹|妹子|学生|同城")


def _price_list(form: str, at: int, clause_ends: frozenset[int]) -> bool:
    """The offer's price list (above) follows form[at]. A number in digits alone (no unit,
    no trade's word) may be a room's or a model's too, and a clause may follow one, also
    after a plain particle (明天下午约P200，在三楼; 约P300的，带电脑): it is a price only where
    the message ends after it. The trade's last words (妹妹, 学生...) still end the offer at
    the clause's end, and so does a price in Chinese numerals (约p三百，真实照片)."""
    if _TIMES.match(form, at):
        return True
    prices = _PRICES.match(form, at)
    if prices is None:
        return False
    after = prices.end()
    ends = {len(form)} if prices[0].isdigit() else clause_ends
    last = _LAST.match(form, after)
    if last is not None and last.end() in (clause_ends if _TRADE_LAST.search(last[0]) else ends):
        return True
    return (after in ends or _TIMES.match(form, after) is not None
            or form.startswith(_REACH, after))


def _initial(form: str, starts: list[int], start: int, end: int,
             clause_ends: frozenset[int]) -> bool:
    """form[start:end] is a word of Chinese and one final Latin letter, which the next
    character shows to be an initial (约P总, 约p老师) or a name's letter (预约P1会议室):
    a Chinese character other than a particle, or a digit right after it (no space), and
    no end of the clause nor the offer's price list after it (above)."""
    if not (end < len(form) and start < end - 1 and _LATIN.fullmatch(form[end - 1])
            and not form[end - 2].isascii()) or end in clause_ends:
        return False
    if _price_list(form, end, clause_ends):
        return False
    if form[end].isascii():
        return form[end].isdigit() and not _boundary(form, starts, end)
    return form[end] not in _AFTER_A_LETTER


@dataclass(frozen=True, slots=True)
class _Clauses:
    """A message's clauses in its skeleton, read once a message: where each starts, in
    order (`_across`), and where one ends (the message's end too) as a set, which each
    candidate hit looks up in constant time. (Looked through at each candidate instead, a
    long message of rejected ones, 约P总， said 5,000 times, cost the square of its length:
    review s36 r14 R14-3.)"""

    starts: list[int]
    ends: frozenset[int]

    @staticmethod
    def of(text: str, unmasked: bool, length: int) -> _Clauses:
        starts = _sentences(text, unmasked, _CLAUSE_END)
        return _Clauses(starts, frozenset((*starts, length)))


_NOT_READ = _Clauses([], frozenset())


def _across(starts: list[int], start: int, end: int) -> bool:
    """form[start:end] spans the start of a clause (or a sentence) in `starts`."""
    i = bisect.bisect_right(starts, start)
    return i < len(starts) and starts[i] < end


def _boundary(form: str, starts: list[int], at: int) -> bool:
    """A word may end and start at form[at]: the text's ends, where a run of kept
    characters starts (noise stood there) or where Latin meets Chinese."""
    if at <= 0 or at >= len(form):
        return True
    i = bisect.bisect_left(starts, at)
    return (i < len(starts) and starts[i] == at) or not (
        form[at - 1].isascii() and form[at].isascii())


# The most frequent Chinese characters: a listed word is known by one of its rarer ones
# (and 女 果: 女票女昌 is known by 票 and 果聊 by 聊, not by the 女 of 女生 or the 果 of 如果).
_COMMON = frozenset("的一是不了人我在有他这个们中来上大为和国地到以说时要就出会可也你对生能而子那得"
                    "于着下自之年过发后作里用道行所然家种事成方多经么去法学如都同现当没动面起看定天"
                    "分还进好小部其些主样理心她本前开但因只从想实日女果")
_LATIN = re.compile("[a-z]")


def _key(form: str) -> str:
    """One character of a listed form without Latin letters, a rare one where it can: every
    text that holds the form holds it (`BannedWords.keys`)."""
    return min(form, key=lambda c: (c.isascii(), c in _COMMON))


class BannedWords:
    """Many listed words, matched in one pass; see the module's docstring.

    `keys`: for each listed form without Latin letters (pinyin and Latin words all have
    some), one of its characters. A text without Latin letters holds a listed word only if
    its simplified form holds one of the keys (bot/prefilter.py)."""

    def __init__(self, words: Iterable[Listed], allow: Iterable[str] = (),
                 context: Iterable[str] = ()) -> None:
        self._automaton = ahocorasick.Automaton()
        self._starred: dict[tuple[str, str, int], list[tuple[str, Listed]]] = {}
        forms: dict[str, list[tuple[Listed, bool]]] = {}
        listed_forms = [(listed, skeleton(listed.word)[0]) for listed in words]
        readings = _readings(filter(None, (_chinese(form) for _, form in listed_forms)))
        for listed, form in listed_forms:
            if not form:
                continue
            forms.setdefault(form, []).append((listed, False))
            if form.isascii():
                self._starred.setdefault((form[0], form[-1], len(form)), []).append(
                    (form, listed))
            elif chinese := _chinese(form):
                for pinyin in _pinyin_forms(form, readings[chinese]):
                    forms.setdefault(pinyin, []).append((listed, True))
        for form, entries in forms.items():
            self._automaton.add_word(form, (form, entries))
        self.keys = frozenset(_key(form) for form in forms if not _LATIN.search(form))
        self._empty = not forms
        if forms:
            self._automaton.make_automaton()
        if any(not form.isascii() for form in forms):
            global _wanted
            _wanted = True  # warm() loads the dictionary before the bot serves
        self._allow = ahocorasick.Automaton()
        allow_forms = {skeleton(phrase)[0] for phrase in allow} - {""}
        for phrase in allow_forms:
            self._allow.add_word(phrase, len(phrase))
        if allow_forms:
            self._allow.make_automaton()
        self._no_allow = not allow_forms
        self._context = ahocorasick.Automaton()
        for form in {skeleton(word)[0] for word in context} - {""}:
            self._context.add_word(form, len(form))
        self._no_context = not len(self._context)
        if not self._no_context:
            self._context.make_automaton()

    def find_split(self, fragments: Sequence[str], text: str) -> list[Hit]:
        """The listed words a member spelled over messages (「裸」 then 「聊 私我」; review s36
        r14 R14-9): `fragments`, what they said just before (messages of a character or
        two), read with `text`, their message now. Only a word that a cut leaves a piece of
        one character of (「约」「炮」; 「成人」「视频」 are two answers), or an offer's word
        (`Listed.offer`: 裸聊, 援交...), that starts in the fragments
        and ends where the writer broke off (a message's end, a space, punctuation), at
        most two characters into `text`, counts, and only once at least `_FOLLOWED`
        characters follow it: segmentation reads it with what comes after (一|夜|情|绪 is
        一夜|情绪), and each such word is found at one message, not at each (`_spelled_over`).
        Its severity is read as in one message (an offer's invitation may follow it)."""
        said = unmask("\n".join(fragments))
        joined = f"{said}\n{unmask(text)}"
        return self.find(joined, unmasked=True,
                         over=len(skeleton(joined, True)[0]) - len(skeleton(said, True)[0]))

    def find(self, text: str, unmasked: bool = False, before: str | None = "",
             over: int | None = None) -> list[Hit]:
        """Every listed word in the message that counts, once (where it first counts: a
        message of the same word 10,000 times is read as one hit, not 10,000), in order of
        appearance (`unmasked`: the text was already given through bot.text.unmask).

        A word that names a service offered (`Listed.offer`) is at most `review` without a
        way to reach the seller: an invitation to (加我, 私聊: `_INVITATION`), a contact
        detail or a link in the message, or in it read after `before` (what the sender said
        just before, as a contact detail may be split over messages). News, a warning, a
        film that names it sell nothing (review s36 r14 R14-2). `before` None: the text is a
        member's name, and the member is the way. (`over`: `find_split`'s reading of
        fragments before a last message of `over` characters.)"""
        if self._empty:
            return []
        form, starts = skeleton(text, unmasked)
        # each listed word counts once, where it first counts, and is not looked at again
        # (约炮 said 20,000 times is checked once); its pinyin apart, as a pinyin hit is at
        # most a review while the word's own characters keep its severity
        counted: dict[tuple[Listed, bool], tuple[int, int, Listed, bool]] = {}
        allowed: list[tuple[int, int]] | None = None  # read at the first candidate
        clauses = _NOT_READ  # read at the first word of Chinese and Latin letters
        for last, (word, entries) in self._automaton.iter(form):
            start, end = last + 1 - len(word), last + 1
            for listed, pinyin in entries:
                if (listed, pinyin) in counted:
                    continue
                if word.isascii() and not self._latin_ok(form, starts, start, end, pinyin):
                    continue
                if not word.isascii() and not (
                        (not word[0].isascii() or _boundary(form, starts, start))
                        and (not word[-1].isascii() or _boundary(form, starts, end)
                             or _TIMES.match(form, end) or _PRICES.match(form, end))):
                    # "约 pao", "傻b": its Latin letters are whole words (傻bug), or the
                    # letter is glued to what may be a price list (约p200); whether that is
                    # one, or a name's letter (约P200人的会场), `_initial` tells below
                    continue
                if word.endswith(_ASKS_WHOM) and _to_a_role(text, unmasked, form, end):
                    continue  # 「…可以私聊班主任」: the way to a class's role (above)
                if over is not None and not (
                        _spelled_over(form, starts, start, end, over)
                        and (listed.offer or _cut_to_a_character(starts, start, end))):
                    continue
                if allowed is None:
                    allowed = self._allowed(form)
                if clauses is _NOT_READ and _mixed(form[start:end]):  # only mixed words stop there
                    clauses = _Clauses.of(text, unmasked, len(form))
                if self._counts(form, starts, start, end, clauses, allowed):
                    counted[listed, pinyin] = (start, end, listed, pinyin)
        if not counted:
            return [] if over is not None else self._starred_hits(text, unmasked)
        found = list(counted.values())
        warned = self._warned_against(form, text, unmasked, found)
        offers = before is not None and any(
            listed.offer and not pinyin and listed.severity is not Severity.REVIEW
            for _, _, listed, pinyin in found) and not _invites(form, text, unmasked)
        if (warned or offers) and _reachable(text, unmasked, before or ""):
            warned, offers = set(), False  # an ad, whatever it says around the words
        hits = [Hit(listed, form[start:end],
                    Severity.REVIEW if pinyin or (start, end) in warned
                    or (offers and listed.offer) else listed.severity, pinyin)
                for start, end, listed, pinyin in found]
        return hits + self._starred_hits(text, unmasked)

    @staticmethod
    def _counts(form: str, starts: list[int], start: int, end: int, clauses: _Clauses,
                allowed: list[tuple[int, int]]) -> bool:
        """The hit form[start:end] is the listed word: not a word of Chinese and Latin letters
        across the end of a clause (傻，B), nor one whose letter is an initial (约P总,
        约P1会议室), a whole word (not 平台|独家 for 台独), and in no `allow` phrase."""
        if _mixed(form[start:end]) and _across(clauses.starts, start, end):
            return False
        if _initial(form, starts, start, end, clauses.ends):
            return False
        if not (form[start:end].isascii() or segment.whole_word(form, start, end, starts=starts)):
            return False
        return not any(a <= start and end <= b for a, b in allowed)

    # ------------------------------------------------------------ a warning, not an offer

    def _warned_against(self, form: str, text: str, unmasked: bool,
                        found: list[tuple[int, int, Listed, bool]]) -> set[tuple[int, int]]:
        """The hits (start, end in `form`) whose sentence also holds a context word (`find`
        keeps their severity if the message holds a contact detail or a link). Only read
        when a hit would be more than a review, which few messages have. The context words
        are found once a message (not once a hit: a long sentence of hits would be read
        again for each)."""
        if self._no_context or all(pinyin or listed.severity is Severity.REVIEW
                                   for _, _, listed, pinyin in found):
            return set()
        context = self._context_words(form)
        if not context:
            return set()
        context_starts = [at for at, _ in context]
        starts = _sentences(text, unmasked)
        warned = set()
        for start, end, _, _ in found:
            lo = starts[bisect.bisect_right(starts, start) - 1]
            after = bisect.bisect_right(starts, end - 1)
            hi = starts[after] if after < len(starts) else len(form)
            # the first context word of the sentence apart from the hit: only the few that
            # overlap the hit or run past the sentence's end are passed over
            i = bisect.bisect_left(context_starts, lo)
            while i < len(context) and context[i][0] < hi:
                at, stop = context[i]
                if stop <= hi and (stop <= start or at >= end):
                    warned.add((start, end))
                    break
                i += 1
        return warned

    def _context_words(self, form: str) -> list[tuple[int, int]]:
        """Where (start, end) the context words stand in form, in order, as whole words (举报
        in 举报人 is none) and not denied (不违法 says the opposite)."""
        found = []
        for last, length in self._context.iter(form):
            at, stop = last + 1 - length, last + 1
            if (at == 0 or form[at - 1] not in _DENIED) and (
                    form[at:stop].isascii() or segment.whole_word(form, at, stop, True)):
                found.append((at, stop))
        return sorted(found)

    # ------------------------------------------------------------ where a hit counts

    @staticmethod
    def _latin_ok(form: str, starts: list[int], start: int, end: int, pinyin: bool) -> bool:
        """A Latin hit starts a word (or, 4 letters or more and not pinyin, ends a compound)
        and ends one, or is followed by an ending."""

        def boundary(at: int) -> bool:
            return _boundary(form, starts, at)

        if not boundary(start) and (pinyin or end - start < 4):
            return False
        if pinyin:
            return boundary(end)
        stop = end
        while stop < len(form) and form[stop].isascii() and form[stop].isalpha() and not (
                boundary(stop)):
            stop += 1
            if stop - end > 4:
                return False
        return form[end:stop] in SUFFIXES

    def _allowed(self, form: str) -> list[tuple[int, int]]:
        if self._no_allow:
            return []
        return [(last + 1 - length, last + 1) for last, length in self._allow.iter(form)]

    def _starred_hits(self, text: str, unmasked: bool) -> list[Hit]:
        """Latin words with `*` for some letters: "f*ck", "f**king"; each listed word once,
        where it is first found (a message of "f*ck" 20,000 times reads one token)."""
        if "*" not in text:
            return []
        hits: dict[Listed, Hit] = {}
        tokens = _STARRED.findall(_collapse(text if unmasked else unmask(text)))
        for token in dict.fromkeys(tokens):
            for suffix in SUFFIXES:
                stem = token[:len(token) - len(suffix)] if suffix else token
                if not token.endswith(suffix) or len(stem) < 3 or stem[0] == "*":
                    continue
                pattern = re.compile(re.escape(stem).replace(r"\*", "[a-z]"))
                for form, listed in self._starred.get((stem[0], stem[-1], len(stem)), ()):
                    if pattern.fullmatch(form):
                        hits.setdefault(listed, Hit(listed, token, listed.severity))
                        break
        return list(hits.values())


_FOLLOWED = 2  # characters after a word spelled over messages before it counts


def _spelled_over(form: str, starts: list[int], start: int, end: int, last: int) -> bool:
    """form[start:end] is a Chinese word spelled over fragments and a last message of `last`
    characters (`BannedWords.find_split`): it starts before that message, ends where a run
    of the text starts at most two characters into it, and `_FOLLOWED` characters follow it
    now but did not before the last message (when it was read already). Not a word with
    Latin letters: 「约」 then 「P，总开会」 holds 约P总 (an initial) as written."""
    first = len(form) - last
    i = bisect.bisect_left(starts, end)
    return (start < first and end - first <= 2 and i < len(starts) and starts[i] == end
            and first - _FOLLOWED < end <= len(form) - _FOLLOWED
            and not _LATIN.search(form, start, end))


def _cut_to_a_character(starts: list[int], start: int, end: int) -> bool:
    """A piece of form[start:end], as the runs of the text cut it, is one character:
    「约」「炮 私我」, 「一夜」「情 私我」; not 「成人」「视频 在另一个文件夹」, two answers of a
    word each far more often than one word spelled out (review s37 r25 R25-3, r26 R26-3).
    An offer's word is read over fragments however it is cut."""
    cuts = [start, *starts[bisect.bisect_right(starts, start):bisect.bisect_left(starts, end)],
            end]
    return any(b - a == 1 for a, b in itertools.pairwise(cuts))


def _to_a_role(text: str, unmasked: bool, form: str, end: int) -> bool:
    """A class's or a community's role (`contacts.a_role_at`) follows form[:end] in its clause (not
    「…可以私聊，班主任也在群里」), in a class's or a community's call that offers nothing more
    (`_A_COMMUNITY_CALLS`)."""
    return (contacts.a_role_at(form, end) and end not in _sentences(text, unmasked, _CLAUSE_END)
            and _A_COMMUNITY_CALLS.search(form, 0, end) is not None
            and _MORE_OFFERED.search(form) is None)


def _invites(form: str, text: str, unmasked: bool) -> bool:
    """The message invites its reader to reach its sender (`_INVITATION`), and reports no
    ad (`_REPORTED`)."""
    if _REPORTED.search(form):
        return False
    starts = _sentences(text, unmasked, _PIECE_END)
    ends = {*starts, len(form)}
    return any((found.start() in ends or form[found.start() - 1:found.start()] == "请")
               and (found[1] is None or found[2] is not None or found.end() in ends)
               for found in _INVITATION.finditer(form))


def _reachable(text: str, unmasked: bool, before: str) -> bool:
    """A way to reach the sender in the message: a contact detail or a link (any domain),
    or one it completes with what they said just before (`before`: "" if nothing)."""
    plain = text if unmasked else unmask(text)
    if contacts_in(plain) or links_in(plain):
        return True
    if not before:
        return False
    joined = f"{unmask(before)}\n{plain}"
    return bool(contacts_in(joined) or links_in(joined))


@lru_cache(maxsize=32)
def banned_words(words: tuple[Listed, ...], allow: tuple[str, ...] = (),
                 context: tuple[str, ...] = ()) -> BannedWords:
    """The BannedWords of these lists, made once a process: it never changes once made, so
    every type with the same lists, and every reload that keeps them, shares one (making
    it reads every word's skeleton and pinyin: milliseconds per list)."""
    return BannedWords(words, allow, context)
