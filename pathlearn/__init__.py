"""pathlearn: the models of a bilingual, executable PyTorch learning path."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

from pathlearn.device import available_devices, resolve_device
from pathlearn.errors import (
    DeviceUnavailableError,
    InvalidInputError,
    PathlearnError,
    TrainingDivergedError,
)

try:
    __version__ = version("pathlearn")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0+unknown"

__all__ = [
    "DeviceUnavailableError",
    "InvalidInputError",
    "PathlearnError",
    "TrainingDivergedError",
    "__version__",
    "available_devices",
    "resolve_device",
]
