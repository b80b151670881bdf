"""Drop the indentation mkdocstrings' templates leave in the API reference page.

The page documents the whole package on one page. On a phone, Material's scripts recalculate
the style of the whole document several times while the page loads (its palette sets attributes
on <body> and reads a computed style back; each code block is measured), so the load time grows
with the page; the first paint waits for its bytes. The mkdocstrings options in properdocs.yml leave
out what the page repeats (signature code blocks, types in signatures, tables); this hook drops
the bytes that mkdocstrings' output and Material's templates (the table of contents) carry for
nothing.

It also renders mkdocstrings' section titles ("Parameters:", "Returns:", ...) in the page's own
language (render_in_page_language).

Tried and left out: CSS `content-visibility: auto` on the function bodies cut the page's main-
thread time by a quarter, but a link to `api/#name` then lands a few hundred pixels off (the
skipped parts above the target take their real height after the jump).
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
import _pages  # noqa: E402

MKDOCSTRINGS_RE = re.compile(r'<div class="doc doc-object ')
# <pre>, <code>, <textarea> and <script> keep their whitespace (group 1); elsewhere a run of it
# between two tags renders as one space (or nothing), as a single newline does.
CSS_LINK_RE = re.compile(r'<link rel="stylesheet" href="[^"]*assets/_mkdocstrings\.css">\n?')
COLLAPSE_RE = re.compile(r"(<(pre|code|textarea|script)\b.*?</\2>)|(?<=>)\s{2,}(?=<)", re.S)


def _is_api_page(content: str) -> bool:
    return MKDOCSTRINGS_RE.search(content) is not None


def collapse_indentation(content: str) -> str:
    """Collapse the indentation between tags that mkdocstrings' templates leave in the HTML.

    mkdocstrings-python's Jinja templates are indented for reading and render that indentation
    into the page (about a tenth of the API page's bytes). A run of whitespace between two tags
    becomes one newline, which renders the same; <pre>, <code>, <textarea> and <script> are
    left as they are.
    """
    return COLLAPSE_RE.sub(lambda m: m.group(1) or "\n", content)


def mkdocstrings_css_where_used(output: str, is_api_page: bool) -> str:
    """Link mkdocstrings' stylesheet once, and only on the page it styles.

    mkdocstrings adds `assets/_mkdocstrings.css` to `extra_css`, so every page links it and its
    first paint waits for it; mkdocs-static-i18n runs the plugins' `on_config` once per language,
    so the English pages linked it twice.
    """
    links = CSS_LINK_RE.findall(output)
    if not links:
        return output
    output = CSS_LINK_RE.sub("", output)
    if is_api_page:
        output = output.replace("</head>", links[0] + "</head>", 1)
    return output


def render_in_page_language(plugin, language: str) -> None:
    """Translate mkdocstrings' template strings into `language` for the page about to render.

    mkdocstrings reads its locale once, in `on_config`, from `theme.language`: with
    mkdocs-static-i18n the English API page got the default language's titles ("引数：",
    "戻り値：", "デフォルト："). The locale is read again for every `::: identifier` block it renders
    (`Handlers._locale`, private; tests/test_hook_internals.py watches it).
    """
    plugin.handlers._locale = language


def on_page_markdown(markdown, page, config, files):
    """Pages with `::: identifier` blocks render them in their own language."""
    plugin = config.plugins.get("mkdocstrings")
    if plugin is not None and "\n::: " in "\n" + markdown:
        render_in_page_language(plugin, _pages.language(page))
    return markdown


def on_page_content(content, page, config, files):
    """Pages with mkdocstrings output only."""
    page.is_api_page = _is_api_page(content)
    if not page.is_api_page:
        return content
    return collapse_indentation(content)


def on_post_page(output, page, config):
    is_api_page = getattr(page, "is_api_page", False)
    output = mkdocstrings_css_where_used(output, is_api_page)
    # Material's own templates indent too: the page's table of contents, one entry per object,
    # carried ~20 KB of indentation (the page must stay within 250 KB, issue 9)
    return collapse_indentation(output) if is_api_page else output
