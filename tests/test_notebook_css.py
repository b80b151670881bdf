"""The notebook stylesheet (assets/stylesheets/jupyter.css, written by hooks/notebook_html.py)
holds only the rules the notebook pages use, and styles them exactly as the whole of it would.

The unit tests need no site; the last test opens a built tutorial page in chromium (light and
dark) and compares every element's computed style under the pruned stylesheet with the one under
the full CSS that mkdocs-jupyter puts around a notebook.
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
from types import SimpleNamespace

import nbformat
import pytest
from conftest import ROOT

sys.path.insert(0, str(ROOT / "hooks"))
import notebook_html  # noqa: E402

SHARED_CSS = notebook_html.SHARED_CSS


def prune(css: str, classes: str, var_refs: str = "") -> str:
    return notebook_html.prune_css(css, set(classes.split()), set(var_refs.split()))


# --------------------------------------------------------------------------- prune_css


def test_a_rule_stays_when_all_its_classes_occur():
    css = ".w .a{color:red}\n.w .a.b{color:blue}\n.w .c{color:green}\n"
    assert prune(css, "w a") == ".w .a{color:red}\n"


def test_only_the_selectors_that_can_match_stay_in_a_list():
    assert prune(".a p,.b p,div{margin:0}", "b") == ".b p,div{margin:0}\n"


def test_classes_inside_not_do_not_have_to_occur():
    assert prune(".a:not(.zz){color:red}", "a") == ".a:not(.zz){color:red}\n"


def test_root_below_an_element_is_dropped_and_root_itself_kept():
    css = ":root{--x:1px}\n.w :root{--y:2px}\n.w{width:var(--x)}\n"
    assert prune(css, "w") == ":root{--x:1px}\n.w{width:var(--x)}\n"


def test_custom_properties_stay_when_used_directly_or_through_another():
    css = (
        ".w{--used:var(--inner);--inner:red;--unused:blue;--site:1px;--page:2px}\n"
        ".w .a{color:var(--used)}\n"
        ".w .gone{color:var(--unused)}\n"
    )
    assert prune(css, "w a", "--site --page") == (
        ".w{--used:var(--inner);--inner:red;--site:1px;--page:2px}\n.w .a{color:var(--used)}\n"
    )


def test_a_rule_left_without_declarations_is_dropped():
    assert prune(".w{--unused:1px}\n.w .a{color:red}", "w a") == ".w .a{color:red}\n"


def test_media_and_keyframes_follow_the_rules_that_use_them():
    css = (
        "@media (max-width:600px){.a{color:red}.gone{color:blue}}\n"
        "@media print{.gone{color:red}}\n"
        "@keyframes spin{to{transform:rotate(1turn)}}\n"
        "@keyframes unused{to{opacity:0}}\n"
        ".a{animation:spin 1s}\n"
    )
    assert prune(css, "a") == (
        "@media (max-width:600px){.a{color:red}}\n"
        "@keyframes spin{to{transform:rotate(1turn)}}\n"
        ".a{animation:spin 1s}\n"
    )


def test_important_order_and_non_ascii_survive():
    css = '.b{color:red!important}\n.a:before{content:"•"}\n.b{color:blue}\n'
    assert prune(css, "a b") == (
        '@charset "UTF-8";\n.b{color:red!important}\n.a:before{content:"•"}\n.b{color:blue}\n'
    )


def test_material_runtime_classes_are_kept():
    assert prune(".w .md-typeset__scrollwrap{margin:0}", "w") == ".w .md-typeset__scrollwrap{margin:0}\n"


def _mkdocs_jupyter_css(tmp_path: Path) -> str:
    """The CSS mkdocs-jupyter puts around a notebook (as the site's build does), gathered by the
    hook's own `share_assets`, plus the hook's dark-scheme variables."""
    from mkdocs_jupyter import nbconvert2

    nb = tmp_path / "nb.ipynb"
    nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("1 + 1")]), nb)
    html = nbconvert2.nb2html(str(nb), theme="", custom_mathjax_url="")
    page = SimpleNamespace(file=SimpleNamespace(src_uri="nb.ipynb"))
    saved = {key: value.copy() for key, value in notebook_html._shared.items()}
    try:
        for value in notebook_html._shared.values():
            value.clear()
        notebook_html.share_assets(html, page)
        return notebook_html.full_css()
    finally:
        notebook_html._shared.update(saved)


def test_pruning_the_real_stylesheet_is_deterministic_and_small(tmp_path):
    css = _mkdocs_jupyter_css(tmp_path)
    classes = {"jupyter-wrapper", "jp-Cell", "jp-CodeCell", "jp-InputArea", "highlight-ipynb", "k"}
    first = notebook_html.prune_css(css, classes, set())
    assert first == notebook_html.prune_css(css, set(sorted(classes, reverse=True)), set())
    assert len(css) > 500_000 and len(first) < 40_000, (len(css), len(first))


# --------------------------------------------------------------------------- the built site


@pytest.mark.site
def test_shared_notebook_stylesheet_is_small(site):
    size = (site.site_dir / SHARED_CSS).stat().st_size
    assert size <= 50_000, f"{SHARED_CSS}: {size} bytes"


# Layout and paint properties compared element by element (getComputedStyle).
PROPERTIES = [
    "display", "position", "float", "box-sizing", "width", "height", "overflow-x", "overflow-y",
    "margin-top", "margin-right", "margin-bottom", "margin-left",
    "padding-top", "padding-right", "padding-bottom", "padding-left",
    "border-top-width", "border-top-style", "border-top-color", "border-bottom-width",
    "border-bottom-style", "border-bottom-color", "border-left-width", "border-right-width",
    "border-radius", "color", "background-color", "background-image", "box-shadow", "opacity",
    "visibility", "font-family", "font-size", "font-weight", "font-style", "line-height",
    "letter-spacing", "text-align", "text-decoration-line", "white-space", "word-break",
    "vertical-align", "flex-direction", "flex-grow", "flex-shrink", "flex-basis", "cursor",
    "outline-style", "z-index",
]
STYLES_JS = """props => {
  return [...document.querySelectorAll('.md-content *')].map(el => {
    const s = getComputedStyle(el);
    return el.tagName + '.' + el.className + ' ' + props.map(p => s.getPropertyValue(p)).join('|');
  });
}"""
SWAP_JS = """css => {
  const link = document.querySelector('link[href$="jupyter.css"]');
  const style = document.createElement('style');
  style.textContent = css;
  link.replaceWith(style);
}"""


def _wait_until_rendered(page, polls: int = 3) -> None:
    """Open every collapsed block, then wait until KaTeX has rendered (the page's element count
    holds still) and the fonts that the now visible math needs are in (they set its widths).
    The blocks' bodies come after the page (hooks/lazy_blocks.py): they are all in first."""
    page.wait_for_function("!document.querySelector('details[data-pl-block]')"
                           " || document.documentElement.dataset.plBlocks === 'loaded'", timeout=30_000)
    page.evaluate("document.querySelectorAll('details').forEach(d => { d.open = true; })")
    counts: list[int] = []
    for _ in range(100):
        counts.append(page.evaluate("document.querySelectorAll('.md-content *').length"))
        if len(counts) > polls and len(set(counts[-polls:])) == 1:
            page.evaluate("document.fonts.ready.then(() => true)")
            return
        page.wait_for_timeout(200)
    raise AssertionError(f"the page kept changing: {counts[-5:]}")


@pytest.mark.site
@pytest.mark.browser
@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_pruned_stylesheet_styles_a_tutorial_like_the_full_one(site, tmp_path, scheme):
    chromium = os.environ.get("PATHLEARN_CHROMIUM", "/usr/bin/chromium")
    missing = pytest.fail if os.environ.get("CI") == "true" else pytest.skip
    if not (os.path.isfile(chromium) or shutil.which(chromium)):
        missing(f"no chromium at {chromium}")
    sync_api = pytest.importorskip("playwright.sync_api")
    full = _mkdocs_jupyter_css(tmp_path)
    tutorial = sorted((site.site_dir / "tutorials").glob("*/index.html"))[-1]
    path = tutorial.relative_to(site.site_dir).parent.as_posix() + "/"

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    handler = functools.partial(Quiet, directory=str(site.site_dir))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    def measure() -> tuple[list, list]:
        with sync_api.sync_playwright() as p:
            browser = p.chromium.launch(
                executable_path=chromium, args=["--no-sandbox", "--disable-gpu"], headless=True
            )
            page = browser.new_page(viewport={"width": 1280, "height": 900}, color_scheme=scheme)
            page.goto(f"http://127.0.0.1:{server.server_address[1]}/{path}", wait_until="networkidle")
            # Material's transitions (box-shadow of an opened block) would be caught midway
            page.add_style_tag(content="*,*::before,*::after{transition:none!important}")
            _wait_until_rendered(page)
            pruned = page.evaluate(STYLES_JS, PROPERTIES)
            page.evaluate(SWAP_JS, full)
            _wait_until_rendered(page)
            whole = page.evaluate(STYLES_JS, PROPERTIES)
            browser.close()
        return pruned, whole

    try:
        # A thread of its own: tests/test_browser.py keeps a sync Playwright running in this one,
        # and Playwright's sync API refuses a second one in the same thread.
        with ThreadPoolExecutor(max_workers=1) as worker:
            pruned, whole = worker.submit(measure).result()
    finally:
        server.shutdown()
    assert len(pruned) == len(whole) > 1000
    differ = [(a, b) for a, b in zip(pruned, whole, strict=True) if a != b]
    assert not differ, f"{path} ({scheme}): {len(differ)} elements styled otherwise, e.g. {differ[:3]}"
    assert any("jp-CodeCell" in line for line in pruned), "no code cell compared"
