"""Forecasting a monthly series several steps ahead with an LSTM.

The LSTM never sees the raw series. It models the seasonal differences of the log values,
`d[t] = log y[t] - log y[t - season]` (roughly the growth over the same month a year before),
standardized with the mean and standard deviation of the training part. It is trained to
predict the next `d` from the previous `window` values and forecasts *recursively*: each
prediction is appended to the input window to predict the one after. The forecasts are turned
back into the original units with `y[t] = y[t - season] * exp(d[t])`. A series with a value
<= 0 has no log; it is modelled with plain seasonal differences `y[t] - y[t - season]`.

Each step is a public function short enough for a tutorial to show whole:
`seasonal_differences`, `make_windows`, `train_loop`, `recursive_forecast` and `undifference`;
`train_forecaster` composes them.
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
    "ForecastResult",
    "LSTMForecaster",
    "make_windows",
    "recursive_forecast",
    "rmse",
    "seasonal_differences",
    "seasonal_naive",
    "train_forecaster",
    "train_loop",
    "undifference",
]

#: Defaults of `train_forecaster`, chosen by forecasting each of 1956-1959 from the years
#: before it, never by looking at 1960, the airline series' holdout.
DEFAULTS: dict[str, Any] = {"hidden": 16, "epochs": 200, "lr": 0.005, "noise": 1.5}
"""Defaults of `train_forecaster`; chosen on 1956-1959, never on the 1960 holdout."""


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
        forecast: Recursive forecast of the held-out last `horizon` values.
        actual: The held-out values.
        baseline: Seasonal-naive forecast of the held-out values.
        future: Forecast of the `horizon` values after the series ends (same model,
            conditioned on the whole series).
        rmse: RMSE of `forecast` against `actual`.
        baseline_rmse: RMSE of `baseline` against `actual`.
        transform: `"log"` (log seasonal differences, when every value is positive) or
            `"none"` (plain seasonal differences).
        train_transformed: The standardized seasonal differences the LSTM was trained on.
        mean: Mean of the training differences (subtracted before training).
        std: Their standard deviation (divided by before training).
        inputs_shape: Shape of the training windows, `(windows, window, 1)`.
        history: Per-epoch `"loss"` (mean squared error on the standardized scale).
        model: The trained `LSTMForecaster`, on `device`.
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
    model: LSTMForecaster = field(repr=False)

    @property
    def model_config(self) -> dict[str, int]:
        """Arguments that rebuild `model` with `LSTMForecaster(**model_config)`."""
        return {"hidden": self.hidden}


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


def train_loop(
    model: nn.Module, inputs: torch.Tensor, targets: torch.Tensor, *,
    epochs: int, lr: float, noise: float, progress: bool = False,
) -> np.ndarray:
    """Full-batch Adam on the mean squared error, with fresh input noise every epoch.

    Args:
        model: The `LSTMForecaster` to train (in place).
        inputs: Windows `(windows, window, 1)`, on the model's device.
        targets: The next value at each step, same shape.
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


def _forecast(model: nn.Module, x: np.ndarray, window: int, horizon: int) -> np.ndarray:
    """Recursive forecast of the `horizon` values after `x`, from its last `window` values."""
    device = next(model.parameters()).device
    context = torch.tensor(x[-window:][None, :, None], dtype=torch.float32, device=device)
    return recursive_forecast(model, context, horizon)[0, :, 0].cpu().numpy().astype(np.float64)


def _settings(n: int, **given: Any) -> dict[str, Any]:
    """Check the arguments of `train_forecaster` and fill in the defaults."""
    season, horizon = positive_int("season", given["season"]), positive_int("horizon", given["horizon"])
    window = given["window"] if given["window"] is not None else max(season, 12)
    settings = {"season": season, "horizon": horizon, "window": positive_int("window", window)}
    for name, check in (("hidden", positive_int), ("epochs", positive_int), ("lr", positive_float)):
        settings[name] = check(name, DEFAULTS[name] if given[name] is None else given[name])
    noise = DEFAULTS["noise"] if given["noise"] is None else given["noise"]
    settings["noise"] = float(positive_float("noise", noise) if noise != 0 else noise)
    needed = settings["window"] + season + horizon + 1
    if n < needed:
        raise InvalidInputError(
            f"series too short: window={settings['window']}, season={season} and horizon={horizon}"
            f" need at least {needed} values, got {n}"
        )
    return settings


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
    seed: int = 0,
    device: str | torch.device = "auto",
    progress: bool = False,
) -> ForecastResult:
    """Train an LSTM on all but the last `horizon` values and forecast them recursively.

    The steps: `seasonal_differences` of the training part, standardized with its own mean
    and standard deviation; `make_windows`; `torch.manual_seed(seed)` and a new
    `LSTMForecaster`; `train_loop`; `recursive_forecast` from the last window of the training
    part (and of the whole series, for `future`); `undifference`.

    Args:
        series: The observations, oldest first (array-like or `pathlearn.datasets.Series`).
        season: Season length (12 for monthly data).
        horizon: Values held out and forecast; also the length of `future`.
        window: Past values the LSTM reads per prediction (default: `max(season, 12)`).
        hidden: LSTM hidden size (default 16).
        epochs: Full-batch Adam steps (default 200).
        lr: Adam learning rate (default 0.005).
        noise: Standard deviation of the Gaussian noise added to the training inputs, in
            standardized units (default 1.5); 0 turns it off.
        seed: Seed for the weights and the noise; the same seed gives the same numbers on the CPU.
        device: `"auto"`, `"cpu"`, `"cuda"`, `"cuda:N"` or `"mps"`.
        progress: Show a progress bar over the epochs on stderr.

    Raises:
        InvalidInputError: a bad argument, or a series too short for
            `window + season + horizon`.
        TrainingDivergedError: the loss became NaN or infinite.
    """
    values = _as_series(series)
    settings = _settings(len(values), season=season, horizon=horizon, window=window,
                         hidden=hidden, epochs=epochs, lr=lr, noise=noise)
    season, horizon, window = settings["season"], settings["horizon"], settings["window"]
    device = resolve_device(device)
    log = bool(np.all(values > 0))
    train, actual = values[:-horizon], values[-horizon:]
    d_train = seasonal_differences(train, season, log)
    # Statistics of the training part only: the holdout must not leak into the inputs
    mean, std = float(d_train.mean()), float(d_train.std()) or 1.0
    x = (d_train - mean) / std
    inputs, targets = make_windows(x, window)
    inputs_t, targets_t = (torch.tensor(a, dtype=torch.float32, device=device) for a in (inputs, targets))

    torch.manual_seed(seed)
    model = LSTMForecaster(settings["hidden"]).to(device)
    with cpu_threads():
        start = time.perf_counter()
        losses = train_loop(model, inputs_t, targets_t, epochs=settings["epochs"], lr=settings["lr"],
                            noise=settings["noise"], progress=progress)
        model.eval()
        x_full = (seasonal_differences(values, season, log) - mean) / std
        forecast = undifference(train, _forecast(model, x, window, horizon) * std + mean, season, log)
        future = undifference(values, _forecast(model, x_full, window, horizon) * std + mean, season, log)
        seconds = time.perf_counter() - start

    baseline = seasonal_naive(train, season, horizon)
    return ForecastResult(
        forecast=forecast, actual=actual.copy(), baseline=baseline, future=future,
        rmse=rmse(forecast, actual), baseline_rmse=rmse(baseline, actual), **settings,
        seed=seed, device=str(device), seconds=seconds, transform="log" if log else "none",
        train_transformed=x, mean=mean, std=std, inputs_shape=tuple(inputs.shape),
        history={"loss": losses}, model=model,
    )
