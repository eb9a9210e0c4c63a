"""The prompt renderer on hostile and random input: text that looks like an internal placeholder,
math inside link targets and attributes, and thousands of random mixes of Markdown, math and HTML.
It never fails, never lets a script, an event handler or a javascript: URL through, and math
only ever becomes a span holding text."""
from __future__ import annotations

import random
from html.parser import HTMLParser

import pytest

from server.models import Exercise
from server.render import ATTRIBUTES, TAGS, render_prompt
from tests.server.conftest import COURSE, EXERCISE, gen_user, login

FRAGMENTS = [
    "$x$", "$$a^2$$", "\\(b\\)", "\\[c\\]", "$", "$$", "\\", "`", "```", "```\n", "~~~", "\n", "\n\n",
    "# ", "* ", "1. ", "> ", "| a | b |\n|---|---|\n| 1 | 2 |\n", "[l](", ")", "](", "[", "]", "(",
    "<", ">", "<script>", "</script>", "<img src=x onerror=alert(1)>", '<a href="', '">',
    "javascript:", "JaVaScRiPt:alert(1)", "java\tscript:", "&#106;avascript:", "data:text/html,",
    '"', "'", "=", " onmouseover=", "<svg onload=1>", "<iframe>", "<style>", "TGMATH0X",
    "TGMATH99X", "\x02", "\x03", "wzxhzdk:0", "klzzwxh:1", "_", "*", "**", "<!--", "-->", "&",
    "&amp;", "<span>", "</span>", "{", "}", "^", "\\frac{1}{2}", " ", "é", "\u202e",
    "<div title='$x$'>", "</div>", "![i](", "http://a/$b$", "\t", "    code\n",
]
BAD_TAGS = {"script", "style", "iframe", "svg", "object", "embed", "form", "input", "math"}


class Inspector(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []
        self.in_math = 0

    def handle_starttag(self, tag, attrs):
        if tag not in TAGS or tag in BAD_TAGS:
            self.problems.append(f"tag {tag}")
        if self.in_math:
            self.problems.append(f"tag {tag} inside math")
        allowed = ATTRIBUTES.get(tag, set()) | {"lang", "title"} | ({"rel"} if tag == "a" else set())
        if tag == "div" and ("class", "scroll") in attrs:        # the box a wide table scrolls in
            allowed = allowed | {"tabindex", "role", "aria-label"}
        for name, value in attrs:
            if name not in allowed:
                self.problems.append(f"attribute {name} on {tag}")
            # how a browser reads a URL: tabs and newlines dropped, outer controls and spaces stripped
            squashed = "".join(c for c in (value or "") if c not in "\t\n\r")
            squashed = squashed.strip("".join(map(chr, range(33)))).lower()
            if squashed.startswith(("javascript:", "data:", "vbscript:")):
                self.problems.append(f"{name}={value!r}")
            if 'class="math' in (value or ""):          # our math markup inside an attribute
                self.problems.append(f"markup in {name}={value!r}")
        if tag == "span" and "math" in (dict(attrs).get("class") or ""):
            self.in_math += 1

    def handle_endtag(self, tag):
        if tag == "span" and self.in_math:
            self.in_math -= 1


def problems(html: str) -> list[str]:
    p = Inspector()
    p.feed(str(html))
    p.close()
    return p.problems


def test_placeholder_lookalikes_are_plain_text():
    html = render_prompt("Use TGMATH0X and TGMATH99X and \x02wzxhzdk:0\x03 with $x$.")
    assert "TGMATH0X" in html and "TGMATH99X" in html
    assert html.count('class="math"') == 1


def test_math_in_a_link_target_stays_in_the_url():
    html = render_prompt("[see](http://example.org/$a$/x) and $b$ and <a title='$c$' href='/x'>t</a>")
    assert 'href="http://example.org/$a$/x"' in html
    assert html.count('class="math"') == 1 and not problems(html)


@pytest.mark.parametrize("seed", range(4))
def test_random_markdown_math_and_html_never_break_out(seed):
    rng = random.Random(seed)
    for _ in range(500):
        text = "".join(rng.choice(FRAGMENTS) for _ in range(rng.randint(1, 40)))
        html = render_prompt(text)
        assert not problems(html), (text, str(html), problems(html))


def test_a_hostile_prompt_still_gives_every_student_the_page(app, dbs, instance):
    ex = dbs.query(Exercise).filter_by(slug=EXERCISE).one()
    readme = instance / ex.current_version.path / "README.md"
    readme.write_text("# Hostile\n\nTGMATH0X TGMATH7X [x](http://a/$b$) $$\\frac{1}{2}$$\n\n"
                      "<script>alert(1)</script> [j](javascript:alert(1)) \x02wzxhzdk:3\x03\n",
                      encoding="utf-8")
    gen_user(dbs, "ada@example.org")
    client = app.test_client()
    login(client, "ada@example.org")
    r = client.get(f"/c/{COURSE}/{EXERCISE}")
    assert r.status_code == 200
    page = r.get_data(as_text=True)
    assert "<script>alert" not in page and "javascript:alert" not in page
    assert "TGMATH7X" in page
