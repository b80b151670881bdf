"""GAN: success rate and time to quality over seeds, plain (our reconstruction of the seed post's
setup) vs fixed, and an ablation of the fixed recipe: each of its parts set back to plain's value."""

from __future__ import annotations

import dataclasses
import math
from typing import Any

from benchmarks.common import median
from pathlearn.gan import RECIPES, GANResult, Recipe, train_gan

MEAN, STD = 5.0, 2.0  # the default target N(5, 2)
TOLERANCE = 0.025  # in units of the target std: 0.05 for N(5, 2)
BUDGETS = (0.25, 0.5, 0.75, 1.0)  # fractions of the variant's default steps
METHOD = (
    "Each seed trains the variant on the CPU for its default number of steps (train_gan, target N(5, 2), "
    "statistics from 100,000 generated samples); a run succeeds when |mean error|, |std error| and the "
    "Wasserstein-1 distance to N(5, 2) are each <= 0.025 std (0.05). Time to quality: each seed is also "
    "trained with budgets of 1/4, 1/2 and 3/4 of the default steps, each budget its own run from the same "
    "seed (the fixed recipe's schedules stretch to the budget; the plain recipe's learning rate and batch "
    "are constant, so its shorter budgets are prefixes of the full run), tried in ascending order until one "
    "succeeds. A seed's time to quality is the training wall time (GANResult.seconds, evaluation excluded) "
    "of the shortest succeeding budget; the median counts seeds that never succeed as infinite (and is "
    "null when they are half or more). Runs are sequential, one process, pathlearn's default threads."
)


# The parts in which the fixed recipe differs from plain, each as the Recipe fields it sets.
# Removing a part sets those fields back to plain's values and keeps all the others as in fixed.
# (fused_adam is left alone: it changes only the rounding, not the recipe.)
ABLATIONS: dict[str, tuple[str, ...]] = {
    "batch_stats": ("batch_stats",),
    "lr_and_betas": ("lr", "betas"),
    "warmup_and_decay": ("warmup", "lr_final"),
    "batch_growth": ("batch_growth",),
    "weight_averaging": ("average_from",),
    "standardize": ("standardize",),
    "g_shape": ("g_hidden", "g_layers"),
    "d_lr": ("d_lr",),
}
ABLATION_METHOD = (
    "Each ablation trains the fixed recipe with one part set back to the plain recipe's value and every other "
    "setting as in fixed (ABLATIONS names the Recipe fields of each part; fused Adam is kept), on the same seeds, "
    "for the fixed recipe's default steps, on the CPU, and measures it like the variants (100,000 generated "
    "samples; success = the same bar). Only the full-length run is trained, no shorter budgets. The full fixed "
    "and plain rows are the variants' full-length runs of the same seeds. Runs are sequential, in one process, "
    "after the variants' runs; their seconds are wall time on a shared machine, so only large differences in "
    "time mean anything."
)


def meets_bar(fake_mean: float, fake_std: float, w1: float, *, mean: float = MEAN, std: float = STD,
              tolerance: float = TOLERANCE) -> bool:
    """The quality bar: mean error, std error and W1 each within `tolerance * std`."""
    limit = tolerance * std
    return abs(fake_mean - mean) <= limit and abs(fake_std - std) <= limit and w1 <= limit


def time_to_quality(runs: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The succeeding run with the fewest steps (its seconds are the time to quality), or None."""
    good = [r for r in runs if r["ok"]]
    return min(good, key=lambda r: r["steps"]) if good else None


def median_or_none(values: list[float]) -> float | None:
    """Median with `inf` for failures; None when the median itself is a failure."""
    if not values:
        return None
    value = median(sorted(values))
    return None if math.isinf(value) else value


def measured(result: GANResult) -> dict[str, Any]:
    """What the benchmark keeps of one run: steps, seconds, errors, W1 and success."""
    return {
        "steps": result.steps, "seconds": result.seconds,
        "mean_error": result.fake_mean - MEAN, "std_error": result.fake_std - STD,
        "w1": result.wasserstein1,
        "ok": meets_bar(result.fake_mean, result.fake_std, result.wasserstein1),
    }


def _one(variant: str, seed: int, steps: int, eval_samples: int) -> dict[str, Any]:
    return measured(train_gan(mean=MEAN, std=STD, variant=variant, seed=seed, steps=steps, device="cpu",
                              eval_samples=eval_samples))


def ablated_recipe(removed: str) -> Recipe:
    """The fixed recipe with the fields of part `removed` (a key of ABLATIONS) set to plain's values."""
    plain = RECIPES["plain"]
    return dataclasses.replace(RECIPES["fixed"], **{f: getattr(plain, f) for f in ABLATIONS[removed]})


def _ablated_one(removed: str, seed: int, eval_samples: int) -> dict[str, Any]:
    return measured(train_gan(mean=MEAN, std=STD, variant=f"fixed without {removed}",
                              recipe=ablated_recipe(removed), seed=seed, device="cpu",
                              eval_samples=eval_samples))


def ablation_summary(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """Success count and rate, median and max W1, and median seconds of a list of runs."""
    return {
        "success": sum(r["ok"] for r in runs), "seeds": len(runs),
        "success_rate": sum(r["ok"] for r in runs) / len(runs),
        "median_w1": median([r["w1"] for r in runs]), "max_w1": max(r["w1"] for r in runs),
        "median_seconds": median([r["seconds"] for r in runs]),
    }


def run_ablation(*, seeds: range = range(10), eval_samples: int = 100_000,
                 variants: dict[str, Any] | None = None) -> dict[str, Any]:
    """Every part of ABLATIONS removed on its own, every seed; `variants` (the result of the
    variants' runs) gives the full fixed and plain rows."""
    removed: dict[str, Any] = {}
    for name, fields in ABLATIONS.items():
        recipe = ablated_recipe(name)
        runs = [{"seed": seed, **_ablated_one(name, seed, eval_samples)} for seed in seeds]
        removed[name] = {"fields": {f: {"fixed": getattr(RECIPES["fixed"], f), "plain": getattr(recipe, f)}
                                    for f in fields},
                         "runs": runs, **ablation_summary(runs)}
    reference = {variant: ablation_summary([{k: r[k] for k in ("seed", "seconds", "w1", "ok")}
                                            for r in v["runs"]])
                 for variant, v in (variants or {}).items()}
    return {"method": ABLATION_METHOD, "removed": removed, "reference": reference}


def run_seed(variant: str, seed: int, *, eval_samples: int = 100_000,
             budgets: tuple[float, ...] = BUDGETS) -> dict[str, Any]:
    """The full run of one seed, then shorter budgets in ascending order until one succeeds."""
    default = RECIPES[variant].steps
    full = _one(variant, seed, default, eval_samples)
    tried = [full]
    for fraction in sorted(b for b in budgets if b < 1):
        run = _one(variant, seed, max(1, round(default * fraction)), eval_samples)
        tried.append(run)
        if run["ok"]:
            break
    best = time_to_quality(tried)
    return {
        "seed": seed, **{k: full[k] for k in ("seconds", "mean_error", "std_error", "w1", "ok")},
        "steps_to_quality": best["steps"] if best else None,
        "seconds_to_quality": best["seconds"] if best else None,
        "budget_runs": sorted(tried, key=lambda r: r["steps"]),
    }


def summarize(runs: list[dict[str, Any]]) -> dict[str, Any]:
    to_quality = [r["seconds_to_quality"] if r["seconds_to_quality"] is not None else math.inf for r in runs]
    return {
        "success": sum(r["ok"] for r in runs), "seeds": len(runs),
        "reached_quality": sum(r["seconds_to_quality"] is not None for r in runs),
        "median_seconds_to_quality": median_or_none(to_quality),
        "median_seconds": median([r["seconds"] for r in runs]),
        "max_seconds": max(r["seconds"] for r in runs),
        "max_w1": max(r["w1"] for r in runs),
        "median_w1": median([r["w1"] for r in runs]),
    }


def run(*, seeds: range = range(10), variants: tuple[str, ...] = ("plain", "fixed"),
        eval_samples: int = 100_000, ablation: bool = True) -> dict[str, Any]:
    """Every seed of every variant, sequentially, then the ablation of the fixed recipe."""
    results: dict[str, Any] = {}
    for variant in variants:
        runs = [run_seed(variant, seed, eval_samples=eval_samples) for seed in seeds]
        results[variant] = {"default_steps": RECIPES[variant].steps, "runs": runs, **summarize(runs)}
    fixed = results.get("fixed")
    goals = {}
    if fixed:
        goals = {"fixed_all_seeds_succeed": fixed["success"] == fixed["seeds"],
                 "fixed_each_run_le_10s": fixed["max_seconds"] <= 10}
    out = {"method": METHOD, "target": {"mean": MEAN, "std": STD}, "tolerance_std": TOLERANCE,
           "bar": TOLERANCE * STD, "budgets": list(BUDGETS), "eval_samples": eval_samples,
           "variants": results, "goals": goals}
    if ablation:
        out["ablation"] = run_ablation(seeds=seeds, eval_samples=eval_samples, variants=results)
    return out


def table(result: dict[str, Any]) -> list[str]:
    def fmt(value: float | None, spec: str = ".2f") -> str:
        return "never" if value is None else format(value, spec)

    lines = [f"GAN to N(5, 2), bar {result['bar']:.3f} (|mean err|, |std err|, W1), CPU",
             f"{'variant':<7} {'success':>8} {'median s':>9} {'max s':>6} {'median W1':>10} {'max W1':>7} "
             f"{'median s to quality':>20}"]
    for variant, r in result["variants"].items():
        lines.append(f"{variant:<7} {r['success']:>4}/{r['seeds']:<3} {r['median_seconds']:>9.2f} "
                     f"{r['max_seconds']:>6.2f} {r['median_w1']:>10.3f} {r['max_w1']:>7.3f} "
                     f"{fmt(r['median_seconds_to_quality']):>20}")
    for variant, r in result["variants"].items():
        lines.append(f"{variant} per seed (W1; steps to quality): " + ", ".join(
            f"{x['seed']}: {x['w1']:.3f}; {x['steps_to_quality'] or '-'}" for x in r["runs"]))
    lines.append(f"goals: {result['goals']}")
    if "ablation" in result:
        ablation = result["ablation"]
        lines.append(f"ablation of fixed (one part set back to plain's value), {'removed':<18} "
                     f"{'success':>8} {'median W1':>10} {'median s':>9}")
        rows = [*((f"{name} (reference)", r) for name, r in ablation["reference"].items()),
                *ablation["removed"].items()]
        for name, r in rows:
            lines.append(f"  {name:<18} {r['success']:>4}/{r['seeds']:<3} {r['median_w1']:>10.3f} "
                         f"{r['median_seconds']:>9.2f}")
    return lines
