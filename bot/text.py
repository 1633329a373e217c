"""The one text pipeline every matcher runs on: keyword replies, ad detection, banned words.

Matchers never look at raw message text. Keyword-like matchers look at `normalize(text)`
(full-width letters, odd case, invisible characters undone); the content detectors
(bot/contacts.py, bot/banned.py) look at `unmask(text)`, which also turns every digit
style into digits and folds look-alike letters of other scripts to ASCII.

Everything here is a pure function of the text, except `WordMatcher`, which is built once
from a word list and then only read.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from functools import cache, lru_cache
from pathlib import Path
from typing import Any, Generic, NamedTuple, TypeVar

import ahocorasick

# --- normalize -----------------------------------------------------------------------------

# The format characters (category Cf) of Unicode 14.0 (Python 3.11's unicodedata), first
# and last of each run: written out, not found by a scan of 196,000 code points at every
# import (45 ms of CPU a process). tests/test_text.py checks it against unicodedata, so a
# Python with other Unicode data says so.
_FORMAT_RANGES = (
    (0x00AD, 0x00AD), (0x0600, 0x0605), (0x061C, 0x061C), (0x06DD, 0x06DD), (0x070F, 0x070F),
    (0x0890, 0x0891), (0x08E2, 0x08E2), (0x180E, 0x180E), (0x200B, 0x200F), (0x202A, 0x202E),
    (0x2060, 0x2064), (0x2066, 0x206F), (0xFEFF, 0xFEFF), (0xFFF9, 0xFFFB),
    (0x110BD, 0x110BD), (0x110CD, 0x110CD), (0x13430, 0x13438), (0x1BCA0, 0x1BCA3),
    (0x1D173, 0x1D17A), (0xE0001, 0xE0001), (0xE0020, 0xE007F),
)
_FORMAT_CHARS = {cp for first, last in _FORMAT_RANGES for cp in range(first, last + 1)}
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


def char_class(codepoints: Iterable[int]) -> re.Pattern[str]:
    """A regex class of these code points, as ranges: a scan in C, not a lookup a character."""
    ranges: list[list[int]] = []
    for cp in sorted(codepoints):
        if ranges and cp == ranges[-1][1] + 1:
            ranges[-1][1] = cp
        else:
            ranges.append([cp, cp])
    return re.compile("[" + "".join(
        re.escape(chr(a)) + ("-" + re.escape(chr(b)) if b > a else "") for a, b in ranges) + "]")


_INVISIBLE_CHARS = char_class(_INVISIBLE)  # few ranges: one of them goes beyond plane 0


# Text that `folded` folds without NFKC and case folding, after one scan in C (most chat;
# NFKC alone cost more than all the rest of it): printable ASCII, Chinese characters (CJK
# Unified Ideographs and extension A, which neither changes) and the CJK punctuation NFKC
# keeps; then also with full-width forms and the ideographic space, which NFKC makes the ASCII
# ones (`_FULL_WIDTH`: a table, at less than half of NFKC's cost). No two of these compose
# under NFKC. tests/test_text.py checks each character against the full fold, alone and in
# pairs.
_PLAIN = (r"\x20-\x7e\u3400-\u4dbf\u4e00-\u9fff"
          r"\u3001\u3002\u3008-\u3011\u2018\u2019\u201c\u201d\u2014")
_PLAIN_CHINESE = re.compile(f"[{_PLAIN}]*")
_WIDE_CHINESE = re.compile(rf"[{_PLAIN}\u3000\uff01-\uff5e]*")
_FULL_WIDTH = {0x3000: 0x20} | {cp: cp - 0xFEE0 for cp in range(0xFF01, 0xFF5F)}


@lru_cache(maxsize=256)  # pure; most handlers normalize the same message text again
def normalize(text: str) -> str:
    """The form all matching runs on: `folded`, and traditional Chinese characters made
    simplified ones (`simplified`: "簽到" is "签到", as members whose phone writes
    traditional characters mean it)."""
    if _plain_simplified().fullmatch(text):  # most chat: what both do to it, in one scan
        return " ".join(text.lower().split())
    return simplified(folded(text))


@cache
def _plain_simplified() -> re.Pattern[str]:
    """A text that `folded` folds by its shortcut for plain Chinese text (`_PLAIN_CHINESE`)
    and that holds no character `simplified` looks for: normalizing it is that shortcut
    alone. (Every message is normalized: one scan and no look-up in `folded`'s cache halve
    its cost. Made once a process, some 30 ms, at the config's first load: its patterns
    are normalized.)"""
    found = re.findall(f"[{_PLAIN}]", "".join(map(chr, range(0x10000))))
    kept = set(found) - traditional()
    return re.compile(char_class(map(ord, kept)).pattern + "*")


@lru_cache(maxsize=256)
def folded(text: str) -> str:
    """Invisible characters (zero-width, direction marks, soft hyphen, variation selectors,
    every Unicode format character) dropped; then NFKC (full-width to half-width, circled
    and superscript digits to digits, compatibility ideographs to their usual form), case
    folding, and whitespace runs collapsed to one space, stripped at both ends. Chinese
    characters pass through unchanged (the content detectors read traditional ones
    themselves: `unmask`); full-width punctuation becomes ASCII ("，" -> ",", "：" -> ":"),
    while "。" and "、" stay."""
    if text.isascii():
        return " ".join(text.lower().split())
    if _PLAIN_CHINESE.fullmatch(text):  # most chat: NFKC and case folding change nothing
        return " ".join(text.lower().split())
    if _WIDE_CHINESE.fullmatch(text):  # and full-width forms, which NFKC makes ASCII
        return " ".join(text.translate(_FULL_WIDTH).lower().split())
    return fully_folded(text)


def fully_folded(text: str, capitals: dict[int, str] | None = None) -> str:
    """`folded` for any text, by NFKC and case folding; with `capitals`, those letters
    translated in between (`unmask`: a capital look-alike, before it is a lower-case one)."""
    text = _nfkc(_INVISIBLE_CHARS.sub("", text))
    if capitals:
        text = text.translate(capitals)
    # Case folding can leave a string that is no longer NFKC ("ΐ"), hence NFKC once more.
    return " ".join(_nfkc(text.casefold()).split())


# The Han characters OpenCC's conversion to simplified characters changes alone, written out
# (bot/traditional.txt) rather than found by converting each at every start (30 ms of CPU
# and OpenCC loaded by every process): a text holding none of them is left alone.
# tests/test_text.py checks the file against OpenCC; after an OpenCC upgrade, write it again
# with `TRADITIONAL_CHARS_FILE.write_text(traditional_chars(), "utf-8")`.
TRADITIONAL_CHARS_FILE = Path(__file__).with_name("traditional.txt")
_HAN_RANGES = ((0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0xF900, 0xFAFF))


@cache
def traditional() -> frozenset[str]:
    """The Han characters OpenCC's conversion to simplified ones changes alone (read from
    bot/traditional.txt)."""
    return frozenset(TRADITIONAL_CHARS_FILE.read_text("utf-8").strip())


@cache
def _traditional_char() -> re.Pattern[str]:
    """One of `traditional()`: a scan in C (a set's look-up a character cost four times as
    much on a message)."""
    return char_class(map(ord, traditional()))


@cache
def t2s() -> Any:
    """OpenCC's converter to simplified characters, one a process (loaded when first
    needed)."""
    import opencc

    return opencc.OpenCC("t2s")


def traditional_chars() -> str:
    """The Han characters (CJK Unified Ideographs, extension A, compatibility ideographs)
    whose simplified form differs, in code point order."""
    han = [chr(cp) for first, last in _HAN_RANGES for cp in range(first, last + 1)]
    converted = str(t2s().convert("\n".join(han))).split("\n")
    return "".join(a for a, b in zip(han, converted, strict=True) if a != b)


def simplified(text: str) -> str:
    """`text` in simplified characters ("簽到" -> "签到", "乾杯" -> "干杯", by OpenCC's words
    and characters), as members whose phone writes traditional ones mean it. A text without a
    character changed alone (nearly every one) is returned as it is, without OpenCC: one
    that only OpenCC's phrases change ("答覆") too."""
    if text.isascii() or not _traditional_char().search(text):
        return text
    return str(t2s().convert(text))


def _nfkc(text: str) -> str:
    return text if unicodedata.is_normalized("NFKC", text) else unicodedata.normalize(
        "NFKC", text)


# --- unmask --------------------------------------------------------------------------------

# Digit styles NFKC leaves alone or spells with punctuation: dingbat circled digits,
# parenthesized (⑴ -> "(1)") and full-stop (⒈ -> "1.") digits, parenthesized numerals (㈠ ->
# "(一)"); the keycap mark of "1️⃣".
_DIGIT_STYLES = {
    **{0x2776 + i: str(i + 1) for i in range(9)},  # ❶..❾
    **{0x2780 + i: str(i + 1) for i in range(9)},  # ➀..➈
    **{0x278A + i: str(i + 1) for i in range(9)},  # ➊..➒
    **{0x24F5 + i: str(i + 1) for i in range(9)},  # ⓵..⓽
    0x24FF: "0", 0x24EA: "0",  # ⓿ ⓪
    **{0x2474 + i: str(i + 1) for i in range(20)},  # ⑴..⒇
    **{0x2488 + i: str(i + 1) for i in range(20)},  # ⒈..⒛
    **{0x3220 + i: numeral for i, numeral in enumerate("一二三四五六七八九十")},  # ㈠..㈩
    0x20E3: None,  # combining enclosing keycap
}
# Roman numerals Ⅰ-Ⅸ (ⅰ-ⅸ) used as digits ("ⅠⅢ⑧…"), which NFKC spells with letters (Ⅲ is
# "III"): `_roman_digits`
_ROMAN_DIGITS = {0x2160 + i: str(i + 1) for i in range(9)} | {
    0x2170 + i: str(i + 1) for i in range(9)}
_ROMAN_RUN = re.compile(char_class(_ROMAN_DIGITS).pattern + "+")
# Signs that stand for a plus ("⊕微", "➕vx", "🞡V": 加, add me) are one: "+" (NFKC makes
# ＋ ﹢ ⁺ ₊ one itself)
_PLUSES = dict.fromkeys(map(ord, "⊕⊞⨁⨣➕✚✙✛✜╋┼\U0001F7A1\U0001F7A2\U0001F7A3\U0001F7A4"
                             "\U0001F7A5\U0001F7A6\U0001F7A7"), "+")
# Emoji that spammers write for the slang of a contact marker: the penguin for QQ (企鹅,
# its mascot), the satellite for WeChat (卫星, weixing); read as that slang, counts and all
# ("🐧：12345678" is 企鹅:12345678, "🐧 3 只" still three penguins: bot/contacts.py)
_MARKER_EMOJI = {0x1F427: "企鹅", 0x1F6F0: "卫星"}
# The stroke radical 丶, written for a dot between the parts of a number or a domain
# ("138丶0013丶8000", "abc丶com"). Chat writes it too, as a decorative dot ("Love丶Me") and for
# 、 ("10丶11丶12丶13 号"): the link finder asks more of a name with one (bot/contacts.py). Its
# sibling 丨 stays a Chinese character: it is a title's and a table's bar ("微信丨2025 年公开课",
# "1丨138⏎2丨135"), and only a marker may be split by it ("微丨信": bot/contacts.py).
HAN_AS_PUNCTUATION = {0x4E36: "\u00b7"}
_STYLES = {**_DIGIT_STYLES, **_PLUSES, **_MARKER_EMOJI, **HAN_AS_PUNCTUATION}


def _is_cjk(char: str) -> bool:
    """Chinese characters, CJK symbols (〇) and kana: never folded to Latin letters."""
    return "\u2e80" <= char <= "\u9fff" or "\uf900" <= char <= "\ufaff" or char >= "\U00020000"


def _confusable_letters() -> dict[int, str]:
    """Letters and digits of other scripts that look like one ASCII letter or digit
    (Unicode's confusables data, through confusable_homoglyphs): "е" (Cyrillic) -> "e"."""
    from confusable_homoglyphs.confusables import confusables_data

    table: dict[int, str] = {}
    for char, homoglyphs in confusables_data.items():
        if len(char) != 1 or char.isascii() or _is_cjk(char):
            continue
        ascii_forms = {h["c"].lower() for h in homoglyphs
                       if len(h["c"]) == 1 and h["c"].isascii() and h["c"].isalnum()}
        if len(ascii_forms) == 1:
            table[ord(char)] = ascii_forms.pop()
    return table


def _named_letters() -> dict[int, str]:
    """Letters the confusables data leaves out, found by their Unicode names: Latin small
    capitals ("ᴇ", "ᴍ", "ʟ": LATIN LETTER SMALL CAPITAL E) and the letters in black circles
    and squares ("🅿️" for P, "🆅": NEGATIVE SQUARED LATIN CAPITAL LETTER V)."""
    table: dict[int, str] = {}
    for first, last, prefix in ((0x0250, 0x02AF, "LATIN LETTER SMALL CAPITAL "),
                                (0x1D00, 0x1D2B, "LATIN LETTER SMALL CAPITAL "),
                                (0xA720, 0xA7FF, "LATIN LETTER SMALL CAPITAL "),
                                (0x1F150, 0x1F189, "NEGATIVE CIRCLED LATIN CAPITAL LETTER "),
                                (0x1F150, 0x1F189, "NEGATIVE SQUARED LATIN CAPITAL LETTER ")):
        for cp in range(first, last + 1):
            name = unicodedata.name(chr(cp), "")
            letter = name.removeprefix(prefix)
            if letter != name and len(letter) == 1:
                table[cp] = letter.lower()
    return table


# Omega for w ("ωx" is wx), which the confusables data lists only with other omegas: the
# Greek letter (Ω casefolds to it), the APL and mathematical omegas, the Coptic and Cyrillic ones
_OMEGAS = dict.fromkeys(map(ord, "ω⍵ꞷ𝛚𝜔𝝎𝞈𝟂ⲱꙍ"), "w")


class LookAlikes(NamedTuple):
    """What `unmask` folds to ASCII (`look_alikes`)."""

    letters: dict[int, str]  # letters of other scripts, in a folded text
    capitals: dict[int, str]  # those that case folding changes, before it does
    digits: dict[int, str]  # other scripts' digits, where they spell no number
    in_plane_0: re.Pattern[str]  # a class of what folds to one of them, in plane 0
    astral: frozenset[int]  # the same beyond plane 0


@cache
def look_alikes() -> LookAlikes:
    """What `unmask` folds to ASCII: the letters of other scripts that look like an ASCII
    letter or digit, and the decimal digits of other scripts that do (Thai "๐" and
    Devanagari "०" look like o, Bengali "৪" like 8), folded so where they spell no number
    (`_phone_digits`). Those of the letters that case folding changes are read before it
    (`capitals`): it makes Cyrillic "З" (3) "з", which looks like no ASCII letter, and Greek
    "Η" (h) "η", which looks like n; a character NFKC changes reads as what it becomes
    ("𝚴" as "Ν", "𝟏" as 1). A look-alike is looked for, after folding, with a class of
    them all, their case-folded forms and every other decimal digit in plane 0 (a class of
    many ranges is fast only there, as a bitmap: beyond it, `unmask` looks at each
    character, mostly emoji). Built on first use: a bot builds it as it starts
    (bot/banned.py, `warm`), so no message waits for the confusables data (30 ms to load),
    and a command that never unmasks does not load it."""
    table = {**_named_letters(), **_confusable_letters(), **_OMEGAS}
    # other scripts' digits, each to the ASCII character it looks like (not its value:
    # Thai "๐" is "o"), folded after `_phone_digits` has read the runs that spell a number
    digits = {cp: folded for cp, folded in table.items() if chr(cp).isdecimal()}
    letters = {cp: folded for cp, folded in table.items() if cp not in digits}
    capitals = {cp: folded for cp, folded in letters.items()
                if chr(cp).casefold() != chr(cp) == _nfkc(chr(cp))}
    found = {*table, *(ord(c) for cp in capitals for c in chr(cp).casefold())}
    decimals = (cp for cp in range(0x80, 0x10000) if chr(cp).isdecimal())
    return LookAlikes(letters, capitals, digits,
                      char_class({*(cp for cp in found if cp < 0x10000), *decimals}),
                      frozenset(cp for cp in found if cp >= 0x10000))


# A run of digits of any script (Unicode's decimal digits, category Nd: NFKC leaves those of
# other scripts, Arabic-Indic "١", Devanagari "१", Thai "๑", as they are) with nothing between
# them that is a letter: `_phone_digits` reads it as a number or leaves it as it is.
_DIGIT_RUN = re.compile(r"\d[\W\d_]*")
# A decimal digit that is not an ASCII one: without one, there is no run to read.
_OTHER_DIGIT = re.compile(r"(?![0-9])\d")
_PHONE_DIGITS = 11  # a Chinese mobile number's


def _phone_digits(run: re.Match[str]) -> str:
    """A run of digits of any script, as ASCII digits by their value if it is long enough
    to spell a phone number ("١٣٨ ٠٠١٣ ٨٠٠٠", "१३८००१३८०००": ० is 0 there, not o). A shorter
    one is left for the look-alike fold: a price or a date in Thai ("ราคา ๑๓๘ บาท") is no
    part of a number, and "shop.c๐m" is .com."""
    if sum(c.isdecimal() for c in run[0]) < _PHONE_DIGITS:
        return run[0]
    return "".join(str(unicodedata.decimal(c)) if c.isdecimal() else c for c in run[0])


# Regional indicator letters: two together are a flag if emoji has one for them, ISO 3166-1's
# country codes and AC CP DG EA EU IC TA UN XK; any other two ("🇼🇽", "🇶🇶", "🇻🇽": no
# country's) are shown as the letters they are, and so is one on its own ("🇻 🇽").
_FLAG_CODES = """
    ad ae af ag ai al am ao aq ar as at au aw ax az ba bb bd be bf bg bh bi bj bl bm bn bo bq
    br bs bt bv bw by bz ca cc cd cf cg ch ci ck cl cm cn co cr cu cv cw cx cy cz de dj dk dm
    do dz ec ee eg eh er es et fi fj fk fm fo fr ga gb gd ge gf gg gh gi gl gm gn gp gq gr gs
    gt gu gw gy hk hm hn hr ht hu id ie il im in io iq ir is it je jm jo jp ke kg kh ki km kn
    kp kr kw ky kz la lb lc li lk lr ls lt lu lv ly ma mc md me mf mg mh mk ml mm mn mo mp mq
    mr ms mt mu mv mw mx my mz na nc ne nf ng ni nl no np nr nu nz om pa pe pf pg ph pk pl pm
    pn pr ps pt pw py qa re ro rs ru rw sa sb sc sd se sg sh si sj sk sl sm sn so sr ss st sv
    sx sy sz tc td tf tg th tj tk tl tm tn to tr tt tv tw tz ua ug um us uy uz va vc ve vg vi
    vn vu wf ws ye yt za zm zw
    ac cp dg ea eu ic ta un xk"""
_FLAGS = frozenset(_FLAG_CODES.split())
_INDICATORS = re.compile("[\U0001F1E6-\U0001F1FF]+")


def _indicator_letters(run: re.Match[str]) -> str:
    """A run of regional indicators as it is shown: in pairs from its start (as Unicode
    pairs them), a flag's pair kept, any other pair and one left over as their letters."""
    indicators = run[0]
    letters = "".join(chr(ord(c) - 0x1F1E6 + ord("a")) for c in indicators)
    return "".join(indicators[i:i + 2] if letters[i:i + 2] in _FLAGS else letters[i:i + 2]
                   for i in range(0, len(letters), 2))


_HAS_STYLE = char_class([*_STYLES, *_ROMAN_DIGITS])


def _roman_digits(text: str) -> str:
    """Runs of Roman numerals Ⅰ-Ⅸ as digits ("ⅠⅢ⑧" is 138), unless a Latin letter is beside
    the run: then they are letters ("weⅰxin", "shⅰt"). A Ⅴ alone is the letter V too (加Ⅴ：
    abc123) unless it follows a digit ("1380013800Ⅴ")."""

    def read(run: re.Match[str]) -> str:
        before, after = text[run.start() - 1:run.start()], text[run.end():run.end() + 1]
        beside = unicodedata.normalize("NFKC", before + after)
        if any(c.isascii() and c.isalpha() for c in beside) or (
                run[0] in ("\u2164", "\u2174") and not before.isdigit()):
            return run[0]
        return run[0].translate(_ROMAN_DIGITS)

    return _ROMAN_RUN.sub(read, text)


_ASTRAL = re.compile("[\U00010000-\U0010ffff]")


@lru_cache(maxsize=1024)  # pure; the split-contact detector reads recent messages again
def unmask(text: str) -> str:
    """The text as the content detectors read it: `folded` after every digit style is
    made a digit (⑴ ❶ ⒈, keycaps "1️⃣", Roman numerals Ⅰ-Ⅸ), every plus sign "+" (⊕ ➕ ✚ 🞡),
    the emoji for a marker's slang its words ("🐧" 企鹅, "🛰" 卫星), the radical 丶 a dot, and
    regional indicators letters where they are shown as letters ("🇻", "🇼🇽": no flag), then
    letters of other scripts that look like an ASCII letter or digit folded to it through
    Unicode's confusables data ("wеchat" with a Cyrillic е, "vх" with a Cyrillic х; and "ω"
    is w; a capital one before case folding: "WЕСНАТ", "1З8"), and the decimal digits of
    other scripts read as
    digits where they may spell a phone number (`_phone_digits`), elsewhere folded as
    look-alikes too. Chinese characters are never folded."""
    if text.isascii():
        return folded(text)
    if _HAS_STYLE.search(text):
        text = _roman_digits(text.translate(_STYLES))
    styled = _INDICATORS.sub(_indicator_letters, text)
    text = folded(styled)
    found = look_alikes()
    if found.in_plane_0.search(text) or any(ord(m[0]) in found.astral or m[0].isdecimal()
                                            for m in _ASTRAL.finditer(text)):
        text = fully_folded(styled, found.capitals).translate(found.letters)
        if _OTHER_DIGIT.search(text):
            text = _DIGIT_RUN.sub(_phone_digits, text).translate(found.digits)
    return text


# --- word lists ----------------------------------------------------------------------------

T = TypeVar("T")


def _is_ascii_alnum(char: str) -> bool:
    return char.isascii() and char.isalnum()


class _Entry(Generic[T]):
    """A pattern's value in a WordMatcher (a plain class: one is made for each of a large
    config's thousands of patterns, faster than a frozen dataclass's)."""

    __slots__ = ("value", "whole_word")

    def __init__(self, value: T, whole_word: bool) -> None:
        self.value = value
        self.whole_word = whole_word


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
        fold = normalize.__wrapped__  # not through the cache of message texts: thousands of
        for entry in entries:  # patterns would push them out of it, each missing it
            word = fold(entry[0])
            if word:
                by_word.setdefault(word, []).append(_Entry(entry[1], len(entry) == 3 and entry[2]))
        self.words = frozenset(by_word)  # normalized, as the matcher looks for them
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


def strip_mentions(text: str, names: Iterable[str] | None = None) -> str:
    """The text without "@Name" mentions (WeChat ends each with U+2005, others a space).

    With `names`, the names of the members the platform says the message mentions, only
    "@" + one of those names is taken away (ended by U+2005, or by a space or the end where
    no Latin letter, digit or address character is before the "@": typed by hand right
    after a Chinese command, "/踢@Bob Smith 刷屏", as after a space): anyone can type U+2005,
    so "@加微信abc12345<U+2005>" before a real mention stays text, and so do "abc@qq.com" and
    "@13800138000" in a message that mentions nobody.
    """
    if names is None:
        return _MENTION.sub("", text).strip()
    named = sorted({name for name in names if name}, key=len, reverse=True)
    if not named:
        return text.strip()
    alternatives = "|".join(map(re.escape, named))
    mention = re.compile(rf"@(?:{alternatives})\u2005\s*"
                         rf"|(?<![A-Za-z0-9_.+-])@(?:{alternatives})(?:\s+|$)")
    return mention.sub("", text).strip()


# What may precede or follow a command: anything but letters, digits and Chinese characters
# (punctuation, brackets, symbols, emoji, spaces): "签到！", "签到✅", "【签到】", "#签到",
# "check in~"; and the faces of WeChat's own emoji panel, which arrive as a short name in
# square brackets: "签到[强]", "[太阳]签到", "签到[玫瑰][玫瑰]", "签到[OK]". Each pattern reads
# from one end: the second one reads the text reversed, so a face is "]name[" to it.
_AROUND_COMMAND = re.compile(r"[\W_]*")
_WECHAT_FACE = r"[^\[\]\s]{1,12}"
_AROUND_COMMAND_FACES = (re.compile(rf"(?:\[{_WECHAT_FACE}\]|[\W_])*"),
                         re.compile(rf"(?:\]{_WECHAT_FACE}\[|[\W_])*"))


def command(text: str) -> str:
    """A message read as a command, which is the whole message: normalized, without its
    mentions and the marks, brackets, emoji and WeChat faces around it ("@小助手 签到！",
    "签到👍", "【签到】", "签到[强]" -> "签到"; "[签到]", nothing but one bracketed word, is
    "签到"; a message of nothing but marks stays as it is: "✅"). "请问什么时候可以开始考试？"
    is no "开始考试"."""
    return unmarked(normalize(strip_mentions(text)))


def unmarked(message: str) -> str:
    """A normalized message without the marks, brackets, emoji and WeChat faces around it,
    as `command` reads it ("签到！" -> "签到"; "✅" stays)."""
    return _without(message, *_AROUND_COMMAND_FACES) or trimmed(message) or message


def trimmed(text: str) -> str:
    """`text` without the punctuation, spaces and emoji around it ("" if that is all)."""
    return _without(text, _AROUND_COMMAND, _AROUND_COMMAND)


def _without(text: str, before: re.Pattern[str], after: re.Pattern[str]) -> str:
    """`text` without what `before` matches at its start and `after` (reading the text
    reversed) at its end: a match from each end (a search for decoration before the end would
    read a long run of it again from each of its characters)."""
    start = _matched(before, text)
    end = len(text) - _matched(after, text[::-1])
    return text[start:end]


def _matched(pattern: re.Pattern[str], text: str) -> int:
    """How many characters `text` starts with that `pattern` matches."""
    found = pattern.match(text)
    return found.end() if found else 0
