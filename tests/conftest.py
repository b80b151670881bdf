"""Fixtures shared by the site tests (one strict build of the whole site per test session), and
`code_tokens`, which the ja/en code-parity tests of the tutorials and the Results page share."""

from __future__ import annotations

import ast
import functools
import http.server
import io
import os
import shutil
import subprocess
import sys
import threading
import time
import tokenize
from dataclasses import dataclass
from pathlib import Path

# The build runs under ProperDocs, whose CLI aliases every `mkdocs.*` import to `properdocs.*`. The tests
# that import hooks in-process get the same modules through the same alias.
import properdocs.replacement  # noqa: F401
import pytest

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = os.environ.get("PATHLEARN_CHROMIUM", "/usr/bin/chromium")
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
LANGUAGES = ("ja", "en")
DEFAULT_LANGUAGE = "ja"


def read_page(path: Path) -> str:
    """A built page as a reader's browser ends up with it: with the bodies of its collapsed
    blocks put back (hooks/lazy_blocks.py sends them after the page)."""
    if str(ROOT / "hooks") not in sys.path:
        sys.path.insert(0, str(ROOT / "hooks"))
    import lazy_blocks

    return lazy_blocks.inline_blocks(path.read_text(encoding="utf-8"), path.parent)


class _FStrings(ast.NodeTransformer):
    """Replaces every f-string by "" and keeps the code of the expressions in its braces."""

    def __init__(self) -> None:
        self.fields: list[str] = []

    def visit_JoinedStr(self, node: ast.JoinedStr) -> ast.Constant:
        for value in node.values:
            if isinstance(value, ast.FormattedValue):
                self.fields.append(repr(code_tokens(ast.unparse(value.value))))
        return ast.Constant("")


def code_tokens(source: str) -> list[tuple[int, str]]:
    """The tokens of a code cell without comments, string literals and layout.

    The text of an f-string may differ, and so may the order of the expressions in its braces (a
    translation orders a sentence its own way): they are compared as a sorted list at the end.
    String literals inside those expressions (`{'yes' if ok else 'no'}`) may differ too.
    """
    # a magic or shell line becomes `pass` at its indentation (it may be a block's only line)
    lines = [line[: len(line) - len(line.lstrip())] + "pass" if line.lstrip().startswith(("%", "!")) else line
             for line in source.splitlines()]
    magics = [line.strip() for line in source.splitlines() if line.lstrip().startswith(("%", "!"))]
    strip = _FStrings()
    code = ast.unparse(strip.visit(ast.parse("\n".join(lines))))  # also drops comments and layout
    drop = {tokenize.COMMENT, tokenize.NL, tokenize.NEWLINE, tokenize.STRING, tokenize.ENDMARKER}
    out = [(tok.type, tok.string) for tok in tokenize.generate_tokens(io.StringIO(code + "\n").readline)
           if tok.type not in drop]
    return out + [(0, m) for m in magics] + [(-1, f) for f in sorted(strip.fields)]


@dataclass(frozen=True)
class BuiltSite:
    site_dir: Path
    log: str
    seconds: float

    def page_language(self, page: Path) -> str:
        """'en' for site/en/..., 'ja' (the default language, at the root) otherwise."""
        first = page.relative_to(self.site_dir).parts[0]
        return first if first in LANGUAGES and first != DEFAULT_LANGUAGE else DEFAULT_LANGUAGE


def build_site(site_dir: Path, extra_env: dict[str, str] | None = None) -> BuiltSite:
    """`properdocs build --strict` into `site_dir`; fails the test with the build log on error."""
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1", **(extra_env or {})}
    started = time.monotonic()
    proc = subprocess.run(
        [sys.executable, "-m", "properdocs", "build", "--strict", "--site-dir", str(site_dir)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    seconds = time.monotonic() - started
    log = proc.stdout + proc.stderr
    if proc.returncode != 0:
        pytest.fail(
            f"properdocs build --strict failed (exit {proc.returncode}):\n{log[-20000:]}", pytrace=False
        )
    return BuiltSite(site_dir=site_dir, log=log, seconds=seconds)


@pytest.fixture(scope="session")
def site(tmp_path_factory) -> BuiltSite:
    """The whole site (both languages, every tutorial executed), built once per session.

    Notebook executions are cached in .cache/notebooks/ (or $PATHLEARN_NOTEBOOK_CACHE), so a
    second session only re-runs the notebooks whose code or pathlearn dependencies changed.
    """
    return build_site(tmp_path_factory.mktemp("site"))


@pytest.fixture(scope="session")
def browser():
    """One headless chromium for the session, shared by every module's browser tests."""
    # Locally a missing browser skips these tests; in CI (CI=true) it fails them.
    missing = pytest.fail if os.environ.get("CI") == "true" else pytest.skip
    if not (os.path.isfile(CHROMIUM) or shutil.which(CHROMIUM)):
        missing(f"no chromium at {CHROMIUM} (apt-get install chromium, or set PATHLEARN_CHROMIUM)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        missing("playwright is not installed (pip install playwright)")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS, headless=True)
        yield browser
        browser.close()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="session")
def base_url(site):
    """The built site over a local HTTP server, for every module's browser tests."""
    handler = functools.partial(_QuietHandler, directory=str(site.site_dir))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
