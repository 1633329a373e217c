"""CSV that a spreadsheet opens safely: the one writer for exports (`groupbot export`, the
web console's downloads).

- A cell that starts with `=`, `+`, `-`, `@`, a tab or a carriage return gets a leading `'`
  (OWASP's CSV-injection rule), so a member named `=HYPERLINK(...)` is shown as text, never
  run as a formula. Numbers stay numbers.
- Every cell is quoted, and quotes inside a cell are doubled.
- UTF-8 with a byte-order mark, so Excel shows Chinese instead of mojibake.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TextIO

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
    """Write a CSV file (UTF-8 with BOM); return the number of rows."""
    with path.open("w", newline="", encoding=ENCODING) as file:
        return write(file, header, rows)


def to_bytes(header: Row, rows: Iterable[Row]) -> bytes:
    """The CSV as bytes (UTF-8 with BOM), e.g. for an HTTP download."""
    buffer = io.StringIO(newline="")
    write(buffer, header, rows)
    return buffer.getvalue().encode(ENCODING)
