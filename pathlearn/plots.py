"""Figures: the ones the command line saves next to `metrics.json` (English labels, PNG), and
`show_figure`, which the tutorials use to show a plot together with its description."""

from __future__ import annotations

import io
from typing import TYPE_CHECKING

import numpy as np
from matplotlib.figure import Figure

if TYPE_CHECKING:
    from pathlearn.datasets import Series
    from pathlearn.gan import GANResult
    from pathlearn.lstm import ForecastResult
    from pathlearn.twolayer import Run

__all__ = ["figure_png", "gan_figure", "lstm_figure", "show_figure", "twolayer_figure"]


def figure_png(fig: Figure, dpi: int = 120) -> bytes:
    """Render `fig` to PNG bytes (white background, readable in dark themes too)."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi, facecolor="white", bbox_inches="tight")
    return buffer.getvalue()


def show_figure(fig: Figure, alt: str) -> None:
    """Show `fig` in Jupyter as a PNG whose alternative text is `alt`, and close it.

    `alt` says what the plot shows, for readers who cannot see it. It travels as the PNG's
    output metadata (`{"image/png": {"alt": alt}}`); the site's `notebook_blocks` hook puts it
    on the `<img>`, since nbconvert's HTML template ignores it.

    Args:
        fig: A matplotlib figure (from `plt.subplots()` or `Figure()`).
        alt: A description of the plot in the page's language; must not be empty.
    """
    from IPython.display import Image, display

    if not isinstance(alt, str) or not alt.strip():
        raise ValueError("show_figure needs a non-empty alt text that describes the plot")
    png = figure_png(fig)
    import matplotlib.pyplot as plt

    plt.close(fig)  # otherwise the inline backend shows it a second time, without alt text
    display(Image(data=png), metadata={"image/png": {"alt": alt.strip()}})


def twolayer_figure(numpy_run: Run, torch_run: Run) -> Figure:
    """Loss per step of the numpy and torch runs, on a log scale."""
    fig = Figure(figsize=(6, 3.5))
    ax = fig.add_subplot()
    ax.semilogy(numpy_run.losses, label="numpy", linewidth=3, alpha=0.5)
    ax.semilogy(torch_run.losses, label="torch (autograd)", linestyle="--")
    ax.set(xlabel="step", ylabel="sum-of-squares loss", title="Two-layer network")
    ax.legend()
    ax.grid(alpha=0.3)
    return fig


def lstm_figure(series: Series, result: ForecastResult) -> Figure:
    """The series, the held-out tail, the forecast, the baseline and the future."""
    fig = Figure(figsize=(8, 3.8))
    ax = fig.add_subplot()
    n, h = len(series.values), result.horizon
    t = np.arange(n)
    ax.plot(t, series.values, color="0.3", label="observed")
    ax.plot(t[n - h :], result.forecast, marker="o", markersize=3,
            label=f"LSTM forecast (RMSE {result.rmse:.1f})")
    ax.plot(t[n - h :], result.baseline, linestyle="--",
            label=f"seasonal naive (RMSE {result.baseline_rmse:.1f})")
    ax.plot(np.arange(n, n + h), result.future, marker=".", label="LSTM: next values")
    ax.axvspan(n - h - 0.5, n - 0.5, color="0.85", zorder=0)
    step = max(1, n // 8)
    ax.set_xticks(t[::step], [series.labels[i] for i in t[::step]], rotation=30)
    ax.set(title=f"{series.name}: {h}-step {result.method} forecast", ylabel=series.unit)
    ax.legend(fontsize="small")
    ax.grid(alpha=0.3)
    return fig


def gan_figure(result: GANResult, fake: np.ndarray, real: np.ndarray) -> Figure:
    """Histograms of real and generated samples, and both losses over training."""
    fig = Figure(figsize=(10, 3.6))
    ax1, ax2 = fig.subplots(1, 2)
    low, high = result.mean - 4 * result.std, result.mean + 4 * result.std
    bins = np.linspace(low, high, 80)
    ax1.hist(real, bins=bins, density=True, alpha=0.5, label="real")
    ax1.hist(fake, bins=bins, density=True, alpha=0.5, label="generated")
    ax1.set(title=f"N({result.mean:g}, {result.std:g}): W1 = {result.wasserstein1:.3f}", xlabel="x")
    ax1.legend()
    history = result.history
    ax2.plot(history["step"], history["d_loss"], label="D loss")
    ax2.plot(history["step"], history["g_loss"], label="G loss")
    ax2.set(title=f"{result.variant} GAN training", xlabel="step")
    ax2.legend()
    for ax in (ax1, ax2):
        ax.grid(alpha=0.3)
    return fig
