"""Helpers shared by the benchmarks: interleaved repeats, medians, background load, environment."""

from __future__ import annotations

import multiprocessing as mp
import os
import platform
import statistics
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]


def _spin(stop: Any) -> None:
    x = 0
    while not stop.is_set():
        for _ in range(100_000):
            x += 1


@contextmanager
def background_load(processes: int | None = None) -> Iterator[int]:
    """Keep `processes` CPU-bound processes busy (default: one per core) while inside.

    Each is a pure-Python loop with no thread pool of its own: the load other programs (a
    second training run, a site build, a browser) put on a shared machine.
    """
    count = processes if processes is not None else os.cpu_count() or 1
    ctx = mp.get_context("spawn")
    stop = ctx.Event()
    workers = [ctx.Process(target=_spin, args=(stop,), daemon=True) for _ in range(count)]
    for worker in workers:
        worker.start()
    time.sleep(0.5)  # let the spinners reach full speed
    try:
        if not all(worker.is_alive() for worker in workers):
            raise RuntimeError("the background load processes did not start (see their error above)")
        yield count
    finally:
        stop.set()
        for worker in workers:
            worker.join(timeout=5)
            if worker.is_alive():
                worker.kill()
                worker.join(timeout=5)


def interleaved(cases: dict[str, Callable[[], float]], repeats: int) -> dict[str, list[float]]:
    """Run every case once per round, `repeats` rounds, so drift hits all cases alike.

    Each case returns its own measured seconds (so set-up is not timed).
    """
    times: dict[str, list[float]] = {name: [] for name in cases}
    for _ in range(repeats):
        for name, case in cases.items():
            times[name].append(case())
    return times


def median(values: list[float]) -> float:
    """The median, or NaN for no values."""
    return statistics.median(values) if values else float("nan")


def ratio(numerator: float, denominator: float) -> float:
    """numerator / denominator, NaN when the denominator is 0 (or either is NaN)."""
    return numerator / denominator if denominator else float("nan")


def cpu_busy(seconds: float = 0.5) -> float | None:
    """Share (0..1) of all cores that was busy, machine-wide, during the next `seconds`.

    Read from /proc/stat; `None` where there is none. Recorded next to measurements so that
    load from other programs (which no benchmark controls) is visible in the results.
    """
    first = _proc_stat()
    time.sleep(seconds)
    second = _proc_stat()
    if first is None or second is None or second[0] == first[0]:
        return None
    total, idle = second[0] - first[0], second[1] - first[1]
    return round(1 - idle / total, 3)


def _proc_stat() -> tuple[int, int] | None:
    try:
        fields = Path("/proc/stat").read_text().splitlines()[0].split()[1:]
    except (OSError, IndexError):
        return None
    values = [int(v) for v in fields]
    return sum(values), values[3] + (values[4] if len(values) > 4 else 0)


class CpuShare:
    """Context manager: the busy share of all cores while inside, machine-wide and of this process.

    `this_process` counts this process and the children it has waited for (os.times()), so the
    difference `machine - this_process` is what other programs used. Both are None without
    /proc/stat. Read `.shares()` after the block.
    """

    def __enter__(self) -> CpuShare:
        self._stat, self._own, self._start = _proc_stat(), os.times(), time.monotonic()
        return self

    def __exit__(self, *exc: object) -> None:
        stat, own, wall = _proc_stat(), os.times(), time.monotonic() - self._start
        self.machine = self.this_process = None
        if stat is None or self._stat is None or stat[0] == self._stat[0]:
            return
        total, idle = stat[0] - self._stat[0], stat[1] - self._stat[1]
        self.machine = round(1 - idle / total, 3)
        used = sum(own[:4]) - sum(self._own[:4])
        self.this_process = round(min(1.0, used / (wall * (os.cpu_count() or 1))), 3) if wall > 0 else None

    def shares(self) -> dict[str, float | None]:
        return {"machine": self.machine, "this_process": self.this_process}


def wait_until_quiet(limit: float = 0.15, timeout: float = 0.0) -> float | None:
    """Wait (up to `timeout` s) until the machine is less than `limit` busy; returns the last reading."""
    deadline = time.monotonic() + timeout
    busy = cpu_busy()
    while busy is not None and busy > limit and time.monotonic() < deadline:
        busy = cpu_busy(2.0)
    return busy


def now_utc() -> str:
    """The current time, UTC, ISO 8601 to the second."""
    return datetime.now(timezone.utc).replace(microsecond=0).isoformat()


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _memory_gib() -> float | None:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return round(int(line.split()[1]) / 2**20, 1)
    except (OSError, ValueError, IndexError):
        pass
    return None


def _version(dist: str) -> str | None:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return None


def environment() -> dict[str, Any]:
    """Machine, versions and thread pools: the context every measurement is read in."""
    import numpy as np
    import torch
    from threadpoolctl import threadpool_info

    pools = [
        {k: info.get(k) for k in ("user_api", "internal_api", "prefix", "version", "num_threads",
                                  "threading_layer", "architecture") if info.get(k) is not None}
        for info in threadpool_info()
    ]
    cuda = torch.cuda.is_available()
    return {
        "machine": {
            "cpu": _cpu_model(),
            "cores": os.cpu_count(),
            "memory_gib": _memory_gib(),
            "os": f"{platform.system()} {platform.release()}",
            "gpu": torch.cuda.get_device_name(0) if cuda else None,
        },
        "versions": {
            "python": platform.python_version(),
            "torch": torch.__version__,
            "numpy": np.__version__,
            "pathlearn": _version("pathlearn"),
            "statsmodels": _version("statsmodels"),
            "mkdocs": _version("mkdocs"),
            "properdocs": _version("properdocs"),
            "cuda": torch.version.cuda if cuda else None,
        },
        "thread_pools": {
            "numpy_and_openmp": pools,  # threadpoolctl's view of the loaded libraries
            "torch_parallel_backend": _torch_backend(torch),
            "torch_default_threads": torch.get_num_threads(),
        },
    }


def _torch_backend(torch: Any) -> str:
    info = torch.__config__.parallel_info()
    for line in info.splitlines():
        if line.startswith("ATen parallel backend"):
            return line.split(":", 1)[1].strip()
    return "unknown"


def round_floats(value: Any, digits: int = 4) -> Any:
    """A copy of `value` with every float rounded (NaN and inf become None: valid JSON)."""
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            return None
        return round(value, digits)
    if isinstance(value, dict):
        return {k: round_floats(v, digits) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [round_floats(v, digits) for v in value]
    return value
