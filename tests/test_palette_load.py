"""Material's script no longer restyles every element while a page loads: its palette
(hooks/palette_load.py) and the class it gives <html> (overrides/main.html).

The unit tests need no site; they also run the two patches on Material's own files, so an
upgrade that changes them fails here. The browser tests trace a page load in chromium and look
at why styles were invalidated (not at how long anything took: these machines are noisy).
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from conftest import ROOT
from mkdocs.exceptions import PluginError

sys.path.insert(0, str(ROOT / "hooks"))
import palette_load  # noqa: E402

MATERIAL_ASSETS = Path(__import__("material").__file__).parent / "templates" / "assets"


def test_the_switching_rule_goes():
    css = f"a{{b:c}}@media screen{{{palette_load.SWITCHING_RULE}}}"
    assert palette_load.drop_switching_rule(css) == "a{b:c}@media screen{}"
    with pytest.raises(PluginError, match="no longer has"):
        palette_load.drop_switching_rule("a{b:c}")


def test_the_color_scheme_meta_stays_detached_and_the_bundle_keeps_its_length():
    js = 'let r=x("meta",{name:"theme-color"});document.head.appendChild(r);' \
         'let o=x("meta",{name:"color-scheme"});document.head.appendChild(o);let n=1;'
    patched = palette_load.detach_color_scheme_meta(js)
    assert len(patched) == len(js)
    assert "document.head.appendChild(r);" in patched and "appendChild(o)" not in patched
    with pytest.raises(PluginError, match="0 matches"):
        palette_load.detach_color_scheme_meta(patched)


def test_both_patches_apply_to_materials_own_files():
    (palette,) = (MATERIAL_ASSETS / "stylesheets").glob("palette.*.min.css")
    (bundle,) = (MATERIAL_ASSETS / "javascripts").glob("bundle.*.min.js")
    assert "data-md-color-switching" not in palette_load.drop_switching_rule(palette.read_text(encoding="utf-8"))
    text = bundle.read_text(encoding="utf-8")
    assert len(palette_load.detach_color_scheme_meta(text)) == len(text)


# --------------------------------------------------------------------------- in the browser

TUTORIAL = "tutorials/03-gan/"


def _invalidations(browser, url: str) -> list[dict]:
    """Chromium's style-invalidation records of one page load (light scheme, phone width)."""
    page = browser.new_page(viewport={"width": 412, "height": 823}, color_scheme="light")
    try:
        cdp = page.context.new_cdp_session(page)
        events: list[dict] = []
        done: list[bool] = []
        cdp.on("Tracing.dataCollected", lambda e: events.extend(e["value"]))
        cdp.on("Tracing.tracingComplete", lambda e: done.append(True))
        cdp.send("Tracing.start", {"traceConfig": {"includedCategories": [
            "disabled-by-default-devtools.timeline.invalidationTracking"]}, "transferMode": "ReportEvents"})
        page.goto(url)
        page.wait_for_load_state("networkidle")
        page.wait_for_timeout(500)  # the palette removes data-md-color-switching a task later
        cdp.send("Tracing.end")
        while not done:
            page.wait_for_timeout(50)
    finally:
        page.close()
    return [e.get("args", {}).get("data", {}) for e in events if "Invalidation" in e.get("name", "")]


@pytest.mark.site
@pytest.mark.browser
@pytest.mark.parametrize("path", [TUTORIAL, "en/api/"])
def test_no_script_restyles_the_whole_page_while_it_loads(browser, base_url, path):
    records = _invalidations(browser, base_url + path)
    assert records, "the trace recorded no style invalidation at all"
    # the color-scheme meta (recorded with the script's stack); an attribute of <html> or <body>
    # that a selector reads with the whole subtree below it (the palette's attributes, <html>'s
    # class: recorded with the selectors), or that the root reads through :has()
    whole = [r for r in records if r.get("stackTrace") and r.get("reason") == "PlatformColorChange"]
    whole += [r for r in records if r.get("reason") == "Invalidation set invalidates subtree"
              and r.get("nodeName", "").split()[0] in ("HTML", "BODY")]
    whole += [r for r in records
              if r.get("reason") == "Affected by :has()" and r.get("nodeName", "").startswith("HTML")]
    assert not whole, f"{path}: the whole page was restyled by a script: {whole[:3]}"


@pytest.mark.site
@pytest.mark.browser
@pytest.mark.parametrize("scheme", ["dark", "light"])
def test_the_canvas_follows_the_readers_scheme(browser, base_url, scheme):
    """One color-scheme meta, the page's own ("light dark"), and Material's never attached: the
    root (outside <body>, which the palette styles) draws in the reader's scheme."""
    page = browser.new_page(color_scheme=scheme)
    try:
        page.goto(base_url + TUTORIAL)
        page.wait_for_load_state("networkidle")
        metas, canvas_text = page.evaluate("""() => {
          const probe = document.createElement('i');
          probe.style.color = 'CanvasText';
          document.documentElement.append(probe);  // outside <body>
          const color = getComputedStyle(probe).color;
          probe.remove();
          return [[...document.querySelectorAll('meta[name=color-scheme]')].map(m => m.content), color];
        }""")
    finally:
        page.close()
    dark_text = canvas_text != "rgb(0, 0, 0)"
    assert (metas, dark_text) == (["light dark"], scheme == "dark")
