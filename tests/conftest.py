"""Fixtures shared by the site tests: one strict build of the whole site per test session."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LANGUAGES = ("ja", "en")
DEFAULT_LANGUAGE = "ja"


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
    """`mkdocs build --strict` into `site_dir`; fails the test with the build log on error."""
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1", **(extra_env or {})}
    started = time.monotonic()
    proc = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(site_dir)],
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
            f"mkdocs build --strict failed (exit {proc.returncode}):\n{log[-20000:]}", pytrace=False
        )
    return BuiltSite(site_dir=site_dir, log=log, seconds=seconds)


@pytest.fixture(scope="session")
def site(tmp_path_factory) -> BuiltSite:
    """The whole site (both languages, every tutorial executed), built once per session.

    Notebook executions are cached in .cache/notebooks/ (or $PATHLEARN_NOTEBOOK_CACHE), so a
    second session only re-runs the notebooks whose code or pathlearn dependencies changed.
    """
    return build_site(tmp_path_factory.mktemp("site"))
