"""Two-layer net: numpy vs torch, float32 and float64, idle and under load, 1 thread or all.

Every case is a call of the package's own training function (`pathlearn.twolayer`) at the
tutorial's sizes, with the thread count set the way users set it (`$PATHLEARN_THREADS`, read by
`pathlearn.threads.cpu_threads`). The cases run interleaved, so drift hits them alike; ratios
compare medians measured in the same run. Two probes explain the numbers: torch's profiler
(where a training step spends its time) and the latency of single matrix products with 1 and
all threads, idle and loaded (where the cliffs under load come from).
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np
import torch

from benchmarks.common import ROOT, CpuShare, background_load, cpu_busy, interleaved, median, ratio
from pathlearn.threads import ENV_VAR, cpu_threads
from pathlearn.twolayer import make_problem, train_autograd, train_numpy, train_torch

SIZES = (64, 1000, 100, 10)  # N, D_in, H, D_out of the tutorial
STEPS = 500
LR = 1e-6
DTYPES = ("float64", "float32")
# What each implementation name runs (all CPU); "torch" is the one the goal is about.
IMPLEMENTATIONS: dict[str, Callable[..., Any]] = {
    "numpy": train_numpy,  # numpy, hand-written backprop
    "torch": train_autograd,  # torch autograd: what the tutorial's torch users run
    "torch manual": train_torch,  # torch tensors, the same hand-written backprop as numpy
}
METHOD = (
    "Each case trains the tutorial's net (N, D_in, H, D_out = 64, 1000, 100, 10; lr 1e-6) with the "
    "package's own function (train_numpy, train_autograd = 'torch', train_torch = 'torch manual') and "
    "reports its own loop time (Run.seconds). Threads per pool are set through $PATHLEARN_THREADS, "
    "which pathlearn.threads.cpu_threads applies to torch (set_num_threads) and to numpy's BLAS "
    "(threadpoolctl). All cases run interleaved, `repeats` rounds, first idle, then with one busy "
    "pure-Python process per core ('loaded'); the tables show medians. 'torch manual' runs at 1 thread "
    "only. cpu_busy_before: the machine-wide busy share of all cores just before each condition (other "
    "programs included); cpu_busy_during: the machine-wide busy share while the cases of a condition "
    "ran, and this process's share of it (loaded: the busy processes not included). faults_per_step: "
    "minor page faults of the process per training step (getrusage), median over the repeats. "
    "'malloc_experiment' repeats the idle 1-thread cases in a child process whose glibc keeps freed "
    "memory (MALLOC_TRIM_THRESHOLD_ and MALLOC_MMAP_THRESHOLD_ raised): what keeping freed memory "
    "(e.g. mallopt at import) would be worth. 'profiles': torch's profiler over `profile_steps` autograd "
    "steps in float64/float32 at 1 thread idle, and float64 at 1 and all threads loaded; "
    "'matmul_probe': single x @ w1 products (float64), idle and loaded."
)
# glibc settings of the what-if child: keep freed memory instead of handing it back to the OS
# (each hand-back costs the next step a page fault per 4 KiB of a fresh 800 KB gradient).
MALLOC_ENV = {"MALLOC_TRIM_THRESHOLD_": str(256 << 20), "MALLOC_MMAP_THRESHOLD_": str(32 << 20)}


@contextmanager
def threads(count: int) -> Iterator[None]:
    """Make pathlearn's training functions use `count` threads per pool ($PATHLEARN_THREADS)."""
    previous = os.environ.get(ENV_VAR)
    os.environ[ENV_VAR] = str(count)
    try:
        yield
    finally:
        if previous is None:
            os.environ.pop(ENV_VAR, None)
        else:
            os.environ[ENV_VAR] = previous


def case_name(impl: str, dtype: str, count: int) -> str:
    return f"{impl} {dtype} {count}t"


def _minor_faults() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_minflt


def make_cases(thread_counts: list[int], steps: int,
               faults: dict[str, list[float]] | None = None) -> dict[str, Callable[[], float]]:
    """Name -> a function that trains once and returns the loop's seconds.

    With `faults`, each call also appends its minor page faults per step to `faults[name]`.
    """
    cases: dict[str, Callable[[], float]] = {}
    for dtype in DTYPES:
        problem = make_problem(*SIZES, dtype=dtype)
        for count in thread_counts:
            for impl, train in IMPLEMENTATIONS.items():
                if impl == "torch manual" and count != 1:
                    continue
                kwargs = {} if train is train_numpy else {"device": "cpu"}
                name = case_name(impl, dtype, count)

                def case(train=train, problem=problem, count=count, kwargs=kwargs, name=name) -> float:
                    with threads(count):
                        before = _minor_faults()
                        seconds = train(problem, lr=LR, steps=steps, **kwargs).seconds
                        if faults is not None:
                            faults.setdefault(name, []).append((_minor_faults() - before) / steps)
                        return seconds

                cases[name] = case
    return cases


@contextmanager
def _stderr_silenced() -> Iterator[None]:
    """Silence file descriptor 2 (torch's profiler logs 'profiler_start' lines there from C++)."""
    sys.stderr.flush()
    saved = os.dup(2)
    try:
        with open(os.devnull, "w") as devnull:
            os.dup2(devnull.fileno(), 2)
            yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)


def profile_torch(steps: int, count: int, dtype: str = "float64", top: int = 6) -> dict[str, Any]:
    """torch's profiler over `steps` autograd steps: the ops with the most self CPU time.

    Returns per-step microseconds for the top ops and for all matrix products together.
    """
    from torch.profiler import ProfilerActivity, profile

    problem = make_problem(*SIZES, dtype=dtype)
    with threads(count):
        train_autograd(problem, steps=5, device="cpu")  # warm-up outside the profile
        with _stderr_silenced(), profile(activities=[ProfilerActivity.CPU]) as prof:
            run = train_autograd(problem, steps=steps, device="cpu")
    events = [e for e in prof.key_averages() if e.key.startswith("aten::")]
    total = sum(e.self_cpu_time_total for e in events)
    matmul = sum(e.self_cpu_time_total for e in events if e.key in ("aten::mm", "aten::addmm", "aten::bmm"))
    rows = sorted(events, key=lambda e: e.self_cpu_time_total, reverse=True)[:top]
    return {
        "threads": count, "dtype": dtype, "steps": steps,
        "step_us": run.seconds / steps * 1e6,
        "aten_self_us_per_step": total / steps,
        "matmul_share": ratio(matmul, total),
        "top": [{"op": e.key, "calls_per_step": e.count / steps, "self_us_per_step": e.self_cpu_time_total / steps,
                 "us_per_call": e.self_cpu_time_total / e.count} for e in rows],
    }


def matmul_latency(lib: str, dtype: str, count: int, calls: int) -> dict[str, float]:
    """Microseconds per call of the step's largest product, x (64x1000) @ w1 (1000x100)."""
    rng = np.random.default_rng(0)
    x = rng.standard_normal(SIZES[:2]).astype(dtype)
    w1 = rng.standard_normal(SIZES[1:3]).astype(dtype)
    if lib == "torch":
        tx, tw = torch.from_numpy(x), torch.from_numpy(w1)

        def product() -> object:
            return tx.mm(tw)
    else:

        def product() -> object:
            return x.dot(w1)

    times = []
    with cpu_threads(count):
        for _ in range(5):
            product()
        for _ in range(calls):
            start = time.perf_counter()
            product()
            times.append((time.perf_counter() - start) * 1e6)
    times.sort()
    return {"median_us": median(times), "p90_us": times[int(0.9 * (len(times) - 1))], "max_us": times[-1]}


def _probes(thread_counts: list[int], calls: int) -> dict[str, dict[str, float]]:
    return {f"{lib} float64 {count}t": matmul_latency(lib, "float64", count, calls)
            for count in thread_counts for lib in ("numpy", "torch")}


def _measure(cases: dict[str, Callable[[], float]], faults: dict[str, list[float]],
             repeats: int) -> tuple[dict[str, list[float]], dict[str, float]]:
    faults.clear()
    times = interleaved(cases, repeats)
    return times, {name: median(values) for name, values in faults.items()}


def idle_one_thread(steps: int, repeats: int) -> dict[str, Any]:
    """The idle 1-thread cases alone (what the malloc child process runs)."""
    faults: dict[str, list[float]] = {}
    cases = make_cases([1], steps, faults)
    for case in cases.values():
        case()
    times, fault_medians = _measure(cases, faults, repeats)
    medians = {name: median(ts) for name, ts in times.items()}
    return {
        "seconds": medians, "faults_per_step": fault_medians, "raw": times,
        "torch_over_numpy": {d: ratio(medians[case_name("torch", d, 1)], medians[case_name("numpy", d, 1)])
                             for d in DTYPES},
        "torch_manual_over_numpy": {d: ratio(medians[case_name("torch manual", d, 1)],
                                             medians[case_name("numpy", d, 1)]) for d in DTYPES},
    }


def malloc_experiment(steps: int, repeats: int) -> dict[str, Any]:
    """`idle_one_thread` in a child process with `MALLOC_ENV` (glibc reads it at start-up)."""
    code = ("import json, sys; from benchmarks.twolayer import idle_one_thread; "
            f"json.dump(idle_one_thread({steps}, {repeats}), sys.stdout)")
    env = {**os.environ, **MALLOC_ENV, "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True,
                          check=False)
    if done.returncode != 0:
        return {"error": done.stderr[-2000:]}
    return {"env": MALLOC_ENV, **json.loads(done.stdout)}


def run(*, repeats: int = 5, loaded_repeats: int = 3, steps: int = STEPS, load: bool = True,
        profile_steps: int = 100, probe_calls: int = 200, experiment: bool = True) -> dict[str, Any]:
    """Median seconds per case, idle and (if `load`) with every core busy elsewhere."""
    all_threads = os.cpu_count() or 1
    thread_counts = sorted({1, all_threads})
    faults: dict[str, list[float]] = {}
    cases = make_cases(thread_counts, steps, faults)
    for case in cases.values():  # warm-up: first calls pay for allocations and lazy init
        case()
    busy = {"idle": cpu_busy()}
    conditions, fault_medians, during = {}, {}, {}
    with CpuShare() as share:
        conditions["idle"], fault_medians["idle"] = _measure(cases, faults, repeats)
    during["idle"] = share.shares()
    probes = {"idle": _probes(thread_counts, probe_calls)}
    profiles = {"idle": [profile_torch(profile_steps, 1, dtype) for dtype in DTYPES]}
    malloc = malloc_experiment(steps, repeats) if experiment else None
    processes = 0
    if load:
        with background_load() as processes:
            busy["loaded"] = cpu_busy()
            with CpuShare() as share:
                conditions["loaded"], fault_medians["loaded"] = _measure(cases, faults, loaded_repeats)
            during["loaded"] = share.shares()  # this_process: without the spinners (not yet waited for)
            probes["loaded"] = _probes(thread_counts, probe_calls)
            profiles["loaded"] = [profile_torch(profile_steps, count) for count in thread_counts]
    medians = {cond: {name: median(ts) for name, ts in times.items()} for cond, times in conditions.items()}
    rows = []
    for cond, times in medians.items():
        for dtype in DTYPES:
            for count in thread_counts:
                row: dict[str, Any] = {"condition": cond, "dtype": dtype, "threads": count}
                for impl in IMPLEMENTATIONS:
                    key = impl.replace(" ", "_")
                    row[f"{key}_s"] = times.get(case_name(impl, dtype, count))
                    row[f"{key}_faults_per_step"] = fault_medians[cond].get(case_name(impl, dtype, count))
                row["torch_over_numpy"] = ratio(row["torch_s"], row["numpy_s"])
                manual = row["torch_manual_s"]
                row["torch_manual_over_numpy"] = ratio(manual, row["numpy_s"]) if manual is not None else None
                rows.append(row)
    slowdown = {}
    if "loaded" in medians:
        slowdown = {name: {"median": ratio(medians["loaded"][name], medians["idle"][name]),
                           "worst": ratio(max(conditions["loaded"][name]), medians["idle"][name])}
                    for name in cases}
    default = [r for r in rows if r["condition"] == "idle" and r["threads"] == 1]
    goals = {
        "torch_le_numpy_idle_1t": {r["dtype"]: r["torch_over_numpy"] <= 1 for r in default},
        "no_10x_cliff_at_1t": all(v["worst"] < 10 for k, v in slowdown.items() if k.endswith(" 1t"))
        if slowdown else None,
    }
    return {
        "method": METHOD, "steps": steps, "sizes": list(SIZES), "lr": LR,
        "repeats": {"idle": repeats, "loaded": loaded_repeats if load else 0},
        "cpu_count": all_threads, "thread_counts": thread_counts,
        "background_processes": processes, "cpu_busy_before": busy, "cpu_busy_during": during,
        "rows": rows, "loaded_over_idle": slowdown, "goals": goals,
        "malloc_experiment": malloc,
        "matmul_probe": probes, "profiles": profiles,
        "raw": conditions,
    }


def table(result: dict[str, Any]) -> list[str]:
    """Rows of the printed table."""
    def cell(value: float | None, spec: str) -> str:
        return format(value, spec) if value is not None else format("-", spec.split(".")[0].lstrip(">"))

    lines = [f"two-layer net, {result['steps']} steps, median seconds "
             f"(idle x{result['repeats']['idle']}, loaded x{result['repeats']['loaded']}); "
             f"cpu busy before: {result['cpu_busy_before']}, during: {result.get('cpu_busy_during')}",
             f"{'condition':<9} {'dtype':<8} {'threads':>7} {'numpy':>8} {'torch':>8} {'manual':>8} "
             f"{'torch/numpy':>11} {'manual/numpy':>12} {'faults/step np/torch':>20}"]
    for r in result["rows"]:
        faults = f"{cell(r['numpy_faults_per_step'], '.0f')}/{cell(r['torch_faults_per_step'], '.0f')}"
        lines.append(f"{r['condition']:<9} {r['dtype']:<8} {r['threads']:>7} {cell(r['numpy_s'], '>8.3f')} "
                     f"{cell(r['torch_s'], '>8.3f')} {cell(r['torch_manual_s'], '>8.3f')} "
                     f"{cell(r['torch_over_numpy'], '>11.2f')} {cell(r['torch_manual_over_numpy'], '>12.2f')} "
                     f"{faults:>20}")
    if result["loaded_over_idle"]:
        lines.append("loaded / idle (median, worst run): " + ", ".join(
            f"{k} {v['median']:.1f}x/{v['worst']:.1f}x" for k, v in result["loaded_over_idle"].items()))
    for cond, probe in result["matmul_probe"].items():
        lines.append(f"matmul 64x1000 @ 1000x100 float64, {cond} (median/p90/max us): " + ", ".join(
            f"{k} {v['median_us']:.0f}/{v['p90_us']:.0f}/{v['max_us']:.0f}" for k, v in probe.items()))
    for cond, profiles in result["profiles"].items():
        for p in profiles:
            top = ", ".join(f"{t['op'][6:]} {t['self_us_per_step']:.0f}" for t in p["top"][:4])
            lines.append(f"profile {cond} {p['dtype']} {p['threads']}t: {p['step_us']:.0f} us/step, "
                         f"matmul share {p['matmul_share']:.0%}; top self us/step: {top}")
    malloc = result.get("malloc_experiment")
    if malloc and "error" not in malloc:
        lines.append("glibc keeps freed memory (child process), idle 1t: torch/numpy " + ", ".join(
            f"{d} {v:.2f}" for d, v in malloc["torch_over_numpy"].items()) + "; faults/step " + ", ".join(
            f"{k} {v:.1f}" for k, v in malloc["faults_per_step"].items()))
    elif malloc:
        lines.append(f"malloc experiment failed: {malloc['error'][-300:]}")
    lines.append(f"goals: {result['goals']}")
    return lines
