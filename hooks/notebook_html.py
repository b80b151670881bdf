"""Fix up the HTML that mkdocs-jupyter renders for a notebook page, one problem per function.

`on_page_content` runs them in order on notebook pages only; each says which upstream behaviour
it works around, so it can go when upstream changes.
"""

from __future__ import annotations

import ast
import html
import logging
import re
import sys
from pathlib import Path
from urllib.parse import unquote

from mkdocs.plugins import event_priority
from mkdocs.structure.pages import _RelativePathTreeprocessor
from mkdocs.structure.toc import get_toc
from mkdocs.utils import get_relative_url

sys.path.insert(0, str(Path(__file__).parent))
import _css  # noqa: E402
import _pages  # noqa: E402

log = logging.getLogger("mkdocs.hooks.notebook_html")

SHARED_CSS = "assets/stylesheets/jupyter.css"
SHARED_JS = "assets/javascripts/jupyter.js"
WRAPPER_OPEN = '<div class="jupyter-wrapper">'
WRAPPER_CLOSE = "</div> <!-- jupyter-wrapper -->"

HEADING_RE = re.compile(r"<h([1-6])(\s[^>]*)?>(.*?)</h\1>", re.S)
ANCHOR_LINK_RE = re.compile(r'<a class="anchor-link" href="[^"]*">(.*?)</a>', re.S)
ID_ATTR_RE = re.compile(r'\sid="[^"]*"')
TAG_RE = re.compile(r"<[^>]+>")
LINK_RE = re.compile(r'(<(?:a|img)\s[^>]*?\b(?:href|src)=")([^"]*)(")', re.S)
ANY_ID_RE = re.compile(r'\sid="([^"]+)"')
STYLE_RE = re.compile(r"<style[^>]*>(.*?)</style>", re.S)
SCRIPT_RE = re.compile(r"<script([^>]*)>(.*?)</script>", re.S)
COMMENT_RE = re.compile(r"<!--.*?-->", re.S)
CLASS_ATTR_RE = _css.CLASS_ATTR_RE
VAR_REF_RE = _css.VAR_REF_RE
# Classes that scripts add after load: Material's (its table wrapper `md-typeset__scrollwrap`)
RUNTIME_CLASS_PREFIXES = ("md-",)

# Collected from the pages, written once per build (same content in every language):
# the notebook CSS and script, the classes and the `var(--x)` used in the notebook pages' HTML.
_shared = {"css": {}, "js": {}, "classes": set(), "vars": set()}


def _dark_theme_css() -> str:
    """mkdocs-jupyter's dark variables, applied when Material's dark scheme (slate) is on."""
    import mkdocs_jupyter

    path = Path(mkdocs_jupyter.__file__).parent / "templates/mkdocs_html/assets/theme-dark.css"
    css = path.read_text(encoding="utf-8")
    return css.replace(".jupyter-wrapper", "[data-md-color-scheme=slate] .jupyter-wrapper")


def fix_heading_ids(content: str, slugify) -> tuple[str, list[dict], set[str]]:
    """Give every heading the id the rest of the site would give it, and return the TOC.

    mkdocs-jupyter slugifies headings with its own ASCII-only `slugify`
    (mkdocs_jupyter/utils.py), so a Japanese heading gets `id=""` and its `¶` link goes
    nowhere, while its TOC (python-markdown's default slugify) points at `#_1`, `#_2`, ...
    that do not exist. Here both come from the `toc` extension's `slugify` in properdocs.yml.
    """
    used = set(ANY_ID_RE.findall(HEADING_RE.sub("", content)))  # ids that are not headings
    tokens: list[dict] = []

    def replace(match: re.Match) -> str:
        level, attrs, inner = int(match.group(1)), match.group(2) or "", match.group(3)
        text = html.unescape(TAG_RE.sub("", ANCHOR_LINK_RE.sub("", inner))).strip()
        base = slugify(text, "-") or "section"
        anchor, n = base, 0
        while anchor in used:
            n += 1
            anchor = f"{base}_{n}"
        used.add(anchor)
        inner = ANCHOR_LINK_RE.sub(
            lambda m: f'<a class="anchor-link" href="#{html.escape(anchor)}">{m.group(1)}</a>',
            inner,
        )
        tokens.append({"level": level, "id": anchor, "name": html.escape(text), "children": []})
        return f'<h{level}{ID_ATTR_RE.sub("", attrs)} id="{html.escape(anchor)}">{inner}</h{level}>'

    content = HEADING_RE.sub(replace, content)
    return content, _nest(tokens), used


def _nest(flat: list[dict]) -> list[dict]:
    root: list[dict] = []
    stack: list[dict] = []
    for token in flat:
        while stack and stack[-1]["level"] >= token["level"]:
            stack.pop()
        (stack[-1]["children"] if stack else root).append(token)
        stack.append(token)
    return root


def check_links(content: str, page, config, files) -> str:
    """Resolve and check the notebook's relative links and images like Markdown pages' ones.

    mkdocs-jupyter hands nbconvert's HTML over as is (danielfrg/mkdocs-jupyter#157): a link to
    `other.ipynb` or `../api.md#x` is not turned into the page URL, and `--strict` never sees a
    broken one. MkDocs' own link processor does both here, with the same warnings (so `--strict`
    fails), and records the anchors for MkDocs' anchor validation.
    """
    processor = _RelativePathTreeprocessor(page.file, files, config)

    def replace(match: re.Match) -> str:
        url = html.unescape(match.group(2))
        base, hash_, fragment = url.partition("#")
        if hash_:  # mistune percent-encodes `#日本語` anchors; ids are not encoded
            url = f"{base}#{unquote(fragment)}"
        return match.group(1) + html.escape(processor.path_to_url(url)) + match.group(3)

    content = LINK_RE.sub(replace, content)
    page.links_to_anchors = processor.links_to_anchors
    page.present_anchor_ids = set(ANY_ID_RE.findall(content))
    return content


def share_assets(content: str, page) -> str:
    """Move the CSS and scripts nbconvert puts around every notebook into shared files.

    mkdocs-jupyter's template (templates/mkdocs_html/notebook.html.j2) inlines JupyterLab's
    ~575 KB stylesheet, the Pygments styles and a clipboard script into each page, plus a
    MathJax loader from `custom_mathjax_url` (nbconvert's cdnjs URL by default, an empty
    `<script src="">` when set to "") and a mermaid loader importing from cdnjs. The styles and
    the clipboard script go to one stylesheet and one script for all pages; the MathJax and
    mermaid loaders are dropped (math is rendered by the site's own KaTeX).
    """
    head, sep, rest = content.partition(WRAPPER_OPEN)
    body, sep2, tail = rest.rpartition(WRAPPER_CLOSE)
    if not sep or not sep2:
        log.warning(
            "Notebook '%s': unexpected HTML from mkdocs-jupyter, assets left inline",
            page.file.src_uri,
        )
        return content
    outside = head + tail
    for css in STYLE_RE.findall(outside):
        css = css.strip()
        if css.startswith("['") and css.endswith("']"):
            # nbconvert2.py appends resources["inlining"]["css"] (a list) formatted with repr()
            css = "\n".join(ast.literal_eval(css))
        _shared["css"].setdefault(css, None)
    for attrs, script in SCRIPT_RE.findall(outside):
        if "src=" in attrs or "mathjax" in attrs or "mermaid" in script:
            continue
        _shared["js"].setdefault(script.strip(), None)
    leftover = COMMENT_RE.sub("", SCRIPT_RE.sub("", STYLE_RE.sub("", outside))).strip()
    if leftover:
        log.warning(
            "Notebook '%s': unexpected HTML around the notebook: %.80r", page.file.src_uri, leftover
        )
    page.uses_notebook_assets = True
    return sep + body + sep2


# Before notebook_exec.py adds its download link (priority -100).
@event_priority(0)
def on_page_content(content, page, config, files):
    if not _pages.is_notebook(page.file):
        return content
    content = share_assets(content, page)
    slugify = config.mdx_configs.get("toc", {}).get("slugify")
    if slugify is not None:
        content, toc, _ = fix_heading_ids(content, slugify)
        page.toc = get_toc(toc)
    content = check_links(content, page, config, files)
    return content


def on_post_page(output, page, config):
    """Link the shared notebook stylesheet (in <head>) and script on notebook pages, and note
    the classes and CSS variables the finished page uses (`prune_css` keeps only their rules)."""
    if not getattr(page, "uses_notebook_assets", False):
        return output
    for match in CLASS_ATTR_RE.finditer(output):
        _shared["classes"].update((match.group(1) or match.group(2) or "").split())
    _shared["vars"].update(VAR_REF_RE.findall(output))
    css = get_relative_url(SHARED_CSS, page.url)
    js = get_relative_url(SHARED_JS, page.url)
    output = output.replace("</head>", f'<link rel="stylesheet" href="{css}">\n</head>', 1)
    return output.replace("</body>", f'<script src="{js}"></script>\n</body>', 1)


def prune_css(css: str, classes: set[str], var_refs: set[str]) -> str:
    """The rules of `css` that can match pages whose elements have only `classes`.

    JupyterLab's stylesheet that mkdocs-jupyter puts around every notebook (index.css, ~575 KB)
    styles the whole JupyterLab application: menus, dialogs, widgets, editors. A static notebook
    page uses ~50 of its classes. A rule is kept when each of its selectors' classes occurs in
    the pages (or is added by Material's scripts: any `md-` class); see `_css.prune_css`.
    """
    return _css.prune_css(css, classes, var_refs, runtime_prefixes=RUNTIME_CLASS_PREFIXES)


def full_css() -> str:
    """Every stylesheet mkdocs-jupyter put around the notebooks, and the dark-scheme variables."""
    return "\n".join([*_shared["css"], _dark_theme_css()])


def _site_var_refs(config) -> set[str]:
    """`var(--x)` used by the site's own stylesheets (extra_css), e.g. `--jp-...` overrides."""
    refs: set[str] = set()
    for path in config.extra_css:
        path = Path(config.site_dir) / str(path)
        if path.suffix == ".css" and path.is_file():
            refs.update(VAR_REF_RE.findall(path.read_text(encoding="utf-8")))
    return refs


def on_post_build(config):
    """Write the shared stylesheet, pruned to what the pages use, and the shared script
    (identical for every language build: the last one has seen the pages of all languages)."""
    if not _shared["css"]:
        return
    site = Path(config.site_dir)
    css = prune_css(
        full_css(),
        _shared["classes"],
        _shared["vars"] | _site_var_refs(config),
    )
    js = "\n".join(_shared["js"]) + "\n"
    for rel, text in ((SHARED_CSS, css), (SHARED_JS, js)):
        target = site / rel
        if not target.is_file() or target.read_text(encoding="utf-8") != text:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8")
