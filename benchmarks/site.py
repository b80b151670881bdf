"""Cold and warm builds of the whole site, with the number of notebook executions in each."""

from __future__ import annotations

import hashlib
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks.common import ROOT

EXECUTED = re.compile(r"notebooks executed by this process so far: (\d+)")
SUMMARY = re.compile(r"notebooks: (\d+) cached, (\d+) started, (\d+) still running")
PLACEHOLDER = "TODO(placeholder)"
METHOD = (
    "`mkdocs build --strict` of the whole site (both languages) in a subprocess, as scripts/build_site.sh "
    "runs it. Cold: an empty temporary notebook cache ($PATHLEARN_NOTEBOOK_CACHE) and output directory, so "
    "every notebook of both languages executes (2 kernels at a time). Warm: the same build again with the "
    "same cache and nothing changed. Executions are the build log's 'notebooks executed by this process "
    "so far'. Wall time includes Python start-up and imports. changed_during lists the notebooks and "
    "package files that were edited while the builds ran (their re-executions are in the counts)."
)


def executions(log: str) -> int:
    """Notebook executions a build reported (0 when it reported none)."""
    return max((int(n) for n in EXECUTED.findall(log)), default=0)


def notebook_sources() -> list[Path]:
    """The site's notebooks, both languages."""
    return sorted((ROOT / "docs").glob("*/**/*.ipynb"))


def placeholders() -> list[str]:
    """Notebooks and pages still marked as placeholders (their timings are not final)."""
    found = []
    for path in sorted((ROOT / "docs").glob("*/**/*")):
        if path.suffix in (".ipynb", ".md") and PLACEHOLDER in path.read_text(encoding="utf-8"):
            found.append(path.relative_to(ROOT).as_posix())
    return found


def source_digests() -> dict[str, str]:
    """Digest of every file a build's notebook executions depend on (docs and the package)."""
    files = [*sorted((ROOT / "docs").rglob("*.ipynb")), *sorted((ROOT / "pathlearn").rglob("*.py"))]
    return {f.relative_to(ROOT).as_posix(): hashlib.sha256(f.read_bytes()).hexdigest() for f in files}


def changed(before: dict[str, str], after: dict[str, str]) -> list[str]:
    return sorted(name for name in before.keys() | after.keys() if before.get(name) != after.get(name))


def build(site_dir: Path, cache: Path) -> dict[str, Any]:
    """One strict build: wall seconds, notebooks executed, and the cache summary lines."""
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1", "PATHLEARN_NOTEBOOK_CACHE": str(cache)}
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(site_dir)],
                          cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - start
    log = proc.stdout + proc.stderr
    if proc.returncode != 0:
        raise RuntimeError(f"site build failed:\n{log[-5000:]}")
    summaries = [tuple(int(n) for n in m) for m in SUMMARY.findall(log)]
    return {"seconds": seconds, "executions": executions(log),
            "cached_started_running": summaries[0] if summaries else None}


def run() -> dict[str, Any]:
    """A cold build (empty notebook cache) then a warm rebuild with nothing changed."""
    before = source_digests()
    with tempfile.TemporaryDirectory(prefix="pathlearn-bench-") as tmp:
        cache, site_dir = Path(tmp, "cache"), Path(tmp, "site")
        cold = build(site_dir, cache)
        warm = build(site_dir, cache)
    notebooks = notebook_sources()
    return {
        "method": METHOD,
        "notebooks": len(notebooks),
        "notebook_files": [p.relative_to(ROOT).as_posix() for p in notebooks],
        "placeholders": placeholders(),
        # files edited while the builds ran (extra executions, and a warm build that is not warm)
        "changed_during": changed(before, source_digests()),
        "cold": cold, "warm": warm,
        "cold_seconds": cold["seconds"], "cold_executions": cold["executions"],
        "warm_seconds": warm["seconds"], "warm_executions": warm["executions"],
        "warm_over_cold": warm["seconds"] / cold["seconds"],
    }


def table(result: dict[str, Any]) -> list[str]:
    lines = [f"site build (both languages, {result['notebooks']} notebooks)",
             f"{'build':<6} {'seconds':>8} {'notebook runs':>14}",
             f"{'cold':<6} {result['cold_seconds']:>8.1f} {result['cold_executions']:>14}",
             f"{'warm':<6} {result['warm_seconds']:>8.1f} {result['warm_executions']:>14}"]
    if result["placeholders"]:
        lines.append("placeholders still in the docs: " + ", ".join(result["placeholders"]))
    if result["changed_during"]:
        lines.append("edited while the builds ran (the counts include their re-runs): "
                     + ", ".join(result["changed_during"]))
    return lines
