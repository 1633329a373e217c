"""Plain-text tables for the terminal, aligned even with Chinese text. Every cell is one
line without control or bidi characters: names and topics are member-supplied."""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence

from bot.sanitize import clean


def display_width(text: str) -> int:
    """Columns the text takes in a terminal: wide (Chinese) characters take two."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def table(rows: Sequence[Sequence[object]], rule: bool = False) -> str:
    """Rows as aligned columns; the first row is the header, underlined if `rule`."""
    cells = [[clean(cell, limit=len(str(cell)) or 1) for cell in row] for row in rows]
    widths = [max(display_width(row[i]) for row in cells) for i in range(len(cells[0]))]
    lines = ["  ".join(cell + " " * (w - display_width(cell))
                       for cell, w in zip(row, widths, strict=True)).rstrip() for row in cells]
    if rule:
        lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)
