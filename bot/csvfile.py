"""CSV that a spreadsheet opens safely: the one writer for exports (`groupbot export`, the
web console's downloads).

- Text is one line with nothing invisible in it, as bot/sanitize.py makes member text for
  messages: a line break (also CR, U+2028/U+2029) becomes a space, control and format
  characters (bidi overrides like U+202E, zero-width spaces) are dropped; the zero-width
  joiner, which holds emoji together, and tabs stay. Nothing is cut short.
- A cell that starts with `=`, `+`, `-` or `@` (after any spaces), or with a tab, gets a
  leading `'` (OWASP's CSV-injection rule), so a member named `=HYPERLINK(...)` (or
  "\u200b=1+2", "\n=1+2") is shown as text, never run as a formula. Numbers stay numbers.
- Every cell is quoted, and quotes inside a cell are doubled.
- UTF-8 with a byte-order mark, so Excel shows Chinese instead of mojibake.
- A file is written whole or not at all: into a temporary file next to it, renamed into
  place at the end; an SQLite database (the bot's own, or any other) is never overwritten.
"""

from __future__ import annotations

import contextlib
import csv
import errno
import io
import os
import secrets
import stat
import unicodedata
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TextIO

from bot.config import SQLITE_HEADER

FORMULA_START = ("=", "+", "-", "@")
ENCODING = "utf-8-sig"  # UTF-8 with a byte-order mark

Row = Sequence[object]


def cell(value: object) -> object:
    """One value as a safe cell: None is empty, numbers are kept, text is defused."""
    if value is None:
        return ""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return value
    text = str(value)
    if not text.isprintable():  # a line break, a control, a format or a non-ASCII space
        text = "".join(_shown(char) for char in text)
    return "'" + text if text[:1] == "\t" or text.lstrip().startswith(FORMULA_START) else text


_LINE_BREAKS = frozenset("\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029")  # str.splitlines' breaks
_INVISIBLE = frozenset(("Cc", "Cf", "Cs"))  # control, format (bidi, zero-width), surrogates
_KEPT = frozenset("\t\u200d")  # a tab; the zero-width joiner of emoji sequences (👨‍👩‍👧)


def _shown(char: str) -> str:
    """One character of a text cell as the cell shows it."""
    if char in _LINE_BREAKS:
        return " "
    if char in _KEPT or unicodedata.category(char) not in _INVISIBLE:
        return char
    return ""


def write(file: TextIO, header: Row, rows: Iterable[Row]) -> int:
    """Write the header and the rows to an open text file; return the number of rows."""
    writer = csv.writer(file, quoting=csv.QUOTE_ALL)
    writer.writerow([cell(v) for v in header])
    count = 0
    for row in rows:
        writer.writerow([cell(v) for v in row])
        count += 1
    return count


def write_file(path: Path, header: Row, rows: Iterable[Row]) -> int:
    """Write a CSV file (UTF-8 with BOM) whole, through a temporary file in its directory
    renamed into place; return the number of rows. OSError naming `path` when it is a
    directory or in none; ValueError when it is an SQLite database (left as it is)."""
    for wrong, errno_ in ((path.is_dir(), errno.EISDIR), (not path.parent.is_dir(), errno.ENOENT)):
        if wrong:
            raise OSError(errno_, os.strerror(errno_), str(path))
    if is_sqlite(path):
        raise ValueError(f"{path} is an SQLite database: an export never overwrites one "
                         "(give another file name)")
    part = path.parent / f".{path.name}.{secrets.token_hex(8)}.part"
    # made as any new file is (the umask applies), then given the mode of the one it replaces
    fd = os.open(part, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    try:
        with contextlib.suppress(FileNotFoundError):
            os.chmod(fd, stat.S_IMODE(path.stat().st_mode))
        with open(fd, "w", newline="", encoding=ENCODING) as file:
            count = write(file, header, rows)
        os.replace(part, path)
    except BaseException:
        Path(part).unlink(missing_ok=True)
        raise
    return count


def is_sqlite(path: Path) -> bool:
    """Whether the file at `path` is an SQLite database (by its first bytes)."""
    if not path.is_file():  # not there, or no file to read (a FIFO would block)
        return False
    try:
        with path.open("rb") as file:
            return file.read(len(SQLITE_HEADER)) == SQLITE_HEADER
    except OSError:  # not readable: not known to be one
        return False


def to_bytes(header: Row, rows: Iterable[Row]) -> bytes:
    """The CSV as bytes (UTF-8 with BOM), e.g. for an HTTP download."""
    buffer = io.StringIO(newline="")
    write(buffer, header, rows)
    return buffer.getvalue().encode(ENCODING)
