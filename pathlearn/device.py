"""Choosing the device (CPU, CUDA GPU or Apple MPS) that models and tensors live on."""

from __future__ import annotations

import torch

from pathlearn.errors import DeviceUnavailableError, InvalidInputError

__all__ = ["available_devices", "resolve_device"]


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
            `"auto"` picks CUDA, then MPS, then the CPU.

    Returns:
        The device, with an explicit index for CUDA (`cuda` becomes `cuda:0`).

    Raises:
        InvalidInputError: `spec` is not a device name pathlearn knows.
        DeviceUnavailableError: the device was asked for but cannot be used here.
            pathlearn never falls back silently to another device.
    """
    text = str(spec).strip().lower()
    if text == "auto":
        if torch.cuda.is_available():
            return torch.device("cuda", torch.cuda.current_device())
        if _mps_available():
            return torch.device("mps")
        return torch.device("cpu")
    try:
        device = torch.device(text)
    except (RuntimeError, ValueError):
        raise InvalidInputError(
            f"unknown device {str(spec)!r}: use auto, cpu, cuda, cuda:N or mps"
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
    raise InvalidInputError(f"unknown device {str(spec)!r}: use auto, cpu, cuda, cuda:N or mps")
