"""Prompts are Markdown rendered and sanitized with math kept for KaTeX; the loss plot is an SVG
that copes with NaN."""
from __future__ import annotations

from server.plot import loss_plot
from server.render import render_prompt


def test_markdown_is_rendered_and_sanitized():
    html = render_prompt("# Title\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n<script>alert(1)</script>\n\n"
                         '<img src="x" onerror="alert(2)"> [link](javascript:alert(3))')
    assert "<h1>Title</h1>" in html and "<table>" in html
    assert "<script" not in html and "onerror" not in html and "javascript:" not in html


def test_math_is_kept_for_katex_and_code_is_left_alone():
    html = render_prompt("Loss $L = \\frac{1}{N}\\sum_i (y_i - \\hat y_i)^2$ and\n\n"
                         "$$\\frac{\\partial L}{\\partial a} = -2x(y - a x - b)$$\n\n"
                         "Costs `$5` in code, and $3 or $4 in text.")
    assert '<span class="math">L = \\frac{1}{N}\\sum_i (y_i - \\hat y_i)^2</span>' in html
    assert '<span class="math display">\\frac{\\partial L}{\\partial a} = -2x(y - a x - b)</span>' in html
    assert "<code>$5</code>" in html
    assert html.count('class="math') == 2


def test_math_cannot_smuggle_markup():
    html = render_prompt("$<img src=x onerror=alert(1)>$")
    assert "<img" not in html and "&lt;img" in html


def test_loss_plot_draws_both_curves_and_explains_nan():
    svg = loss_plot({"seed": 101, "student": [0.2, 0.1, None], "reference": [0.2, 0.1, 0.05]})
    assert svg.count("<polyline") == 2 and "NaN or infinite from step 2" in svg
    assert loss_plot(None) is None and loss_plot({"student": [], "reference": []}) is None
