"""Keep Material's search entries of each page between builds (in .cache/search/).

Not an upstream bug, a cost: Material's search plugin parses every page's HTML with Python's
`html.parser` on every build. The tutorial pages are several hundred KB each (their plots are
inlined as base64 PNGs), so on a 2-core machine that parse is the largest part of a rebuild in
which nothing changed. The entries of a page depend only on the inputs hashed below, so an
unchanged page reuses the entries from the last build. Delete this hook to parse every time.
"""

from __future__ import annotations

import hashlib
import json
from importlib import metadata
from pathlib import Path

from material.plugins.search import plugin as search

_original = search.SearchIndex.add_entry_from_context
_directory: Path | None = None


def _toc(items) -> list:
    return [[item.id, item.url, _toc(item.children)] for item in items]


def _key(page) -> str:
    meta = {name: page.meta.get(name) for name in ("title", "tags", "search")}
    blob = json.dumps(
        [metadata.version("mkdocs-material"), bool(search.jieba), page.url, page.title, meta,
         _toc(page.toc), page.content],
        sort_keys=True, default=str,
    )
    return hashlib.sha256(blob.encode()).hexdigest()


def _cached_add_entry_from_context(self, page) -> None:
    """`SearchIndex.add_entry_from_context`, answered from the cache when the page is unchanged."""
    if _directory is None:
        return _original(self, page)
    path = _directory / f"{_key(page)}.json"
    if path.is_file():
        self.entries.extend(json.loads(path.read_text(encoding="utf-8")))
        return None
    before = len(self.entries)
    _original(self, page)
    path.write_text(json.dumps(self.entries[before:]), encoding="utf-8")
    return None


search.SearchIndex.add_entry_from_context = _cached_add_entry_from_context


def on_config(config):
    """The cache lives next to mkdocs.yml, in .cache/search/."""
    global _directory
    _directory = Path(config.config_file_path).resolve().parent / ".cache" / "search"
    _directory.mkdir(parents=True, exist_ok=True)
    return config
