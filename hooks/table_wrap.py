"""Wrap the content's tables at build time, as Material's script would on every page load.

Not an upstream bug, a cost (issue 9). Material's script moves every class-less table of the
content into a scrolling wrapper (`components/content/table`: `table:not([class])`, wrapped in
`div.md-typeset__scrollwrap > div.md-typeset__table`) as the page loads. A moved table is a new
table to the browser: the Results page's 11 tables (1,100 elements) were styled and laid out a
second time inside the script's first long task. And `[class]` in a selector makes any change
of an ancestor's class restyle everything below it.

- `wrap_tables` writes the wrapper into the HTML and gives each table the class `pl-table`, so
  the script finds no class-less table and leaves them where they are.
- `rewrite_selectors` turns Material's `table:not([class])` into `table.pl-table` in main.css:
  the same tables get the same rules. (Material styles class-less tables only: a table with a
  class of its own, a pandas DataFrame's, is neither wrapped nor styled, here or by Material.)
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from mkdocs.plugins import event_priority

sys.path.insert(0, str(Path(__file__).parent))
import _pages  # noqa: E402

TABLE_CLASS = "pl-table"
MATERIAL_SELECTOR = "table:not([class])"
# tabindex: the wrapper scrolls sideways on a phone, so the keyboard must reach it (axe's
# scrollable-region-focusable; overrides/main.html gives Material's own wrappers the same)
WRAP_OPEN = '<div class="md-typeset__scrollwrap" tabindex="0"><div class="md-typeset__table">'
WRAP_CLOSE = "</div></div>"
TABLE_TAG_RE = re.compile(r"<(/?)table\b([^>]*)>", re.I)
CLASS_ATTR_RE = re.compile(r"\sclass\s*=", re.I)
# Code and text areas show markup as text; a <table> there is not a table.
VERBATIM_RE = re.compile(r"<(pre|code|textarea|script|style)\b.*?</\1>", re.S | re.I)


def _wrap(article: str) -> str:
    verbatim = [m.span() for m in VERBATIM_RE.finditer(article)]

    def in_verbatim(pos: int) -> bool:
        return any(start <= pos < end for start, end in verbatim)

    out: list[str] = []
    stack: list[bool] = []  # per open <table>: whether we wrapped it
    last = 0
    for match in TABLE_TAG_RE.finditer(article):
        if in_verbatim(match.start()):
            continue
        out.append(article[last:match.start()])
        closing, attrs = match.group(1), match.group(2)
        if not closing:
            wrapped = not CLASS_ATTR_RE.search(attrs)
            stack.append(wrapped)
            out.append(f'{WRAP_OPEN}<table class="{TABLE_CLASS}"{attrs}>' if wrapped else match.group(0))
        else:
            wrapped = stack.pop() if stack else False
            out.append(f"</table>{WRAP_CLOSE}" if wrapped else match.group(0))
        last = match.end()
    out.append(article[last:])
    return "".join(out)


def wrap_tables(html: str) -> str:
    """The page with every class-less table of its article wrapped as Material wraps it."""
    return _pages.ARTICLE_RE.sub(lambda m: m.group(1) + _wrap(m.group(2)) + m.group(3), html, count=1)


def rewrite_selectors(css: str) -> str:
    """Material's stylesheet with `table:not([class])` read as `table.pl-table`."""
    return css.replace(MATERIAL_SELECTOR, f"table.{TABLE_CLASS}")


def on_post_page(output, page, config):
    """Wrap the page's tables."""
    return wrap_tables(output)


@event_priority(-110)  # after theme_css.py (-100) wrote the pruned main.css
def on_post_build(config):
    """Rewrite the table selectors of the site's main.css."""
    for path in Path(config.site_dir).glob("assets/stylesheets/main.*.min.css"):
        text = path.read_text(encoding="utf-8")
        if MATERIAL_SELECTOR in text:
            path.write_text(rewrite_selectors(text), encoding="utf-8")
