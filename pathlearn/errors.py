"""Errors that pathlearn reports to users as one clear line."""

from __future__ import annotations

from typing import Any

__all__ = ["DeviceUnavailableError", "InvalidInputError", "PathlearnError", "TrainingDivergedError"]


class PathlearnError(Exception):
    """Base class for errors the command line prints as one line, without a traceback.

    Attributes:
        exit_code: Exit status the command line uses for this error.
    """

    exit_code = 2


class InvalidInputError(PathlearnError, ValueError):
    """An argument or input file that pathlearn cannot use (exit status 2)."""


class DeviceUnavailableError(PathlearnError, RuntimeError):
    """A device that was asked for by name but cannot be used here (exit status 2)."""


class TrainingDivergedError(PathlearnError, ArithmeticError):
    """The loss became NaN or infinite; training stopped (exit status 1).

    Attributes:
        step: Zero-based step (or epoch) at which the loss stopped being finite.
        history: What was recorded up to that step, for plotting the failure.
    """

    exit_code = 1

    def __init__(self, message: str, *, step: int, history: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.step = step
        self.history = history if history is not None else {}
