"""Forecasting a monthly series several steps ahead with an LSTM.

The LSTM never sees the raw series. It models the seasonal differences of the log values,
`d[t] = log y[t] - log y[t - season]` (roughly the growth over the same month a year before),
standardized with the mean and standard deviation of the training part. Since
`y[t] = y[t - season] * exp(d[t])`, predicting `d` means predicting how far each month will be
from the seasonal-naive forecast (the same month a year before). A series with a value <= 0 has
no log; it is modelled with plain seasonal differences `y[t] - y[t - season]`.

Four methods (`train_forecaster(method=...)`):

- `"recursive"` (the basic model of Tutorial 2): an `LSTMForecaster` predicts the next value at
  every step, and each prediction is appended to the input window to predict the one after.
- `"direct"`: a `DirectForecaster` reads the last `window` values (three seasons by default) and
  predicts all `horizon` next values in one forward pass, as offsets from the **level**, the mean
  of the last season of its inputs (`level=True`); `members` of them, trained one after the
  other from the same seed, are averaged (`Ensemble`; one by default). Its settings were chosen
  on a validation split (1957-1959 of the airline series), where it beat the recursive model; on
  the 1960 holdout it did not (see the Results page), so it is not the default.
- `"hybrid"`: exponential smoothing + LSTM, after Smyl's ES-RNN (simplified): `smoothing` gives
  a level and seasonal factors, a `DirectForecaster` without the level path predicts the series
  divided by them (`hybrid_windows`, `hybrid_forecast`). Better than the recursive model on the
  airline series, clearly worse on another monthly series, so it is not the default by itself.
- `"auto"` (the default, issue 10's fourth candidate): trains the recursive and the hybrid method
  on the training part without its last `horizon` values, and retrains the one that forecast
  those better on the whole training part. Chosen over the other candidates on validation
  windows that end before every holdout (`benchmarks.lstm.choose_candidate`).

Each step is a public function short enough for a tutorial to show whole:
`seasonal_differences`, `make_windows`, `make_horizon_windows`, `train_loop`,
`recursive_forecast`, `direct_forecast`, `undifference`, `smoothing`, `hybrid_windows`,
`hybrid_forecast` and `fit_smoothing`; `train_forecaster` composes them.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch
from torch import nn

from pathlearn._checks import finite_loss, positive_float, positive_int
from pathlearn._checks import progress as progress_bar
from pathlearn.device import resolve_device
from pathlearn.errors import InvalidInputError
from pathlearn.threads import cpu_threads

__all__ = [
    "DEFAULTS",
    "DIRECT_DEFAULTS",
    "DirectForecaster",
    "HYBRID_DEFAULTS",
    "Ensemble",
    "ForecastResult",
    "LSTMForecaster",
    "SMOOTHING_GRID",
    "direct_forecast",
    "fit_smoothing",
    "hybrid_forecast",
    "hybrid_windows",
    "make_ensemble",
    "make_horizon_windows",
    "make_windows",
    "one_step_errors",
    "recursive_forecast",
    "rmse",
    "seasonal_differences",
    "seasonal_naive",
    "smoothing",
    "train_forecaster",
    "train_loop",
    "undifference",
]

#: Defaults of `train_forecaster`: the recursive method's settings, chosen on 1956-1959, never on
#: 1960 (the airline holdout); the method "auto" was chosen on windows before every holdout.
DEFAULTS: dict[str, Any] = {"method": "auto", "window_seasons": 1, "members": 1, "hidden": 16,
                            "epochs": 200, "lr": 0.005, "noise": 1.5, "level": False}
"""Defaults of `train_forecaster`: the method (`"auto"`) and the recursive method's settings."""

#: Defaults of `train_forecaster(method="direct")`, chosen by `benchmarks.lstm.select_settings`:
#: it forecasts each of 1957-1959 from the years before it, never looking at 1960. The window is
#: `window_seasons * max(season, 12)` values; `level`: forecasts are offsets from the mean of the
#: last `season` inputs.
DIRECT_DEFAULTS: dict[str, Any] = {"method": "direct", "window_seasons": 3, "members": 1, "hidden": 16,
                                   "epochs": 200, "lr": 0.005, "noise": 1.5, "level": True}
"""Defaults of `train_forecaster(method="direct")`; chosen on 1957-1959, never on 1960."""

#: Defaults of `train_forecaster(method="hybrid")`, chosen by `benchmarks.lstm.select_hybrid` on
#: 1957-1959 only: `alpha` and `gamma` are the smoothing coefficients of the level and the season.
HYBRID_DEFAULTS: dict[str, Any] = {"method": "hybrid", "window_seasons": 3, "members": 3, "hidden": 16,
                                   "epochs": 200, "lr": 0.005, "noise": 0.25, "level": False,
                                   "alpha": 0.1, "gamma": 0.6, "fit": False}
"""Defaults of `train_forecaster(method="hybrid")`; chosen on 1957-1959, never on 1960."""

#: The grid of smoothing coefficients that `fit_smoothing` searches.
SMOOTHING_GRID: dict[str, tuple[float, ...]] = {"alpha": (0.05, 0.1, 0.2, 0.3, 0.5, 0.7, 0.9),
                                                "gamma": (0.0, 0.1, 0.2, 0.3, 0.5, 0.7, 0.9)}
"""The grid of `alpha` and `gamma` values that `fit_smoothing` searches by default."""


class LSTMForecaster(nn.Module):
    """An `nn.LSTM` that reads a series and predicts its next value at every step.

    Args:
        hidden: Size of the LSTM's hidden state.
        num_layers: Stacked LSTM layers.
    """

    def __init__(self, hidden: int = 16, num_layers: int = 1) -> None:
        super().__init__()
        self.lstm = nn.LSTM(input_size=1, hidden_size=hidden, num_layers=num_layers,
                            batch_first=True)
        self.head = nn.Linear(hidden, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Map windows `(batch, steps, 1)` to next-value predictions of the same shape."""
        out, _ = self.lstm(x)
        return self.head(out)


class DirectForecaster(nn.Module):
    """An `nn.LSTM` that reads a window and predicts the next `horizon` values at once.

    With `level > 0` the LSTM predicts only how far each value will be from the **level**,
    the mean of the last `level` inputs, which is added to its output (a skip connection).

    Args:
        hidden: Size of the LSTM's hidden state.
        horizon: Values predicted per window.
        level: Inputs averaged into the level (one season: 12); 0: no level.
    """

    def __init__(self, hidden: int = 16, horizon: int = 12, level: int = 0) -> None:
        super().__init__()
        self.lstm = nn.LSTM(input_size=1, hidden_size=hidden, batch_first=True)
        self.head = nn.Linear(hidden, horizon)
        self.level = level

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Map windows `(batch, steps, 1)` to the next `horizon` values, `(batch, horizon)`."""
        out, _ = self.lstm(x)
        change = self.head(out[:, -1])  # from the hidden state after the last step
        if self.level == 0:
            return change
        return x[:, -self.level:, 0].mean(dim=1, keepdim=True) + change


class Ensemble(nn.Module):
    """The mean of several models' predictions.

    Args:
        models: Models with the same input and output shapes.
    """

    def __init__(self, models: list[nn.Module]) -> None:
        super().__init__()
        self.models = nn.ModuleList(models)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """The mean over the models of `model(x)`."""
        return torch.stack([model(x) for model in self.models]).mean(dim=0)


def make_ensemble(hidden: int = 16, horizon: int = 12, members: int = 1, level: int = 0) -> Ensemble:
    """An `Ensemble` of `members` new `DirectForecaster(hidden, horizon, level)` (rebuilds saved weights)."""
    return Ensemble([DirectForecaster(hidden, horizon, level) for _ in range(members)])


def direct_forecast(model: nn.Module, context: torch.Tensor) -> torch.Tensor:
    """All `horizon` values after `context` in one forward pass, without recording gradients.

    Args:
        model: A trained `DirectForecaster` or `Ensemble` of them.
        context: The last `window` known values, shape `(batch, window, 1)`.

    Returns:
        The forecasts, shape `(batch, horizon)`.
    """
    with torch.no_grad():
        return model(context)


def recursive_forecast(model: nn.Module, context: torch.Tensor, steps: int) -> torch.Tensor:
    """Forecast `steps` values, feeding each prediction back as the newest input.

    Args:
        model: A trained `LSTMForecaster`.
        context: The last `window` known values, shape `(batch, window, 1)`.
        steps: How many values to forecast.

    Returns:
        The forecasts, shape `(batch, steps, 1)`.
    """
    window = context.shape[1]
    values = context
    with torch.no_grad():
        for _ in range(steps):
            next_value = model(values[:, -window:])[:, -1:]
            values = torch.cat([values, next_value], dim=1)
    return values[:, window:]


def seasonal_naive(history: Any, season: int, horizon: int) -> np.ndarray:
    """The baseline: repeat the last `season` values of `history` for `horizon` steps."""
    season, horizon = positive_int("season", season), positive_int("horizon", horizon)
    history = np.asarray(history, dtype=np.float64)
    if len(history) < season:
        raise InvalidInputError(f"seasonal naive needs {season} values, got {len(history)}")
    last = history[len(history) - season:]
    return np.resize(last, horizon)  # np.resize repeats the season when horizon > season


def rmse(a: Any, b: Any) -> float:
    """Root mean squared error between two equally long sequences."""
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    if a.shape != b.shape:
        raise InvalidInputError(f"rmse needs equal shapes, got {a.shape} and {b.shape}")
    return float(np.sqrt(np.mean((a - b) ** 2)))


@dataclass
class ForecastResult:
    """What `train_forecaster` returns; arrays are numpy float64, in the series' units.

    Attributes:
        forecast: Forecast of the held-out last `horizon` values.
        actual: The held-out values.
        baseline: Seasonal-naive forecast of the held-out values.
        future: Forecast of the `horizon` values after the series ends (same model,
            conditioned on the whole series).
        rmse: RMSE of `forecast` against `actual`.
        baseline_rmse: RMSE of `baseline` against `actual`.
        transform: `"log"` (log seasonal differences, when every value is positive),
            `"none"` (plain seasonal differences) or `"smoothing"` (the hybrid method).
        train_transformed: The standardized seasonal differences the LSTM was trained on (hybrid:
            `log(y[t] / factors[t] / level[t]) / std` of the training part).
        mean: Mean of the training differences (subtracted before training; 0 for hybrid).
        std: Their standard deviation (divided by before training; hybrid: of the inputs).
        inputs_shape: Shape of the training windows, `(windows, window, 1)`.
        method: `"direct"`, `"recursive"` or `"hybrid"`.
        alpha: The hybrid method's smoothing coefficient of the level (0 for the others).
        gamma: Its smoothing coefficient of the seasonal factors (0 for the others).
        fit: Whether `alpha` and `gamma` were fitted to the training part (`fit_smoothing`).
        validation: `method="auto"` only: the RMSE of `"recursive"` and `"hybrid"` on the last
            `horizon` values of the training part, trained on the values before them; `method`
            is the winner. None for the other methods.
        members: Models averaged (always 1 for `"recursive"`).
        level: Inputs averaged into the direct model's level (`season`), or 0: no level.
        history: Per-epoch `"loss"` (mean squared error on the standardized scale), of the first
            member; `"member_loss"`: shape `(members, epochs)`, every member's.
        model: The trained model, on `device`: an `Ensemble` of `DirectForecaster`s
            (`"direct"`, `"hybrid"`) or an `LSTMForecaster` (`"recursive"`).
    """

    forecast: np.ndarray
    actual: np.ndarray
    baseline: np.ndarray
    future: np.ndarray
    rmse: float
    baseline_rmse: float
    horizon: int
    season: int
    window: int
    hidden: int
    epochs: int
    lr: float
    noise: float
    seed: int
    device: str
    seconds: float
    transform: str
    train_transformed: np.ndarray
    mean: float
    std: float
    inputs_shape: tuple[int, ...]
    history: dict[str, np.ndarray] = field(repr=False)
    model: nn.Module = field(repr=False)
    method: str = "recursive"
    members: int = 1
    level: int = 0
    alpha: float = 0.0
    gamma: float = 0.0
    fit: bool = False
    validation: dict[str, float] | None = None

    @property
    def model_config(self) -> dict[str, int]:
        """Arguments that rebuild `model`: `make_ensemble(**model_config)` for `"direct"` and `"hybrid"`,
        `LSTMForecaster(**model_config)` for `"recursive"`."""
        if self.method == "recursive":
            return {"hidden": self.hidden}
        return {"hidden": self.hidden, "horizon": self.horizon, "members": self.members, "level": self.level}

    @property
    def model_kind(self) -> str:
        """The key of `pathlearn.weights.BUILDERS` that rebuilds `model`."""
        return "lstm" if self.method == "recursive" else "lstm.direct"


def _as_series(series: Any) -> np.ndarray:
    try:
        values = np.asarray(getattr(series, "values", series), dtype=np.float64)
    except (TypeError, ValueError):
        values = np.empty((0, 0))
    if values.ndim != 1 or not np.all(np.isfinite(values)):
        raise InvalidInputError("series must be a 1-D sequence of finite numbers")
    return values


def seasonal_differences(values: np.ndarray, season: int, log: bool) -> np.ndarray:
    """`log y[t] - log y[t - season]` (or `y[t] - y[t - season]` when `log` is false).

    Args:
        values: The series, oldest first.
        season: Season length (12 for monthly data).
        log: Difference the logs (for a positive series with a multiplicative season).

    Returns:
        The `len(values) - season` differences.
    """
    z = np.log(values) if log else values
    return z[season:] - z[:-season]


def undifference(history: np.ndarray, d: np.ndarray, season: int, log: bool) -> np.ndarray:
    """Undo `seasonal_differences` for the values after `history`.

    Args:
        history: The known values (at least one season), oldest first.
        d: Seasonal differences of the values that follow `history`.
        season: Season length.
        log: Whether `d` are differences of logs.

    Returns:
        `y[t] = y[t - season] * exp(d[t])` (or `y[t - season] + d[t]`), one per value of `d`.
    """
    # Built one value at a time: beyond one season, y[t - season] is itself a forecast
    values = list(history)
    for step in d:
        previous = values[-season]
        values.append(previous * np.exp(step) if log else previous + step)
    return np.array(values[len(history):])


def smoothing(values: np.ndarray, season: int, alpha: float, gamma: float) -> tuple[np.ndarray, np.ndarray]:
    """Level and seasonal factors of exponential smoothing with a multiplicative season, no trend.

    Smyl's (2020) recursions: `level[t] = alpha * y[t] / factors[t] + (1 - alpha) * level[t-1]`
    and `factors[t + season] = gamma * y[t] / level[t] + (1 - gamma) * factors[t]`. The first
    season starts them: `factors[:season]` is that season over its mean, and the level before
    `t = 0` is its mean.

    Args:
        values: The positive series, oldest first (at least one season).
        season: Season length.
        alpha: Smoothing coefficient of the level, in (0, 1].
        gamma: Smoothing coefficient of the seasonal factors, in [0, 1].

    Returns:
        `(level, factors)`: `len(values)` levels and `len(values) + season` factors; the
        factor of month `t` is `factors[t]`, known once month `t - season` is.
    """
    first = values[:season].mean()
    level, factors = np.empty(len(values)), np.empty(len(values) + season)
    factors[:season] = values[:season] / first
    previous = first
    for t, y in enumerate(values):
        level[t] = alpha * y / factors[t] + (1 - alpha) * previous
        factors[t + season] = gamma * y / level[t] + (1 - gamma) * factors[t]
        previous = level[t]
    return level, factors


def one_step_errors(values: np.ndarray, season: int, alpha: float, gamma: float) -> np.ndarray:
    """`y[t] - level[t-1] * factors[t]`: the error of each in-sample one-step forecast of `smoothing`.

    The forecast of month `t` made at `t - 1` is the level then times the factor of month `t`; the
    first month's previous level is the first season's mean, as in `smoothing`.
    """
    level, factors = smoothing(values, season, alpha, gamma)
    previous = np.concatenate([[values[:season].mean()], level[:-1]])
    return values - previous * factors[: len(values)]


def fit_smoothing(values: np.ndarray, season: int,
                  grid: dict[str, tuple[float, ...]] | None = None) -> tuple[float, float]:
    """The `(alpha, gamma)` of the grid whose one-step forecasts of `values` have the least squared error.

    Classical exponential-smoothing fitting: the in-sample one-step errors (`one_step_errors`)
    after the first season, which starts the smoothing, are squared and averaged; the grid's
    first pair wins a tie. Only `values` are read: pass the training part.

    Args:
        values: The positive series, oldest first (more than one season).
        season: Season length.
        grid: `{"alpha": ..., "gamma": ...}` to search (default `SMOOTHING_GRID`).
    """
    grid = SMOOTHING_GRID if grid is None else grid
    scores = {(a, g): float(np.mean(one_step_errors(values, season, a, g)[season:] ** 2))
              for a in grid["alpha"] for g in grid["gamma"]}
    return min(scores, key=scores.__getitem__)


def hybrid_windows(values: np.ndarray, level: np.ndarray, factors: np.ndarray, window: int,
                   horizon: int) -> tuple[np.ndarray, np.ndarray]:
    """Windows of the series divided by its seasonal factors and by the level at each window's end, in logs.

    Args:
        values: The positive series, oldest first.
        level: Its levels, from `smoothing`.
        factors: Its seasonal factors, from `smoothing` (`season = len(factors) - len(values)`).
        window: Values per window.
        horizon: Values to predict after each window (0: the last window only, to forecast from).

    Returns:
        `(inputs, targets)` of shapes `(n, window, 1)` and `(n, horizon)`: for the window ending
        at month `t`, `inputs[i, :, 0] == log(values[t-window+1 : t+1] / factors[t-window+1 : t+1]
        / level[t])` and `targets[i, k] == log(values[t+1+k] / factors[t+1+k % season] / level[t])`,
        the factors that are known at `t`.
    """
    season = len(factors) - len(values)
    ends = np.arange(window - 1, len(values) - horizon)  # the last month of each window
    ahead = np.arange(horizon) % season + 1  # beyond a season, the factor of a year before
    inputs = np.stack([np.log(values[t - window + 1 : t + 1] / factors[t - window + 1 : t + 1] / level[t])
                       for t in ends])[..., None]
    targets = np.stack([np.log(values[t + 1 : t + horizon + 1] / factors[t + ahead] / level[t]) for t in ends])
    return inputs, targets


def hybrid_forecast(model: nn.Module, values: np.ndarray, level: np.ndarray, factors: np.ndarray,
                    window: int, horizon: int, scale: float) -> np.ndarray:
    """The `horizon` values after `values`: the model's output times the last level and the factors.

    Args:
        model: A trained `DirectForecaster` or `Ensemble` of them (without the level path).
        values: The known series; `level` and `factors`: from `smoothing(values, ...)`.
        window: Values the model reads.
        horizon: Values to forecast.
        scale: What the model's inputs and targets were divided by.

    Returns:
        `level[-1] * factors[t + k] * exp(output * scale)`, one per step ahead (numpy float64).
    """
    context, _ = hybrid_windows(values, level, factors, window, 0)
    device = next(model.parameters()).device
    output = direct_forecast(model, torch.tensor(context[-1:] / scale, dtype=torch.float32, device=device))
    season, t = len(factors) - len(values), len(values) - 1
    ahead = np.arange(horizon) % season + 1
    return level[t] * factors[t + ahead] * np.exp(output[0].cpu().numpy().astype(np.float64) * scale)


def make_windows(x: np.ndarray, window: int) -> tuple[np.ndarray, np.ndarray]:
    """Every run of `window` consecutive values of `x`, with the run one step later as target.

    Args:
        x: A 1-D series (the standardized differences).
        window: Values per window.

    Returns:
        `(inputs, targets)`, both of shape `(len(x) - window, window, 1)`:
        `targets[i, t] == x[i + t + 1]` is the value that follows `inputs[i, t] == x[i + t]`.
    """
    starts = np.arange(len(x) - window)
    inputs = np.stack([x[i : i + window] for i in starts])[..., None]
    targets = np.stack([x[i + 1 : i + window + 1] for i in starts])[..., None]
    return inputs, targets


def make_horizon_windows(x: np.ndarray, window: int, horizon: int) -> tuple[np.ndarray, np.ndarray]:
    """Every run of `window` consecutive values of `x`, with the `horizon` values after it as target.

    Args:
        x: A 1-D series (the standardized differences).
        window: Values per window.
        horizon: Values to predict after each window.

    Returns:
        `(inputs, targets)` of shapes `(n, window, 1)` and `(n, horizon)`, `n = len(x) - window -
        horizon + 1`: `inputs[i, :, 0] == x[i : i + window]` and
        `targets[i] == x[i + window : i + window + horizon]`.
    """
    starts = np.arange(len(x) - window - horizon + 1)
    inputs = np.stack([x[i : i + window] for i in starts])[..., None]
    targets = np.stack([x[i + window : i + window + horizon] for i in starts])
    return inputs, targets


def train_loop(
    model: nn.Module, inputs: torch.Tensor, targets: torch.Tensor, *,
    epochs: int, lr: float, noise: float, progress: bool = False,
) -> np.ndarray:
    """Full-batch Adam on the mean squared error, with fresh input noise every epoch.

    Args:
        model: The model to train (in place): an `LSTMForecaster` or a `DirectForecaster`.
        inputs: Windows `(windows, window, 1)`, on the model's device.
        targets: What the model should output for each window: the next value at each step
            (`make_windows`) or the next `horizon` values (`make_horizon_windows`).
        epochs: Optimizer steps, one per epoch.
        lr: Adam's learning rate.
        noise: Standard deviation of the Gaussian noise added to the inputs.
        progress: Show a progress bar over the epochs on stderr.

    Returns:
        The loss of each epoch.

    Raises:
        TrainingDivergedError: the loss became NaN or infinite.
    """
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    loss_fn = nn.MSELoss()
    losses = np.empty(epochs)
    for epoch in progress_bar(range(epochs), enabled=progress, desc="lstm"):
        # Noisy inputs keep the LSTM from trusting each past value too much; when
        # forecasting, its inputs are its own imperfect predictions
        noisy = inputs + noise * torch.randn_like(inputs)
        loss = loss_fn(model(noisy), targets)
        losses[epoch] = finite_loss(
            float(loss.detach()), epoch, history=lambda: {"loss": losses[:epoch]}  # noqa: B023 (called at once)
        )
        optimizer.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), 1.0)  # LSTM gradients can spike
        optimizer.step()
    return losses


def _forecast(model: nn.Module, x: np.ndarray, window: int, horizon: int, method: str) -> np.ndarray:
    """The `horizon` values after `x`, forecast from its last `window` values."""
    device = next(model.parameters()).device
    context = torch.tensor(x[-window:][None, :, None], dtype=torch.float32, device=device)
    if method == "recursive":
        predicted = recursive_forecast(model, context, horizon)[0, :, 0]
    else:
        predicted = direct_forecast(model, context)[0]
    return predicted.cpu().numpy().astype(np.float64)


def _settings(n: int, **given: Any) -> dict[str, Any]:
    """Check the arguments of `train_forecaster` and fill in the defaults."""
    method = given["method"]  # never None: train_forecaster fills in DEFAULTS["method"]
    if method not in ("direct", "recursive", "hybrid"):
        raise InvalidInputError(f"method must be 'direct', 'recursive', 'hybrid' or 'auto', got {method!r}")
    defaults = {"direct": DIRECT_DEFAULTS, "hybrid": HYBRID_DEFAULTS}.get(method, DEFAULTS)
    season, horizon = positive_int("season", given["season"]), positive_int("horizon", given["horizon"])
    window = given["window"] if given["window"] is not None else defaults["window_seasons"] * max(season, 12)
    settings = {"season": season, "horizon": horizon, "window": positive_int("window", window),
                "method": method}
    for name, check in (("hidden", positive_int), ("epochs", positive_int), ("lr", positive_float),
                        ("members", positive_int)):
        settings[name] = check(name, defaults[name] if given[name] is None else given[name])
    level = bool(defaults["level"] if given["level"] is None else given["level"])
    if method == "recursive" and (settings["members"] != 1 or level):
        raise InvalidInputError("method 'recursive' trains one model without a level: members must be 1"
                                " and level false")
    if method == "hybrid" and level:
        raise InvalidInputError("method 'hybrid' divides by the smoothed level: level must be false")
    settings["level"] = season if level else 0
    settings.update(_coefficients(method, given["alpha"], given["gamma"], given["fit"]))
    noise = defaults["noise"] if given["noise"] is None else given["noise"]
    settings["noise"] = float(positive_float("noise", noise) if noise != 0 else noise)
    # recursive: one window and its target one step later; direct: a window and `horizon` targets
    needed = settings["window"] + season + horizon + (1 if method == "recursive" else horizon)
    if method == "hybrid":  # no seasonal differences: one season to start the smoothing
        needed = max(settings["window"], season) + 2 * horizon
    if n < needed:
        raise InvalidInputError(
            f"series too short: window={settings['window']}, season={season} and horizon={horizon}"
            f" need at least {needed} values for method {method!r}, got {n}"
        )
    return settings


def _coefficients(method: str, alpha: float | None, gamma: float | None, fit: bool | None) -> dict[str, Any]:
    """The hybrid method's smoothing coefficients (0 for the other methods, which have none)."""
    if method != "hybrid":
        if alpha is not None or gamma is not None or fit is not None:
            raise InvalidInputError("alpha, gamma and fit are settings of method 'hybrid'")
        return {"alpha": 0.0, "gamma": 0.0, "fit": False}
    fit = bool(HYBRID_DEFAULTS["fit"] if fit is None else fit)
    if fit:
        if alpha is not None or gamma is not None:
            raise InvalidInputError("fit=True fits alpha and gamma to the training part: leave them unset")
        return {"alpha": 0.0, "gamma": 0.0, "fit": True}  # fitted in _train_hybrid
    alpha = HYBRID_DEFAULTS["alpha"] if alpha is None else alpha
    gamma = HYBRID_DEFAULTS["gamma"] if gamma is None else gamma
    if not (isinstance(alpha, (int, float)) and 0 < alpha <= 1):
        raise InvalidInputError(f"alpha must be in (0, 1], got {alpha!r}")
    if not (isinstance(gamma, (int, float)) and 0 <= gamma <= 1):
        raise InvalidInputError(f"gamma must be in [0, 1], got {gamma!r}")
    return {"alpha": float(alpha), "gamma": float(gamma), "fit": False}


def _train_models(x: Any, settings: dict[str, Any], device: torch.device,
                  progress: bool) -> tuple[nn.Module, np.ndarray, tuple[int, ...]]:
    """Windows of `x`, then the model(s) trained on them: `(model, losses per member, shape)`."""
    window, horizon = settings["window"], settings["horizon"]
    if settings["method"] == "recursive":
        inputs, targets = make_windows(x, window)
    elif settings["method"] == "direct":
        inputs, targets = make_horizon_windows(x, window, horizon)
    else:  # hybrid: `x` holds the windows already
        inputs, targets = x
    inputs_t, targets_t = (torch.tensor(a, dtype=torch.float32, device=device) for a in (inputs, targets))
    models, losses = [], []
    for _ in range(settings["members"]):  # one random stream: members differ in weights and noise
        if settings["method"] == "recursive":
            model = LSTMForecaster(settings["hidden"]).to(device)
        else:
            model = DirectForecaster(settings["hidden"], horizon, settings["level"]).to(device)
        losses.append(train_loop(model, inputs_t, targets_t, epochs=settings["epochs"], lr=settings["lr"],
                                 noise=settings["noise"], progress=progress))
        models.append(model)
    model = models[0] if settings["method"] == "recursive" else Ensemble(models).to(device)
    return model.eval(), np.stack(losses), tuple(inputs.shape)


def _train_hybrid(values: np.ndarray, settings: dict[str, Any], seed: int, device: torch.device,
                  progress: bool) -> ForecastResult:
    """`train_forecaster(method="hybrid")` after its settings are checked."""
    if not np.all(values > 0):
        raise InvalidInputError("method 'hybrid' divides by a level and seasonal factors: the series must be positive")
    season, horizon, window = settings["season"], settings["horizon"], settings["window"]
    train, actual = values[:-horizon], values[-horizon:]
    if settings["fit"]:  # on the training part only
        alpha, gamma = fit_smoothing(train, season)
        settings = {**settings, "alpha": alpha, "gamma": gamma}
    coefficients = (season, settings["alpha"], settings["gamma"])
    level, factors = smoothing(train, *coefficients)
    inputs, targets = hybrid_windows(train, level, factors, window, horizon)
    scale = float(inputs.std()) or 1.0  # of the training part only
    torch.manual_seed(seed)
    with cpu_threads():
        start = time.perf_counter()
        model, losses, shape = _train_models((inputs / scale, targets / scale), settings, device, progress)
        forecast = hybrid_forecast(model, train, level, factors, window, horizon, scale)
        future = hybrid_forecast(model, values, *smoothing(values, *coefficients), window, horizon, scale)
        seconds = time.perf_counter() - start
    baseline = seasonal_naive(train, season, horizon)
    return ForecastResult(
        forecast=forecast, actual=actual.copy(), baseline=baseline, future=future,
        rmse=rmse(forecast, actual), baseline_rmse=rmse(baseline, actual), **settings,
        seed=seed, device=str(device), seconds=seconds, transform="smoothing",
        train_transformed=np.log(train / factors[: len(train)] / level) / scale, mean=0.0, std=scale,
        inputs_shape=shape, history={"loss": losses[0], "member_loss": losses}, model=model,
    )


def _train_auto(values: np.ndarray, unsupported: dict[str, Any], shared: dict[str, Any],
                fit: bool | None) -> ForecastResult:
    """`train_forecaster(method="auto")`: validate both methods on the training part, retrain the winner."""
    if any(v is not None for v in unsupported.values()):
        raise InvalidInputError("method 'auto' trains each method with its defaults: leave "
                                + ", ".join(unsupported) + " unset, or choose a method")
    start = time.perf_counter()
    hybrid = {"fit": fit} if fit is not None else {}
    season, horizon = positive_int("season", shared["season"]), positive_int("horizon", shared["horizon"])
    hybrid_needs = max(HYBRID_DEFAULTS["window_seasons"] * max(season, 12), season) + 2 * horizon
    if not np.all(values > 0) or len(values) - horizon < hybrid_needs:
        # the hybrid needs a positive series, and a training part long enough to validate it on
        result, scores = train_forecaster(values, method="recursive", **shared), {}
    else:
        inner = values[:-horizon]  # the training part; its last `horizon` values validate
        scores = {m: train_forecaster(inner, method=m, **shared, **(hybrid if m == "hybrid" else {})).rmse
                  for m in ("recursive", "hybrid")}
        winner = min(scores, key=scores.__getitem__)
        result = train_forecaster(values, method=winner, **shared, **(hybrid if winner == "hybrid" else {}))
    result.validation = scores or None
    result.seconds = time.perf_counter() - start
    return result


def train_forecaster(
    series: Any,
    *,
    season: int = 12,
    horizon: int = 12,
    window: int | None = None,
    hidden: int | None = None,
    epochs: int | None = None,
    lr: float | None = None,
    noise: float | None = None,
    method: str | None = None,
    members: int | None = None,
    level: bool | None = None,
    alpha: float | None = None,
    gamma: float | None = None,
    fit: bool | None = None,
    seed: int = 0,
    device: str | torch.device = "auto",
    progress: bool = False,
) -> ForecastResult:
    """Train an LSTM on all but the last `horizon` values and forecast them.

    The default, `method="auto"`, validates the recursive and the hybrid method on the training
    part and retrains the better one (see `method`). The steps of each: `seasonal_differences`
    of the training part, standardized with its own mean and standard deviation;
    `torch.manual_seed(seed)`; then, for `method="recursive"`, `make_windows`, one
    `LSTMForecaster`, `train_loop` and `recursive_forecast`; for `method="direct"`,
    `make_horizon_windows`, `members` new `DirectForecaster`s (with `level=season` when `level`
    is true) trained one after the other with `train_loop`, and `direct_forecast` with their
    `Ensemble`. Both forecast from the last window of the training part (and of the whole series, for `future`)
    and end with `undifference`. `method="hybrid"` replaces the differences with `smoothing` and
    `hybrid_windows` (divided by the inputs' standard deviation), trains the `members` like the
    direct method (without the level path), and forecasts with `hybrid_forecast`. Unset settings
    come from `DEFAULTS` (recursive), `DIRECT_DEFAULTS` (direct) or `HYBRID_DEFAULTS` (hybrid).

    Args:
        series: The observations, oldest first (array-like or `pathlearn.datasets.Series`).
        season: Season length (12 for monthly data).
        horizon: Values held out and forecast; also the length of `future`.
        window: Past values the LSTM reads per prediction (default: `max(season, 12)`, times 3
            for direct and hybrid; `"auto"`: each method's default, leave unset).
        hidden: LSTM hidden size (default 16).
        epochs: Full-batch Adam steps per model (default 200).
        lr: Adam learning rate (default 0.005).
        noise: Standard deviation of the Gaussian noise added to the training inputs, in
            standardized units (default 1.5); 0 turns it off.
        method: `"auto"` (default), `"recursive"`, `"direct"` or `"hybrid"` (positive series
            only). `"auto"` trains the recursive and the hybrid method (each with its defaults and
            `fit`) on the training part without its last `horizon` values, forecasts those, and
            retrains the one with the lower RMSE on the whole training part (recursive on a tie,
            and without validating when a value is <= 0 or the training part is too short to
            validate the hybrid on); `seconds` counts all three trainings.
        members: Models averaged by the direct method (default 1); always 1 for recursive.
        level: Direct method only (default true): the model predicts offsets from the mean of
            the last `season` inputs (`DirectForecaster(level=season)`); false for recursive and hybrid.
        alpha: Hybrid method only: smoothing coefficient of the level (default tuned).
        gamma: Hybrid method only: smoothing coefficient of the seasonal factors (default tuned).
        fit: Hybrid method only: choose `alpha` and `gamma` with `fit_smoothing` on the training
            part instead (default false).
        seed: Seed for the weights and the noise; the same seed gives the same numbers on the CPU.
        device: `"auto"`, `"cpu"`, `"cuda"`, `"cuda:N"` or `"mps"`.
        progress: Show a progress bar over the epochs on stderr.

    Raises:
        InvalidInputError: a bad argument, or a series too short for the window, the season
            and the horizon.
        TrainingDivergedError: the loss became NaN or infinite.
    """
    values = _as_series(series)
    method = DEFAULTS["method"] if method is None else method
    if method == "auto":
        return _train_auto(values, {"window": window, "noise": noise, "members": members, "level": level,
                                    "alpha": alpha, "gamma": gamma},
                           {"season": season, "horizon": horizon, "hidden": hidden, "epochs": epochs, "lr": lr,
                            "seed": seed, "device": device, "progress": progress}, fit)
    settings = _settings(len(values), season=season, horizon=horizon, window=window, hidden=hidden,
                         epochs=epochs, lr=lr, noise=noise, method=method, members=members,
                         level=level, alpha=alpha, gamma=gamma, fit=fit)
    if settings["method"] == "hybrid":
        return _train_hybrid(values, settings, seed, resolve_device(device), progress)
    season, horizon, window = settings["season"], settings["horizon"], settings["window"]
    device = resolve_device(device)
    log = bool(np.all(values > 0))
    train, actual = values[:-horizon], values[-horizon:]
    d_train = seasonal_differences(train, season, log)
    # Statistics of the training part only: the holdout must not leak into the inputs
    mean, std = float(d_train.mean()), float(d_train.std()) or 1.0
    x = (d_train - mean) / std

    torch.manual_seed(seed)
    with cpu_threads():
        start = time.perf_counter()
        model, losses, shape = _train_models(x, settings, device, progress)
        x_full = (seasonal_differences(values, season, log) - mean) / std
        d_test, d_future = (_forecast(model, z, window, horizon, settings["method"]) * std + mean
                            for z in (x, x_full))
        forecast, future = undifference(train, d_test, season, log), undifference(values, d_future, season, log)
        seconds = time.perf_counter() - start

    baseline = seasonal_naive(train, season, horizon)
    return ForecastResult(
        forecast=forecast, actual=actual.copy(), baseline=baseline, future=future,
        rmse=rmse(forecast, actual), baseline_rmse=rmse(baseline, actual), **settings,
        seed=seed, device=str(device), seconds=seconds, transform="log" if log else "none",
        train_transformed=x, mean=mean, std=std, inputs_shape=shape,
        history={"loss": losses[0], "member_loss": losses}, model=model,
    )
