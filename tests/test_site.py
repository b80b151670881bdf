"""The documentation site: built strictly once (the `site` fixture), then checked file by file.

Tutorials are the notebooks under docs/<lang>/tutorials/. Every check runs over whatever pages
and tutorials exist, so adding a tutorial pair needs no change here.
"""

from __future__ import annotations

import io
import json
import os
import re
import sys
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import nbformat
import pytest
from conftest import DEFAULT_LANGUAGE, LANGUAGES, ROOT, build_site, code_tokens, read_page

pytestmark = pytest.mark.site

DOCS = ROOT / "docs"
sys.path.insert(0, str(ROOT / "hooks"))
import _nbexec  # noqa: E402  (the notebook runner behind hooks/notebook_exec.py)

NOT_PAGES = {"404.html"}
PLOT_FILE_RE = re.compile(r"plot-[0-9a-f]{16}\.(?:webp|png)")


# --------------------------------------------------------------------------- helpers


class Page(HTMLParser):
    """What the checks need from one built HTML page."""

    def __init__(self, path: Path):
        super().__init__(convert_charrefs=True)
        self.path = path
        self.ids: set[str] = set()
        self.refs: list[tuple[str, str, dict]] = []  # (tag, url, attrs)
        self.switcher: dict[str, str] = {}  # hreflang -> href
        self.images: list[str] = []  # src of <img> inside notebook outputs
        self.output_depth = 0
        self.stack: list[bool] = []
        self.stderr_outputs = 0
        self.runtime: list[dict] = []
        self.inline_styles: list[str] = []
        self.inline_scripts: list[str] = []
        self.lang = ""
        self.headings: list[tuple[str, str]] = []
        self._in = None
        self.feed(read_page(path))  # with the collapsed blocks' bodies (hooks/lazy_blocks.py)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "html":
            self.lang = a.get("lang", "")
        for key in ("id", "name"):
            if a.get(key) and (key == "id" or tag == "a"):
                self.ids.add(a[key])
        for key in ("href", "src"):
            if a.get(key) is not None:
                self.refs.append((tag, a[key], a))
        classes = (a.get("class") or "").split()
        if tag == "a" and "md-select__link" in classes:
            self.switcher[a.get("hreflang", "")] = a.get("href", "")
        is_output = "jp-OutputArea-output" in classes
        if tag == "div":
            self.stack.append(is_output)
            self.output_depth += is_output
        if is_output and a.get("data-mime-type") == "application/vnd.jupyter.stderr":
            self.stderr_outputs += 1
        if tag == "img" and self.output_depth:
            self.images.append(a.get("src", ""))
        if "pl-runtime" in classes:
            self.runtime.append(a)
            self._in = ("runtime", a)
        if tag in ("style", "script"):
            self._in = (tag, a)
        if re.fullmatch(r"h[1-6]", tag):
            self.headings.append((tag, a.get("id") or ""))

    def handle_endtag(self, tag):
        if tag == "div" and self.stack:
            self.output_depth -= self.stack.pop()
        if self._in and self._in[0] == tag:
            self._in = None
        if tag == "span" and self._in and self._in[0] == "runtime":
            self._in = None

    def handle_data(self, data):
        if not self._in:
            return
        kind, attrs = self._in
        if kind == "style":
            self.inline_styles.append(data)
        elif kind == "script" and "src" not in attrs:
            self.inline_scripts.append(data)
        elif kind == "runtime":
            attrs["text"] = attrs.get("text", "") + data


def site_pages(site) -> list[Path]:
    return sorted(
        p
        for p in site.site_dir.rglob("*.html")
        if p.relative_to(site.site_dir).as_posix() not in NOT_PAGES
        and p.relative_to(site.site_dir).parts[0] not in ("assets", "search")
    )


def page_key(site, page: Path) -> str:
    """A page's path in its language: `en/tutorials/x/index.html` -> `tutorials/x/index.html`."""
    rel = page.relative_to(site.site_dir).as_posix()
    lang = site.page_language(page)
    return rel if lang == DEFAULT_LANGUAGE else rel[len(lang) + 1 :]


def page_for(site, lang: str, key: str) -> Path:
    return site.site_dir / key if lang == DEFAULT_LANGUAGE else site.site_dir / lang / key


def tutorial_sources(lang: str) -> list[Path]:
    return sorted((DOCS / lang / "tutorials").glob("*.ipynb"))


def tutorial_pages(site) -> list[Path]:
    pages = []
    for lang in LANGUAGES:
        for nb in tutorial_sources(lang):
            pages.append(page_for(site, lang, f"tutorials/{nb.stem}/index.html"))
    return pages


def resolve(site, page: Path, url: str) -> Path | None:
    """The file a relative URL on `page` points at (directories mean their index.html)."""
    path = unquote(urlsplit(url).path)
    target = (page.parent / path).resolve() if path else page
    if site.site_dir.resolve() not in (target, *target.parents):
        return None
    if target.is_dir():
        target = target / "index.html"
    return target if target.is_file() else None


def is_external(url: str) -> bool:
    parts = urlsplit(url)
    return bool(parts.scheme in ("http", "https") or url.startswith("//"))


# --------------------------------------------------------------------------- the build


def test_build_log_is_clean(site):
    assert "WARNING" not in site.log, site.log
    assert "notebooks:" in site.log  # the executor ran (or found everything cached)


def test_languages_have_the_same_pages(site):
    pages = {lang: set() for lang in LANGUAGES}
    for page in site_pages(site):
        pages[site.page_language(page)].add(page_key(site, page))
    assert pages["ja"], "no Japanese pages were built"
    assert pages["ja"] == pages["en"], {
        "only in ja": sorted(pages["ja"] - pages["en"]),
        "only in en": sorted(pages["en"] - pages["ja"]),
    }


def test_404_page_is_in_the_default_language(site):
    assert Page(site.site_dir / "404.html").lang == DEFAULT_LANGUAGE


def test_sitemap_lists_every_page_with_its_twin(site):
    sitemap = (site.site_dir / "sitemap.xml").read_text(encoding="utf-8")
    locs = {urlsplit(u).path for u in re.findall(r"<loc>([^<]+)</loc>", sitemap)}
    base = urlsplit(re.search(r"<loc>([^<]+)</loc>", sitemap).group(1)).path
    for page in site_pages(site):
        rel = page.relative_to(site.site_dir).parent.as_posix()
        assert base + ("" if rel == "." else rel + "/") in locs, page
    assert sitemap.count('hreflang="en"') == sitemap.count('hreflang="ja"') == len(locs)


def test_pages_declare_their_language(site):
    for page in site_pages(site):
        assert Page(page).lang == site.page_language(page), page


# --------------------------------------------------------------------------- tutorials


def test_there_are_tutorial_pairs():
    ja = {p.name for p in tutorial_sources("ja")}
    en = {p.name for p in tutorial_sources("en")}
    assert ja, "no tutorial notebooks in docs/ja/tutorials/"
    assert ja == en


@pytest.mark.parametrize("name", [p.name for p in tutorial_sources("ja")])
def test_tutorial_pair_runs_the_same_code(name):
    """Only comments and string literals (plot labels, printed text) may differ."""
    cells = {}
    for lang in LANGUAGES:
        nb = nbformat.read(DOCS / lang / "tutorials" / name, as_version=4)
        cells[lang] = [c.source for c in nb.cells if c.cell_type == "code"]
        assert all(not c.get("outputs") for c in nb.cells if c.cell_type == "code"), (
            f"docs/{lang}/tutorials/{name} is saved with outputs; clear them (the build runs it)"
        )
    assert len(cells["ja"]) == len(cells["en"]), (
        "the two notebooks have different numbers of code cells"
    )
    for i, (ja, en) in enumerate(zip(cells["ja"], cells["en"], strict=True)):
        assert code_tokens(ja) == code_tokens(en), (
            f"code cell {i} differs:\n--- ja\n{ja}\n--- en\n{en}"
        )


@pytest.mark.parametrize("lang", LANGUAGES)
def test_tutorial_pages_carry_plots_and_no_errors(site, lang):
    for nb in tutorial_sources(lang):
        page = Page(page_for(site, lang, f"tutorials/{nb.stem}/index.html"))
        assert page.images, f"{page.path}: no plot in the notebook's outputs"
        check_plot_files(page)
        assert page.stderr_outputs == 0, f"{page.path}: {page.stderr_outputs} error/stderr outputs"
        assert not page.inline_styles or not any(
            ".jupyter-wrapper" in s for s in page.inline_styles
        ), f"{page.path}: notebook CSS is inlined instead of shared"


def test_tutorial_pairs_have_the_same_plots(site):
    for nb in tutorial_sources("ja"):
        ja = Page(page_for(site, "ja", f"tutorials/{nb.stem}/index.html"))
        en = Page(page_for(site, "en", f"tutorials/{nb.stem}/index.html"))
        assert len(ja.images) == len(en.images), nb.name


def _plot_pages(site) -> list[Path]:
    """Every page with notebook outputs: the tutorials and the results page."""
    return tutorial_pages(site) + [page_for(site, lang, "results/index.html") for lang in LANGUAGES]


def check_plot_files(page: Page) -> None:
    """Each plot is a file next to the page, not base64 inside it (hooks/_plots.py): the file
    decodes, its name is its content's hash, its `width`/`height` are its pixel size (the
    browser reserves the space: no layout shift), it loads lazily (no plot is above the fold)
    and its format is the one its name says (WebP only where smaller than the PNG)."""
    import hashlib

    from PIL import Image

    plots = [a for tag, url, a in page.refs if tag == "img" and url in page.images]
    assert len(plots) == len(page.images), page.path
    for attrs in plots:
        src = attrs["src"]
        assert PLOT_FILE_RE.fullmatch(src), f"{page.path}: {src[:60]}"
        data = (page.path.parent / src).read_bytes()
        assert src.startswith(f"plot-{hashlib.sha256(data).hexdigest()[:16]}."), (page.path, src)
        with Image.open(io.BytesIO(data)) as img:
            assert img.format.lower() == src.rsplit(".", 1)[1], (page.path, src, img.format)
            assert (int(attrs["width"]), int(attrs["height"])) == img.size, (page.path, attrs)
        assert attrs.get("loading") == "lazy", (page.path, attrs)


def test_plots_have_an_opaque_background(site):
    """A transparent figure would be black-on-black in the dark scheme."""
    from PIL import Image

    for path in _plot_pages(site):
        for src in Page(path).images:
            with Image.open(path.parent / src) as img:
                rgba = img.convert("RGBA")
            w, h = rgba.size
            corners = [rgba.getpixel(xy) for xy in ((0, 0), (w - 1, 0), (0, h - 1), (w - 1, h - 1))]
            assert all(pixel[3] == 255 for pixel in corners), f"{path} {src}: transparent background"
            assert all(pixel[:3] == (255, 255, 255) for pixel in corners), f"{path} {src}: not white"


def test_tutorials_record_their_run_time(site):
    words = {"ja": "秒", "en": " s"}
    for path in tutorial_pages(site):
        page = Page(path)
        assert len(page.runtime) == 1, f"{path}: no run time note"
        seconds = float(page.runtime[0]["data-seconds"])
        assert seconds > 0, f"{path}: recorded run time is 0 s, so the notebook did not run"
        assert words[site.page_language(path)] in page.runtime[0].get("text", ""), page.runtime
        downloads = [url for tag, url, a in page.refs if tag == "a" and "download" in a]
        assert downloads == [path.parent.name + ".ipynb"], downloads
        assert (path.parent / downloads[0]).is_file()


def test_notebook_headings_have_ids(site):
    for path in tutorial_pages(site):
        headings = Page(path).headings
        assert headings and all(anchor for _, anchor in headings), f"{path}: {headings}"


# --------------------------------------------------------------------------- links


def test_relative_links_and_anchors_resolve(site):
    problems = []
    cache: dict[Path, set[str]] = {}
    for path in site_pages(site):
        page = Page(path)
        cache[path] = page.ids
        for tag, url, _ in page.refs:
            if (
                not url
                or is_external(url)
                or urlsplit(url).scheme in ("data", "mailto", "javascript")
            ):
                continue
            target = resolve(site, path, url)
            if target is None:
                problems.append(f"{path.relative_to(site.site_dir)}: <{tag}> {url} not found")
                continue
            fragment = unquote(urlsplit(url).fragment)
            if fragment and target.suffix == ".html":
                ids = cache.get(target) or Page(target).ids
                cache[target] = ids
                if fragment not in ids:
                    problems.append(f"{path.relative_to(site.site_dir)}: {url}: no id '{fragment}'")
    assert not problems, "\n".join(problems[:50])


def test_language_switcher_leads_to_the_same_page(site):
    for path in site_pages(site):
        page = Page(path)
        key = page_key(site, path)
        assert set(page.switcher) == set(LANGUAGES), f"{path}: switcher {page.switcher}"
        for lang, href in page.switcher.items():
            assert resolve(site, path, href) == page_for(site, lang, key).resolve(), (
                f"{path.relative_to(site.site_dir)}: the {lang} link {href!r} is not the same page"
            )


def test_no_third_party_scripts_styles_or_fonts(site):
    problems = []
    for path in site_pages(site):
        page = Page(path)
        for tag, url, attrs in page.refs:
            loads = tag in ("script", "img", "iframe", "source", "video", "audio", "embed") or (
                tag == "link" and attrs.get("rel") not in ("canonical", "alternate")
            )
            if loads and is_external(url):
                problems.append(f"{path.relative_to(site.site_dir)}: <{tag}> {url}")
        for text in page.inline_styles + page.inline_scripts:
            for url in re.findall(
                r"""(?:url\(|@import\s+|import\(|src\s*=\s*)["']?((?:https?:)?//[^"')\s]+)""", text
            ):
                problems.append(f"{path.relative_to(site.site_dir)}: inline {url}")
    for css in site.site_dir.rglob("*.css"):
        for url in re.findall(
            r"""(?:url\(|@import\s+)["']?((?:https?:)?//[^"')\s]+)""",
            css.read_text(encoding="utf-8"),
        ):
            problems.append(f"{css.relative_to(site.site_dir)}: {url}")
    assert not problems, "\n".join(problems[:50])


def test_math_assets_ship_with_the_site(site):
    katex = site.site_dir / "assets/vendor/katex"
    assert (katex / "katex.min.js").is_file() and (katex / "LICENSE").is_file()
    for font in re.findall(
        r"url\(([^)]+)\)", (katex / "katex.min.css").read_text(encoding="utf-8")
    ):
        assert (katex / font).is_file(), font


# --------------------------------------------------------------------------- API reference

# Documented elsewhere (the CLI reference page) or not API.
NOT_IN_API = {"pathlearn.cli", "pathlearn.__main__"}


@pytest.mark.parametrize("lang", LANGUAGES)
def test_api_reference_lists_every_public_module(lang):
    modules = {
        name
        for name in _nbexec.package_modules(ROOT / "pathlearn")
        if not any(part.startswith("_") for part in name.split("."))
    } - NOT_IN_API
    listed = set(re.findall(r"^::: *(\S+)", (DOCS / lang / "api.md").read_text(), re.M))
    assert modules <= listed, f"docs/{lang}/api.md lacks {sorted(modules - listed)}"


def test_api_pages_have_an_intro_in_their_language(site):
    ja = Page(site.site_dir / "api" / "index.html")
    en = Page(site.site_dir / "en" / "api" / "index.html")
    assert ja.lang == "ja" and en.lang == "en"
    assert "英語" in (DOCS / "ja" / "api.md").read_text(encoding="utf-8")
    assert {"pathlearn.twolayer", "pathlearn.gan"} <= ja.ids & en.ids


# --------------------------------------------------------------------------- the cache


def test_rebuild_with_nothing_changed_executes_nothing(site, tmp_path):
    again = build_site(tmp_path / "again")
    summary = re.findall(r"notebooks: (\d+) cached, (\d+) started", again.log)
    assert summary and all(started == "0" for _, started in summary), again.log
    # pages rebuilt from the caches (notebooks, search entries, CLI help) are the same
    for name in ("search/search_index.json", "tutorials/03-gan/index.html", "en/cli/index.html"):
        assert (again.site_dir / name).read_bytes() == (site.site_dir / name).read_bytes(), name
    limit = float(os.environ.get("PATHLEARN_WARM_BUILD_LIMIT", "30"))
    assert again.seconds <= limit, f"warm rebuild took {again.seconds:.1f} s"


def _fake_package(root: Path) -> Path:
    pkg = root / "pathlearn"
    (pkg / "data").mkdir(parents=True)
    (pkg / "__init__.py").write_text("from pathlearn.errors import Oops\n")
    (pkg / "errors.py").write_text("class Oops(Exception): ...\n")
    (pkg / "gan.py").write_text("from .errors import Oops\nfrom . import plots\n")
    (pkg / "plots.py").write_text("X = 1\n")
    (pkg / "lstm.py").write_text("Y = 2\n")
    (pkg / "data" / "series.csv").write_text("a,b\n")
    return pkg


def _notebook(path: Path, *sources: str) -> Path:
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(s) for s in sources])
    nbformat.write(nb, path)
    return path


def test_cache_key_follows_the_modules_a_notebook_imports(tmp_path):
    pkg = _fake_package(tmp_path)
    nb = _notebook(tmp_path / "gan.ipynb", "from pathlearn.gan import Oops\nprint(Oops)")
    key, deps = _nbexec.notebook_key(nb, pkg)
    names = {d.relative_to(tmp_path).as_posix() for d in deps}
    assert {
        "pathlearn/__init__.py",
        "pathlearn/errors.py",
        "pathlearn/gan.py",
        "pathlearn/plots.py",
    } <= names
    assert "pathlearn/lstm.py" not in names
    (pkg / "lstm.py").write_text("Y = 3\n")  # not imported: same key
    assert _nbexec.notebook_key(nb, pkg)[0] == key
    (pkg / "plots.py").write_text("X = 2\n")  # imported through gan.py: new key
    assert _nbexec.notebook_key(nb, pkg)[0] != key


def test_cache_key_changes_with_the_notebook_and_data(tmp_path):
    pkg = _fake_package(tmp_path)
    nb = _notebook(tmp_path / "a.ipynb", "import pathlearn.lstm")
    key = _nbexec.notebook_key(nb, pkg)[0]
    _notebook(nb, "import pathlearn.lstm\nprint(1)")
    key2 = _nbexec.notebook_key(nb, pkg)[0]
    assert key2 != key
    (pkg / "data" / "series.csv").write_text("a,b\n1,2\n")
    assert _nbexec.notebook_key(nb, pkg)[0] != key2


def test_cache_key_falls_back_to_the_whole_package(tmp_path):
    pkg = _fake_package(tmp_path)
    nb = _notebook(tmp_path / "cli.ipynb", "!pathlearn gan --help")
    deps = {d.name for d in _nbexec.dependency_files(nbformat.read(nb, as_version=4), pkg)}
    assert {"lstm.py", "gan.py", "plots.py", "series.csv"} <= deps
    plain = _notebook(tmp_path / "plain.ipynb", "import numpy")
    assert _nbexec.dependency_files(nbformat.read(plain, as_version=4), pkg) == []


def test_a_failing_cell_is_an_error(tmp_path):
    nb = _notebook(tmp_path / "bad.ipynb", "x = 1", "raise ValueError('boom')", "y = 2")
    with pytest.raises(_nbexec.NotebookExecutionError, match="boom"):
        _nbexec.execute_notebook(nb, tmp_path / "out" / "bad.ipynb", timeout=60)
    assert not (tmp_path / "out" / "bad.ipynb").exists()


def test_kernels_run_single_threaded(tmp_path):
    nb = _notebook(
        tmp_path / "env.ipynb",
        "import os\nprint(os.environ['OMP_NUM_THREADS'], os.environ['PATHLEARN_THREADS'])",
    )
    out = tmp_path / "out.ipynb"
    seconds, stderr = _nbexec.execute_notebook(nb, out, timeout=60)
    executed = nbformat.read(out, as_version=4)
    assert executed.cells[0].outputs[0]["text"].split() == [
        os.environ.get("OMP_NUM_THREADS", "1"),
        os.environ.get("PATHLEARN_THREADS", "1"),
    ]
    assert seconds > 0 and stderr == []
    assert json.loads(json.dumps(executed.metadata["pathlearn"]))["run_seconds"] > 0


# --------------------------------------------------------------------------- markdown pages


def code_blocks(page: Path) -> list[str]:
    """The text of every highlighted code block on a built page, in order."""
    text = page.read_text(encoding="utf-8")
    blocks = re.findall(r'<div class="highlight"><pre>(.*?)</pre>', text, re.S)
    return [html_text(b) for b in blocks]


def html_text(fragment: str) -> str:
    import html

    return html.unescape(re.sub(r"<[^>]+>", "", fragment))


def test_markdown_pages_carry_the_same_code_in_both_languages(site):
    """Like the tutorials: a page pair shows the same code (it lives once, in docs/snippets/)."""
    for source in sorted((DOCS / DEFAULT_LANGUAGE).rglob("*.md")):
        key = source.relative_to(DOCS / DEFAULT_LANGUAGE).with_suffix("").as_posix()
        key = "index.html" if key == "index" else f"{key}/index.html"
        blocks = {lang: code_blocks(page_for(site, lang, key)) for lang in LANGUAGES}
        assert blocks["ja"] == blocks["en"], key


def test_cli_reference_shows_the_live_help(site):
    from click.testing import CliRunner

    from pathlearn.cli import cli

    for lang in LANGUAGES:
        page = page_for(site, lang, "cli/index.html")
        assert "pathlearn-help" not in page.read_text(encoding="utf-8")
        shown = "\n".join(code_blocks(page))
        for command in ("twolayer", "lstm", "gan"):
            result = CliRunner().invoke(cli, [command, "--help"], terminal_width=100)
            first_option = next(line for line in result.output.splitlines() if "--" in line)
            assert first_option.strip() in shown, (lang, command)


def test_device_page_error_example_is_what_the_cli_prints():
    import subprocess

    import torch

    if torch.cuda.is_available():
        pytest.skip("this machine has CUDA, so the example's error does not happen")
    example = (DOCS / "snippets" / "device_error.txt").read_text(encoding="utf-8").splitlines()
    done = subprocess.run([sys.executable, "-m", "pathlearn", "gan", "--device", "cuda"],
                          capture_output=True, text=True, timeout=120)
    assert done.stderr.strip() == example[1]
    assert str(done.returncode) == example[3]


# --------------------------------------------------------------------------- GitHub, Colab, footer


def project_urls() -> tuple[str, str]:
    """(pyproject's Source URL, its owner/name on GitHub)."""
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    source = re.search(r'^Source = "(https://github\.com/([^/"]+/[^/"]+))"', text, re.M)
    assert source, "pyproject.toml names no GitHub Source URL"
    return source.group(1), source.group(2)


def links_with_class(path: Path, cls: str) -> list[dict]:
    return [a for tag, _, a in Page(path).refs if tag == "a" and cls in (a.get("class") or "").split()]


def test_tutorial_pages_open_their_own_language_notebook_in_colab(site):
    """"Open in Colab": a plain link (no badge image from a third party) to the notebook of the
    page's language on GitHub; the results page has none (it needs a source checkout)."""
    _, repo = project_urls()
    for lang in LANGUAGES:
        for nb in tutorial_sources(lang):
            page = page_for(site, lang, f"tutorials/{nb.stem}/index.html")
            links = links_with_class(page, "pl-colab")
            path = nb.relative_to(ROOT).as_posix()
            assert [a["href"] for a in links] == [
                f"https://colab.research.google.com/github/{repo}/blob/main/{path}"
            ], page
            text = page.read_text(encoding="utf-8")
            assert ("Colab で開く" if lang == "ja" else "Open in Colab") in text
        assert not links_with_class(page_for(site, lang, "results/index.html"), "pl-colab")


def test_every_page_links_to_its_source_in_its_language_on_github(site):
    """repo_url and edit_uri: each page's source button goes to docs/<lang>/<page>, a file that
    exists; the repository link has no data-md-component="source" (Material's script would then
    ask api.github.com for the repository's facts: a third-party request)."""
    source_url, _ = project_urls()
    for path in site_pages(site):
        lang = site.page_language(path)
        buttons = [a["href"] for a in links_with_class(path, "md-content__button")]
        assert len(buttons) == 1, (path, buttons)
        prefix = f"{source_url}/blob/main/docs/{lang}/"
        assert buttons[0].startswith(prefix), (path, buttons)
        assert (DOCS / lang / buttons[0][len(prefix):]).is_file(), buttons[0]
        assert [a["href"] for a in links_with_class(path, "md-source")] == [source_url] * 2, path
    for path in [*site_pages(site), site.site_dir / "404.html"]:
        assert 'data-md-component="source"' not in path.read_text(encoding="utf-8"), path


def test_footer_shows_the_versions_and_the_build_date(site):
    """Every page's footer: pathlearn's version, the torch version the notebooks ran with (the
    kernels' own, recorded in each cached run) and the build date, in the page's language."""
    from datetime import date, datetime, timezone
    from importlib import metadata

    import torch

    version = re.search(r'^version = "([^"]+)"', (ROOT / "pyproject.toml").read_text("utf-8"), re.M).group(1)
    words = {"ja": ("ノートブックの実行: torch", "最終確認"), "en": ("notebooks run with torch", "last verified")}
    built = datetime.fromtimestamp((site.site_dir / "index.html").stat().st_mtime, timezone.utc).date()
    for path in [*site_pages(site), site.site_dir / "404.html"]:
        text = path.read_text(encoding="utf-8")
        found = re.search(
            r'<div class="pl-build-info" data-pathlearn="([^"]*)" data-torch="([^"]*)" data-date="([^"]*)">(.*?)</div>',
            text, re.S,
        )
        assert found, f"{path}: no build information in the footer"
        pathlearn, torch_version, day, shown = found.groups()
        assert pathlearn == metadata.version("pathlearn") == version, path
        assert torch_version == torch.__version__, path  # the tests run in the build's environment
        assert abs((date.fromisoformat(day) - built).days) <= 1, (path, day)
        lang = site.page_language(path) if path.name != "404.html" else DEFAULT_LANGUAGE
        for word in words[lang]:
            assert word in shown, (path, shown)
        assert f'<time datetime="{day}">{day}</time>' in shown

