"""Accessibility attributes missing from the HTML that Material and nbconvert write.

axe-core (tests/test_web_quality.py) checks every page; each function below fixes one rule it
reported, on the page's final HTML, and names the upstream markup it works around. What the
browser builds at run time (Material's table wrappers and code-block toolbars) is handled by
the small script in overrides/main.html.
"""

from __future__ import annotations

import logging
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
import _pages  # noqa: E402

log = logging.getLogger("mkdocs.hooks.a11y")

SEARCH_DIALOG_RE = re.compile(r'<div class="md-search" data-md-component="search" role="dialog"(?=[ >])')
SEARCH_INPUT_LABEL_RE = re.compile(r'<input [^>]*class="md-search__input"[^>]*\saria-label="([^"]+)"')
INPUT_WRAPPER_RE = re.compile(r'(<div class="jp-Cell-inputWrapper") tabindex="0"')
CODE_SCROLLER_RE = re.compile(r'<div class="highlight-ipynb(?: [^"]*)?"(?=>)')
MARKDOWN_PRE_RE = re.compile(r'<div class="highlight"><pre(?=>)')


def name_search_dialog(output: str) -> str:
    """Give Material's search dialog the name of its search box (axe aria-dialog-name).

    Material's partials/search.html writes `<div class="md-search" role="dialog">` with no
    aria-label; its input has one ("検索" / "Search"), which the dialog takes. Copying the
    partial into overrides/ would pin a copy of Material's template; this follows it. A page
    that has the dialog but no labelled input is a warning (the strict build fails), so a
    change of Material's markup is noticed.
    """
    if not SEARCH_DIALOG_RE.search(output):
        return output
    label = SEARCH_INPUT_LABEL_RE.search(output)
    if not label:
        log.warning("Material's search box has no aria-label: the search dialog stays unnamed")
        return output
    return SEARCH_DIALOG_RE.sub(lambda m: f'{m.group(0)} aria-label="{label.group(1)}"', output, count=1)


def focusable_notebook_scrollers(output: str) -> str:
    """Make the parts of a notebook page that scroll sideways reachable by keyboard (axe
    scrollable-region-focusable), and only those.

    nbconvert's lab template puts `tabindex="0"` on every cell's input wrapper, Markdown cells
    included, but the element that scrolls is the code inside it (`div.highlight-ipynb`, which
    mkdocs-jupyter's CSS gives `overflow: auto`), and the keyboard scrolls the focused element
    and its ancestors, not its children. So the code scroller takes the tab stop and the
    wrapper gives it up: still one tab stop per code cell, none per Markdown cell. Code blocks
    inside Markdown cells (`div.highlight > pre`, which scrolls) get one too; text outputs keep
    nbconvert's own `tabindex="0"`.
    """
    output = INPUT_WRAPPER_RE.sub(r"\1", output)
    output = CODE_SCROLLER_RE.sub(lambda m: m.group(0) + ' tabindex="0"', output)
    return MARKDOWN_PRE_RE.sub(lambda m: m.group(0) + ' tabindex="0"', output)


def on_post_page(output, page, config):
    output = name_search_dialog(output)
    if _pages.is_notebook(page.file):
        output = focusable_notebook_scrollers(output)
    return output


def on_post_template(output_content, template_name, config):
    """404.html is a static template, not a page: it has the search dialog too."""
    return name_search_dialog(output_content) if template_name == "404.html" else output_content
