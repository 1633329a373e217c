"""YAML loading that remembers where every value came from, so errors name file:line."""

from __future__ import annotations

import copy
import difflib
import functools
import os
import pickle
import re
import stat
import threading
import typing
import unicodedata
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

KeyPath = tuple[str | int, ...]
M = TypeVar("M", bound=BaseModel)


@dataclass(frozen=True, slots=True)
class Where:
    file: Path
    line: int


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with an input file: where, which key, and what."""

    where: Where
    path: KeyPath
    message: str

    def __str__(self) -> str:
        key = f" {format_path(self.path)}:" if self.path else ""
        return f"{self.where.file}:{self.where.line}:{key} {self.message}"


class InputError(Exception):
    """An input file (config, scenario) is invalid; carries every problem found."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("\n".join(str(p) for p in problems))
        self.problems = problems


# the end pydantic gives the path of a mapping's key refused, not its value: bonuses.07.[key]
_KEY = "[key]"


def format_path(path: KeyPath) -> str:
    """A key path as messages name it, handlers.checkin.bonuses[7]; a mapping's key that is
    refused (not its value) as written after its mapping: handlers.checkin.bonuses, key `07`."""
    if len(path) > 1 and path[-1] == _KEY:
        inside = format_path(path[:-2])
        return f"{inside}, key `{path[-2]}`" if inside else f"key `{path[-2]}`"
    text = ""
    for part in path:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else str(part)
    return text


@dataclass(frozen=True, slots=True)
class Places:
    """Where the values of a file were written: the line of every key path, and the key
    paths of the switch words written quoted or as a block (`empty: 'off'`: the text, not a
    switch; YAML reads `off` and `'off'` alike, its node's style tells them apart)."""

    lines: Mapping[KeyPath, int]
    quoted: frozenset[KeyPath] = frozenset()
    # the key paths of the nulls written as nothing (`every:`), not as `null` or `~`
    left_empty: frozenset[KeyPath] = frozenset()


class Located:
    """Loaded YAML data plus where every key path in it was written (`Places`).

    The places of a file read the fast way (`_plain_data`) are worked out only when asked
    for (a warning or an error needs a place), by reading the same text again the way that
    notes them: most loads need none."""

    __slots__ = ("_loader", "_places", "_text", "data", "file", "notes")

    def __init__(self, data: Any, file: Path, places: Places | None = None, *,
                 text: str = "", loader: type[yaml.SafeLoader] | None = None,
                 notes: tuple[Problem, ...] = ()) -> None:
        self.data = data
        self.file = file
        self._places = places
        self._text = text
        self._loader = loader
        self.notes = notes  # what the file says that YAML reads otherwise than meant (slips)

    @property
    def places(self) -> Places:
        if self._places is None:
            self._places = _places_of(self._text, self.file, self._loader or Loader)
            self._text = ""
        return self._places

    @property
    def lines(self) -> Mapping[KeyPath, int]:
        return self.places.lines

    def quoted(self, path: KeyPath) -> bool:
        """Whether the value at `path` is a switch word written as a text: quoted
        (`'off'`) or as a block."""
        return path in self.places.quoted

    def left_empty(self, path: KeyPath) -> bool:
        """Whether the value at `path` is a null written as nothing after its colon (a value
        forgotten, or deleted), not as `null` or `~` (meant)."""
        return path in self.places.left_empty

    def where(self, path: KeyPath) -> Where:
        """The line of the deepest part of `path` that exists in the file."""
        lines = self.lines
        for end in range(len(path), -1, -1):
            line = lines.get(path[:end])
            if line is not None:
                return Where(self.file, line)
        return Where(self.file, 1)

    def problem(self, path: KeyPath, message: str) -> Problem:
        return Problem(self.where(path), path, message)


# Limits on what one YAML file may hold (docs/limits.md): hostile or careless input must
# give a file:line message, never a traceback, a stall or a memory blow-up.
MAX_BYTES = 4 * 1024 * 1024  # a file larger than this is refused before it is parsed
MAX_DEPTH = 50  # mappings and lists nested deeper than this are refused
MAX_ALIAS_VALUES = 10_000  # values that `*alias` and `<<: *merge` may repeat, in all

_INT, _FLOAT, _BOOL = ("tag:yaml.org,2002:int", "tag:yaml.org,2002:float",
                       "tag:yaml.org,2002:bool")
# Numbers are plain decimals in every file the bot reads: 10, -5, 1.5. What YAML 1.1 (PyYAML's
# own reading) also takes for a number is the text written: 1:30 is not 90 (base 60), 010 not
# 8 (octal: a leading zero keeps a phone number's or an id's digits), and 0x10, 0b10, 1_000 are
# texts. An operator's `wait: 1:30`, `admins: [0108]` or `start: 8:00` is then read as
# written, or refused with its line, never silently another number. (A subset of YAML 1.1's
# numbers: what PyYAML's dumper writes, quoting any text 1.1 would read otherwise, reads back
# the same.)
_DECIMAL = re.compile(r"^[-+]?(?:0|[1-9][0-9]*)$")
_DECIMAL_FLOAT = re.compile(r"""^(?:[-+]?(?:0|[1-9][0-9]*)\.[0-9]*(?:[eE][-+][0-9]+)?
    |\.[0-9]+(?:[eE][-+][0-9]+)?
    |[-+]?\.(?:inf|Inf|INF)
    |\.(?:nan|NaN|NAN))$""", re.X)
# Booleans are true and false (True, TRUE...), as YAML 1.2 has them. YAML 1.1's yes, no, on
# and off are the texts written: a keyword `NO`, a reply `on` or a pattern `yes` is what the
# operator typed, never a boolean refused where a text goes. A key that takes a switch takes
# them too (`mention: yes`, antispam's `video: off`): see `settle`.
_TRUE_FALSE = re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$")
# YAML 1.1's other booleans, as it spells them, and what a key taking a switch reads them as
SWITCHES = {word: value for words, value in (("yes Yes YES on On ON", True),
                                             ("no No NO off Off OFF", False))
            for word in words.split()}


def _decimal(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> int | str:
    value = loader.construct_scalar(node)
    if isinstance(value, str) and _DECIMAL.match(value):
        try:
            return int(value)
        except ValueError:  # past Python's 4,300 digits: no number anyone means, so the text
            return value  # (what the key takes then says what is wrong, with its line)
    return loader.construct_yaml_int(node)  # an explicit `!!int 0x10`, as YAML 1.1 has it


def _plain_decimals(base: type[Any]) -> type[yaml.SafeLoader]:
    """`base` with plain decimal numbers and true and false in place of YAML 1.1's implicit
    numbers and booleans."""
    plain = {_INT: _DECIMAL, _FLOAT: _DECIMAL_FLOAT, _BOOL: _TRUE_FALSE}
    resolvers = {first: [(tag, plain.get(tag, pattern))
                         for tag, pattern in found]
                 for first, found in base.yaml_implicit_resolvers.items()}
    return type(base.__name__, (base,), {
        "__doc__": f"{base.__name__}, its numbers plain decimals, its booleans true and false.",
        "yaml_implicit_resolvers": resolvers,
        "yaml_constructors": {**base.yaml_constructors, _INT: _decimal}})


# the pure-Python loader, and libyaml's parser and composer when PyYAML was built with it:
# about 10x faster, with the same marks (line numbers) on every node
PythonLoader = _plain_decimals(yaml.SafeLoader)
Loader: type[yaml.SafeLoader] = _plain_decimals(yaml.CSafeLoader) \
    if hasattr(yaml, "CSafeLoader") else PythonLoader


def as_read(value: Any) -> str:
    """A value as a message shows what was read: its repr, or for YAML's null YAML's words,
    not Python's None. Which of them was written is not known here: a key with no value
    after its colon is as null as `null` or `~` typed (r109-5)."""
    return "null (nothing after the colon, or null or ~)" if value is None else repr(value)


def leading_zero(text: str) -> str | None:
    """The number a text of digits with a leading zero (`_DECIMAL` leaves it a text) is
    without it: "010" -> "10", for the hint that says what to write; else None."""
    found = _LEADING_ZERO.fullmatch(text.strip())
    if found is None:
        return None
    plain = found[2] if found[2][0] != "." else f"0{found[2]}"
    return f"{found[1].replace('+', '')}{plain}"


_LEADING_ZERO = re.compile(r"([-+]?)0+([1-9][0-9]*(?:\.[0-9]+)?|0?\.[0-9]+|0)")


def other_digits(text: str) -> str | None:
    """The plain number a text of other digits (full-width ５, Arabic-Indic ٥) reads as, for
    the hint that says what to write; else None."""
    plain = "".join(str(unicodedata.digit(char, char)) if char.isdigit() else char
                    for char in unicodedata.normalize("NFKC", text.strip()))
    return plain if plain != text.strip() and re.fullmatch(r"-?[0-9]+(?:\.[0-9]+)?", plain) \
        else None


def plain_value(text: str) -> Any:
    """What `text`, written unquoted in a YAML file, reads as: a number or the text (for what
    is typed instead, the simulator's `/wait 10`, to read as a scenario's `wait: 10`)."""
    if _DECIMAL.match(text) or _DECIMAL_FLOAT.match(text):  # (one plain scalar: no more)
        return yaml.load(text, Loader=Loader)
    return text


_STR = "tag:yaml.org,2002:str"
_MERGE = "tag:yaml.org,2002:merge"
_NULL = "tag:yaml.org,2002:null"
# a full-width colon in a key's place ("welcome：") and the full-width punctuation that
# breaks flow lists and maps; quoted text and comments are left out before looking
_FULL_WIDTH_KEY = re.compile(r"^\s*(?:-\s+)*[^\s#'\"：:][^#'\":]*?(：)")
_FULL_WIDTH_FLOW = re.compile(r"[，［］｛｝]|(?<=[{,])\s*[^\s:：,{}]+(：)")  # (`{action：log}`)
_QUOTED = re.compile(r"\"(?:[^\"\\]|\\.)*\"|'(?:[^']|'')*'")
_COMMENT = re.compile(r"(?:^|\s)#.*$")
_HALF = {"：": ":", "，": ",", "［": "[", "］": "]", "｛": "{", "｝": "}"}
# spaces a person cannot tell from a plain one, which YAML does not take for one: in the
# indentation (a Chinese input method's full-width space) or right after a key's colon or a
# list's dash (a no-break space, pasted from a web page or a chat)
_ODD_SPACES = {"\u3000": "a full-width space", "\u00a0": "a no-break space",
               "\u200b": "a zero-width space", "\ufeff": "a zero-width no-break space"}
# a key with no space after its colon (`timezone:Asia/Shanghai`, `- report:true`, in braces
# `{7:30}`): YAML reads one text; not a link (`http://`), nor a clock time as a value
_NO_SPACE_KEY = re.compile(r"^\s*(?:-\s+)*([A-Za-z_][\w.+-]*):(?![\s:/])(\S+)")
_NO_SPACE_FLOW = re.compile(r"[{,]\s*([^\s:,{}\[\]]+):([^\s,}/:][^\s,}:]*)(?=[\s,}]|$)")
# a value that is a flow list or map (`triggers: [签到, 打卡]`, `- {every: 5m}`, `{7:30}`): the
# flow hints read only that; a plain text may hold any comma or colon (`reply: 你好，客服,
# 时间:工作日`: r109-1)
_FLOW_VALUE = re.compile(r"^(?:\s*-\s+)*\s*(?:[^\s#'\"\[{［｛][^#'\"]*?[:：]\s+)?([\[{［｛].*)$")
_ODD_SPACE = re.compile("(?:^[ ]*(?:-[ ]+)*|[:-][ ]*)([\u00a0\u2000-\u200b\u3000\ufeff])")


def load(file: Path, max_bytes: int = MAX_BYTES, *, regular: bool = False) -> Located:
    """Parse one YAML file; syntax errors, duplicate keys and broken limits raise InputError
    with the line. `regular`: a regular file only (a config file); anything else (a FIFO, a
    device, a directory) is refused at once, never waited on as a FIFO with no writer is."""
    try:
        if regular and not stat.S_ISREG(mode := file.stat().st_mode):
            raise InputError([Problem(Where(file, 1), (),
                                      f"not a regular file: {file_kind(mode)}")])
        # O_NONBLOCK: should a FIFO take the file's place meanwhile, opening it returns at
        # once (reads of a regular file are not affected); without `regular`, what a pipe
        # holds is read (`replay <(cat s.yaml)`)
        with open(os.open(file, os.O_RDONLY | (os.O_NONBLOCK if regular else 0)), "rb") as stream:
            size = os.fstat(stream.fileno()).st_size  # 0 for a pipe or a device (/dev/zero),
            raw = stream.read(max_bytes + 1) if size <= max_bytes else b""  # so read so far
        if max(size, len(raw)) > max_bytes:
            told = f"{size:,} bytes" if size > max_bytes else "it goes on past the limit"
            raise InputError([Problem(Where(file, 1), (), f"file too large: {told} "
                                                          f"(the limit is {max_bytes:,})")])
        text = raw.decode("utf-8-sig").replace("\r\n", "\n").replace("\r", "\n")
    except OSError as exc:
        raise InputError([Problem(Where(file, 1), (), f"cannot read: {exc.strerror}")]) from None
    except UnicodeDecodeError as exc:  # (GBK, UTF-16: an editor's other choices)
        line = raw.count(b"\n", 0, exc.start) + 1
        raise InputError([Problem(Where(file, line), (), "not UTF-8 text: save it as UTF-8")]
                         ) from None
    return parse(text, file)


def parse(text: str, file: Path) -> Located:
    """Parse the YAML text of `file` (read already: a content file); errors as `load`'s.
    The same text of the same file as last time is taken from what that parse made of it
    (_Kept), not parsed again."""
    loader_class = Loader
    if (kept := _kept.get(file, text, loader_class)) is not None:
        return kept
    located = _parse(text, file, loader_class)
    _kept.put(file, text, loader_class, located)
    return located


def _parse(text: str, file: Path, loader_class: type[yaml.SafeLoader]) -> Located:
    data = _plain_data(text, loader_class)
    if data is not _NOT_PLAIN:  # most files: their lines are worked out when asked for
        return Located(data, file, text=text, loader=loader_class, notes=slips(text, file))
    loader: yaml.SafeLoader | None = None
    try:
        loader = loader_class(text)
        node = loader.get_single_node()
        builder = _Builder(loader, file, anchors="&" in text)
        data = builder.build(node, (), 0, 1) if node is not None else None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 1
        reason = exc.problem or exc.context or "invalid YAML"
        raise InputError([_syntax(file, text, line, reason)]) from None
    except yaml.reader.ReaderError as exc:  # a control character: it has no mark, only where
        line = text.count("\n", 0, max(exc.position, 0)) + 1
        char = exc.character if isinstance(exc.character, str) else chr(exc.character)
        raise InputError([Problem(Where(file, line), (), f"character U+{ord(char):04X} is not "
                                  "allowed in YAML (a control character): delete it")]) from None
    except RecursionError:  # the pure-Python composer recurses once per level of nesting
        raise InputError([_too_deep(file, text)]) from None
    finally:
        if loader is not None:
            loader.dispose()
    return Located(data, file, builder.places(), notes=slips(text, file))


@dataclass(frozen=True, slots=True)
class _Parsed:
    """What parse() made of one text of a file."""

    text: str
    loader: type[yaml.SafeLoader]
    data: bytes  # pickled: each parse gets data of its own, whatever its reader does to it
    places: Places | None  # (None: worked out when asked for, from the text)
    notes: tuple[Problem, ...]

    @property
    def size(self) -> int:
        return len(self.text) + len(self.data)


class _Kept:
    """What parse() made of the files it read last, up to `budget` characters of their
    texts and bytes of their data in all (the least recently read go first).

    A reload reads every file of the config again, and most are as they were: the same
    text of a file is then taken from here, its data unpickled, about ten times faster
    than parsing it (a config of 1,000 bindings and 5,000 rules: 10 ms against 110 ms).
    Only what parsed is kept: a file with an error is parsed, and its error said, each
    time. The data, the lines and the warnings are what parsing the text gives."""

    def __init__(self, budget: int) -> None:
        self.budget = budget
        self.size = 0
        self._files: OrderedDict[Path, _Parsed] = OrderedDict()
        self._lock = threading.Lock()  # (reloads load in worker threads)

    def get(self, file: Path, text: str, loader: type[yaml.SafeLoader]) -> Located | None:
        with self._lock:
            parsed = self._files.get(file)
            if parsed is None or parsed.loader is not loader or parsed.text != text:
                return None
            self._files.move_to_end(file)
        return Located(pickle.loads(parsed.data), file, parsed.places,
                       text=text if parsed.places is None else "", loader=loader,
                       notes=parsed.notes)

    def put(self, file: Path, text: str, loader: type[yaml.SafeLoader],
            located: Located) -> None:
        parsed = _Parsed(text, loader, pickle.dumps(located.data, pickle.HIGHEST_PROTOCOL),
                         located._places, located.notes)
        with self._lock:
            if (old := self._files.pop(file, None)) is not None:
                self.size -= old.size
            if parsed.size > self.budget:
                return
            self._files[file] = parsed
            self.size += parsed.size
            while self.size > self.budget:
                self.size -= self._files.popitem(last=False)[1].size

    def clear(self) -> None:
        """Forget every file: the next parse of each is a parse (a benchmark's cold load)."""
        with self._lock:
            self._files.clear()
            self.size = 0


# characters and bytes: a config of 1,000 bindings and 5,000 rules takes 1.3 million (1.8 MB
# of memory), a test's few thousand
KEPT_BUDGET = 64 * 1024 * 1024
_kept = _Kept(KEPT_BUDGET)


def forget() -> None:
    """Parse every file again from now on (see _Kept)."""
    _kept.clear()


# a line that may hold a slip slips() looks for: a full-width comma inside `[...]`, or a
# curly quote where a value starts
_MAY_SLIP = re.compile(r"\[[^\]\n]*[，、]|(?:^|[\s:,\[-])[“‘]", re.MULTILINE)
_CURLY = {"“": "”", "‘": "’"}
_SLIP_CHAR = re.compile("[，、“‘]")  # what each of _MAY_SLIP's lines holds


def _may_slip(text: str) -> bool:
    """Whether a line of `text` matches _MAY_SLIP, looked for only in the lines that hold one
    of its characters, found by a scan in C (_MAY_SLIP over a whole file costs some 5 ms per
    100 KB, a large config's reload 30 ms, where most lines hold none)."""
    at = 0
    while (found := _SLIP_CHAR.search(text, at)) is not None:
        start = text.rfind("\n", 0, found.start()) + 1
        end = text.find("\n", found.end())
        end = len(text) if end < 0 else end
        if _MAY_SLIP.search(text, start, end):
            return True
        at = end
    return False


def slips(text: str, file: Path) -> tuple[Problem, ...]:
    """Texts YAML takes, but otherwise than a person typing with a Chinese input method
    meant: an item of a `[...]` list holding a full-width comma (`[签到，打卡]` is ONE item,
    '签到，打卡'), and a text in curly quotes (`[“价格”]`: YAML keeps the quotes, and a
    pattern then matches only a message holding them). Warned of, not mended: a comma or a
    quote may be meant, and writing the text in straight quotes says so."""
    if not _may_slip(text):  # (most files: the parser is not run again)
        return ()
    notes: list[Problem] = []
    frames: list[list[Any]] = []  # each open mapping or list: [mapping?, flow?, key or index]
    try:
        for event in yaml.parse(text, Loader=Loader):
            kind = type(event)
            if kind is yaml.MappingEndEvent or kind is yaml.SequenceEndEvent:
                frames.pop()
                _next(frames)
                continue
            if not isinstance(event, (yaml.ScalarEvent, yaml.CollectionStartEvent,
                                      yaml.AliasEvent)):
                continue
            top = frames[-1] if frames else None
            if top is not None and top[0] and top[2] is None:  # a key
                if not isinstance(event, yaml.ScalarEvent):  # a key that is a list: no
                    break  # config has one (load() refuses it), so no path after it is right
                top[2] = event.value
                continue
            if isinstance(event, yaml.CollectionStartEvent):
                mapping = kind is yaml.MappingStartEvent
                frames.append([mapping, bool(event.flow_style), None if mapping else 0])
                continue
            if isinstance(event, yaml.ScalarEvent) and not event.style and event.start_mark:
                in_flow_list = top is not None and not top[0] and top[1]
                note = _slip(event.value, _list_key(frames) if in_flow_list else None)
                if note is not None:
                    path = tuple(f[2] for f in frames)
                    notes.append(Problem(Where(file, event.start_mark.line + 1), path, note))
            _next(frames)
    except yaml.YAMLError:  # (load() says what is wrong)
        return ()
    return tuple(notes)


def _next(frames: list[list[Any]]) -> None:
    """A value in the innermost open mapping or list is done: on to the next key or item."""
    if frames:
        top = frames[-1]
        top[2] = None if top[0] else top[2] + 1


# the keys whose items are words, ids or patterns: a full-width comma in one is a slip
_WORD_LISTS = frozenset({"triggers", "patterns", "keywords", "words", "start", "questions",
                         "admins", "exempt", "members", "operators", "allow", "small_talk",
                         "answer", "list_commands", "look_for"})
# the keys whose items are texts a member reads: a full-width comma in one is punctuation
_TEXT_LISTS = frozenset({"replies", "texts", "templates", "options", "lines", "messages"})
_SENTENCE_MARK = re.compile(r"[。！？～…!?~]")
_WORD_LENGTH = 10  # (characters: a word or a short phrase; a sentence is longer)


def _list_key(frames: list[list[Any]]) -> str:
    """The key of the nearest mapping the innermost (list) frame is in, "" if none."""
    for frame in reversed(frames[:-1]):
        if frame[0]:
            return str(frame[2])
    return ""


def _words_by_comma(value: str, key: str) -> bool:
    """Whether a flow-list item holding ，/、 was meant as several: always under a key of
    words (`triggers: [签到，打卡]`), never under one of texts (`replies: [早上好，加油！]`), and
    elsewhere when each part looks like a word (short, no sentence punctuation)."""
    if key in _WORD_LISTS:
        return True
    if key in _TEXT_LISTS:
        return False
    return all(0 < len(part.strip()) <= _WORD_LENGTH and _SENTENCE_MARK.search(part) is None
               for part in re.split("[，、]", value))


def _slip(value: str, list_key: str | None) -> str | None:
    """What is wrong with one unquoted text, if it is a slip slips() looks for; `list_key` is
    the key of the `[...]` list the text is an item of (None: not in one)."""
    if len(value) > 1 and _CURLY.get(value[0]) == value[-1]:
        inner = value[1:-1]
        return (f"{value!r} is in curly quotes {value[0]}{value[-1]}, which YAML keeps as part"
                f" of the text (a pattern then matches only a message holding them): write "
                f'"{inner}" with straight quotes, or \'{value}\' if the curly ones are meant')
    if (list_key is not None and ("，" in value or "、" in value)
            and _words_by_comma(value, list_key)):
        items = ", ".join(part.strip() for part in re.split("[，、]", value))
        return (f"one item {value!r}: its comma is full-width, so YAML reads one item, not "
                f"several: write {items} with half-width commas, or the item in quotes if "
                "the comma is meant")
    return None


_NOT_PLAIN: Any = object()
# the tags of plain scalars built as they are: a text, or what SafeLoader makes of them
_SCALARS = frozenset(f"tag:yaml.org,2002:{kind}" for kind in
                     ("bool", "int", "float", "null", "timestamp"))


def _plain_data(text: str, loader_class: type[yaml.SafeLoader]) -> Any:
    """The data of a file of plain YAML, straight from the parser's events: one document of
    mappings, lists and scalars, without anchors, aliases, tags, merge keys, repeated or
    non-text keys, nested well within MAX_DEPTH. That is most config files, and it comes
    out about twice as fast as through composed nodes, with no line noted.

    _NOT_PLAIN for anything else, and for any error (a syntax error, say): load() then
    reads the file again through the nodes (_Builder), which gives what it always gave,
    data and lines or the error with its line. Only what that would accept unchanged is
    taken here, so the data is the same either way."""
    loader: yaml.SafeLoader | None = None
    try:
        loader = loader_class(text)  # (the pure-Python one reads the text for bad characters)
        return _events_to_data(loader)
    except Exception:  # the full read says what is wrong
        return _NOT_PLAIN
    finally:
        if loader is not None:
            loader.dispose()


def _events_to_data(loader: yaml.SafeLoader) -> Any:
    resolvers = loader.yaml_implicit_resolvers
    if None in resolvers or loader.yaml_path_resolvers:  # (not SafeLoader's own)
        return _NOT_PLAIN
    get: Callable[[], Any] = loader.get_event
    resolve: Callable[..., str] = loader.resolve
    get()  # the stream's start
    event = get()
    if type(event) is yaml.StreamEndEvent:
        return None
    if type(event) is not yaml.DocumentStartEvent:  # pragma: no cover - the parser's order
        return _NOT_PLAIN
    stack: list[tuple[Any, Any]] = []  # the enclosing containers, each with its pending key
    top: Any = None  # the container being filled: a dict or a list
    key: Any = _NOT_PLAIN  # the key read in `top`, a dict, waiting for its value
    root: Any = _NOT_PLAIN
    while True:
        event = get()
        kind = type(event)
        if kind is yaml.ScalarEvent:
            if event.anchor is not None or event.tag is not None:
                return _NOT_PLAIN
            item = event.value
            if event.implicit[0] and (not item or item[0] in resolvers):  # else a text
                tag = resolve(yaml.ScalarNode, item, event.implicit)
                if tag != _STR:
                    if tag not in _SCALARS:  # `<<`, `=`
                        return _NOT_PLAIN
                    item = loader.construct_object(yaml.ScalarNode(
                        tag, item, event.start_mark, event.end_mark, event.style))
            if top is None:
                root = item
                break
        elif kind is yaml.MappingStartEvent or kind is yaml.SequenceStartEvent:
            if event.anchor is not None or event.tag is not None or len(stack) >= MAX_DEPTH - 2:
                return _NOT_PLAIN
            item = {} if kind is yaml.MappingStartEvent else []
            if top is None:  # the document's own mapping or list
                stack.append((None, _NOT_PLAIN))
                top = item
                continue
        elif kind is yaml.MappingEndEvent or kind is yaml.SequenceEndEvent:
            done = top
            top, key = stack.pop()
            if top is None:
                root = done
                break
            continue
        else:  # an alias
            return _NOT_PLAIN
        if type(top) is list:
            top.append(item)
        elif key is _NOT_PLAIN:  # a key: text or a whole number, once in its mapping
            if (type(item) is not str and type(item) is not int) or item in top:
                return _NOT_PLAIN
            key = item
            continue
        else:
            top[key] = item
            key = _NOT_PLAIN
        if type(item) is dict or type(item) is list:
            stack.append((top, key))
            top, key = item, _NOT_PLAIN
    if type(get()) is not yaml.DocumentEndEvent or type(get()) is not yaml.StreamEndEvent:
        return _NOT_PLAIN  # more than one document
    return root


def _places_of(text: str, file: Path, loader_class: type[yaml.SafeLoader]) -> Places:
    """Where the values of `text` were written, which _plain_data read without them."""
    loader = loader_class(text)
    try:
        node = loader.get_single_node()
        builder = _Builder(loader, file, anchors=False)
        if node is not None:
            builder.build(node, (), 0, 1)
        return builder.places()
    finally:
        loader.dispose()


def file_kind(mode: int) -> str:
    """What a file that is not a regular one is, e.g. 'a FIFO (named pipe)'."""
    kinds = {stat.S_IFIFO: "a FIFO (named pipe)", stat.S_IFCHR: "a character device",
             stat.S_IFBLK: "a block device", stat.S_IFSOCK: "a socket",
             stat.S_IFDIR: "a directory"}
    return kinds.get(stat.S_IFMT(mode), "a special file")


class _Builder:
    """Turns composed nodes into plain data, noting the line of every key path, within the
    depth and alias limits. Merge keys (`<<`) are resolved here, under the same budget.

    In a file without anchors (no `&`) nothing can repeat: a text inside a mapping or a list
    is then taken where it is found, without a call of build() for it."""

    def __init__(self, loader: yaml.SafeLoader, file: Path, anchors: bool) -> None:
        self.loader = loader
        self.file = file
        self.anchors = anchors
        self.lines: dict[KeyPath, int] = {}
        self.quoted: set[KeyPath] = set()  # (`Places.quoted`)
        self.left_empty: set[KeyPath] = set()  # (`Places.left_empty`)
        self.seen: set[int] = set()
        self.repeated = 0

    def places(self) -> Places:
        return Places(self.lines, frozenset(self.quoted), frozenset(self.left_empty))

    def text(self, node: yaml.ScalarNode, path: KeyPath) -> str:
        """A text's value, its path noted if it is a switch word not written bare."""
        value: str = node.value
        if node.style and value in SWITCHES:
            self.quoted.add(path)
        return value

    def fail(self, node: yaml.Node, path: KeyPath, message: str) -> InputError:
        return InputError([Problem(Where(self.file, node.start_mark.line + 1), path, message)])

    def build(self, node: yaml.Node, path: KeyPath, depth: int, written: int) -> Any:
        """`written`: the line of the innermost enclosing value written out, not repeated."""
        if depth > MAX_DEPTH:
            raise self.fail(node, path, f"nested deeper than {MAX_DEPTH} levels")
        repeat = id(node) in self.seen
        if repeat:  # an alias: the anchored value again, counted
            self.repeated += 1
            if self.repeated > MAX_ALIAS_VALUES:
                raise InputError([Problem(Where(self.file, written), path,
                                          f"aliases repeat more than {MAX_ALIAS_VALUES:,} "
                                          "values in all: write the values out")])
        else:
            self.seen.add(id(node))
            written = node.start_mark.line + 1
        self.lines[path] = node.start_mark.line + 1
        if isinstance(node, yaml.ScalarNode):
            if node.tag == _STR:
                return self.text(node, path)
            if node.tag == _NULL and not node.value:
                self.left_empty.add(path)
            return self.loader.construct_object(node)
        texts = not self.anchors and depth < MAX_DEPTH  # may its texts be taken as they are?
        if isinstance(node, yaml.SequenceNode):
            items = []
            for i, item in enumerate(node.value):
                if texts and item.tag == _STR and isinstance(item, yaml.ScalarNode):
                    self.lines[(*path, i)] = item.start_mark.line + 1
                    items.append(self.text(item, (*path, i)))
                else:
                    items.append(self.build(item, (*path, i), depth + 1, written))
            return items
        if not isinstance(node, yaml.MappingNode):  # pragma: no cover - the composer's 3 kinds
            raise self.fail(node, path, "unexpected YAML node")
        result: dict[Any, Any] = {}
        explicit = []
        for key_node, value_node in node.value:
            if key_node.tag == _MERGE:
                self.merge(result, value_node, path, depth, written)
            else:
                explicit.append((key_node, value_node))
        merged = set(result)
        self.lines[path] = node.start_mark.line + 1
        for key_node, value_node in explicit:
            if not isinstance(key_node, yaml.ScalarNode):
                raise self.fail(key_node, path, "a key must be text, not a list or mapping")
            key = key_node.value if key_node.tag == _STR else self.loader.construct_object(
                key_node)
            if not isinstance(key, (str, int)) or isinstance(key, bool):
                raise self.fail(key_node, path, f"a key must be text, not {key!r}")
            if key in result and key not in merged:
                raise self.fail(key_node, (*path, key), "duplicate key")
            merged.discard(key)
            line = key_node.start_mark.line + 1
            if texts and value_node.tag == _STR and isinstance(value_node, yaml.ScalarNode):
                result[key] = self.text(value_node, (*path, key))
            else:
                result[key] = self.build(value_node, (*path, key), depth + 1,
                                         written if repeat else line)
            self.lines[(*path, key)] = line
        return result

    def merge(self, into: dict[Any, Any], node: yaml.Node, path: KeyPath, depth: int,
              written: int) -> None:
        """`<<: *base` or `<<: [*a, *b]`: their keys, where the mapping has not set them."""
        sources = node.value if isinstance(node, yaml.SequenceNode) else [node]
        for source in sources:
            if not isinstance(source, yaml.MappingNode):
                raise self.fail(source, path, "`<<` merges mappings only")
            for key, value in self.build(source, path, depth, written).items():
                into.setdefault(key, value)


def _syntax(file: Path, text: str, line: int, reason: str) -> Problem:
    """A syntax error, moved to the line that caused it when that line has a full-width
    colon, comma or bracket (and typing it half-width gets the parser past the error), or a
    tab in its indentation, with the fix."""
    lines = text.splitlines()
    for number in range(min(line, len(lines)), max(line - 3, 0), -1):
        hint = hint_for(lines[number - 1])
        if hint is None or (hint.startswith("a tab") and number != line):
            continue  # (an odd space a line or two above is taken: nothing on the line
            #            shows, and YAML reads the next lines wrong too)
        if hint.startswith(("full-width", "no space")):  # (taken if the fix gets past)
            fixed = lines[number - 1]
            for wide, half in _HALF.items():
                fixed = fixed.replace(wide, half + " " if half in ":," else half)
            if key := _NO_SPACE_KEY.match(fixed):
                fixed = fixed.replace(f"{key[1]}:", f"{key[1]}: ", 1)
            if not _parses_past("\n".join((*lines[:number - 1], fixed, *lines[number:])), line):
                continue
        where = "" if number == line else f" (the parser stopped at line {line})"
        return Problem(Where(file, number), (), f"YAML syntax: {hint}{where}")
    if (indented := _indent_hint(lines, line) or _colon_hint(lines, line)
            or _open_quote_hint(lines, line)) is not None:
        number, hint = indented
        where = "" if number == line else f" (the parser stopped at line {line})"
        return Problem(Where(file, number), (), f"YAML syntax: {hint}{where}")
    for number in range(min(line, len(lines)), max(line - 3, 0), -1):
        if (hint := _quote_hint(lines, number, line)) is not None:
            where = "" if number == line else f" (the parser stopped at line {line})"
            return Problem(Where(file, number), (), f"YAML syntax: {hint}{where}")
    if "escape" in reason and 0 < line <= len(lines) and \
            (quoted := _BACKSLASHED.search(lines[line - 1])) is not None:
        return Problem(Where(file, line), (), (
            f"YAML syntax: {reason}: in double quotes a backslash starts an escape (\\n, \\t);"
            f" write a regular expression in single quotes: '{quoted.group(1)}'"))
    return Problem(Where(file, line), (), f"YAML syntax: {reason}")


# a value that starts with a character YAML reads as its own (`{member} 签到成功`, a cron
# line `*/30 9-18 * * 1-5`), after `key: ` or `- `
_INDICATED = re.compile(r"^(\s*(?:-\s+)*(?:[^\s#'\"\[{-][^#'\"]*?:\s+)?)([{\[*&!@`%].*?)"
                        r"(\s+#.*)?$")
_INDICATORS = {"{": "the start of a mapping", "[": "the start of a list", "*": "an alias",
               "&": "an anchor", "!": "a tag", "@": "reserved", "`": "reserved",
               "%": "a directive"}
_BACKSLASHED = re.compile(r'"((?:[^"\\]|\\.)*\\(?:[^"\\]|\\.)*)"')


def _text_after_brackets(value: str) -> bool:
    """Whether text follows the bracket `value` starts with, once closed (`{member} 你好`)."""
    depth = 0
    for i, char in enumerate(value):
        depth += (char in "[{") - (char in "]}")
        if depth == 0:
            return bool(value[i + 1:].strip())
    return False


def _quote_hint(lines: list[str], number: int, line: int) -> str | None:
    """'a text starting with { goes in quotes', when line `number` holds such a value and
    quoting it gets the parser past `line`."""
    found = _INDICATED.match(lines[number - 1])
    if found is None:
        return None
    head, value = found.group(1), found.group(2)
    if value[0] in "[{" and not _text_after_brackets(value):  # a list or a mapping: the
        return None  # error is in there (`{template: hi` unclosed)
    quoted = f'"{value}"' if '"' not in value and "\\" not in value else \
        "'" + value.replace("'", "''") + "'"
    if not _parses_past("\n".join((*lines[:number - 1], head + quoted, *lines[number:])), line):
        return None
    return (f"a text starting with `{value[0]}` goes in quotes (unquoted, YAML reads it as "
            f"{_INDICATORS[value[0]]}): {head.strip()} {quoted}")


def _indent_hint(lines: list[str], line: int) -> tuple[int, str] | None:
    """A key indented a space or two off (`warn_limit: 2` under `- antispam:` with 5 or 7
    spaces where its neighbours have 6): YAML stops a line or more later, at the next key,
    saying nothing of indentation. The key on the parser's line or the one before it, set
    where the block's first key is (its parent's key and 2 more spaces), if that gets the
    parser past: its line and the hint."""
    code = [n for n in range(1, min(line, len(lines)) + 1)
            if (text := _code_of(lines[n - 1]).strip()) and text != "-"]
    if len(code) < 3:
        return None
    for number in (code[-2], code[-1]):
        at = code.index(number)
        indent = _indent_of(lines[number - 1])
        parent = next((n for n in reversed(code[:at]) if _indent_of(lines[n - 1]) < indent - 2
                       or (_indent_of(lines[n - 1]) < indent
                           and _code_of(lines[n - 1]).rstrip().endswith(":"))), None)
        if parent is None:
            continue
        opener = lines[parent - 1]
        expected = len(opener) - len(opener.lstrip(" -")) + 2  # (`  - antispam:`: 4 + 2)
        if indent == expected or not 0 < abs(indent - expected) <= 2:
            continue
        fixed = " " * expected + lines[number - 1].lstrip(" ")
        if _parses_past("\n".join((*lines[:number - 1], fixed, *lines[number:])), line):
            return number, (f"indented {indent} spaces where its block has {expected} (the "
                            "keys of one mapping line up exactly)")
    return None


def _colon_hint(lines: list[str], line: int) -> tuple[int, str] | None:
    """A key written without its colon (`  - welcome`, its settings below): YAML stops at
    the next line, where the settings' colon is not allowed. The line above, a bare word,
    if its colon gets the parser past."""
    number = line - 1
    while number > 0 and not _code_of(lines[number - 1]).strip():
        number -= 1
    if number < 1 or not (bare := _BARE_KEY.match(_code_of(lines[number - 1]))):
        return None
    fixed = lines[number - 1].replace(bare[1], bare[1] + ":", 1)
    if not _parses_past("\n".join((*lines[:number - 1], fixed, *lines[number:])), line):
        return None
    return number, f"no colon after `{bare[1]}`: write `{fixed.strip()}`"


_BARE_KEY = re.compile(r"^\s*(?:-\s+)?([A-Za-z_][\w.-]*)\s*$")


def _open_quote_hint(lines: list[str], line: int) -> tuple[int, str] | None:
    """A text whose closing double quote was left out: YAML reads on to the next quote,
    lines later, and stops there. The nearest line above (within 10) that opens a double
    quote it does not close, if closing it there gets the parser past."""
    for number in range(min(line, len(lines)), max(line - 10, 0), -1):
        text = lines[number - 1]
        unquoted = _QUOTED.sub("", text)
        if unquoted.count('"') != 1 or _COMMENT.search(unquoted.split('"')[0]):
            continue
        fixed = text.rstrip() + '"'
        if _parses_past("\n".join((*lines[:number - 1], fixed, *lines[number:])), line):
            return number, "a double quote opened on this line is not closed on it"
    return None


def _indent_of(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def _parses_past(text: str, line: int) -> bool:
    """Whether the parser gets past `line` in `text` (used only on the way to an error)."""
    try:
        for _ in yaml.parse(text, Loader=Loader):
            pass
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        return mark is not None and mark.line + 1 > line
    except yaml.YAMLError:
        return False
    return True


def hint_for(source_line: str) -> str | None:
    """What is wrong with one line of YAML that looks right to a person, if anything."""
    if source_line[:len(source_line) - len(source_line.lstrip())].count("\t"):
        return "a tab in the indentation: YAML indents with spaces only"
    code = _code_of(source_line)
    if odd := _ODD_SPACE.search(code):
        char = odd.group(1)
        name = _ODD_SPACES.get(char, "an invisible space")
        where = "after the colon" if odd.group().lstrip()[:1] == ":" else \
            "after the dash" if odd.group().lstrip()[:1] == "-" else "in the indentation"
        return (f"{name} (U+{ord(char):04X}) {where}, which YAML does not read as a space: "
                "delete it and type a plain space")
    flow = found[1] if (found := _FLOW_VALUE.match(code)) else ""
    braces = flow[flow.find("{"):] if "{" in flow else ""  # (in a list `b:c` is a text)
    if (key := _NO_SPACE_KEY.match(code) or _NO_SPACE_FLOW.search(braces)) is not None \
            and not key[2].endswith(":"):  # (`1:30: 5`: the key is 1:30)
        return (f"no space after the colon: YAML reads `{key[1]}:{key[2]}` as one text; "
                f"write `{key[1]}: {key[2]}`")
    found = _FULL_WIDTH_KEY.match(code)
    char = found.group(1) if found else None
    if char is None and (wide := _FULL_WIDTH_FLOW.search(flow)):
        char = wide.group(1) or wide.group()
    if char is None:
        return None
    return f"full-width '{char}' where YAML needs '{_HALF[char]}' (type it half-width)"


def written_at(where: Where, text: str) -> Where:
    """Where a text value was written: on its key's line (`where`), or on one of the two
    lines after it (a value on a line of its own, `- lifecycle:` then `report:true`)."""
    lines = _source_lines(where.file)
    for number in range(where.line, min(where.line + 3, len(lines) + 1)):
        if text in lines[number - 1]:
            return Where(where.file, number)
    return where


def _code_of(line: str) -> str:
    """A YAML line without its quoted texts and its comment: what is written bare."""
    return _COMMENT.sub("", _QUOTED.sub('""', line))


def _source_lines(file: Path) -> tuple[str, ...]:
    """The lines of an input file, read once for all its warnings and hints (as long as it
    is unchanged): a file of 10,000 quoted switch words was read 10,000 times (r101-2). A
    FIFO or a device is never read: it may never end."""
    try:
        found = file.stat()
    except OSError:
        return ()
    if not stat.S_ISREG(found.st_mode):  # (a FIFO put in its place would never end: r103-6)
        return ()
    # (a file rewritten within the same size and mtime, `cp -p`, is another inode or ctime)
    return _read_lines(file, found.st_ino, found.st_ctime_ns, found.st_mtime_ns,
                       found.st_size)


@functools.lru_cache(maxsize=16)
def _read_lines(file: Path, *version: int) -> tuple[str, ...]:
    try:
        return tuple(file.read_text(encoding="utf-8").splitlines())
    except (OSError, UnicodeDecodeError):
        return ()


def hinted(problems: list[Problem]) -> list[Problem]:
    """The problems, each with a hint when its line has a full-width colon in a key's place
    or a tab in its indentation (syntax errors carry theirs already)."""
    result = []
    for problem in problems:
        lines, line = _source_lines(problem.where.file), problem.where.line
        source = lines[line - 1] if 0 < line <= len(lines) else ""
        hint = hint_for(source) if source else None
        if hint and not problem.message.startswith("YAML syntax"):
            problem = Problem(problem.where, problem.path, f"{problem.message} ({hint})")
        if (spelled := _as_spelled(problem.message, source)) != problem.message:
            problem = Problem(problem.where, problem.path, spelled)
        result.append(problem)
    return result


def _as_spelled(message: str, source_line: str) -> str:
    """The boolean's quote hint (`quote_hint`) with the word as its line spells it: `TRUE`
    written is told to write 'TRUE', not 'true' (the value read is True either way)."""
    found = _BOOLEAN_HINT.search(message)
    if found is None:
        return message
    word = found.group(1)
    spellings = set(re.findall(rf"(?i)(?<![\w'\"]){word}(?![\w'\"])",
                               _code_of(source_line)))
    if len(spellings) != 1 or word in spellings:  # (`[TRUE, true]`: which one is not known)
        return message
    written = spellings.pop()
    return message[:found.start()] + found.group().replace(word, written) + \
        message[found.end():]


_BOOLEAN_HINT = re.compile(r"unquoted, (true|false) is a boolean: put a text in quotes, "
                           r"'(?:true|false)'")


def _too_deep(file: Path, text: str) -> Problem:
    """Find where nesting passes MAX_DEPTH with the parser alone, which does not recurse."""
    depth = 0
    for event in yaml.parse(text, Loader=PythonLoader):
        if isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
            depth += 1
            if depth > MAX_DEPTH:
                line = event.start_mark.line + 1 if event.start_mark else 1
                return Problem(Where(file, line), (),
                               f"nested deeper than {MAX_DEPTH} levels")
        elif isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
            depth -= 1
    return Problem(Where(file, 1), (), "nested too deeply")


def validate(
    model: type[M], located: Located, data: Any, at: KeyPath = (), context: Any = None
) -> M:
    """Validate `data` (found at key path `at` in `located`) with a pydantic model.

    Raises InputError naming file:line and the full key path of every bad value.
    """
    try:
        return settle(model, data, context)
    except Invalid as exc:
        problems = []
        for error in exc.errors:
            problems.append(located.problem((*at, *error_path(error)), describe(error, model)))
        raise InputError(problems) from None


class At(ValueError):
    """What a model's own check finds wrong with one of its keys (`At(("rota",), "rota day
    'saturday' is not one of mon, ...")`): named at that key's line and path, not at the
    model's: the line holding the value to mend (r108-12)."""

    def __init__(self, path: KeyPath, message: str) -> None:
        super().__init__(message)
        self.path = path


def error_path(error: Any) -> KeyPath:
    """The key path of one of pydantic's errors (`errors`), down to the key an `At` names."""
    found = error.get("ctx", {}).get("error")
    return (*(p for p in error["loc"] if isinstance(p, (str, int))),
            *(found.path if isinstance(found, At) else ()))


class Invalid(Exception):
    """What `settle` found wrong: pydantic's errors, as `errors` gives them."""

    def __init__(self, found: list[Any]) -> None:
        super().__init__(f"{len(found)} errors")
        self.errors = found


def settle(model: type[M], data: Any, context: Any = None) -> M:
    """`data` validated with `model`, a switch word (yes, no, on, off: texts, see
    _TRUE_FALSE) that a key refused as a text read as the true or false it says (a key that
    takes a switch: `mention: yes`, antispam's `video: off`). Raises Invalid."""
    try:
        return model.model_validate(data, context=context)
    except ValidationError as exc:
        found = errors(exc)
    words = [error for error in found if _switch_at(data, error["loc"]) is not None]
    if not words:
        raise Invalid(found)
    switched = copy.deepcopy(data)
    for error in words:
        holder, key = _switch_at(switched, error["loc"]), error["loc"][-1]
        if holder is not None:  # (None: a mapping reached twice, its word turned already)
            holder[key] = SWITCHES[holder[key]]
    try:
        return model.model_validate(switched, context=context)
    except ValidationError as exc:  # where a switch is refused too, the text's error is said
        first = {error["loc"]: error for error in words}
        raise Invalid([first.get(error["loc"], error) for error in errors(exc)]) from None


def switch(value: Any) -> bool | None:
    """A value read where a switch goes that is no model's key (a scenario's `restart`, a
    handler's `false`): true or false, a switch word's, else None."""
    if isinstance(value, bool):
        return value
    return SWITCHES.get(value) if isinstance(value, str) else None


def _switch_at(data: Any, loc: tuple[Any, ...]) -> Any:
    """The mapping or list in `data` holding a switch word at `loc`, else None."""
    holder = None
    for part in loc:
        try:
            holder, data = data, data[part]
        except (KeyError, IndexError, TypeError):
            return None
    return holder if isinstance(holder, (dict, list)) and isinstance(data, str) and \
        data in SWITCHES else None


def errors(exc: ValidationError) -> list[Any]:
    """pydantic's errors without its name of each kind a key may take in their paths
    (`answer.list[str]`). A value that is none of the kinds (`answer: 3`, a text or a list)
    is one error naming them all; where it is of one kind but wrong inside (`answer: [3]`,
    an item), the error inside is the one said."""
    found: list[Any] = []
    unions: dict[tuple[Any, ...], list[Any]] = {}
    for error in exc.errors(include_url=False):
        loc = error["loc"]
        at = next((i for i, part in enumerate(loc) if i and isinstance(part, str) and
                   _KIND_TAG.fullmatch(part)), None)
        if at is None:
            found.append(error)
            continue
        group = unions.get(loc[:at])
        if group is None:
            group = unions[loc[:at]] = []
            found.append(group)
        group.append({**error, "loc": (*loc[:at], *loc[at + 1:]), "inside": at + 1 < len(loc)})
    result: list[Any] = []
    for item in found:
        if isinstance(item, dict):
            result.append(item)
            continue
        inside = [e for e in item if e["inside"]]
        wanted = [_WANTED.get(e["type"]) for e in item]
        if inside or None in wanted:
            result.extend(inside or item)
        else:
            result.append({**item[0], "type": "kinds",
                           "msg": f"Input should be {' or '.join(map(str, wanted))}"})
    return result


# pydantic's name of one of the kinds a key takes, at the end of an error's path
_KIND_TAG = re.compile(r"str|int|float|bool|none|list\[.*\]|dict\[.*\]")
_WANTED = {"string_type": "a text", "list_type": "a list", "int_type": "a whole number",
           "float_type": "a number", "bool_type": "true or false", "dict_type": "keys"}


def nearest(key: object, known: Sequence[str]) -> str | None:
    """The known key a mistyped one is nearest to (`wiat` -> `wait`), or None."""
    near = difflib.get_close_matches(str(key), known, n=1, cutoff=0.6)
    return near[0] if near else None


def describe(error: Any, model: type[BaseModel] | None = None) -> str:
    """A pydantic error in an operator's words: for an unknown key, the known key it is
    nearest to (`model`: the model validated, to find the keys there); for a value of the
    wrong kind, the value read and, for the usual slips, what to write."""
    if error["type"] == "extra_forbidden":
        known = _keys_at(model, error["loc"][:-1]) if model is not None else []
        near = nearest(error["loc"][-1], known)
        return "unknown key" + (f"; did you mean `{near}`?" if near else
                                f" (known here: {', '.join(known)})" if known else "")
    if error["type"] == "missing":
        return "required key is missing"
    message = str(error["msg"]).removeprefix("Value error, ")
    read = error.get("input")
    if error["type"] in ("model_type", "dict_type") and isinstance(read, list):
        known = _keys_at(model, error["loc"]) if model is not None else []
        message = "a list where keys go" + (f"; the keys here: {', '.join(known)}" if known
                                             else " (`key: value` lines, or {key: value})")
    elif error["type"] in _KIND_ERRORS and isinstance(read, (str, int, float, bool)):
        wants_text = error["type"] == "string_type" or "a text" in message  # (or another kind)
        message += f", not {_shown(read)}"
        number = error["type"].startswith(("int", "float"))
        if isinstance(read, str) and number and (plain := leading_zero(read)) is not None:
            message += f" (a leading zero makes it a text: write {plain})"
        elif isinstance(read, str) and number and (plain := other_digits(read)) is not None \
                and ("." not in plain or error["type"].startswith("float")):
            message += f" (digits of another form are a text: write {plain})"
        elif isinstance(read, str) and number and re.fullmatch(r"-?[0-9]+", read.strip()):
            message += f" (a text, in quotes: write {read.strip()} without them)"
        elif wants_text and (hint := quote_hint(read)):
            message += f" ({hint})"
        elif error["type"] == "list_type":  # ("代开发票，办假证": two items)
            items = ", ".join(part.strip() for part in re.split("[，、]", str(read)))
            message += f" (a list: write [{items}])"
    return message


def quote_hint(read: Any) -> str | None:
    """What to write for a number or a boolean read where a text goes, else None."""
    if isinstance(read, bool):  # (only true and false: yes, no, on and off are texts)
        word = str(read).lower()
        return f"unquoted, {word} is a boolean: put a text in quotes, '{word}'"
    if isinstance(read, (int, float)):
        return "a number where a text goes: put it in quotes as written, if a text is meant"
    return None


# pydantic's errors for a value of the wrong kind, which say what was wanted, not what was read
_KIND_ERRORS = frozenset({"kinds", "int_type", "int_parsing", "int_from_float", "float_type",
                          "float_parsing", "bool_type", "bool_parsing", "list_type",
                          "dict_type", "model_type", "string_type", "literal_error", "enum"})


def _shown(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _keys_at(model: type[BaseModel], path: tuple[Any, ...]) -> list[str]:
    """The keys the model takes at `path`, where a model is there (else none known)."""
    found: type[BaseModel] | None = model
    for key in path:
        if isinstance(key, int):
            continue  # an item of a list: the model the list holds
        if found is None or key not in found.model_fields:
            return []
        found = _inner_model(found.model_fields[key].annotation)
    return [] if found is None else sorted(
        info.alias or name for name, info in found.model_fields.items())


def _inner_model(annotation: Any) -> type[BaseModel] | None:
    """The model a field holds: itself, or inside a list, a dict's values, an Optional."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for inner in typing.get_args(annotation):
        if (found := _inner_model(inner)) is not None:
            return found
    return None
