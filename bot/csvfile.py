"""CSV that a spreadsheet opens safely: the one writer for exports (`groupbot export`, the
web console's downloads).

- A cell that starts with `=`, `+`, `-`, `@`, a tab or a carriage return gets a leading `'`
  (OWASP's CSV-injection rule), so a member named `=HYPERLINK(...)` is shown as text, never
  run as a formula. Numbers stay numbers.
- Every cell is quoted, and quotes inside a cell are doubled.
- UTF-8 with a byte-order mark, so Excel shows Chinese instead of mojibake.
- A file is written whole or not at all: into a temporary file next to it, renamed into
  place at the end; an SQLite database (the bot's own, or any other) is never overwritten.
"""

from __future__ import annotations

import csv
import errno
import io
import os
import tempfile
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TextIO

from bot.config import SQLITE_HEADER

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
ENCODING = "utf-8-sig"  # UTF-8 with a byte-order mark

Row = Sequence[object]


def cell(value: object) -> object:
    """One value as a safe cell: None is empty, numbers are kept, text is defused."""
    if value is None:
        return ""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return value
    text = str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


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
    fd, part = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    try:
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
