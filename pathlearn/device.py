"""Choosing the device (CPU, CUDA GPU or Apple MPS) that models and tensors live on, and the
floating-point type a device can compute in."""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

import torch

from pathlearn.errors import DeviceUnavailableError, InvalidInputError

__all__ = ["ENV_VAR", "NO_FLOAT64", "DtypeChoice", "available_devices", "choose_dtype", "resolve_device"]

ENV_VAR = "PATHLEARN_DEVICE"
"""Environment variable that sets what `"auto"` resolves to (e.g. `cpu` on a Mac); unset or
empty, `"auto"` picks CUDA, then MPS, then the CPU. A device asked for by name ignores it."""

NO_FLOAT64 = frozenset({"mps"})
"""Device types that have no float64 (Apple's Metal backend computes in float32 at most)."""

_DTYPES = {"float32": "float32", "float64": "float64", "float": "float32", "double": "float64"}


def _mps_available() -> bool:
    backend = getattr(torch.backends, "mps", None)
    return bool(backend is not None and backend.is_available())


def available_devices() -> list[str]:
    """Names of the devices usable on this machine, e.g. `["cpu", "cuda:0"]`."""
    names = ["cpu"]
    if torch.cuda.is_available():
        names += [f"cuda:{i}" for i in range(torch.cuda.device_count())]
    if _mps_available():
        names.append("mps")
    return names


def resolve_device(spec: str | torch.device = "auto") -> torch.device:
    """Turn a device name into a usable `torch.device`.

    Args:
        spec: `"auto"`, `"cpu"`, `"cuda"`, `"cuda:N"` or `"mps"` (or a `torch.device`).
            `"auto"` picks CUDA, then MPS, then the CPU, unless the environment variable
            `PATHLEARN_DEVICE` names a device: then `"auto"` means that device.

    Returns:
        The device, with an explicit index for CUDA (`cuda` becomes `cuda:0`).

    Raises:
        InvalidInputError: `spec` (or `PATHLEARN_DEVICE`) is not a device name pathlearn knows.
        DeviceUnavailableError: the device was asked for but cannot be used here.
            pathlearn never falls back silently to another device.
    """
    text = str(spec).strip().lower()
    if text == "auto":
        override = os.environ.get(ENV_VAR, "").strip().lower()
        if override and override != "auto":
            try:
                return _named_device(override, override)
            except (InvalidInputError, DeviceUnavailableError) as error:
                raise type(error)(f"{error} (from {ENV_VAR}={override})") from None
        if torch.cuda.is_available():
            return torch.device("cuda", torch.cuda.current_device())
        if _mps_available():
            return torch.device("mps")
        return torch.device("cpu")
    return _named_device(text, str(spec))


def _named_device(text: str, spec: str) -> torch.device:
    try:
        device = torch.device(text)
    except (RuntimeError, ValueError):
        raise InvalidInputError(
            f"unknown device {spec!r}: use auto, cpu, cuda, cuda:N or mps"
        ) from None
    if device.type == "cpu":
        return torch.device("cpu")
    if device.type == "cuda":
        if not torch.cuda.is_available():
            reason = (
                "this torch build has no CUDA support"
                if torch.version.cuda is None
                else "no CUDA GPU is visible to torch"
            )
            raise DeviceUnavailableError(f"device {text!r} is not available: {reason}")
        count = torch.cuda.device_count()
        index = 0 if device.index is None else device.index
        if index >= count:
            raise DeviceUnavailableError(
                f"device {text!r} is not available: only {count} CUDA device(s), "
                f"numbered 0 to {count - 1}"
            )
        return torch.device("cuda", index)
    if device.type == "mps":
        if not _mps_available():
            raise DeviceUnavailableError(
                f"device {text!r} is not available: Apple MPS needs macOS on Apple silicon "
                "and a torch build with MPS support"
            )
        return torch.device("mps")
    raise InvalidInputError(f"unknown device {spec!r}: use auto, cpu, cuda, cuda:N or mps")


@dataclass(frozen=True)
class DtypeChoice:
    """The floating-point type a run uses on a device, from `choose_dtype`.

    Attributes:
        dtype: What the run computes in, `"float32"` or `"float64"`.
        requested: What was asked for.
        note: One line saying why `dtype` differs from `requested`; `None` when it does not.
    """

    dtype: str
    requested: str
    note: str | None = None

    @property
    def switched(self) -> bool:
        """Whether the run computes in another type than the one asked for."""
        return self.dtype != self.requested

    @property
    def torch_dtype(self) -> torch.dtype:
        """`dtype` as a `torch.dtype`."""
        return getattr(torch, self.dtype)


def _dtype_name(dtype: Any) -> str:
    if isinstance(dtype, torch.dtype):
        name = str(dtype).removeprefix("torch.")
    else:
        try:
            import numpy as np

            name = np.dtype(dtype).name
        except TypeError:
            name = str(dtype)
    if name not in _DTYPES:
        raise InvalidInputError(f"dtype must be float32 or float64, got {dtype}")
    return _DTYPES[name]


def choose_dtype(device_type: str | torch.device, dtype: Any) -> DtypeChoice:
    """The rule for float64 on a device without float64: switch to float32 and say so.

    A pure function of the device type and the dtype (it looks at no hardware), so the rule can
    be tested anywhere. The CPU and CUDA compute in the type asked for. Apple's MPS has no
    float64: a float64 run there computes in float32 instead, and `note` says so in one line.

    Args:
        device_type: `"cpu"`, `"cuda"`, `"mps"` (or a `torch.device`).
        dtype: `"float32"`/`"float64"`, a numpy dtype or a `torch.dtype`.

    Returns:
        The type to compute in, what was asked for and, when they differ, why.

    Raises:
        InvalidInputError: `dtype` is not float32 or float64.
    """
    kind = device_type.type if isinstance(device_type, torch.device) else str(device_type).split(":")[0]
    requested = _dtype_name(dtype)
    if requested == "float64" and kind in NO_FLOAT64:
        return DtypeChoice("float32", requested,
                           f"{kind} has no float64, so this run computes in float32; for float64 "
                           "use the CPU (--device cpu, or device=\"cpu\" in Python)")
    return DtypeChoice(requested, requested)
