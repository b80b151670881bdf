"""The `pathlearn` command line: train each model of the learning path from a shell."""

from __future__ import annotations

import math
import platform
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

import click

from pathlearn import __version__
from pathlearn.device import resolve_device
from pathlearn.errors import PathlearnError

__all__ = ["cli", "main"]

F = TypeVar("F", bound=Callable[..., Any])

POSITIVE_INT = click.IntRange(min=1)


class PositiveFloat(click.ParamType):
    """A finite number > 0."""

    name = "number>0"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> float:
        try:
            number = float(value)
        except (TypeError, ValueError):
            self.fail(f"{value!r} is not a number", param, ctx)
        if not math.isfinite(number) or number <= 0:
            self.fail(f"{value!r} is not a positive number", param, ctx)
        return number


class FiniteFloat(click.ParamType):
    """Any finite number."""

    name = "number"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> float:
        try:
            number = float(value)
        except (TypeError, ValueError):
            self.fail(f"{value!r} is not a number", param, ctx)
        if not math.isfinite(number):
            self.fail(f"{value!r} is not a finite number", param, ctx)
        return number


def common_options(command: F) -> F:
    """`--seed`, `--device`, `--out` and `--progress/--no-progress`, shared by every model."""
    options = [
        click.option("--seed", type=click.IntRange(min=0), default=0, show_default=True,
                     help="Random seed; the same seed gives the same numbers on the CPU."),
        click.option("--device", default="auto", show_default=True, metavar="DEVICE",
                     help="auto, cpu, cuda, cuda:N or mps. auto picks cuda, then mps, then cpu "
                          "(or the device named by $PATHLEARN_DEVICE); a device that is not "
                          "available is an error, never a fallback."),
        click.option("--out", type=click.Path(path_type=Path), default=None, metavar="DIR",
                     help="Write metrics.json, a PNG plot and the trained weights "
                          "(.safetensors) into DIR."),
        click.option("--progress/--no-progress", default=None,
                     help="Progress bar on stderr. Default: shown when stderr is a terminal."),
    ]
    for option in reversed(options):
        command = option(command)
    return command


def _progress(flag: bool | None) -> bool:
    return sys.stderr.isatty() if flag is None else flag


def _base_metrics(command: str, device: str, seed: int, seconds: float) -> dict[str, Any]:
    import torch

    return {
        "command": command,
        "device": device,
        "seed": seed,
        "seconds": round(seconds, 4),
        "pathlearn": __version__,
        "torch": torch.__version__,
        "python": platform.python_version(),
    }


def _save(out: Path | None, files: Callable[[], dict[str, bytes]]) -> None:
    if out is None:
        return
    from pathlearn.outputs import write_files

    written = write_files(out, files())
    click.echo(f"wrote {', '.join(p.name for p in written)} to {out}", err=True)


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, "-V", "--version", prog_name="pathlearn")
def cli() -> None:
    """Train the models of the pathlearn learning path: a two-layer network,
    an LSTM forecaster and a GAN.

    Each subcommand prints its results; with --out DIR it also writes
    metrics.json, a PNG plot and the trained weights. Bad input exits with
    status 2 and one line on stderr; a diverging run exits with status 1.
    """


@cli.command()
@click.option("--steps", type=POSITIVE_INT, default=500, show_default=True,
              help="Gradient-descent steps.")
@click.option("--lr", type=PositiveFloat(), default=1e-6, show_default=True, help="Learning rate.")
@click.option("--dtype", type=click.Choice(["float64", "float32"]), default="float64",
              show_default=True, help="Floating-point type of data and weights "
                                      "(float64 becomes float32 on mps, which has no float64).")
@common_options
def twolayer(steps: int, lr: float, dtype: str, seed: int, device: str, out: Path | None,
             progress: bool | None) -> None:
    """Train the two-layer ReLU network with numpy and with torch autograd.

    Both start from the same random data and weights (N=64, D_in=1000, H=100,
    D_out=10). In float64 on the CPU they report the same loss (to about 1e-9);
    on a CUDA GPU nearly the same. MPS (Apple silicon) has no float64: there the
    run switches to float32, says so in one line on stderr and records it in
    metrics.json (dtype float32, dtype_requested float64); both then agree only
    to float32 rounding (a few percent on the final loss).

    metrics.json keys: device, seed, seconds, numpy_final_loss, torch_final_loss,
    numpy_seconds, torch_seconds, steps, lr, dtype, dtype_requested, dtype_note.
    """
    from pathlearn.device import choose_dtype
    from pathlearn.outputs import check_out_dir
    from pathlearn.twolayer import TwoLayerNet, make_problem, train_autograd, train_numpy

    out = check_out_dir(out) if out is not None else None
    resolved = resolve_device(device)
    choice = choose_dtype(resolved, dtype)  # float64 on MPS becomes float32
    if choice.note:
        click.echo(f"note: {choice.note}", err=True)
    problem = make_problem(seed=seed, dtype=choice.dtype)
    show = _progress(progress)
    numpy_run = train_numpy(problem, lr=lr, steps=steps, progress_bar=show)
    torch_run = train_autograd(problem, lr=lr, steps=steps, device=resolved, progress_bar=show)

    metrics = _base_metrics("twolayer", torch_run.device, seed, numpy_run.seconds + torch_run.seconds)
    metrics.update(
        steps=steps, lr=lr, dtype=choice.dtype, dtype_requested=choice.requested,
        dtype_note=choice.note,
        numpy_final_loss=float(numpy_run.losses[-1]), torch_final_loss=float(torch_run.losses[-1]),
        numpy_seconds=round(numpy_run.seconds, 4), torch_seconds=round(torch_run.seconds, 4),
    )
    click.echo(f"numpy: final loss {metrics['numpy_final_loss']:.6g} in {numpy_run.seconds:.2f} s")
    click.echo(f"torch: final loss {metrics['torch_final_loss']:.6g} in {torch_run.seconds:.2f} s "
               f"on {torch_run.device}")

    def files() -> dict[str, bytes]:
        import torch

        from pathlearn.outputs import json_bytes
        from pathlearn.plots import figure_png, twolayer_figure
        from pathlearn.weights import weights_bytes

        _, D_in, H, D_out = problem.sizes
        model = TwoLayerNet(D_in, H, D_out).to(torch.from_numpy(torch_run.w1).dtype)
        model.load_state_dict({"linear1.weight": torch.from_numpy(torch_run.w1.T.copy()),
                               "linear2.weight": torch.from_numpy(torch_run.w2.T.copy())})
        return {
            "metrics.json": json_bytes(metrics),
            "twolayer.png": figure_png(twolayer_figure(numpy_run, torch_run)),
            "twolayer.safetensors": weights_bytes(model, "twolayer", {"D_in": D_in, "H": H, "D_out": D_out}),
        }

    _save(out, files)


@cli.command()
@click.option("--epochs", type=POSITIVE_INT, default=None, help="Training epochs [default: tuned].")
@click.option("--lr", type=PositiveFloat(), default=None, help="Learning rate [default: tuned].")
@click.option("--horizon", type=POSITIVE_INT, default=12, show_default=True,
              help="Steps to forecast; the last HORIZON values are held out for evaluation.")
@click.option("--season", type=POSITIVE_INT, default=12, show_default=True,
              help="Season length (12 for monthly data).")
@click.option("--window", type=POSITIVE_INT, default=None,
              help="Past values the LSTM reads per prediction [default: max(SEASON, 12); "
                   "3 * max(SEASON, 12) for direct].")
@click.option("--method", type=click.Choice(["auto", "recursive", "direct", "hybrid"]), default="auto",
              show_default=True,
              help="recursive: predicts one step and feeds it back; direct: one forward pass "
                   "predicts all HORIZON values, as offsets from the mean of the last SEASON values; "
                   "hybrid: exponential smoothing + LSTM (after Smyl's ES-RNN), the LSTM predicts "
                   "the series divided by the smoothed level and seasonal factors (positive series); "
                   "auto: trains recursive and hybrid on the training part without its last HORIZON "
                   "values, and retrains the one that forecast those better (--window needs a "
                   "method other than auto).")
@click.option("--members", type=POSITIVE_INT, default=None,
              help="Models averaged by the direct and hybrid methods [default: tuned]; 1 for recursive.")
@click.option("--csv", "csv_path", type=click.Path(path_type=Path), default=None, metavar="FILE",
              help="Forecast your own series from a CSV file [default: the airline passengers].")
@click.option("--column", default=None, metavar="NAME",
              help="Column of FILE to forecast [default: the last numeric column].")
@common_options
def lstm(epochs: int | None, lr: float | None, horizon: int, season: int, window: int | None,
         method: str, members: int | None, csv_path: Path | None,
         column: str | None, seed: int, device: str, out: Path | None, progress: bool | None) -> None:
    """Forecast a monthly series with an LSTM, several steps ahead.

    The LSTM forecasts the held-out last HORIZON values (recursively, feeding
    its own predictions back, or with --method direct or hybrid all of them
    in one forward pass; by default, --method auto, it first tries recursive
    and hybrid on the values before them and keeps the better) and is compared with the
    seasonal-naive baseline; it then forecasts the next HORIZON values after
    the series ends.

    metrics.json keys: device, seed, seconds, rmse, baseline_rmse, horizon,
    season, window, series, transform, forecast, actual, baseline, future,
    epochs, lr, method, members, alpha, gamma (the hybrid's smoothing
    coefficients; 0 for the other methods), validation (--method auto: the
    RMSE of recursive and hybrid on the last HORIZON values of the training
    part; method is the one chosen; null otherwise).
    """
    from pathlearn.datasets import load_airline, load_csv_series
    from pathlearn.lstm import train_forecaster
    from pathlearn.outputs import check_out_dir

    if column is not None and csv_path is None:
        raise click.UsageError("--column needs --csv")
    out = check_out_dir(out) if out is not None else None
    resolved = resolve_device(device)
    series = load_csv_series(csv_path, column) if csv_path is not None else load_airline()
    result = train_forecaster(series, season=season, horizon=horizon, window=window, epochs=epochs,
                              lr=lr, method=method, members=members, seed=seed, device=resolved,
                              progress=_progress(progress))
    if result.validation:
        click.echo("chose " + result.method + " on the training part's last values (RMSE "
                   + ", ".join(f"{name} {value:.4g}" for name, value in result.validation.items()) + ")")

    metrics = _base_metrics("lstm", result.device, seed, result.seconds)
    metrics.update(
        series=series.name, rmse=result.rmse, baseline_rmse=result.baseline_rmse,
        horizon=result.horizon, season=result.season, window=result.window,
        epochs=result.epochs, lr=result.lr, transform=result.transform,
        method=result.method, members=result.members, alpha=result.alpha, gamma=result.gamma,
        validation=result.validation,
        forecast=result.forecast.tolist(), actual=result.actual.tolist(),
        baseline=result.baseline.tolist(), future=result.future.tolist(),
    )
    click.echo(f"{series.name}: {len(series.values)} values, last {result.horizon} held out")
    click.echo(f"LSTM RMSE {result.rmse:.2f} vs seasonal naive {result.baseline_rmse:.2f} "
               f"({result.seconds:.1f} s on {result.device})")
    click.echo("next values: " + ", ".join(f"{v:.4g}" for v in result.future))

    def files() -> dict[str, bytes]:
        from pathlearn.outputs import json_bytes
        from pathlearn.plots import figure_png, lstm_figure
        from pathlearn.weights import weights_bytes

        return {
            "metrics.json": json_bytes(metrics),
            "lstm.png": figure_png(lstm_figure(series, result)),
            "lstm.safetensors": weights_bytes(result.model, result.model_kind, result.model_config),
        }

    _save(out, files)


@cli.command()
@click.option("--steps", type=POSITIVE_INT, default=None, help="Training steps [default: tuned].")
@click.option("--lr", type=PositiveFloat(), default=None, help="Learning rate [default: tuned].")
@click.option("--mean", type=FiniteFloat(), default=5.0, show_default=True,
              help="Mean of the target normal distribution.")
@click.option("--std", type=PositiveFloat(), default=2.0, show_default=True,
              help="Standard deviation of the target normal distribution.")
@click.option("--variant", type=click.Choice(["fixed", "plain"]), default="fixed", show_default=True,
              help="plain: a reconstruction of the seed post's GAN; its spread misses the target, "
                   "often too narrow; fixed: the discriminator also sees batch statistics, with "
                   "lr warm-up and decay, growing batches and weight averaging.")
@common_options
def gan(steps: int | None, lr: float | None, mean: float, std: float, variant: str, seed: int,
        device: str, out: Path | None, progress: bool | None) -> None:
    """Train a GAN that turns standard-normal noise into N(MEAN, STD^2).

    The last line has the seed post's format:
    Real Dist ([mean, std]), Fake Dist ([mean, std]), measured on 100,000 samples.

    metrics.json keys: device, seed, seconds, real_mean, real_std, fake_mean,
    fake_std, wasserstein1, mean, std, variant, steps.
    """
    from pathlearn.gan import dist_line, train_gan
    from pathlearn.outputs import check_out_dir

    out = check_out_dir(out) if out is not None else None
    resolved = resolve_device(device)
    result = train_gan(mean=mean, std=std, steps=steps, lr=lr, variant=variant, seed=seed,
                       device=resolved, progress=_progress(progress))

    metrics = _base_metrics("gan", result.device, seed, result.seconds)
    metrics.update(
        mean=mean, std=std, variant=variant, steps=result.steps,
        real_mean=result.real_mean, real_std=result.real_std,
        fake_mean=result.fake_mean, fake_std=result.fake_std, wasserstein1=result.wasserstein1,
    )
    click.echo(f"{variant} GAN, {result.steps} steps in {result.seconds:.1f} s on {result.device}; "
               f"W1 to N({mean:g}, {std:g}^2) = {result.wasserstein1:.4f}")
    click.echo(dist_line(result))

    def files() -> dict[str, bytes]:
        import numpy as np

        from pathlearn.gan import sample
        from pathlearn.outputs import json_bytes
        from pathlearn.plots import figure_png, gan_figure
        from pathlearn.weights import weights_bytes

        fake = sample(result.generator, 20_000, seed=seed)
        real = np.random.default_rng(seed).normal(mean, std, 20_000)
        return {
            "metrics.json": json_bytes(metrics),
            "gan.png": figure_png(gan_figure(result, fake, real)),
            "generator.safetensors": weights_bytes(
                result.generator, "gan.generator", result.generator_config),
            "discriminator.safetensors": weights_bytes(
                result.discriminator, "gan.discriminator", result.discriminator_config),
        }

    _save(out, files)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status instead of raising.

    Usage errors and `PathlearnError`s become one line on stderr; a Ctrl-C exits with 130.
    """
    try:
        status = cli.main(args=list(argv) if argv is not None else None, prog_name="pathlearn",
                          standalone_mode=False)
    except click.exceptions.NoArgsIsHelpError as error:
        click.echo(error.ctx.get_help() if error.ctx else str(error), err=True)
        return 2
    except click.ClickException as error:
        hint = ""
        if isinstance(error, click.UsageError) and error.ctx is not None:
            hint = f" (see '{error.ctx.command_path} --help')"
        click.echo(f"Error: {error.format_message()}{hint}", err=True)
        return error.exit_code
    except PathlearnError as error:
        click.echo(f"Error: {error}", err=True)
        return error.exit_code
    except click.exceptions.Abort:
        click.echo("Aborted.", err=True)
        return 130
    except KeyboardInterrupt:
        click.echo("Interrupted.", err=True)
        return 130
    return status if isinstance(status, int) else 0


if __name__ == "__main__":
    sys.exit(main())
