"""The loss curve of a submission against the reference, drawn as a small inline SVG (no
JavaScript, no plotting library). Non-finite values are left out and said in the caption.
"""
from __future__ import annotations

import math

from markupsafe import Markup, escape

W, H = 520, 220
LEFT, RIGHT, TOP, BOTTOM = 56, 16, 14, 34


def loss_plot(curves: dict | None) -> Markup | None:
    """SVG markup for {'student': [...], 'reference': [...], 'seed': n}, or None with no data."""
    if not curves:
        return None
    series = {who: [(i, v) for i, v in enumerate(curves.get(who) or [])
                    if isinstance(v, (int, float)) and math.isfinite(v)]
              for who in ("reference", "student")}
    points = [v for s in series.values() for _, v in s]
    if not points:
        return None
    n = max(len(curves.get("student") or []), len(curves.get("reference") or []), 2)
    lo, hi = min(points), max(points)
    if hi - lo < 1e-12:
        lo, hi = lo - 0.5, hi + 0.5
    pad = (hi - lo) * 0.06
    lo, hi = lo - pad, hi + pad

    def x(i: float) -> float:
        return LEFT + (W - LEFT - RIGHT) * i / (n - 1)

    def y(v: float) -> float:
        return TOP + (H - TOP - BOTTOM) * (hi - v) / (hi - lo)

    out = [f'<svg class="plot" viewBox="0 0 {W} {H}" role="img" xmlns="http://www.w3.org/2000/svg" '
           f'aria-label="Loss per step: your code and the reference">']
    for k in range(5):
        v = lo + (hi - lo) * k / 4
        out.append(f'<line x1="{LEFT}" x2="{W - RIGHT}" y1="{y(v):.1f}" y2="{y(v):.1f}" class="grid"/>'
                   f'<text x="{LEFT - 6}" y="{y(v) + 4:.1f}" text-anchor="end">{v:.3g}</text>')
    for i in sorted({0, (n - 1) // 2, n - 1}):
        out.append(f'<text x="{x(i):.1f}" y="{H - BOTTOM + 16}" text-anchor="middle">{i}</text>')
    out.append(f'<text x="{(LEFT + W - RIGHT) / 2:.0f}" y="{H - 4}" text-anchor="middle">step</text>')
    for who in ("reference", "student"):
        pts = series[who]
        if pts:
            coords = " ".join(f"{x(i):.1f},{y(v):.1f}" for i, v in pts)
            out.append(f'<polyline class="{who}" points="{coords}"/>')
            out += [f'<circle class="{who}" cx="{x(i):.1f}" cy="{y(v):.1f}" r="2.5"/>' for i, v in pts]
    out.append(f'<g class="legend"><line class="student" x1="{W - 190}" x2="{W - 170}" y1="{TOP + 6}" '
               f'y2="{TOP + 6}"/><text x="{W - 165}" y="{TOP + 10}">yours</text>'
               f'<line class="reference" x1="{W - 120}" x2="{W - 100}" y1="{TOP + 6}" y2="{TOP + 6}"/>'
               f'<text x="{W - 95}" y="{TOP + 10}">reference</text></g>')
    out.append("</svg>")
    missing = [i for i, v in enumerate(curves.get("student") or [])
               if not (isinstance(v, (int, float)) and math.isfinite(v))]
    caption = f"Loss per step on seed {escape(curves.get('seed'))}."
    if missing:
        caption += f" Your loss was NaN or infinite from step {missing[0]}: those points are not drawn."
    if not series["student"]:
        caption += " Your code recorded no finite loss."
    return Markup("".join(out) + f'<p class="caption">{caption}</p>')
