"""What several hooks ask of a page: is it a notebook, which language is it in, where is its
article (the content Material's `main.html` wraps in `<article class="md-content__inner">`)."""

from __future__ import annotations

import re

# One <article> per page; greedy, so an article element inside the content stays inside.
ARTICLE_RE = re.compile(r'(<article class="md-content__inner[^"]*"[^>]*>)(.*)(</article>)', re.S)


def is_notebook(file) -> bool:
    """The file is a notebook (mkdocs-jupyter makes it a page)."""
    return file.src_uri.endswith(".ipynb")


def language(page) -> str:
    """The page's language: mkdocs-static-i18n's `file.locale`, else its first folder (`ja/...`)."""
    return getattr(page.file, "locale", None) or page.file.src_uri.split("/", 1)[0]
