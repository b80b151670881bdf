"""The bodies of collapsed blocks come after the page (hooks/lazy_blocks.py, overrides/main.html)."""

from __future__ import annotations

import re
import sys

import pytest
from conftest import ROOT, read_page

sys.path.insert(0, str(ROOT / "hooks"))
import lazy_blocks  # noqa: E402

BODIES_JS = "[...document.querySelectorAll('details.pl-block')].filter(d => d.children.length > 1).length"
BODY = "\n<div class='jp-Cell'>" + "x" * 2000 + "</div>\n"
PAGE = ('<html><body><article class="md-content__inner md-typeset">'
        '<p>before</p>'
        f'<details class="pl-block pl-further example"><summary><h3>more</h3></summary>{BODY}</details>\n'
        f'<details class="pl-block pl-hint tip"><summary>Hint</summary>\n<p>short</p></details>\n'
        f'<details class="pl-block pl-solution success" open><summary>Solution</summary>{BODY}</details>\n'
        f'<details class="pl-block pl-solution success"><summary>Solution</summary>{BODY}'
        f'<details><summary>inner</summary><p>nested</p></details></details>'
        '</article></body></html>')


def test_large_closed_blocks_leave_the_page_and_come_back(tmp_path):
    page, files = lazy_blocks.split_blocks(PAGE, "en")
    assert len(files) == 2  # the hint is small, the open solution stays, the nested one goes with its parent
    assert all(name.startswith("block-") and name.endswith(".htm") for name in files)
    assert len(page) < len(PAGE) - 3500
    assert page.count('class="pl-block-fallback"') == 2 and "Open this part" in page
    for name, body in files.items():
        (tmp_path / name).write_text(body, encoding="utf-8")
        assert f'data-pl-block="{name}"' in page
    assert lazy_blocks.inline_blocks(page, tmp_path) == PAGE


def test_a_page_without_blocks_or_article_stays():
    assert lazy_blocks.split_blocks("<p>x</p>", "ja") == ("<p>x</p>", {})
    small = PAGE.replace("x" * 2000, "x")
    assert lazy_blocks.split_blocks(small, "ja") == (small, {})


@pytest.mark.site
def test_every_lazy_block_has_its_body_next_to_the_page(site):
    pages = [p for p in site.site_dir.rglob("index.html") if 'data-pl-block="' in p.read_text(encoding="utf-8")]
    assert len(pages) >= 10  # the tutorials and the Results page, in both languages
    for page in pages:
        html = page.read_text(encoding="utf-8")
        for name in re.findall(r'data-pl-block="([^"]+)"', html):
            body = (page.parent / name).read_text(encoding="utf-8")
            assert body.strip() and "<html" not in body, (page, name)
        whole = read_page(page)
        assert 'data-pl-block="' not in whole and 'class="pl-block-fallback"' not in whole
        assert len(html.encode()) < 0.85 * len(whole.encode()), page


def _open(browser, url: str, **route):
    page = browser.new_page(viewport={"width": 412, "height": 900})
    errors: list[str] = []
    page.on("console", lambda m: m.type == "error" and errors.append(m.text))
    page.on("pageerror", lambda e: errors.append(str(e)))
    return page, errors


@pytest.mark.site
@pytest.mark.browser
def test_every_block_body_arrives_after_load(site, browser, base_url):
    page, errors = _open(browser, base_url)
    try:
        page.goto(base_url + "tutorials/03-gan/")
        page.wait_for_function("document.documentElement.dataset.plBlocks === 'loaded'", timeout=30_000)
        left = page.evaluate("document.querySelectorAll('details[data-pl-block], .pl-block-fallback').length")
        bodies = page.evaluate(BODIES_JS)
    finally:
        page.close()
    whole = read_page(site.site_dir / "tutorials/03-gan/index.html")
    assert (left, errors) == (0, [])
    assert bodies == len(re.findall(r'<details class="pl-block', whole))


@pytest.mark.site
@pytest.mark.browser
@pytest.mark.parametrize("how", ["click", "Enter", "Space"])
def test_a_block_opened_before_its_body_came_opens_with_it(browser, base_url, how):
    page, errors = _open(browser, base_url)
    held: list = []
    released: list[bool] = []
    page.route(re.compile(r".*/block-[0-9a-f]+\.htm$"),
               lambda route: route.continue_() if released else held.append(route))
    try:
        page.goto(base_url + "tutorials/03-gan/", wait_until="load")
        page.wait_for_function("document.querySelector('details[data-pl-block]') !== null")
        page.wait_for_timeout(200)  # the first request is on its way, and held
        details = page.locator("details[data-pl-block]").last.element_handle()  # this one, loaded or not
        summary = details.query_selector(":scope > summary")
        if how == "click":
            summary.click()
        else:
            summary.focus()
            page.keyboard.press(how)
        assert details.evaluate("d => d.open") is False  # not opened empty
        released.append(True)
        for route in held:
            route.continue_()
        page.wait_for_function("d => d.open && !d.hasAttribute('data-pl-block')", arg=details, timeout=15_000)
        assert details.evaluate("d => d.children.length") > 1
    finally:
        page.close()
    assert errors == []
