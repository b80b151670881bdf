"""A GAN that turns standard-normal noise into N(mean, std²), after Dev Nag's "GANs in 50 lines".

The generator G and the discriminator D are small `nn.Sequential` nets. Two recipes:

- `"plain"`, the seed post's setup: D judges one sample at a time and the learning rate stays
  constant. Nothing lets D compare the spread of a whole batch with the real one, so G can
  get away with samples that are all plausible but too close together: the generated spread
  comes out too narrow.
- `"fixed"` (the default): a `BatchStatistics` layer first in D shows it every sample together
  with statistics of its batch (mean, std, skewness, kurtosis), so a too-narrow or lopsided
  batch is caught. The learning rate warms up and then decays so the game settles instead of
  circling around the answer, the batches grow as it settles, and the returned G is the
  average of G's weights over the second half of training.

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
    "Recipe",
    "Rescale",
    "Standardize",
    "dist_line",
    "make_discriminator",
    "make_generator",
    "sample",
    "train_gan",
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


RECIPES: dict[str, Recipe] = {
    "plain": Recipe(
        steps=1000, lr=1e-3, betas=(0.9, 0.999), batch_size=256, batch_growth=1.0, warmup=0,
        lr_final=1.0, average_from=None, batch_stats=False, standardize=False,
        g_hidden=32, d_hidden=16, fused_adam=False,
    ),
    "fixed": Recipe(
        steps=1000, lr=1e-2, betas=(0.5, 0.9), batch_size=256, batch_growth=8.0, warmup=100,
        lr_final=3e-2, average_from=0.5, batch_stats=True, standardize=True,
        g_hidden=64, d_hidden=16, d_lr=2.0, g_layers=1,
    ),
}
"""The settings of each variant: `"plain"` (the seed post) and `"fixed"` (the default)."""


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
                   scale: float = 1.0) -> nn.Sequential:
    """G: one standard-normal noise value in, one sample out.

    Args:
        hidden: Width of the hidden layers (ELU).
        layers: Number of hidden layers.
        loc: Added to the output last (see `Rescale`); 0 leaves the output as it is.
        scale: The output is multiplied by it before `loc` is added; 1 leaves it as it is.
    """
    positive_int("hidden", hidden)
    positive_int("layers", layers)
    positive_float("scale", scale)
    body: list[nn.Module] = [nn.Linear(1, hidden), nn.ELU()]
    for _ in range(layers - 1):
        body += [nn.Linear(hidden, hidden), nn.ELU()]
    body.append(nn.Linear(hidden, 1))
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
            Without it D judges every sample on its own, as in the seed post.
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
        variant: `"plain"` or `"fixed"`.
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


def _lr_factor(recipe: Recipe, step: int, steps: int) -> float:
    """Linear warm-up, then exponential decay to `lr_final` at the last step."""
    final = recipe.lr_final
    warmup = min(recipe.warmup, steps // 2)
    if step < warmup:
        return (step + 1) / warmup
    return final ** ((step + 1 - warmup) / (steps - warmup))


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
) -> GANResult:
    """Train G to turn standard-normal noise into N(mean, std²).

    Each step draws a batch of real samples and a batch from G, and updates D (real -> 1,
    generated -> 0) and G (make D say 1 for its samples: the non-saturating loss) at the same
    time, from one forward pass, with one Adam optimizer.

    Args:
        mean: Target mean.
        std: Target standard deviation (> 0).
        steps: Training steps; `None` means the variant's default (`RECIPES`).
        lr: Peak learning rate; `None` means the variant's default.
        variant: `"fixed"` or `"plain"` (the seed post's setup; its spread comes out too
            narrow).
        seed: Seed of torch's generators; the same seed gives the same numbers on the CPU.
        device: `"auto"`, `"cpu"`, `"cuda"`, `"cuda:N"` or `"mps"`.
        batch_size: Starting batch size; `None` means the variant's default.
        eval_samples: Generated (and real) samples the result's statistics are measured on.
        snapshots: Number of snapshots of generated samples, evenly spaced from step 0 to
            the end.
        snapshot_samples: Samples per snapshot.
        progress: Show a progress bar on stderr.

    Returns:
        The measured result, with the trained nets and the training history.

    Raises:
        InvalidInputError: an argument is out of range or `variant` is unknown.
        TrainingDivergedError: a loss became NaN or infinite; its `history` holds what was
            recorded so far.
    """
    if variant not in RECIPES:
        raise InvalidInputError(f"unknown variant {variant!r}: use one of {', '.join(RECIPES)}")
    recipe = RECIPES[variant]
    mean, std = _finite("mean", mean), positive_float("std", std)
    steps = positive_int("steps", recipe.steps if steps is None else steps)
    lr = positive_float("lr", recipe.lr if lr is None else lr)
    batch_size = positive_int("batch_size", recipe.batch_size if batch_size is None else batch_size)
    if batch_size < 2:
        raise InvalidInputError(f"batch_size must be at least 2, got {batch_size}")
    eval_samples = positive_int("eval_samples", eval_samples)
    snapshots = positive_int("snapshots", snapshots)
    snapshot_samples = positive_int("snapshot_samples", snapshot_samples)
    device = resolve_device(device)

    with cpu_threads():
        torch.manual_seed(seed)
        # D may standardise its inputs with statistics of real data, and G's output be scaled
        # back by the same numbers: both nets then work in units where the target is ~N(0, 1).
        loc, scale = 0.0, 1.0
        if recipe.standardize:  # only then: plain draws nothing before building the nets
            reference = mean + std * torch.randn(10_000, device=device)
            loc, scale = reference.mean().item(), reference.std().item()
        generator_config: dict[str, Any] = {
            "hidden": recipe.g_hidden, "layers": recipe.g_layers, "loc": loc, "scale": scale,
        }
        discriminator_config: dict[str, Any] = {
            "hidden": recipe.d_hidden, "batch_stats": recipe.batch_stats, "loc": loc, "scale": scale,
        }
        G = make_generator(**generator_config).to(device)
        D = make_discriminator(**discriminator_config).to(device)
        g_params, d_params = list(G.parameters()), list(D.parameters())
        optimizer = _adam([{"params": g_params}, {"params": d_params}], lr, recipe.betas, device,
                          fused=recipe.fused_adam)
        averaged = copy.deepcopy(G)  # G's weights averaged over the end of training
        averaged_params, averages = list(averaged.parameters()), 0

        # The last snapshot is taken after training, from the generator that is returned
        snapshot_steps = np.unique(np.linspace(steps, 0, snapshots).round().astype(int))
        snapshot_at = set(snapshot_steps.tolist())
        frames = []
        record = torch.empty(steps, 4, device=device)  # d_loss, g_loss, fake mean, fake std
        lrs, sizes = np.empty(steps), np.empty(steps, dtype=np.int64)
        checked = 0

        def history(upto: int | None = None) -> dict[str, np.ndarray]:
            upto = steps if upto is None else upto
            rows = record[:upto].cpu().numpy().astype(np.float64)
            return {
                "step": np.arange(upto), "d_loss": rows[:, 0], "g_loss": rows[:, 1],
                "fake_mean": rows[:, 2], "fake_std": rows[:, 3],
                "lr": lrs[:upto].copy(), "batch_size": sizes[:upto].copy(),
            }

        start = time.perf_counter()
        for step in _checks.progress(range(steps), enabled=progress, desc=f"{variant} GAN"):
            if step in snapshot_at:
                frames.append(sample(G, snapshot_samples, seed=seed))
            optimizer.param_groups[0]["lr"] = lrs[step] = lr * _lr_factor(recipe, step, steps)
            optimizer.param_groups[1]["lr"] = lrs[step] * recipe.d_lr
            sizes[step] = size = round(batch_size * recipe.batch_growth ** (step / steps))

            real = mean + std * torch.randn(size, 1, device=device)
            fake = G(torch.randn(size, 1, device=device))
            logits = D(torch.stack([real, fake]))  # D judges the real and the fake batch apart
            d_loss = (F.binary_cross_entropy_with_logits(logits[0], torch.ones_like(logits[0]))
                      + F.binary_cross_entropy_with_logits(logits[1], torch.zeros_like(logits[1])))
            g_loss = F.binary_cross_entropy_with_logits(logits[1], torch.ones_like(logits[1]))

            optimizer.zero_grad()
            d_loss.backward(inputs=d_params, retain_graph=True)  # D's gradient from D's loss
            g_loss.backward(inputs=g_params)  # and G's from G's
            optimizer.step()
            if recipe.average_from is not None and step >= recipe.average_from * steps:
                averages += 1
                with torch.no_grad():
                    for mean_param, param in zip(averaged_params, g_params, strict=True):
                        mean_param.lerp_(param, 1 / averages)  # running mean of the weights

            with torch.no_grad():
                record[step] = torch.stack([d_loss, g_loss, fake.mean(), fake.std()])
            # Check the losses every 100 steps: one wait for the device instead of one per step
            if (step + 1) % 100 == 0 or step + 1 == steps:
                rows = record[checked:step + 1].cpu().numpy()
                for offset, (d, g) in enumerate(rows[:, :2].tolist()):
                    at = checked + offset
                    finite_loss(d, at, "D loss", history=lambda: history(at))  # noqa: B023 (called at once)
                    finite_loss(g, at, "G loss", history=lambda: history(at))  # noqa: B023 (called at once)
                checked = step + 1
        if device.type == "cuda":
            torch.cuda.synchronize(device)
        seconds = time.perf_counter() - start

        final = averaged if averages else G
        final.eval()
        frames.append(sample(final, snapshot_samples, seed=seed))
        generated = sample(final, eval_samples, seed=seed)
    drawn = np.random.default_rng(seed).normal(mean, std, eval_samples)
    return GANResult(
        real_mean=float(drawn.mean()), real_std=float(drawn.std()),
        fake_mean=float(generated.mean()), fake_std=float(generated.std()),
        wasserstein1=wasserstein1_to_normal(generated, mean, std),
        mean=mean, std=std, variant=variant, seed=seed, steps=steps, device=str(device),
        seconds=seconds, history=history(), snapshot_steps=snapshot_steps,
        snapshots=np.stack(frames),
        generator=final, discriminator=D.eval(),
        generator_config=generator_config, discriminator_config=discriminator_config,
    )


def _adam(params: list[dict[str, Any]], lr: float, betas: tuple[float, float],
          device: torch.device, *, fused: bool = True) -> torch.optim.Adam:
    """Adam, fused into one kernel where torch supports it (much less overhead per step)."""
    if not fused:
        return torch.optim.Adam(params, lr=lr, betas=betas)
    try:
        return torch.optim.Adam(params, lr=lr, betas=betas, fused=device.type in ("cpu", "cuda"))
    except (RuntimeError, TypeError):  # older torch without fused Adam on this device
        return torch.optim.Adam(params, lr=lr, betas=betas)
