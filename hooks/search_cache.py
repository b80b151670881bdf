"""Material's search entries: notebook code left out (`searchable`), and kept between builds
in .cache/search/ (`_cached_add_entry_from_context`).

`searchable` works around Material's search plugin indexing all of a notebook page: every code
cell's source, its outputs (tables of numbers), "In [4]:" and the copy buttons' "Copied!". The
parser puts text outside the heading's own cell in the page's first entry, so a tutorial's first
entry held all its code, about half of search_index.json, which every page's search worker
loads. `data-search-exclude` cannot do this: the parser's `Element` compares by tag, so the
exclusion of a `<div>` ends at the first `</div>` inside it (material/plugins/search/plugin.py,
`Element.__eq__`, `Parser.handle_endtag`). The prose, the headings, inline `code` in the prose
and the collapsed blocks' prose stay searchable; the page's HTML is not changed.

`_utf8_search_index` works around Material writing the index with `json.dumps`' default
`ensure_ascii=True` (`SearchIndex.generate_search_index`): each Japanese character took six bytes
(`\\u3042`) instead of three, about 100 KB of the index. The search worker reads it with
`Response.text()`, which decodes UTF-8 whatever the server's headers say.

The cache is not an upstream bug, a cost: Material's search plugin parses every page's HTML with
Python's `html.parser` on every build. The entries of a page depend only on the inputs hashed
below, so an unchanged page reuses the entries from the last build. Delete the cache part to
parse every time.
"""

from __future__ import annotations

import hashlib
import json
import re
from importlib import metadata
from pathlib import Path

from material.plugins.search import plugin as search

_original = search.SearchIndex.add_entry_from_context
_directory: Path | None = None

# In the cache key: the entries change when the rule does.
SEARCHABLE_RULE = "no notebook code cells, cell <div>s or anchor links"
CODE_CELL_RE = re.compile(r'<div class="jp-Cell jp-CodeCell\b[^"]*"[^>]*>')
DIV_RE = re.compile(r"<div\b[^>]*>|</div>")
NOTEBOOK_MARK = '<div class="jupyter-wrapper">'
ANCHOR_LINK_RE = re.compile(r'<a class="anchor-link"[^>]*>[^<]*</a>')


def searchable(content: str) -> str:
    """`content` for the search index: a notebook page without its code cells (source and
    outputs) and without the <div>s around its cells; other pages as they are."""
    parts, at = [], 0
    for cell in CODE_CELL_RE.finditer(content):
        if cell.start() < at:
            continue  # inside a code cell already cut (mkdocs-jupyter nests them twice)
        depth, end = 0, None
        for tag in DIV_RE.finditer(content, cell.start()):
            depth += -1 if tag.group(0) == "</div>" else 1
            if depth == 0:
                end = tag.end()
                break
        if end is None:  # unbalanced: index the rest as it is
            break
        parts.append(content[at:cell.start()])
        at = end
    parts.append(content[at:])
    content = "".join(parts)
    # Each notebook cell is a nest of <div>s of its own, so the parser ends a heading's section
    # with the heading's cell and files the prose cells after it under the page's first entry:
    # without the cell <div>s, a paragraph is found under the heading it follows.
    # nbconvert's heading permalinks (`a.anchor-link`, "¶") are not Material's `a.headerlink`,
    # which the parser leaves out of titles: results read "1. Title¶" otherwise.
    if NOTEBOOK_MARK not in content:
        return content
    return ANCHOR_LINK_RE.sub("", DIV_RE.sub("", content))


def _toc(items) -> list:
    return [[item.id, item.url, _toc(item.children)] for item in items]


def _key(page) -> str:
    meta = {name: page.meta.get(name) for name in ("title", "tags", "search")}
    blob = json.dumps(
        [SEARCHABLE_RULE, metadata.version("mkdocs-material"), bool(search.jieba), page.url,
         page.title, meta, _toc(page.toc), page.content],
        sort_keys=True, default=str,
    )
    return hashlib.sha256(blob.encode()).hexdigest()


def _add_searchable(self, page) -> None:
    """Material's `add_entry_from_context` on the page's `searchable` HTML."""
    content = page.content
    page.content = searchable(content)
    try:
        _original(self, page)
    finally:
        page.content = content


def _cached_add_entry_from_context(self, page) -> None:
    """`SearchIndex.add_entry_from_context`, answered from the cache when the page is unchanged."""
    if _directory is None:
        return _add_searchable(self, page)
    path = _directory / f"{_key(page)}.json"
    if path.is_file():
        self.entries.extend(json.loads(path.read_text(encoding="utf-8")))
        return None
    before = len(self.entries)
    _add_searchable(self, page)
    path.write_text(json.dumps(self.entries[before:]), encoding="utf-8")
    return None


search.SearchIndex.add_entry_from_context = _cached_add_entry_from_context

_original_generate = search.SearchIndex.generate_search_index


def _utf8_search_index(self, prev) -> str:
    """Material's search index, with its characters as UTF-8 rather than `\\u` escapes."""
    data = json.loads(_original_generate(self, prev))
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))


search.SearchIndex.generate_search_index = _utf8_search_index


def on_config(config):
    """The cache lives next to properdocs.yml, in .cache/search/."""
    global _directory
    _directory = Path(config.config_file_path).resolve().parent / ".cache" / "search"
    _directory.mkdir(parents=True, exist_ok=True)
    return config
