"""Charts as plain SVG strings: no library, no script, nothing to download.

Five shapes serve the whole report: horizontal bars (centred for a funnel,
stacked for counts split by a second dimension), vertical bars (a
histogram), a heatmap (a grid of counts or shares) and lines over dates.
Every chart has a title, axis labels with units and a fixed size; every
mark that stands for a count of customers carries `data-filter` (the
customers table's columns and values it stands for) and the class `drill`,
so a click on it shows those customers (page.py's script); its tooltip ends
with the unit of the figure it shows ("12 customers", "3.4k margin").
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from html import escape

WIDTH = 560
FONT = 12
# Okabe-Ito: told apart by people with any common colour blindness
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000"]
HEAT_LOW, HEAT_HIGH = (239, 246, 255), (8, 48, 107)

# a customers table column and the value it must have (or, for a list, one of the values)
Filter = dict[str, object] | None


@dataclass(frozen=True)
class Bar:
    label: str
    value: float
    filter: Filter = None


def filter_attribute(selection: Filter) -> str:
    """The data-filter attribute of a mark that drills down, or nothing."""
    if selection is None:
        return ""
    return f' class="drill" tabindex="0" data-filter="{escape(json.dumps(selection, default=str))}"'


def number(value: float, decimals: int = 0) -> str:
    """1234.5 -> '1,235' (or with decimals); thousands separated for reading."""
    return f"{value:,.{decimals}f}"


def nice_ticks(high: float, count: int = 5) -> list[float]:
    """0 and round steps (1, 2 or 5 x 10^n) up to at least high."""
    if high <= 0:
        return [0.0, 1.0]
    raw = high / count
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 5, 10) if m * magnitude >= raw)
    return [step * i for i in range(int(math.ceil(high / step - 1e-9)) + 1)]


def _text(x: float, y: float, content: str, anchor: str = "start", size: int = FONT, extra: str = "") -> str:
    return (f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" text-anchor="{anchor}"{extra}>'
            f"{escape(content)}</text>")


def _svg(title: str, height: float, body: list[str]) -> str:
    return (f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" width="{WIDTH}" '
            f'height="{height:.0f}" viewBox="0 0 {WIDTH} {height:.0f}" font-family="sans-serif">'
            f"<title>{escape(title)}</title>" + "".join(body) + "</svg>")


def _heat_colour(share: float) -> str:
    share = min(max(share, 0.0), 1.0)
    red, green, blue = (round(low + (high - low) * share) for low, high in zip(HEAT_LOW, HEAT_HIGH))
    return f"rgb({red},{green},{blue})"


def _value_axis_x(left: float, right: float, top: float, bottom: float, ticks: list[float],
                  label: str, tick_format: Callable[[float], str]) -> list[str]:
    """A horizontal value axis under a plot: grid lines, tick labels, the axis title."""
    body = []
    for tick in ticks:
        x = left + (right - left) * tick / ticks[-1]
        body.append(f'<line x1="{x:.1f}" y1="{top}" x2="{x:.1f}" y2="{bottom}" stroke="#ddd"/>')
        body.append(_text(x, bottom + 14, tick_format(tick), "middle", 10))
    body.append(_text((left + right) / 2, bottom + 32, label, "middle"))
    return body


def _value_axis_y(left: float, right: float, top: float, bottom: float, ticks: list[float],
                  label: str, tick_format: Callable[[float], str]) -> list[str]:
    """A vertical value axis left of a plot: grid lines, tick labels, the axis title (rotated)."""
    body = []
    for tick in ticks:
        y = bottom - (bottom - top) * tick / ticks[-1]
        body.append(f'<line x1="{left}" y1="{y:.1f}" x2="{right}" y2="{y:.1f}" stroke="#ddd"/>')
        body.append(_text(left - 4, y + 4, tick_format(tick), "end", 10))
    middle = (top + bottom) / 2
    body.append(_text(12, middle, label, "middle", extra=f' transform="rotate(-90 12 {middle:.1f})"'))
    return body


def horizontal_bars(title: str, bars: Sequence[Bar], value_label: str, category_label: str,
                    centred: bool = False, value_format: Callable[[float], str] = number,
                    unit: str = "customers") -> str:
    """One bar per category, longest = largest value; centred draws a funnel."""
    left, right, top, row = 170, WIDTH - 70, 30, 24
    bottom = top + row * max(len(bars), 1)
    ticks = nice_ticks(max((bar.value for bar in bars), default=0))
    scale = (right - left) / ticks[-1]
    body = [_text(8, 18, category_label, extra=' font-weight="bold"')]
    if not centred:
        body += _value_axis_x(left, right, top, bottom, ticks, value_label, value_format)
    for index, bar in enumerate(bars):
        y = top + index * row
        length = max(bar.value, 0) * scale
        x = left + ((right - left) - length) / 2 if centred else left
        body.append(_text(left - 6, y + row * 0.65, bar.label, "end"))
        body.append(f'<rect x="{x:.1f}" y="{y + 3}" width="{max(length, 1):.1f}" height="{row - 6}" '
                    f'fill="{PALETTE[0]}"{filter_attribute(bar.filter)}><title>{escape(bar.label)}: '
                    f"{escape(value_format(bar.value))} {escape(unit)}</title></rect>")
        body.append(_text(x + length + 4, y + row * 0.65, value_format(bar.value), extra=' font-size="11"'))
    if centred:
        body.append(_text((left + right) / 2, bottom + 20, value_label, "middle"))
    return _svg(title, bottom + 40, body)


def stacked_bars(title: str, categories: Sequence[str], series: Sequence[str],
                 values: dict[tuple[str, str], float], filters: dict[tuple[str, str], Filter],
                 value_label: str, category_label: str) -> str:
    """One bar per category split into its series (a legend on top)."""
    left, right, top, row = 170, WIDTH - 30, 50, 28
    bottom = top + row * max(len(categories), 1)
    totals = [sum(values.get((category, name), 0) for name in series) for category in categories]
    ticks = nice_ticks(max(totals, default=0))
    scale = (right - left) / ticks[-1]
    body = [_text(8, 18, category_label, extra=' font-weight="bold"')]
    for index, name in enumerate(series):
        x = left + index * 100
        body.append(f'<rect x="{x}" y="28" width="10" height="10" fill="{PALETTE[index % len(PALETTE)]}"/>')
        body.append(_text(x + 14, 37, name, extra=' font-size="11"'))
    body += _value_axis_x(left, right, top, bottom, ticks, value_label, number)
    for row_index, category in enumerate(categories):
        y, x = top + row_index * row, float(left)
        body.append(_text(left - 6, y + row * 0.65, category, "end"))
        for index, name in enumerate(series):
            value = values.get((category, name), 0)
            if value <= 0:
                continue
            body.append(f'<rect x="{x:.1f}" y="{y + 4}" width="{value * scale:.1f}" height="{row - 8}" '
                        f'fill="{PALETTE[index % len(PALETTE)]}"{filter_attribute(filters.get((category, name)))}>'
                        f"<title>{escape(category)}, {escape(name)}: {number(value)} customers</title></rect>")
            x += value * scale
    return _svg(title, bottom + 40, body)


def vertical_bars(title: str, bars: Sequence[Bar], value_label: str, category_label: str) -> str:
    """A histogram: one column per bucket, buckets left to right."""
    left, right, top, bottom = 60, WIDTH - 10, 20, 250
    ticks = nice_ticks(max((bar.value for bar in bars), default=0))
    width = (right - left) / max(len(bars), 1)
    body = _value_axis_y(left, right, top, bottom, ticks, value_label, number)
    for index, bar in enumerate(bars):
        x = left + index * width
        height = (bottom - top) * max(bar.value, 0) / ticks[-1]
        body.append(f'<rect x="{x + 2:.1f}" y="{bottom - height:.1f}" width="{width - 4:.1f}" '
                    f'height="{max(height, 1):.1f}" fill="{PALETTE[0]}"{filter_attribute(bar.filter)}>'
                    f"<title>{escape(bar.label)}: {number(bar.value)} customers</title></rect>")
        label_x = x + width / 2
        body.append(_text(label_x, bottom + 12, bar.label, "end", 10,
                          f' transform="rotate(-40 {label_x:.1f} {bottom + 12})"'))
    body.append(_text((left + right) / 2, bottom + 78, category_label, "middle"))
    return _svg(title, bottom + 90, body)


def heatmap(title: str, rows: Sequence[str], columns: Sequence[str], shares: dict[tuple[str, str], float],
            labels: dict[tuple[str, str], str], filters: dict[tuple[str, str], Filter],
            row_label: str, column_label: str, unit: str = "customers") -> str:
    """A grid: each cell coloured by its share (0-1) and labelled with its text (in the tooltip: text and unit)."""
    left, top = 150, 40
    cell_width = min(70.0, (WIDTH - left - 10) / max(len(columns), 1))
    cell_height = 26
    # labels longer than a cell is wide are written at an angle, with room above the grid for them
    slanted = any(len(column) * 6 > cell_width for column in columns)
    if slanted:
        top += 6 * max(len(column) for column in columns) * 0.7
    bottom = top + cell_height * len(rows)
    body = [_text(left + cell_width * len(columns) / 2, 14, column_label, "middle")]
    for index, column in enumerate(columns):
        x = left + (index + 0.5) * cell_width
        body.append(_text(x, top - 6, column, "start", 10, f' transform="rotate(-40 {x:.1f} {top - 6:.1f})"')
                    if slanted else _text(x, top - 6, column, "middle", 10))
    for row_index, row_name in enumerate(rows):
        y = top + row_index * cell_height
        body.append(_text(left - 6, y + cell_height * 0.65, row_name, "end", 11))
        for index, column in enumerate(columns):
            key = (row_name, column)
            if key not in labels:
                continue
            share = shares.get(key, 0.0)
            x = left + index * cell_width
            ink = "#fff" if share > 0.55 else "#000"
            body.append(f'<rect x="{x:.1f}" y="{y}" width="{cell_width - 1:.1f}" height="{cell_height - 1}" '
                        f'fill="{_heat_colour(share)}"{filter_attribute(filters.get(key))}>'
                        f"<title>{escape(row_name)} / {escape(column)}: {escape(labels[key])} {escape(unit)}</title></rect>")
            body.append(_text(x + cell_width / 2, y + cell_height * 0.65, labels[key], "middle", 10,
                              f' fill="{ink}" pointer-events="none"'))
    body.append(_text(8, bottom + 18, row_label, extra=' font-weight="bold"'))
    return _svg(title, bottom + 28, body)


def lines(title: str, series: dict[str, Sequence[tuple[date, float | None]]], value_label: str,
          date_label: str, value_format: Callable[[float], str] = number, value_high: float | None = None) -> str:
    """One line per series over dates; a missing value breaks the line."""
    left, right, top, bottom = 60, WIDTH - 10, 40, 230
    points = [(day, value) for values in series.values() for day, value in values if value is not None]
    days = [day for day, _ in points]
    first, last = (min(days), max(days)) if days else (date.today(), date.today())
    span = max((last - first).days, 1)
    ticks = nice_ticks(value_high if value_high is not None else max((v for _, v in points), default=0))
    body = _value_axis_y(left, right, top, bottom, ticks, value_label, value_format)

    def position(day: date, value: float) -> tuple[float, float]:
        return (left + (right - left) * (day - first).days / span,
                bottom - (bottom - top) * value / ticks[-1])

    for index, (name, values) in enumerate(series.items()):
        colour = PALETTE[index % len(PALETTE)]
        body.append(f'<rect x="{left + index * 150}" y="10" width="10" height="10" fill="{colour}"/>')
        body.append(_text(left + index * 150 + 14, 19, name, extra=' font-size="11"'))
        segment: list[str] = []
        for day, value in [*values, (None, None)]:
            if value is None:
                if len(segment) > 1:
                    body.append(f'<polyline fill="none" stroke="{colour}" stroke-width="2" points="{" ".join(segment)}"/>')
                elif segment:
                    x, y = segment[0].split(",")
                    body.append(f'<circle cx="{x}" cy="{y}" r="2.5" fill="{colour}"/>')
                segment = []
                continue
            x, y = position(day, value)
            segment.append(f"{x:.1f},{y:.1f}")
    for day, anchor in ((first, "start"), (first + (last - first) / 2, "middle"), (last, "end")):
        x = left + (right - left) * (day - first).days / span
        body.append(_text(x, bottom + 14, day.isoformat(), anchor, 10))
    body.append(_text((left + right) / 2, bottom + 32, date_label, "middle"))
    return _svg(title, bottom + 42, body)
