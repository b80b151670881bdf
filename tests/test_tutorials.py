"""The learning path: each tutorial's shape (hooks/_tutorial.py), how the site renders it
(hooks/learning_path.py), and the Japanese terms of the glossary.

The shape checks read the notebooks only and run in a moment; the rendering checks use the
built site (the `site` fixture).
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import nbformat
import pytest
from conftest import LANGUAGES, ROOT, read_page

sys.path.insert(0, str(ROOT / "hooks"))
import _lean_html  # noqa: E402
import _plots  # noqa: E402
import _tutorial  # noqa: E402

DOCS = ROOT / "docs"
NB = nbformat.v4
NAMES = sorted(p.name for p in (DOCS / "ja" / "tutorials").glob("*.ipynb"))
DEFAULT_ALT = "No description has been provided for this image"
CJK_RE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")
KATAKANA = "\u30a0-\u30ff"
SEED_POST = "recruit.gmo.jp/engineer/jisedai/blog"


def notebook(lang: str, name: str) -> nbformat.NotebookNode:
    return _tutorial.read(DOCS / lang / "tutorials" / name)


def page_path(site, lang: str, rel: str) -> Path:
    return site.site_dir / rel if lang == "ja" else site.site_dir / lang / rel


# --------------------------------------------------------------------------- counting


def test_prose_leaves_out_code_math_links_and_markup():
    text = ("## Title\n\nSome `code()` and $x^2$ with [a link](https://x.org/a) and <b>bold</b>.\n\n"
            "```python\nignored words\n```\n\n$$\ny = 1\n$$")
    assert _tutorial.prose_size(text, "en") == 8  # Title Some and with a link and bold
    assert _tutorial.prose_size("学習率（`lr`）を $10^{-3}$ にする", "ja") == len("学習率（）をにする")


def test_reading_time_counts_prose_and_main_path_code_cells():
    words = " ".join(["word"] * 400)  # 2 minutes at 200 words a minute
    nb = NB.new_notebook(cells=[
        NB.new_markdown_cell(words),
        NB.new_code_cell("x = 1"), NB.new_code_cell("y = 2"),  # 2 x 30 s
        NB.new_markdown_cell(words, metadata={"tags": ["further"]}),  # collapsed: not counted
        NB.new_code_cell("z = 3", metadata={"tags": ["solution"]}),
    ])
    path = _tutorial.main_path(nb, "en")
    assert (path.prose, path.code_cells, path.minutes) == (400, 2, 3)


def test_blocks_group_consecutive_cells_and_split_further_at_headings():
    nb = NB.new_notebook(cells=[
        NB.new_markdown_cell("# 1. T"),
        NB.new_markdown_cell("### Going further: a", metadata={"tags": ["further"]}),
        NB.new_code_cell("a = 1", metadata={"tags": ["further"]}),
        NB.new_markdown_cell("### Going further: b", metadata={"tags": ["further"]}),
        NB.new_markdown_cell("hint", metadata={"tags": ["hint"]}),
        NB.new_markdown_cell("why", metadata={"tags": ["solution"]}),
        NB.new_code_cell("b = 2", metadata={"tags": ["solution"]}),
    ])
    assert _tutorial.blocks(nb) == [("further", [1, 2]), ("further", [3]), ("hint", [4]),
                                    ("solution", [5, 6])]


def _exercise(n: int, hint: bool = True, code: bool = True) -> list:
    cells = [NB.new_markdown_cell(f"### Exercise {n} (★★): do it")]
    if hint:
        cells.append(NB.new_markdown_cell("try this", metadata={"tags": ["hint"]}))
    cells.append(NB.new_code_cell("print(1)", metadata={"tags": ["solution"]}) if code
                 else NB.new_markdown_cell("words", metadata={"tags": ["solution"]}))
    return cells


def _page(*exercises) -> nbformat.NotebookNode:
    cells = [NB.new_markdown_cell("# 1. Title"), NB.new_markdown_cell("## Exercises")]
    for cells_of_one in exercises:
        cells += cells_of_one
    cells.append(NB.new_markdown_cell("## References\n\n- [post](https://example.org/)"))
    return NB.new_notebook(cells=cells)


def test_a_well_formed_page_has_no_problems():
    assert _tutorial.problems(_page(*(_exercise(n) for n in range(1, 5))), "en") == []


@pytest.mark.parametrize("broken, expected", [
    (_page(*(_exercise(n) for n in range(1, 4))), "3 exercises"),
    (_page(*(_exercise(n, hint=n != 2) for n in range(1, 5))), "exercise 2: the next cell must be its hint"),
    (_page(*(_exercise(n, code=n != 3) for n in range(1, 5))), "needs a code cell"),
    (_page(*(_exercise(n) for n in (1, 2, 4, 5))), "numbered"),
])
def test_problems_name_what_is_missing(broken, expected):
    assert any(expected in p for p in _tutorial.problems(broken, "en")), _tutorial.problems(broken, "en")


def test_a_long_main_path_and_a_long_cell_are_problems():
    nb = _page(*(_exercise(n) for n in range(1, 5)))
    nb.cells.insert(1, NB.new_markdown_cell(" ".join(["word"] * 1801)))
    nb.cells.insert(2, NB.new_code_cell("\n".join(f"x{i} = {i}" for i in range(41))))
    found = _tutorial.problems(nb, "en")
    assert any("words of prose" in p for p in found) and any("41 lines" in p for p in found), found


# --------------------------------------------------------------------------- the tutorials


def test_the_path_has_a_basics_tutorial_first():
    assert NAMES and NAMES[0].startswith("00-"), NAMES


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("name", NAMES)
def test_tutorial_keeps_the_shape_of_the_path(lang, name):
    """Main path within bounds, exercises with hints and solutions, references last."""
    assert _tutorial.problems(notebook(lang, name), lang) == []


@pytest.mark.parametrize("name", NAMES)
def test_tutorial_pair_has_the_same_blocks_and_exercises(name):
    ja, en = notebook("ja", name), notebook("en", name)
    code_tags = [[sorted(_tutorial.tags(c)) for c in nb.cells if c.cell_type == "code"] for nb in (ja, en)]
    assert code_tags[0] == code_tags[1], "the code cells of the two languages are tagged differently"
    assert [k for k, _ in _tutorial.blocks(ja)] == [k for k, _ in _tutorial.blocks(en)]
    assert [e[1:] for e in _tutorial.exercises(ja, "ja")] == [e[1:] for e in _tutorial.exercises(en, "en")]


INSTALL_RE = re.compile(
    r"try:\n    import pathlearn  # noqa: F401\nexcept ImportError:\n"
    r'    %pip install -q "pathlearn\[notebooks\]==(?P<version>[^"]+)"\Z'
)


def pyproject_version() -> str:
    return re.search(r'^version = "([^"]+)"', (ROOT / "pyproject.toml").read_text("utf-8"), re.M).group(1)


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("name", NAMES)
def test_first_code_cell_installs_the_released_pathlearn_where_it_is_missing(lang, name):
    """Colab (the page's "Open in Colab" link) has no pathlearn: the first code cell installs it,
    at the version in pyproject.toml (a release bump cannot leave a stale pin), and does nothing
    where pathlearn imports. Comments above the `try:` may differ between the languages."""
    cell = next(c for c in notebook(lang, name).cells if c.cell_type == "code")
    code = "\n".join(line for line in cell.source.splitlines() if not line.startswith("#"))
    found = INSTALL_RE.match(code)
    assert found, f"the first code cell is not the install cell:\n{cell.source}"
    assert found["version"] == pyproject_version()
    assert not _tutorial.tags(cell), "the install cell is on the main path, untagged"
    from IPython.core.inputtransformer2 import TransformerManager

    python = TransformerManager().transform_cell(cell.source)  # what the kernel runs
    assert "run_line_magic('pip', 'install -q" in python
    compile(python, f"{lang}/{name}: install cell", "exec")  # the magic inside `except` is valid


def test_the_install_cell_does_not_make_a_notebook_depend_on_the_whole_package():
    import _nbexec

    cell = "try:\n    import pathlearn.errors\nexcept ImportError:\n    %pip install -q \"pathlearn[notebooks]==1\"\n"
    package = ROOT / "pathlearn"
    files = _nbexec.dependency_files(NB.new_notebook(cells=[NB.new_code_cell(cell)]), package)
    assert package / "errors.py" in files and package / "cli.py" not in files
    shell = NB.new_notebook(cells=[NB.new_code_cell("!pathlearn gan --help")])
    assert package / "cli.py" in _nbexec.dependency_files(shell, package)


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("name", NAMES)
def test_tutorial_cites_the_seed_post(lang, name):
    references = [c for c in notebook(lang, name).cells if c.cell_type == "markdown"][-1].source
    assert SEED_POST in references


# --------------------------------------------------------------------------- the built pages


def _notebook_pages(site):
    for lang in LANGUAGES:
        for name in NAMES:
            yield lang, name, page_path(site, lang, f"tutorials/{Path(name).stem}/index.html")
        yield lang, "results.ipynb", page_path(site, lang, "results/index.html")


@pytest.mark.site
def test_pages_show_the_computed_reading_time(site):
    for lang in LANGUAGES:
        for name in NAMES:
            html = page_path(site, lang, f"tutorials/{Path(name).stem}/index.html").read_text("utf-8")
            shown = re.findall(r'class="pl-reading-time" data-minutes="(\d+)"', html)
            expected = _tutorial.main_path(notebook(lang, name), lang).minutes
            assert shown == [str(expected)], (lang, name, shown)
            assert expected <= _tutorial.MAX_MINUTES


@pytest.mark.site
def test_every_plot_has_a_description_in_the_page_language(site):
    for lang, name, path in _notebook_pages(site):
        html = read_page(path)
        images = re.findall(r"<img\b[^>]*>", html.split('<div class="jupyter-wrapper">', 1)[-1])
        assert images, f"{lang}/{name}: no plot"
        for tag in images:
            alt = re.search(r'\salt="([^"]*)"', tag)
            text = alt.group(1).strip() if alt else ""
            assert text and DEFAULT_ALT not in text, f"{lang}/{name}: a plot without a description"
            assert bool(CJK_RE.search(text)) == (lang == "ja"), f"{lang}/{name}: alt {text!r}"


@pytest.mark.site
def test_collapsed_blocks_are_rendered_and_solutions_show_their_output(site):
    for lang, name, path in _notebook_pages(site):
        html = read_page(path)
        source = _tutorial.read(DOCS / lang / ("tutorials/" + name if name != "results.ipynb" else name))
        for kind in _tutorial.OFF_PATH:
            expected = sum(1 for k, _ in _tutorial.blocks(source) if k == kind)
            rendered = html.count(f'<details class="pl-block pl-{kind} ')
            assert rendered == expected, f"{lang}/{name}: {rendered} {kind} blocks, {expected} in the notebook"
        helpers = sum(1 for c in source.cells if "helper" in _tutorial.tags(c))
        assert html.count('<details class="pl-block pl-helper ') == helpers
        assert '<div class="celltoolbar">' not in html
        for block in re.findall(r'<details class="pl-block pl-solution .*?</details>', html, re.S):
            assert "jp-OutputArea-output" in block, f"{lang}/{name}: a worked solution shows no output"


# --------------------------------------------------------------------------- lighter pages

# Every token kind the tutorials use, an f-string with a format spec and nested quotes included.
SAMPLE_CODE = (
    "import torch\nfrom torch import nn  # a comment\n\n\n"
    "def step(x: torch.Tensor, lr=1e-3) -> float:\n"
    "    \"\"\"Docstring.\"\"\"\n"
    "    y = (x ** 2).sum() / len(x) if x is not None else 0x1F\n"
    "    print(f\"{y.item():.4g} is {'big' if y > 1 else 'small'}\\n\", end='')\n"
    "    return [i for i in range(3) if i not in {1, 2}][0] + True\n"
)


def _looks(code_html: str, plain: frozenset[str] = frozenset()) -> list[tuple[str, str]]:
    """(character, the CSS declarations that colour it) for each visible character of a
    highlighted `<pre>`, from nbconvert's Pygments style (what the site's stylesheet holds);
    the token classes in `plain` are drawn in the code's own colour."""
    import html

    looks = _lean_html.token_looks()
    out = []
    for match in re.finditer(r'<span class="([\w-]+)">([^<]*)</span>|<span></span>|([^<]+)', code_html):
        cls, inside, outside = match.groups()
        text = html.unescape(inside if cls else outside or "")
        look = looks.get(cls, ("", ""))[1] if cls and cls not in plain else ""
        out.extend((ch, look) for ch in text if not ch.isspace())
    return out


def _highlighted(source: str) -> str:
    """A code cell as mkdocs-jupyter highlights it (nbconvert2.py `custom_highlight_code`)."""
    from pygments import highlight
    from pygments.formatters import HtmlFormatter
    from pygments.lexers import PythonLexer

    return highlight(source, PythonLexer(), HtmlFormatter(cssclass="highlight-ipynb hl-python"))


def test_lighter_code_cells_draw_the_same_characters_in_the_same_colours():
    import html

    before = _highlighted(SAMPLE_CODE)
    after = _lean_html.lean_code(before)
    text = [html.unescape(re.sub(r"<[^>]+>", "", h)) for h in (before, after)]
    assert text[1] == text[0] and text[0].strip() == SAMPLE_CODE.strip()  # whitespace too
    # the same colours, but punctuation and operators in the code's own (PLAIN_TOKENS)
    assert _looks(after) == _looks(before, plain=_lean_html.PLAIN_TOKENS)
    assert _looks(before, plain=_lean_html.PLAIN_TOKENS) != _looks(before)  # the sample has them
    assert len(after) < 0.75 * len(before), (len(before), len(after))
    # the lean markup is what the code's own stylesheet styles: no span of an unstyled class
    assert set(re.findall(r'<span class="([\w-]+)">', after)) <= set(_lean_html.token_looks())


def test_token_classes_named_by_the_site_stylesheets_stay():
    before = _highlighted('print(f"{x}")\n')
    assert '<span class="si">' in before
    assert '<span class="si">' not in _lean_html.lean_code(before)
    assert '<span class="si">' in _lean_html.lean_code(before, keep=frozenset({"si"}))
    # a class the site styles is not a target either: "s2" would otherwise become "s"
    assert '<span class="s2">' in _lean_html.lean_code(before, keep=frozenset({"s"}))


@pytest.mark.site
def test_copy_buttons_copy_each_code_cell(site):
    """The copy button of each code cell targets that cell's `<pre>` (the second, hidden copy
    of the source is gone), whose text is the cell's source."""
    import html

    for lang, name, path in _notebook_pages(site):
        page = read_page(path)
        assert "clipboard-copy-txt" not in page, f"{lang}/{name}: second copy of the code"
        targets = re.findall(r'<clipboard-copy\b[^>]*\sfor="([^"]+)"', page)
        texts = []
        for target in targets:
            pre = re.search(rf'<pre id="{re.escape(target)}">(.*?)</pre>', page, re.S)
            assert pre, f"{lang}/{name}: the copy button for {target} has no <pre>"
            texts.append(html.unescape(re.sub(r"<[^>]+>", "", pre.group(1))).rstrip("\n"))
        source = _tutorial.read(DOCS / lang / ("tutorials/" + name if name != "results.ipynb" else name))
        cells = [c.source.rstrip("\n") for c in source.cells if c.cell_type == "code"]
        assert texts == cells, f"{lang}/{name}: copied text differs from the cells' source"
        # one icon, drawn once and used by every button
        assert page.count('<symbol id="pl-copy-icon">') == 1
        assert page.count('<use href="#pl-copy-icon">') == len(targets)


@pytest.mark.site
def test_search_index_holds_the_prose_not_the_code(site):
    """hooks/search_cache.py: the notebook pages' code cells and outputs stay out of the index,
    every heading keeps its entry, a paragraph is filed under the heading it follows (not all
    in the page's first entry), and the file is UTF-8, not ASCII with `\\u` escapes."""
    import json

    raw = (site.site_dir / "search" / "search_index.json").read_text("utf-8")
    docs = json.loads(raw)["docs"]
    assert not re.search(r"\\u[3-9a-f][0-9a-f]{3}", raw), "characters written as \\u escapes"
    for lang, name, path in _notebook_pages(site):
        url = path.parent.relative_to(site.site_dir).as_posix() + "/"
        entries = [d for d in docs if d["location"].split("#")[0] == url]
        text = " ".join(d["title"] + " " + d["text"] for d in entries)
        assert "Copied!" not in text and "In [" not in text, f"{lang}/{name}: code cells indexed"
        top = [d for d in entries if d["location"] == url]
        assert len(top) == 1 and len(top[0]["text"]) < 500, f"{lang}/{name}: prose left in the top entry"
        anchors = set(re.findall(r'<h[1-6] id="([^"]+)"', read_page(path)))
        indexed = {d["location"].split("#", 1)[1] for d in entries if "#" in d["location"]}
        assert anchors and anchors <= indexed, f"{lang}/{name}: headings without an entry: {anchors - indexed}"
        assert all("¶" not in d["title"] for d in entries), f"{lang}/{name}: permalink sign in a title"


def test_plot_files_keep_every_pixel_and_the_transparency_they_have():
    import base64
    import io

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from PIL import Image

    from pathlearn.plots import figure_png

    fig, ax = plt.subplots(figsize=(3, 2))
    ax.plot([0, 1, 4], label="loss")
    ax.legend()
    png = figure_png(fig)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", transparent=True)
    transparent = buffer.getvalue()
    plt.close(fig)

    plot = _plots.convert(png, cache_dir=None)
    assert plot.name.endswith(".webp") and len(plot.data) < len(png)
    with Image.open(io.BytesIO(png)) as a, Image.open(io.BytesIO(plot.data)) as b:
        assert a.convert("RGBA").tobytes() == b.convert("RGBA").tobytes()  # lossless
        assert (plot.width, plot.height) == a.size
    with Image.open(io.BytesIO(_plots.convert(transparent, None).data)) as c:
        assert c.convert("RGBA").getpixel((0, 0))[3] == 0  # left for the site test to catch
    inline = base64.b64encode(png).decode()
    page, plots = _plots.extract(f'<img alt="a plot" src="data:image/png;base64,{inline}"/>', None)
    assert plots == [plot]
    assert page == (f'<img alt="a plot" src="{plot.name}" width="{plot.width}" height="{plot.height}"'
                    ' loading="lazy" decoding="async">')


def test_a_damaged_cached_plot_is_encoded_again_and_unused_ones_go(tmp_path):
    import io
    import os
    import time

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), "white").save(buffer, format="PNG")
    png = buffer.getvalue()
    plot = _plots.convert(png, tmp_path)
    [cached] = list(tmp_path.iterdir())
    assert _plots.convert(png, tmp_path) == plot  # from the cache
    cached.write_bytes(cached.read_bytes()[:20])  # cut short
    assert _plots.convert(png, tmp_path) == plot  # noticed and encoded again
    assert cached.read_bytes() == plot.data
    month_ago = time.time() - 31 * 86400
    os.utime(cached, (month_ago, month_ago))
    assert _plots.evict(tmp_path) == [cached] and not cached.exists()


# --------------------------------------------------------------------------- terminology


def glossary_variants() -> dict[str, str]:
    """Variant -> preferred term, from the 「使わない表記」 column of the Japanese glossary."""
    rows = re.findall(r"^\|(.+)\|\s*$", (DOCS / "ja" / "glossary.md").read_text("utf-8"), re.M)
    header = [c.strip() for c in rows[0].split("|")]
    term, avoid = header.index("用語"), header.index("使わない表記")
    out = {}
    for row in rows[2:]:
        cells = [c.strip() for c in row.split("|")]
        for variant in filter(None, (v.strip() for v in cells[avoid].split("、"))):
            out[variant] = cells[term]
    return out


def variant_pattern(variant: str) -> re.Pattern:
    """A katakana variant must not be part of a longer katakana word (ネット in ネットワーク is
    fine); an ASCII one is a whole word; anything else matches anywhere."""
    pattern = re.escape(variant)
    if re.match(f"[{KATAKANA}]", variant):
        pattern = f"(?<![{KATAKANA}]){pattern}"
    if re.search(f"[{KATAKANA}]$", variant):
        pattern = f"{pattern}(?![{KATAKANA}])"
    if variant.isascii():
        pattern = rf"\b{pattern}\b"
    return re.compile(pattern, re.I if variant.isascii() else 0)


def japanese_prose() -> list[tuple[str, str]]:
    """(where, prose) of every Japanese page but the glossary: Markdown pages and the markdown
    cells of every notebook, collapsed parts included."""
    out = []
    for path in sorted((DOCS / "ja").rglob("*.md")):
        if path.name != "glossary.md":
            out.append((str(path.relative_to(DOCS)), _tutorial.prose(path.read_text("utf-8"))))
    for path in sorted((DOCS / "ja").rglob("*.ipynb")):
        for i, cell in enumerate(_tutorial.read(path).cells):
            if cell.cell_type == "markdown":
                out.append((f"{path.relative_to(DOCS)} cell {i}", _tutorial.prose(cell.source)))
    return out


def test_glossary_has_at_least_30_terms_in_both_languages():
    def terms(lang):
        rows = re.findall(r"^\|(.+)\|\s*$", (DOCS / lang / "glossary.md").read_text("utf-8"), re.M)
        return [[c.strip() for c in r.split("|")] for r in rows[2:]]

    ja, en = terms("ja"), terms("en")
    assert len(ja) >= 30
    assert [row[0] for row in ja] == [row[1] for row in en], "the en glossary's Japanese column"
    for required in ("誤差逆伝播法", "学習率", "勾配", "損失関数", "生成器", "識別器", "均衡点",
                     "1 期先予測", "経験分布関数", "計算機イプシロン"):
        assert required in [row[0] for row in ja]


def test_variant_patterns_respect_katakana_words():
    assert variant_pattern("ネット").search("ネットを学習する")
    assert not variant_pattern("ネット").search("ニューラルネットワークを学習する")
    assert not variant_pattern("データローダ").search("データローダーで")
    assert variant_pattern("seed").search("seed を固定")
    assert not variant_pattern("seed").search("seeded")


def test_japanese_pages_use_the_glossary_terms():
    found = []
    for variant, preferred in glossary_variants().items():
        pattern = variant_pattern(variant)
        for where, text in japanese_prose():
            for match in pattern.finditer(text):
                context = text[max(0, match.start() - 15):match.end() + 15].replace("\n", " ")
                found.append(f"{where}: 「{variant}」→「{preferred}」: …{context}…")
    assert not found, "\n".join(found)


def test_japanese_prose_uses_full_width_parentheses():
    """Quotations in 「」 (titles of sources) keep their own spelling."""
    found = []
    for where, text in japanese_prose():
        text = re.sub(r"「[^「」]*」", "「…」", text)
        found += [f"{where}: …{text[max(0, m.start() - 15):m.end() + 15]}…".replace("\n", " ")
                  for m in re.finditer(r"[()]", text)]
    assert not found, "\n".join(found)


# --------------------------------------------------------------------------- the package shown


@pytest.mark.parametrize("module", ["twolayer", "lstm", "gan"])
def test_model_functions_are_short_enough_to_show_whole(module):
    """Pages show the package's functions whole (`show_source`): each does one thing, and its
    code (the docstring aside) is at most 40 lines; the `train_*` functions compose them."""
    import ast

    tree = ast.parse((ROOT / "pathlearn" / f"{module}.py").read_text("utf-8"))
    long = []
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            body = node.body
            if isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                body = body[1:] or body
            lines = body[-1].end_lineno - body[0].lineno + 1
            if lines > _tutorial.MAX_SHOWN_LINES:
                long.append(f"{node.name}: {lines} lines")
    assert not long, long
