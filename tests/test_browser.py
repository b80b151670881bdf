"""The built site in a real browser: Debian's chromium, headless, driven by Playwright, over a
local HTTP server. Nothing may leave localhost and nothing may log a console error.

`playwright install` needs the internet, so the browser is the system one (/usr/bin/chromium,
`apt-get install chromium`; scripts/test.sh installs it). Without it these tests are skipped.
"""

from __future__ import annotations

import functools
import http.server
import os
import re
import shutil
import threading
from urllib.parse import urlsplit

import pytest
from conftest import LANGUAGES

pytestmark = [pytest.mark.site, pytest.mark.browser]

CHROMIUM = os.environ.get("PATHLEARN_CHROMIUM", "/usr/bin/chromium")
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
KANJI_OR_KATAKANA = re.compile(r"[\u4e00-\u9fff]{2,}|[\u30a0-\u30ff]{3,}")


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="session")
def base_url(site):
    handler = functools.partial(_QuietHandler, directory=str(site.site_dir))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()


@pytest.fixture(scope="session")
def browser():
    # Locally a missing browser skips these tests; in CI (CI=true) it fails them.
    missing = pytest.fail if os.environ.get("CI") == "true" else pytest.skip
    if not (os.path.isfile(CHROMIUM) or shutil.which(CHROMIUM)):
        missing(f"no chromium at {CHROMIUM} (apt-get install chromium, or set PATHLEARN_CHROMIUM)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        missing("playwright is not installed (pip install playwright)")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS, headless=True)
        yield browser
        browser.close()


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


def test_math_is_rendered(visit, site):
    pages = ["", "en/"] + _tutorials(site, "ja")[:1] + _tutorials(site, "en")[:1]
    for path in pages:
        page = visit.go(path)
        assert page.locator(".katex").count() > 0, f"{path}: no rendered math"
        assert page.locator(".katex-error").count() == 0, f"{path}: KaTeX errors"
        raw = page.eval_on_selector_all(
            ".jp-RenderedMarkdown, .arithmatex",
            r"els => els.map(e => e.innerText).filter(t => /\$[^$]+\$|\\\(|\\\[/.test(t))",
        )
        assert not raw, f"{path}: math left as text: {raw}"
    assert not visit.errors, visit.errors
