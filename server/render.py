"""Exercise prompts: Markdown to sanitized HTML, with $math$ and $$math$$ kept intact for KaTeX
(rendered in the browser from the vendored copy). Code spans, fences and link targets stay as
they are.

Math is an inline pattern of the Markdown parser itself (no text placeholders a prompt could
collide with), and every tag and attribute of the result passes the nh3 allow-list.
"""
from __future__ import annotations

import re
import xml.etree.ElementTree as etree

import markdown
import nh3
from markdown.extensions import Extension
from markdown.inlinepatterns import InlineProcessor
from markupsafe import Markup

MATH_RE = (r"\$\$(.+?)\$\$|\\\[(.+?)\\\]|(?<![\\$\w])\$(?!\s)([^$\n]+?)(?<!\s)\$(?![\w$])"
           r"|\\\((.+?)\\\)")
# above the backslash escapes (180) so TeX keeps its backslashes; below code spans (190)
MATH_PRIORITY = 185
# text before a match that ends inside a link target `](...` or inside a raw HTML tag `<a ...`
NOT_TEXT_RE = re.compile(r"\]\([^)]*$|<[A-Za-z!/][^<>]*$")

TAGS = {"a", "abbr", "b", "blockquote", "br", "code", "dd", "del", "div", "dl", "dt", "em", "h1",
        "h2", "h3", "h4", "h5", "h6", "hr", "i", "img", "kbd", "li", "ol", "p", "pre", "span",
        "strong", "sub", "sup", "table", "tbody", "td", "th", "thead", "tr", "ul"}
ATTRIBUTES = {"a": {"href", "title"}, "img": {"src", "alt", "title"}, "td": {"align"},
              "th": {"align"}, "code": {"class"}, "span": {"class"}, "div": {"class"}}


class MathPattern(InlineProcessor):
    """`$x$`, `\\(x\\)` -> <span class="math">; `$$x$$`, `\\[x\\]` -> <span class="math display">
    (a span shown as a block, so a paragraph around it stays one paragraph)."""

    def __init__(self):
        super().__init__(MATH_RE)
        self.compiled_re = re.compile(MATH_RE, re.S)

    def handleMatch(self, m: re.Match, data: str):
        if NOT_TEXT_RE.search(data, 0, m.start()):
            return None, None, None          # a URL or an attribute, not math
        tex = next(g for g in m.groups() if g is not None).strip()
        if markdown.util.STX in tex:
            return None, None, None          # it would swallow a code span: not math
        display = m.group(1) is not None or m.group(2) is not None
        el = etree.Element("span")
        el.set("class", "math display" if display else "math")
        el.text = markdown.util.AtomicString(tex)
        return el, m.start(0), m.end(0)


class MathExtension(Extension):
    def extendMarkdown(self, md):
        md.inlinePatterns.register(MathPattern(), "math", MATH_PRIORITY)


def render_prompt(text: str) -> Markup:
    """Markdown (tables, fenced code) to HTML that is safe to embed, with math marked up as
    `<span class="math">` / `<span class="math display">` holding the escaped TeX."""
    body = markdown.markdown(text, extensions=["tables", "fenced_code", "sane_lists",
                                               MathExtension()])
    clean = nh3.clean(body, tags=TAGS, attributes=ATTRIBUTES,
                      url_schemes={"http", "https", "mailto"}, link_rel="noopener noreferrer")
    # a wide table scrolls in its own box, not the page (nh3 escapes any "<" that is not a tag)
    clean = (clean.replace("<table>", '<div class="scroll" tabindex="0" role="region" '
                                      'aria-label="Table">\n<table>')
             .replace("</table>", "</table>\n</div>"))
    return Markup(clean)
