"""Render the learning-path conventions of a notebook page (see hooks/README.md), one per function.

- `collapse_blocks`: cells tagged `further`, `hint` or `solution` become collapsed `<details>`
  blocks, and the code of `helper` cells is collapsed above its visible output.
- `hide_tag_toolbar`: mkdocs-jupyter's template prints every cell's tags as a toolbar.
- `describe_plots`: the alt text that `pathlearn.plots.show_figure` stores in the output's
  metadata goes on the `<img>`; nbconvert's template ignores it and writes "No description
  has been provided for this image".
- `add_reading_time`: the main path's reading time, computed, next to the run time on top.
- `plot_files` (with `_plots.py`): each plot becomes an image file next to the page, with its
  size and `loading="lazy"`; nbconvert's template inlines it as a base64 `data:` URI.
- `lighter_code_cells` (with `_lean_html.py`): the code cells' markup without what draws
  nothing (unstyled token spans, a second copy of each cell's source, repeated icons).

The last two keep a page's HTML under 250 KB (issue 9: fast on a phone).
"""

from __future__ import annotations

import hashlib
import html
import re
import sys
from pathlib import Path

import nbformat
from mkdocs.plugins import event_priority

sys.path.insert(0, str(Path(__file__).parent))
import _lean_html  # noqa: E402
import _pages  # noqa: E402
import _plots  # noqa: E402
import _tutorial  # noqa: E402

DIV_RE = re.compile(r"<div\b[^>]*>|</div>")
NOTEBOOK_RE = re.compile(r'<div class="jp-Notebook"[^>]*>')
CELLTAG_RE = re.compile(r"\bcelltag_([\w-]+)")
HEADING_RE = re.compile(r"<h([1-6])\b[^>]*>.*?</h\1>", re.S)
TOOLBAR_RE = re.compile(r'<div class="celltoolbar">.*?</span>\s*</div>\s*</div>\s*', re.S)
IMG_RE = re.compile(r'<img\b([^>]*?)\bsrc="data:image/png;base64,([^"]+)"([^>]*)>')
ALT_RE = re.compile(r'\salt="[^"]*"')
INPUT_RE = re.compile(r'<div class="jp-Cell-inputWrapper"')

SUMMARY = {
    "hint": {"ja": "ヒント", "en": "Hint"},
    "solution": {"ja": "解答例", "en": "Worked solution"},
    "helper": {"ja": "表・グラフを描くコード", "en": "Code that draws this"},
}
# Material's admonition types give each kind of block its colour and icon.
KIND_CLASS = {"further": "example", "hint": "tip", "solution": "success", "helper": "note"}
READING_TIME = {
    "ja": "読了目安: 約 {minutes} 分（発展と解答例を除く）",
    "en": "Reading time: about {minutes} min (without the Going further parts and solutions)",
}


def _children(text: str, start: int) -> tuple[list[tuple[int, int]], int]:
    """Spans of the direct child `<div>`s of the div whose open tag ends at `start`, and the
    position of that div's closing tag."""
    depth, spans, opened = 0, [], None
    for match in DIV_RE.finditer(text, start):
        if match.group(0).startswith("</"):
            if depth == 0:
                return spans, match.start()
            depth -= 1
            if depth == 0:
                spans.append((opened, match.end()))
        else:
            if depth == 0:
                opened = match.start()
            depth += 1
    raise ValueError("unbalanced <div>s in the notebook HTML")


def _cell_tags(cell_html: str) -> set[str]:
    head = cell_html.split('class="jp-Cell-outputWrapper"', 1)[0]
    return set(CELLTAG_RE.findall(head)) & set(_tutorial.BLOCK_TAGS)


def _details(kind: str, summary: str, body: str) -> str:
    return (f'<details class="pl-block pl-{kind} {KIND_CLASS[kind]}">'
            f"<summary>{summary}</summary>\n{body}</details>\n")


def _collapse_helper(cell_html: str, lang: str) -> str:
    """Wrap the input (code) part of a helper cell, leaving its output visible."""
    outer, _ = _children(cell_html, cell_html.index(">") + 1)
    for start, end in outer:
        if INPUT_RE.match(cell_html, start):
            wrapper = cell_html[start:end]
            return (cell_html[:start] + _details("helper", SUMMARY["helper"][lang], wrapper)
                    + cell_html[end:])
        if "jp-Cell " in cell_html[start:start + 200]:  # mkdocs-jupyter nests code cells twice
            inner = _collapse_helper(cell_html[start:end], lang)
            return cell_html[:start] + inner + cell_html[end:]
    return cell_html


def collapse_blocks(content: str, lang: str) -> str:
    """Group the tagged cells into `<details>` blocks (hooks/_tutorial.py: `blocks`)."""
    found = NOTEBOOK_RE.search(content)
    if found is None:
        return content
    cells, close = _children(content, found.end())
    out: list[str] = []
    block: tuple[str, list[str]] | None = None

    def flush() -> None:
        nonlocal block
        if block is None:
            return
        kind, parts = block
        body = "".join(parts)
        if kind == "further":
            heading = HEADING_RE.search(body)
            summary = heading.group(0) if heading else _tutorial.FURTHER_TITLE[lang]
            if heading:
                body = body[:heading.start()] + body[heading.end():]
        else:
            summary = SUMMARY[kind][lang]
        out.append(_details(kind, summary, body))
        block = None

    for start, end in cells:
        cell_html = content[start:end]
        tags = _cell_tags(cell_html)
        if "helper" in tags:
            cell_html = _collapse_helper(cell_html, lang)
        kind = next((t for t in _tutorial.OFF_PATH if t in tags), None)
        if kind is None:
            flush()
            out.append(cell_html)
            continue
        if block is None or block[0] != kind or (kind == "further" and _starts_with_heading(cell_html)):
            flush()
            block = (kind, [])
        block[1].append(cell_html)
    flush()
    first = cells[0][0] if cells else found.end()
    return content[:first] + "\n".join(out) + content[close:]


def _starts_with_heading(cell_html: str) -> bool:
    """Whether a markdown cell's rendered text starts with a heading."""
    marker = 'data-mime-type="text/markdown">'
    at = cell_html.find(marker)
    return at >= 0 and cell_html[at + len(marker):].lstrip().startswith("<h")


def hide_tag_toolbar(content: str) -> str:
    """Drop the tag toolbar mkdocs-jupyter renders above every tagged code cell.

    mkdocs-jupyter's templates/mkdocs_html/notebook.html.j2 shows `cell.metadata.tags` as
    `<div class="celltoolbar">`; the tags are instructions to this hook, not reading matter.
    """
    return TOOLBAR_RE.sub("", content)


def _alt_texts(notebook_path: Path) -> dict[str, str]:
    nb = nbformat.read(str(notebook_path), as_version=4)
    texts = {}
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            data = output.get("data", {}).get("image/png")
            alt = output.get("metadata", {}).get("image/png", {}).get("alt")
            if data and alt:
                texts[_digest(data)] = str(alt)
    return texts


def _digest(base64_png: str) -> str:
    return hashlib.sha256("".join(base64_png.split()).encode()).hexdigest()


def describe_plots(content: str, notebook_path: Path) -> str:
    """Put each plot's alt text (from the executed notebook's output metadata) on its `<img>`.

    nbconvert's lab template (templates/lab/base.html.j2, `data_png`) reads width, height and
    background from the output metadata but not `alt`, and `HTMLExporter` then fills in "No
    description has been provided for this image" (nbconvert/exporters/html.py).
    """
    texts = _alt_texts(notebook_path)

    def replace(match: re.Match) -> str:
        alt = texts.get(_digest(html.unescape(match.group(2))))
        if alt is None:
            return match.group(0)
        before, after = ALT_RE.sub("", match.group(1)), ALT_RE.sub("", match.group(3))
        return (f'<img{before}alt="{html.escape(alt)}" src="data:image/png;base64,'
                f'{match.group(2)}"{after}>')

    return IMG_RE.sub(replace, content)


def _plot_cache(config) -> Path:
    return Path(config.config_file_path).resolve().parent / ".cache" / "plots"


_evicted: set[Path] = set()


def plot_files(content: str, page, config) -> str:
    """Move each inlined PNG plot into a file next to the page (`_plots.py`).

    nbconvert's lab template (templates/lab/base.html.j2, `data_png`) writes every PNG output
    as `<img src="data:image/png;base64,...">` and mkdocs-jupyter has no option to extract
    outputs: a tutorial page was 0.3-1 MB of HTML. The page's rendered HTML is cached by
    notebook_exec.py with the base64 in it, so this runs on every build; the files are written
    by `on_post_page`, into whichever site directory this build (or `mkdocs serve`) writes.
    """
    cache = _plot_cache(config)
    if cache not in _evicted:  # once a process: `mkdocs serve` keeps the module between builds
        _plots.evict(cache)
        _evicted.add(cache)
    content, plots = _plots.extract(content, cache)
    page.plot_files = plots
    return content


def lighter_code_cells(content: str, config) -> str:
    """The code cells' HTML without the markup that draws nothing (`_lean_html.py`).

    Works around mkdocs-jupyter's `custom_highlight_code` (nbconvert2.py: every cell's source
    twice, once hidden for the copy button), its template (the copy icon's SVG in every cell),
    Pygments' HtmlFormatter (a span per token, styled or not) and nbconvert's empty collapser
    and Markdown prompt `<div>`s that mkdocs-jupyter's CSS hides. Token classes that the site's own
    stylesheets name stay as they are.
    """
    keep = _lean_html.site_classes([Path(config.docs_dir) / css for css in config.extra_css])
    content = _lean_html.lean_code(content, keep)
    content = _lean_html.share_copy_text(content)
    return _lean_html.drop_hidden_wrappers(content)


def add_reading_time(content: str, page) -> str:
    """The main path's reading time (hooks/_tutorial.py: `main_path`) in the meta line on top."""
    lang = _pages.language(page)
    nb = _tutorial.read(page.file.abs_src_path)
    minutes = _tutorial.main_path(nb, lang).minutes
    note = (f'<span class="pl-reading-time" data-minutes="{minutes}">'
            f"{READING_TIME.get(lang, READING_TIME['en']).format(minutes=minutes)}</span>")
    head, sep, rest = content.partition('<p class="pl-notebook-meta">')
    if not sep:
        return content
    return head + sep + note + rest


# Last: after notebook_html.py (priority 0) gave the headings their ids and built the TOC (a
# "Going further" heading keeps its id inside its block's <summary>), and after notebook_exec.py
# (priority -100) put the meta line with the run time on top.
@event_priority(-110)
def on_page_content(content, page, config, files):
    if not _pages.is_notebook(page.file):
        return content
    lang = _pages.language(page)
    content = collapse_blocks(content, lang)
    content = hide_tag_toolbar(content)
    executed = getattr(page, "executed_notebook", None)
    if executed is not None:
        content = describe_plots(content, executed.path)  # finds the plots by their PNG
        content = add_reading_time(content, page)
    content = lighter_code_cells(content, config)
    return plot_files(content, page, config)


def on_post_page(output, page, config):
    """Write the plot files that `plot_files` took out of this page next to its HTML."""
    plots = getattr(page, "plot_files", None)
    if plots:
        _plots.write(plots, Path(config.site_dir) / Path(page.file.dest_path).parent)
    return output
