"""Executing the site's notebooks at build time, with a content-addressed cache.

Not a hook itself (the leading underscore keeps it out of `hooks:`): `notebook_exec.py` drives it,
and the tests import it to check the cache key. Everything here is plain Python, no MkDocs.

* The cache key of a notebook is a hash of its bytes, of every `pathlearn` source file it
  imports (transitively, found with `ast`; the whole package when that cannot be told), of the
  package's data files, of the kernel environment and of the versions of the libraries that
  shape the output. Nothing else is looked at, so a rebuild with nothing changed executes nothing.
* An executed notebook lives in `<cache>/<key>/<name>.ipynb` next to `meta.json` (run time,
  dependencies, stderr found, the torch version the kernel ran, the executed file's SHA-256). A
  run writes into a temporary folder that is renamed to `<key>` when complete, so an entry is
  whole or absent; a failed run leaves nothing behind, so it is tried again. An entry that
  cannot be read (a file cut short or missing) is discarded and run again, with one warning line
  (`_cachefs.py`).
* A run holds the lock `<cache>/.locks/<key>.lock`: a second process that needs the same entry
  (`mkdocs serve` next to a test build) waits for it and then uses it instead of running the
  notebook again.
* Eviction, at each build: entries this build uses stay; any other entry goes when it was last
  used more than `_cachefs.MAX_AGE_DAYS` (30) days ago or when `_cachefs.KEEP_PER_SOURCE` (2) more
  recently used entries of the same notebook exist. "Used" is `meta.json`'s mtime, touched by
  every build that uses the entry. An entry another process holds the lock of is left alone.
* At most `workers` kernels run at once (2 by default: this project's machines have 2 cores), on
  daemon threads, longest notebook first (from the last recorded run times). nbclient's own
  synchronous `NotebookClient.execute` runs each notebook (`jupyter_core.utils.run_sync`: an event
  loop of each worker thread's own, or a helper thread where the caller already runs a loop).
"""

from __future__ import annotations

import ast
import hashlib
import json
import os
import queue
import re
import shutil
import tempfile
import threading
import time
import uuid
from collections.abc import Iterable
from concurrent.futures import Future
from dataclasses import dataclass
from datetime import datetime
from importlib import metadata
from pathlib import Path

import nbformat
from _cachefs import (
    KEEP_PER_SOURCE,
    MAX_AGE_DAYS,
    FileLock,
    atomic_write,
    describe_error,
    discard_dir,
    older_than,
    read_json,
    touch,
    warn_discarded,
)
from _cachefs import log as cache_log

PACKAGE = "pathlearn"
# Bump to invalidate every cached execution (e.g. when what is stored changes).
# 2: meta.json records the torch version the kernel ran (the site footer shows it).
CACHE_VERSION = "2"
# Tiny models run several times faster with one thread per pool on a 2-core machine (see
# pathlearn/threads.py); progress bars would end up as stderr on the page. An explicit value in
# the environment of `mkdocs` wins.
KERNEL_ENV_DEFAULTS = {
    "OMP_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
    "OPENBLAS_NUM_THREADS": "1",
    "PATHLEARN_THREADS": "1",
    "TQDM_DISABLE": "1",
}
# Versions that change what a notebook prints or draws; part of the key.
KEY_DISTRIBUTIONS = (
    "torch",
    "numpy",
    "matplotlib",
    "matplotlib-fontja",
    "ipykernel",
    "statsmodels",
)
ANSI_RE = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
# Run in the kernel after the notebook's last cell, then taken out of the notebook: the torch
# version the code ran with (empty when the notebook never imported torch), asked of the kernel
# itself rather than of the build's environment, which a user's kernelspec may not share.
VERSION_PROBE = (
    "import sys as _sys\n"
    "print(getattr(_sys.modules.get('torch'), '__version__', ''), end='')"
)
# Code that can reach pathlearn in ways `ast` cannot follow: then the whole package counts.
DYNAMIC_RE = re.compile(r"\b(import_module|__import__|subprocess|os\.system|runpy|pkgutil)\b")
MODULE_DYNAMIC_RE = re.compile(r"\b(import_module|__import__)\s*\(")
PIP_INSTALL_RE = re.compile(r"[%!]pip install ")


class NotebookExecutionError(RuntimeError):
    """A notebook failed to run (a cell raised, timed out, or the kernel died)."""


def kernel_env() -> dict[str, str]:
    """The variables the notebook kernels get on top of this process's environment."""
    return {name: os.environ.get(name, value) for name, value in KERNEL_ENV_DEFAULTS.items()}


# --------------------------------------------------------------------------- dependencies


def package_modules(package_dir: Path) -> dict[str, Path]:
    """Module name -> source file for every module of the package (`pathlearn`, `pathlearn.x`)."""
    modules = {}
    for path in sorted(package_dir.rglob("*.py")):
        if "__pycache__" in path.parts:
            continue
        parts = list(path.relative_to(package_dir.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        modules[".".join(parts)] = path
    return modules


def package_data_files(package_dir: Path) -> list[Path]:
    """Files of the package that are not Python source (data the modules may read)."""
    return sorted(
        p
        for p in package_dir.rglob("*")
        if p.is_file() and p.suffix not in (".py", ".pyc") and "__pycache__" not in p.parts
    )


def _with_parents(name: str) -> set[str]:
    parts = name.split(".")
    return {".".join(parts[: i + 1]) for i in range(len(parts))}


def imported_modules(
    tree: ast.AST, modules: dict[str, Path], current: str | None = None
) -> set[str]:
    """Package modules that the code in `tree` imports (parents included: importing `a.b` runs
    `a/__init__.py`). `current` is the module the code belongs to, for relative imports."""
    found: set[str] = set()

    def add(name: str) -> None:
        if name == PACKAGE or name.startswith(PACKAGE + "."):
            found.update(n for n in _with_parents(name) if n in modules)

    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                add(alias.name)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                if current is None:
                    continue
                is_package = modules.get(current, Path()).name == "__init__.py"
                base = current.split(".")
                base = base if is_package else base[:-1]
                base = base[: len(base) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            add(target)
            for alias in node.names:  # `from pathlearn import gan` imports a submodule
                if f"{target}.{alias.name}" in modules:
                    add(f"{target}.{alias.name}")
    return found


def _notebook_code(nb: nbformat.NotebookNode) -> tuple[str, bool]:
    """Python code of the code cells, and whether a shell or magic line mentions the package.

    A shell or magic line becomes `pass` (so the block around it still parses). `%pip install`
    (the install cell at the top of each tutorial, for Colab) only runs where pathlearn cannot be
    imported, never in the site's kernel: it does not make the notebook depend on the package.
    """
    lines, opaque = [], False
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        for line in cell.source.splitlines():
            stripped = line.lstrip()
            if stripped.startswith(("!", "%")):
                opaque |= PACKAGE in stripped and not PIP_INSTALL_RE.match(stripped)
                lines.append(line[: len(line) - len(stripped)] + "pass")
                continue
            lines.append(line)
        lines.append("")
    return "\n".join(lines), opaque


def dependency_files(nb: nbformat.NotebookNode, package_dir: Path) -> list[Path]:
    """The package files whose content can change what `nb` computes."""
    modules = package_modules(package_dir)
    code, opaque = _notebook_code(nb)
    everything = sorted(modules.values()) + package_data_files(package_dir)
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return everything
    if opaque or (PACKAGE in code and DYNAMIC_RE.search(code)):
        return everything
    todo = imported_modules(tree, modules)
    if not todo:
        return []
    seen: set[str] = set()
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        source = modules[name].read_text(encoding="utf-8")
        try:
            tree = ast.parse(source)
        except SyntaxError:  # being edited: the kernel will say what is wrong
            return everything
        if MODULE_DYNAMIC_RE.search(source):
            return everything
        todo |= imported_modules(tree, modules, current=name) - seen
    return sorted(modules[n] for n in seen) + package_data_files(package_dir)


def _versions() -> list[str]:
    out = []
    for dist in KEY_DISTRIBUTIONS:
        try:
            out.append(f"{dist}=={metadata.version(dist)}")
        except metadata.PackageNotFoundError:
            out.append(f"{dist}==none")
    return out


def notebook_key(nb_path: Path, package_dir: Path) -> tuple[str, list[Path]]:
    """(cache key, dependency files) of the notebook at `nb_path`."""
    raw = nb_path.read_bytes()
    deps = dependency_files(nbformat.reads(raw.decode("utf-8"), as_version=4), package_dir)
    h = hashlib.sha256()
    for part in [f"v{CACHE_VERSION}", *_versions(), json.dumps(sorted(kernel_env().items()))]:
        h.update(part.encode() + b"\0")
    h.update(raw + b"\0")
    for dep in deps:
        h.update(dep.relative_to(package_dir.parent).as_posix().encode() + b"\0")
        h.update(hashlib.sha256(dep.read_bytes()).digest())
    return h.hexdigest()[:32], deps


# --------------------------------------------------------------------------- execution


@dataclass(frozen=True)
class Executed:
    """A notebook run: where the executed copy lives and what was measured."""

    key: str
    path: Path
    run_seconds: float
    stderr: tuple[str, ...]
    deps: tuple[str, ...]
    torch: str = ""  # the torch version the kernel ran ("" when the notebook did not use torch)


def _timestamp(value: str) -> float:
    return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()


def code_run_seconds(nb: nbformat.NotebookNode) -> float:
    """Wall time from the first code cell's start to the last one's reply (kernel start-up and
    shutdown excluded), from the timings nbclient records in the cell metadata."""
    starts, ends = [], []
    for cell in nb.cells:
        timing = cell.get("metadata", {}).get("execution", {})
        if cell.cell_type == "code" and timing:
            start = timing.get("iopub.execute_input") or timing.get("shell.execute_reply.started")
            if start and timing.get("shell.execute_reply"):
                starts.append(_timestamp(start))
                ends.append(_timestamp(timing["shell.execute_reply"]))
    return max(ends) - min(starts) if starts else 0.0


def stderr_outputs(nb: nbformat.NotebookNode) -> list[str]:
    """'cell N: first line' for each stderr stream output (warnings end up there)."""
    found = []
    for index, cell in enumerate(nb.cells):
        for output in cell.get("outputs", []):
            if output.get("output_type") == "stream" and output.get("name") == "stderr":
                text = ANSI_RE.sub("", output.get("text", "")).strip()
                found.append(f"cell {index}: {text.splitlines()[0] if text else '(empty)'}")
    return found


def execute_notebook(src: Path, dest: Path, timeout: int) -> tuple[float, list[str]]:
    """Run `src` in a fresh kernel in an empty temporary directory, stop at the first error,
    and write the executed notebook to `dest`. Returns (code run seconds, stderr lines)."""
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError

    nb = nbformat.read(src, as_version=4)
    kernel_name = nb.metadata.get("kernelspec", {}).get("name") or "python3"
    probe = nbformat.v4.new_code_cell(VERSION_PROBE)
    nb.cells.append(probe)
    with tempfile.TemporaryDirectory(prefix="pathlearn-nb-") as workdir:
        log_path = Path(workdir) / "kernel.log"
        run_dir = Path(workdir) / "cwd"
        run_dir.mkdir()
        client = NotebookClient(
            nb,
            timeout=timeout,
            kernel_name=kernel_name,
            allow_errors=False,
            record_timing=True,
            resources={"metadata": {"path": str(run_dir)}},
        )
        try:
            with open(log_path, "w", encoding="utf-8") as log:
                env = {**os.environ, **kernel_env()}
                client.execute(env=env, stderr=log)
        except (CellExecutionError, CellTimeoutError, DeadKernelError) as exc:
            message = ANSI_RE.sub("", str(exc)).strip()
            kernel_log = log_path.read_text(encoding="utf-8", errors="replace")[-2000:]
            kernel_log = "\n".join(
                line for line in kernel_log.splitlines() if "running over TCP" not in line
            ).strip()
            raise NotebookExecutionError(
                f"{src} did not run to the end:\n{message}"
                + (f"\n--- kernel log ---\n{kernel_log}" if kernel_log else "")
            ) from None
    probe = nb.cells.pop()  # the notebook as it was, without the probe
    torch_version = "".join(o.get("text", "") for o in probe.outputs if o.get("name") == "stdout").strip()
    seconds = code_run_seconds(nb)
    stderr = stderr_outputs(nb)
    nb.metadata[PACKAGE] = {"run_seconds": round(seconds, 3), "stderr": stderr, "torch": torch_version}
    text = nbformat.writes(nb)
    atomic_write(dest, text if text.endswith("\n") else text + "\n")
    return seconds, stderr


class _DaemonPool:
    """A tiny priority thread pool whose threads never hold up the exit of `mkdocs serve`
    (a kernel left behind notices its parent is gone and exits)."""

    def __init__(self, workers: int) -> None:
        self._queue: queue.PriorityQueue = queue.PriorityQueue()
        self._seq = 0
        self._lock = threading.Lock()
        for i in range(workers):
            threading.Thread(target=self._work, name=f"notebook-runner-{i}", daemon=True).start()

    def submit(self, priority: float, fn, *args) -> Future:
        future: Future = Future()
        with self._lock:
            self._seq += 1
            self._queue.put((priority, self._seq, future, fn, args))
        return future

    def _work(self) -> None:
        while True:
            _, _, future, fn, args = self._queue.get()
            if future.set_running_or_notify_cancel():
                try:
                    future.set_result(fn(*args))
                except BaseException as exc:  # noqa: BLE001 - handed to whoever waits
                    future.set_exception(exc)


KEY_RE = re.compile(r"[0-9a-f]{32}")


class NotebookRunner:
    """Executes notebooks into the cache, at most `workers` at a time, and hands them out."""

    def __init__(self, cache_dir: Path, package_dir: Path, workers: int = 2, timeout: int = 300):
        self.cache_dir = cache_dir
        self.package_dir = package_dir
        self.timeout = timeout
        self._pool = _DaemonPool(workers)
        self._lock = threading.Lock()
        self._running: dict[str, Future] = {}  # key -> future of a run in progress or done
        self._keys: dict[Path, tuple[str, list[Path]]] = {}
        self.executed: list[Path] = []  # notebooks run by this process, in order of completion

    # paths --------------------------------------------------------------------------------
    def entry(self, key: str) -> Path:
        return self.cache_dir / key

    def _entry_lock(self, key: str) -> FileLock:
        return FileLock(self.cache_dir / ".locks" / f"{key}.lock")

    def _runtimes_file(self) -> Path:
        return self.cache_dir / "runtimes.json"

    def _runtimes(self) -> dict[str, float]:
        found = read_json(
            self._runtimes_file(),
            f"{self._runtimes_file()}",
            check=lambda d: all(isinstance(v, (int, float)) for v in d.values()),
        )
        return found or {}

    # scheduling ---------------------------------------------------------------------------
    def prepare(self, notebooks: Iterable[Path], evict: bool = True) -> dict[str, int]:
        """Compute every notebook's key, start the runs the cache cannot answer (longest first,
        by the last recorded run time) and, given every notebook of the site, evict the cache
        entries that are old or superseded (see the module docstring)."""
        notebooks = [Path(p).resolve() for p in notebooks]
        runtimes = self._runtimes()
        keys = {}
        for nb in notebooks:
            keys[nb] = self._keys[nb] = notebook_key(nb, self.package_dir)
        counts = {"cached": 0, "started": 0, "running": 0}
        todo = []
        with self._lock:
            for nb, (key, _) in keys.items():
                future = self._running.get(key)
                if future is not None and future.done() and future.exception() is not None:
                    del self._running[key]  # failed last time: try again
                    future = None
                if future is not None and not future.done():
                    counts["running"] += 1
                elif (self.entry(key) / "meta.json").is_file():
                    touch(self.entry(key) / "meta.json")  # used now (for eviction)
                    counts["cached"] += 1
                else:
                    todo.append(nb)
            todo.sort(key=lambda nb: -runtimes.get(self._name(nb), 60.0))
            for nb in todo:
                key = keys[nb][0]
                priority = -runtimes.get(self._name(nb), 60.0)
                self._running[key] = self._pool.submit(priority, self._ensure, nb, key, keys[nb][1])
                counts["started"] += 1
        if evict:
            self._evict({key for key, _ in keys.values()})
        return counts

    def _name(self, nb: Path) -> str:
        try:
            return nb.relative_to(self.package_dir.parent).as_posix()
        except ValueError:
            return nb.as_posix()

    def _evict(self, keep: set[str], now: float | None = None) -> list[str]:
        """Remove the entries that the rule in the module docstring lets go; returns their keys.
        Also removes what crashed runs left (`.run-*`, `.trash-*`, stale lock files)."""
        if not self.cache_dir.is_dir():
            return []
        now = now or time.time()
        with self._lock:
            keep = keep | {k for k, f in self._running.items() if not f.done()}
        by_source: dict[str, list[tuple[float, str]]] = {}
        broken = []
        for entry in self.cache_dir.iterdir():
            if not (entry.is_dir() and KEY_RE.fullmatch(entry.name)):
                continue
            meta_path = entry / "meta.json"
            try:
                source = json.loads(meta_path.read_text(encoding="utf-8"))["source"]
                used = meta_path.stat().st_mtime
            except (OSError, ValueError, KeyError, TypeError):
                broken.append(entry.name)  # whoever needs it runs it again
                continue
            by_source.setdefault(str(source), []).append((used, entry.name))
        doomed = [key for key in broken if key not in keep]
        for entries in by_source.values():
            entries.sort(reverse=True)  # most recently used first
            for rank, (used, key) in enumerate(entries):
                too_old = now - used > MAX_AGE_DAYS * 86400
                if key not in keep and (too_old or rank >= KEEP_PER_SOURCE):
                    doomed.append(key)
        removed = []
        for key in doomed:
            lock = self._entry_lock(key)
            if lock.acquire(blocking=False):  # else another process is running or reading it
                try:
                    discard_dir(self.entry(key))
                    removed.append(key)
                finally:
                    lock.release(remove=True)
        for path in self.cache_dir.iterdir():
            if path.name.startswith(".trash-"):
                shutil.rmtree(path, ignore_errors=True)
            elif path.name.startswith(".run-"):  # a run that died with its process
                lock = self._entry_lock(path.name.split("-")[1])
                if lock.acquire(blocking=False):
                    try:
                        shutil.rmtree(path, ignore_errors=True)
                    finally:
                        lock.release()
        locks = self.cache_dir / ".locks"
        if locks.is_dir():
            for path in locks.glob("*.lock"):
                key = path.stem
                if KEY_RE.fullmatch(key) and not self.entry(key).exists() and older_than(path, 86400, now):
                    lock = FileLock(path)
                    if lock.acquire(blocking=False):
                        lock.release(remove=True)
        return removed

    def _check(self, key: str, nb: Path) -> tuple[Executed | None, str | None]:
        """(the cached run, None) when the entry is whole; (None, None) when there is no entry;
        (None, why) when it is there but cannot be used."""
        entry = self.entry(key)
        if not entry.is_dir():
            return None, None
        path = entry / nb.name
        try:
            meta = json.loads((entry / "meta.json").read_text(encoding="utf-8"))
            executed = Executed(
                key=key,
                path=path,
                run_seconds=float(meta["run_seconds"]),
                stderr=tuple(str(line) for line in meta["stderr"]),
                deps=tuple(str(dep) for dep in meta["deps"]),
                torch=str(meta["torch"]),
            )
        except (OSError, ValueError, KeyError, TypeError) as exc:
            why = describe_error(exc)
            return None, (f"meta.json: {why}" if "meta.json" not in why else why)
        try:
            data = path.read_bytes()
        except OSError as exc:
            return None, describe_error(exc)
        expected = meta.get("sha256")
        if expected is not None:
            if hashlib.sha256(data).hexdigest() != expected:
                return None, f"{path.name} differs from what meta.json recorded, cut short?"
        else:  # entries written before the hash was recorded
            try:
                json.loads(data)
            except ValueError as exc:
                return None, f"{path.name}: {describe_error(exc)}"
        return executed, None

    def _ensure(self, nb: Path, key: str, deps: list[Path]) -> None:
        """Make the entry `key` whole, under its lock: use one that another process made while
        this one waited, or run the notebook (discarding an entry that cannot be read)."""
        name = self._name(nb)
        lock = self._entry_lock(key)
        lock.acquire(on_wait=lambda: cache_log.info(
            "notebooks: waiting for another build that runs %s (lock %s)", name, lock.path))
        try:
            executed, why = self._check(key, nb)
            if executed is not None:
                touch(self.entry(key) / "meta.json")
                return
            if why is not None:
                warn_discarded(f"the cached run of {name} ({self.entry(key)})", why)
                discard_dir(self.entry(key))
            self._run(nb, key, deps)
        finally:
            lock.release()

    def _run(self, nb: Path, key: str, deps: list[Path]) -> None:
        """Run `nb` into a temporary folder and rename it to the entry (the caller holds the
        entry's lock)."""
        work = self.cache_dir / f".run-{key}-{uuid.uuid4().hex[:8]}"
        started = time.monotonic()
        try:
            seconds, stderr = execute_notebook(nb, work / nb.name, self.timeout)
            executed = (work / nb.name).read_bytes()
            meta = {
                "source": self._name(nb),
                "run_seconds": round(seconds, 3),
                "wall_seconds": round(time.monotonic() - started, 3),
                "stderr": stderr,
                "torch": json.loads(executed)["metadata"][PACKAGE]["torch"],
                "deps": [d.relative_to(self.package_dir.parent).as_posix() for d in deps],
                "sha256": hashlib.sha256(executed).hexdigest(),
            }
            atomic_write(work / "meta.json", json.dumps(meta, indent=1))
            os.rename(work, self.entry(key))
        finally:
            shutil.rmtree(work, ignore_errors=True)
        with self._lock:
            runtimes_lock = FileLock(self.cache_dir / ".locks" / "runtimes.lock")
            with runtimes_lock:
                runtimes = self._runtimes()
                runtimes[self._name(nb)] = meta["wall_seconds"]
                atomic_write(self._runtimes_file(), json.dumps(runtimes, indent=1, sort_keys=True))
            self.executed.append(nb)

    # results ------------------------------------------------------------------------------
    def result(self, nb: Path) -> Executed:
        """The executed notebook for `nb` (blocks while it runs; raises if the run failed). An
        entry that turns out unreadable here is run again (under its lock) before answering."""
        nb = Path(nb).resolve()
        if nb not in self._keys:
            self.prepare([nb], evict=False)
        key, deps = self._keys[nb]
        with self._lock:
            future = self._running.get(key)
        if future is not None:
            future.result()  # re-raises NotebookExecutionError
        executed, why = self._check(key, nb)
        if executed is None:
            with self._lock:
                future = self._running[key] = self._pool.submit(float("-inf"), self._ensure, nb, key, deps)
            future.result()
            executed, why = self._check(key, nb)
            if executed is None:
                raise NotebookExecutionError(
                    f"the cached run of {self._name(nb)} cannot be read even after running it: {why}"
                )
        return executed
