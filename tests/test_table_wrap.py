"""Tables are wrapped at build time as Material's script wraps them (hooks/table_wrap.py).

The oracle is Material itself: the Results page as Material would have it (tables without class
or wrapper, the stylesheet's own `table:not([class])` selectors, its script wrapping them as the
page loads) must style every element of the article exactly as the built page does.
"""

from __future__ import annotations

import functools
import http.server
import re
import shutil
import sys
import threading
from pathlib import Path

import pytest
from conftest import ROOT, _QuietHandler, read_page
from test_notebook_css import _wait_until_rendered
from test_theme_css import PROPERTIES, STYLES_JS

sys.path.insert(0, str(ROOT / "hooks"))
import _pages  # noqa: E402
import table_wrap  # noqa: E402

ARTICLE = '<article class="md-content__inner md-typeset">{}</article>'
WRAPPED = f'{table_wrap.WRAP_OPEN}<table class="pl-table">'
WRAPPERS_JS = "document.querySelectorAll('.md-typeset__scrollwrap > .md-typeset__table > table').length"


def test_a_table_without_class_is_wrapped_and_marked():
    html = ARTICLE.format("<p>a</p><table><tr><td>1</td></tr></table><p>b</p>")
    assert table_wrap.wrap_tables(html) == ARTICLE.format(
        f"<p>a</p>{WRAPPED}<tr><td>1</td></tr></table>{table_wrap.WRAP_CLOSE}<p>b</p>")


def test_tables_with_a_class_in_code_or_outside_the_article_stay():
    inner = ('<table border="1" class="dataframe"><tr><td>x</td></tr></table>'
             "<pre><code>&lt;table&gt;</code></pre><pre><table><tr><td>verbatim</td></tr></table></pre>")
    html = "<nav><table><tr><td>n</td></tr></table></nav>" + ARTICLE.format(inner)
    assert table_wrap.wrap_tables(html) == html


def test_nested_tables_close_their_own_wrappers():
    html = ARTICLE.format('<table><tr><td><table class="x"><tr><td>i</td></tr></table>'
                          "<table><tr><td>j</td></tr></table></td></tr></table>")
    wrapped = table_wrap.wrap_tables(html)
    assert wrapped.count(table_wrap.WRAP_OPEN) == wrapped.count(table_wrap.WRAP_CLOSE) == 2
    assert wrapped.endswith(f"</table>{table_wrap.WRAP_CLOSE}</td></tr></table>{table_wrap.WRAP_CLOSE}</article>")


def test_materials_table_selectors_are_all_rewritten():
    import material

    stylesheets = Path(material.__file__).parent / "templates/assets/stylesheets"
    (main,) = stylesheets.glob("main.*.min.css")
    css = main.read_text(encoding="utf-8")
    rewritten = table_wrap.rewrite_selectors(css)
    assert css.count(table_wrap.MATERIAL_SELECTOR) > 5
    assert table_wrap.MATERIAL_SELECTOR not in rewritten
    assert rewritten.count("table.pl-table") == css.count(table_wrap.MATERIAL_SELECTOR)


@pytest.mark.site
def test_no_class_less_table_is_left_to_materials_script(site):
    for page in site.site_dir.rglob("*.html"):
        html = page.read_text(encoding="utf-8")
        article = _pages.ARTICLE_RE.search(html)
        if not article:
            continue
        text = table_wrap.VERBATIM_RE.sub("", article.group(2))
        assert not re.search(r"<table(?![^>]*\sclass=)[^>]*>", text), page
        assert text.count('<table class="pl-table"') == text.count(table_wrap.WRAP_OPEN), page


def _as_material_would_have_it(html: str) -> str:
    opened = html.replace(f'{table_wrap.WRAP_OPEN}<table class="pl-table"', "<table")
    return opened.replace(f"</table>{table_wrap.WRAP_CLOSE}", "</table>")


@pytest.mark.site
@pytest.mark.browser
@pytest.mark.parametrize("path", ["results/", "en/tutorials/03-gan/"])
def test_wrapped_tables_look_as_materials_own(site, browser, tmp_path, path):
    # Both with the collapsed blocks' bodies in the page (hooks/lazy_blocks.py sends them after
    # it; Material's script only wraps the tables that are there as the page loads).
    ours, theirs = tmp_path / "ours", tmp_path / "theirs"
    shutil.copytree(site.site_dir, ours)
    shutil.copytree(site.site_dir, theirs)
    whole = read_page(site.site_dir / path / "index.html")
    (ours / path / "index.html").write_text(whole, encoding="utf-8")
    (theirs / path / "index.html").write_text(_as_material_would_have_it(whole), encoding="utf-8")
    for css in (theirs / "assets/stylesheets").glob("main.*.min.css"):
        css.write_text(css.read_text(encoding="utf-8").replace("table.pl-table", table_wrap.MATERIAL_SELECTOR),
                       encoding="utf-8")

    styles = []
    for root in (ours, theirs):
        handler = functools.partial(_QuietHandler, directory=str(root))
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        page = browser.new_page(viewport={"width": 412, "height": 900})
        try:
            page.goto(f"http://127.0.0.1:{server.server_address[1]}/{path}", wait_until="networkidle")
            _wait_until_rendered(page)  # blocks' bodies and math in, blocks open: the same on both
            wrappers = page.evaluate(WRAPPERS_JS)
            lines = page.evaluate(STYLES_JS.replace("'body *'", "'article *'"), PROPERTIES)
            styles.append((wrappers, [line.replace("TABLE.pl-table ", "TABLE. ") for line in lines]))
        finally:
            page.close()
            server.shutdown()
    (n_ours, ours_styles), (n_theirs, theirs_styles) = styles
    assert n_ours == n_theirs > 0
    differ = [(a, b) for a, b in zip(ours_styles, theirs_styles, strict=True) if a != b]
    assert not differ, f"/{path}: {len(differ)} elements styled otherwise, e.g. {differ[:3]}"
