"""Argument checks shared by the models; each failure is one clear line."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Iterator
from typing import Any, TypeVar

from tqdm import tqdm

from pathlearn.errors import InvalidInputError, TrainingDivergedError

T = TypeVar("T")


def positive_int(name: str, value: int) -> int:
    """Return `value` if it is an integer >= 1, else raise `InvalidInputError`."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise InvalidInputError(f"{name} must be a positive integer, got {value!r}")
    return value


def positive_float(name: str, value: float) -> float:
    """Return `value` as a float if it is finite and > 0, else raise `InvalidInputError`."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise InvalidInputError(f"{name} must be a positive number, got {value!r}") from None
    if not math.isfinite(number) or number <= 0:
        raise InvalidInputError(f"{name} must be a positive number, got {value!r}")
    return number


def finite_loss(
    loss: float, step: int, what: str = "loss", history: Callable[[], dict[str, Any]] | None = None
) -> float:
    """Return `loss` if finite; otherwise raise `TrainingDivergedError` naming the step."""
    if not math.isfinite(loss):
        raise TrainingDivergedError(
            f"training diverged: {what} became {loss} at step {step + 1}; try a smaller learning rate",
            step=step,
            history=history() if history is not None else None,
        )
    return loss


def progress(iterable: Iterable[T], *, enabled: bool, desc: str, total: int | None = None) -> Iterator[T]:
    """Wrap `iterable` in a progress bar on stderr when `enabled`."""
    if not enabled:
        return iter(iterable)
    return iter(tqdm(iterable, desc=desc, total=total, leave=False, dynamic_ncols=True))
