"""GPU vs CPU: the three models on cuda and on the CPU, and where the GPU starts to pay off.

Skipped (with a note in the results) when `torch.cuda.is_available()` is false. `run(device=...)`
takes another device so the code can be checked without a GPU (the tests run it on "cpu").
"""

from __future__ import annotations

import os
from typing import Any

import torch

from benchmarks.common import median, ratio
from benchmarks.twolayer import threads
from pathlearn.datasets import load_airline
from pathlearn.errors import TrainingDivergedError
from pathlearn.gan import train_gan
from pathlearn.lstm import train_forecaster
from pathlearn.twolayer import make_problem, train_autograd

SCALES = (1, 2, 4, 8, 16)  # the two-layer net with N and H times this (D_in, D_out unchanged)
METHOD = (
    "Each model once per device after a warm-up run (CUDA initialisation and cuBLAS handles are not "
    "timed): the two-layer net with autograd (500 steps, float32), the fixed GAN (seed 0) and the LSTM "
    "(seed 0); seconds are each function's own loop time (they wait for the GPU before stopping the "
    "clock). Scaling: the two-layer net with N = 64*k and H = 100*k (D_in 1000, D_out 10, float32, "
    "50 steps, lr 1e-6/k^2 so it stays finite), median of 3 runs per device; the CPU runs with 1 thread "
    "(pathlearn's default) and with all cores. 'pays off from' is the smallest k where the GPU is faster "
    "than the faster CPU setting."
)


def unavailable_note() -> str | None:
    """Why the section is skipped, or None when a CUDA GPU is there."""
    if torch.cuda.is_available():
        return None
    return (f"skipped: no CUDA GPU on this machine (torch {torch.__version__}, "
            f"torch.cuda.is_available() is False)")


def _twolayer_seconds(scale: int, steps: int, device: str) -> float | None:
    problem = make_problem(64 * scale, 1000, 100 * scale, 10, dtype="float32")
    try:
        return train_autograd(problem, lr=1e-6 / scale**2, steps=steps, device=device).seconds
    except TrainingDivergedError:
        return None


def _models(device: str, quick: bool) -> dict[str, float]:
    series = load_airline()
    steps = 50 if quick else 500
    problem = make_problem(dtype="float32")
    out = {}
    twolayer = f"two-layer net (autograd, {steps} steps)"
    for name, call in (
        (twolayer, lambda: train_autograd(problem, steps=steps, device=device).seconds),
        ("GAN (fixed, seed 0)", lambda: train_gan(seed=0, device=device, steps=100 if quick else None,
                                                   eval_samples=1000 if quick else 100_000).seconds),
        ("LSTM (seed 0)", lambda: train_forecaster(series, seed=0, device=device,
                                                   epochs=10 if quick else None).seconds),
    ):
        call()  # warm-up
        out[name] = call()
    return out


def run(*, device: str = "cuda", quick: bool = False, scales: tuple[int, ...] = SCALES) -> dict[str, Any]:
    """Model times on `device` vs the CPU, and the scaling table."""
    if device.startswith("cuda"):
        note = unavailable_note()
        if note:
            return {"skipped": True, "note": note, "method": METHOD}
    name = torch.cuda.get_device_name(torch.device(device)) if device.startswith("cuda") else device
    models = {"device": _models(device, quick), "cpu": _models("cpu", quick)}
    model_rows = [{"model": m, "device_s": models["device"][m], "cpu_s": models["cpu"][m],
                   "cpu_over_device": ratio(models["cpu"][m], models["device"][m])} for m in models["cpu"]]
    steps, repeats = (5, 1) if quick else (50, 3)
    all_threads = os.cpu_count() or 1
    scaling = []
    for k in scales:
        _twolayer_seconds(k, 2, device)  # warm-up at this size
        row: dict[str, Any] = {"scale": k, "N": 64 * k, "H": 100 * k}
        row["device_s"] = median([s for s in (_twolayer_seconds(k, steps, device) for _ in range(repeats))
                                  if s is not None])
        for label, count in (("cpu_1t_s", 1), ("cpu_all_s", all_threads)):
            with threads(count):
                row[label] = median([s for s in (_twolayer_seconds(k, steps, "cpu") for _ in range(repeats))
                                     if s is not None])
        best_cpu = min(row["cpu_1t_s"], row["cpu_all_s"])
        row["cpu_over_device"] = ratio(best_cpu, row["device_s"])
        scaling.append(row)
    pays_off = next((r["scale"] for r in scaling if r["cpu_over_device"] > 1), None)
    return {"skipped": False, "method": METHOD, "device": device, "device_name": name,
            "cpu_threads_all": all_threads, "steps": steps, "models": model_rows, "scaling": scaling,
            "pays_off_from_scale": pays_off}


def table(result: dict[str, Any]) -> list[str]:
    if result.get("skipped"):
        return [f"GPU: {result['note']}"]
    lines = [f"GPU ({result['device_name']}) vs CPU",
             f"{'model':<38} {'device s':>9} {'cpu s':>8} {'cpu/device':>11}"]
    for r in result["models"]:
        lines.append(f"{r['model']:<38} {r['device_s']:>9.3f} {r['cpu_s']:>8.3f} {r['cpu_over_device']:>11.2f}")
    lines.append(f"{'k':>3} {'N':>5} {'H':>5} {'device s':>9} {'cpu 1t s':>9} {'cpu all s':>10} {'cpu/device':>11}")
    for r in result["scaling"]:
        lines.append(f"{r['scale']:>3} {r['N']:>5} {r['H']:>5} {r['device_s']:>9.3f} {r['cpu_1t_s']:>9.3f} "
                     f"{r['cpu_all_s']:>10.3f} {r['cpu_over_device']:>11.2f}")
    lines.append(f"the GPU pays off from k = {result['pays_off_from_scale']}")
    return lines
