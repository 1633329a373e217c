"""The one text pipeline every matcher runs on: keyword replies, ad detection, banned words.

Matchers never look at raw message text. They look at `normalize(text)`, and detectors of
hidden contact details also look at `squeeze(normalize(text))`, the form with the tricks
advertisers use to slip past filters undone:

- full-width letters and digits, circled or superscript digits, odd case;
- zero-width and other invisible characters inside words and links;
- separators between the characters of a number or a spelled-out word ("138 0013 8000",
  "w e i x i n");
- look-alike letters and Chinese numerals standing for digits ("l38oo138ooo",
  "一三八零零一三八零零零").

Everything here is a pure function of the text, except `WordMatcher`, which is built once
from a word list and then only read.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Collection, Iterable, Iterator
from dataclasses import dataclass
from typing import Generic, TypeVar

import ahocorasick

# --- normalize -----------------------------------------------------------------------------

# Format characters (category Cf) live only in planes 0, 1 and 14.
_FORMAT_CHARS = {
    cp
    for plane in (range(0x20000), range(0xE0000, 0xF0000))
    for cp in plane
    if unicodedata.category(chr(cp)) == "Cf"
}
_INVISIBLE = (
    _FORMAT_CHARS
    | set(range(0x200B, 0x2010))  # zero-width space, joiners, direction marks
    | set(range(0x2060, 0x2065))  # word joiner, invisible operators
    | {0xFEFF, 0x00AD, 0x180E, 0x034F}  # BOM, soft hyphen, Mongolian vowel sep., grapheme joiner
    | set(range(0x180B, 0x1810))  # Mongolian variation selectors
    | set(range(0xFE00, 0xFE10))  # variation selectors
    | set(range(0xE0100, 0xE01F0))  # variation selectors supplement
    | {0x115F, 0x1160, 0x3164, 0xFFA0}  # Hangul fillers, which render as nothing
)
_DROP_INVISIBLE = dict.fromkeys(_INVISIBLE)


def normalize(text: str) -> str:
    """The form all matching runs on.

    Invisible characters (zero-width, direction marks, soft hyphen, variation selectors,
    every Unicode format character) are dropped; then NFKC (full-width to half-width,
    circled and superscript digits to digits, compatibility ideographs to their usual form),
    case folding, and whitespace runs collapsed to one space, stripped at both ends.
    Chinese characters pass through unchanged; full-width punctuation becomes ASCII
    ("，" -> ",", "：" -> ":"), while "。" and "、" stay.
    """
    if text.isascii():
        return " ".join(text.lower().split())
    text = unicodedata.normalize("NFKC", text.translate(_DROP_INVISIBLE))
    # Case folding can leave a string that is no longer NFKC ("ΐ"), hence NFKC once more.
    text = unicodedata.normalize("NFKC", text.casefold())
    return " ".join(text.split())


# --- squeeze -------------------------------------------------------------------------------

# What may stand between the characters of a hidden number or word.
_SEP = r"[\s\-_.·・•/\\|*~—–‐−]"

_DINGBAT_DIGITS = {
    **{0x2776 + i: str(i + 1) for i in range(9)},  # ❶..❾
    **{0x2780 + i: str(i + 1) for i in range(9)},  # ➀..➈
    **{0x278A + i: str(i + 1) for i in range(9)},  # ➊..➒
    **{0x24F5 + i: str(i + 1) for i in range(9)},  # ⓵..⓽
    0x24FF: "0",  # ⓿
}
_CHINESE_DIGITS = {
    **dict.fromkeys("零〇", "0"),
    **{c: str(i + 1) for i, c in enumerate("一二三四五六七八九")},
    **{c: str(i + 1) for i, c in enumerate("壹贰叁肆伍陆柒捌玖")},
    "幺": "1",
    "两": "2",
}
_LOOKALIKE_DIGITS = {"o": "0", "l": "1", "i": "1"}
_READ_AS_DIGITS = str.maketrans(_CHINESE_DIGITS | _LOOKALIKE_DIGITS)

_DIGITISH = "0-9" + "".join(_CHINESE_DIGITS)
_LOOKALIKE = "".join(_LOOKALIKE_DIGITS)
_NUMERAL = f"[{_DIGITISH}{_LOOKALIKE}]"
# A look-alike letter at either end of a number run must not be part of a latin word.
_RUN_START = f"(?:[{_DIGITISH}]|(?<![a-z])[{_LOOKALIKE}])"
_RUN_END = f"(?:[{_DIGITISH}]|[{_LOOKALIKE}](?![a-z]))"
_NUMBER_RUN = re.compile(f"{_RUN_START}(?:{_SEP}*{_NUMERAL}){{3,}}{_SEP}*{_RUN_END}")

_HAS_DIGITISH = re.compile(f"[{_DIGITISH}]")

_AFTER_LONE_CHAR = "(?<=(?<![a-z0-9])[a-z0-9])"
_BEFORE_LONE_CHAR = "(?=[a-z0-9](?![a-z0-9]))"
_GAP = re.compile(
    rf"(?<=[0-9]){_SEP}+(?=[0-9])"  # between two digits
    rf"|{_AFTER_LONE_CHAR}{_SEP}+{_BEFORE_LONE_CHAR}"  # between two lone characters
)


def _digits_of_run(match: re.Match[str]) -> str:
    run = match.group()
    if not _HAS_DIGITISH.search(run):  # "lolol" is a word, not a number
        return run
    return run.translate(_READ_AS_DIGITS)


def squeeze(normalized: str) -> str:
    """The de-obfuscated form of an already normalized text, for finding hidden contacts.

    Rules, applied in this order:

    1. Circled digits that NFKC leaves alone (❶ ➀ ➊ ⓵ ⓿) become digits.
    2. A *number run* is at least 5 numerals, optionally with separators between them.
       Numerals are the digits 0-9, the Chinese numerals 零〇一二三四五六七八九,
       壹贰叁肆伍陆柒捌玖, 幺 (1) and 两 (2), and the look-alike letters o (0), l and i (1).
       Inside a number run that holds at least one digit or Chinese numeral, every numeral
       becomes a digit: "一三八零零一三八零零零" -> "13800138000", "l38oo138ooo" ->
       "13800138000". Fewer than 5 stay as they are ("一个人", "三天", "第一二三名"), so do
       runs of letters only ("lolol"), and a look-alike letter at the edge of a run that is
       part of a latin word ("hello123" keeps its "o").
    3. Separators (whitespace, - _ . · ・ • / \\ | * ~ and dashes) are removed where they
       stand between two digits ("138-0013 8000" -> "13800138000", "1.3.8" -> "138") or
       between two lone characters, i.e. a word spelled out one character at a time
       ("w e i x i n" -> "weixin"). Separators between ordinary words stay
       ("we chat about it" is unchanged).

    Everything else is kept, so dates and prices squeeze into digit strings too
    ("2026-11-23" -> "20261123"); detectors must still demand the exact shape they look for.
    """
    text = normalized.translate(_DINGBAT_DIGITS)
    text = _NUMBER_RUN.sub(_digits_of_run, text)
    return _GAP.sub("", text)


# --- detectors -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Finding:
    """Something a message reveals: kind is "link", "phone", "wechat", "qq" or "email"."""

    kind: str
    value: str


_GENERIC_TLDS = (
    "com net org edu gov mil int info biz name pro mobi asia xyz top vip club site online "
    "shop store app dev tech live fun icu cloud link work ltd group life world today space "
    "website wang ren xin cyou buzz art blog news email page love win bid loan men party "
    "click host press run ink red kim zone team plus city center global example"
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
_TLD = "|".join(sorted((_GENERIC_TLDS + " " + _COUNTRY_TLDS).split(), key=len, reverse=True))
_LABEL = r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
_URL_TAIL = r"(?::[0-9]{1,5})?(?:[/?#][a-z0-9\-._~:/?#\[\]@!$&'()*+,;=%]*)?"
_LINK = re.compile(
    r"(?<![a-z0-9@._-])(?:"
    rf"[a-z][a-z0-9+.-]{{1,15}}://(?P<host>{_LABEL}(?:\.{_LABEL})*)"  # with a scheme
    rf"|(?P<www>www\.{_LABEL}(?:\.{_LABEL})+)"  # www.anything
    rf"|(?P<bare>(?:{_LABEL}\.)+(?:{_TLD}))(?![a-z0-9-])"  # a known top-level domain
    rf"){_URL_TAIL}"
)
_URL_TRAILING_PUNCTUATION = ".,;:!?'()[]"


def find_links(text: str, allow: Collection[str] = ()) -> list[Finding]:
    """Links in a message, with or without a scheme, except those to allowed domains.

    A link is one of: anything with a scheme ("https://...", "weixin://..."); "www." and a
    domain; or a bare domain whose last label is a common generic top-level domain or a
    country code ("abc.com/xyz", "t.cn/abc"). Other dotted words are not links: "file.txt",
    "v1.2.3", "3.14", "12.5元", "12:30". An address in an e-mail is not a link.
    A domain in `allow` is not a finding, nor is any of its subdomains.

    Country codes that are also file extensions or words make a few false links
    ("main.py", "mr.li"): the price of catching "t.cn/abc".
    """
    allowed = {normalize(domain).strip(".") for domain in allow}
    findings = []
    for match in _LINK.finditer(normalize(text)):
        host = match["host"] or match["www"] or match["bare"]
        labels = host.split(".")
        if any(".".join(labels[i:]) in allowed for i in range(len(labels))):
            continue
        findings.append(Finding("link", match.group().rstrip(_URL_TRAILING_PUNCTUATION)))
    return findings


_PHONE = re.compile(r"(?<![0-9])(?:86)?(?P<value>1[3-9][0-9]{9})(?![0-9])")
_EMAIL = re.compile(
    r"(?<![a-z0-9._%+-])(?P<value>[a-z0-9][a-z0-9._%+-]*@(?:[a-z0-9-]+\.)+[a-z]{2,})(?![a-z0-9-])"
)
_QQ = re.compile(
    r"(?:(?<![a-z0-9])qq|扣扣|企鹅)(?:号码?|群)?\s?:?\s?(?P<value>[1-9][0-9]{4,10})(?![0-9])"
)
_WECHAT = re.compile(
    r"(?<![a-z0-9])(?P<wxid>wxid_[a-z0-9]{4,30})(?![a-z0-9])"  # an internal id needs no marker
    r"|(?P<marker>微信|薇信|威信|徽信|维信|v信|卫星号|加微|薇|加v|\+v"
    r"|(?<![a-z0-9])(?:weixin|wechat|vx|wx))"  # a latin marker must not end a longer word
    r"(?P<announce>号码?)?\s?(?P<colon>:)?\s?"
    r"(?P<id>[a-z][-_a-z0-9]{4,19}(?![-_a-z0-9])|1[3-9][0-9]{9}(?![0-9]))"
)


def _wechat_ids(text: str) -> Iterator[str]:
    for match in _WECHAT.finditer(text):
        if match["wxid"]:
            yield match["wxid"]
            continue
        # An id of letters only counts only when announced: "wechat: zhangsan", not "wechat group".
        announced = match["colon"] or match["announce"] or match["marker"].endswith("号")
        if announced or not match["id"].isalpha():
            yield match["id"]


def find_contacts(text: str) -> list[Finding]:
    """Contact details in a message, however disguised.

    - phone: a Chinese mobile number, 11 digits 1[3-9]xxxxxxxxx, optionally after 86, in the
      squeezed text, so full-width digits, separators, look-alike letters and Chinese
      numerals are seen through. A longer digit string is not a phone.
    - wechat: a marker (微信, 薇信, 威信, 徽信, 维信, v信, 卫星号, 加微, 薇, 加v, +v, weixin,
      wechat, vx, wx; latin ones not at the end of a longer word) followed by an optional
      号, ":" or space and an id: 5-20 characters, a letter then letters, digits, - or _,
      or a mobile number. An id of letters only counts only after 号 or ":"
      ("wechat: zhangsan", not "wechat group"). A "wxid_..." id needs no marker.
    - qq: "qq", 扣扣 or 企鹅, optionally 号/群, ":" or space, then 5-11 digits, in the
      squeezed text.
    - email: an ordinary address.

    Numbers without a marker (prices, dates, times, codes) are never findings unless they
    are a mobile number. WeChat ids are looked for in both the normalized and the squeezed
    text. Each finding is listed once.
    """
    normalized = normalize(text)
    squeezed = squeeze(normalized)
    found = [Finding("phone", m["value"]) for m in _PHONE.finditer(squeezed)]
    found += [Finding("qq", m["value"]) for m in _QQ.finditer(squeezed)]
    for form in (normalized, squeezed):  # squeezing may take an id apart, so look at both
        found += [Finding("wechat", wechat_id) for wechat_id in _wechat_ids(form)]
    found += [Finding("email", m["value"]) for m in _EMAIL.finditer(normalized)]
    return list(dict.fromkeys(found))


_MARKER = re.compile(r"(?<![a-z0-9])(?:weixin|wechat|vx|wx|qq)(?![a-z0-9])")


def find_spelled_markers(text: str) -> list[Finding]:
    """Contact markers spelled out one character at a time so that filters miss them.

    "w e i x i n", "V.X", "q q", "w-x" are findings (kind "wechat" or "qq", value the
    marker): nobody spells a marker out but to hide it. The same marker written normally
    ("wechat group", "qq音乐") is not a finding; find_contacts looks for what follows it.
    """
    normalized = normalize(text)
    plain = Counter(_MARKER.findall(normalized))
    spelled = Counter(_MARKER.findall(squeeze(normalized)))
    return [Finding("qq" if marker == "qq" else "wechat", marker)
            for marker, count in spelled.items() if count > plain[marker]]


# --- word lists ----------------------------------------------------------------------------

T = TypeVar("T")


def _is_ascii_alnum(char: str) -> bool:
    return char.isascii() and char.isalnum()


@dataclass(frozen=True, slots=True)
class _Entry(Generic[T]):
    value: T
    whole_word: bool


class WordMatcher(Generic[T]):
    """Finds any of many words in a normalized text in one pass (Aho-Corasick).

    Built once from (pattern, value) or (pattern, value, whole_word) entries; patterns are
    normalized here, so "ＶＩＰ" matches "vip" and "VIP". Patterns that normalize to ""
    are ignored; several patterns may share one normalized form, each keeps its own value.

    Words match as substrings: "广告" is found in "这是广告吗". With whole_word, a pattern
    that starts (ends) with a latin letter or digit does not match where the text has one
    more latin letter or digit just before (after) it: "rules" is not found in "prules".
    Chinese characters are never word boundaries to check, so a Chinese pattern always
    matches as a substring.
    """

    def __init__(self, entries: Iterable[tuple[str, T] | tuple[str, T, bool]]) -> None:
        by_word: dict[str, list[_Entry[T]]] = {}
        for entry in entries:
            word = normalize(entry[0])
            if word:
                by_word.setdefault(word, []).append(_Entry(entry[1], len(entry) == 3 and entry[2]))
        self._automaton = ahocorasick.Automaton()
        for word, word_entries in by_word.items():
            self._automaton.add_word(word, (word, word_entries))
        if by_word:  # an automaton without words cannot be made, nor searched
            self._automaton.make_automaton()
        self._empty = not by_word

    def find_all(self, normalized: str) -> list[tuple[int, int, T]]:
        """Every match as (start, end, value), normalized[start:end] being the word.

        Overlapping matches are all listed, ordered by start, longer first, then by the
        order the patterns were given.
        """
        if self._empty:
            return []
        found: list[tuple[int, int, int, T]] = []
        for last, (word, word_entries) in self._automaton.iter(normalized):
            start, end = last + 1 - len(word), last + 1
            alnum_before = start > 0 and _is_ascii_alnum(normalized[start - 1])
            alnum_after = end < len(normalized) and _is_ascii_alnum(normalized[end])
            inside_word = (alnum_before and _is_ascii_alnum(word[0])) or (
                alnum_after and _is_ascii_alnum(word[-1])
            )
            found += [
                (start, end, order, entry.value)
                for order, entry in enumerate(word_entries)
                if not (entry.whole_word and inside_word)
            ]
        found.sort(key=lambda match: (match[0], -match[1], match[2]))
        return [(start, end, value) for start, end, _, value in found]

    def first(self, normalized: str) -> tuple[int, int, T] | None:
        """The match that find_all lists first, or None."""
        matches = self.find_all(normalized)
        return matches[0] if matches else None


# --- mentions ------------------------------------------------------------------------------

_MENTION = re.compile(r"@[^\s\u2005@]+[\u2005\s]*")


def strip_mentions(text: str) -> str:
    """The text without "@Name" mentions (WeChat ends each with U+2005 or a space)."""
    return _MENTION.sub("", text).strip()
