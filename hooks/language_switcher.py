"""Point the language switcher of every page at the same page in the other language.

mkdocs-static-i18n sets the links from each file's `alternates`, which it computes for Markdown
pages only (notebooks get theirs from i18n_notebooks.py, ultrabug/mkdocs-static-i18n#198), and
leaves the home pages with absolute links built from `site_url` (`/pathlearn/en/`), which lead
nowhere when the site is served anywhere else (a local preview, the browser tests; see also
ultrabug/mkdocs-static-i18n#261). Here every page links to the other language's URL of the
same page, relative to the current page (Material's `url` filter makes it so), whatever the
file type, and a page with no twin is a warning (i18n_pairs.py normally catches it first).
"""

from __future__ import annotations

import logging
import os
import re
from copy import deepcopy

from mkdocs.plugins import event_priority

log = logging.getLogger("mkdocs.hooks.language_switcher")


def _path_in_language(url: str, languages: list[str]) -> str:
    """'tutorials/x/' for 'en/tutorials/x/' and for 'tutorials/x/' (default language)."""
    url = "" if url in (".", "./") else url
    head, _, rest = url.partition("/")
    return rest if head in languages else url


def on_pre_build(config):
    """Drop the attribute left by the previous build's last page, so that templates rendered
    before the pages (404.html) see the links i18n reset in on_config (its home pages)."""
    vars(config.extra).pop("alternate", None)


# After mkdocs-static-i18n's on_page_context (priority 50), which sets the links it knows.
@event_priority(0)
def on_page_context(context, page, config, nav):
    """Rewrite `extra.alternate` for this page: same page, other language."""
    i18n = config.plugins["i18n"]
    if not i18n.extra_alternate or not hasattr(page.file, "locale"):
        return context
    languages = [lang.locale for lang in i18n.config.languages if lang.build]
    default = i18n.default_language
    own = page.file.src_uri.split("/", 1)[0]
    rest = page.file.src_uri[len(own) + 1 :]
    path = _path_in_language(page.file.url, languages)
    alternates = []
    for alternate in deepcopy(i18n.extra_alternate):
        lang = alternate["lang"]
        if not os.path.exists(os.path.join(config.docs_dir, lang, rest)):
            log.warning(
                "Page '%s' has no '%s' version for the language switcher", page.file.src_uri, lang
            )
            continue
        alternate["link"] = (path if lang == default else f"{lang}/{path}") or "./"
        alternates.append(alternate)
    # i18n assigns `config.extra.alternate` as an attribute, which Jinja reads before the item
    config.extra["alternate"] = alternates
    config.extra.alternate = alternates
    return context


HEAD_ALTERNATE_RE = re.compile(r'[ \t]*<link rel="alternate" href="[^"]*" hreflang="[^"]*">\n?')


def on_post_page(output, page, config):
    """Drop the `<link rel="alternate" hreflang>` tags Material writes into <head>.

    Material's language selector script fetches `sitemap.xml` next to each of them, expecting
    language roots (squidfunk/mkdocs-material, assets/javascripts: `link[rel=alternate]` ->
    `new URL("sitemap.xml", href)`); with per-page links, i18n's and ours, every fetch is a 404
    in the console. The selector's links are exact already, so the script has nothing to add;
    sitemap.xml keeps the hreflang alternates for search engines.
    """
    return HEAD_ALTERNATE_RE.sub("", output)


def on_post_template(output_content, template_name, config):
    """The same for 404.html, a static template that on_post_page does not see: its head
    alternates sent Material to /pathlearn/en/sitemap.xml (a 404 in the console, Lighthouse's
    errors-in-console) and are root-relative (Lighthouse's hreflang audit wants absolute URLs)."""
    return HEAD_ALTERNATE_RE.sub("", output_content) if template_name == "404.html" else output_content
