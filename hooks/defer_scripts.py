"""Give the scripts at the end of every page `defer`.

Not an upstream bug, a cost (issue 9). Material's bundle (114 KB), and on pages with math
KaTeX (273 KB) and math.js, sit at the end of <body> as plain `<script src>`: the browser runs
them as soon as the parser reaches them, and with a lighter page (hooks/lazy_blocks.py) that
happened before the first paint, so the first paint waited for 400 KB of script on a phone's
connection (Lighthouse counts such scripts as render-blocking). Deferred, they run in the same
order once the document is parsed, which is where they were: nothing they need moves. Inline
scripts stay as they are (they cannot be deferred); the ones in overrides/main.html already
wait for Material through a MutationObserver or events.
"""

from __future__ import annotations

import re

from mkdocs.plugins import event_priority

SCRIPT_RE = re.compile(r"<script src=\"([^\"]+)\"></script>")


def defer_scripts(html: str) -> str:
    """The page with `defer` on every plain external script of its <body>."""
    at = html.find("<body")
    if at < 0:
        return html
    return html[:at] + SCRIPT_RE.sub(r'<script src="\1" defer></script>', html[at:])


@event_priority(-115)  # after the hooks that add scripts (math_assets.py)
def on_post_page(output, page, config):
    """Defer the page's scripts."""
    return defer_scripts(output)
