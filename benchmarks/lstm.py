"""LSTM forecaster vs seasonal naive, SARIMA and Holt-Winters on the airline holdout."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from benchmarks.common import median
from pathlearn.classical import holt_winters_forecast, sarima_forecast
from pathlearn.datasets import load_airline
from pathlearn.lstm import rmse, seasonal_naive, train_forecaster

HORIZON = SEASON = 12
GOAL_MEDIAN_RMSE = 25.0
NAIVE, SARIMA, HOLT_WINTERS = "seasonal naive", "SARIMA(0,1,1)(0,1,1)12 log", "Holt-Winters (mult. season)"
METHOD = (
    "The airline series (monthly, 1949-1960): every method is fitted on all but the last 12 months and "
    "forecasts those 12 (RMSE in thousands of passengers). The LSTM is train_forecaster with its defaults "
    "on the CPU, one run per seed; seconds are its training + forecast time (ForecastResult.seconds). The "
    "classical methods are deterministic; seconds are the wall time of a second call (the first one imports "
    "statsmodels)."
)


def _timed(forecast: Callable[..., Any], train: Any) -> tuple[Any, float]:
    forecast(train, HORIZON, season=SEASON)  # warm-up: imports statsmodels, not timed
    start = time.perf_counter()
    values = forecast(train, HORIZON, season=SEASON)
    return values, time.perf_counter() - start


def run(*, seeds: range = range(10), epochs: int | None = None) -> dict[str, Any]:
    """RMSE on the last 12 months for each LSTM seed and for the classical methods."""
    series = load_airline()
    train, actual = series.values[:-HORIZON], series.values[-HORIZON:]
    classical = {
        NAIVE: _timed(lambda values, horizon, season: seasonal_naive(values, season, horizon), train),
        SARIMA: _timed(sarima_forecast, train),
        HOLT_WINTERS: _timed(holt_winters_forecast, train),
    }
    baselines = {name: {"rmse": rmse(values, actual), "seconds": seconds}
                 for name, (values, seconds) in classical.items()}
    runs = []
    for seed in seeds:
        result = train_forecaster(series, season=SEASON, horizon=HORIZON, epochs=epochs, seed=seed,
                                  device="cpu")
        runs.append({"seed": seed, "rmse": result.rmse, "seconds": result.seconds})
    rmses = [r["rmse"] for r in runs]
    naive, sarima = baselines[NAIVE]["rmse"], baselines[SARIMA]["rmse"]
    median_rmse = median(rmses)
    return {
        "method": METHOD, "horizon": HORIZON, "epochs": epochs,
        "runs": runs, "baselines": baselines,
        "median_rmse": median_rmse, "min_rmse": min(rmses), "max_rmse": max(rmses),
        "all_below_naive": all(r < naive for r in rmses),
        "seeds_below_sarima": sum(r < sarima for r in rmses),
        "median_seconds": median([r["seconds"] for r in runs]),
        "goals": {"median_le_25": median_rmse <= GOAL_MEDIAN_RMSE, "stretch_median_below_sarima": median_rmse < sarima},
    }


def table(result: dict[str, Any]) -> list[str]:
    lines = ["LSTM vs classical forecasts, airline series, 12-month holdout",
             f"{'model':<30} {'RMSE':>8} {'seconds':>8}"]
    for name, row in result["baselines"].items():
        lines.append(f"{name:<30} {row['rmse']:>8.2f} {row['seconds']:>8.2f}")
    for row in result["runs"]:
        lines.append(f"{'LSTM seed ' + str(row['seed']):<30} {row['rmse']:>8.2f} {row['seconds']:>8.2f}")
    lines.append(f"LSTM median RMSE {result['median_rmse']:.2f} (min {result['min_rmse']:.2f}, "
                 f"max {result['max_rmse']:.2f}); all below seasonal naive: {result['all_below_naive']}; "
                 f"below SARIMA: {result['seeds_below_sarima']}/{len(result['runs'])}")
    lines.append(f"goals: {result['goals']}")
    return lines
