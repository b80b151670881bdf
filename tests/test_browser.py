"""The built site in a real browser: Debian's chromium, headless, driven by Playwright, over a
local HTTP server. Nothing may leave localhost and nothing may log a console error.

`playwright install` needs the internet, so the browser is the system one (/usr/bin/chromium,
`apt-get install chromium`; scripts/test.sh installs it). Without it these tests are skipped.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from conftest import CHROMIUM, LANGUAGES, LAUNCH_ARGS  # noqa: F401 - test_web_quality imports them

pytestmark = [pytest.mark.site, pytest.mark.browser]

KANJI_OR_KATAKANA = re.compile(r"[\u4e00-\u9fff]{2,}|[\u30a0-\u30ff]{3,}")


class Visit:
    """A browser page that records console errors, failed responses and every request."""

    def __init__(self, browser, base_url):
        self.base_url = base_url
        self.context = browser.new_context(viewport={"width": 1280, "height": 900})
        self.page = self.context.new_page()
        self.errors: list[str] = []
        self.requests: list[str] = []
        self.page.on(
            "console",
            lambda m: m.type == "error" and self.errors.append(f"{self.page.url}: {m.text}"),
        )
        self.page.on("pageerror", lambda e: self.errors.append(f"{self.page.url}: {e}"))
        self.page.on("request", lambda r: self.requests.append(r.url))
        self.page.on(
            "response", lambda r: r.status >= 400 and self.errors.append(f"HTTP {r.status} {r.url}")
        )

    def go(self, path: str):
        self.page.goto(self.base_url + path)
        self.page.wait_for_load_state("networkidle")
        return self.page

    def outside(self) -> list[str]:
        host = urlsplit(self.base_url).netloc
        return [
            u
            for u in self.requests
            if urlsplit(u).scheme not in ("data", "blob") and urlsplit(u).netloc != host
        ]


@pytest.fixture
def visit(browser, base_url):
    v = Visit(browser, base_url)
    yield v
    v.context.close()


def _page_paths(site) -> list[str]:
    paths = []
    for page in sorted(site.site_dir.rglob("index.html")):
        rel = page.relative_to(site.site_dir)
        if rel.parts[0] in ("assets", "search"):
            continue
        paths.append("" if rel.parent.as_posix() == "." else rel.parent.as_posix() + "/")
    return paths


def _tutorials(site, lang: str) -> list[str]:
    prefix = "" if lang == "ja" else f"{lang}/"
    return [
        p
        for p in _page_paths(site)
        if p.startswith(prefix + "tutorials/")
        and (site.site_dir / p / (p.rstrip("/").split("/")[-1] + ".ipynb")).is_file()
    ]


def test_every_page_loads_cleanly_from_localhost_only(visit, site):
    for path in _page_paths(site):
        visit.go(path)
    assert not visit.errors, "\n".join(visit.errors)
    assert not visit.outside(), visit.outside()


@pytest.mark.parametrize("start,target", [("ja", "en"), ("en", "ja")])
def test_switcher_on_a_tutorial_leads_to_the_same_tutorial(visit, site, start, target):
    tutorials = _tutorials(site, start)
    assert tutorials
    for path in tutorials:
        page = visit.go(path)
        page.hover(".md-header__option .md-select")
        page.click(f"a.md-select__link[hreflang={target}]")
        page.wait_for_load_state("networkidle")
        expected = path.removeprefix("en/") if target == "ja" else f"{target}/{path}"
        assert urlsplit(page.url).path == "/" + expected
        assert page.get_attribute("html", "lang") == target
    assert not visit.errors, visit.errors


def test_plots_load(visit, site):
    """Each plot file loads when scrolled to (they are `loading="lazy"`) and decodes at the
    size its `width`/`height` promise, so the page does not shift when it arrives."""
    for lang in LANGUAGES:
        for path in _tutorials(site, lang):
            page = visit.go(path)
            plots = page.locator(".jp-OutputArea-output img")
            assert plots.count(), path
            for i in range(plots.count()):
                plot = plots.nth(i)
                # a plot in a collapsed block (a worked solution) loads when the block opens
                plot.evaluate("img => { for (let d = img.closest('details'); d;"
                              " d = d.parentElement.closest('details')) d.open = true; }")
                plot.scroll_into_view_if_needed()
                size = plot.evaluate(
                    "img => Promise.race([img.decode(), new Promise((_, no) =>"
                    " setTimeout(() => no(new Error('not loaded in 10 s')), 10000))])"
                    ".then(() => [img.naturalWidth, img.naturalHeight,"
                    " +img.getAttribute('width'), +img.getAttribute('height'), img.currentSrc])"
                )
                assert size[0] > 0 and size[:2] == size[2:4], (path, size)
                assert not size[4].startswith("data:"), (path, size[4][:40])
    assert not visit.errors, visit.errors


def _search(page, query: str) -> list[str]:
    box = page.locator("input.md-search__input")
    box.click()
    for _attempt in range(2):  # the first keystrokes can beat the search index to the worker
        box.fill("")
        box.press_sequentially(query)
        box.press("End")  # Material searches on keyup events, which fill() does not send
        try:
            page.wait_for_selector(".md-search-result__item", timeout=5_000)
            break
        except Exception:  # noqa: BLE001 - no result: the caller's assertion says what was searched
            continue
    else:
        return []
    hrefs = page.eval_on_selector_all(".md-search-result__item a", "as => as.map(a => a.href)")
    return [urlsplit(h).path for h in hrefs]


def test_japanese_search_finds_each_tutorial(visit, site):
    for path in _tutorials(site, "ja"):
        page = visit.go(path)
        title = page.inner_text("article h1")
        words = sorted(KANJI_OR_KATAKANA.findall(title), key=len, reverse=True)
        assert words, f"no kanji/katakana word in the title {title!r} to search for"
        visit.go("")
        found = _search(visit.page, words[0])
        assert "/" + path in found, f"searching {words[0]!r} (from {title!r}) found {found}"
    assert not visit.errors, visit.errors


def test_english_search_finds_an_english_page(visit, site):
    path = _tutorials(site, "en")[0]
    title = visit.go(path).inner_text("article h1")
    word = max(re.findall(r"[A-Za-z]{4,}", title), key=len)
    visit.go("en/")
    found = _search(visit.page, word)
    assert "/" + path in found, f"searching {word!r} found {found}"


def test_search_index_loads_when_search_is_used(visit):
    """overrides/main.html holds Material's request for the search index until search is used."""
    index = "search/search_index.json"
    page = visit.go("en/")
    page.wait_for_timeout(1000)
    assert not [u for u in visit.requests if u.endswith(index)], "the index loaded with the page"
    found = _search(page, "learning")
    assert [u for u in visit.requests if u.endswith(index)], "searching did not load the index"
    assert found, "no search result"
    visit.requests.clear()
    page = visit.go("en/?h=learning")  # a page opened from a search result highlights the terms
    assert [u for u in visit.requests if u.endswith(index)], "?h= did not load the index"
    page.wait_for_selector("mark[data-md-highlight]", timeout=15_000)
    assert not visit.errors, visit.errors


# The text of notebook markdown cells and arithmatex spans that still shows TeX. innerText leaves
# out what a closed <details> hides.
RAW_MATH = r"""root => [...root.querySelectorAll('.jp-RenderedMarkdown, .arithmatex')]
    .map(e => e.innerText).filter(t => /\$[^$]+\$|\\\(|\\\[/.test(t))"""
# Rendered formulas that a closed <details> hides (its summary is not hidden).
HIDDEN_KATEX = """() => [...document.querySelectorAll('.katex')].filter(k => {
    for (let c = k, e = k.parentElement; e; c = e, e = e.parentElement)
        if (e.tagName === 'DETAILS' && !e.open && c.tagName !== 'SUMMARY') return true;
    return false; }).length"""
# The closed blocks, not inside another closed one, whose own markdown cells hold TeX.
CLOSED_WITH_MATH = r"""() => [...document.querySelectorAll('details:not([open])')].filter(d =>
    !d.parentElement.closest('details:not([open])') &&
    [...d.querySelectorAll('.jp-RenderedMarkdown')].some(m => m.closest('details') === d &&
        /\$[^$]+\$|\\\(|\\\[/.test(m.textContent)))"""


def _math_done(page):
    """math.js renders after load, in short tasks: wait until it says it has finished."""
    page.wait_for_function("() => window.plMath && window.plMath.state === 'done'", timeout=20_000)
    return page


def test_math_is_rendered(visit, site):
    """All math outside closed blocks is rendered, none inside them (it waits until they open)."""
    pages = ["", "en/"] + _tutorials(site, "ja")[:1] + _tutorials(site, "en")[-1:]
    for path in pages:
        page = _math_done(visit.go(path))
        assert page.locator(".katex").count() > 0, f"{path}: no rendered math"
        assert page.locator(".katex-error").count() == 0, f"{path}: KaTeX errors"
        raw = page.evaluate(f"({RAW_MATH})(document)")
        assert not raw, f"{path}: math left as text: {raw}"
        assert page.evaluate(HIDDEN_KATEX) == 0, f"{path}: math rendered in a closed block"
        assert page.evaluate("link => link.media", page.locator("link[data-pl-katex]").element_handle()) == "all"
    assert not visit.errors, visit.errors


def _open_and_look(page, block, open_it) -> dict:
    """Opens `block` with `open_it()` and returns what the next frame shows: whether it is open
    and its raw TeX (requestAnimationFrame callbacks run before that frame is painted)."""
    block.evaluate(
        f"""d => {{ window.__frame = null;
            d.__look = () => requestAnimationFrame(() => {{
                window.__frame = {{open: d.open, raw: ({RAW_MATH})(d)}}; }});
            window.addEventListener('click', d.__look, {{once: true}}); }}"""  # summary activation
    )
    open_it()
    block.evaluate("d => window.removeEventListener('click', d.__look)")
    return page.wait_for_function("() => window.__frame").json_value()


@pytest.mark.parametrize("lang", LANGUAGES)
def test_math_in_a_closed_block_renders_as_it_opens(visit, site, lang):
    """A collapsed block shows rendered math from the first frame it is open in, whether it is
    opened by a click, by the keyboard (Enter, Space) or otherwise (a script, an anchor,
    find-in-page: a MutationObserver on `open`)."""
    path = _tutorials(site, lang)[-1]  # the GAN tutorial: many blocks with math
    page = _math_done(visit.go(path))
    blocks = page.evaluate_handle(CLOSED_WITH_MATH)
    count = blocks.evaluate("bs => bs.length")
    assert count >= 4, f"{path}: {count} closed blocks with math"

    def block(i):
        return blocks.evaluate_handle("(bs, i) => bs[i]", i).as_element()

    def summary(i):
        return block(i).query_selector(":scope > summary")

    assert block(0).evaluate(f"d => ({RAW_MATH})(d).length") == 0  # closed: innerText hides it
    assert block(0).evaluate("d => d.querySelectorAll('.katex').length") == 0, "rendered before opening"
    # a real click, Enter and Space on the focused summary: each ends in the summary's click
    frame = _open_and_look(page, block(0), lambda: summary(0).click())
    assert frame == {"open": True, "raw": []}, f"{path}: click: {frame}"
    frame = _open_and_look(page, block(1), lambda: (summary(1).focus(), page.keyboard.press("Enter")))
    assert frame == {"open": True, "raw": []}, f"{path}: Enter: {frame}"
    frame = _open_and_look(page, block(2), lambda: (summary(2).focus(), page.keyboard.press(" ")))
    assert frame == {"open": True, "raw": []}, f"{path}: Space: {frame}"
    frame = _open_and_look(page, block(3), lambda: block(3).evaluate("d => { d.open = true; d.__look(); }"))  # no click
    assert frame == {"open": True, "raw": []}, f"{path}: open attribute: {frame}"
    for i in range(4):
        assert block(i).evaluate("d => d.querySelectorAll('.katex').length") > 0, (path, i)
    assert page.locator(".katex-error").count() == 0
    assert not visit.errors, visit.errors


NESTED_MATH_PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>math</title>
<link rel="icon" href="data:,"></head><body><div class="jupyter-wrapper"><div class="jp-RenderedMarkdown">
<p id="top">$a^2$ and $$\\sum_i x_i$$</p>
<details id="outer"><summary>Outer $b$</summary><p id="c">$c$</p>
<details id="inner"><summary>Inner</summary><p id="d">$d$</p></details></details>
<details id="marked"><summary>Highlighted</summary>
<p id="m">$x_\\text{in<mark data-md-highlight>put</mark>}$ and <mark data-md-highlight>input</mark></p>
<p id="late">$y_\\text{late}$ late</p></details>
</div><details id="lazy"><summary>Lazy</summary></details>
<details id="lazy-open" open><summary>Lazy, open</summary></details></div>
<script src="../vendor/katex/katex.min.js"></script><script src="math.js"></script></body></html>"""


def test_math_in_nested_blocks_and_without_material(visit, base_url):
    """A page of its own (served next to math.js): no Material, so no document$, and no KaTeX
    stylesheet link (math.js adds it); math in a summary shows at once; a block inside a closed
    block renders when it, not its parent, opens; search highlights inside TeX do not stop it;
    content added later (pl:content) renders too."""
    url = base_url + "assets/javascripts/math-test.html"
    visit.page.route(url, lambda route: route.fulfill(body=NESTED_MATH_PAGE, content_type="text/html"))
    page = _math_done(visit.go("assets/javascripts/math-test.html"))
    katex = "sel => document.querySelectorAll(sel + ' .katex').length"
    assert page.evaluate(katex, "#top") == 2 and page.evaluate(katex, "#outer > summary") == 1
    assert page.evaluate(katex, "#c") == 0 and page.evaluate(katex, "#d") == 0
    assert page.evaluate("() => document.querySelector('link[data-pl-katex]').media") == "all"
    page.evaluate("() => { document.getElementById('outer').open = true; }")
    assert page.evaluate(katex, "#c") == 1 and page.evaluate(katex, "#d") == 0
    page.click("#inner > summary")
    assert page.evaluate(katex, "#d") == 1
    # Material's search highlighting (?h=) marks terms in text, TeX too: before math.js collects
    # the text (#m) and after (#late, replaced as Material replaces a text node)
    page.evaluate("""() => {
        const late = document.getElementById('late').firstChild, s = document.createElement('span');
        s.innerHTML = '$y_\\\\text{<mark data-md-highlight>late</mark>}$ <mark data-md-highlight>late</mark>';
        late.replaceWith(...s.childNodes); }""")
    page.click("#marked > summary")
    assert page.evaluate(katex, "#m") == 1 and page.evaluate(katex, "#late") == 1
    assert page.evaluate("() => [...document.querySelectorAll('#marked mark')].map(m => m.textContent)") == [
        "input",
        "late",
    ]  # the marks outside the formulas stay
    # a block's body that comes after the page says so with a pl:content event (hooks/lazy_blocks.py)
    insert = """id => { const d = document.getElementById(id);
        d.querySelector('summary').insertAdjacentHTML('afterend',
            '<div class="jp-RenderedMarkdown"><p>$z_{' + id.length + '}$</p></div>');
        d.dispatchEvent(new CustomEvent('pl:content', {bubbles: true}));
        return d.querySelectorAll('.katex').length; }"""
    assert page.evaluate(insert, "lazy-open") == 1  # open: at once
    assert page.evaluate(insert, "lazy") == 0  # closed: when it opens
    page.click("#lazy > summary")
    assert page.evaluate(katex, "#lazy") == 1
    assert page.evaluate("() => window.plMath.formulas") == 9
    assert not visit.errors, visit.errors


def test_math_renders_again_when_document_emits_a_new_page(visit, site):
    """Material's instant navigation (not enabled here) swaps the content and emits document$
    again: math.js renders the new content, and brings KaTeX's stylesheet back if it went."""
    gan, lstm = _tutorials(site, "en")[-1], _tutorials(site, "en")[-2]
    page = _math_done(visit.go(gan))
    page.evaluate(
        """async url => {
        const doc = new DOMParser().parseFromString(await (await fetch(url)).text(), 'text/html');
        doc.querySelectorAll('article img').forEach(img => img.remove());  // relative to the other page
        document.querySelector('article').replaceWith(doc.querySelector('article'));
        document.querySelector('link[data-pl-katex]').remove();
        document$.next(document); }""",
        visit.base_url + lstm,
    )
    _math_done(page)
    assert page.locator("article .katex").count() > 0
    assert not page.evaluate(f"({RAW_MATH})(document)")
    assert page.evaluate("() => [...document.querySelectorAll('link[data-pl-katex]')].map(l => l.media)") == ["all"]
    assert not visit.errors, visit.errors


# Every task of math.js's renders one formula when its time budget is 0 (a setting for this test).
SPLIT_INIT = """
window.plMathBudgetMs = 0;
window.__katexSeen = [];
new MutationObserver(() => {  // runs at the end of each task that changed the DOM
    const n = document.querySelectorAll('.katex').length;
    if (n !== (window.__katexSeen.at(-1) || 0)) window.__katexSeen.push(n);
    if (n && !window.__cssAtFirst) {
        const link = document.querySelector('link[data-pl-katex]');
        window.__cssAtFirst = {media: link.media, loaded: !!link.sheet};
    }
}).observe(document, {childList: true, subtree: true});
// after every DOMContentLoaded listener of the document, Material's document$ among them (the
// event comes twice: when the page is parsed, and from hooks/scripts_after_paint.py's loader
// once Material's bundle has run, which is when Material starts)
window.__atDOMContentLoaded = [];
window.addEventListener('DOMContentLoaded', () => {
    window.__atDOMContentLoaded.push({katex: document.querySelectorAll('.katex').length,
                                      state: window.plMath ? window.plMath.state : null});
});
"""


def test_math_renders_in_several_tasks_after_its_stylesheet(visit, site):
    """Structure, not timing (these machines are noisy): nothing renders in the task where
    Material's document$ emits, nothing before KaTeX's stylesheet is on, and with a zero time
    budget each task renders exactly one formula."""
    visit.page.add_init_script(SPLIT_INIT)
    path = _tutorials(site, "en")[-1]
    page = _math_done(visit.go(path))
    # math.js comes after Material's bundle: it has not run yet either time
    assert page.evaluate("() => window.__atDOMContentLoaded") == [{"katex": 0, "state": None}] * 2
    assert page.evaluate("() => window.__cssAtFirst") == {"media": "all", "loaded": True}
    formulas = page.evaluate("() => window.plMath.formulas")
    assert formulas > 5 and page.locator(".katex").count() == formulas
    assert page.evaluate("() => window.__katexSeen") == list(range(1, formulas + 1))
    assert page.evaluate("() => window.plMath.tasks") > formulas
    assert not visit.errors, visit.errors
