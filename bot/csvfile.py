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
  place at the end (through a symbolic link: next to the file it leads to, which is
  replaced). Only a regular file is written: a FIFO, a device or a socket is refused, and
  an SQLite database (the bot's own, or any other) is never overwritten.
"""

from __future__ import annotations

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

from bot.config import SQLITE_HEADER, real
from bot.yamlfile import file_kind

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
    """Write a CSV file (UTF-8 with BOM) whole, through a temporary file renamed into place;
    return the number of rows. A symbolic link is written through: the file it leads to is
    replaced, the link stays. OSError naming `path` when its directory is missing, it is a
    directory, or its links loop; ValueError when it is (or leads to) anything but a regular
    file, such as a FIFO or a device, or an SQLite database (each left as it is)."""
    target = real(path)  # a link loop: stat below reports it
    try:
        mode: int | None = target.stat().st_mode
    except FileNotFoundError:
        mode = None  # a new file
    except OSError as exc:  # e.g. a symbolic link loop: named as the operator wrote it
        raise OSError(exc.errno, exc.strerror, str(path)) from None
    if mode is not None and stat.S_ISDIR(mode):
        raise OSError(errno.EISDIR, os.strerror(errno.EISDIR), str(path))
    if not target.parent.is_dir():
        raise OSError(errno.ENOENT, os.strerror(errno.ENOENT), str(path))
    if mode is not None and not stat.S_ISREG(mode):
        raise ValueError(f"{path} is {file_kind(mode)}, not a regular file: an export only "
                         "writes a file (`--out -` writes to standard output)")
    if is_sqlite(target):
        raise ValueError(f"{path} is an SQLite database: an export never overwrites one "
                         "(give another file name)")
    part = target.parent / f".{target.name}.{secrets.token_hex(8)}.part"
    try:
        # made as any new file is (the umask applies), then given the mode of the one it
        # replaces
        fd = os.open(part, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        if mode is not None:
            os.chmod(fd, stat.S_IMODE(mode))
        with open(fd, "w", newline="", encoding=ENCODING) as file:
            count = write(file, header, rows)
        os.replace(part, target)
    except BaseException as exc:
        Path(part).unlink(missing_ok=True)
        if isinstance(exc, OSError):  # a full disk, no permission: named as the operator wrote
            raise OSError(exc.errno, exc.strerror, str(path)) from None  # it (not the .part)
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
