"""Charts as SVG drawn on the server: horizontal bars, grouped bars and a percentage bar.

Nothing is loaded from elsewhere and no script runs: the page embeds the returned markup.
Every chart is readable without colour and without sight:

- each bar has its value printed next to it, and its own <title> (a tooltip);
- the series of a grouped chart differ by fill pattern (solid, hatched, dotted), and a
  legend in text names them;
- the <svg> has role="img", an aria-label and <title>/<desc>; the page puts the same
  numbers in an HTML table beside the chart.

Values below zero are drawn as empty bars (the label still says the value). Labels are
XML-escaped; long ones are shortened with "…" (the whole label stays in the bar's <title>).
Geometry: a bar of value v is v / max × plot width wide, max being the largest value (or
`max_value` when given, e.g. 1 for rates); the plot starts after the label column and
leaves room at the right for the widest value label.
"""

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

from app.i18n import N_, gettext

WIDTH = 640
FONT_SIZE = 13
ROW_HEIGHT = 26
BAR_HEIGHT = 16
GROUP_BAR_HEIGHT = 12
GAP = 8
PAD = 6
MIN_VALUE_WIDTH = 40  # room after the longest bar for its value label, at least
MAX_LABEL_WIDTH = 220
# Series fills, told apart by pattern as well as by shade.
PATTERNS = ("solid", "hatch", "dots")
NO_DATA = N_("データがありません")


@dataclass(frozen=True)
class Bar:
    label: str
    value: float
    text: str | None = None  # the value as printed; str(value) when None


@dataclass(frozen=True)
class Series:
    name: str
    values: Sequence[float]
    texts: Sequence[str] | None = None


def text_width(text: str, font_size: float = FONT_SIZE) -> float:
    """An estimate of the drawn width: full-width (CJK) characters 1 em, others 0.6 em."""
    return sum(
        font_size * (1.0 if unicodedata.east_asian_width(ch) in "WF" else 0.6) for ch in text
    )


def shorten(text: str, width: float, font_size: float = FONT_SIZE) -> str:
    """The text cut to fit `width` (with "…"), or whole when it fits."""
    if text_width(text, font_size) <= width:
        return text
    room = width - font_size
    kept = ""
    for ch in text:
        if text_width(kept + ch, font_size) > room:
            break
        kept += ch
    return kept + "…"


def _number(value: float) -> str:
    return f"{value:,.1f}".rstrip("0").rstrip(".") if value % 1 else f"{int(value):,}"


def _label_width(labels: Sequence[str], label_width: float | None) -> float:
    if label_width is not None:
        return label_width
    widest = max((text_width(label) for label in labels), default=0)
    return min(MAX_LABEL_WIDTH, max(60.0, widest + 4))


def _value_width(texts: Sequence[str], value_width: float | None) -> float:
    if value_width is not None:
        return value_width
    widest = max((text_width(t) for t in texts), default=0)
    return max(MIN_VALUE_WIDTH, widest + 10)


def _scale(values: Sequence[float], max_value: float | None) -> float:
    top = max_value if max_value is not None else max((v for v in values), default=0)
    return top if top and top > 0 else 0.0


def bar_width(value: float, top: float, plot_width: float) -> float:
    """A bar's width: proportional to value, 0 for zero, negative or an empty scale."""
    if top <= 0 or value <= 0:
        return 0.0
    return round(min(value, top) / top * plot_width, 2)


def _fmt(value: float) -> str:
    return f"{value:.2f}".rstrip("0").rstrip(".")


def _open(chart_id: str, title: str, desc: str, width: float, height: float) -> list[str]:
    e_title = escape(title)
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" id="{escape(chart_id)}" '
        f'role="img" aria-label="{e_title}" aria-describedby="{escape(chart_id)}-desc" '
        f'width="{_fmt(width)}" height="{_fmt(height)}" '
        f'viewBox="0 0 {_fmt(width)} {_fmt(height)}" font-size="{FONT_SIZE}">',
        f'<title id="{escape(chart_id)}-title">{e_title}</title>',
        f'<desc id="{escape(chart_id)}-desc">{escape(desc)}</desc>',
    ]


def _axis(x: float, y1: float, y2: float) -> str:
    return (
        f'<line class="chart__axis" x1="{_fmt(x)}" y1="{_fmt(y1)}" x2="{_fmt(x)}" '
        f'y2="{_fmt(y2)}" stroke="#57606a"/>'
    )


def _defs(chart_id: str) -> str:
    """The series fills: a solid one, diagonal hatching and dots (ids unique per chart)."""
    cid = escape(chart_id)
    return (
        "<defs>"
        f'<pattern id="{cid}-hatch" patternUnits="userSpaceOnUse" width="6" height="6" '
        'patternTransform="rotate(45)">'
        '<rect width="6" height="6" fill="#ffffff"/>'
        '<rect width="3" height="6" fill="#b35c00"/></pattern>'
        f'<pattern id="{cid}-dots" patternUnits="userSpaceOnUse" width="5" height="5">'
        '<rect width="5" height="5" fill="#ffffff"/>'
        '<circle cx="2.5" cy="2.5" r="1.5" fill="#2f6f3e"/></pattern>'
        "</defs>"
    )


def _fill(chart_id: str, series_index: int) -> tuple[str, str]:
    pattern = PATTERNS[series_index % len(PATTERNS)]
    if pattern == "solid":
        return pattern, "#1d4f91"
    return pattern, f"url(#{escape(chart_id)}-{pattern})"


def _empty(chart_id: str, title: str, desc: str, message: str) -> Markup:
    parts = _open(chart_id, title, desc, WIDTH, 40)
    parts.append(f'<text class="chart__empty" x="{PAD}" y="25">{escape(message)}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


def bar_chart(
    *,
    chart_id: str,
    title: str,
    desc: str,
    bars: Sequence[Bar],
    max_value: float | None = None,
    width: float = WIDTH,
    label_width: float | None = None,
    value_width: float | None = None,
    empty_text: str | None = None,
) -> Markup:
    """One bar per row, its label on the left and its value printed after the bar."""
    if not bars:
        return _empty(chart_id, title, desc, empty_text or gettext(NO_DATA))
    texts = [b.text if b.text is not None else _number(b.value) for b in bars]
    label_w = _label_width([b.label for b in bars], label_width)
    x0 = label_w + GAP
    plot = max(0.0, width - x0 - _value_width(texts, value_width))
    top = _scale([b.value for b in bars], max_value)
    height = PAD * 2 + ROW_HEIGHT * len(bars)
    parts = _open(chart_id, title, desc, width, height)
    parts.append(_axis(x0, PAD, height - PAD))
    for i, bar in enumerate(bars):
        y = PAD + i * ROW_HEIGHT
        w = bar_width(bar.value, top, plot)
        text = texts[i]
        middle = y + ROW_HEIGHT / 2
        parts.append(
            f'<g class="chart__row"><title>{escape(bar.label)}: {escape(text)}</title>'
            f'<text class="chart__label" x="{_fmt(label_w)}" y="{_fmt(middle + 4.5)}" '
            f'text-anchor="end">{escape(shorten(bar.label, label_w))}</text>'
            f'<rect class="chart__bar" x="{_fmt(x0)}" y="{_fmt(middle - BAR_HEIGHT / 2)}" '
            f'width="{_fmt(w)}" height="{BAR_HEIGHT}" fill="#1d4f91" data-value="{bar.value}"/>'
            f'<text class="chart__value" x="{_fmt(x0 + w + 4)}" y="{_fmt(middle + 4.5)}">'
            f"{escape(text)}</text></g>"
        )
    parts.append("</svg>")
    return Markup("".join(parts))


def grouped_bar_chart(
    *,
    chart_id: str,
    title: str,
    desc: str,
    categories: Sequence[str],
    series: Sequence[Series],
    max_value: float | None = None,
    width: float = WIDTH,
    label_width: float | None = None,
    value_width: float | None = None,
    empty_text: str | None = None,
) -> Markup:
    """For each category one bar per series (e.g. estimated against actual), each series
    with its own fill pattern, and a legend in text at the top."""
    if not categories or not series:
        return _empty(chart_id, title, desc, empty_text or gettext(NO_DATA))
    for s in series:
        if len(s.values) != len(categories):
            raise ValueError(f"series {s.name!r} has {len(s.values)} values")
    texts = [
        [
            f"{s.name} {s.texts[c] if s.texts is not None else _number(v)}"
            for c, v in enumerate(s.values)
        ]
        for s in series
    ]
    label_w = _label_width(categories, label_width)
    x0 = label_w + GAP
    plot = max(0.0, width - x0 - _value_width([t for row in texts for t in row], value_width))
    top = _scale([v for s in series for v in s.values], max_value)
    legend_h = ROW_HEIGHT
    group_h = GROUP_BAR_HEIGHT * len(series) + 4 * (len(series) - 1) + 12
    height = PAD * 2 + legend_h + group_h * len(categories)
    parts = _open(chart_id, title, desc, width, height)
    parts.append(_defs(chart_id))
    # The legend: a swatch in the series' pattern and its name, in a row.
    x = x0
    parts.append('<g class="chart__legend">')
    for index, s in enumerate(series):
        pattern, fill = _fill(chart_id, index)
        parts.append(
            f'<rect class="chart__swatch chart__swatch--{pattern}" x="{_fmt(x)}" y="{PAD + 3}" '
            f'width="14" height="14" fill="{fill}" stroke="#1f2328" stroke-width="0.5"/>'
            f'<text x="{_fmt(x + 18)}" y="{PAD + 15}">{escape(s.name)}</text>'
        )
        x += 18 + text_width(s.name) + 16
    parts.append("</g>")
    y_top = PAD + legend_h
    parts.append(_axis(x0, y_top, height - PAD))
    for c, category in enumerate(categories):
        y = y_top + c * group_h + 6
        middle = y + (group_h - 12) / 2
        parts.append(
            f'<g class="chart__group"><text class="chart__label" x="{_fmt(label_w)}" '
            f'y="{_fmt(middle + 4.5)}" text-anchor="end">{escape(shorten(category, label_w))}'
            "</text>"
        )
        for index, s in enumerate(series):
            value = s.values[c]
            pattern, fill = _fill(chart_id, index)
            w = bar_width(value, top, plot)
            by = y + index * (GROUP_BAR_HEIGHT + 4)
            parts.append(
                f"<g><title>{escape(category)} {escape(texts[index][c])}</title>"
                f'<rect class="chart__bar chart__bar--{pattern}" x="{_fmt(x0)}" y="{_fmt(by)}" '
                f'width="{_fmt(w)}" height="{GROUP_BAR_HEIGHT}" fill="{fill}" '
                f'stroke="#1f2328" stroke-width="0.5" data-value="{value}"/>'
                f'<text class="chart__value" x="{_fmt(x0 + w + 4)}" '
                f'y="{_fmt(by + GROUP_BAR_HEIGHT - 2)}">{escape(texts[index][c])}</text></g>'
            )
        parts.append("</g>")
    parts.append("</svg>")
    return Markup("".join(parts))


def rate_bar(
    *,
    chart_id: str,
    title: str,
    desc: str,
    rate: float | None,
    text: str,
    width: float = 320,
) -> Markup:
    """A 0–100 % bar: the track, the filled share and the percentage printed after it.
    `rate` is 0–1; None (undefined) draws the empty track only."""
    height = 30
    track = width - 90
    filled = bar_width(rate or 0, 1.0, track)
    parts = _open(chart_id, title, desc, width, height)
    parts.append(
        f'<rect class="chart__track" x="0" y="7" width="{_fmt(track)}" height="16" '
        'fill="#eef1f4" stroke="#57606a" stroke-width="1"/>'
        f'<rect class="chart__bar" x="0" y="7" width="{_fmt(filled)}" height="16" '
        f'fill="#1d4f91" data-value="{rate if rate is not None else ""}"/>'
        f'<text class="chart__value" x="{_fmt(track + 6)}" y="20">{escape(text)}</text>'
        "</svg>"
    )
    return Markup("".join(parts))
