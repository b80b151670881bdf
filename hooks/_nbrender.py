"""Render an executed notebook to HTML with nbconvert's public `HTMLExporter`, using the
template that mkdocs-jupyter ships (`templates/mkdocs_html/notebook.html.j2`) and the options
it passes to nbconvert, so the HTML is the one mkdocs-jupyter would write.

Why not mkdocs-jupyter's own render: it replaces `page.render` with a closure (in its
`on_pre_page`) that converts `page.file.abs_src_path`, the source notebook. Showing the executed
copy through it meant swapping `abs_src_path` for the time of the call; both are internals.
mkdocs-jupyter stays in the build for what it does through its public options: it makes `.ipynb`
files pages and copies each notebook next to its page (`include_source`).

What is taken over from mkdocs_jupyter/nbconvert2.py (`nb2html`, 0.26):
  * the template and its directory (package data of mkdocs-jupyter);
  * `CSSHTMLHeaderPreprocessor` with the highlight class `.highlight-ipynb`;
  * the `highlight_code` filter: Pygments with the classes `highlight-ipynb hl-<language> `,
    followed by a hidden copy of the source for the copy button (`clipboard-copy-txt`);
  * the `clean_html` filter that returns the HTML as it is (jupyter/nbconvert#1894, which
    mkdocs-jupyter installs by changing nbconvert's module-level `default_filters`; here it is
    passed to the exporter);
  * the empty MathJax URL (mkdocs-jupyter's `custom_mathjax_url` default) and the theme "";
  * the inlined CSS appended as `<style>` + repr of the list (notebook_html.py moves it).
Left out, as they change nothing for this site: the user's nbconvert config files (not
reproducible), the disabled execute and tag-remove preprocessors, `SubCell` over all cells.
"""

from __future__ import annotations

import html
import re
from pathlib import Path

import mistune
import mkdocs_jupyter
from nbconvert.exporters import HTMLExporter
from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexers import get_lexer_by_name
from pygments.lexers.special import TextLexer
from pygments.util import ClassNotFound
from traitlets.config import Config

TEMPLATES_DIR = Path(mkdocs_jupyter.__file__).parent / "templates"
TEMPLATE_FILE = "mkdocs_html/notebook.html.j2"
# Part of the rendered pages' cache key (notebook_exec.py): bump when the output changes.
RENDER_VERSION = "1"

H1_RE = re.compile(r"<h1[^>]*>(.*?)</h1>", re.S)
ANCHOR_LINK_RE = re.compile(r'<a class="anchor-link"[^>]*>.*?</a>', re.S)
TAG_RE = re.compile(r"<[^>]+>")


def _highlight_code(kernel_language: str):
    """nbconvert's `highlight_code` filter as mkdocs-jupyter defines it, numbering the cells."""
    count = 0

    def highlight_code(source: str, language: str | None = None, metadata=None) -> str:
        nonlocal count
        count += 1
        language = language or kernel_language
        try:
            lexer = get_lexer_by_name(language)
        except ClassNotFound:
            lexer = TextLexer()
        formatter = HtmlFormatter(cssclass=f"highlight-ipynb hl-{language} ")
        copy = f'<div id="cell-{count}" class="clipboard-copy-txt">{mistune.escape(source)}</div>\n        '
        return highlight(source, lexer, formatter) + copy

    return highlight_code


def _clean_html(element) -> str:
    return element.decode() if isinstance(element, bytes) else str(element)


def render(path: Path) -> tuple[str, str | None]:
    """The HTML of the notebook at `path` (outputs as they are) and its title (first `<h1>`)."""
    import nbformat

    nb = nbformat.read(path, as_version=4)
    config = Config()
    config.CSSHTMLHeaderPreprocessor.enabled = True
    config.CSSHTMLHeaderPreprocessor.highlight_class = ".highlight-ipynb"
    exporter = HTMLExporter(
        config=config,
        template_file=TEMPLATE_FILE,
        extra_template_paths=[str(TEMPLATES_DIR)],
        filters={
            "highlight_code": _highlight_code(nb.metadata.get("kernelspec", {}).get("language", "python")),
            "clean_html": _clean_html,
        },
        theme="",
        mathjax_url="",
    )
    resources = {
        "metadata": {"name": path.stem, "path": str(path.parent)},
        "mkdocs": {"test": "value", "include_requirejs": False},
    }
    content, resources = exporter.from_notebook_node(nb, resources=resources)
    content += f"""
        <style>
        {resources["inlining"]["css"]}
        </style>
        """
    title = None
    if match := H1_RE.search(content):
        title = html.unescape(TAG_RE.sub("", ANCHOR_LINK_RE.sub("", match.group(1)))).strip()
    return content, title
