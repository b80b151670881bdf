"""Classical forecasts to compare the LSTM with: SARIMA and Holt-Winters (statsmodels).

statsmodels is not a dependency of pathlearn; it comes with the `docs` extra
(`pip install "pathlearn[docs]"`) and is imported only when these functions run.
"""

from __future__ import annotations

import importlib
import warnings
from types import ModuleType

import numpy as np

from pathlearn._checks import positive_int
from pathlearn.errors import InvalidInputError, PathlearnError
from pathlearn.threads import cpu_threads

__all__ = ["MissingDependencyError", "holt_winters_forecast", "sarima_forecast"]


class MissingDependencyError(PathlearnError, ImportError):
    """An optional package that this function needs is not installed (exit status 2)."""


def _statsmodels(module: str) -> ModuleType:
    try:
        return importlib.import_module(module)
    except ImportError:
        raise MissingDependencyError(
            'the classical forecasts need statsmodels: pip install "pathlearn[docs]"'
        ) from None


def _check(train: object, horizon: int, season: int) -> np.ndarray:
    positive_int("horizon", horizon)
    positive_int("season", season)
    try:
        values = np.asarray(getattr(train, "values", train), dtype=np.float64)
    except (TypeError, ValueError):
        values = np.empty((0, 0))
    if values.ndim != 1 or not np.all(np.isfinite(values)):
        raise InvalidInputError("train must be a 1-D sequence of finite numbers")
    if np.any(values <= 0):
        raise InvalidInputError("these forecasts model log or multiplicative seasons: "
                                "train must be positive")
    if len(values) < 2 * season + 2:
        raise InvalidInputError(
            f"train has {len(values)} values; need at least {2 * season + 2} (two seasons + 2)"
        )
    return values


def sarima_forecast(train: object, horizon: int, season: int = 12) -> np.ndarray:
    """The "airline model" SARIMA(0,1,1)(0,1,1)season, fitted to log values.

    Args:
        train: Positive observations (array-like or `pathlearn.datasets.Series`).
        horizon: Steps to forecast after the last observation.
        season: Season length (12 for monthly data).

    Returns:
        The `horizon` forecasts, back on the original scale (exp of the log forecast).
    """
    values = _check(train, horizon, season)
    sarimax = _statsmodels("statsmodels.tsa.statespace.sarimax")
    model = sarimax.SARIMAX(np.log(values), order=(0, 1, 1), seasonal_order=(0, 1, 1, season))
    # statsmodels warns about convergence and about the missing date index; neither matters
    # here. One BLAS thread: these fits are tiny, and more threads make them several times slower
    with cpu_threads(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = model.fit(disp=False)
        return np.exp(np.asarray(fit.forecast(horizon), dtype=np.float64))


def holt_winters_forecast(train: object, horizon: int, season: int = 12) -> np.ndarray:
    """Holt-Winters exponential smoothing: additive trend, multiplicative season.

    Args:
        train: Positive observations (array-like or `pathlearn.datasets.Series`).
        horizon: Steps to forecast after the last observation.
        season: Season length (12 for monthly data).

    Returns:
        The `horizon` forecasts.
    """
    values = _check(train, horizon, season)
    holtwinters = _statsmodels("statsmodels.tsa.holtwinters")
    model = holtwinters.ExponentialSmoothing(
        values, trend="add", seasonal="mul", seasonal_periods=season,
        initialization_method="estimated",
    )
    with cpu_threads(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = model.fit()
        return np.asarray(fit.forecast(horizon), dtype=np.float64)
