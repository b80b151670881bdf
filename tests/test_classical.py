"""SARIMA and Holt-Winters, the classical forecasts the LSTM is compared with."""

import sys
import warnings

import numpy as np
import pytest

from pathlearn import InvalidInputError, PathlearnError
from pathlearn.classical import holt_winters_forecast, sarima_forecast
from pathlearn.datasets import load_airline
from pathlearn.lstm import rmse, seasonal_naive

pytest.importorskip("statsmodels")

VALUES = load_airline().values
TRAIN, ACTUAL = VALUES[:-12], VALUES[-12:]


@pytest.fixture(scope="module")
def holdout_forecasts():
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # statsmodels' warnings stay inside the functions
        return {f.__name__: f(TRAIN, 12) for f in (sarima_forecast, holt_winters_forecast)}


@pytest.mark.parametrize("name", ["sarima_forecast", "holt_winters_forecast"])
def test_beats_seasonal_naive_on_the_airline_holdout(holdout_forecasts, name):
    predicted = holdout_forecasts[name]
    assert predicted.shape == (12,) and predicted.dtype == np.float64
    assert np.all(predicted > 0)
    assert rmse(predicted, ACTUAL) < rmse(seasonal_naive(TRAIN, 12, 12), ACTUAL)


def test_published_rmses(holdout_forecasts):
    # SARIMA(0,1,1)(0,1,1)12 on logs, the "airline model"
    assert rmse(holdout_forecasts["sarima_forecast"], ACTUAL) == pytest.approx(18.59, abs=0.05)
    assert rmse(holdout_forecasts["holt_winters_forecast"], ACTUAL) == pytest.approx(15.8, abs=1.0)


def test_other_horizons_and_series_objects():
    assert sarima_forecast(load_airline(), 3).shape == (3,)
    assert holt_winters_forecast(TRAIN[:60], 18).shape == (18,)


@pytest.mark.parametrize(
    ("train", "kwargs", "message"),
    [
        (TRAIN, {"horizon": 0}, "horizon must be a positive integer"),
        (TRAIN, {"horizon": 12, "season": 0}, "season must be a positive integer"),
        (TRAIN[:20], {"horizon": 12}, "train has 20 values; need at least 26"),
        (-TRAIN, {"horizon": 12}, "train must be positive"),
        (np.r_[TRAIN, np.nan], {"horizon": 12}, "finite numbers"),
    ],
)
@pytest.mark.parametrize("forecast", [sarima_forecast, holt_winters_forecast])
def test_bad_input(forecast, train, kwargs, message):
    with pytest.raises(InvalidInputError, match=message):
        forecast(train, **kwargs)


@pytest.mark.parametrize("forecast", [sarima_forecast, holt_winters_forecast])
def test_missing_statsmodels_names_the_extra(monkeypatch, forecast):
    for name in ("statsmodels.tsa.statespace.sarimax", "statsmodels.tsa.holtwinters"):
        monkeypatch.setitem(sys.modules, name, None)  # None in sys.modules: import fails
    with pytest.raises(PathlearnError, match=r'pip install "pathlearn\[docs\]"') as info:
        forecast(TRAIN, 12)
    assert info.value.exit_code == 2
