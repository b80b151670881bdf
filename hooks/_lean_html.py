"""Lighter HTML for a notebook page's code cells, drawn the same (used by learning_path.py).

Not a hook itself (the leading underscore keeps it out of `hooks:`). With the plots moved to
files (`_plots.py`), a tutorial page was still 280-360 KB, more than the 250 KB a page may
weigh (issue 9); about 60 % of it was what mkdocs-jupyter writes for each code cell:

- `lean_code`: Pygments' HtmlFormatter wraps every token in a span (`<span class="n">x</span>`),
  also the tokens its style leaves unstyled, and gives tokens that look the same different
  classes (`s2`, `si`, `sa` for the parts of an f-string). The style is nbconvert's
  (`CSSHTMLHeaderPreprocessor.style`, JupyterStyle): an unstyled token loses its span,
  tokens of one look share one class, and same-class neighbours share one span. Punctuation
  and operators lose theirs too (`PLAIN_TOKENS`): they take the code's colour.
- `share_copy_text`: mkdocs-jupyter's `custom_highlight_code` (nbconvert2.py) writes each
  cell's source a second time, escaped, in a hidden `div.clipboard-copy-txt` for its copy
  button, and its template repeats the button's 900-byte SVG icon in every cell. The button
  copies the `<pre>` instead (the clipboard-copy element copies its target's `textContent`:
  the same code) and the icon is drawn once, as an SVG `<symbol>` each button `<use>`s.
- `drop_hidden_wrappers`: nbconvert's empty collapser `<div>`s (two per cell) and the empty
  input prompts of Markdown cells, which mkdocs-jupyter's index.css hides (`display: none`;
  a later rule shows the prompts of code cells, "In [4]:", again); only while it does.

Plain Python, Pygments and nbconvert's style, no MkDocs.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

from pygments.formatters import HtmlFormatter

CODE_RE = re.compile(r'(<div class="highlight-ipynb[^"]*"[^>]*>\s*<pre[^>]*>)(.*?)(</pre>)', re.S)
SPAN_RE = re.compile(r'<span class="([\w-]+)">([^<]*)</span>')
SAME_NEIGHBOURS_RE = re.compile(
    r'<span class="([\w-]+)">([^<]*)</span>(\s*)<span class="\1">([^<]*)</span>'
)
CLASS_NAME_RE = re.compile(r"\.(-?[_a-zA-Z][\w-]*)")
# Punctuation and operators (`(`, `,`, `.`, `=`, `+`) are drawn in the code's own colour, not
# JupyterStyle's: a third of a tutorial page's code markup was their spans (issue 9).
PLAIN_TOKENS = frozenset({"p", "o"})

COPY_CELL_RE = re.compile(
    r'(<clipboard-copy\b[^>]*\sfor="([^"]+)"[^>]*>.*?</clipboard-copy>\s*</div>\s*'
    r'<div class="highlight-ipynb[^"]*"[^>]*>\s*)<pre>(.*?</pre>\s*</div>)\s*'
    r'<div class="clipboard-copy-txt" id="\2">[^<]*</div>\s*',
    re.S,
)
ICON_RE = re.compile(r'(<svg\b[^>]*\sclass="clipboard-copy-icon"[^>]*>)(.*?)(</svg>)', re.S)
ICON_ID = "pl-copy-icon"
NOTEBOOK_OPEN_RE = re.compile(r'<div class="jp-Notebook"[^>]*>')

COLLAPSER_RE = re.compile(r'<div class="jp-Collapser [^"]*">\s*</div>\s*')
MARKDOWN_PROMPT_RE = re.compile(
    r'<div class="jp-InputPrompt jp-InputArea-prompt">\s*</div>(?=<div class="jp-RenderedHTMLCommon '
    r'jp-RenderedMarkdown)'
)
# mkdocs-jupyter's templates/mkdocs_html/assets/index.css, as it hides them.
HIDDEN_RULE = ".jupyter-wrapper .jp-Collapser,.jupyter-wrapper .jp-Cell-inputWrapper .jp-InputPrompt{display:none}"


@lru_cache(maxsize=1)
def token_looks() -> dict[str, tuple[str, str]]:
    """Pygments class -> (the class that stands for its look, the look's CSS declarations).

    Exactly the CSS that nbconvert writes for the notebook pages: `HtmlFormatter(style=
    JupyterStyle).get_style_defs(".highlight-ipynb")` (preprocessors/csshtmlheader.py). A class
    missing here has no rule: its tokens take the code block's colour.
    """
    from nbconvert.preprocessors import CSSHTMLHeaderPreprocessor

    formatter = HtmlFormatter(style=CSSHTMLHeaderPreprocessor().style)
    groups: dict[str, list[str]] = {}
    for cls, (declarations, _ttype, _level) in formatter.class2style.items():
        if cls:  # "" is the block itself
            groups.setdefault(declarations, []).append(cls)
    return {
        cls: (min(classes, key=lambda c: (len(c), c)), declarations)
        for declarations, classes in groups.items()
        for cls in classes
    }


def site_classes(stylesheets: list[Path]) -> frozenset[str]:
    """Every class a site stylesheet names: `lean_code` leaves those tokens as they are, so a
    rule the site adds for one token class (a contrast fix, say) keeps applying."""
    names: set[str] = set()
    for path in stylesheets:
        if path.suffix == ".css" and path.is_file():
            names.update(CLASS_NAME_RE.findall(path.read_text(encoding="utf-8")))
    return frozenset(names)


def _lean_pre(code: str, keep: frozenset[str]) -> str:
    looks = token_looks()

    def one(match: re.Match) -> str:
        cls, text = match.groups()
        if cls in PLAIN_TOKENS:
            return text
        look = looks.get(cls)
        if cls in keep or (look is not None and look[0] in keep):
            return match.group(0)
        if look is None or not text.strip():  # unstyled, or blank (no glyph to colour)
            return text
        return f'<span class="{look[0]}">{text}</span>'

    code = SPAN_RE.sub(one, code)

    def merge(match: re.Match) -> str:
        cls, first, gap, second = match.groups()
        look = looks.get(cls, (cls, ""))[1]
        if gap and ("background" in look or "decoration" in look or "border" in look):
            return match.group(0)  # blanks inside the span would show its background/line
        return f'<span class="{cls}">{first}{gap}{second}</span>'

    while True:  # each pass merges pairs; chains need several
        merged = SAME_NEIGHBOURS_RE.sub(merge, code)
        if merged == code:
            return code
        code = merged


def lean_code(content: str, keep: frozenset[str] = frozenset()) -> str:
    """Fewer spans in every code cell, the same colours (see the module docstring)."""
    return CODE_RE.sub(lambda m: m.group(1) + _lean_pre(m.group(2), keep) + m.group(3), content)


def share_copy_text(content: str) -> str:
    """Copy buttons copy the code's `<pre>`; their icon is one `<symbol>` on the page."""
    content = COPY_CELL_RE.sub(lambda m: f'{m.group(1)}<pre id="{m.group(2)}">{m.group(3)}', content)
    icons = {m.group(2) for m in ICON_RE.finditer(content)}
    notebook = NOTEBOOK_OPEN_RE.search(content)
    if len(icons) != 1 or notebook is None:
        return content  # nothing to share, or icons that differ: leave them
    body = icons.pop()
    content = ICON_RE.sub(lambda m: f'{m.group(1)}<use href="#{ICON_ID}"></use>{m.group(3)}', content)
    # Zero-sized, not display: none, which some browsers also apply to the <use>d copies.
    symbol = (f'<svg aria-hidden="true" width="0" height="0" style="position:absolute">'
              f'<symbol id="{ICON_ID}">{body}</symbol></svg>')
    return content[:notebook.end()] + symbol + content[notebook.end():]


@lru_cache(maxsize=1)
def _wrappers_are_hidden() -> bool:
    import mkdocs_jupyter

    css = Path(mkdocs_jupyter.__file__).parent / "templates/mkdocs_html/assets/index.css"
    return HIDDEN_RULE in css.read_text(encoding="utf-8")


def drop_hidden_wrappers(content: str) -> str:
    """Remove the empty collapsers and Markdown prompts that mkdocs-jupyter's stylesheet hides."""
    if not _wrappers_are_hidden():
        return content
    return MARKDOWN_PROMPT_RE.sub("", COLLAPSER_RE.sub("", content))
