"""KaTeX only on the pages with math, its stylesheet not render-blocking (hooks/math_assets.py),
and an API page without the indentation of mkdocstrings' templates (hooks/api_reference.py)."""

from __future__ import annotations

import re
import sys
from html.parser import HTMLParser

import pytest
from conftest import ROOT, read_page

sys.path.insert(0, str(ROOT / "hooks"))
import api_reference  # noqa: E402
import math_assets  # noqa: E402

KATEX_JS = "assets/vendor/katex/katex.min.js"
MATH_JS = "assets/javascripts/math.js"  # which asks for KATEX_JS once the page has loaded
KATEX_CSS = "assets/vendor/katex/katex.min.css"
MATH_DELIMITERS = re.compile(r"\$|\\\(|\\\[|\\begin\{")


# --------------------------------------------------------------------------- unit


def test_markdown_math_is_found_by_arithmatex():
    assert math_assets.has_math('<p><span class="arithmatex">\\(x\\)</span></p>', False)
    assert not math_assets.has_math("<p>costs $5</p>", False)  # Markdown math is arithmatex


def test_notebook_math_is_found_outside_code():
    assert math_assets.has_math('<div class="jp-RenderedMarkdown"><p>$x^2$</p></div>', True)
    assert math_assets.has_math("<p>\\begin{align} a \\end{align}</p>", True)
    assert not math_assets.has_math('<pre><span class="n">s</span> = "$HOME"</pre>', True)
    assert not math_assets.has_math("<p>no formula</p>", True)


def test_indentation_is_collapsed_outside_pre_and_code():
    html = '<div>\n    <p>a</p>\n\n  </div><pre>x\n    <b>y</b>  \n  </pre><code>a  <i>b</i>   <i>c</i></code>'
    assert api_reference.collapse_indentation(html) == (
        '<div>\n<p>a</p>\n</div><pre>x\n    <b>y</b>  \n  </pre><code>a  <i>b</i>   <i>c</i></code>'
    )
    heading = '<h2 id="x">\n      <code>x</code>\n\n\n<a href="#x">&para;</a></h2>'
    assert api_reference.collapse_indentation(heading) == '<h2 id="x">\n<code>x</code>\n<a href="#x">&para;</a></h2>'


# --------------------------------------------------------------------------- the built site


class _MathText(HTMLParser):
    """Text of notebook markdown cells and arithmatex spans, without code."""

    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, bool]] = []
        self.text: list[str] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        classes = (dict(attrs).get("class") or "").split()
        inside = bool(self.stack) and self.stack[-1][1]
        math = (inside or "jp-RenderedMarkdown" in classes or "arithmatex" in classes) and tag not in (
            "code",
            "pre",
        )
        if tag not in ("br", "img", "hr", "input", "meta", "link", "wbr", "source"):
            self.stack.append((tag, math))

    def handle_endtag(self, tag):
        while self.stack:
            if self.stack.pop()[0] == tag:
                break

    def handle_data(self, data):
        if self.stack and self.stack[-1][1]:
            self.text.append(data)


@pytest.mark.site
def test_katex_loads_exactly_where_there_is_math(site):
    with_katex = set()
    for path in sorted(site.site_dir.rglob("*.html")):
        html = read_page(path)  # with the collapsed blocks' bodies, which may hold math too
        math = MATH_DELIMITERS.search(" ".join(_MathText(html).text))
        loads = MATH_JS in html
        rel = path.relative_to(site.site_dir).as_posix()
        assert KATEX_JS not in html, f"{rel} links KaTeX's script (math.js loads it after the page)"
        if loads:
            with_katex.add(rel)
        assert loads or not math, f"{rel} has math ({math.group(0)!r}) but does not load KaTeX"
    # pages without a formula download none of it (the API page is the heaviest)
    for rel in ("api/index.html", "en/api/index.html", "cli/index.html", "en/cli/index.html"):
        assert rel not in with_katex, f"{rel} loads KaTeX without math"
    assert {"index.html", "en/index.html"} <= with_katex


@pytest.mark.site
def test_katex_stylesheet_does_not_block_the_first_paint(site):
    """A stylesheet blocks the first paint unless its media does not match: KaTeX's is linked
    with media="print" and data-pl-katex, and math.js switches it on once it has loaded."""
    pages = 0
    for path in sorted(site.site_dir.rglob("*.html")):
        html = path.read_text(encoding="utf-8")
        rel = path.relative_to(site.site_dir).as_posix()
        links = [tag for tag in re.findall(r"<link\b[^>]*>", html) if KATEX_CSS in tag]
        if MATH_JS not in html:
            assert not links, f"{rel} links KaTeX's stylesheet without math"
            continue
        pages += 1
        assert len(links) == 1, (rel, links)
        attrs = dict(re.findall(r'\s([\w-]+)(?:="([^"]*)")?', links[0]))
        assert attrs.get("rel") == "stylesheet" and attrs.get("media") == "print", (rel, links[0])
        assert "data-pl-katex" in attrs, (rel, links[0])
        assert "auto-render" not in html, rel  # math.js splits the text itself
    assert pages >= 2


@pytest.mark.site
@pytest.mark.parametrize("rel", ["api/index.html", "en/api/index.html"])
def test_api_page_is_within_bounds(site, rel):
    html = (site.site_dir / rel).read_text(encoding="utf-8")
    assert len(html.encode()) <= 250_000, f"{rel}: {len(html.encode())} bytes"
    article = html[html.index("<h1") : html.index("</article>")]  # the page content
    # code keeps its whitespace: each <pre> and <code> element stands as one tag here
    outside_code = re.sub(r"<(pre|code)\b.*?</\1>", "<kept/>", article, flags=re.S)
    indented = re.findall(r">\s{2,}<", outside_code)
    assert not indented, f"{rel}: {len(indented)} runs of indentation left between tags"


def test_mkdocstrings_stylesheet_is_linked_once_and_only_where_used():
    link = '<link rel="stylesheet" href="../assets/_mkdocstrings.css">\n'
    head = f"<html><head>{link}{link}<link rel=\"stylesheet\" href=\"x.css\"></head><body></body></html>"
    api = api_reference.mkdocstrings_css_where_used(head, is_api_page=True)
    assert api.count("_mkdocstrings.css") == 1 and "x.css" in api
    other = api_reference.mkdocstrings_css_where_used(head, is_api_page=False)
    assert "_mkdocstrings.css" not in other and "x.css" in other


@pytest.mark.site
def test_mkdocstrings_stylesheet_only_on_the_api_pages(site):
    for page in sorted(site.site_dir.rglob("index.html")):
        rel = page.relative_to(site.site_dir).as_posix()
        count = page.read_text(encoding="utf-8").count("assets/_mkdocstrings.css")
        assert count == (1 if rel in ("api/index.html", "en/api/index.html") else 0), (rel, count)
