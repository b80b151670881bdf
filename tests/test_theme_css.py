"""Material's stylesheets, pruned to what the site uses (hooks/theme_css.py, hooks/_css.py),
style every page exactly as the whole stylesheets would.

The unit tests need no site. The browser test opens built pages in chromium (phone and desktop
widths, light and dark, search open with results, the navigation drawer open) and compares every
element's computed style under the pruned main.css and palette.css with the one under Material's
own files.
"""

from __future__ import annotations

import functools
import http.server
import os
import shutil
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from conftest import ROOT

sys.path.insert(0, str(ROOT / "hooks"))
import _css  # noqa: E402
import table_wrap  # noqa: E402
import theme_css  # noqa: E402
from test_notebook_css import PROPERTIES, _wait_until_rendered  # noqa: E402


def prune(css: str, classes: str = "", var_refs: str = "", **kw) -> str:
    return _css.prune_css(css, set(classes.split()), set(var_refs.split()), **kw)


# --------------------------------------------------------------------------- _css.prune_css


def test_a_selector_for_an_attribute_value_no_page_has_goes():
    css = "[dir=ltr] .a{left:0}\n[dir=rtl] .a{right:0}\n[dir] .a{top:0}\n"
    kept = prune(css, "a", attributes={"dir": {"ltr"}})
    assert kept == "[dir=ltr] .a{left:0}\n[dir] .a{top:0}\n"


def test_untracked_attributes_and_other_operators_are_kept():
    css = '[data-x=y] .a{color:red}\n[dir^=r] .a{color:blue}\n[dir="rtl" i] .a{color:green}\n'
    assert prune(css, "a", attributes={"dir": {"ltr"}}) == css


def test_a_palette_keeps_the_configured_colours_and_what_the_other_file_defines():
    palette = ("[data-md-color-primary=indigo]{--md-primary-fg-color:#4051b5}\n"
               "[data-md-color-primary=red]{--md-primary-fg-color:#ef5552}\n")
    # --md-primary-fg-color is used by main.css only: without that reference, nothing would stay
    kept = prune(palette, var_refs="--md-primary-fg-color",
                 attributes={"data-md-color-primary": {"indigo"}})
    assert kept == "[data-md-color-primary=indigo]{--md-primary-fg-color:#4051b5}\n"
    assert prune(palette, attributes={"data-md-color-primary": {"indigo"}}) == "\n"


def test_runtime_stems_keep_the_classes_a_script_completes():
    css = '.md-source__fact--stars:before{content:"*"}\n.md-tag--x{color:red}\n'
    assert prune(css, runtime_prefixes=("md-source__fact--",)) == '.md-source__fact--stars:before{content:"*"}\n'


def test_supports_page_and_font_face_rules_are_kept():
    css = ("@supports (selector(::-webkit-scrollbar)){.a{color:red}.b{color:blue}}\n"
           "@page{margin:1cm}\n@font-face{font-family:X;src:url(x.woff2)}\n")
    kept = prune(css, "a")
    assert kept == ("@supports (selector(::-webkit-scrollbar)){.a{color:red}}\n"
                    "@page{margin:1cm}\n@font-face{font-family:X;src:url(x.woff2)}\n")


def test_page_usage_reads_classes_and_attribute_values():
    html = '<body dir="ltr" data-md-color-scheme="default"><input data-md-color-scheme=\'slate\' class="a b">'
    assert _css.page_classes(html) == {"a", "b"}
    values = _css.attribute_values(html, frozenset({"dir", "data-md-color-scheme"}))
    assert values == {"dir": {"ltr"}, "data-md-color-scheme": {"default", "slate"}}


def test_script_classes_are_the_md_classes_in_string_literals():
    bundle = 'x.className="md-tooltip2 md-tooltip2--top";y(`md-source__fact--${k}`);z.md_var=1;"other"'
    names, stems = theme_css.script_classes(bundle)
    assert {"md-tooltip2", "md-tooltip2--top", "md-source__fact--"} <= names
    assert stems == ("md-source__fact--",)
    assert "other" not in names


# --------------------------------------------------------------------------- the built site


def _material_originals(site_dir: Path) -> dict[str, str]:
    import material

    theme = Path(material.__file__).parent / "templates"
    out = {}
    for path in sorted((site_dir / "assets/stylesheets").glob("*.min.css")):
        if theme_css.STYLESHEETS.search(path.as_posix()):
            # with the table selectors hooks/table_wrap.py rewrites (tests/test_table_wrap.py
            # compares those tables with Material's own wrapping)
            original = (theme / "assets/stylesheets" / path.name).read_text(encoding="utf-8")
            out[path.name] = table_wrap.rewrite_selectors(original)
    return out


@pytest.mark.site
def test_material_stylesheets_are_pruned(site):
    originals = _material_originals(site.site_dir)
    assert {name.split(".")[0] for name in originals} == {"main", "palette"}
    for name, original in originals.items():
        pruned = (site.site_dir / "assets/stylesheets" / name).read_text(encoding="utf-8")
        assert len(pruned) < 0.7 * len(original), (name, len(pruned), len(original))


STYLES_JS = """props => [...document.querySelectorAll('body *')].map(el => {
  const s = getComputedStyle(el);
  return el.tagName + '.' + el.className + ' ' + props.map(p => s.getPropertyValue(p)).join('|');
})"""
SWAP_JS = """originals => {
  for (const [name, css] of Object.entries(originals)) {
    const link = document.querySelector(`link[href$="${name}"]`);
    const style = document.createElement('style');
    style.textContent = css;
    link.replaceWith(style);
  }
}"""
STILL = "*,*::before,*::after{transition:none!important;animation:none!important}"
# (page, width, what to do before measuring)
CASES = [
    ("", 412, None), ("", 1280, None),
    ("tutorials/03-gan/", 412, None), ("en/tutorials/01-twolayer/", 1280, None),
    ("en/api/", 1280, None), ("device/", 412, None),
    ("en/", 1280, "search"), ("", 412, "search"), ("en/glossary/", 412, "drawer"),
]


def _settle(page, polls: int = 4) -> None:
    """Wait until the document's element count holds still (search results come in batches)."""
    counts: list[int] = []
    for _ in range(100):
        counts.append(page.evaluate("document.querySelectorAll('body *').length"))
        if len(counts) > polls and len(set(counts[-polls:])) == 1:
            return
        page.wait_for_timeout(250)
    raise AssertionError(f"the page kept changing: {counts[-5:]}")


def _prepare(page, action: str | None) -> None:
    if action == "search":
        page.keyboard.press("/")
        page.keyboard.type("learning")
        page.wait_for_selector(".md-search-result__item", timeout=15_000)
    elif action == "drawer":
        page.locator(".md-header label[for=__drawer]").first.click()
    _settle(page)


@pytest.mark.site
@pytest.mark.browser
@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_pruned_material_stylesheets_style_every_element_like_the_originals(site, scheme):
    chromium = os.environ.get("PATHLEARN_CHROMIUM", "/usr/bin/chromium")
    missing = pytest.fail if os.environ.get("CI") == "true" else pytest.skip
    if not (os.path.isfile(chromium) or shutil.which(chromium)):
        missing(f"no chromium at {chromium}")
    sync_api = pytest.importorskip("playwright.sync_api")
    originals = _material_originals(site.site_dir)

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(Quiet, directory=str(site.site_dir)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}/"

    def measure() -> list[tuple[str, int, str | None, list, list]]:
        out = []
        with sync_api.sync_playwright() as p:
            browser = p.chromium.launch(executable_path=chromium, args=["--no-sandbox", "--disable-gpu"])
            for path, width, action in CASES:
                page = browser.new_page(viewport={"width": width, "height": 900}, color_scheme=scheme)
                page.goto(base + path, wait_until="networkidle")
                page.add_style_tag(content=STILL)
                _wait_until_rendered(page)  # math and its fonts in, collapsed blocks open
                _prepare(page, action)
                pruned = page.evaluate(STYLES_JS, PROPERTIES)
                page.evaluate(SWAP_JS, originals)
                _settle(page)  # not _wait_until_rendered: it would open the search results' <details>
                page.evaluate("document.fonts.ready.then(() => true)")
                whole = page.evaluate(STYLES_JS, PROPERTIES)
                out.append((path, width, action, pruned, whole))
                page.close()
            browser.close()
        return out

    try:
        # A thread of its own: tests/test_browser.py keeps a sync Playwright running in this one.
        with ThreadPoolExecutor(max_workers=1) as worker:
            results = worker.submit(measure).result()
    finally:
        server.shutdown()
    for path, width, action, pruned, whole in results:
        where = f"/{path} at {width} px ({scheme}{', ' + action if action else ''})"
        assert len(pruned) == len(whole) > 100, where
        differ = [(a, b) for a, b in zip(pruned, whole, strict=True) if a != b]
        assert not differ, f"{where}: {len(differ)} elements styled otherwise, e.g. {differ[:3]}"
    searched = [r for r in results if r[2] == "search"]
    assert all(any("md-search-result__item" in line for line in r[3]) for r in searched)
