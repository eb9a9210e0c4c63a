"""A horizontal bar chart as inline SVG (no JavaScript, no plotting library), used by the
analytics pages; a bar with a link is clickable and leads to what it counts.
"""
from __future__ import annotations

from markupsafe import Markup, escape

W = 640
ROW, TOP, LABEL = 26, 8, 230


def bar_chart(items: list[tuple[str, int, str | None]], label: str) -> Markup | None:
    """SVG for [(label, count, href or None)], largest first as given; None with no items."""
    if not items:
        return None
    top = max(n for _, n, _ in items) or 1
    width = W - LABEL - 60
    h = TOP * 2 + ROW * len(items)
    out = [f'<svg class="bars" viewBox="0 0 {W} {h}" width="{W}" height="{h}" role="img" '
           f'xmlns="http://www.w3.org/2000/svg" aria-label="{escape(label)}">']
    for i, (name, n, href) in enumerate(items):
        y = TOP + i * ROW
        bar = (f'<text x="{LABEL - 8}" y="{y + 17}" text-anchor="end">{escape(name)}</text>'
               f'<rect x="{LABEL}" y="{y + 4}" width="{max(1.0, width * n / top):.1f}" height="{ROW - 8}"/>'
               f'<text class="count" x="{LABEL + width * n / top + 6:.1f}" y="{y + 17}">{n}</text>')
        if href:
            bar = f'<a href="{escape(href)}"><title>{escape(name)}: {n} — show them</title>{bar}</a>'
        out.append(f'<g class="bar">{bar}</g>')
    out.append("</svg>")
    return Markup("".join(out))
