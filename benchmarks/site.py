"""Cold and warm builds of the whole site, with the number of notebook executions in each, then
every page of the warm-built site through Lighthouse (mobile): its four scores and its bytes.

The Lighthouse part is shared with tests/test_web_quality.py, which asserts what this records."""

from __future__ import annotations

import contextlib
import functools
import hashlib
import http.server
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from benchmarks.common import ROOT

EXECUTED = re.compile(r"notebooks executed by this process so far: (\d+)")
SUMMARY = re.compile(r"notebooks: (\d+) cached, (\d+) started, (\d+) still running")
PLACEHOLDER = "TODO(placeholder)"
METHOD = (
    "`properdocs build --strict` of the whole site (both languages) in a subprocess, as scripts/build_site.sh "
    "runs it. Cold: an empty temporary notebook cache ($PATHLEARN_NOTEBOOK_CACHE) and output directory, so "
    "every notebook of both languages executes (2 kernels at a time). Warm: the same build again with the "
    "same cache and nothing changed. Executions are the build log's 'notebooks executed by this process "
    "so far'. Wall time includes Python start-up and imports. changed_during lists the notebooks and "
    "package files that were edited while the builds ran (their re-executions are in the counts)."
)
LIGHTHOUSE_METHOD = (
    "Every page of the warm-built site (both languages) served by Python's http.server (no compression, no "
    "cache headers: those are the host's job), in sequence, through Lighthouse {version} with its default "
    "mobile preset and simulated throttling, Debian chromium (--headless=new --no-sandbox --disable-gpu; one "
    "Chrome and one Node process for all runs, benchmarks/lighthouse.mjs), "
    "categories performance, accessibility, best-practices and seo. The performance score moves with the "
    "machine's load: a page scoring below {bar} is run again (performance only), up to {runs} runs, and its "
    "best run is kept (`performance_runs` lists them all). html_bytes: the page's index.html as the server "
    "sends it. first_load_bytes: everything the page fetched while loading (Lighthouse's network-requests), "
    "each request the larger of its transfer size (headers included) and its body: Chrome reports the search "
    "worker's script with its headers only, which Lighthouse's total-byte-weight (also recorded) then misses."
)

# Lighthouse, pinned in package-lock.json and installed into .tools/ by scripts/setup.sh.
TOOLS = ROOT / ".tools" / "node_modules"
LIGHTHOUSE = TOOLS / "lighthouse" / "core" / "index.js"
RUNNER = ROOT / "benchmarks" / "lighthouse.mjs"
CHROMIUM = os.environ.get("PATHLEARN_CHROMIUM", "/usr/bin/chromium")
CHROME_FLAGS = "--headless=new --no-sandbox --disable-gpu"
CATEGORIES = ("performance", "accessibility", "best-practices", "seo")
PERFORMANCE_BAR = 90  # the issue's bar; the other three categories must be 100
PERFORMANCE_RUNS = 3  # at most, per page: more runs only while the best is below the bar
METRICS = ("first-contentful-paint", "largest-contentful-paint", "total-blocking-time", "cumulative-layout-shift",
           "speed-index")


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
    proc = subprocess.run([sys.executable, "-m", "properdocs", "build", "--strict", "--site-dir", str(site_dir)],
                          cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - start
    log = proc.stdout + proc.stderr
    if proc.returncode != 0:
        raise RuntimeError(f"site build failed:\n{log[-5000:]}")
    summaries = [tuple(int(n) for n in m) for m in SUMMARY.findall(log)]
    return {"seconds": seconds, "executions": executions(log),
            "cached_started_running": summaries[0] if summaries else None}


# --------------------------------------------------------------------------- Lighthouse


def page_paths(site_dir: Path) -> list[str]:
    """Every page of a built site as a path under its root ('' for the home page, 'en/api/', ...)."""
    paths = []
    for page in sorted(site_dir.rglob("index.html")):
        rel = page.relative_to(site_dir)
        if rel.parts[0] in ("assets", "search"):
            continue
        paths.append("" if rel.parent.as_posix() == "." else rel.parent.as_posix() + "/")
    return sorted(paths)  # in path order: the home page first


def lighthouse_missing() -> str | None:
    """Why Lighthouse cannot run here, or None when it can."""
    if not shutil.which("node"):
        return "node is not installed (Node.js >= 18.16 with npm; then bash scripts/setup.sh)"
    if not LIGHTHOUSE.is_file():
        return f"Lighthouse is not installed in {TOOLS.parent.relative_to(ROOT)}/ (bash scripts/setup.sh runs npm ci)"
    if not (os.path.isfile(CHROMIUM) or shutil.which(CHROMIUM)):
        return f"no chromium at {CHROMIUM} (apt-get install chromium, or set PATHLEARN_CHROMIUM)"
    return None


class Lighthouse:
    """Lighthouse in one Node process and one Chrome (benchmarks/lighthouse.mjs), page after page.

    `with Lighthouse() as lh: report = lh(url)`: the JSON report of one run, mobile preset (the
    default) and simulated throttling, as `lighthouse URL --output=json` writes it.
    """

    def __init__(self, timeout: float = 240) -> None:
        self.timeout = timeout
        self.proc: subprocess.Popen[str] | None = None

    def __enter__(self) -> Lighthouse:
        self.proc = subprocess.Popen(
            ["node", str(RUNNER), str(TOOLS.parent), *CHROME_FLAGS.split()],
            env={**os.environ, "CHROME_PATH": CHROMIUM}, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=subprocess.PIPE, text=True, encoding="utf-8")
        return self

    def __exit__(self, *exc: object) -> None:
        assert self.proc is not None
        with contextlib.suppress(OSError):
            self.proc.stdin.close()  # the runner closes Chrome and exits at the end of its input
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()

    def __call__(self, url: str, categories: tuple[str, ...] = CATEGORIES) -> dict[str, Any]:
        proc = self.proc
        assert proc is not None and proc.stdin is not None and proc.stdout is not None, "use inside `with`"
        watchdog = threading.Timer(self.timeout, proc.kill)  # a hung run ends the runner, and the read below
        watchdog.start()
        try:
            proc.stdin.write(json.dumps({"url": url, "categories": list(categories)}) + "\n")
            proc.stdin.flush()
            line = proc.stdout.readline()
        except OSError:
            line = ""
        finally:
            watchdog.cancel()
        if not line:
            proc.kill()
            stderr = proc.stderr.read() if proc.stderr else ""
            raise RuntimeError(f"Lighthouse stopped on {url} (exit {proc.wait()}, timeout {self.timeout:.0f} s):\n"
                               f"{stderr[-3000:]}")
        report = json.loads(line)
        if "error" in report:
            raise RuntimeError(f"Lighthouse failed on {url}:\n{report['error'][-3000:]}")
        return report


def summarize(report: dict[str, Any]) -> dict[str, Any]:
    """What a Lighthouse JSON report says about a page.

    scores: each category's score as Lighthouse shows it (0-100, None when it could not score);
    failing: per category, the audits that count towards its score (weight > 0) and did not pass;
    metrics: the performance metrics (ms; CLS unitless); first_load_bytes: see first_load_bytes()
    (None when performance was not run), and Lighthouse's own total-byte-weight next to it.
    """
    audits = report["audits"]
    scores, failing = {}, {}
    for name, category in report["categories"].items():
        score = category.get("score")
        scores[name] = None if score is None else round(score * 100)
        failing[name] = sorted(ref["id"] for ref in category["auditRefs"]
                               if ref.get("weight", 0) > 0 and audits.get(ref["id"], {}).get("score") is not None
                               and audits[ref["id"]]["score"] < 1)
    weight = audits.get("total-byte-weight", {}).get("numericValue")
    requests = (audits.get("network-requests", {}).get("details") or {}).get("items")
    return {
        "url": report.get("finalDisplayedUrl") or report.get("requestedUrl"),
        "lighthouse": report.get("lighthouseVersion"),
        "runtime_error": (report.get("runtimeError") or {}).get("message"),
        "scores": scores,
        "failing": failing,
        "metrics": {m: audits[m].get("numericValue") for m in METRICS if m in audits},
        "first_load_bytes": None if requests is None else first_load_bytes(requests),
        "requests": None if requests is None else len(requests),
        "total_byte_weight": None if weight is None else int(weight),
    }


def first_load_bytes(requests: list[dict[str, Any]]) -> int:
    """The bytes a plain server sends for a page's load: every http(s) request of Lighthouse's
    network-requests audit, each counted as the larger of its transfer size (headers included) and
    its body. Chrome reports a worker's script (Material's search worker) with the size of its
    headers only, so total-byte-weight, the sum of transfer sizes, misses its body; data: URLs are
    part of the page that holds them and are not counted again."""
    return sum(max(r.get("transferSize") or 0, r.get("resourceSize") or 0)
               for r in requests if str(r.get("url", "")).startswith(("http://", "https://")))


def best_performance(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """The summary of a page's first (all-category) run, with its performance score, failing
    performance audits and metrics taken from the best of `runs` (the first included)."""
    scored = [r for r in runs if r["scores"].get("performance") is not None]
    best = max(scored, key=lambda r: r["scores"]["performance"]) if scored else runs[0]
    first = runs[0]
    return {**first,
            "scores": {**first["scores"], "performance": best["scores"].get("performance")},
            "failing": {**first["failing"], "performance": best["failing"].get("performance", [])},
            "metrics": best["metrics"],
            "performance_runs": [r["scores"].get("performance") for r in runs]}


def needs_another_run(runs: list[dict[str, Any]], bar: int = PERFORMANCE_BAR, most: int = PERFORMANCE_RUNS) -> bool:
    """More runs only while every run so far is below the bar, and at most `most` in all."""
    best = max((r["scores"].get("performance") or 0 for r in runs), default=0)
    return best < bar and len(runs) < most


def audit_page(lighthouse: Lighthouse, base_url: str, path: str, site_dir: Path,
               rerun_deadline: float | None = None) -> dict[str, Any]:
    """A page's Lighthouse result (best performance of up to 3 runs) and its HTML bytes.

    No rerun starts after `rerun_deadline` (time.monotonic()), which keeps a test within its time
    limit on a slow site and a busy machine; `reruns_cut` says when that happened."""
    runs = [summarize(lighthouse(base_url + path))]
    cut = False
    while needs_another_run(runs):
        if rerun_deadline is not None and time.monotonic() > rerun_deadline:
            cut = True
            break
        runs.append(summarize(lighthouse(base_url + path, categories=("performance",))))
    return {"page": "/" + path, "html_bytes": (site_dir / path / "index.html").stat().st_size,
            **best_performance(runs), "reruns_cut": cut}


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args: Any) -> None:
        pass


@contextlib.contextmanager
def serve(site_dir: Path) -> Iterator[str]:
    """A plain static server of `site_dir` on a free local port: its base URL while inside."""
    handler = functools.partial(_QuietHandler, directory=str(site_dir))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()


def lighthouse_pages(site_dir: Path) -> dict[str, Any]:
    """Every page of the built site through Lighthouse, in sequence; without Lighthouse, why not
    (the build times are still worth recording)."""
    missing = lighthouse_missing()
    if missing:
        return {"skipped": missing}
    started = time.perf_counter()
    with serve(site_dir) as base_url, Lighthouse() as lighthouse:
        pages = [audit_page(lighthouse, base_url, path, site_dir) for path in page_paths(site_dir)]
    return {"method": LIGHTHOUSE_METHOD.format(version=pages[0]["lighthouse"], bar=PERFORMANCE_BAR,
                                               runs=PERFORMANCE_RUNS),
            "lighthouse": pages[0]["lighthouse"], "seconds": time.perf_counter() - started,
            "performance_bar": PERFORMANCE_BAR, "pages": pages}


# --------------------------------------------------------------------------- the section


def run() -> dict[str, Any]:
    """A cold build (empty notebook cache), a warm rebuild with nothing changed, then every page of
    the warm build through Lighthouse."""
    before = source_digests()
    with tempfile.TemporaryDirectory(prefix="pathlearn-bench-") as tmp:
        cache, site_dir = Path(tmp, "cache"), Path(tmp, "site")
        cold = build(site_dir, cache)
        warm = build(site_dir, cache)
        pages = lighthouse_pages(site_dir)
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
        "pages": pages,
    }


def table(result: dict[str, Any]) -> list[str]:
    lines = [f"site build (both languages, {result['notebooks']} notebooks)",
             f"{'build':<6} {'seconds':>8} {'notebook runs':>14}",
             f"{'cold':<6} {result['cold_seconds']:>8.1f} {result['cold_executions']:>14}",
             f"{'warm':<6} {result['warm_seconds']:>8.1f} {result['warm_executions']:>14}"]
    pages = result.get("pages")
    if pages and "skipped" in pages:
        lines.append(f"Lighthouse not run: {pages['skipped']}")
    elif pages:
        lines.append(f"Lighthouse {pages['lighthouse']} (mobile), {len(pages['pages'])} pages, "
                     f"{pages['seconds']:.0f} s")
        lines.append(f"{'page':<26} {'perf':>4} {'a11y':>4} {'bp':>4} {'seo':>4} {'HTML KB':>8} {'load KB':>8}")
        for p in pages["pages"]:
            s = p["scores"]
            cells = [("–" if s.get(c) is None else str(s[c])) for c in CATEGORIES]
            load = "–" if p["first_load_bytes"] is None else f"{p['first_load_bytes'] / 1000:.0f}"
            lines.append(f"{p['page']:<26} {cells[0]:>4} {cells[1]:>4} {cells[2]:>4} {cells[3]:>4} "
                         f"{p['html_bytes'] / 1000:>8.0f} {load:>8}")
    if result["placeholders"]:
        lines.append("placeholders still in the docs: " + ", ".join(result["placeholders"]))
    if result["changed_during"]:
        lines.append("edited while the builds ran (the counts include their re-runs): "
                     + ", ".join(result["changed_during"]))
    return lines
