"""Self-contained SVG charts for the HTML report: no script, no CDN, no network."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from html import escape

PALETTE = ("#2563eb", "#dc2626", "#059669", "#d97706")
# Colours that mean something: GOOD where higher is better, BAD for failures and contacts, WARN for gaps.
GOOD, BAD, WARN, NEUTRAL = "#059669", "#dc2626", "#d97706", "#2563eb"
FONT = "font-family='system-ui, -apple-system, Segoe UI, Roboto, sans-serif'"


def percent(value: float) -> str:
    return f"{value * 100:.1f}%"


def line_chart(
    title: str,
    labels: Sequence[str],
    series: dict[str, Sequence[float | None]],
    *,
    width: int = 560,
    height: int = 260,
    colors: Sequence[str] | None = None,
) -> str:
    """Rates (0..1) over time, one polyline per series; gaps where a value is undefined."""
    left, right, top, bottom = 48, 16, 36, 52
    plot_w, plot_h = width - left - right, height - top - bottom
    parts = [
        _open(width, height, title),
        f"<text x='{left}' y='20' {FONT} font-size='14' font-weight='600'>{escape(title)}</text>",
    ]
    for tick in (0, 0.25, 0.5, 0.75, 1.0):
        y = top + plot_h * (1 - tick)
        parts.append(f"<line x1='{left}' y1='{y:.1f}' x2='{left + plot_w}' y2='{y:.1f}' stroke='#e5e7eb'/>")
        parts.append(
            f"<text x='{left - 6}' y='{y + 4:.1f}' {FONT} font-size='11' text-anchor='end' fill='#6b7280'>{int(tick * 100)}%</text>"
        )
    count = len(labels)
    if count == 0:
        parts.append(
            f"<text x='{left + plot_w / 2}' y='{top + plot_h / 2}' {FONT} font-size='13' text-anchor='middle' fill='#6b7280'>no data</text>"
        )
        return "".join(parts) + "</svg>"

    def x_at(i: int) -> float:
        return left + (plot_w / 2 if count == 1 else plot_w * i / (count - 1))

    step = max(1, count // 8)
    for i, label in enumerate(labels):
        if i % step == 0 or i == count - 1:
            anchor = "middle" if count == 1 else ("start" if i == 0 else "end" if i == count - 1 else "middle")
            parts.append(
                f"<text x='{x_at(i):.1f}' y='{top + plot_h + 16}' {FONT} font-size='10' text-anchor='{anchor}' fill='#6b7280'>{escape(label)}</text>"
            )
    for index, (name, values) in enumerate(series.items()):
        color = (colors or PALETTE)[index % len(colors or PALETTE)]
        segment: list[str] = []
        for i, value in enumerate(values):
            if value is None:
                parts.append(_polyline(segment, color))
                segment = []
                continue
            x, y = x_at(i), top + plot_h * (1 - max(0.0, min(1.0, value)))
            segment.append(f"{x:.1f},{y:.1f}")
            parts.append(
                f"<circle cx='{x:.1f}' cy='{y:.1f}' r='3' fill='{color}'><title>{escape(name)} {escape(labels[i])}: {percent(value)}</title></circle>"
            )
        parts.append(_polyline(segment, color))
        legend_x = left + index * 170
        parts.append(f"<rect x='{legend_x}' y='{height - 18}' width='12' height='4' fill='{color}'/>")
        parts.append(f"<text x='{legend_x + 18}' y='{height - 13}' {FONT} font-size='11'>{escape(name)}</text>")
    return "".join(parts) + "</svg>"


def bar_chart(
    title: str,
    items: Sequence[tuple[str, float]],
    *,
    value_label: Callable[[float], str] = lambda v: f"{v:g}",
    maximum: float | None = None,
    width: int = 560,
    color: str = PALETTE[0],
) -> str:
    """Horizontal bars, largest first, each labelled with its value."""
    label_w, bar_h, gap, top = 230, 18, 6, 32
    height = top + max(1, len(items)) * (bar_h + gap) + 8
    plot_w = width - label_w - 70
    biggest = maximum or max((v for _, v in items), default=0) or 1
    parts = [
        _open(width, height, title),
        f"<text x='0' y='20' {FONT} font-size='14' font-weight='600'>{escape(title)}</text>",
    ]
    if not items:
        parts.append(f"<text x='{label_w}' y='{top + 14}' {FONT} font-size='13' fill='#6b7280'>none</text>")
    for i, (label, value) in enumerate(items):
        y = top + i * (bar_h + gap)
        short = label if len(label) <= 30 else label[:29] + "…"
        w = max(1.0, plot_w * value / biggest)
        parts.append(
            f"<text x='{label_w - 8}' y='{y + 13}' {FONT} font-size='12' text-anchor='end'><title>{escape(label)}</title>{escape(short)}</text>"
        )
        parts.append(f"<rect x='{label_w}' y='{y}' width='{w:.1f}' height='{bar_h}' rx='2' fill='{color}'/>")
        parts.append(
            f"<text x='{label_w + w + 6:.1f}' y='{y + 13}' {FONT} font-size='12' fill='#374151'>{escape(value_label(value))}</text>"
        )
    return "".join(parts) + "</svg>"


def _open(width: int, height: int, title: str) -> str:
    return (
        f"<svg xmlns='http://www.w3.org/2000/svg' width='{width}' height='{height}' viewBox='0 0 {width} {height}' "
        f"role='img' aria-label='{escape(title, quote=True)}'>"
    )


def _polyline(points: list[str], color: str) -> str:
    if len(points) < 2:
        return ""
    return f"<polyline points='{' '.join(points)}' fill='none' stroke='{color}' stroke-width='2'/>"
