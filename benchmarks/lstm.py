"""LSTM forecaster vs seasonal naive, SARIMA and Holt-Winters, and how its defaults were chosen.

Four parts:

- `select_settings`: the direct model's settings, chosen on a validation split that ends before
  the airline holdout (forecasts of 1957, 1958 and 1959, each from the years before it); 1960 is
  never looked at. Its chosen settings must equal `pathlearn.lstm.DIRECT_DEFAULTS` (a test checks).
- `select_hybrid`: the same for the hybrid (exponential smoothing + LSTM, `method="hybrid"`), with
  SARIMA's and Holt-Winters' scores on the same validation forecasts; it must equal
  `pathlearn.lstm.HYBRID_DEFAULTS`.
- the airline holdout (12 and 24 months): the direct model, the hybrid and the basic recursive one
  (the default), seeds 0-9, against the classical methods;
- other monthly series read as `pathlearn lstm --csv` reads them (shipped with statsmodels);
- the fourth candidate (`CANDIDATES`, `validate_candidates`, `choose_candidate`, `CANDIDATE_RULE`): chosen on
  validation windows that end before every holdout, and run on the holdouts next to the others.
"""

from __future__ import annotations

import csv
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks.common import median
from pathlearn.classical import holt_winters_forecast, sarima_forecast
from pathlearn.datasets import Series, load_airline, load_csv_series
from pathlearn.lstm import DIRECT_DEFAULTS, HYBRID_DEFAULTS, rmse, seasonal_naive, train_forecaster

HORIZON = SEASON = 12
GOAL_MEDIAN_RMSE = 25.0
GOAL_WORST_RMSE = 23.0
GOAL_SECONDS = 10.0
NAIVE, SARIMA, HOLT_WINTERS = "seasonal naive", "SARIMA(0,1,1)(0,1,1)12 log", "Holt-Winters (mult. season)"
VALIDATION_YEARS = (1957, 1958, 1959)
SELECTION_SEEDS = range(3)
# Stage 1 (one model each): the level path (off/on), the window in seasons and the input noise;
# stage 2: models averaged. Kept from the basic model, not searched: hidden 16, 200 epochs, lr 0.005.
STAGE1 = [{"level": level, "window_seasons": w, "noise": n} for level in (False, True) for w in (1, 2, 3)
          for n in (0.5, 1.0, 1.5, 2.0, 3.0, 4.0)]
STAGE2_MEMBERS = (1, 3, 5)
FIXED = {"hidden": 16, "epochs": 200, "lr": 0.005}
CONFIRM_SEEDS = range(3, 8)
# The hybrid (exponential smoothing + LSTM): stage 1 the smoothing coefficients (window 2 seasons,
# noise 0.5, one model); stage 2 the window and the noise; stage 3 the models averaged.
HYBRID_START = {"window_seasons": 2, "noise": 0.5}
HYBRID_STAGE1 = [{"alpha": a, "gamma": g} for a in (0.03, 0.1, 0.3, 0.6) for g in (0.1, 0.3, 0.6, 0.9)]
HYBRID_STAGE2 = [{"window_seasons": w, "noise": n} for w in (1, 2, 3) for n in (0.25, 0.5, 1.0, 1.5)]
# The direct model chosen by the first selection (without the level path), which reached the 1960
# holdout before this one: reported next to it, on the 12-month holdout.
FIRST_CANDIDATE = {"window_seasons": 3, "noise": 3.0, "members": 5, "level": False}
METHOD = (
    "The airline series (monthly, 1949-1960): every method is fitted on all but the last 12 months and "
    "forecasts those 12 (RMSE in thousands of passengers). The LSTM is train_forecaster on the CPU, one run per "
    "seed: with method='direct' (one forward pass predicts all 12 months, an ensemble of several models; "
    "runs[].rmse) and with method='recursive' (the basic model and the default; runs[].basic_rmse); seconds are its "
    "training + forecast time (ForecastResult.seconds); runs[].hybrid_rmse: method='hybrid', exponential smoothing + "
    "LSTM (after Smyl's ES-RNN, simplified), the third candidate. The classical methods are deterministic; seconds "
    "are the "
    "wall time of a second call (the first one imports statsmodels). The same for a 24-month holdout (1959-1960) "
    "and for other monthly series written to a CSV file and read with load_csv_series, as `pathlearn lstm "
    "--csv` reads them."
)
SELECTION = (
    "Validation split: the airline series without its 1960 holdout. Each candidate forecasts 1957, 1958 and "
    "1959, each from the years before it only, for seeds {seeds}; its score is the mean RMSE over these "
    "{runs} forecasts. Stage 1 compares the level path (off, or on: the LSTM predicts the offset from the "
    "mean of the last 12 inputs), the window (1, 2 or 3 seasons) and the input noise (0.5 to 4.0) with one "
    "model each; stage 2 averages 1, 3 or 5 models with the best of stage 1. The lowest score wins. Hidden "
    "size 16, 200 epochs and learning rate 0.005 are kept from the basic model. The level path entered the "
    "search after the first selection (without it: window 3 seasons, noise 3.0, 5 models) had lost on the "
    "1960 holdout; the chosen model was then evaluated on 1960 once."
)


HYBRID_SELECTION = (
    "The same validation split and score (forecasts of 1957, 1958 and 1959 from the years before each, seeds "
    "{seeds}, mean RMSE). Stage 1 compares the smoothing coefficients of the level (alpha 0.03 to 0.6) and of the "
    "season (gamma 0.1 to 0.9) with a window of 2 seasons, noise 0.5 and one model; stage 2 the window (1, 2 or "
    "3 seasons) and the input noise (0.25 to 1.5) with the best coefficients; stage 3 averages 1, 3 or 5 models. "
    "The lowest score wins; hidden size 16, 200 epochs and learning rate 0.005 are kept. The choice is then "
    "scored again on seeds {confirm}, with the direct and the basic models, and written down before the hybrid "
    "was run on 1960. SARIMA and Holt-Winters are scored on the same three forecasts."
)


def _validation_score(settings: dict[str, Any], seeds: range, method: str = "direct") -> dict[str, Any]:
    """Mean RMSE of the model with `settings` over the validation years and `seeds`."""
    values = load_airline().values[:-HORIZON]  # never the holdout
    per_year = []
    for year in VALIDATION_YEARS:
        end = len(values) - 12 * (VALIDATION_YEARS[-1] - year)  # the series up to December of `year`
        kwargs = {"window": settings["window_seasons"] * SEASON, "noise": settings["noise"],
                  "members": settings["members"], "level": settings.get("level", False), **FIXED}
        if method == "hybrid":
            kwargs.update(alpha=settings["alpha"], gamma=settings["gamma"])
        per_year.append([train_forecaster(values[:end], method=method, seed=s, device="cpu", **kwargs).rmse
                         for s in seeds])
    scores = np.array(per_year)
    return {"settings": settings, "per_year": dict(zip(map(str, VALIDATION_YEARS), scores.mean(axis=1).tolist(),
                                                       strict=True)),
            "score": float(scores.mean()), "worst": float(scores.max())}


def select_settings(seeds: range = SELECTION_SEEDS) -> dict[str, Any]:
    """Choose the direct model's window, noise and ensemble size on the validation split only."""
    stage1 = [_validation_score({**c, "members": 1}, seeds) for c in STAGE1]
    best = min(stage1, key=lambda row: row["score"])["settings"]
    stage2 = [_validation_score({**best, "members": m}, seeds) for m in STAGE2_MEMBERS]
    chosen = min(stage2, key=lambda row: row["score"])["settings"]
    # the basic model (the default), for comparison: window 1 season, noise 1.5, one model
    basic = _validation_score({"level": False, "window_seasons": 1, "noise": 1.5, "members": 1}, seeds,
                              method="recursive")
    return {"how": SELECTION.format(seeds=f"{seeds.start}-{seeds.stop - 1}", runs=len(VALIDATION_YEARS) * len(seeds)),
            "validation_years": list(VALIDATION_YEARS), "seeds": list(seeds), "fixed": FIXED,
            "stage1": stage1, "stage2": stage2, "basic": basic, "chosen": {"method": "direct", **chosen, **FIXED},
            "matches_defaults": {"method": "direct", **chosen, **FIXED} == DIRECT_DEFAULTS}


def _classical_validation() -> dict[str, dict[str, Any]]:
    """SARIMA's and Holt-Winters' RMSE on the same validation forecasts (1957-1959)."""
    values = load_airline().values[:-HORIZON]
    rows = {}
    for name, forecast in ((SARIMA, sarima_forecast), (HOLT_WINTERS, holt_winters_forecast)):
        per_year = {}
        for year in VALIDATION_YEARS:
            end = len(values) - 12 * (VALIDATION_YEARS[-1] - year)
            per_year[str(year)] = rmse(forecast(values[: end - HORIZON], HORIZON, season=SEASON),
                                       values[end - HORIZON : end])
        rows[name] = {"per_year": per_year, "score": float(np.mean(list(per_year.values())))}
    return rows


def select_hybrid(seeds: range = SELECTION_SEEDS, confirm: range = CONFIRM_SEEDS) -> dict[str, Any]:
    """Choose the hybrid's smoothing coefficients, window, noise and ensemble size on 1957-1959 only."""
    stage1 = [_validation_score({**HYBRID_START, **c, "members": 1}, seeds, "hybrid") for c in HYBRID_STAGE1]
    best = min(stage1, key=lambda row: row["score"])["settings"]
    stage2 = [_validation_score({**best, **c}, seeds, "hybrid") for c in HYBRID_STAGE2]
    best = min(stage2, key=lambda row: row["score"])["settings"]
    stage3 = [_validation_score({**best, "members": m}, seeds, "hybrid") for m in STAGE2_MEMBERS]
    chosen = min(stage3, key=lambda row: row["score"])["settings"]
    direct = {k: DIRECT_DEFAULTS[k] for k in ("window_seasons", "noise", "members", "level")}
    basic = {"level": False, "window_seasons": 1, "noise": 1.5, "members": 1}
    confirmed = {"hybrid": _validation_score(chosen, confirm, "hybrid"),
                 "direct": _validation_score(direct, confirm, "direct"),
                 "basic": _validation_score(basic, confirm, "recursive")}
    full = {"method": "hybrid", **chosen, "level": False, **FIXED, "fit": False}
    return {"how": HYBRID_SELECTION.format(seeds=f"{seeds.start}-{seeds.stop - 1}",
                                           confirm=f"{confirm.start}-{confirm.stop - 1}"),
            "seeds": list(seeds), "confirm_seeds": list(confirm), "stage1": stage1, "stage2": stage2,
            "stage3": stage3, "confirmed": confirmed, "classical": _classical_validation(), "chosen": full,
            "matches_defaults": full == HYBRID_DEFAULTS}


# The fourth candidate (issue 10, after the hybrid lost on the orders series): validated against the basic
# model and today's hybrid on windows that end before every holdout. A: the hybrid with its smoothing
# coefficients fitted to each training part (`fit_smoothing`); B: `method="auto"`, the method picks the
# basic or the hybrid model on the last 12 months of its training part; A+B: both.
CANDIDATES: dict[str, dict[str, Any]] = {"basic": {"method": "recursive"}, "hybrid": {"method": "hybrid"},
                                         "A": {"method": "hybrid", "fit": True}, "B": {"method": "auto"},
                                         "A+B": {"method": "auto", "fit": True}}
CANDIDATE_RULE = (
    "Validation windows end before every holdout: the airline series' 1957, 1958 and 1959, each forecast from "
    "the years before it (seeds 0-2, mean RMSE), and for each of the three other series its last 12 months "
    "before the holdout (the series without its last 24 values forecasts the 12 that follow; seeds 0-2, mean "
    "RMSE). A candidate is eligible when its score on each other series is not above the basic model's and its "
    "airline score is below the basic model's; the eligible candidate with the lowest airline score wins (a "
    "tie: the one that trains fewer models). If none is eligible the default stays, and the candidate with "
    "the fewest series worse than the basic model (then the lowest airline score) is run on the holdouts for "
    "the report. The candidates were designed after the hybrid's holdout result on the orders series (worse "
    "than the basic model) was known. One disclosure: a smoke test of the code, run before this rule was "
    "committed, printed seed 0's RMSE on the airline 1960 holdout for A (18.09) and B (17.53); the rule and the "
    "table below do not use it. Chosen by the rule: B (eligible), committed before the holdouts ran."
)
# `validate_candidates()` as run on 2026-12-01 (seeds 0-2), written down before any holdout ran with the
# candidates; the benchmark reports it and does not rerun it (a test reruns one cell).
CANDIDATE_VALIDATION: dict[str, dict[str, float]] = {
    "basic": {
        "airline 1957": 12.4749,
        "airline 1958": 41.2571,
        "airline 1959": 11.1587,
        "Mauna Loa CO2, monthly mean of weekly values (statsmodels co2)": 0.4095,
        "El Nino sea surface temperature (statsmodels elnino)": 0.9802,
        "Euro area electrical equipment orders (statsmodels elec_equip)": 2.1545,
        "airline": 21.6302,
    },
    "hybrid": {
        "airline 1957": 7.0633,
        "airline 1958": 36.6392,
        "airline 1959": 10.235,
        "Mauna Loa CO2, monthly mean of weekly values (statsmodels co2)": 0.2835,
        "El Nino sea surface temperature (statsmodels elnino)": 2.1565,
        "Euro area electrical equipment orders (statsmodels elec_equip)": 7.2895,
        "airline": 17.9792,
    },
    "A": {
        "airline 1957": 19.0112,
        "airline 1958": 34.4973,
        "airline 1959": 12.6807,
        "Mauna Loa CO2, monthly mean of weekly values (statsmodels co2)": 0.3252,
        "El Nino sea surface temperature (statsmodels elnino)": 0.7045,
        "Euro area electrical equipment orders (statsmodels elec_equip)": 2.4465,
        "airline": 22.063,
    },
    "B": {
        "airline 1957": 8.627,
        "airline 1958": 36.6392,
        "airline 1959": 10.235,
        "Mauna Loa CO2, monthly mean of weekly values (statsmodels co2)": 0.2835,
        "El Nino sea surface temperature (statsmodels elnino)": 0.9802,
        "Euro area electrical equipment orders (statsmodels elec_equip)": 2.1545,
        "airline": 18.5004,
    },
    "A+B": {
        "airline 1957": 12.4749,
        "airline 1958": 41.2571,
        "airline 1959": 12.6807,
        "Mauna Loa CO2, monthly mean of weekly values (statsmodels co2)": 0.3252,
        "El Nino sea surface temperature (statsmodels elnino)": 0.9802,
        "Euro area electrical equipment orders (statsmodels elec_equip)": 2.1545,
        "airline": 22.1376,
    },
}
CHOSEN_CANDIDATE = "B"  # choose_candidate(CANDIDATE_VALIDATION) (a test checks)
# The choice scored again on the airline validation years with seeds 3-7 (as select_hybrid confirms its
# choice; the hybrid's and the basic model's rows are select_hybrid's `confirmed`). B ran the basic model on
# every 1957 forecast and the hybrid on every 1958 and 1959 forecast.
CANDIDATE_CONFIRM = {"seeds": [3, 4, 5, 6, 7],
                     "B": {"1957": 12.3268, "1958": 36.8916, "1959": 10.0155, "score": 19.7446},
                     "hybrid": {"1957": 6.6337, "1958": 36.8916, "1959": 10.0155, "score": 17.8469},
                     "basic": {"1957": 12.3268, "1958": 42.0747, "1959": 12.5361, "score": 22.3125}}


def _candidate_windows() -> list[tuple[str, np.ndarray]]:
    """The validation windows: `(name, series)`; each scores the forecast of its series' last 12 values."""
    airline = load_airline().values[:-HORIZON]  # never the holdout
    windows = [(f"airline {year}", airline[: len(airline) - 12 * (VALIDATION_YEARS[-1] - year)])
               for year in VALIDATION_YEARS]
    return windows + [(name, values[:-HORIZON]) for name, values in _other_series()]  # without the holdout


def validate_candidates(names: tuple[str, ...] = tuple(CANDIDATES), seeds: range = SELECTION_SEEDS
                        ) -> dict[str, dict[str, float]]:
    """Mean RMSE over `seeds` of each candidate on each validation window (and `"airline"`: over the years)."""
    table: dict[str, dict[str, float]] = {}
    for name in names:
        row = {window: float(np.mean([train_forecaster(values, season=SEASON, horizon=HORIZON, seed=s, device="cpu",
                                                       **CANDIDATES[name]).rmse for s in seeds]))
               for window, values in _candidate_windows()}
        row["airline"] = float(np.mean([row[f"airline {year}"] for year in VALIDATION_YEARS]))
        table[name] = row
    return table


def choose_candidate(table: dict[str, dict[str, float]]) -> tuple[str, bool]:
    """`CANDIDATE_RULE` applied to a `validate_candidates` table: `(candidate, eligible)`."""
    basic = table["basic"]
    others = [w for w in basic if not w.startswith("airline")]
    worse = {n: sum(row[w] > basic[w] for w in others) for n, row in table.items() if n not in ("basic", "hybrid")}
    order = list(CANDIDATES)  # A trains fewer models than B and A+B
    eligible = [n for n in worse if worse[n] == 0 and table[n]["airline"] < basic["airline"]]
    if eligible:
        return min(eligible, key=lambda n: (table[n]["airline"], order.index(n))), True
    return min(worse, key=lambda n: (worse[n], table[n]["airline"], order.index(n))), False


def _timed(forecast: Callable[..., Any], train: Any, horizon: int) -> tuple[Any, float]:
    forecast(train, horizon, season=SEASON)  # warm-up: imports statsmodels, not timed
    start = time.perf_counter()
    values = forecast(train, horizon, season=SEASON)
    return values, time.perf_counter() - start


def _baselines(values: np.ndarray, horizon: int) -> dict[str, dict[str, float]]:
    train, actual = values[:-horizon], values[-horizon:]
    methods = {NAIVE: lambda v, h, season: seasonal_naive(v, season, h)}
    if np.all(values > 0):  # both classical methods model logs or a multiplicative season
        methods.update({SARIMA: sarima_forecast, HOLT_WINTERS: holt_winters_forecast})
    timed = {name: _timed(f, train, horizon) for name, f in methods.items()}
    return {name: {"rmse": rmse(v, actual), "seconds": s} for name, (v, s) in timed.items()}


def _seed_run(series: Any, horizon: int, seed: int, epochs: int | None = None) -> dict[str, Any]:
    """The direct, the basic recursive, the hybrid model and the fourth candidate with one seed: RMSE and
    seconds (and, for the candidate, the method it ran)."""
    run = {"seed": seed}
    for prefix, kwargs in (("", {"method": "direct"}), ("basic_", {"method": "recursive"}),
                           ("hybrid_", {"method": "hybrid"}), ("candidate_", CANDIDATES[CHOSEN_CANDIDATE])):
        if kwargs["method"] == "hybrid" and not np.all(np.asarray(getattr(series, "values", series)) > 0):
            run.update({f"{prefix}rmse": None, f"{prefix}seconds": None})
            continue
        r = train_forecaster(series, season=SEASON, horizon=horizon, epochs=epochs, seed=seed, device="cpu",
                             **kwargs)
        run.update({f"{prefix}rmse": r.rmse, f"{prefix}seconds": r.seconds})
        if prefix == "candidate_":
            run["candidate_method"] = r.method
    return run


def _lstm_runs(series: Any, horizon: int, seeds: range) -> dict[str, Any]:
    """The direct, the basic recursive and the hybrid model, per seed, on the last `horizon` values."""
    runs = [_seed_run(series, horizon, seed) for seed in seeds]
    new_median, basic_median = median([r["rmse"] for r in runs]), median([r["basic_rmse"] for r in runs])
    hybrid = [r["hybrid_rmse"] for r in runs if r["hybrid_rmse"] is not None]
    hybrid_median = median(hybrid) if hybrid else None
    candidate = [r["candidate_rmse"] for r in runs if r["candidate_rmse"] is not None]
    candidate_median = median(candidate) if candidate else None
    return {"runs": runs, "median_rmse": new_median, "basic_median_rmse": basic_median,
            "not_worse": new_median <= basic_median, "hybrid_median_rmse": hybrid_median,
            "hybrid_not_worse": hybrid_median <= basic_median if hybrid else None,
            "candidate_median_rmse": candidate_median,
            "candidate_not_worse": candidate_median <= basic_median if candidate else None}


def _other_series() -> list[tuple[str, np.ndarray]]:
    """Monthly series shipped with statsmodels (imported here only: it is an optional dependency)."""
    import statsmodels.api as sm
    from statsmodels.datasets import elec_equip

    co2 = sm.datasets.co2.load_pandas().data["co2"].resample("MS").mean().interpolate()
    elnino = sm.datasets.elnino.load_pandas().data.iloc[:, 1:].to_numpy().ravel()
    orders = elec_equip.load().data.iloc[:, 0].to_numpy()
    return [("Mauna Loa CO2, monthly mean of weekly values (statsmodels co2)", co2.to_numpy()),
            ("El Nino sea surface temperature (statsmodels elnino)", elnino),
            ("Euro area electrical equipment orders (statsmodels elec_equip)", orders)]


def _as_csv(name: str, values: np.ndarray, folder: Path) -> Series:
    path = folder / "series.csv"
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["t", "value"])
        writer.writerows([i, repr(float(v))] for i, v in enumerate(values))
    return load_csv_series(path)


def run(*, seeds: range = range(10), epochs: int | None = None, select: bool = True,
        others: bool = True) -> dict[str, Any]:
    """The settings' selection, then RMSE per seed on the holdouts and the other series
    (`--quick` leaves out the selection and the other series)."""
    selection = select_settings() if select else None
    hybrid_selection = select_hybrid() if select else None
    series = load_airline()
    baselines = _baselines(series.values, HORIZON)
    runs = [_seed_run(series, HORIZON, seed, epochs) for seed in seeds]
    first = [train_forecaster(series, season=SEASON, horizon=HORIZON, epochs=epochs, seed=seed, device="cpu",
                              method="direct", window=FIRST_CANDIDATE["window_seasons"] * SEASON,
                              noise=FIRST_CANDIDATE["noise"], members=FIRST_CANDIDATE["members"],
                              level=FIRST_CANDIDATE["level"]) for seed in seeds]
    first_candidate = {"settings": FIRST_CANDIDATE, "runs": [{"seed": seed, "rmse": r.rmse, "seconds": r.seconds}
                                                              for seed, r in zip(seeds, first, strict=True)],
                       "median_rmse": median([r.rmse for r in first])}
    rmses, hybrid = [r["rmse"] for r in runs], [r["hybrid_rmse"] for r in runs]
    naive, sarima = baselines[NAIVE]["rmse"], baselines[SARIMA]["rmse"]
    median_rmse, hybrid_median = median(rmses), median(hybrid)
    hybrid_seconds = [r["hybrid_seconds"] for r in runs]
    candidate, candidate_seconds = [r["candidate_rmse"] for r in runs], [r["candidate_seconds"] for r in runs]
    candidate_median = median(candidate)
    holdout24 = {"horizon": 24, "values": len(series.values), "baselines": _baselines(series.values, 24),
                 **_lstm_runs(series, 24, seeds)}
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        for name, values in _other_series() if others else []:
            loaded = _as_csv(name, values, Path(folder))
            rows.append({"name": name, "values": len(loaded), "horizon": HORIZON,
                           "baselines": _baselines(loaded.values, HORIZON), **_lstm_runs(loaded, HORIZON, seeds)})
    return {
        "method": METHOD, "horizon": HORIZON, "epochs": epochs, "defaults": DIRECT_DEFAULTS, "selection": selection,
        "hybrid_defaults": HYBRID_DEFAULTS, "hybrid_selection": hybrid_selection,
        "hybrid": {"median_rmse": hybrid_median, "min_rmse": min(hybrid), "max_rmse": max(hybrid),
                   "seeds_below_sarima": sum(r < sarima for r in hybrid),
                   "median_seconds": median(hybrid_seconds), "max_seconds": max(hybrid_seconds)},
        "candidate": {"rule": CANDIDATE_RULE, "candidates": CANDIDATES, "validation": CANDIDATE_VALIDATION,
                      "confirm": CANDIDATE_CONFIRM,
                      "chosen": CHOSEN_CANDIDATE, "eligible": choose_candidate(CANDIDATE_VALIDATION)[1],
                      "median_rmse": candidate_median, "min_rmse": min(candidate), "max_rmse": max(candidate),
                      "seeds_below_sarima": sum(r < sarima for r in candidate),
                      "median_seconds": median(candidate_seconds), "max_seconds": max(candidate_seconds)},
        "runs": runs, "baselines": baselines, "first_candidate": first_candidate,
        "median_rmse": median_rmse, "min_rmse": min(rmses), "max_rmse": max(rmses),
        "basic_median_rmse": median([r["basic_rmse"] for r in runs]),
        "basic_min_rmse": min(r["basic_rmse"] for r in runs), "basic_max_rmse": max(r["basic_rmse"] for r in runs),
        "all_below_naive": all(r < naive for r in rmses),
        "seeds_below_sarima": sum(r < sarima for r in rmses),
        "median_seconds": median([r["seconds"] for r in runs]), "max_seconds": max(r["seconds"] for r in runs),
        "holdout24": holdout24, "other_series": rows,
        "goals": {"median_le_25": median_rmse <= GOAL_MEDIAN_RMSE, "median_below_sarima": median_rmse < sarima,
                  "median_below_holt_winters": median_rmse < baselines[HOLT_WINTERS]["rmse"],
                  "every_seed_below_23": max(rmses) < GOAL_WORST_RMSE,
                  "every_run_within_10_s": max(r["seconds"] for r in runs) <= GOAL_SECONDS,
                  "holdout24_not_worse": holdout24["not_worse"],
                  "other_series_not_worse": all(o["not_worse"] for o in rows) if rows else None},
        "hybrid_goals": _goals("hybrid", hybrid, hybrid_seconds, baselines, holdout24, rows),
        "candidate_goals": _goals("candidate", candidate, candidate_seconds, baselines, holdout24, rows),
    }


def _goals(name: str, rmses: list[float], seconds: list[float], baselines: dict[str, dict[str, float]],
           holdout24: dict[str, Any], rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Issue 10's bar for one candidate method (`name`: the key prefix of its per-run figures)."""
    key = f"{name}_not_worse"
    return {"median_below_sarima": median(rmses) < baselines[SARIMA]["rmse"],
            "median_below_holt_winters": median(rmses) < baselines[HOLT_WINTERS]["rmse"],
            "every_seed_below_23": max(rmses) < GOAL_WORST_RMSE,
            "every_run_within_10_s": max(seconds) <= GOAL_SECONDS,
            "holdout24_not_worse": holdout24[key],
            "other_series_not_worse": all(o[key] is not False for o in rows) if rows else None}


def _run_lines(title: str, block: dict[str, Any]) -> list[str]:
    lines = [title]
    for name, row in block["baselines"].items():
        lines.append(f"  {name:<30} {row['rmse']:>9.3f}")
    lines.append("  " + " ".join(f"{r['seed']}:{r['rmse']:.3f}/{r['basic_rmse']:.3f}/{r['hybrid_rmse'] or 0:.3f}"
                                 f"/{r['candidate_rmse']:.3f}" for r in block["runs"]))
    lines.append(f"  median RMSE direct {block['median_rmse']:.3f}, basic {block['basic_median_rmse']:.3f}, hybrid "
                 f"{block['hybrid_median_rmse'] or 0:.3f}, candidate {block['candidate_median_rmse']:.3f}; not worse: "
                 f"direct {block['not_worse']}, hybrid {block['hybrid_not_worse']}, candidate "
                 f"{block['candidate_not_worse']}")
    return lines


def table(result: dict[str, Any]) -> list[str]:
    lines = []
    if result["selection"]:
        sel = result["selection"]
        lines.append(f"Settings chosen on the validation split ({', '.join(map(str, sel['validation_years']))}):")
        for row in sel["stage1"] + sel["stage2"]:
            lines.append(f"  {row['settings']}  mean RMSE {row['score']:.2f} (worst {row['worst']:.2f})")
        basic = sel["basic"]
        lines.append(f"  basic recursive model: mean RMSE {basic['score']:.2f} (worst {basic['worst']:.2f})")
        lines.append(f"  chosen {sel['chosen']}; equals pathlearn.lstm.DIRECT_DEFAULTS: {sel['matches_defaults']}")
    if result["hybrid_selection"]:
        sel = result["hybrid_selection"]
        lines.append("Hybrid (exponential smoothing + LSTM), chosen on the same validation split:")
        for row in sel["stage1"] + sel["stage2"] + sel["stage3"]:
            lines.append(f"  {row['settings']}  mean RMSE {row['score']:.2f} (worst {row['worst']:.2f})")
        for name, row in {**sel["classical"], **sel["confirmed"]}.items():
            lines.append(f"  {name}: mean RMSE {row['score']:.2f}")
        lines.append(f"  chosen {sel['chosen']}; equals pathlearn.lstm.HYBRID_DEFAULTS: {sel['matches_defaults']}")
    lines += ["LSTM vs classical forecasts, airline series, 12-month holdout",
              f"{'model':<30} {'RMSE':>8} {'seconds':>8}"]
    for name, row in result["baselines"].items():
        lines.append(f"{name:<30} {row['rmse']:>8.2f} {row['seconds']:>8.2f}")
    for row in result["runs"]:
        lines.append(f"{'LSTM seed ' + str(row['seed']):<30} {row['rmse']:>8.2f} {row['seconds']:>8.2f}"
                     f"   basic {row['basic_rmse']:>6.2f} {row['basic_seconds']:>6.2f}"
                     f"   hybrid {row['hybrid_rmse']:>6.2f} {row['hybrid_seconds']:>6.2f}"
                     f"   candidate {row['candidate_rmse']:>6.2f} {row['candidate_seconds']:>6.2f}")
    lines.append(f"LSTM median RMSE {result['median_rmse']:.2f} (min {result['min_rmse']:.2f}, "
                 f"max {result['max_rmse']:.2f}); basic {result['basic_median_rmse']:.2f}; all below seasonal naive: "
                 f"{result['all_below_naive']}; below SARIMA: {result['seeds_below_sarima']}/{len(result['runs'])}")
    first = result["first_candidate"]
    lines.append(f"first candidate {first['settings']}: " + " ".join(f"{r['seed']}:{r['rmse']:.2f}" for r in first["runs"])
                 + f"; median {first['median_rmse']:.2f}")
    lines += _run_lines("24-month holdout (RMSE direct/basic/hybrid/candidate per seed)", result["holdout24"])
    for other in result["other_series"]:
        lines += _run_lines(f"{other['name']}, {other['values']} values (RMSE direct/basic/hybrid/candidate per seed)",
                            other)
    lines.append(f"hybrid: {result['hybrid']}")
    candidate = result["candidate"]
    lines.append(f"fourth candidate (validation, mean RMSE over seeds 0-2), chosen {candidate['chosen']}"
                 f" (eligible: {candidate['eligible']}):")
    for name, row in candidate["validation"].items():
        lines.append(f"  {name:<6} " + " ".join(f"{w.split(' (')[0]}: {v:.3f};" for w, v in row.items()))
    summary = {k: v for k, v in candidate.items() if k not in ("rule", "validation", "candidates", "confirm")}
    lines.append(f"candidate: {summary}")
    lines.append(f"goals (direct): {result['goals']}")
    lines.append(f"goals (hybrid): {result['hybrid_goals']}")
    lines.append(f"goals (candidate): {result['candidate_goals']}")
    return lines
