"""Make notebooks pages again after mkdocs-static-i18n rebuilt the file list.

Works around ultrabug/mkdocs-static-i18n#198 ("Incompatible with mkdocs-jupyter plugin"):
mkdocs-jupyter claims `*.ipynb` as pages in its `on_files` (priority 0) by wrapping them, then
mkdocs-static-i18n's `on_files` (priority -100) recreates every file as a plain `File`, for which
`.ipynb` is not Markdown, so each notebook is copied to the site as a raw download, with no
error. As i18n took them for assets, it also gave them no alternates (language switcher,
sitemap.xml hreflang) and left them out of its sitemap. Drop this hook once #198 is fixed.
"""

from __future__ import annotations

import os
import posixpath

from mkdocs.plugins import event_priority
from mkdocs.structure.files import File
from mkdocs_static_i18n.folder import create_i18n_file


class NotebookPage(File):
    """A notebook that MkDocs treats as a documentation page (rendered by mkdocs-jupyter)."""

    def is_documentation_page(self) -> bool:
        return True


def _page_dest_uri(asset_dest_uri: str, use_directory_urls: bool) -> str:
    """Where i18n put the notebook as an asset -> where the page goes:
    `[en/]tutorials/x.ipynb` -> `[en/]tutorials/x/index.html`."""
    parent, name = posixpath.split(asset_dest_uri)
    stem = posixpath.splitext(name)[0]
    if stem in ("index", "README"):
        return posixpath.join(parent, "index.html")
    if use_directory_urls:
        return posixpath.join(parent, stem, "index.html")
    return posixpath.join(parent, stem + ".html")


def _as_page(file: File, config) -> NotebookPage:
    """The same file (i18n's attributes included) as a page at i18n's location."""
    page = NotebookPage.__new__(NotebookPage)
    page.__dict__.update(file.__dict__)
    page.dest_uri = _page_dest_uri(file.dest_uri, config.use_directory_urls)
    page.abs_dest_path = os.path.normpath(os.path.join(config.site_dir, page.dest_uri))
    page.url = page._get_url(config.use_directory_urls)
    return page


def _add_alternates(page: NotebookPage, i18n, config) -> None:
    """The other languages' versions of the notebook, located as i18n locates pages."""
    own = page.src_uri.split("/", 1)[0]
    rest = page.src_uri[len(own) + 1 :]
    for lang in i18n.build_languages:
        src = f"{lang}/{rest}"
        if lang == own or not os.path.isfile(os.path.join(config.docs_dir, src)):
            continue
        other = File(src, config.docs_dir, config.site_dir, config.use_directory_urls)
        other = create_i18n_file(other, lang, i18n.default_language, i18n.all_languages, config)
        page.alternates[lang] = _as_page(other, config)


# After mkdocs-static-i18n's on_files (priority -100).
@event_priority(-110)
def on_files(files, config):
    """Turn the notebooks i18n kept for this language back into pages, with alternates."""
    jupyter = config.plugins.get("mkdocs-jupyter")
    i18n = config.plugins["i18n"]
    for file in list(files):
        if not file.src_uri.endswith(".ipynb") or file.is_documentation_page():
            continue
        if jupyter is not None and not jupyter.should_include(file):
            continue
        page = _as_page(file, config)
        page.alternates = {i18n.current_language: page}
        _add_alternates(page, i18n, config)
        files.remove(file)
        files.append(page)
    # i18n's sitemap.xml lists what it saw as pages in its own on_files
    i18n.i18n_files_per_language[i18n.current_language] = files.documentation_pages()
    return files
