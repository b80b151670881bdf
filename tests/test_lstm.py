"""The LSTM forecaster: baselines, direct and recursive forecasting, reproducibility, bad input, quality."""

import statistics

import numpy as np
import pytest
import torch
from torch import nn

from pathlearn import InvalidInputError, TrainingDivergedError
from pathlearn.datasets import load_airline
from pathlearn.lstm import (
    DEFAULTS,
    DIRECT_DEFAULTS,
    HYBRID_DEFAULTS,
    SMOOTHING_GRID,
    DirectForecaster,
    Ensemble,
    ForecastResult,
    LSTMForecaster,
    direct_forecast,
    fit_smoothing,
    hybrid_forecast,
    hybrid_windows,
    make_ensemble,
    make_horizon_windows,
    make_windows,
    one_step_errors,
    recursive_forecast,
    rmse,
    seasonal_differences,
    seasonal_naive,
    smoothing,
    train_forecaster,
    train_loop,
    undifference,
)
from pathlearn.threads import cpu_threads

AIRLINE = load_airline()
FAST = {"epochs": 5}  # enough to exercise the code paths; quality is tested under `slow`


@pytest.fixture(scope="module")
def fast_run():
    """The basic model (recursive)."""
    return train_forecaster(AIRLINE, seed=0, device="cpu", method="recursive", **FAST)


@pytest.fixture(scope="module")
def direct_run():
    """The direct model (an ensemble of DIRECT_DEFAULTS["members"], with the level path)."""
    return train_forecaster(AIRLINE, seed=0, device="cpu", method="direct", **FAST)


def test_seasonal_naive_repeats_the_last_season():
    history = np.arange(1.0, 31.0)  # 1..30
    last = history[-12:]
    assert np.array_equal(seasonal_naive(history, 12, 12), last)
    assert np.array_equal(seasonal_naive(history, 12, 5), last[:5])
    assert np.array_equal(seasonal_naive(history, 12, 30), np.concatenate([last, last, last[:6]]))
    assert np.array_equal(seasonal_naive([3, 1, 4], 1, 3), [4, 4, 4])
    with pytest.raises(InvalidInputError, match="needs 12 values, got 3"):
        seasonal_naive([1, 2, 3], 12, 12)


def test_rmse_matches_numpy():
    rng = np.random.default_rng(0)
    for _ in range(5):
        a, b = rng.normal(size=17), rng.normal(size=17)
        assert rmse(a, b) == pytest.approx(np.sqrt(((a - b) ** 2).mean()), rel=1e-12)
    assert rmse([1, 2, 3], [1, 2, 3]) == 0.0
    assert rmse([0, 0], [3, 4]) == pytest.approx(np.sqrt(12.5))
    with pytest.raises(InvalidInputError, match="equal shapes"):
        rmse([1, 2], [1, 2, 3])


class AddOne(nn.Module):
    """Predicts 'previous value + 1' at every step, like a trained forecaster's interface."""

    def forward(self, x):
        return x + 1


def test_recursive_forecast_feeds_predictions_back():
    context = torch.tensor([[1.0, 2.0, 5.0]])[..., None]
    out = recursive_forecast(AddOne(), context, steps=4)
    # one step ahead from the true values would give 6 four times
    assert out[0, :, 0].tolist() == [6.0, 7.0, 8.0, 9.0]


def test_windows_and_their_targets_one_step_later():
    x = np.arange(10.0)
    inputs, targets = make_windows(x, 4)
    assert inputs.shape == targets.shape == (6, 4, 1)
    assert inputs[0, :, 0].tolist() == [0, 1, 2, 3] and targets[0, :, 0].tolist() == [1, 2, 3, 4]
    assert inputs[-1, :, 0].tolist() == [5, 6, 7, 8] and targets[-1, :, 0].tolist() == [6, 7, 8, 9]


@pytest.mark.parametrize("log", [True, False])
def test_undifference_undoes_seasonal_differences(log):
    values = AIRLINE.values
    d = seasonal_differences(values, 12, log)
    assert d.shape == (len(values) - 12,)
    # rebuild the last 30 values (more than two seasons) from the ones before them
    rebuilt = undifference(values[:-30], d[-30:], 12, log)
    assert np.allclose(rebuilt, values[-30:], rtol=1e-12)
    assert undifference(np.ones(12), np.zeros(3), 12, log).tolist() == [1.0, 1.0, 1.0]


def test_train_loop_is_the_training_of_train_forecaster(fast_run):
    """The composition, step by step, gives train_forecaster's numbers."""
    train = AIRLINE.values[:-12]
    d = seasonal_differences(train, 12, log=True)
    x = (d - d.mean()) / d.std()
    inputs, targets = (torch.tensor(a, dtype=torch.float32) for a in make_windows(x, 12))
    torch.manual_seed(0)
    model = LSTMForecaster(16)
    with cpu_threads():  # as train_forecaster: with more threads sums may run in another order
        losses = train_loop(model, inputs, targets, epochs=5, lr=0.005, noise=1.5)
        model.eval()
        context = torch.tensor(x[-12:][None, :, None], dtype=torch.float32)
        predicted = recursive_forecast(model, context, 12)[0, :, 0].numpy().astype(np.float64)
    assert np.array_equal(losses, fast_run.history["loss"])
    forecast = undifference(train, predicted * d.std() + d.mean(), 12, log=True)
    assert np.array_equal(forecast, fast_run.forecast)


def test_result_shapes_and_preprocessing(fast_run):
    r = fast_run
    assert isinstance(r, ForecastResult)
    for name in ("forecast", "actual", "baseline", "future"):
        array = getattr(r, name)
        assert isinstance(array, np.ndarray) and array.dtype == np.float64 and array.shape == (12,)
        assert np.all(np.isfinite(array))
    assert np.array_equal(r.actual, AIRLINE.values[-12:])
    assert np.array_equal(r.baseline, AIRLINE.values[-24:-12])
    assert r.baseline_rmse == pytest.approx(50.7083, abs=1e-4)
    assert r.rmse == pytest.approx(rmse(r.forecast, r.actual))
    assert isinstance(r.rmse, float) and isinstance(r.seconds, float) and r.device == "cpu"
    assert (r.horizon, r.season, r.window, r.epochs, r.seed) == (12, 12, 12, 5, 0)
    assert r.history["loss"].shape == (5,)

    # log seasonal differences of the 132 training values, standardized with their own stats
    assert r.transform == "log"
    train = np.log(AIRLINE.values[:-12])
    d = train[12:] - train[:-12]
    assert np.allclose(r.train_transformed, (d - d.mean()) / d.std())
    assert (r.mean, r.std) == pytest.approx((d.mean(), d.std()))
    assert r.inputs_shape == (len(d) - 12, 12, 1)


def test_model_prints_its_lstm_and_rebuilds_from_config(fast_run):
    text = str(fast_run.model)
    assert "LSTM(1, 16, batch_first=True)" in text and "Linear(in_features=16" in text
    model = LSTMForecaster(**fast_run.model_config)
    model.load_state_dict(fast_run.model.state_dict())


def test_holdout_values_never_reach_the_forecast(fast_run):
    values = AIRLINE.values.copy()
    values[-12:] *= 2  # different holdout, same training part
    changed = train_forecaster(values, seed=0, device="cpu", method="recursive", **FAST)
    assert np.array_equal(changed.forecast, fast_run.forecast)
    assert np.array_equal(changed.actual, values[-12:])
    assert changed.rmse != fast_run.rmse
    assert not np.array_equal(changed.future, fast_run.future)  # future sees the whole series


@pytest.mark.parametrize("method, fixture, loss", [("recursive", "fast_run", "loss"),
                                                   ("direct", "direct_run", "member_loss")])
def test_same_seed_same_numbers_other_seed_other_numbers(request, method, fixture, loss):
    first = request.getfixturevalue(fixture)
    again = train_forecaster(AIRLINE, seed=0, device="cpu", method=method, **FAST)
    for name in ("forecast", "future"):
        assert np.array_equal(getattr(again, name), getattr(first, name))
    assert np.array_equal(again.history[loss], first.history[loss])
    other = train_forecaster(AIRLINE, seed=1, device="cpu", method=method, **FAST)
    assert not np.array_equal(other.forecast, first.forecast)


def test_non_positive_series_uses_plain_seasonal_differences():
    t = np.arange(60)
    values = 10 * np.sin(2 * np.pi * t / 12) + 0.1 * t  # crosses zero: no log
    r = train_forecaster(values, horizon=6, device="cpu", method="recursive", **FAST)
    assert r.transform == "none"
    d = values[12:-6] - values[:-18]
    assert np.allclose(r.train_transformed, (d - d.mean()) / d.std())
    assert r.forecast.shape == r.future.shape == (6,)


def test_horizon_longer_than_a_season():
    r = train_forecaster(AIRLINE, horizon=18, device="cpu", method="recursive", **FAST)
    assert r.forecast.shape == r.future.shape == (18,) and np.all(r.forecast > 0)
    last_season = AIRLINE.values[-30:-18]
    assert np.array_equal(r.baseline, np.concatenate([last_season, last_season[:6]]))


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"epochs": 0}, "epochs must be a positive integer"),
        ({"epochs": 2.5}, "epochs must be a positive integer"),
        ({"epochs": True}, "epochs must be a positive integer"),
        ({"lr": 0}, "lr must be a positive number"),
        ({"lr": -1e-3}, "lr must be a positive number"),
        ({"lr": float("nan")}, "lr must be a positive number"),
        ({"horizon": 0}, "horizon must be a positive integer"),
        ({"season": -12}, "season must be a positive integer"),
        ({"method": "recursive", "window": 0}, "window must be a positive integer"),
        ({"hidden": 0}, "hidden must be a positive integer"),
        ({"method": "recursive", "noise": -0.1}, "noise must be a positive number"),
        ({"method": "recursive", "noise": "abc"}, "noise must be a positive number"),
        ({"device": "tpu"}, "unknown device 'tpu'"),
        ({"method": "both"}, "method must be 'direct', 'recursive', 'hybrid' or 'auto'"),
        ({"method": "direct", "members": 0}, "members must be a positive integer"),
        ({"method": "recursive", "members": 3}, "members must be 1"),
        ({"method": "recursive", "level": True}, "level false"),
    ],
)
def test_bad_arguments(kwargs, message):
    with pytest.raises(InvalidInputError, match=message):
        train_forecaster(AIRLINE, **kwargs)


def test_bad_series():
    with pytest.raises(InvalidInputError, match="1-D sequence of finite numbers"):
        train_forecaster(np.ones((50, 2)))
    with pytest.raises(InvalidInputError, match="1-D sequence of finite numbers"):
        train_forecaster(np.r_[np.ones(40), np.nan, np.ones(40)])
    with pytest.raises(InvalidInputError, match="1-D sequence of finite numbers"):
        train_forecaster(["1", "2", "x"] * 20)


def test_too_short_series_says_how_many_values_are_needed():
    with pytest.raises(InvalidInputError, match=r"need at least 37 values for method 'recursive', got 36"):
        train_forecaster(AIRLINE.values[:36], method="recursive")
    with pytest.raises(InvalidInputError, match=r"need at least 20 values for method 'recursive', got 19"):
        train_forecaster(AIRLINE.values[:19], window=3, season=12, horizon=4, method="recursive")
    train_forecaster(AIRLINE.values[:20], window=3, season=12, horizon=4, device="cpu", epochs=1,
                     method="recursive")
    # direct: window (3 seasons) + season + horizon values, and `horizon` more for the first target
    with pytest.raises(InvalidInputError, match=r"need at least 72 values for method 'direct', got 71"):
        train_forecaster(AIRLINE.values[:71], method="direct")
    r = train_forecaster(AIRLINE.values[:72], device="cpu", epochs=1, members=1, method="direct")
    assert r.inputs_shape == (1, 36, 1)


def test_divergence_raises_with_the_history_so_far():
    with pytest.raises(TrainingDivergedError, match="diverged") as info:
        train_forecaster(AIRLINE, lr=1e30, epochs=50, device="cpu", method="recursive")
    error = info.value
    assert 0 < error.step < 50
    losses = error.history["loss"]
    assert len(losses) == error.step and np.all(np.isfinite(losses))


@pytest.mark.slow
@pytest.mark.parametrize("seeds", [range(3)])
def test_quality_bar_on_the_airline_holdout(seeds):
    results = [train_forecaster(AIRLINE, seed=s, device="cpu") for s in seeds]
    for r in results:
        assert r.rmse < r.baseline_rmse, (r.seed, r.rmse)
    assert statistics.median(r.rmse for r in results) <= 25


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
def test_trains_on_cuda():
    r = train_forecaster(AIRLINE, device="cuda", epochs=20)
    assert r.device.startswith("cuda")
    assert next(r.model.parameters()).device.type == "cuda"
    assert all(isinstance(getattr(r, n), np.ndarray) for n in ("forecast", "future"))
    assert np.all(np.isfinite(r.forecast)) and isinstance(r.rmse, float)


def test_horizon_windows_and_their_targets():
    x = np.arange(10.0)
    inputs, targets = make_horizon_windows(x, window=4, horizon=3)
    assert inputs.shape == (4, 4, 1) and targets.shape == (4, 3)  # 10 - 4 - 3 + 1 windows
    assert inputs[0, :, 0].tolist() == [0, 1, 2, 3] and targets[0].tolist() == [4, 5, 6]
    assert inputs[-1, :, 0].tolist() == [3, 4, 5, 6] and targets[-1].tolist() == [7, 8, 9]


def test_direct_forecaster_predicts_the_horizon_from_the_last_hidden_state():
    torch.manual_seed(0)
    model = DirectForecaster(hidden=8, horizon=5)
    x = torch.randn(3, 7, 1)
    out = model(x)
    assert out.shape == (3, 5)
    output, (h_n, _) = model.lstm(x)
    assert torch.allclose(out, model.head(h_n[-1]))
    # only the past of the last step matters: the same last hidden state gives the same forecast
    assert torch.allclose(model(x[:1]), out[:1])
    assert not direct_forecast(model, x).requires_grad


def test_level_path_adds_the_mean_of_the_last_inputs():
    torch.manual_seed(0)
    plain = DirectForecaster(hidden=8, horizon=5)
    with_level = DirectForecaster(hidden=8, horizon=5, level=4)
    with_level.load_state_dict(plain.state_dict())
    x = torch.randn(3, 7, 1)
    level = x[:, -4:, 0].mean(dim=1, keepdim=True)
    assert torch.allclose(with_level(x), plain(x) + level)
    assert (plain.level, with_level.level) == (0, 4)


def test_ensemble_is_the_mean_of_its_members():
    torch.manual_seed(0)
    members = [DirectForecaster(4, 3) for _ in range(3)]
    ensemble = Ensemble(members)
    x = torch.randn(2, 6, 1)
    expected = sum(m(x) for m in members) / 3
    assert torch.allclose(ensemble(x), expected, atol=1e-7)
    rebuilt = make_ensemble(hidden=4, horizon=3, members=3)
    rebuilt.load_state_dict(ensemble.state_dict())
    assert torch.equal(rebuilt(x), ensemble(x))


def test_direct_training_is_the_composition_of_the_steps(direct_run):
    """make_horizon_windows, members trained one after the other, the ensemble, undifference."""
    train = AIRLINE.values[:-12]
    d = seasonal_differences(train, 12, log=True)
    x = (d - d.mean()) / d.std()
    inputs, targets = (torch.tensor(a, dtype=torch.float32) for a in make_horizon_windows(x, 36, 12))
    torch.manual_seed(0)
    models, losses = [], []
    with cpu_threads():
        for _ in range(DIRECT_DEFAULTS["members"]):
            model = DirectForecaster(DIRECT_DEFAULTS["hidden"], 12, level=12 if DIRECT_DEFAULTS["level"] else 0)
            losses.append(train_loop(model, inputs, targets, epochs=5, lr=DIRECT_DEFAULTS["lr"],
                                     noise=DIRECT_DEFAULTS["noise"]))
            models.append(model)
        ensemble = Ensemble(models).eval()
        context = torch.tensor(x[-36:][None, :, None], dtype=torch.float32)
        predicted = direct_forecast(ensemble, context)[0].numpy().astype(np.float64)
    assert np.array_equal(np.stack(losses), direct_run.history["member_loss"])
    forecast = undifference(train, predicted * d.std() + d.mean(), 12, log=True)
    assert np.array_equal(forecast, direct_run.forecast)
    assert direct_run.inputs_shape == (len(d) - 36 - 12 + 1, 36, 1)


def test_direct_result_fields_and_the_seasonal_naive_residual(direct_run):
    r = direct_run
    assert (r.method, r.members, r.window) == ("direct", DIRECT_DEFAULTS["members"], 36)
    assert r.level == (12 if DIRECT_DEFAULTS["level"] else 0) == r.model.models[0].level
    assert r.history["member_loss"].shape == (DIRECT_DEFAULTS["members"], 5)
    assert np.array_equal(r.history["loss"], r.history["member_loss"][0])
    assert isinstance(r.model, Ensemble) and len(r.model.models) == DIRECT_DEFAULTS["members"]
    assert r.model_kind == "lstm.direct"
    rebuilt = make_ensemble(**r.model_config)
    rebuilt.load_state_dict(r.model.state_dict())
    # for horizon <= season the forecast is the seasonal-naive forecast times exp(predicted d)
    d = np.log(r.forecast / r.baseline)
    context = torch.tensor(r.train_transformed[-36:][None, :, None], dtype=torch.float32)
    predicted = direct_forecast(r.model, context)[0].numpy().astype(np.float64) * r.std + r.mean
    assert np.allclose(d, predicted, rtol=1e-6, atol=1e-9)


@pytest.mark.parametrize("method", ["direct", "hybrid"])
def test_direct_and_hybrid_holdout_values_never_reach_the_forecast(request, method):
    run = request.getfixturevalue(f"{method}_run")
    values = AIRLINE.values.copy()
    values[-12:] *= 2
    changed = train_forecaster(values, seed=0, device="cpu", method=method, **FAST)
    assert np.array_equal(changed.forecast, run.forecast)
    assert not np.array_equal(changed.future, run.future)


def test_defaults_are_auto_with_the_basic_models_settings():
    assert DEFAULTS == {"method": "auto", "window_seasons": 1, "members": 1, "hidden": 16,
                        "epochs": 200, "lr": 0.005, "noise": 1.5, "level": False}
    assert DIRECT_DEFAULTS["method"] == "direct"
    # too short to validate the hybrid on: the basic model, with DEFAULTS' settings
    r = train_forecaster(AIRLINE.values[:60], device="cpu", epochs=1)
    assert (r.method, r.window, r.noise, r.validation) == ("recursive", 12, 1.5, None)


def test_direct_horizon_longer_than_a_season():
    r = train_forecaster(AIRLINE, horizon=24, device="cpu", members=2, method="direct", **FAST)
    assert r.forecast.shape == r.future.shape == (24,) and np.all(r.forecast > 0)
    assert r.model.models[0].head.out_features == 24


def _smoothing_oracle(values, season, alpha, gamma):
    """Smyl's recursions written out with Python floats and dicts, one month at a time."""
    first = sum(values[:season]) / season
    factor = {t: float(values[t]) / first for t in range(season)}
    level = {-1: first}
    for t, y in enumerate(values):
        level[t] = alpha * y / factor[t] + (1 - alpha) * level[t - 1]
        factor[t + season] = gamma * y / level[t] + (1 - gamma) * factor[t]
    return [level[t] for t in range(len(values))], [factor[t] for t in range(len(values) + season)]


@pytest.mark.parametrize(("alpha", "gamma"), [(0.1, 0.6), (1.0, 0.0), (0.37, 1.0)])
def test_smoothing_matches_the_recursion_written_out(alpha, gamma):
    values = AIRLINE.values[:50]
    level, factors = smoothing(values, 12, alpha, gamma)
    expected_level, expected_factors = _smoothing_oracle(list(values), 12, alpha, gamma)
    assert np.allclose(level, expected_level, rtol=1e-12) and np.allclose(factors, expected_factors, rtol=1e-12)
    assert level.shape == (50,) and factors.shape == (62,)
    if gamma == 0:  # the seasonal factors never change: the first season's, repeated
        assert np.allclose(factors, np.resize(factors[:12], 62))
    if alpha == 1:  # the level is the deseasonalized value itself
        assert np.allclose(level, values / factors[:50])


def test_smoothing_of_a_pure_seasonal_series_is_exact():
    pattern = np.array([1.0, 2, 3, 4]) / 2.5
    values = 10 * np.resize(pattern, 20)
    level, factors = smoothing(values, 4, 0.3, 0.5)
    assert np.allclose(level, 10) and np.allclose(factors, np.resize(pattern, 24))


def test_hybrid_windows_are_deseasonalized_logs_over_the_last_level():
    values = AIRLINE.values[:60]
    level, factors = smoothing(values, 12, 0.2, 0.4)
    inputs, targets = hybrid_windows(values, level, factors, 24, 18)
    assert inputs.shape == (60 - 24 - 18 + 1, 24, 1) and targets.shape == (60 - 24 - 18 + 1, 18)
    i, t = 5, 5 + 23  # window 5 ends at month 28
    assert np.allclose(inputs[i, :, 0], [np.log(values[m] / factors[m] / level[t]) for m in range(t - 23, t + 1)])
    # steps 1-12 ahead use factors[t + k]; steps 13-18 the factor of the same month, known at t
    known = [t + k if k <= 12 else t + k - 12 for k in range(1, 19)]
    expected = [np.log(values[t + k] / factors[m] / level[t]) for k, m in zip(range(1, 19), known, strict=True)]
    assert np.allclose(targets[i], expected)
    context, empty = hybrid_windows(values, level, factors, 24, 0)
    assert empty.shape == (len(context), 0)
    assert np.array_equal(context[-1, :, 0], np.log(values[-24:] / factors[36:60] / level[-1]))


@pytest.fixture(scope="module")
def hybrid_run():
    return train_forecaster(AIRLINE, seed=0, device="cpu", method="hybrid", **FAST)


def test_hybrid_training_is_the_composition_of_the_steps(hybrid_run):
    """smoothing, hybrid_windows divided by their std, the members of train_loop, hybrid_forecast."""
    r, train = hybrid_run, AIRLINE.values[:-12]
    window = HYBRID_DEFAULTS["window_seasons"] * 12
    level, factors = smoothing(train, 12, HYBRID_DEFAULTS["alpha"], HYBRID_DEFAULTS["gamma"])
    inputs, targets = hybrid_windows(train, level, factors, window, 12)
    scale = inputs.std()
    torch.manual_seed(0)
    models, losses = [], []
    with cpu_threads():
        for _ in range(HYBRID_DEFAULTS["members"]):
            model = DirectForecaster(HYBRID_DEFAULTS["hidden"], 12)
            losses.append(train_loop(model, *(torch.tensor(a / scale, dtype=torch.float32) for a in (inputs, targets)),
                                     epochs=5, lr=HYBRID_DEFAULTS["lr"], noise=HYBRID_DEFAULTS["noise"]))
            models.append(model)
        forecast = hybrid_forecast(Ensemble(models).eval(), train, level, factors, window, 12, scale)
    assert np.array_equal(np.stack(losses), r.history["member_loss"])
    assert np.array_equal(forecast, r.forecast)
    assert (r.method, r.transform, r.level, r.std) == ("hybrid", "smoothing", 0, scale)
    assert (r.alpha, r.gamma, r.window) == (HYBRID_DEFAULTS["alpha"], HYBRID_DEFAULTS["gamma"], window)
    assert r.model_kind == "lstm.direct" and r.model_config["level"] == 0
    # the forecast is the last level times the seasonal factors times exp(the model's output)
    context = hybrid_windows(train, level, factors, window, 0)[0][-1:]
    output = direct_forecast(r.model, torch.tensor(context / scale, dtype=torch.float32))[0].numpy().astype(np.float64)
    assert np.allclose(r.forecast, level[-1] * factors[len(train) : len(train) + 12] * np.exp(output * scale))


def test_hybrid_settings_are_checked():
    with pytest.raises(InvalidInputError, match="must be positive"):
        train_forecaster(AIRLINE.values - 200, method="hybrid", device="cpu", **FAST)
    with pytest.raises(InvalidInputError, match="level must be false"):
        train_forecaster(AIRLINE, method="hybrid", level=True, device="cpu", **FAST)
    with pytest.raises(InvalidInputError, match="settings of method 'hybrid'"):
        train_forecaster(AIRLINE, method="direct", alpha=0.5, device="cpu", **FAST)
    for bad in ({"alpha": 0}, {"alpha": 1.5}, {"gamma": -0.1}, {"gamma": "x"}):
        with pytest.raises(InvalidInputError, match="must be in"):
            train_forecaster(AIRLINE, method="hybrid", device="cpu", **bad, **FAST)
    with pytest.raises(InvalidInputError, match="series too short"):
        train_forecaster(AIRLINE.values[:40], method="hybrid", window=24, device="cpu", **FAST)
    r = train_forecaster(AIRLINE, horizon=24, method="hybrid", members=2, device="cpu", **FAST)
    assert r.forecast.shape == r.future.shape == (24,) and np.all(r.forecast > 0)


def _oracle_one_step_mse(values, season, alpha, gamma):
    """Plain-loop multiplicative smoothing: the squared one-step errors after the first season, averaged."""
    factors = list(values[:season] / np.mean(values[:season]))
    level, errors = np.mean(values[:season]), []
    for t, y in enumerate(values):
        if t >= season:
            errors.append((y - level * factors[t]) ** 2)
        new_level = alpha * y / factors[t] + (1 - alpha) * level
        factors.append(gamma * y / new_level + (1 - gamma) * factors[t])
        level = new_level
    return np.mean(errors)


@pytest.mark.parametrize("values", [AIRLINE.values[:-12], np.exp(np.sin(np.arange(80)) + np.arange(80) / 40)])
def test_fit_smoothing_is_the_grid_point_with_the_least_one_step_error(values):
    """Brute force over the grid with an independent loop; the fit reads only the values it is given."""
    oracle = {(a, g): _oracle_one_step_mse(values, 12, a, g) for a in SMOOTHING_GRID["alpha"]
              for g in SMOOTHING_GRID["gamma"]}
    best = min(oracle, key=oracle.get)
    assert fit_smoothing(values, 12) == best
    errors = one_step_errors(values, 12, *best)
    assert errors.shape == values.shape and np.isclose(np.mean(errors[12:] ** 2), oracle[best])
    assert fit_smoothing(values, 12, {"alpha": (0.5,), "gamma": (0.2,)}) == (0.5, 0.2)


def test_hybrid_fit_uses_the_coefficients_fitted_to_the_training_part():
    r = train_forecaster(AIRLINE, method="hybrid", fit=True, device="cpu", **FAST)
    assert r.fit and (r.alpha, r.gamma) == fit_smoothing(AIRLINE.values[:-12], 12)
    fixed = train_forecaster(AIRLINE, method="hybrid", alpha=r.alpha, gamma=r.gamma, device="cpu", **FAST)
    assert np.array_equal(r.forecast, fixed.forecast) and not fixed.fit
    changed = AIRLINE.values.copy()
    changed[-12:] *= 3  # the holdout never reaches the fit
    refit = train_forecaster(changed, method="hybrid", fit=True, device="cpu", **FAST)
    assert (refit.alpha, refit.gamma) == (r.alpha, r.gamma)
    with pytest.raises(InvalidInputError, match="leave them unset"):
        train_forecaster(AIRLINE, method="hybrid", fit=True, alpha=0.5, device="cpu", **FAST)
    with pytest.raises(InvalidInputError, match="settings of method 'hybrid'"):
        train_forecaster(AIRLINE, method="recursive", fit=True, device="cpu", **FAST)


def test_auto_validates_both_methods_on_the_training_part_and_retrains_the_winner():
    assert DEFAULTS["method"] == "auto"
    r = train_forecaster(AIRLINE, seed=1, device="cpu", **FAST)  # the default method
    # validation: trained on the training part without its last 12 values, scored on those 12
    scores = {m: train_forecaster(AIRLINE.values[:-12], method=m, seed=1, device="cpu", **FAST).rmse
              for m in ("recursive", "hybrid")}
    assert r.validation == scores
    winner = min(scores, key=scores.get)
    again = train_forecaster(AIRLINE, method=winner, seed=1, device="cpu", **FAST)
    assert r.method == winner and np.array_equal(r.forecast, again.forecast) and r.seconds > 0
    negative = train_forecaster(AIRLINE.values - 200, method="auto", device="cpu", **FAST)
    assert negative.method == "recursive" and negative.validation is None
    short = train_forecaster(AIRLINE.values[:70], method="auto", device="cpu", **FAST)  # 58 to train: too few
    assert short.method == "recursive" and short.validation is None
    with pytest.raises(InvalidInputError, match="leave window, noise"):
        train_forecaster(AIRLINE, method="auto", window=12, device="cpu", **FAST)
