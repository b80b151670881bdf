"""A GAN that turns standard-normal noise into N(mean, std²).

The generator G and the discriminator D are small `nn.Sequential` nets, trained by
`train_gan`, a short composition of `train_step` (one update of both nets), `lr_factor` (the
learning-rate schedule), `batch_size_at` (the batch-size schedule), `update_average` (weight
averaging) and `sample`. Two recipes (`RECIPES`):

- `"plain"`: a reconstruction of the setup of the seed post (GMO インターネット 次世代システム
  研究室, 2020). The post gives no architecture, learning rate or batch size; the values here
  are our choices. That the post followed Dev Nag's "GANs in 50 lines" is an inference from
  the format of its last line (`Real Dist (...), Fake Dist (...)`). Our plain D judges one
  sample at a time, by construction (Dev Nag's D takes a whole minibatch as one input), and
  the learning rate stays constant. Nothing lets this D compare the spread of a batch with
  the real one, and the generated mean and spread miss the target by far more than the
  fixed recipe's.
- `"fixed"` (the default) changes several things at once: a `BatchStatistics` layer first in
  D shows it every sample together with statistics of its batch (mean, std, skewness,
  kurtosis); a 10x higher learning rate with a smaller first beta (0.5), a warm-up and an
  exponential decay; a twice higher learning rate for D; batches that grow as training
  settles; a G with one hidden layer (32 wide) and a linear skip path beside it (`LinearSkip`);
  a wider D (32); 1250 steps instead of 1000; and the returned G is the average of G's
  weights over the last 80% of training. The
  benchmarks (`python -m benchmarks --only gan`) remove each part on its own to measure what
  it contributes, and record how the settings were chosen (on seeds other than the reported
  ones).

In the fixed recipe D's inputs are standardised by the mean and std of a draw of real data,
and G's outputs are scaled back by the same two numbers (`Rescale`), so both nets work in
units where the target is about N(0, 1) whatever its mean and std. That only sets the units:
G still learns the spread and the shape from D's feedback alone.
"""

from __future__ import annotations

import copy
import math
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

from pathlearn import _checks
from pathlearn._checks import finite_loss, positive_float, positive_int
from pathlearn.device import resolve_device
from pathlearn.errors import InvalidInputError
from pathlearn.threads import cpu_threads

__all__ = [
    "RECIPES",
    "BatchStatistics",
    "GANResult",
    "LinearSkip",
    "Recipe",
    "Rescale",
    "Standardize",
    "batch_size_at",
    "dist_line",
    "lr_factor",
    "make_discriminator",
    "make_generator",
    "make_optimizer",
    "sample",
    "set_lr",
    "train_gan",
    "train_step",
    "update_average",
    "wasserstein1_to_normal",
]


@dataclass(frozen=True)
class Recipe:
    """The training settings of one variant.

    Attributes:
        steps: Training steps (one update of D and G each).
        lr: Peak learning rate of Adam, for both nets.
        betas: Adam's betas.
        batch_size: Real and generated samples per step at the start.
        batch_growth: The batch grows geometrically to `batch_size * batch_growth` by the end.
        warmup: Steps over which the learning rate rises linearly to `lr`.
        lr_final: The learning rate decays exponentially to `lr * lr_final` by the end.
        average_from: Fraction of training after which G's weights are averaged into the
            returned generator; `None` returns G as it is at the end.
        batch_stats: Whether D sees batch statistics (`BatchStatistics`).
        standardize: Whether D's inputs are standardised by the real data's mean and std,
            and G's outputs scaled back by the same (`Standardize`, `Rescale`).
        g_hidden: Width of G's hidden layers.
        d_hidden: Width of D's two hidden layers.
        d_lr: D's learning rate relative to G's.
        g_layers: Number of G's hidden layers.
        fused_adam: Use Adam's fused kernel where torch has one (less overhead per step, but
            not bit-identical to the default Adam); `False` uses torch's default Adam.
        g_skip: Put a linear skip path beside G's hidden layers (`LinearSkip`; see
            `make_generator`).
    """

    steps: int
    lr: float
    betas: tuple[float, float]
    batch_size: int
    batch_growth: float
    warmup: int
    lr_final: float
    average_from: float | None
    batch_stats: bool
    standardize: bool
    g_hidden: int
    d_hidden: int
    d_lr: float = 1.0
    g_layers: int = 2
    fused_adam: bool = True
    g_skip: bool = False


RECIPES: dict[str, Recipe] = {
    "plain": Recipe(
        steps=1000, lr=1e-3, betas=(0.9, 0.999), batch_size=256, batch_growth=1.0, warmup=0,
        lr_final=1.0, average_from=None, batch_stats=False, standardize=False,
        g_hidden=32, d_hidden=16, fused_adam=False,
    ),
    "fixed": Recipe(
        steps=1250, lr=1e-2, betas=(0.5, 0.999), batch_size=256, batch_growth=8.0, warmup=100,
        lr_final=3e-2, average_from=0.2, batch_stats=True, standardize=True,
        g_hidden=32, d_hidden=32, d_lr=2.0, g_layers=1, g_skip=True,
    ),
}
"""The settings of each variant: `"plain"` (our reconstruction of the seed post's setup) and
`"fixed"` (the default)."""


class Standardize(nn.Module):
    """`(x - loc) / scale`, with `loc` and `scale` fixed buffers (saved with the weights)."""

    loc: torch.Tensor
    scale: torch.Tensor

    def __init__(self, loc: float = 0.0, scale: float = 1.0) -> None:
        super().__init__()
        self.register_buffer("loc", torch.tensor(float(loc)))
        self.register_buffer("scale", torch.tensor(float(scale)))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return (x - self.loc) / self.scale


class Rescale(nn.Module):
    """`x * scale + loc`, the inverse of `Standardize`: G works in standardised units.

    This only sets the units of G's output, like an initialisation of its last layer; G
    still learns the spread and shape from D alone and can move away from `loc` and `scale`.
    """

    loc: torch.Tensor
    scale: torch.Tensor

    def __init__(self, loc: float = 0.0, scale: float = 1.0) -> None:
        super().__init__()
        self.register_buffer("loc", torch.tensor(float(loc)))
        self.register_buffer("scale", torch.tensor(float(scale)))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x * self.scale + self.loc


class LinearSkip(nn.Module):
    """`linear(z) + mlp(z)`: a linear path beside a small network, added up.

    Our design choice for the fixed recipe's G, measured on tuning seeds (see the benchmarks):
    for a normal target an affine map of the normal noise is exactly right. An ELU network
    only approximates an affine map piecewise, and without the skip path that showed as a
    bump in the quantile function of G's samples. With a linear path beside it, G can be
    exactly affine and the network adds what the linear path leaves (how much of the map each
    path carries differs from run to run). `make_generator` starts the network's output layer
    at zero, so G starts as a random affine map plus nothing.
    """

    def __init__(self, linear: nn.Module, mlp: nn.Module) -> None:
        super().__init__()
        self.linear, self.mlp = linear, mlp

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return self.linear(z) + self.mlp(z)


class BatchStatistics(nn.Module):
    """Give D each sample together with statistics of the batch it came in.

    Dev Nag's original D also looked at whole batches ("data and variances", "4 moments").
    For input of shape `(..., B, 1)` the output is `(..., B, 6)`: the sample `x`, its
    standardised value `(x - m) / s`, and the batch's mean `m`, std `s`, skewness and excess
    kurtosis, the same for every sample of the batch. Statistics are taken over dim -2, so a
    stack of batches `(k, B, 1)` is judged batch by batch. Batches need at least 2 samples.
    """

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        m = x.mean(dim=-2, keepdim=True)
        s = x.std(dim=-2, keepdim=True)
        z = (x - m) / s
        skew = z.pow(3).mean(dim=-2, keepdim=True)
        kurt = z.pow(4).mean(dim=-2, keepdim=True) - 3
        batch = torch.cat([m, s, skew, kurt], dim=-1).expand(*x.shape[:-1], 4)
        return torch.cat([x, z, batch], dim=-1)


def make_generator(hidden: int = 32, layers: int = 2, *, loc: float = 0.0,
                   scale: float = 1.0, skip: bool = False) -> nn.Sequential:
    """G: one standard-normal noise value in, one sample out.

    Args:
        hidden: Width of the hidden layers (ELU).
        layers: Number of hidden layers.
        loc: Added to the output last (see `Rescale`); 0 leaves the output as it is.
        scale: The output is multiplied by it before `loc` is added; 1 leaves it as it is.
        skip: Put a `nn.Linear(1, 1)` beside the hidden layers (`LinearSkip`) and start their
            output layer at zero. The network is built first, then the linear path (with
            PyTorch's default initialisation), so the order of the random draws is fixed.
    """
    positive_int("hidden", hidden)
    positive_int("layers", layers)
    positive_float("scale", scale)
    body: list[nn.Module] = [nn.Linear(1, hidden), nn.ELU()]
    for _ in range(layers - 1):
        body += [nn.Linear(hidden, hidden), nn.ELU()]
    out = nn.Linear(hidden, 1)
    body.append(out)
    if skip:
        nn.init.zeros_(out.weight)
        nn.init.zeros_(out.bias)
        body = [LinearSkip(nn.Linear(1, 1), nn.Sequential(*body))]
    if (loc, scale) != (0.0, 1.0):
        body.append(Rescale(loc, scale))
    return nn.Sequential(*body)


def make_discriminator(
    hidden: int = 16, *, batch_stats: bool, loc: float = 0.0, scale: float = 1.0
) -> nn.Sequential:
    """D: a sample in (shape `(..., B, 1)`), the logit that it is real out.

    Args:
        hidden: Width of the two hidden layers (LeakyReLU).
        batch_stats: Put `BatchStatistics` first so D judges each sample within its batch.
            Without it D judges every sample on its own (our plain recipe).
        loc: Subtracted from D's input first (the real data's mean, when standardising).
        scale: D's input is divided by it (the real data's std). With the defaults (0 and 1)
            there is no `Standardize` layer: D is just the layers below.
    """
    positive_int("hidden", hidden)
    positive_float("scale", scale)
    head: list[nn.Module] = [Standardize(loc, scale)] if (loc, scale) != (0.0, 1.0) else []
    if batch_stats:
        head.append(BatchStatistics())
    return nn.Sequential(
        *head,
        nn.Linear(6 if batch_stats else 1, hidden), nn.LeakyReLU(0.2),
        nn.Linear(hidden, hidden), nn.LeakyReLU(0.2),
        nn.Linear(hidden, 1),
    )


@dataclass
class GANResult:
    """What `train_gan` returns; numbers are plain Python floats and numpy arrays.

    Attributes:
        real_mean: Mean of `eval_samples` real samples drawn with the seed.
        real_std: Their standard deviation.
        fake_mean: Mean of `eval_samples` samples from the trained generator.
        fake_std: Their standard deviation.
        wasserstein1: Wasserstein-1 distance from the generated samples to N(mean, std²).
        mean: Target mean.
        std: Target standard deviation.
        variant: `"plain"` or `"fixed"` (with a custom `recipe`, the name `train_gan` was given).
        seed: The seed.
        steps: Training steps.
        device: Device the run used, e.g. `"cpu"` or `"cuda:0"`.
        seconds: Wall time of the training loop.
        history: Per step: `step`, `d_loss`, `g_loss`, `fake_mean`, `fake_std` (of G's batch),
            `lr` and `batch_size`.
        snapshot_steps: Steps at which `snapshots` were taken, from 0 to `steps`.
        snapshots: Generated samples, shape `(len(snapshot_steps), n)`, from the same noise
            each time. The last row comes from the returned generator.
        generator: The trained G (in eval mode, on `device`).
        discriminator: The trained D.
        generator_config: Keyword arguments of `make_generator` that rebuild G.
        discriminator_config: Keyword arguments of `make_discriminator` that rebuild D.
    """

    real_mean: float
    real_std: float
    fake_mean: float
    fake_std: float
    wasserstein1: float
    mean: float
    std: float
    variant: str
    seed: int
    steps: int
    device: str
    seconds: float
    history: dict[str, np.ndarray]
    snapshot_steps: np.ndarray
    snapshots: np.ndarray
    generator: nn.Sequential = field(repr=False)
    discriminator: nn.Sequential = field(repr=False)
    generator_config: dict[str, Any] = field(default_factory=dict)
    discriminator_config: dict[str, Any] = field(default_factory=dict)

    def dist_line(self) -> str:
        """The seed post's last line; see `dist_line`."""
        return dist_line(self)


def dist_line(result: GANResult) -> str:
    """The seed post's summary, e.g. `Real Dist ([4.971, 2.035]), Fake Dist ([5.015, 1.905])`."""

    def pair(mean: float, std: float) -> list[float]:
        return [round(float(mean), 3) + 0.0, round(float(std), 3) + 0.0]  # + 0.0: no "-0.0"

    return (
        f"Real Dist ({pair(result.real_mean, result.real_std)}), "
        f"Fake Dist ({pair(result.fake_mean, result.fake_std)})"
    )


def sample(
    generator: nn.Module, n: int, *, seed: int = 0, device: str | torch.device | None = None
) -> np.ndarray:
    """Draw `n` samples from `generator`.

    Args:
        generator: A G from `make_generator`.
        n: Number of samples.
        seed: Seed of the noise; the noise is drawn on the CPU, so it is the same on every
            device.
        device: Where to run G; `None` means where its weights are.

    Returns:
        float64 array of shape `(n,)`.
    """
    positive_int("n", n)
    if device is None:
        device = next(generator.parameters()).device
    noise = torch.randn(n, 1, generator=torch.Generator().manual_seed(seed))
    with torch.no_grad():
        out = generator(noise.to(device))
    return out.squeeze(1).double().cpu().numpy()


def wasserstein1_to_normal(samples: np.ndarray, mean: float, std: float) -> float:
    """Exact 1-D Wasserstein-1 distance between a sample and N(mean, std²).

    W1 is the area between the two CDFs. Between consecutive sorted samples the empirical CDF
    is a constant c, and the integral of |c - Phi| has a closed form through the antiderivative
    of the normal CDF, `A(z) = z * Phi(z) + phi(z)`, split where Phi crosses c.

    Args:
        samples: 1-D array of finite values.
        mean: Mean of the normal distribution.
        std: Its standard deviation (> 0).
    """
    std = positive_float("std", std)
    mean = _finite("mean", mean)
    x = np.asarray(samples, dtype=np.float64)
    if x.ndim != 1 or x.size == 0:
        raise InvalidInputError(f"samples must be a non-empty 1-D array, got shape {x.shape}")
    if not np.isfinite(x).all():
        raise InvalidInputError("samples must be finite")
    z = torch.sort(torch.from_numpy((x - mean) / std)).values
    n = z.numel()

    def area(t: torch.Tensor) -> torch.Tensor:  # integral of Phi from -inf to t
        return t * torch.special.ndtr(t) + torch.exp(-0.5 * t * t) / math.sqrt(2 * math.pi)

    c = torch.arange(1, n, dtype=torch.float64) / n
    a, b = z[:-1], z[1:]
    cross = torch.minimum(torch.maximum(torch.special.ndtri(c), a), b)
    below = c * (cross - a) - (area(cross) - area(a))  # Phi <= c on [a, cross]
    above = (area(b) - area(cross)) - c * (b - cross)  # Phi >= c on [cross, b]
    tails = area(z[0]) + area(-z[-1])
    return float(std * (below.sum() + above.sum() + tails))


def _finite(name: str, value: float) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise InvalidInputError(f"{name} must be a finite number, got {value!r}") from None
    if not math.isfinite(number):
        raise InvalidInputError(f"{name} must be a finite number, got {value!r}")
    return number


def lr_factor(recipe: Recipe, step: int, steps: int) -> float:
    """The learning-rate schedule: the factor of the peak learning rate at `step` (0 to `steps - 1`).

    The factor rises linearly over `recipe.warmup` steps (at most half of training), then decays
    exponentially to `recipe.lr_final` at the last step. With no warm-up and `lr_final == 1`
    (the plain recipe) it is 1 at every step.
    """
    final = recipe.lr_final
    warmup = min(recipe.warmup, steps // 2)
    if step < warmup:
        return (step + 1) / warmup
    return final ** ((step + 1 - warmup) / (steps - warmup))


def batch_size_at(recipe: Recipe, batch_size: int, step: int, steps: int) -> int:
    """The batch-size schedule: grows geometrically from `batch_size` at step 0 towards
    `batch_size * recipe.batch_growth` at the end (constant when `batch_growth` is 1)."""
    return round(batch_size * recipe.batch_growth ** (step / steps))


def make_optimizer(G: nn.Module, D: nn.Module, recipe: Recipe, lr: float,
                   device: torch.device) -> torch.optim.Adam:
    """One Adam for both nets: parameter group 0 is G's, group 1 is D's (see `set_lr`).

    Fused into one kernel where torch supports it when `recipe.fused_adam` (much less overhead
    per step, but not bit-identical to the default Adam, which the plain recipe uses).
    """
    groups = [{"params": list(G.parameters())}, {"params": list(D.parameters())}]
    if recipe.fused_adam:
        try:
            return torch.optim.Adam(groups, lr=lr, betas=recipe.betas,
                                    fused=device.type in ("cpu", "cuda"))
        except (RuntimeError, TypeError):  # older torch without fused Adam on this device
            pass
    return torch.optim.Adam(groups, lr=lr, betas=recipe.betas)


def set_lr(optimizer: torch.optim.Optimizer, lr: float, d_lr: float = 1.0) -> float:
    """Set G's learning rate to `lr` and D's to `lr * d_lr` (groups of `make_optimizer`); returns `lr`."""
    optimizer.param_groups[0]["lr"] = lr
    optimizer.param_groups[1]["lr"] = lr * d_lr
    return lr


def train_step(G: nn.Module, D: nn.Module, optimizer: torch.optim.Optimizer, *, mean: float,
               std: float, batch_size: int) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """One training step: update D and G at once, from one forward pass.

    Draws `batch_size` real samples from N(mean, std²), then as many noise values for G, in
    that order, from torch's global generator. D learns to say 1 for real and 0 for generated
    samples; G learns to make D say 1 for its samples (the non-saturating loss).

    Returns:
        D's loss, G's loss and G's batch (detached).
    """
    device = next(G.parameters()).device
    real = mean + std * torch.randn(batch_size, 1, device=device)
    fake = G(torch.randn(batch_size, 1, device=device))
    logits = D(torch.stack([real, fake]))  # D judges the real and the fake batch apart
    d_loss = (F.binary_cross_entropy_with_logits(logits[0], torch.ones_like(logits[0]))
              + F.binary_cross_entropy_with_logits(logits[1], torch.zeros_like(logits[1])))
    g_loss = F.binary_cross_entropy_with_logits(logits[1], torch.ones_like(logits[1]))
    optimizer.zero_grad()
    d_loss.backward(inputs=list(D.parameters()), retain_graph=True)  # D's gradient from D's loss
    g_loss.backward(inputs=list(G.parameters()))  # and G's from G's
    optimizer.step()
    return d_loss.detach(), g_loss.detach(), fake.detach()


def update_average(averaged: nn.Module, model: nn.Module, count: int) -> None:
    """Weight averaging: fold `model`'s weights into the running mean `averaged`.

    Call it with `count` = 1, 2, 3, ...: after the k-th call `averaged` holds the mean of the
    k weights it was given (the first call copies them).
    """
    with torch.no_grad():
        for mean_param, param in zip(averaged.parameters(), model.parameters(), strict=True):
            mean_param.lerp_(param, 1 / count)


class _History:
    """Per-step records kept on the device; the losses are checked every 100 steps (one wait
    for the device instead of one per step)."""

    def __init__(self, steps: int, device: torch.device) -> None:
        self.rows = torch.empty(steps, 4, device=device)  # d_loss, g_loss, fake mean, fake std
        self.lr, self.batch_size = np.empty(steps), np.empty(steps, dtype=np.int64)
        self.checked = 0

    def add(self, step: int, d_loss: torch.Tensor, g_loss: torch.Tensor, fake: torch.Tensor,
            lr: float, batch_size: int) -> None:
        self.rows[step] = torch.stack([d_loss, g_loss, fake.mean(), fake.std()])
        self.lr[step], self.batch_size[step] = lr, batch_size
        if (step + 1) % 100 == 0 or step + 1 == len(self.lr):
            self.check(step + 1)

    def check(self, upto: int) -> None:
        """Raise `TrainingDivergedError` at the first non-finite loss before step `upto`."""
        losses = self.rows[self.checked:upto, :2].cpu().numpy().tolist()
        for at, (d, g) in enumerate(losses, start=self.checked):
            finite_loss(d, at, "D loss", history=lambda: self.as_dict(at))  # noqa: B023 (called at once)
            finite_loss(g, at, "G loss", history=lambda: self.as_dict(at))  # noqa: B023 (called at once)
        self.checked = upto

    def as_dict(self, upto: int | None = None) -> dict[str, np.ndarray]:
        upto = len(self.lr) if upto is None else upto
        rows = self.rows[:upto].cpu().numpy().astype(np.float64)
        return {
            "step": np.arange(upto), "d_loss": rows[:, 0], "g_loss": rows[:, 1],
            "fake_mean": rows[:, 2], "fake_std": rows[:, 3],
            "lr": self.lr[:upto].copy(), "batch_size": self.batch_size[:upto].copy(),
        }


def _net_configs(recipe: Recipe, mean: float, std: float,
                 device: torch.device) -> tuple[dict[str, Any], dict[str, Any]]:
    """Arguments of `make_generator` and `make_discriminator` for `recipe`.

    With `recipe.standardize`, D standardises its inputs by the mean and std of a draw of
    10,000 real samples (from the global generator) and G's output is scaled back by the same
    numbers. Without it nothing is drawn.
    """
    loc, scale = 0.0, 1.0
    if recipe.standardize:
        reference = mean + std * torch.randn(10_000, device=device)
        loc, scale = reference.mean().item(), reference.std().item()
    return (
        {"hidden": recipe.g_hidden, "layers": recipe.g_layers, "loc": loc, "scale": scale,
         "skip": recipe.g_skip},
        {"hidden": recipe.d_hidden, "batch_stats": recipe.batch_stats, "loc": loc, "scale": scale},
    )


def _checked_sizes(recipe: Recipe, steps: int | None, lr: float | None,
                   batch_size: int | None) -> tuple[int, float, int]:
    """`steps`, `lr` and `batch_size`, with the recipe's defaults for `None`, checked."""
    steps = positive_int("steps", recipe.steps if steps is None else steps)
    lr = positive_float("lr", recipe.lr if lr is None else lr)
    batch_size = positive_int("batch_size", recipe.batch_size if batch_size is None else batch_size)
    if batch_size < 2:
        raise InvalidInputError(f"batch_size must be at least 2, got {batch_size}")
    return steps, lr, batch_size


def _checked_counts(**counts: int) -> None:
    for name, value in counts.items():
        positive_int(name, value)


def _recipe(variant: str) -> Recipe:
    if variant not in RECIPES:
        raise InvalidInputError(f"unknown variant {variant!r}: use one of {', '.join(RECIPES)}")
    return RECIPES[variant]


def train_gan(
    *,
    mean: float = 5.0,
    std: float = 2.0,
    steps: int | None = None,
    lr: float | None = None,
    variant: str = "fixed",
    seed: int = 0,
    device: str | torch.device = "auto",
    batch_size: int | None = None,
    eval_samples: int = 100_000,
    snapshots: int = 8,
    snapshot_samples: int = 2000,
    progress: bool = False,
    recipe: Recipe | None = None,
) -> GANResult:
    """Train G to turn standard-normal noise into N(mean, std²).

    Each step (`train_step`) draws a batch of real samples and a batch from G, and updates D
    (real -> 1, generated -> 0) and G (make D say 1 for its samples: the non-saturating loss)
    at the same time, from one forward pass, with one Adam optimizer. The learning rate follows
    `lr_factor`, the batch size `batch_size_at`, and G's weights are averaged (`update_average`)
    from `recipe.average_from` of training on.

    Args:
        mean: Target mean.
        std: Target standard deviation (> 0).
        steps: Training steps; `None` means the variant's default (`RECIPES`).
        lr: Peak learning rate; `None` means the variant's default.
        variant: `"fixed"` or `"plain"` (a reconstruction of the seed post's setup, far less
            accurate).
        seed: Seed of torch's generators; the same seed gives the same numbers on the CPU.
        device: `"auto"`, `"cpu"`, `"cuda"`, `"cuda:N"` or `"mps"`.
        batch_size: Starting batch size; `None` means the variant's default.
        eval_samples: Generated (and real) samples the result's statistics are measured on.
        snapshots: Number of snapshots of generated samples, evenly spaced from step 0 to
            the end.
        snapshot_samples: Samples per snapshot.
        progress: Show a progress bar on stderr.
        recipe: Settings to use instead of `RECIPES[variant]` (e.g. a `dataclasses.replace`
            of one, to see what one setting does); `variant` then only names the run.

    Returns:
        The measured result, with the trained nets and the training history.

    Raises:
        InvalidInputError: an argument is out of range or `variant` is unknown.
        TrainingDivergedError: a loss became NaN or infinite; its `history` holds what was
            recorded so far.
    """
    recipe = _recipe(variant) if recipe is None else recipe
    mean, std = _finite("mean", mean), positive_float("std", std)
    steps, lr, batch_size = _checked_sizes(recipe, steps, lr, batch_size)
    _checked_counts(eval_samples=eval_samples, snapshots=snapshots, snapshot_samples=snapshot_samples)
    device = resolve_device(device)
    with cpu_threads():
        torch.manual_seed(seed)
        configs = _net_configs(recipe, mean, std, device)
        G, D = make_generator(**configs[0]).to(device), make_discriminator(**configs[1]).to(device)
        optimizer = make_optimizer(G, D, recipe, lr, device)
        averaged, averages = copy.deepcopy(G), 0  # G's weights averaged over the end of training
        average_from = math.inf if recipe.average_from is None else recipe.average_from * steps
        history, frames = _History(steps, device), []
        # The last snapshot is taken after training, from the generator that is returned
        snapshot_steps = np.unique(np.linspace(steps, 0, snapshots).round().astype(int))
        snapshot_at = set(snapshot_steps.tolist())
        start = time.perf_counter()
        for step in _checks.progress(range(steps), enabled=progress, desc=f"{variant} GAN"):
            if step in snapshot_at:
                frames.append(sample(G, snapshot_samples, seed=seed))
            step_lr = set_lr(optimizer, lr * lr_factor(recipe, step, steps), recipe.d_lr)
            size = batch_size_at(recipe, batch_size, step, steps)
            d_loss, g_loss, fake = train_step(G, D, optimizer, mean=mean, std=std, batch_size=size)
            if step >= average_from:
                averages += 1
                update_average(averaged, G, averages)
            history.add(step, d_loss, g_loss, fake, step_lr, size)
        if device.type == "cuda":
            torch.cuda.synchronize(device)
        seconds = time.perf_counter() - start
        final = (averaged if averages else G).eval()
        frames.append(sample(final, snapshot_samples, seed=seed))
        generated = sample(final, eval_samples, seed=seed)
    return GANResult(
        **_statistics(generated, mean, std, seed), mean=mean, std=std, variant=variant, seed=seed,
        steps=steps, device=str(device), seconds=seconds, history=history.as_dict(),
        snapshot_steps=snapshot_steps, snapshots=np.stack(frames), generator=final,
        discriminator=D.eval(), generator_config=configs[0], discriminator_config=configs[1])


def _statistics(generated: np.ndarray, mean: float, std: float, seed: int) -> dict[str, float]:
    """Mean and std of as many real samples (numpy, drawn with `seed`) and of `generated`, and
    the W1 distance from `generated` to N(mean, std²)."""
    drawn = np.random.default_rng(seed).normal(mean, std, generated.size)
    return {
        "real_mean": float(drawn.mean()), "real_std": float(drawn.std()),
        "fake_mean": float(generated.mean()), "fake_std": float(generated.std()),
        "wasserstein1": wasserstein1_to_normal(generated, mean, std),
    }
