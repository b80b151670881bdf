"""Material's palette no longer restyles every element while a page loads (hooks/palette_load.py).

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
from test_browser import base_url, browser  # noqa: F401 - fixtures

sys.path.insert(0, str(ROOT / "hooks"))
import palette_load  # noqa: E402

MATERIAL_ASSETS = Path(__import__("material").__file__).parent / "templates" / "assets"


def test_targets_are_the_rightmost_part_of_selectors_that_declare_a_transition():
    css = (".md-nav__link{transition:color 125ms}\n"
           ".md-typeset table th[role=columnheader]:after,.a>.b{transition-duration:.25s}\n"
           "@media screen{.md-typeset :hover>.headerlink{transition:none}.c .md-top{transition:opacity .2s}}\n"
           "@media (prefers-reduced-motion){*,:after,:before{transition:none!important}}\n"
           ".x{color:red}\n.md-search__input::placeholder{transition:color .25s}\n.y .md-nav__link{transition:x 1s}\n")
    assert palette_load.transition_targets([css]) == [
        ".md-nav__link", "th[role=columnheader]:after", ".b", ".md-top"]


def test_the_switching_rule_is_scoped_to_the_targets():
    css = f"a{{b:c}}@media screen{{{palette_load.SWITCHING_RULE}}}"
    scoped = palette_load.scope_switching_rule(css, [".a", "b:after"])
    assert scoped == ("a{b:c}@media screen{[data-md-color-switching] .a,[data-md-color-switching] b:after"
                      "{transition-duration:0s!important}}")
    with pytest.raises(PluginError, match="no longer has"):
        palette_load.scope_switching_rule("a{b:c}", [".a"])


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
    (main,) = (MATERIAL_ASSETS / "stylesheets").glob("main.*.min.css")
    (bundle,) = (MATERIAL_ASSETS / "javascripts").glob("bundle.*.min.js")
    targets = palette_load.transition_targets([main.read_text(encoding="utf-8")])
    assert ".md-nav__link" in targets and ".md-header__option" in targets
    scoped = palette_load.scope_switching_rule(palette.read_text(encoding="utf-8"), targets)
    assert "[data-md-color-switching] *" not in scoped
    text = bundle.read_text(encoding="utf-8")
    assert len(palette_load.detach_color_scheme_meta(text)) == len(text)


# --------------------------------------------------------------------------- in the browser

TUTORIAL = "tutorials/03-gan/"


def _invalidations(browser, url: str) -> list[dict]:  # noqa: F811
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
def test_no_script_restyles_the_whole_page_while_it_loads(browser, base_url, path):  # noqa: F811
    records = _invalidations(browser, base_url + path)
    assert records, "the trace recorded no style invalidation at all"
    # the color-scheme meta (recorded with the script's stack), and a palette attribute on <body>
    # that a selector reads with the whole subtree below it (recorded with that selector)
    whole = [r for r in records if r.get("stackTrace") and r.get("reason") == "PlatformColorChange"]
    whole += [r for r in records if r.get("reason") == "Invalidation set invalidates subtree"
              and r.get("nodeName", "").split()[0] in ("HTML", "BODY")
              and any("data-md-color" in s.get("selector", "") for s in r.get("selectors", []))]
    assert not whole, f"{path}: the whole page was restyled by a script: {whole[:3]}"


@pytest.mark.site
@pytest.mark.browser
def test_switching_still_freezes_every_transition(browser, base_url):  # noqa: F811
    """What Material's `[data-md-color-switching] *` rule did: no element transitions (itself,
    ::before or ::after) while the attribute is on <body>."""
    page = browser.new_page(viewport={"width": 412, "height": 823})
    try:
        page.goto(base_url + TUTORIAL)
        page.wait_for_load_state("networkidle")
        moving = page.evaluate("""() => {
          document.body.setAttribute('data-md-color-switching', '');
          const out = [];
          for (const el of document.body.querySelectorAll('*'))
            for (const pseudo of [null, '::before', '::after']) {
              const d = getComputedStyle(el, pseudo).transitionDuration;
              if (d.split(',').some(v => parseFloat(v) > 0))
                out.push(`${el.tagName}.${el.className} ${pseudo || ''} ${d}`);
            }
          return out;
        }""")
    finally:
        page.close()
    assert not moving, f"transitions left running while the scheme switches: {moving[:5]}"


@pytest.mark.site
@pytest.mark.browser
@pytest.mark.parametrize("scheme,expected", [("dark", "dark"), ("light", "normal")])
def test_the_root_takes_the_schemes_color_scheme(browser, base_url, scheme, expected):  # noqa: F811
    page = browser.new_page(color_scheme=scheme)
    try:
        page.goto(base_url + TUTORIAL)
        page.wait_for_load_state("networkidle")
        root, metas = page.evaluate("""() => [getComputedStyle(document.documentElement).colorScheme,
                                              document.querySelectorAll('meta[name=color-scheme]').length]""")
    finally:
        page.close()
    assert (root, metas) == (expected, 0)
