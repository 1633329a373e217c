"""Message texts that no content detector can flag, told apart in a few scans in C.

antispam reads every message for links, contact details and banned words (bot/contacts.py,
bot/banned.py): some 20 µs of Python a message. Most chat is Chinese with perhaps a number,
and cannot hold any of them. `Prefilter.clean(text)` says so for such a text, and the
detectors are not run; for any other text it says False and they are. It is never True
for a text a detector flags (tests/test_prefilter.py: the corpora and random texts).

Why a clean text cannot be flagged: it has only the safe characters (`_safe_run`), so `unmask`
leaves its characters as they are (Chinese characters but the radical 丶 it makes a dot,
ASCII digits, spaces, and punctuation that becomes ASCII ?!,:;#~ or stays as it is) and

- it has no Latin letter, so no e-mail address (a top-level domain is letters), no scheme,
  no pinyin, no marker in Latin letters, no id after 加我 and no "o l i" digits;
- every link and IP address needs a dot, and without Latin letters a dot can only come
  from 点 (點) or 。 between digits ("1点2") or 点 (點) in brackets ("【点】", "「点」"): not
  in a clean text ("下午3点开会" and "【通知】" are);
- no contact marker can start in it (bot/contacts.py's MARKER_STARTS are not safe) and a
  phone number needs 11 digits (0-9 or Chinese numerals): a clean text has fewer;
- no mini program is advertised in it: that needs 小程序 written out (MINI_PROGRAM_KEY, 序,
  is not safe) or "xcx";
- its simplified form (as bot/banned.py reads it) holds none of the word lists' keys
  (BannedWords.keys), so no listed word. Most chat has no character the conversion to
  simplified characters could change (`_convertible`), and is not converted.

Most chat is told apart in two scans: it has only safe characters that are no key, need no
conversion and are none of 点 點 。 (`_inert`): of the above, only its digits are left to count.

Two more looks serve the contact details split over a member's messages (antispam's
`contacts.split_within`): `no_contact(joined)`, none in the messages read together, and
`no_contact_part(text)`, nothing in one message that a contact detail is made of (nor a word
that makes a roster's entry before it an ad's: bot/contacts.py `reaches_out`).
"""

from __future__ import annotations

import re
from functools import cache, lru_cache
from itertools import pairwise

from bot.banned import BannedWords, simplified
from bot.contacts import (
    CLOSING_BRACKETS,
    MARKER_STARTS,
    MINI_PROGRAM_KEY,
    NUMERALS,
    PLATFORM_KEYS,
    reaches_out,
)
from bot.text import HAN_AS_PUNCTUATION, char_class, normalize, traditional

# Punctuation that NFKC makes ASCII ?!,:;#~ (or leaves: 、。“”《》「」【】), none of which
# builds a link, an address or a marker without Latin letters or dots ("#" starts WeChat's
# 接龙 and topics). A bracket spells a dot with 点 inside ("【点】"): _BRACKETED_DOT.
_PUNCTUATION = " \n?!,:;#~？！，：；＃～、。“”《》「」【】"
_PHONE_DIGITS = 11  # the fewest digits of a phone number
_DIGITS = frozenset("0123456789" + NUMERALS)
# Characters OpenCC changes only in a phrase of its dictionary (深沈 -> 深沉, 答覆 -> 答复),
# never alone (tests/test_prefilter.py reads the dictionaries for them)
_PHRASE_ONLY = "哩坏沈甦瞭藉衹覆"
_DIGIT = f"[0-9{NUMERALS}]"
_ELEVEN_DIGITS = re.compile(f"(?:{_DIGIT}[^0-9{NUMERALS}]*){{{_PHONE_DIGITS}}}")
# digits (0-9, Chinese numerals) with only safe punctuation and spaces between them
_DIGIT_RUN = re.compile(f"{_DIGIT}(?:[{re.escape(_PUNCTUATION)}]*{_DIGIT})*")
# 点 (點) or 。 between digits (spaces around it): a dot (bot/contacts.py: _WRITTEN_DOT)
_DOT = re.compile("[0-9][ \n]*[点點。][ \n]*[0-9]")
# 点 (點) before a closing bracket, as in any bracket that spells a dot (bot/contacts.py:
# _BRACKETED); found from the 点, which few texts have
_BRACKETED_DOT = re.compile(f"[点點][ \n]*[{re.escape(CLOSING_BRACKETS)}]")
_DOTS = frozenset("点點。")  # what _DOT and _BRACKETED_DOT start from
_HAN_UNMASKED = "".join(map(chr, HAN_AS_PUNCTUATION))  # 丶, which unmask makes a dot


class Prefilter:
    """Built with a type's banned words (their keys are not safe characters)."""

    def __init__(self, words: BannedWords, platforms: bool = False) -> None:
        markers = MARKER_STARTS + (PLATFORM_KEYS if platforms else "")
        unsafe = frozenset(markers + MINI_PROGRAM_KEY + _HAN_UNMASKED) | words.keys
        self._safe = _safe_run(unsafe)
        self._safe_few_digits = _few_digits(unsafe)  # (safe, fewer than 11 digits in all)
        self._no_digit = _safe_run(frozenset(MARKER_STARTS) | _DIGITS)
        self._keys = re.compile(f"[a-z{re.escape(''.join(sorted(words.keys)))}]")
        self._convertible = _convertible()  # built with the config, not at the first message
        # safe characters that are no key, need no conversion and spell no dot: most chat
        # has only these, and then only its digits are left to count
        inert = unsafe | _convertible_chars() | _DOTS
        self._inert = _safe_run(inert)
        # the same, with fewer than 11 digits (fewer than _ELEVEN_DIGITS needs): one scan
        self._inert_few_digits = _few_digits(inert)

    @staticmethod
    @lru_cache(maxsize=32)  # some 0.5 ms: once for the types (and reloads) with the same words
    def of(words: BannedWords, platforms: bool = False) -> Prefilter:
        """The prefilter of these words (`banned_words` gives the same object for the same
        words), and of other platforms' ids if they are looked for."""
        return Prefilter(words, platforms)

    def clean(self, text: str) -> bool:
        """True: no link, contact detail or banned word can be found in `text` (a message
        without its mentions); False: it may hold one, read it in full. (Of a text of safe
        characters, `unmask` is `normalize`, which the caller has mostly done already.)"""
        if self._inert_few_digits.fullmatch(text) is not None:  # (most chat: one scan)
            return True
        if self._inert.fullmatch(text) is not None:
            # what follows, in short: normalizing such a text changes only its punctuation
            # and spaces (keys are Chinese characters and digits), so it holds no key either
            return _ELEVEN_DIGITS.search(text) is None
        if self._safe.fullmatch(text) is None:
            return False
        if _ELEVEN_DIGITS.search(text) or _DOT.search(text) or _BRACKETED_DOT.search(text):
            return False
        text = normalize(text)
        if self._convertible.search(text):  # traditional characters: read as simplified
            text = simplified(text)
        return self._keys.search(text) is None

    def no_contact(self, text: str) -> bool:
        """True: no contact detail can be found in `text` (several messages joined by a line
        break): only safe characters, and no run of digits separated by punctuation or
        spaces alone (what a phone number spans: bot/contacts.py) holds 11 of them. (Most
        chat: fewer than 11 digits in all, told in one scan.)"""
        if self._safe_few_digits.fullmatch(text) is not None:
            return True
        return self._safe.fullmatch(text) is not None and not any(
            _ELEVEN_DIGITS.search(run) for run in _DIGIT_RUN.findall(text))


    def no_contact_part(self, text: str) -> bool:
        """True: no part of a contact detail is in `text`, whatever messages are read with
        it: only safe characters, and no digit (0-9, Chinese numerals), so no digit of a
        number, no id, no marker's start, no letter of an address or a domain; and no word
        that makes a roster's entry sent before it an ad's (「李威：20231234」 then 「兼职」,
        「私聊」: bot/contacts.py `reaches_out`)."""
        if self._no_digit.fullmatch(text) is None:
            return False
        return not reaches_out(simplified(text) if self._convertible.search(text) else text)


@cache
def _convertible_chars() -> frozenset[str]:
    """The Chinese characters (of the CJK block, all a cleared text has) that OpenCC's
    conversion to simplified characters (bot/banned.py `simplified`) may change: a text
    without any it leaves as it is, and needs no conversion. Those it changes alone
    (bot/text.py `traditional`), and _PHRASE_ONLY."""
    return frozenset(c for c in traditional() if ord(c) in _BLOCK) | frozenset(_PHRASE_ONLY)


@cache
def _convertible() -> re.Pattern[str]:
    """Any of `_convertible_chars`."""
    return char_class(ord(c) for c in _convertible_chars())


_BLOCK = range(0x4E00, 0xA000)  # CJK Unified Ideographs: the Chinese characters a text has


@lru_cache(maxsize=64)  # once for all types with the same words
def _safe_run(unsafe: frozenset[str]) -> re.Pattern[str]:
    """A run of safe characters: those of the CJK block, ASCII digits and `_PUNCTUATION`,
    except `unsafe`."""
    return re.compile(f"[{_safe_class(unsafe)}]*")


@lru_cache(maxsize=64)
def _few_digits(unsafe: frozenset[str]) -> re.Pattern[str]:
    """A run of safe characters but `unsafe` (`_safe_run`) with fewer than `_PHONE_DIGITS`
    digits (0-9, Chinese numerals) among them. (Possessive: each character is read once.)"""
    other = _safe_class(unsafe | _DIGITS)
    digit = re.escape("".join(sorted(c for c in _DIGITS - unsafe
                                     if c in "0123456789" or ord(c) in _BLOCK)))
    return re.compile(f"[{other}]*+(?:[{digit}][{other}]*+){{0,{_PHONE_DIGITS - 1}}}+")


def _safe_class(unsafe: frozenset[str]) -> str:
    """What a character class of the safe characters but `unsafe` holds. The CJK block's
    are written as the ranges between its unsafe characters, found from those alone (not a
    look at each of its 20,992 characters: 20 ms of CPU a call, three calls as each config
    loads)."""
    cut = sorted(cp for cp in (ord(c) for c in unsafe if len(c) == 1) if cp in _BLOCK)
    bounds = [_BLOCK.start - 1, *cut, _BLOCK.stop]
    ranges = "".join(re.escape(chr(after + 1)) + ("-" + re.escape(chr(before - 1))
                                                  if before - 1 > after + 1 else "")
                     for after, before in pairwise(bounds) if before - after > 1)
    others = "".join(c for c in "0123456789" + _PUNCTUATION if c not in unsafe)
    return f"{ranges}{re.escape(others)}"

