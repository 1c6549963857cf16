"""Charts of the report pages, drawn on the server as inline SVG: readable without JavaScript, every
label escaped, each chart an image with its title for screen readers (the same figures are always in
a table next to it). Pure functions: figures and the caller's Vietnamese words in, markup out."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from html import escape
from typing import NamedTuple

from markupsafe import Markup

#: What a chart says when it has nothing to draw.
NO_DATA = "Chưa có số liệu trong kỳ này."

#: Okabe–Ito colours: told apart with the common colour-vision deficiencies.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#7a1f1f", "#000000")
#: Line styles, so series stay apart where they overlap or colours are not seen.
DASHES = ("", "7 4", "2 3", "9 3 2 3", "4 4")
HIGHLIGHT = "#D55E00"
TEXT = "#1b1b1b"
GRID = "#dddddd"
FONT = 'font-family="system-ui, sans-serif" font-size="12"'

ROW = 22  # height of one bar's row
BAR = 14  # thickness of one bar
PAD = 8
LABEL_CHARS = 34  # longer labels are shortened on the chart (in full in the bar's tooltip)


class Bar(NamedTuple):
    """One bar: its label, its value (None: no figure, drawn as a dash), and whether it stands out."""

    label: str
    value: float | None
    highlight: bool = False


class Series(NamedTuple):
    """One named series of values, one per category or per point of the x axis (None: no figure)."""

    name: str
    values: Sequence[float | None]


def format_number(value: float | None) -> str:
    """A figure as Vietnamese staff write it: thousands with a dot, decimals with a comma."""
    if value is None:
        return "—"
    if float(value).is_integer():
        return f"{int(value):,}".replace(",", ".")
    whole, _, fraction = f"{value:,.2f}".partition(".")
    fraction = fraction.rstrip("0")
    return whole.replace(",", ".") + (f",{fraction}" if fraction else "")


def _e(text: object) -> str:
    return escape(str(text), quote=True)


def _short(label: str, limit: int = LABEL_CHARS) -> str:
    return label if len(label) <= limit else label[: limit - 1].rstrip() + "…"


def _num(x: float) -> str:
    return f"{x:.1f}".removesuffix(".0")


def nice_ceiling(value: float) -> float:
    """The smallest 1, 2, 2.5 or 5 × 10ⁿ at or above `value` (1 for nothing), for a readable axis."""
    if value <= 0 or not math.isfinite(value):
        return 1.0
    power = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * power + 1e-12:
            return step * power
    return 10 * power


def _svg(title: str, width: int, height: int, body: list[str], description: str = "") -> Markup:
    head = (f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" aria-label="{_e(title)}" '
            f'viewBox="0 0 {width} {height}" width="100%" style="max-width:{width}px" {FONT}>'
            f"<title>{_e(title)}</title>")
    desc = f"<desc>{_e(description)}</desc>" if description else ""
    return Markup(head + desc + "".join(body) + "</svg>")


def _empty(title: str, width: int, empty_text: str, description: str) -> Markup:
    return _svg(title, width, 40, [f'<text class="empty" x="{PAD}" y="24" fill="#666">{_e(empty_text)}</text>'],
                description)


def _legend(series_names: Sequence[str], width: int, y: float) -> tuple[list[str], float]:
    """Legend swatches wrapped over lines; the parts and the height used."""
    parts, x, line = [], float(PAD), 0
    for index, name in enumerate(series_names):
        needed = 18 + 7 * len(name) + 16
        if x + needed > width and x > PAD:
            x, line = float(PAD), line + 1
        top = y + line * 18
        parts.append(f'<g class="legend-item"><rect x="{_num(x)}" y="{_num(top)}" width="12" height="12" '
                     f'fill="{PALETTE[index % len(PALETTE)]}"/>'
                     f'<text x="{_num(x + 16)}" y="{_num(top + 10)}" fill="{TEXT}">{_e(name)}</text></g>')
        x += needed
    return parts, (line + 1) * 18 + 4 if series_names else 0


def _label_width(labels: Sequence[str], width: int) -> int:
    longest = max((len(_short(label)) for label in labels), default=0)
    return int(min(max(longest * 7.4 + PAD * 2, 60), width * 0.42))


def bar_chart(title: str, bars: Sequence[Bar], *, reference: float | None = None, reference_label: str = "",
              value_format: Callable[[float | None], str] = format_number, width: int = 640,
              empty_text: str = NO_DATA, description: str = "") -> Markup:
    """Horizontal bars, one per row, with an optional vertical reference line (e.g. a target ratio of 1)."""
    if not bars:
        return _empty(title, width, empty_text, description)
    label_w = _label_width([b.label for b in bars], width)
    value_w = 64
    plot_x, plot_w = label_w, width - label_w - value_w
    top = 18 if reference is not None else 4
    scale = nice_ceiling(max([b.value or 0 for b in bars] + [reference or 0]))
    body: list[str] = []
    for index, bar in enumerate(bars):
        y = top + index * ROW
        body.append(f'<text class="label" x="{label_w - PAD}" y="{y + 15}" text-anchor="end" fill="{TEXT}">'
                    f"{_e(_short(bar.label))}</text>")
        shown = value_format(bar.value)
        if bar.value is not None:
            length = max(bar.value, 0) / scale * plot_w
            colour = HIGHLIGHT if bar.highlight else PALETTE[0]
            css = "bar highlight" if bar.highlight else "bar"
            body.append(f'<rect class="{css}" x="{plot_x}" y="{y + 4}" width="{_num(length)}" height="{BAR}" '
                        f'fill="{colour}"><title>{_e(bar.label)}: {_e(shown)}</title></rect>')
            value_x = plot_x + length + 4
        else:
            value_x = plot_x + 4
        body.append(f'<text class="value" x="{_num(value_x)}" y="{y + 15}" fill="{TEXT}">{_e(shown)}</text>')
    bottom = top + len(bars) * ROW + 4
    body.insert(0, f'<line x1="{plot_x}" y1="{top}" x2="{plot_x}" y2="{bottom}" stroke="#999"/>')
    if reference is not None:
        x = plot_x + reference / scale * plot_w
        body.append(f'<g class="reference"><line x1="{_num(x)}" y1="{top - 4}" x2="{_num(x)}" y2="{bottom}" '
                    f'stroke="{TEXT}" stroke-dasharray="4 3"/>'
                    f'<text x="{_num(x)}" y="12" text-anchor="middle" fill="{TEXT}">'
                    f"{_e(reference_label or value_format(reference))}</text></g>")
    return _svg(title, width, bottom + 4, body, description)


def grouped_bar_chart(title: str, categories: Sequence[str], series: Sequence[Series], *, stacked: bool = False,
                      value_format: Callable[[float | None], str] = format_number, width: int = 640,
                      empty_text: str = NO_DATA, description: str = "") -> Markup:
    """Horizontal bars per category: one bar per series side by side, or the series stacked into one bar
    (then the total is written at its end). A legend names the series."""
    if not categories or not series:
        return _empty(title, width, empty_text, description)
    legend, legend_h = _legend([s.name for s in series], width, PAD)
    label_w = _label_width(categories, width)
    value_w = 56
    plot_x, plot_w = label_w, width - label_w - value_w

    def value(s: Series, i: int) -> float | None:
        return s.values[i] if i < len(s.values) else None

    if stacked:
        highest = max(sum(max(value(s, i) or 0, 0) for s in series) for i in range(len(categories)))
        group_h = ROW
    else:
        highest = max(max(value(s, i) or 0, 0) for s in series for i in range(len(categories)))
        group_h = len(series) * 11 + 10
    scale = nice_ceiling(highest)
    top = PAD + legend_h
    body = list(legend)
    for i, category in enumerate(categories):
        y = top + i * group_h
        body.append(f'<g class="category"><text class="label" x="{label_w - PAD}" y="{y + group_h / 2 + 4:.1f}" '
                    f'text-anchor="end" fill="{TEXT}">{_e(_short(category))}</text>')
        x = float(plot_x)
        for k, s in enumerate(series):
            v = value(s, i)
            if v is None:
                continue
            length = max(v, 0) / scale * plot_w
            tooltip = f"<title>{_e(category)} — {_e(s.name)}: {_e(value_format(v))}</title>"
            colour = PALETTE[k % len(PALETTE)]
            if stacked:
                body.append(f'<rect class="bar" x="{_num(x)}" y="{y + 4}" width="{_num(length)}" height="{BAR}" '
                            f'fill="{colour}">{tooltip}</rect>')
                x += length
            else:
                bar_y = y + 5 + k * 11
                body.append(f'<rect class="bar" x="{plot_x}" y="{bar_y}" width="{_num(length)}" height="9" '
                            f'fill="{colour}">{tooltip}</rect>')
                body.append(f'<text class="value" x="{_num(plot_x + length + 3)}" y="{bar_y + 8}" font-size="9" '
                            f'fill="{TEXT}">{_e(value_format(v))}</text>')
        if stacked:
            total = sum(max(value(s, i) or 0, 0) for s in series)
            body.append(f'<text class="value" x="{_num(x + 4)}" y="{y + 15}" fill="{TEXT}">'
                        f"{_e(value_format(total))}</text>")
        body.append("</g>")
    bottom = top + len(categories) * group_h + 4
    body.insert(len(legend), f'<line x1="{plot_x}" y1="{top}" x2="{plot_x}" y2="{bottom}" stroke="#999"/>')
    return _svg(title, width, bottom + 4, body, description)


def line_chart(title: str, x_labels: Sequence[str], series: Sequence[Series], *,
               value_format: Callable[[float | None], str] = format_number, width: int = 640, height: int = 240,
               empty_text: str = NO_DATA, description: str = "") -> Markup:
    """A few series over the same x axis (months): a line and a point per figure, gridlines at a round scale."""
    if not x_labels or not series:
        return _empty(title, width, empty_text, description)
    legend, legend_h = _legend([s.name for s in series], width, PAD)
    figures = [v for s in series for v in s.values if v is not None]
    tick = nice_ceiling(max(figures, default=0) / 4)
    if all(float(v).is_integer() for v in figures):
        tick = max(tick, 1.0)  # counts: whole-number gridlines
    scale = 4 * tick
    left, right = 44, 32
    top, bottom = PAD + legend_h + 6, height - 28
    plot_w, plot_h = width - left - right, bottom - top
    step = plot_w / max(len(x_labels) - 1, 1)

    def x_of(i: int) -> float:
        return left + (i * step if len(x_labels) > 1 else plot_w / 2)

    def y_of(v: float) -> float:
        return bottom - max(v, 0) / scale * plot_h

    body = list(legend)
    for gridline in range(5):
        v = tick * gridline
        y = y_of(v)
        body.append(f'<line class="grid" x1="{left}" y1="{_num(y)}" x2="{width - right}" y2="{_num(y)}" '
                    f'stroke="{GRID}"/><text x="{left - 4}" y="{_num(y + 4)}" text-anchor="end" fill="#666">'
                    f"{_e(value_format(v))}</text>")
    every = max(1, math.ceil(len(x_labels) / 12))
    for i, label in enumerate(x_labels):
        if i % every == 0 or i == len(x_labels) - 1:
            body.append(f'<text class="x-label" x="{_num(x_of(i))}" y="{bottom + 16}" text-anchor="middle" '
                        f'font-size="10" fill="#444">{_e(label)}</text>')
    for k, s in enumerate(series):
        colour = PALETTE[k % len(PALETTE)]
        dash = DASHES[k % len(DASHES)]
        stroke = f'stroke="{colour}" stroke-width="2"' + (f' stroke-dasharray="{dash}"' if dash else "")
        body.append(f'<g class="series" data-name="{_e(s.name)}">')
        run: list[str] = []
        for i in range(len(x_labels)):
            v = s.values[i] if i < len(s.values) else None
            if v is None:
                if len(run) > 1:
                    body.append(f'<polyline points="{" ".join(run)}" fill="none" {stroke}/>')
                run = []
                continue
            run.append(f"{_num(x_of(i))},{_num(y_of(v))}")
        if len(run) > 1:
            body.append(f'<polyline points="{" ".join(run)}" fill="none" {stroke}/>')
        for i, label in enumerate(x_labels):
            v = s.values[i] if i < len(s.values) else None
            if v is not None:
                body.append(f'<circle class="point" cx="{_num(x_of(i))}" cy="{_num(y_of(v))}" r="3" fill="{colour}">'
                            f"<title>{_e(s.name)}, {_e(label)}: {_e(value_format(v))}</title></circle>")
        body.append("</g>")
    body.append(f'<line x1="{left}" y1="{bottom}" x2="{width - right}" y2="{bottom}" stroke="#999"/>')
    return _svg(title, width, height, body, description)
