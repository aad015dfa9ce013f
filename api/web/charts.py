"""Charts drawn on the page as inline SVG (no script, no CDN): a line over model versions
and grouped horizontal bars for the programme dashboard. Labels are the caller's words
(from the catalogue); numbers are formatted the Indonesian way by the caller's formatter."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from html import escape

from markupsafe import Markup

from matcher.i18n import format_number

PALETTE = ("#0b4f8a", "#c25e00", "#1e6b30", "#6b2c91")  # AA on white, distinct in grey too


def line_chart(
    points: Sequence[tuple[str, float]],
    *,
    title: str,
    lang: str,
    width: int = 420,
    height: int = 240,
) -> Markup:
    """``points`` = (label, value), in order. The y axis spans the values (with a margin)."""
    left, right, top, bottom = 48, 16, 28, 56
    values = [v for _, v in points]
    lo, hi = min(values), max(values)
    pad = (hi - lo) * 0.1 or abs(hi) * 0.1 or 0.1
    lo, hi = lo - pad, hi + pad
    n = len(points)
    plot_w, plot_h = width - left - right, height - top - bottom

    def x(i: int) -> float:
        return left + (plot_w * i / (n - 1) if n > 1 else plot_w / 2)

    def y(v: float) -> float:
        return top + plot_h * (1 - (v - lo) / (hi - lo))

    parts = [
        f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" aria-label="{escape(title)}">',
        f"<title>{escape(title)}</title>",
        f'<text x="{left}" y="16" font-weight="600">{escape(title)}</text>',
    ]
    for k in range(5):
        v = lo + (hi - lo) * k / 4
        parts.append(
            f'<line x1="{left}" x2="{width - right}" y1="{y(v):.1f}" y2="{y(v):.1f}" stroke="#d0d7de"/>'
        )
        parts.append(
            f'<text x="{left - 6}" y="{y(v) + 4:.1f}" text-anchor="end">{format_number(v, 3, lang)}</text>'
        )
    path = " ".join(f"{'M' if i == 0 else 'L'}{x(i):.1f},{y(v):.1f}" for i, v in enumerate(values))
    parts.append(f'<path d="{path}" fill="none" stroke="{PALETTE[0]}" stroke-width="2.5"/>')
    for i, (label, v) in enumerate(points):
        parts.append(
            f'<circle cx="{x(i):.1f}" cy="{y(v):.1f}" r="4" fill="{PALETTE[0]}">'
            f"<title>{escape(label)}: {format_number(v, 3, lang)}</title></circle>"
        )
        parts.append(
            f'<text x="{x(i):.1f}" y="{height - bottom + 16}" text-anchor="end" '
            f'transform="rotate(-30 {x(i):.1f} {height - bottom + 16})">{escape(label.split("-")[0])}</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))


def bar_chart(
    groups: Sequence[str],
    series: Sequence[tuple[str, Sequence[float]]],
    *,
    title: str,
    fmt: Callable[[float], str],
    width: int = 420,
) -> Markup:
    """Horizontal bars: one block per group, one bar per series (label, values per group).
    Long group names get their own line above the bars, so the chart reads on a phone."""
    bar_h, gap, label_h = 16, 12, 18
    top = 28 + 20 * len(series)  # title, then one legend line per series
    block = label_h + bar_h * len(series) + gap
    height = top + block * len(groups) + 8
    biggest = max([v for _, vals in series for v in vals] + [0]) or 1
    plot_w = width - 110  # room for the value after the longest bar
    parts = [
        f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" aria-label="{escape(title)}">',
        f"<title>{escape(title)}</title>",
        f'<text x="0" y="16" font-weight="600">{escape(title)}</text>',
    ]
    for s, (name, _) in enumerate(series):  # legend: what each colour means
        y = 28 + 20 * s
        parts.append(
            f'<rect x="0" y="{y}" width="12" height="12" fill="{PALETTE[s % len(PALETTE)]}"/>'
            f'<text x="18" y="{y + 11}">{escape(name)}</text>'
        )
    for g, group in enumerate(groups):
        y0 = top + g * block
        parts.append(f'<text x="0" y="{y0 + 13}" font-weight="600">{escape(group)}</text>')
        for s, (name, vals) in enumerate(series):
            v = vals[g]
            w = max(plot_w * v / biggest, 1 if v else 0)
            yb = y0 + label_h + s * bar_h
            parts.append(
                f'<rect x="0" y="{yb}" width="{w:.1f}" height="{bar_h - 3}" fill="{PALETTE[s % len(PALETTE)]}">'
                f"<title>{escape(name)}: {escape(fmt(v))}</title></rect>"
            )
            parts.append(f'<text x="{w + 6:.1f}" y="{yb + bar_h - 5}">{escape(fmt(v))}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))
