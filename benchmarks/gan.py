"""GAN: success rate and time to quality over seeds, plain (our reconstruction of the seed post's
setup) vs fixed, and an ablation of the fixed recipe: each of its parts set back to plain's value."""

from __future__ import annotations

import dataclasses
import math
import time
from typing import Any

from benchmarks.common import median
from pathlearn.gan import RECIPES, GANResult, Recipe, train_gan

MEAN, STD = 5.0, 2.0  # the default target N(5, 2)
TOLERANCE = 0.025  # in units of the target std: 0.05 for N(5, 2)
BUDGETS = (0.25, 0.5, 0.75, 1.0)  # fractions of the variant's default steps
TARGETS = ((0.0, 1.0), (-3.0, 0.5), (20.0, 5.0), (100.0, 20.0))  # other targets: the same bar, in their std
TARGET_SEEDS = 5  # the other targets are trained with the first 5 seeds (0-4), to keep the run short
# Issue 10's goals for the fixed recipe on N(5, 2), seeds 0-9 (absolute, in the target's units)
GOAL_MEDIAN_W1, GOAL_MAX_W1, GOAL_MAX_ERROR, GOAL_SECONDS = 0.02, 0.03, 0.03, 5.0
METHOD = (
    "Each seed trains the variant on the CPU for its default number of steps (train_gan, target N(5, 2), "
    "statistics from 100,000 generated samples); a run succeeds when |mean error|, |std error| and the "
    "Wasserstein-1 distance to N(5, 2) are each <= 0.025 std (0.05). Time to quality: each seed is also "
    "trained with budgets of 1/4, 1/2 and 3/4 of the default steps, each budget its own run from the same "
    "seed (the fixed recipe's schedules stretch to the budget; the plain recipe's learning rate and batch "
    "are constant, so its shorter budgets are prefixes of the full run), tried in ascending order until one "
    "succeeds. A seed's time to quality is the training wall time (GANResult.seconds, evaluation excluded) "
    "of the shortest succeeding budget; the median counts seeds that never succeed as infinite (and is "
    "null when they are half or more). Runs are sequential, one process, pathlearn's default threads. "
    "cpu_seconds is the CPU time of the whole train_gan call (training and evaluation) in this process, "
    "which other programs' load does not stretch. After the variants, the fixed recipe trains on each "
    "of TARGETS with the first 5 seeds (full length only), against the same bar in units of the target's std."
)


SELECTION = (
    "How the fixed recipe's settings were chosen (issue 10), in four rounds, on tuning seeds 100-111 (100-105 for "
    "the two 2000-step candidates of round 1), never on the reported seeds 0-9. Each candidate in TUNING lists "
    "what it changes from the fixed recipe before round 1 (betas (0.5, 0.9), d_hidden 16; the first row) and was "
    "trained on N(5, 2) on the CPU and measured like the benchmark (100,000 samples); a run counts as outside "
    "issue 10's bar when W1, |mean error| or |std error| exceeds 0.03. Several candidates ran at once on a shared "
    "2-core machine, so their wall times are not comparable, and cost was judged by what a run computes. "
    "Round 1 (the first 17 rows, 2026-11-30) chose by the lowest median W1: d_hidden 32 and betas (0.5, 0.999). "
    "Round 2 (the next 26 rows, 2026-12-01) started from that recipe. Its runs' W1 came mostly from the shape, "
    "not from the mean and std errors: the W1 from the samples to a normal with their own mean and std was about "
    "as large as the W1 to the target, and in a run followed through training a bump of the quantile function "
    "(about 0.05 at the 25% quantile) stayed from step 600 to the end. Longer training (1500, 2000 steps), larger "
    "last batches (batch_growth 16), a lower final learning rate, a peak learning rate of 5e-3, another D "
    "learning-rate factor (1, 3, 4), smooth activations in D (ema_decay and d_activation are not Recipe fields: "
    "those candidates ran a copy of train_gan's loop that keeps an exponential moving average of G's weights, "
    "corrected for its start, instead of the uniform one, or puts ELU, SiLU or tanh in D instead of LeakyReLU) "
    "and a larger first beta did not lower the median W1, or did so only with a worse worst seed; a narrower G "
    "(32 or 16) lowered the median, but with a worse worst seed. Since issue 10's bar also bounds the worst seed, "
    "rounds 2 and 3 chose by the fewest runs outside the bar, then the lowest median W1 (chosen_candidate; by the "
    "median alone round 2 would have chosen g_hidden 16, with one run at W1 0.063). Round 2 chose G 32 wide with "
    "its weights averaged over the last 70% of training (average_from 0.3). Round 3 (the last 9 rows, "
    "2026-12-01) varied that recipe's averaging window, G's width, steps, final learning rate and batch growth: "
    "1250 steps (25% more; a G 32 wide costs less per step than 64) lowered the median W1 to about 0.020 with no "
    "run outside the bar, 1500 did not. Chosen: 1250 steps with average_from 0.2 (median 0.0201; 0.0202 with "
    "average_from 0.3, a difference well within the seeds' noise). The other targets (TARGETS) were checked "
    "with round 2's and round 3's choices on tuning seeds 100-105 only (largest error or W1 0.015 std). The "
    "reported seeds 0-9 were run once, after the choice. "
    "Round 4 (the last 7 rows, 2026-12-01) was run after round 3's recipe had been measured on the reported seeds "
    "0-9, where it missed issue 10's bar (median W1 0.0253, worst 0.0309); its candidates were still trained and "
    "chosen on tuning seeds only. It gave G a linear path beside its hidden layers (g_skip: G = "
    "LinearSkip(Linear(1, 1), the ELU network), then Rescale), because the best G for a normal target is an "
    "affine map of the noise, which an ELU network only approximates piecewise (the bump in the quantile function "
    "of round 2). Rows: the skip path with the network's output layer starting at zero (g_skip alone; a random "
    "affine G at the start) and with PyTorch's default initialisation there (g_skip_zero_init false), each at "
    "1250, 1000 and 1500 steps, and the linear path starting at the identity (g_skip_linear_init identity). "
    "g_skip_zero_init and g_skip_linear_init are not Recipe fields: those candidates ran a copy of train_gan's "
    "loop with that G. Round 4 chose by the same rule (chosen_candidate), among candidates that keep 1250 steps "
    "and do not start G at the target. Two rows with a lower median W1 were set aside by these two conditions when "
    "choosing: 1500 steps (median 0.0139 against 0.0149, a difference within the seeds' noise; its slowest tuning "
    "run took 4.92 s of CPU time, too close to issue 10's 5 s per run) and the identity start (after Rescale that G "
    "produces about the target before any training, so it would not have to learn anything from D). Chosen: "
    "g_skip with the output layer at zero, 1250 steps (median W1 0.0149, worst 0.0258, against 0.0201 and 0.0299 "
    "without the skip path). Checked on fresh tuning seeds 112-123: median W1 0.0149, worst 0.0243 (without the "
    "skip path 0.0241 and 0.0293; with the default initialisation 0.0176 and 0.0264). Checked on the other targets "
    "(TARGETS) on tuning seeds 100-104: largest error or W1 0.013 std (without the skip path 0.015 std). The "
    "reported seeds 0-9 were then run once with the chosen recipe."
)

MAX_STEPS = 1250  # round 4: candidates may not train longer than the recipe they replace (issue 10's 5 s per run)


def eligible(candidate: dict[str, Any]) -> bool:
    """Round 4's two conditions (SELECTION): at most MAX_STEPS steps, and G not started at the target (the linear
    path at the identity). Every earlier round's choice meets both."""
    changes = candidate["changes"]
    return changes.get("steps", 1000) <= MAX_STEPS and changes.get("g_skip_linear_init") != "identity"



def chosen_candidate(tuning: list[dict[str, Any]]) -> dict[str, Any]:
    """The selection rule of rounds 2 to 4 (SELECTION): among the `eligible` candidates, the fewest runs outside
    issue 10's bar, then the lowest median W1."""
    return min(filter(eligible, tuning), key=lambda t: (t["runs_outside_issue_10_bar"], t["median_w1"]))


TUNING_KEYS = ("changes", "seeds", "median_w1", "max_w1", "max_abs_mean_error", "max_abs_std_error",
               "runs_outside_issue_10_bar")
_ROUND_3 = {"d_hidden": 32, "betas": [0.5, 0.999], "g_hidden": 32, "average_from": 0.2, "steps": 1250}  # its choice
TUNING: list[dict[str, Any]] = [dict(zip(TUNING_KEYS, row, strict=True)) for row in (
    # measured on the tuning seeds, 2026-11-30 (see SELECTION)
    ({}, "100-111", 0.0293, 0.0468, 0.0158, 0.0111, 6),
    ({"lr_final": 0.01}, "100-111", 0.0267, 0.0522, 0.0194, 0.0202, 4),
    ({"lr_final": 0.003}, "100-111", 0.0261, 0.0478, 0.0136, 0.0198, 3),
    ({"batch_size": 128, "batch_growth": 16.0}, "100-111", 0.0279, 0.0398, 0.0172, 0.011, 3),
    ({"batch_size": 128, "batch_growth": 16.0, "lr_final": 0.01}, "100-111", 0.0269, 0.049, 0.0225, 0.0128, 3),
    ({"batch_size": 128, "batch_growth": 32.0, "lr_final": 0.01}, "100-111", 0.0269, 0.2884, 0.0151, 0.0301, 3),
    ({"d_hidden": 32}, "100-111", 0.0262, 0.036, 0.0142, 0.0094, 3),
    ({"d_hidden": 64}, "100-111", 0.0255, 0.0391, 0.0143, 0.012, 3),
    ({"d_hidden": 32, "lr_final": 0.01}, "100-111", 0.0275, 0.0376, 0.0118, 0.0207, 5),
    ({"g_hidden": 128}, "100-111", 0.028, 0.0447, 0.0124, 0.0191, 5),
    ({"d_hidden": 32, "g_hidden": 128}, "100-111", 0.0312, 0.0432, 0.0115, 0.017, 6),
    ({"d_hidden": 32, "betas": [0.5, 0.99]}, "100-111", 0.0244, 0.0311, 0.0157, 0.0189, 1),
    ({"d_hidden": 32, "average_from": 0.3}, "100-111", 0.0261, 0.0387, 0.0145, 0.0116, 3),
    ({"d_hidden": 32, "average_from": 0.7}, "100-111", 0.0257, 0.0346, 0.0122, 0.0124, 3),
    ({"steps": 2000}, "100-105", 0.0274, 0.0387, 0.0123, 0.0139, 2),
    ({"steps": 2000, "d_hidden": 32, "lr_final": 0.01}, "100-105", 0.0266, 0.0346, 0.0188, 0.0086, 1),
    ({"d_hidden": 32, "betas": [0.5, 0.999]}, "100-111", 0.0231, 0.0325, 0.013, 0.0089, 1),
    # round 2, measured on the tuning seeds, 2026-12-01 (see SELECTION)
    ({"d_hidden": 32, "betas": [0.5, 0.999], "d_lr": 1.0}, "100-111", 0.0271, 0.0329, 0.0137, 0.0182, 2),
    ({"d_hidden": 32, "betas": [0.5, 0.999], "steps": 1500}, "100-111", 0.0231, 0.029, 0.0175, 0.0123, 0),
    ({"d_hidden": 32, "betas": [0.5, 0.999], "steps": 2000}, "100-111", 0.0246, 0.0306, 0.0188, 0.0136, 1),
    ({"d_hidden": 32, "betas": [0.5, 0.999], "batch_growth": 16.0}, "100-111", 0.0241, 0.0311, 0.0185, 0.0102, 3),
    ({"d_hidden": 32, "betas": [0.5, 0.999], "lr_final": 0.01}, "100-111", 0.024, 0.0426, 0.0162, 0.0396, 3),
    ({"d_hidden": 32, "betas": [0.5, 0.999], "ema_decay": 0.99, "ema_from": 0.5},
     "100-111", 0.0226, 0.0321, 0.0162, 0.0246, 3),
    ({"d_hidden": 32, "betas": [0.5, 0.999], "ema_decay": 0.995, "ema_from": 0.3},
     "100-111", 0.0231, 0.0324, 0.0143, 0.0191, 1),
    ({"d_hidden": 32, "betas": [0.5, 0.999], "g_hidden": 32}, "100-111", 0.0212, 0.0358, 0.0182, 0.0383, 1),
    ({"d_hidden": 32, "betas": [0.5, 0.999], "d_lr": 4.0}, "100-111", 0.0307, 0.0365, 0.0205, 0.0402, 7),
    ({"d_hidden": 32, "betas": [0.5, 0.999], "d_lr": 3.0}, "100-111", 0.0253, 0.0355, 0.0148, 0.021, 2),
    ({"d_hidden": 32, "betas": [0.5, 0.999], "d_activation": "elu"}, "100-111", 0.0239, 0.04, 0.0137, 0.0112, 2),
    ({"d_hidden": 32, "betas": [0.5, 0.999], "d_activation": "silu"}, "100-111", 0.0248, 0.0391, 0.013, 0.0144, 3),
    ({"d_hidden": 32, "betas": [0.5, 0.999], "d_activation": "tanh"}, "100-111", 0.0248, 0.1088, 0.0833, 0.0777, 4),
    ({"d_hidden": 32, "betas": [0.5, 0.999], "g_hidden": 16}, "100-111", 0.0207, 0.0633, 0.0157, 0.0676, 2),
    ({"d_hidden": 32, "betas": [0.5, 0.999], "g_hidden": 32, "ema_decay": 0.99, "ema_from": 0.5},
     "100-111", 0.0218, 0.0509, 0.0177, 0.0351, 2),
    ({"d_hidden": 32, "betas": [0.5, 0.999], "g_hidden": 32, "steps": 1500},
     "100-111", 0.0228, 0.042, 0.0153, 0.0266, 1),
    ({"d_hidden": 32, "betas": [0.8, 0.999]}, "100-111", 0.0223, 0.0668, 0.0213, 0.0648, 3),
    ({"d_hidden": 32, "betas": [0.9, 0.999]}, "100-111", 0.0247, 1.2077, 0.3872, 1.1492, 3),
    ({"d_hidden": 32, "betas": [0.8, 0.999], "g_hidden": 32}, "100-111", 0.0224, 0.0357, 0.0213, 0.0337, 3),
    ({"d_hidden": 32, "betas": [0.5, 0.999], "g_hidden": 16, "steps": 1500},
     "100-111", 0.0207, 0.0342, 0.0156, 0.0256, 2),
    ({"d_hidden": 32, "betas": [0.5, 0.999], "g_hidden": 32, "batch_growth": 16.0},
     "100-111", 0.0215, 0.0517, 0.0302, 0.0622, 1),
    ({"d_hidden": 32, "betas": [0.5, 0.999], "lr": 0.005}, "100-111", 0.0259, 0.0426, 0.0263, 0.0237, 2),
    ({"d_hidden": 32, "betas": [0.5, 0.999], "g_hidden": 32, "lr": 0.005},
     "100-111", 0.0231, 0.0433, 0.0138, 0.0412, 4),
    ({"d_hidden": 32, "betas": [0.5, 0.999], "g_hidden": 32, "average_from": 0.3},
     "100-111", 0.0222, 0.0255, 0.0118, 0.0151, 0),
    ({"d_hidden": 64, "betas": [0.5, 0.999], "g_hidden": 32}, "100-111", 0.0234, 0.0391, 0.0184, 0.0198, 1),
    ({"d_hidden": 32, "betas": [0.5, 0.999], "g_hidden": 32, "steps": 1250},
     "100-111", 0.0213, 0.0313, 0.0159, 0.0202, 1),
    # round 3, measured on the tuning seeds, 2026-12-01 (see SELECTION)
    ({"d_hidden": 32, "betas": [0.5, 0.999], "g_hidden": 32, "average_from": 0.2},
     "100-111", 0.022, 0.0246, 0.0099, 0.0108, 0),
    ({"d_hidden": 32, "betas": [0.5, 0.999], "g_hidden": 48, "average_from": 0.3},
     "100-111", 0.0256, 0.0353, 0.0133, 0.0371, 3),
    ({"d_hidden": 32, "betas": [0.5, 0.999], "g_hidden": 24, "average_from": 0.3},
     "100-111", 0.0215, 0.0302, 0.0127, 0.024, 1),
    ({"d_hidden": 32, "betas": [0.5, 0.999], "g_hidden": 32, "average_from": 0.3, "steps": 1250},
     "100-111", 0.0202, 0.0299, 0.0138, 0.0121, 0),
    ({"d_hidden": 32, "betas": [0.5, 0.999], "g_hidden": 32, "average_from": 0.3, "lr_final": 0.1},
     "100-111", 0.0223, 0.0293, 0.0144, 0.016, 0),
    ({"d_hidden": 32, "betas": [0.5, 0.999], "g_hidden": 32, "average_from": 0.3, "batch_growth": 16.0},
     "100-111", 0.0211, 0.0479, 0.0238, 0.0568, 2),
    ({"d_hidden": 32, "betas": [0.5, 0.999], "g_hidden": 32, "average_from": 0.3, "steps": 1500},
     "100-111", 0.0232, 0.0401, 0.0165, 0.0233, 2),
    ({"d_hidden": 32, "betas": [0.5, 0.999], "g_hidden": 32, "average_from": 0.2, "steps": 1250},
     "100-111", 0.0201, 0.0299, 0.0133, 0.0108, 0),
    ({"d_hidden": 32, "betas": [0.5, 0.999], "g_hidden": 24, "average_from": 0.3, "steps": 1250},
     "100-111", 0.0219, 0.0299, 0.0157, 0.0153, 0),
    # round 4, measured on the tuning seeds, 2026-12-01 (see SELECTION)
    ({**_ROUND_3, "g_skip": True, "g_skip_zero_init": False}, "100-111", 0.0166, 0.02, 0.0162, 0.0137, 0),
    ({**_ROUND_3, "g_skip": True}, "100-111", 0.0149, 0.0258, 0.0148, 0.0158, 0),
    ({**_ROUND_3, "g_skip": True, "steps": 1000}, "100-111", 0.0172, 0.0277, 0.0197, 0.0096, 0),
    ({**_ROUND_3, "g_skip": True, "steps": 1500}, "100-111", 0.0139, 0.0208, 0.0179, 0.0185, 0),
    ({**_ROUND_3, "g_skip": True, "g_skip_zero_init": False, "steps": 1000},
     "100-111", 0.0176, 0.0275, 0.0185, 0.0157, 0),
    ({**_ROUND_3, "g_skip": True, "g_skip_zero_init": False, "steps": 1500},
     "100-111", 0.0152, 0.0262, 0.0177, 0.0148, 0),
    ({**_ROUND_3, "g_skip": True, "g_skip_linear_init": "identity"}, "100-111", 0.0133, 0.0179, 0.0176, 0.0235, 0),
)]


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
    "g_shape": ("g_layers",),  # fixed's G is as wide as plain's (32), with one hidden layer instead of two
    "d_width": ("d_hidden",),
    "d_lr": ("d_lr",),
    "steps": ("steps",),
    "g_skip": ("g_skip",),  # G without the linear path beside its hidden layers
}
ABLATION_METHOD = (
    "Each ablation trains the fixed recipe with one part set back to the plain recipe's value and every other setting"
    " as in fixed (ABLATIONS names the Recipe fields of each part; fused Adam is kept), on the same seeds, for the "
    "ablated recipe's steps (fixed's, except in the steps part), on the CPU, and measures it like the variants "
    "(100,000 generated samples; success = the same bar). Only the full-length run is trained, no shorter budgets. "
    "The full fixed and plain rows are the variants' full-length runs of the same seeds. Runs are sequential, in one "
    "process, after the variants' runs; their seconds are wall time on a shared machine, so only large differences in"
    " time mean anything."
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
    """What the benchmark keeps of one run: steps, seconds, errors, W1 and success (against the
    run's own target, `result.mean` and `result.std`)."""
    return {
        "steps": result.steps, "seconds": result.seconds,
        "mean_error": result.fake_mean - result.mean, "std_error": result.fake_std - result.std,
        "w1": result.wasserstein1,
        "ok": meets_bar(result.fake_mean, result.fake_std, result.wasserstein1, mean=result.mean, std=result.std),
    }


def _timed(**kwargs: Any) -> dict[str, Any]:
    """`measured` of one `train_gan(**kwargs)`, plus `cpu_seconds`: the CPU time of this process
    over the whole call (training and evaluation), what the run costs apart from other programs'
    load (`seconds` is the training loop's wall time)."""
    start = time.process_time()
    result = train_gan(**kwargs)
    return {**measured(result), "cpu_seconds": time.process_time() - start}


def _one(variant: str, seed: int, steps: int, eval_samples: int) -> dict[str, Any]:
    return _timed(mean=MEAN, std=STD, variant=variant, seed=seed, steps=steps, device="cpu",
                  eval_samples=eval_samples)


def _target_one(mean: float, std: float, seed: int, eval_samples: int) -> dict[str, Any]:
    return _timed(mean=mean, std=std, seed=seed, device="cpu", eval_samples=eval_samples)


def ablated_recipe(removed: str) -> Recipe:
    """The fixed recipe with the fields of part `removed` (a key of ABLATIONS) set to plain's values."""
    plain = RECIPES["plain"]
    return dataclasses.replace(RECIPES["fixed"], **{f: getattr(plain, f) for f in ABLATIONS[removed]})


def _ablated_one(removed: str, seed: int, eval_samples: int) -> dict[str, Any]:
    return _timed(mean=MEAN, std=STD, variant=f"fixed without {removed}", recipe=ablated_recipe(removed),
                  seed=seed, device="cpu", eval_samples=eval_samples)


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


def run_targets(*, seeds: range = range(10), eval_samples: int = 100_000,
                targets: tuple[tuple[float, float], ...] = TARGETS) -> list[dict[str, Any]]:
    """The fixed recipe's full-length run for every other target and seed; errors and W1 are
    also given in units of the target's std (`*_std` keys), where the bar is `TOLERANCE`."""
    out = []
    for mean, std in targets:
        runs = []
        for seed in seeds:
            run = _target_one(mean, std, seed, eval_samples)
            runs.append({"seed": seed, **{k: run[k] for k in ("seconds", "cpu_seconds", "mean_error", "std_error",
                                                              "w1", "ok")},
                         **{f"{k}_std": run[k] / std for k in ("mean_error", "std_error", "w1")}})
        out.append({"mean": mean, "std": std, "bar": TOLERANCE * std, "runs": runs,
                    "success": sum(r["ok"] for r in runs), "seeds": len(runs),
                    "max_error_std": max(max(abs(r["mean_error_std"]), abs(r["std_error_std"]), r["w1_std"])
                                         for r in runs),
                    "max_seconds": max(r["seconds"] for r in runs)})
    return out


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
        **({"cpu_seconds": full["cpu_seconds"]} if "cpu_seconds" in full else {}),
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


def goals_of(fixed: dict[str, Any], targets: list[dict[str, Any]] | None = None) -> dict[str, bool]:
    """Issue 10's goals for the fixed recipe's runs on N(5, 2), and the other targets' bar."""
    runs = fixed["runs"]
    goals = {"fixed_all_seeds_succeed": fixed["success"] == fixed["seeds"],
             "fixed_median_w1_le_0.02": fixed["median_w1"] <= GOAL_MEDIAN_W1,
             "fixed_max_w1_le_0.03": fixed["max_w1"] <= GOAL_MAX_W1,
             "fixed_mean_and_std_errors_le_0.03": max(max(abs(r["mean_error"]), abs(r["std_error"]))
                                                      for r in runs) <= GOAL_MAX_ERROR,
             "fixed_each_run_le_5s": fixed["max_seconds"] <= GOAL_SECONDS}
    cpu = [r["cpu_seconds"] for r in runs if "cpu_seconds" in r]
    if cpu:
        goals["fixed_each_run_le_5s_cpu_time"] = max(cpu) <= GOAL_SECONDS
    if targets is not None:
        goals["other_targets_all_seeds_succeed"] = all(t["success"] == t["seeds"] for t in targets)
    return goals


def run(*, seeds: range = range(10), variants: tuple[str, ...] = ("plain", "fixed"),
        eval_samples: int = 100_000, ablation: bool = True, targets: bool = True) -> dict[str, Any]:
    """Every seed of every variant, sequentially, then the fixed recipe on the other targets
    (`TARGETS`), then the ablation of the fixed recipe."""
    results: dict[str, Any] = {}
    for variant in variants:
        runs = [run_seed(variant, seed, eval_samples=eval_samples) for seed in seeds]
        results[variant] = {"default_steps": RECIPES[variant].steps, "runs": runs, **summarize(runs)}
    others = run_targets(seeds=seeds[:TARGET_SEEDS], eval_samples=eval_samples) if targets else None
    fixed = results.get("fixed")
    out = {"method": METHOD, "selection": SELECTION, "tuning": TUNING, "target": {"mean": MEAN, "std": STD},
           "tolerance_std": TOLERANCE, "bar": TOLERANCE * STD, "budgets": list(BUDGETS),
           "eval_samples": eval_samples, "variants": results,
           "goals": goals_of(fixed, others) if fixed else {}}
    if others is not None:
        out["targets"] = others
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
    for r in result["variants"].get("fixed", {}).get("runs", []):
        lines.append(f"  fixed seed {r['seed']}: mean {MEAN + r['mean_error']:.4f} ({r['mean_error']:+.4f}), "
                     f"std {STD + r['std_error']:.4f} ({r['std_error']:+.4f}), W1 {r['w1']:.4f}, "
                     f"{r['seconds']:.2f} s")
    for t in result.get("targets", []):
        lines.append(f"fixed on N({t['mean']:g}, {t['std']:g}): {t['success']}/{t['seeds']} within "
                     f"{TOLERANCE} std; largest error or W1 {t['max_error_std']:.4f} std; "
                     f"longest {t['max_seconds']:.2f} s")
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
