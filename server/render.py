"""Exercise prompts: Markdown to sanitized HTML, with $math$ and $$math$$ kept intact for KaTeX
(rendered in the browser from the vendored copy). Code spans and fences are left alone.
"""
from __future__ import annotations

import html
import re

import markdown
import nh3
from markupsafe import Markup

CODE_RE = re.compile(r"(^```.*?^```[ \t]*$|^~~~.*?^~~~[ \t]*$|`[^`\n]+`)", re.M | re.S)
MATH_RE = re.compile(r"\$\$(.+?)\$\$|\\\[(.+?)\\\]|(?<![\\$\w])\$(?!\s)([^$\n]+?)(?<!\s)\$(?![\w$])"
                     r"|\\\((.+?)\\\)", re.S)
PLACEHOLDER = "TGMATH{}X"
PLACEHOLDER_RE = re.compile(r"TGMATH(\d+)X")

TAGS = {"a", "abbr", "b", "blockquote", "br", "code", "dd", "del", "div", "dl", "dt", "em", "h1",
        "h2", "h3", "h4", "h5", "h6", "hr", "i", "img", "kbd", "li", "ol", "p", "pre", "span",
        "strong", "sub", "sup", "table", "tbody", "td", "th", "thead", "tr", "ul"}
ATTRIBUTES = {"a": {"href", "title"}, "img": {"src", "alt", "title"}, "td": {"align"},
              "th": {"align"}, "code": {"class"}, "span": {"class"}, "div": {"class"}}


def render_prompt(text: str) -> Markup:
    """Markdown (tables, fenced code) to HTML that is safe to embed, with math marked up as
    `<span class="math">` / `<div class="math display">` holding the escaped TeX."""
    maths: list[tuple[str, bool]] = []

    def stash(m: re.Match) -> str:
        display = m.group(1) is not None or m.group(2) is not None
        tex = next(g for g in m.groups() if g is not None)
        maths.append((tex.strip(), display))
        return PLACEHOLDER.format(len(maths) - 1)

    parts = CODE_RE.split(text)
    text = "".join(p if i % 2 else MATH_RE.sub(stash, p) for i, p in enumerate(parts))
    body = markdown.markdown(text, extensions=["tables", "fenced_code", "sane_lists"])
    clean = nh3.clean(body, tags=TAGS, attributes=ATTRIBUTES, url_schemes={"http", "https", "mailto"},
                      link_rel="noopener noreferrer")

    def restore(m: re.Match) -> str:
        tex, display = maths[int(m.group(1))]
        tag = "div" if display else "span"
        return f'<{tag} class="math{" display" if display else ""}">{html.escape(tex)}</{tag}>'

    return Markup(PLACEHOLDER_RE.sub(restore, clean))
