"""Charts drawn on the server as SVG: no JavaScript library, nothing from a CDN, and the
Content-Security-Policy stays strict (presentation attributes, no style). Every plotted
point carries its value in `data-value`, so a reader (or a test) gets the exact numbers.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

WIDTH, HEIGHT, PAD = 640, 200, 32
COLOURS = ("#2563eb", "#dc2626", "#16a34a", "#9333ea", "#ea580c")
WEEKDAYS = ("周一", "周二", "周三", "周四", "周五", "周六", "周日")


@dataclass(frozen=True, slots=True)
class Series:
    name: str
    values: Sequence[int]


def _ceiling(values: Sequence[int]) -> int:
    top = max(values, default=0)
    return max(top, 1)


def lines(chart_id: str, title: str, labels: Sequence[str], series: Sequence[Series]) -> Markup:
    """A line chart of daily values; `labels` are the days (x axis)."""
    top = _ceiling([v for s in series for v in s.values])
    n = max(len(labels), 2)
    step = (WIDTH - 2 * PAD) / (n - 1)

    def x(i: int) -> float:
        return PAD + i * step

    def y(v: int) -> float:
        return HEIGHT - PAD - (HEIGHT - 2 * PAD) * v / top

    parts = [
        f'<svg class="chart" id="{escape(chart_id)}" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'role="img" aria-label="{escape(title)}" xmlns="http://www.w3.org/2000/svg">',
        f"<title>{escape(title)}</title>",
        f'<line x1="{PAD}" y1="{HEIGHT - PAD}" x2="{WIDTH - PAD}" y2="{HEIGHT - PAD}" '
        'stroke="#9ca3af"/>',
        f'<text x="4" y="{PAD}" font-size="11" fill="#6b7280">{top}</text>',
        f'<text x="4" y="{HEIGHT - PAD}" font-size="11" fill="#6b7280">0</text>',
    ]
    if labels:
        parts.append(f'<text x="{PAD}" y="{HEIGHT - 8}" font-size="11" fill="#6b7280">'
                     f"{escape(labels[0])}</text>")
        parts.append(f'<text x="{WIDTH - PAD}" y="{HEIGHT - 8}" font-size="11" '
                     f'text-anchor="end" fill="#6b7280">{escape(labels[-1])}</text>')
    for k, s in enumerate(series):
        colour = COLOURS[k % len(COLOURS)]
        points = " ".join(f"{x(i):.1f},{y(v):.1f}" for i, v in enumerate(s.values))
        parts.append(f'<g class="series" data-series="{escape(s.name)}">')
        parts.append(f'<polyline fill="none" stroke="{colour}" stroke-width="2" '
                     f'points="{points}"/>')
        for i, v in enumerate(s.values):
            parts.append(f'<circle cx="{x(i):.1f}" cy="{y(v):.1f}" r="2.5" fill="{colour}" '
                         f'data-day="{escape(labels[i])}" data-value="{v}">'
                         f"<title>{escape(labels[i])} {escape(s.name)}: {v}</title></circle>")
        parts.append("</g>")
        parts.append(f'<text x="{PAD + 90 * k}" y="14" font-size="12" fill="{colour}">'
                     f"■ {escape(s.name)}</text>")
    parts.append("</svg>")
    return Markup("".join(parts))


def heatmap(chart_id: str, title: str, counts: Sequence[Sequence[int]]) -> Markup:
    """Messages by weekday (rows, Monday first) and hour of day (columns, 0-23)."""
    top = _ceiling([v for row in counts for v in row])
    cell, left, head = 24, 40, 18
    width, height = left + 24 * cell, head + 7 * cell
    parts = [
        f'<svg class="chart heatmap" id="{escape(chart_id)}" viewBox="0 0 {width} {height}" '
        f'role="img" aria-label="{escape(title)}" xmlns="http://www.w3.org/2000/svg">',
        f"<title>{escape(title)}</title>",
    ]
    for hour in range(0, 24, 3):
        parts.append(f'<text x="{left + hour * cell + 2}" y="12" font-size="10" '
                     f'fill="#6b7280">{hour}时</text>')
    for day, row in enumerate(counts):
        parts.append(f'<text x="2" y="{head + day * cell + 16}" font-size="11" '
                     f'fill="#6b7280">{WEEKDAYS[day]}</text>')
        for hour, v in enumerate(row):
            shade = 0.08 + 0.92 * v / top if v else 0.0
            parts.append(
                f'<rect x="{left + hour * cell}" y="{head + day * cell}" width="{cell - 2}" '
                f'height="{cell - 2}" fill="#2563eb" fill-opacity="{shade:.2f}" '
                f'stroke="#e5e7eb" data-weekday="{day}" data-hour="{hour}" data-value="{v}">'
                f"<title>{WEEKDAYS[day]} {hour}时: {v}</title></rect>")
    parts.append("</svg>")
    return Markup("".join(parts))


def bars(chart_id: str, title: str, items: Sequence[tuple[str, int]]) -> Markup:
    """Horizontal bars, one per label (stage counts, pass rates in percent...)."""
    top = _ceiling([v for _, v in items])
    row, left = 26, 120
    height = max(1, len(items)) * row + 8
    parts = [
        f'<svg class="chart bars" id="{escape(chart_id)}" viewBox="0 0 {WIDTH} {height}" '
        f'role="img" aria-label="{escape(title)}" xmlns="http://www.w3.org/2000/svg">',
        f"<title>{escape(title)}</title>",
    ]
    for i, (label, v) in enumerate(items):
        length = (WIDTH - left - 60) * v / top
        y = 4 + i * row
        parts.append(f'<text x="2" y="{y + 16}" font-size="12" fill="#374151">'
                     f"{escape(label[:14])}</text>")
        parts.append(f'<rect x="{left}" y="{y}" width="{length:.1f}" height="{row - 6}" '
                     f'fill="#2563eb" data-label="{escape(label)}" data-value="{v}"/>')
        parts.append(f'<text x="{left + length + 6:.1f}" y="{y + 16}" font-size="12" '
                     f'fill="#374151">{v}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))
