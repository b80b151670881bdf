"""hooks/scripts_after_paint.py: a page's scripts come after its content is painted, in order,
and Material still starts."""

from __future__ import annotations

import json
import re
import sys

import pytest
from conftest import ROOT

sys.path.insert(0, str(ROOT / "hooks"))
import scripts_after_paint  # noqa: E402

PAGE = """<html><head><script src="head.js"></script></head>
<body><p>text</p>
<script src="../assets/javascripts/bundle.0123abcd.min.js"></script>
<script>inline()</script>
<script src="../assets/javascripts/math.js"></script>
</body></html>"""


def _sources(html: str) -> list[str]:
    return json.loads(re.search(r"const sources = (\[.*?\]);", html).group(1))


def test_the_body_scripts_are_loaded_by_the_loader_in_their_order():
    out = scripts_after_paint.scripts_after_paint(PAGE)
    assert '<script src="head.js"></script>' in out  # <head> is left alone
    body = out[out.index("<body"):]
    assert "<script src=" not in body
    assert _sources(out) == ["../assets/javascripts/bundle.0123abcd.min.js", "../assets/javascripts/math.js"]
    # where the first one was: before the inline script that followed it
    assert body.index("scripts_after_paint.py") < body.index("inline()")
    assert out.count("<script>") == 2


def test_a_page_without_body_scripts_is_unchanged():
    page = "<html><head><script src=a.js></script></head><body><p>x</p></body></html>"
    assert scripts_after_paint.scripts_after_paint(page) == page


@pytest.mark.parametrize("src, bundle", [("../assets/javascripts/bundle.a5f9d56c.min.js", True),
                                          ("../assets/javascripts/math.js", False),
                                          ("bundle.a5f9d56c.min.js.map", False)])
def test_the_bundle_pattern(src, bundle):
    assert bool(scripts_after_paint.BUNDLE_RE.search(src)) == bundle


# --------------------------------------------------------------------------- in the browser

# The frames that follow the end of parsing: the first one draws the page's content (the whole
# document is parsed), and the second starts once it is done. This script's callbacks are
# registered before the loader's, so they run first in each frame.
FRAMES = """window.__frames = [];
document.addEventListener('DOMContentLoaded', () => requestAnimationFrame(() => {
  window.__frames.push(performance.now());
  requestAnimationFrame(() => window.__frames.push(performance.now()));
}), {once: true});"""


@pytest.mark.site
@pytest.mark.browser
@pytest.mark.parametrize("path", ["tutorials/02-lstm/", "en/cli/"])
def test_content_is_drawn_before_the_scripts_are_asked_for_and_material_starts(browser, base_url, path):
    """Main-thread order, not paint timestamps: headless chromium reports a frame as shown some
    milliseconds after it was drawn, later than the loader's request sometimes."""
    page = browser.new_page(viewport={"width": 412, "height": 823})
    try:
        page.add_init_script(FRAMES)
        page.goto(base_url + path)
        page.wait_for_load_state("networkidle")
        # Material started: it placed its back-to-top button under the header
        page.wait_for_function("() => document.querySelector('.md-top[data-md-component=top]').style.top !== ''",
                               timeout=10_000)
        requested = page.evaluate("""() => performance.getEntriesByType('resource')
          .filter(r => r.initiatorType === 'script' && /\\/assets\\/javascripts\\//.test(r.name))
          .map(r => [r.name.split('/').pop(), r.startTime])""")
        frames = page.evaluate("window.__frames")
    finally:
        page.close()
    names = [name for name, _ in requested]
    assert names[0].startswith("bundle."), names
    assert len(frames) == 2, frames
    # the frame with the content had been drawn when the first script was asked for
    assert min(t for _, t in requested) > frames[1], (frames, requested)
