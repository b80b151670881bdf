"""Load KaTeX (assets/vendor/katex, ~300 KB of script and stylesheet) and
assets/javascripts/math.js only on the pages that have math, and keep them off the critical path.

Not an upstream bug, a cost: MkDocs puts `extra_css` and `extra_javascript` on every page, so the
pages without a formula (the API and CLI references, the device page, ...) would download and
run KaTeX for nothing. Here the tags go into the pages whose content has math, at the places
`extra_css`/`extra_javascript` would put them: the stylesheet before the site's first own
stylesheet (which may override it), the scripts at the end of <body>.

Even there, KaTeX's stylesheet must not block the first paint (issue 9: on a phone every
render-blocking byte delays it): it is linked with media="print", which the browser fetches at
low priority without waiting for it, and data-pl-katex, by which math.js finds it and switches it
to media="all" once it has loaded, before it renders the first formula. math.js then renders in
short tasks and leaves the math of closed <details> until they open (see its header). It splits
the text itself, so KaTeX's contrib/auto-render is not loaded. KaTeX's script (273 KB) is not
linked at all: math.js asks for it once the page has loaded, so that on a phone's connection
it does not delay the paint of the page's first paragraphs (Lighthouse's largest contentful
paint waits for every script that arrives before that paint).
"""

from __future__ import annotations

import html
import re
import sys
from pathlib import Path

from mkdocs.utils import get_relative_url

sys.path.insert(0, str(Path(__file__).parent))
import _pages  # noqa: E402

STYLESHEETS = ["assets/vendor/katex/katex.min.css"]
# Not render-blocking: math.js sets media="all" when the sheet has loaded (see the docstring).
STYLESHEET_ATTRS = 'media="print" data-pl-katex'
SCRIPTS = [
    "assets/javascripts/math.js",
]
# pymdownx.arithmatex (generic) wraps the math of Markdown pages in class="arithmatex".
ARITHMATEX_RE = re.compile(r"""class=["']arithmatex["']""")
# Notebook pages keep $...$, $$...$$, \(...\), \[...\] and \begin{equation|align} as text in
# their markdown cells (and text/latex outputs); math.js renders those. Code is in <pre>.
NOTEBOOK_MATH_RE = re.compile(r"\$|\\\(|\\\[|\\begin\{(?:equation|align)\}")
PRE_RE = re.compile(r"<pre\b.*?</pre>", re.S)
TAG_RE = re.compile(r"<[^>]+>")


def has_math(content: str, is_notebook: bool) -> bool:
    if ARITHMATEX_RE.search(content):
        return True
    if not is_notebook:
        return False
    text = html.unescape(TAG_RE.sub("", PRE_RE.sub("", content)))
    return bool(NOTEBOOK_MATH_RE.search(text))


def on_page_content(content, page, config, files):
    """Note whether the rendered page has math (before the theme adds its own markup)."""
    page.has_math = has_math(content, _pages.is_notebook(page.file))
    return content


def on_post_page(output, page, config):
    """Link KaTeX and math.js on the pages with math."""
    if not getattr(page, "has_math", False):
        return output
    links = "".join(
        f'<link rel="stylesheet" href="{get_relative_url(path, page.url)}" {STYLESHEET_ATTRS}>\n'
        for path in STYLESHEETS
    )
    first_own = config.extra_css[0] if config.extra_css else None
    anchor = f'<link rel="stylesheet" href="{get_relative_url(str(first_own), page.url)}">'
    if first_own is not None and anchor in output:
        output = output.replace(anchor, links + anchor, 1)
    else:
        output = output.replace("</head>", links + "</head>", 1)
    scripts = "".join(
        f'<script src="{get_relative_url(path, page.url)}"></script>\n' for path in SCRIPTS
    )
    return output.replace("</body>", scripts + "</body>", 1)
