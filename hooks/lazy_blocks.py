"""Send a notebook page's collapsed blocks after the page, not inside it.

Not an upstream bug, a cost (issue 9). Half of a tutorial page's HTML is in its collapsed
"further", hint and solution blocks (hooks/learning_path.py), which nobody sees while the page
loads (nor the code of the helper cells, collapsed under their plots), yet a phone
downloads, parses and builds all of it before the first paint: the Japanese
GAN tutorial was 194 KB, 84 KB of it in closed blocks. Here the body of each closed top-level
block of at least `MIN_BYTES` goes to a file of its own next to the page (`block-<hash>.htm`,
the same folder, so its relative links and images resolve alike), and the block keeps its
summary and a link to that file (what a reader without JavaScript follows). The page's inline
script (overrides/main.html) fetches the bodies once the page has loaded, one at a time, and
puts each back in its block; a block opened before its body arrived opens when it does. The
search index is built before this runs (Material's search plugin reads `on_page_context`), so
search still finds the text of every block.

`tests/conftest.py: read_page` puts the bodies back, for the tests that read built pages.
"""

from __future__ import annotations

import hashlib
import re
import sys
from pathlib import Path

from mkdocs.plugins import event_priority

sys.path.insert(0, str(Path(__file__).parent))
import _pages  # noqa: E402

MIN_BYTES = 1500  # a smaller body (a hint) costs less than its own request
SUFFIX = ".htm"  # served as text/html, and not taken for a page by the tools that walk *.html
DETAILS_RE = re.compile(r"<(/?)details\b([^>]*)>", re.I)
OPEN_ATTR_RE = re.compile(r"\sopen(?:[\s=>]|$)")
LAZY_KINDS = ("pl-further", "pl-solution", "pl-hint", "pl-helper")
FALLBACK = {
    "ja": "このブロックを開く（別ページ）",
    "en": "Open this part (separate page)",
}
MARK_RE = re.compile(r'<details class="pl-block [^"]*" data-pl-block="([^"]+)">.*?</summary>', re.S)


def _blocks(article: str) -> list[tuple[int, int, int, str]]:
    """(start, summary_end, end, attrs) of each closed top-level block of the article."""
    out, depth, start, attrs = [], 0, 0, ""
    for match in DETAILS_RE.finditer(article):
        if not match.group(1):
            if depth == 0:
                start, attrs = match.start(), match.group(2)
            depth += 1
        else:
            depth -= 1
            if depth == 0:
                summary_end = article.index("</summary>", start) + len("</summary>")
                out.append((start, summary_end, match.start(), attrs))
    return out


def split_blocks(html: str, lang: str) -> tuple[str, dict[str, str]]:
    """The page with the bodies of its closed blocks taken out, and {file name: body}."""
    found = _pages.ARTICLE_RE.search(html)
    if found is None:
        return html, {}
    article, files = found.group(2), {}
    pieces, last = [], 0
    for start, summary_end, end, attrs in _blocks(article):
        body = article[summary_end:end]
        lazy = any(kind in attrs for kind in LAZY_KINDS) and not OPEN_ATTR_RE.search(attrs)
        if not lazy or len(body.encode("utf-8")) < MIN_BYTES:
            continue
        name = f"block-{hashlib.sha256(body.encode('utf-8')).hexdigest()[:12]}{SUFFIX}"
        files[name] = body
        opening = article[start:summary_end]
        opening = opening.replace(f"<details{attrs}>", f'<details{attrs} data-pl-block="{name}">', 1)
        fallback = f'\n<p class="pl-block-fallback"><a href="{name}">{FALLBACK.get(lang, FALLBACK["en"])}</a></p>\n'
        pieces += [article[last:start], opening, fallback]
        last = end
    if not files:
        return html, {}
    pieces.append(article[last:])
    return html[:found.start(2)] + "".join(pieces) + html[found.end(2):], files


def inline_blocks(html: str, folder: Path) -> str:
    """A page with its block bodies put back from `folder` (what the page's script does)."""
    def back(match: re.Match) -> str:
        body = (folder / match.group(1)).read_text(encoding="utf-8")
        return match.group(0).replace(f' data-pl-block="{match.group(1)}"', "", 1) + body

    restored = MARK_RE.sub(back, html)
    return re.sub(r'\n<p class="pl-block-fallback"><a href="[^"]+">[^<]*</a></p>\n', "", restored)


@event_priority(-120)  # last: the other hooks' on_post_page see the whole page
def on_post_page(output, page, config):
    """Write the page's block bodies next to it and leave links in their place."""
    if not _pages.is_notebook(page.file):
        return output
    lang = _pages.language(page)
    output, files = split_blocks(output, lang)
    folder = Path(config.site_dir) / Path(page.file.dest_uri).parent
    folder.mkdir(parents=True, exist_ok=True)
    for name, body in files.items():
        (folder / name).write_text(body, encoding="utf-8")
    return output
