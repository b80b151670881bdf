"""A two-layer network, one ReLU hidden layer and a sum-of-squares loss, written four ways.

The same network is trained with numpy and hand-written backprop, with torch tensors and
hand-written backprop, with torch autograd, and with `nn.Module` + `torch.optim`. Every version
uses the same names (`x`, `y`, `w1`, `w2`, `h`, `h_relu`, `y_pred`, `loss`, `grad_*`), so a diff
between two versions shows only the new idea. From the same `Problem` in float64 all four give
the same loss at every step on the CPU (to about 1e-9), and nearly the same on a CUDA GPU (GPU
kernels sum in another order). Apple's MPS has no float64: there the torch versions compute in
float32 (`pathlearn.device.choose_dtype`), and agree with numpy only to float32 rounding.
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import torch
from torch import nn

from pathlearn._checks import finite_loss, positive_float, positive_int, progress
from pathlearn.device import choose_dtype, resolve_device
from pathlearn.errors import InvalidInputError
from pathlearn.threads import cpu_threads

__all__ = [
    "SCHEDULES",
    "Problem",
    "Run",
    "TwoLayerNet",
    "autograd_loss_and_grads",
    "make_problem",
    "make_scheduler",
    "numpy_loss_and_grads",
    "torch_loss_and_grads",
    "train_autograd",
    "train_module",
    "train_numpy",
    "train_torch",
]

SCHEDULES = ("constant", "step", "exponential", "cosine", "onecycle", "plateau")
"""Names accepted by `train_module(schedule=...)` and `make_scheduler`."""


@dataclass(frozen=True)
class Problem:
    """Random data and initial weights shared by every version.

    Attributes:
        x: Inputs, shape `(N, D_in)`.
        y: Targets, shape `(N, D_out)`.
        w1: Initial first-layer weights, shape `(D_in, H)`.
        w2: Initial second-layer weights, shape `(H, D_out)`.
    """

    x: np.ndarray
    y: np.ndarray
    w1: np.ndarray
    w2: np.ndarray

    @property
    def sizes(self) -> tuple[int, int, int, int]:
        """`(N, D_in, H, D_out)`."""
        return (*self.x.shape, self.w1.shape[1], self.y.shape[1])


@dataclass
class Run:
    """What one training run returns; all plain numpy and Python values.

    Attributes:
        losses: Loss before each update, one per step.
        w1: Trained first-layer weights, `(D_in, H)` like `Problem.w1`.
        w2: Trained second-layer weights, `(H, D_out)`.
        seconds: Wall time of the training loop.
        device: Device the run used, e.g. `"cpu"`.
        lrs: Learning rate used at each step (scheduled runs vary it).
    """

    losses: np.ndarray
    w1: np.ndarray
    w2: np.ndarray
    seconds: float
    device: str
    lrs: np.ndarray = field(default_factory=lambda: np.empty(0))


def make_problem(
    N: int = 64, D_in: int = 1000, H: int = 100, D_out: int = 10, *, seed: int = 0,
    dtype: type[np.floating] | str = np.float64,
) -> Problem:
    """Random inputs, targets and initial weights, all standard normal.

    Args:
        N: Batch size.
        D_in: Input dimension.
        H: Hidden dimension.
        D_out: Output dimension.
        seed: Seed of the numpy generator.
        dtype: `np.float64` (default, for exact comparisons) or `np.float32`.
    """
    for name, value in (("N", N), ("D_in", D_in), ("H", H), ("D_out", D_out)):
        positive_int(name, value)
    dtype = np.dtype(dtype)  # type: ignore[assignment]
    if dtype not in (np.float32, np.float64):
        raise InvalidInputError(f"dtype must be float32 or float64, got {dtype}")
    rng = np.random.default_rng(seed)
    x, y, w1, w2 = (
        rng.standard_normal(shape).astype(dtype)
        for shape in ((N, D_in), (N, D_out), (D_in, H), (H, D_out))
    )
    return Problem(x, y, w1, w2)


def numpy_loss_and_grads(x, y, w1, w2):
    """Forward and backward pass in numpy; returns `(loss, grad_w1, grad_w2)`."""
    # Forward pass: compute predicted y
    h = x.dot(w1)
    h_relu = np.maximum(h, 0)
    y_pred = h_relu.dot(w2)
    loss = np.square(y_pred - y).sum()

    # Backprop by hand: the chain rule, one layer at a time
    grad_y_pred = 2.0 * (y_pred - y)
    grad_w2 = h_relu.T.dot(grad_y_pred)
    grad_h_relu = grad_y_pred.dot(w2.T)
    grad_h = grad_h_relu.copy()
    grad_h[h < 0] = 0
    grad_w1 = x.T.dot(grad_h)
    return loss, grad_w1, grad_w2


def torch_loss_and_grads(x, y, w1, w2):
    """The same forward and hand-written backward pass with torch tensors."""
    # Forward pass: compute predicted y
    h = x.mm(w1)
    h_relu = h.relu()
    y_pred = h_relu.mm(w2)
    loss = (y_pred - y).pow(2).sum()

    # Backprop by hand: the chain rule, one layer at a time
    grad_y_pred = 2.0 * (y_pred - y)
    grad_w2 = h_relu.t().mm(grad_y_pred)
    grad_h_relu = grad_y_pred.mm(w2.t())
    grad_h = grad_h_relu.clone()
    grad_h[h < 0] = 0
    grad_w1 = x.t().mm(grad_h)
    return loss, grad_w1, grad_w2


def autograd_loss_and_grads(x, y, w1, w2):
    """The forward pass only; autograd computes the gradients of `w1` and `w2`."""
    # Forward pass: compute predicted y
    h = x.mm(w1)
    h_relu = h.relu()
    y_pred = h_relu.mm(w2)
    loss = (y_pred - y).pow(2).sum()

    # Backprop by autograd: fills w1.grad and w2.grad
    w1.grad = w2.grad = None
    loss.backward()
    return loss, w1.grad, w2.grad


class TwoLayerNet(nn.Module):
    """The network as an `nn.Module`: `linear1` holds `w1.T`, `linear2` holds `w2.T`."""

    def __init__(self, D_in: int, H: int, D_out: int) -> None:
        super().__init__()
        self.linear1 = nn.Linear(D_in, H, bias=False)
        self.linear2 = nn.Linear(H, D_out, bias=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.linear1(x)
        h_relu = h.relu()
        y_pred = self.linear2(h_relu)
        return y_pred

    @classmethod
    def from_problem(cls, problem: Problem) -> TwoLayerNet:
        """A network of the problem's sizes, starting from its initial weights."""
        _, D_in, H, D_out = problem.sizes
        model = cls(D_in, H, D_out).to(torch.from_numpy(problem.w1).dtype)
        with torch.no_grad():
            model.linear1.weight.copy_(torch.from_numpy(problem.w1.T))
            model.linear2.weight.copy_(torch.from_numpy(problem.w2.T))
        return model


def _numpy(t: torch.Tensor) -> np.ndarray:
    return t.detach().cpu().numpy()


def _torch_problem(problem: Problem, device: torch.device):
    """The problem's arrays as tensors on `device`, in a type the device has (`choose_dtype`:
    float64 becomes float32 on MPS, with a warning; elsewhere nothing changes)."""
    choice = choose_dtype(device, problem.x.dtype)
    if choice.switched:
        warnings.warn(choice.note, stacklevel=3)
    dtype = np.dtype(choice.dtype)
    # torch.tensor copies, so training never writes into the problem's numpy arrays
    return (torch.tensor(a.astype(dtype, copy=False), device=device)
            for a in (problem.x, problem.y, problem.w1, problem.w2))


def train_numpy(problem: Problem, *, lr: float = 1e-6, steps: int = 500, progress_bar: bool = False) -> Run:
    """Train with numpy and hand-written backprop (plain gradient descent)."""
    lr, steps = positive_float("lr", lr), positive_int("steps", steps)
    x, y, w1, w2 = problem.x, problem.y, problem.w1.copy(), problem.w2.copy()
    losses = np.empty(steps)
    # Overflow is reported once, as TrainingDivergedError, rather than as numpy warnings
    with cpu_threads(), np.errstate(over="ignore", invalid="ignore"):
        start = time.perf_counter()
        for t in progress(range(steps), enabled=progress_bar, desc="numpy"):
            loss, grad_w1, grad_w2 = numpy_loss_and_grads(x, y, w1, w2)
            losses[t] = finite_loss(float(loss), t, history=lambda: {"losses": losses[:t]})  # noqa: B023 (called at once)

            # Update weights by gradient descent
            w1 -= lr * grad_w1
            w2 -= lr * grad_w2
        seconds = time.perf_counter() - start
    return Run(losses, w1, w2, seconds, "cpu", np.full(steps, lr))


def train_torch(
    problem: Problem, *, lr: float = 1e-6, steps: int = 500, device: str | torch.device = "auto",
    progress_bar: bool = False,
) -> Run:
    """Train with torch tensors and the same hand-written backprop."""
    lr, steps = positive_float("lr", lr), positive_int("steps", steps)
    device = resolve_device(device)
    x, y, w1, w2 = _torch_problem(problem, device)
    losses = np.empty(steps)
    with cpu_threads():
        start = time.perf_counter()
        for t in progress(range(steps), enabled=progress_bar, desc="torch"):
            loss, grad_w1, grad_w2 = torch_loss_and_grads(x, y, w1, w2)
            losses[t] = finite_loss(loss.item(), t, history=lambda: {"losses": losses[:t]})  # noqa: B023 (called at once)

            # Update weights by gradient descent
            w1 -= lr * grad_w1
            w2 -= lr * grad_w2
        seconds = time.perf_counter() - start
    return Run(losses, _numpy(w1), _numpy(w2), seconds, str(device), np.full(steps, lr))


def train_autograd(
    problem: Problem, *, lr: float = 1e-6, steps: int = 500, device: str | torch.device = "auto",
    progress_bar: bool = False,
) -> Run:
    """Train with torch autograd: no hand-written backward pass."""
    lr, steps = positive_float("lr", lr), positive_int("steps", steps)
    device = resolve_device(device)
    x, y, w1, w2 = _torch_problem(problem, device)
    w1.requires_grad_()
    w2.requires_grad_()
    losses = np.empty(steps)
    with cpu_threads():
        start = time.perf_counter()
        for t in progress(range(steps), enabled=progress_bar, desc="autograd"):
            loss, grad_w1, grad_w2 = autograd_loss_and_grads(x, y, w1, w2)
            losses[t] = finite_loss(loss.item(), t, history=lambda: {"losses": losses[:t]})  # noqa: B023 (called at once)

            # Update weights by gradient descent; autograd must not record the update
            with torch.no_grad():
                w1 -= lr * grad_w1
                w2 -= lr * grad_w2
        seconds = time.perf_counter() - start
    return Run(losses, _numpy(w1), _numpy(w2), seconds, str(device), np.full(steps, lr))


def make_scheduler(
    name: str, optimizer: torch.optim.Optimizer, steps: int
) -> torch.optim.lr_scheduler.LRScheduler | torch.optim.lr_scheduler.ReduceLROnPlateau | None:
    """A learning-rate scheduler for a run of `steps` steps, by name.

    Args:
        name: One of `SCHEDULES`: `"constant"` (no scheduler), `"step"` (StepLR, halve every
            quarter of the run), `"exponential"` (ExponentialLR, down to 1% by the end),
            `"cosine"` (CosineAnnealingLR over the run), `"onecycle"` (OneCycleLR peaking at
            the optimizer's lr; torch's default `cycle_momentum=True` also cycles SGD's
            momentum between 0.85 and 0.95, and Tutorial 1 shows that this momentum is what
            helps), `"plateau"` (ReduceLROnPlateau, halve after 10 steps without a 0.01%
            improvement).
        optimizer: The optimizer whose lr the scheduler drives.
        steps: Length of the run, in optimizer steps.
    """
    sched = torch.optim.lr_scheduler
    lr = optimizer.param_groups[0]["lr"]
    factories: dict[str, Callable[[], object]] = {
        "constant": lambda: None,
        "step": lambda: sched.StepLR(optimizer, step_size=max(1, steps // 4), gamma=0.5),
        "exponential": lambda: sched.ExponentialLR(optimizer, gamma=0.01 ** (1 / steps)),
        "cosine": lambda: sched.CosineAnnealingLR(optimizer, T_max=steps),
        "onecycle": lambda: sched.OneCycleLR(optimizer, max_lr=lr, total_steps=steps),
        "plateau": lambda: sched.ReduceLROnPlateau(optimizer, factor=0.5, patience=10),
    }
    if name not in factories:
        raise InvalidInputError(f"unknown schedule {name!r}: use one of {', '.join(SCHEDULES)}")
    return factories[name]()  # type: ignore[return-value]


def train_module(
    problem: Problem, *, lr: float = 1e-6, steps: int = 500, schedule: str = "constant",
    device: str | torch.device = "auto", progress_bar: bool = False,
) -> Run:
    """Train `TwoLayerNet` with `torch.optim.SGD`, optionally under an lr scheduler.

    Args:
        problem: Data and initial weights.
        lr: Learning rate (the peak rate for `"onecycle"`).
        steps: Number of optimizer steps.
        schedule: A name from `SCHEDULES`; see `make_scheduler`.
        device: `"auto"`, `"cpu"`, `"cuda"`, `"cuda:N"` or `"mps"`.
        progress_bar: Show a progress bar on stderr.

    Raises:
        TrainingDivergedError: the loss became NaN or infinite; its `history` holds the
            losses and lrs so far.
    """
    lr, steps = positive_float("lr", lr), positive_int("steps", steps)
    device = resolve_device(device)
    x, y, _, _ = _torch_problem(problem, device)
    model = TwoLayerNet.from_problem(problem).to(x.dtype).to(device)  # the type first, on the CPU
    loss_fn = nn.MSELoss(reduction="sum")
    optimizer = torch.optim.SGD(model.parameters(), lr=lr)
    scheduler = make_scheduler(schedule, optimizer, steps)
    losses, lrs = np.empty(steps), np.empty(steps)
    with cpu_threads():
        start = time.perf_counter()
        for t in progress(range(steps), enabled=progress_bar, desc=schedule):
            y_pred = model(x)
            loss = loss_fn(y_pred, y)
            lrs[t] = optimizer.param_groups[0]["lr"]
            losses[t] = finite_loss(
                loss.item(), t, history=lambda: {"losses": losses[:t], "lrs": lrs[:t]}  # noqa: B023 (called at once)
            )

            # The optimizer does the update; autograd does the backprop
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            if isinstance(scheduler, torch.optim.lr_scheduler.ReduceLROnPlateau):
                scheduler.step(losses[t])
            elif scheduler is not None:
                scheduler.step()
        seconds = time.perf_counter() - start
    w1, w2 = _numpy(model.linear1.weight).T, _numpy(model.linear2.weight).T
    return Run(losses, w1, w2, seconds, str(device), lrs)
