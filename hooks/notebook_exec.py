"""Execute the tutorial notebooks at build time with our own cache, then render the executed
copy with nbconvert's public `HTMLExporter` and mkdocs-jupyter's template (`_nbrender.py`).

Why not mkdocs-jupyter's `execute: true` and `cache: true`:
  * its cache key is the notebook file alone, so a change to `pathlearn/**` shows stale output;
  * its `on_post_build` evicts every cache entry the current build did not use, and
    mkdocs-static-i18n runs one build per language, so each language evicts the other's entries
    and every build misses (mkdocs_jupyter/plugin.py, `on_post_build`);
  * it executes one notebook at a time, in the order pages are rendered.

Here every notebook of every language is submitted to a runner (`_nbexec.py`) as soon as the
first build sees the file list, up to 2 kernels at a time, so the English notebooks run while
the Japanese pages render. Each page waits for its own notebook. Works the same under
`mkdocs serve` (the module, and with it the runner, survives rebuilds).
"""

from __future__ import annotations

import hashlib
import html
import json
import logging
import os
import re
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path

import _nbrender
import _pages
from _cachefs import atomic_write, read_json
from _cachefs import log as cache_log
from _nbexec import NotebookExecutionError, NotebookRunner
from mkdocs.exceptions import PluginError
from mkdocs.plugins import event_priority
from mkdocs.structure.toc import get_toc

log = logging.getLogger("mkdocs.hooks.notebook_exec")

_runner: NotebookRunner | None = None
# The torch version each rendered notebook page's code ran with (source path -> version).
_torch_versions: dict[str, str] = {}

# What the rendered HTML depends on besides _nbrender.py (part of its cache file's name)
RENDER_DISTRIBUTIONS = ("mkdocs-jupyter", "nbconvert", "mistune", "pygments")

RUNTIME_TEXT = {
    "ja": "このページのコードの実行時間: {seconds} 秒",
    "en": "This page's code ran in {seconds} s",
}
DOWNLOAD_TEXT = {"ja": "ノートブックをダウンロード", "en": "Download the notebook"}
COLAB_TEXT = {"ja": "Colab で開く", "en": "Open in Colab"}
# Colab opens a notebook straight from GitHub: /github/<owner>/<repo>/blob/<branch>/<path>.
COLAB_URL = "https://colab.research.google.com/github/{repo}/blob/{branch}/{path}"
GITHUB_REPO_RE = re.compile(r"^https://github\.com/([^/]+/[^/]+?)/?$")
EDIT_URI_BRANCH_RE = re.compile(r"^(?:blob|edit|tree)/([^/]+)/")
DOWNLOAD_ICON = (
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 24 24" aria-hidden="true">'
    '<path d="M5 20h14v-2H5zM19 9h-4V3H9v6H5l7 7z"/></svg>'
)


def _runner_for(config) -> NotebookRunner:
    global _runner
    root = Path(config.config_file_path).resolve().parent
    cache = Path(
        os.environ.get("PATHLEARN_NOTEBOOK_CACHE", root / ".cache" / "notebooks")
    ).resolve()
    if _runner is None or _runner.cache_dir != cache:
        _runner = NotebookRunner(
            cache_dir=cache,
            package_dir=root / "pathlearn",
            workers=int(os.environ.get("PATHLEARN_NOTEBOOK_WORKERS", "2")),
            timeout=int(os.environ.get("PATHLEARN_NOTEBOOK_TIMEOUT", "300")),
        )
    return _runner


# Priority 100: before mkdocs-static-i18n (-100) drops the other languages' files, so the
# notebooks of every language are started at once, in the first (default-language) build.
@event_priority(100)
def on_files(files, config):
    """Start (or find in the cache) the execution of every notebook of every language."""
    notebooks = [Path(f.abs_src_path) for f in files if _pages.is_notebook(f) and f.abs_src_path]
    if notebooks:
        counts = _runner_for(config).prepare(notebooks)
        log.info(
            "notebooks: %d cached, %d started, %d still running",
            counts["cached"],
            counts["started"],
            counts["running"],
        )
    return files


def _render_cache_name() -> str:
    """The rendered HTML depends on the template and the libraries that fill it: in the name."""
    blob = json.dumps(
        [_nbrender.RENDER_VERSION, *(metadata.version(d) for d in RENDER_DISTRIBUTIONS)], sort_keys=True
    )
    return "render-" + hashlib.sha256(blob.encode()).hexdigest()[:16] + ".json"


# After mkdocs-jupyter's own on_pre_page (priority 0), which set page.render to its converter
# of the source notebook: replaced here, never called.
@event_priority(-50)
def on_pre_page(page, config, files):
    """Make the page render the executed copy of its notebook (rendered output is cached next
    to it, keyed by the versions of the renderer, mkdocs-jupyter's template and nbconvert)."""
    if not _pages.is_notebook(page.file):
        return page
    runner = _runner_for(config)
    source = page.file.abs_src_path

    def render(config, files):
        try:
            executed = runner.result(Path(source))
        except NotebookExecutionError as exc:  # a message for the log, not a traceback
            raise PluginError(str(exc)) from None
        cached = executed.path.parent / _render_cache_name()
        data = read_json(
            cached,
            f"the rendered page of {page.file.src_uri} ({cached})",
            check=lambda d: isinstance(d["content"], str) and isinstance(d["title"], (str, type(None))),
        )
        if data is None:
            content, title = _nbrender.render(executed.path)
            data = {"content": content, "title": title}
            try:
                atomic_write(cached, json.dumps(data))
            except OSError as exc:  # e.g. the entry was evicted by another build meanwhile
                cache_log.warning("cache: the rendered page of %s was not kept (%s)", page.file.src_uri, exc)
        page.content, page.title = data["content"], data["title"] or page.title
        page.toc = get_toc([])  # rebuilt from the headings by notebook_html.py
        page.executed_notebook = executed
        for line in executed.stderr:
            log.warning("Notebook '%s' wrote to stderr, %s", page.file.src_uri, line)
        if executed.run_seconds <= 0:
            log.warning("Notebook '%s' ran no code (run time 0 s)", page.file.src_uri)

    page.render = render
    return page


def colab_url(page, config) -> str | None:
    """The page's own notebook (in the page's language) on GitHub, opened in Colab: for the
    tutorials only (the results page reads benchmarks/results.json from a source checkout)."""
    repo = GITHUB_REPO_RE.match(config.repo_url or "")
    branch = EDIT_URI_BRANCH_RE.match(config.edit_uri or "")
    if not repo or not branch or not page.file.abs_src_path:
        return None
    docs = Path(config.docs_dir).resolve()
    source = Path(page.file.abs_src_path).resolve()
    root = docs.parent
    if source.parent.name != "tutorials" or docs not in source.parents:
        return None
    return COLAB_URL.format(repo=repo.group(1), branch=branch.group(1), path=source.relative_to(root).as_posix())


def _format_seconds(seconds: float) -> str:
    return f"{seconds:.1f}" if seconds >= 1 else f"{seconds:.2f}"


# Last, after notebook_html.py has checked and rewritten the notebook's own links, so that the
# download link below (a plain file next to the page) is left alone.
@event_priority(-100)
def on_page_content(html_text, page, config, files):
    """Put the download link, the "Open in Colab" link (tutorials) and the recorded run time,
    in the page's language, on top."""
    executed = getattr(page, "executed_notebook", None)
    if executed is None:
        return html_text
    if executed.torch:
        _torch_versions[page.file.abs_src_path] = executed.torch
    lang = _pages.language(page)
    seconds = _format_seconds(executed.run_seconds)
    name = os.path.basename(page.file.src_uri)
    links = [
        f'<a class="pl-download" href="{html.escape(name)}" download>{DOWNLOAD_ICON}'
        f"{DOWNLOAD_TEXT.get(lang, DOWNLOAD_TEXT['en'])}</a>"
    ]
    if colab := colab_url(page, config):  # a plain link: no badge image from a third party
        links.append(f'<a class="pl-colab" href="{html.escape(colab)}">{COLAB_TEXT.get(lang, COLAB_TEXT["en"])}</a>')
    note = (
        '<p class="pl-notebook-meta">' + "".join(links)
        + f'<span class="pl-runtime" data-seconds="{executed.run_seconds:.3f}">'
        f"{RUNTIME_TEXT.get(lang, RUNTIME_TEXT['en']).format(seconds=seconds)}</span></p>\n"
    )
    return note + html_text


def build_info() -> dict[str, str]:
    """The site footer's facts: pathlearn's version, the torch version(s) the notebook pages ran
    with (from their cached runs: a page keeps the version it ran with), the build date (UTC, or
    SOURCE_DATE_EPOCH's when set, for reproducible builds)."""
    try:
        pathlearn = metadata.version("pathlearn")
    except metadata.PackageNotFoundError:
        pathlearn = "?"
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    when = datetime.fromtimestamp(int(epoch), timezone.utc) if epoch else datetime.now(timezone.utc)
    return {
        "pathlearn": pathlearn,
        "torch": ", ".join(sorted(set(_torch_versions.values()))),
        "date": when.date().isoformat(),
    }


def on_env(env, config, files):
    """`pathlearn_build` for overrides/partials/copyright.html (the footer). on_env comes after
    every page of this build has rendered its content, so each notebook has run by now."""
    env.globals["pathlearn_build"] = build_info()
    return env


def on_post_build(config):
    """Say what ran, so that a rebuild that executed nothing is visible in the log."""
    if _runner is not None and _runner.executed:
        log.info("notebooks executed by this process so far: %d", len(_runner.executed))
