"""The build caches survive faults (hooks/_cachefs.py and the hooks that use it).

A small fake site (one or two tiny notebooks, the CLI help marker, MkDocs' own theme) is built with
the real hooks notebook_exec.py, cli_help.py and jinja_cache.py: each kind of cache file is cut
short, and the next strict build must say so in one warning line, rebuild it and give the right
pages. Two builds started at once on one cache must execute each notebook once. The rest are unit
tests of the locking, atomic writes and eviction rules, without MkDocs.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import nbformat
import pytest
from conftest import ROOT

HOOKS = ROOT / "hooks"
sys.path.insert(0, str(HOOKS))
import _cachefs  # noqa: E402
import _nbexec  # noqa: E402
import cli_help  # noqa: E402

needs_flock = pytest.mark.skipif(_cachefs.fcntl is None, reason="no fcntl: the cache locks nothing here")
BUILD_TIMEOUT = 300  # seconds; a cold build of the fake site takes ~10 s

# The cell records each run in $PL_TEST_RUNS/<name> and, in the race test, waits until the test
# lets it finish (the file `release`), so that the second build surely meets the first one's run.
CELL = """\
import os, pathlib, time
runs = pathlib.Path(os.environ["PL_TEST_RUNS"])
with open(runs / "{name}", "a") as f:
    f.write("run\\n")
deadline = time.monotonic() + 120
while not (runs / "release").exists() and time.monotonic() < deadline:
    time.sleep(0.05)
print("hello from {name}")
"""


def make_site(root: Path, names=("a",)) -> Path:
    docs = root / "docs"
    docs.mkdir(parents=True)
    (docs / "index.md").write_text("# Home\n\n<!-- pathlearn-help: gan -->\n", encoding="utf-8")
    for name in names:
        nb = nbformat.v4.new_notebook(cells=[
            nbformat.v4.new_markdown_cell(f"# Notebook {name}"),
            nbformat.v4.new_code_cell(CELL.format(name=name)),
        ])
        nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
        nbformat.write(nb, docs / f"{name}.ipynb")
    hooks = "\n".join(f"  - {HOOKS / hook}" for hook in ("notebook_exec.py", "cli_help.py", "jinja_cache.py"))
    (root / "properdocs.yml").write_text(
        "site_name: cache test\n"
        "theme:\n  name: material\n"
        "plugins:\n"
        "  - mkdocs-jupyter:\n"
        '      include: ["*.ipynb"]\n'
        "      execute: false\n"
        "      include_source: true\n"
        "      cache: false\n"
        f"hooks:\n{hooks}\n"
        f"nav: [index.md, {', '.join(f'{n}.ipynb' for n in names)}]\n",
        encoding="utf-8",
    )
    runs = root / "runs"
    runs.mkdir()
    return root


def build_env(root: Path) -> dict[str, str]:
    return {
        **os.environ,
        "NO_MKDOCS_2_WARNING": "1",
        "PL_TEST_RUNS": str(root / "runs"),
        "PATHLEARN_NOTEBOOK_CACHE": str(root / ".cache" / "notebooks"),
        "PATHLEARN_NOTEBOOK_WORKERS": "2",
        "PATHLEARN_NOTEBOOK_TIMEOUT": "200",
    }


def build_argv(root: Path, out: str = "site") -> list[str]:
    return [sys.executable, "-m", "properdocs", "build", "--strict", "-f", str(root / "properdocs.yml"),
            "--site-dir", str(root / out)]


def build(root: Path) -> str:
    """A strict build of the fake site; returns its log (fails the test if the build fails)."""
    try:
        done = subprocess.run(build_argv(root), cwd=root, env=build_env(root), capture_output=True,
                              text=True, timeout=BUILD_TIMEOUT)
    except subprocess.TimeoutExpired:
        pytest.fail(f"the fake site's build took over {BUILD_TIMEOUT} s")
    log = done.stdout + done.stderr
    assert done.returncode == 0, log[-5000:]
    assert "Traceback" not in log, log[-5000:]
    return log


def runs(root: Path, name: str = "a") -> int:
    path = root / "runs" / name
    return len(path.read_text().splitlines()) if path.exists() else 0


def check_pages(root: Path, names=("a",)) -> None:
    home = (root / "site" / "index.html").read_text(encoding="utf-8")
    assert "Usage: pathlearn gan" in home
    for name in names:
        page = (root / "site" / name / "index.html").read_text(encoding="utf-8")
        assert f"hello from {name}" in page


def warnings(log: str) -> list[str]:
    return [line for line in log.splitlines() if line.startswith("WARNING") and "cache:" in line]


# --------------------------------------------------------------------------- faults


@pytest.fixture(scope="module")
def built_once(tmp_path_factory) -> Path:
    """The fake site after one cold build (every cache filled)."""
    root = make_site(tmp_path_factory.mktemp("cache-site") / "site-root")
    (root / "runs" / "release").touch()
    log = build(root)
    assert runs(root) == 1 and not warnings(log), log
    check_pages(root)
    return root


def _entry(root: Path) -> Path:
    (entry,) = [p for p in (root / ".cache" / "notebooks").iterdir() if _nbexec.KEY_RE.fullmatch(p.name)]
    return entry


def _cut(path: Path) -> None:
    data = path.read_bytes()
    assert len(data) > 4, path
    path.write_bytes(data[: len(data) // 2])


FAULTS = {
    # name: (damage, words of the warning, whether the notebook runs again)
    "meta.json cut short": (lambda r: _cut(_entry(r) / "meta.json"), "meta.json", True),
    "meta.json without a field": (
        lambda r: (_entry(r) / "meta.json").write_text('{"source": "docs/a.ipynb"}'), "meta.json", True),
    "executed notebook cut short": (lambda r: _cut(_entry(r) / "a.ipynb"), "a.ipynb differs", True),
    "executed notebook missing": (lambda r: (_entry(r) / "a.ipynb").unlink(), "a.ipynb is missing", True),
    "rendered page cut short": (
        lambda r: _cut(next(_entry(r).glob("render-*.json"))), "the rendered page of a.ipynb", False),
    "CLI help cut short": (
        lambda r: _cut(next((r / ".cache" / "cli-help").glob("gan-*.json"))), "the help of `pathlearn gan`", False),
    "compiled templates cut short": (
        lambda r: [_cut(p) for p in (r / ".cache" / "jinja").glob("__jinja2_*.cache")], "compiled template", False),
    "run times cut short": (
        lambda r: (r / ".cache" / "notebooks" / "runtimes.json").write_text('{"docs/a.ipy'), "runtimes.json", False),
}


@pytest.mark.site
@pytest.mark.parametrize("fault", list(FAULTS))
def test_a_damaged_cache_file_is_rebuilt_with_a_warning(built_once, tmp_path, fault):
    damage, words, runs_again = FAULTS[fault]
    root = tmp_path / "site-root"
    shutil.copytree(built_once, root, ignore=shutil.ignore_patterns("site"))
    damage(root)
    log = build(root)
    found = warnings(log)
    assert found and all(words in line for line in found), log[-5000:]
    assert all("discarded and rebuilt" in line for line in found)
    assert runs(root) == (2 if runs_again else 1), log[-5000:]
    check_pages(root)
    # rebuilt: the next build finds everything whole and warns about nothing
    log = build(root)
    assert not warnings(log) and runs(root) == (2 if runs_again else 1), log[-5000:]


@pytest.mark.site
@needs_flock
def test_two_builds_at_once_execute_each_notebook_once(tmp_path):
    names = ("a", "b")
    root = make_site(tmp_path / "site-root", names)
    logs = {n: tmp_path / f"build-{n}.log" for n in ("first", "second")}
    procs = {}
    try:
        with open(logs["first"], "w") as out:
            procs["first"] = subprocess.Popen(build_argv(root, "site"), cwd=root, env=build_env(root),
                                              stdout=out, stderr=subprocess.STDOUT, text=True)
        deadline = time.monotonic() + 120
        while not all(runs(root, n) for n in names):  # the first build's kernels run both notebooks
            assert procs["first"].poll() is None, logs["first"].read_text()
            assert time.monotonic() < deadline, "the first build never started its notebooks"
            time.sleep(0.1)
        with open(logs["second"], "w") as out:
            procs["second"] = subprocess.Popen(build_argv(root, "site2"), cwd=root, env=build_env(root),
                                               stdout=out, stderr=subprocess.STDOUT, text=True)
        deadline = time.monotonic() + 120
        while logs["second"].read_text().count("waiting for another build") < len(names):
            assert procs["second"].poll() is None, logs["second"].read_text()
            assert time.monotonic() < deadline, "the second build never waited:\n" + logs["second"].read_text()
            time.sleep(0.1)
        (root / "runs" / "release").touch()  # now both notebooks of the first build may finish
        for name, proc in procs.items():
            assert proc.wait(timeout=BUILD_TIMEOUT) == 0, logs[name].read_text()[-5000:]
    finally:
        for proc in procs.values():
            if proc.poll() is None:
                proc.kill()
                proc.wait(timeout=30)
    assert {n: runs(root, n) for n in names} == {"a": 1, "b": 1}
    second = logs["second"].read_text()
    assert "Traceback" not in second and not warnings(second)
    for out in ("site", "site2"):
        for name in names:
            assert f"hello from {name}" in (root / out / name / "index.html").read_text(encoding="utf-8")


# --------------------------------------------------------------------------- nbclient


@pytest.mark.site
def test_notebooks_run_where_an_event_loop_already_runs(tmp_path):
    """nbclient's synchronous `execute` (jupyter_core's run_sync) inside a running asyncio loop,
    as under Playwright's sync API in the test session, and on a plain thread."""
    nb = tmp_path / "loop.ipynb"
    nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("print(6 * 7)")]), nb)

    async def inside_a_loop():
        return _nbexec.execute_notebook(nb, tmp_path / "in-loop" / "loop.ipynb", timeout=60)

    # asyncio.run in a thread of its own: in the full suite, tests/test_browser.py's sync Playwright
    # already runs a loop in this thread, where asyncio.run refuses to start another one
    looped = {}
    runner = threading.Thread(target=lambda: looped.update(r=asyncio.run(inside_a_loop())))
    runner.start()
    runner.join(timeout=120)
    assert not runner.is_alive() and "r" in looped
    box = {}
    thread = threading.Thread(target=lambda: box.update(
        r=_nbexec.execute_notebook(nb, tmp_path / "thread" / "loop.ipynb", timeout=60)))
    thread.start()
    thread.join(timeout=120)
    assert not thread.is_alive() and "r" in box
    for out in ("in-loop", "thread"):
        executed = nbformat.read(tmp_path / out / "loop.ipynb", as_version=4)
        assert executed.cells[0].outputs[0]["text"] == "42\n"


# --------------------------------------------------------------------------- units


def test_atomic_write_leaves_the_old_file_when_interrupted(tmp_path, monkeypatch):
    path = tmp_path / "meta.json"
    _cachefs.atomic_write(path, '{"old": 1}')

    def crash(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(_cachefs.os, "replace", crash)
    with pytest.raises(OSError, match="disk full"):
        _cachefs.atomic_write(path, '{"new": 2}')
    assert path.read_text() == '{"old": 1}'
    assert sorted(p.name for p in tmp_path.iterdir()) == ["meta.json"]  # no temporary file left


def test_read_json_discards_what_it_cannot_read(tmp_path, caplog):
    good, bad, odd = tmp_path / "good.json", tmp_path / "bad.json", tmp_path / "odd.json"
    good.write_text('{"text": "x"}')
    bad.write_text('{"text": "x')
    odd.write_text('{"other": 1}')
    check = lambda d: isinstance(d["text"], str)  # noqa: E731
    _cachefs.log.addHandler(caplog.handler)
    try:
        assert _cachefs.read_json(good, "good", check) == {"text": "x"}
        assert _cachefs.read_json(tmp_path / "none.json", "none", check) is None
        assert _cachefs.read_json(bad, "bad", check) is None
        assert _cachefs.read_json(odd, "odd", check) is None
    finally:
        _cachefs.log.removeHandler(caplog.handler)
    assert good.exists() and not bad.exists() and not odd.exists()
    messages = [r.getMessage() for r in caplog.records]
    assert len(messages) == 2 and all("\n" not in m for m in messages)
    assert "cache: bad could not be read (invalid JSON" in messages[0]
    assert "cache: odd could not be read (KeyError" in messages[1]


@needs_flock
def test_file_lock_excludes_and_survives_removal(tmp_path):
    path = tmp_path / ".locks" / "k.lock"
    first = _cachefs.FileLock(path)
    assert first.acquire(blocking=False)
    assert not _cachefs.FileLock(path).acquire(blocking=False)  # another holder (even a thread)
    got, waited = [], []
    second = _cachefs.FileLock(path)
    thread = threading.Thread(target=lambda: got.append(second.acquire(on_wait=lambda: waited.append(1))))
    thread.start()
    time.sleep(0.3)
    assert not got and waited == [1]
    first.release(remove=True)  # the waiter then finds its file gone and locks a new one
    thread.join(timeout=10)
    assert got == [True] and path.exists()
    assert not _cachefs.FileLock(path).acquire(blocking=False)
    second.release()
    assert _cachefs.FileLock(path).acquire(blocking=False)


def _fake_entry(cache: Path, key: str, source: str | None, age_days: float) -> Path:
    entry = cache / key
    entry.mkdir(parents=True)
    if source is not None:
        meta = entry / "meta.json"
        meta.write_text(json.dumps({"source": source}))
        stamp = time.time() - age_days * 86400
        os.utime(meta, (stamp, stamp))
    return entry


def test_eviction_keeps_what_the_build_uses_and_the_newest_per_notebook(tmp_path):
    cache = tmp_path / "notebooks"
    key = lambda n: f"{n:032x}"  # noqa: E731
    _fake_entry(cache, key(1), "docs/ja/x.ipynb", 0)  # used by this build
    _fake_entry(cache, key(2), "docs/ja/x.ipynb", 1)  # the one before: kept
    _fake_entry(cache, key(3), "docs/ja/x.ipynb", 2)  # third newest: evicted
    _fake_entry(cache, key(4), "docs/en/x.ipynb", 40)  # unused for 40 days: evicted
    _fake_entry(cache, key(5), "docs/en/y.ipynb", 40)  # as old, but this build uses it
    _fake_entry(cache, key(6), None, 0)  # broken, not used: evicted
    _fake_entry(cache, key(7), None, 0)  # broken, but this build is about to run it
    (cache / f".run-{key(8)}-0a1b2c3d").mkdir()  # a run whose process died
    (cache / f".trash-{key(9)}-0a1b2c3d").mkdir()
    (cache / "runtimes.json").write_text("{}")
    runner = _nbexec.NotebookRunner(cache, tmp_path / "pathlearn")
    removed = runner._evict({key(1), key(5), key(7)})
    assert sorted(removed) == [key(3), key(4), key(6)]
    assert sorted(p.name for p in cache.iterdir() if not p.name.startswith(".")) == [
        key(1), key(2), key(5), key(7), "runtimes.json"]
    assert not list(cache.glob(".run-*")) and not list(cache.glob(".trash-*"))


@needs_flock
def test_eviction_leaves_an_entry_another_process_holds(tmp_path):
    cache = tmp_path / "notebooks"
    _fake_entry(cache, "f" * 32, "docs/ja/x.ipynb", 40)
    runner = _nbexec.NotebookRunner(cache, tmp_path / "pathlearn")
    held = runner._entry_lock("f" * 32)
    assert held.acquire(blocking=False)
    try:
        assert runner._evict(set()) == [] and (cache / ("f" * 32)).is_dir()
    finally:
        held.release()
    assert runner._evict(set()) == ["f" * 32] and not (cache / ("f" * 32)).exists()


def test_cli_help_eviction(tmp_path):
    old = time.time() - 40 * 86400
    files = {}
    for name, age in [("gan-new", 0), ("gan-older", 1), ("gan-oldest", 2), ("lstm-stale", 40), ("lstm-used", 40)]:
        files[name] = tmp_path / f"{name}.json"
        files[name].write_text("{}")
        stamp = time.time() - age * 86400
        os.utime(files[name], (stamp, stamp))
    (tmp_path / "gan-0123.txt").write_text("an older format")
    stale_tmp = tmp_path / ".gan-x.json.abc.tmp"
    stale_tmp.write_text("{")
    os.utime(stale_tmp, (old, old))
    removed = cli_help.evict(tmp_path, keep={files["gan-new"], files["lstm-used"]})
    assert sorted(p.name for p in tmp_path.iterdir()) == ["gan-new.json", "gan-older.json", "lstm-used.json"]
    assert len(removed) == 3


# --------------------------------------------------------------------------- no hang can eat CI


def test_the_suite_has_a_time_limit(request):
    assert request.config.pluginmanager.hasplugin("timeout"), "pytest-timeout is missing: pip install -e '.[test]'"
    assert float(request.config.getini("timeout")) > 0
    assert request.config.getini("timeout_method") == "thread"


def test_every_subprocess_call_in_the_tests_has_a_timeout():
    """subprocess.run/call/check_call/check_output with `timeout=`; a Popen only where a
    `wait(timeout=...)` or `communicate(timeout=...)` follows in the same file."""
    import ast

    missing = []
    for path in sorted((ROOT / "tests").glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        calls = [n for n in ast.walk(tree) if isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute)]
        waits = any(c.func.attr in ("wait", "communicate") and any(k.arg == "timeout" for k in c.keywords)
                    for c in calls)
        for call in calls:
            owner = call.func.value
            if not (isinstance(owner, ast.Name) and owner.id == "subprocess"):
                continue
            timed = any(k.arg in ("timeout", None) for k in call.keywords)  # None: **kwargs
            if call.func.attr in ("run", "call", "check_call", "check_output") and not timed:
                missing.append(f"{path.name}:{call.lineno} subprocess.{call.func.attr}")
            elif call.func.attr == "Popen" and not waits:
                missing.append(f"{path.name}:{call.lineno} subprocess.Popen without wait(timeout=...)")
    assert not missing, missing
