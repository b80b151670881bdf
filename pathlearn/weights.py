"""Saving trained models as safetensors files that load back without running pickled code.

Each file holds the model's tensors and, in its metadata, which pathlearn builder made the
model and with what arguments, so `load_model` can rebuild it. Only builders listed in
`BUILDERS` are ever called.
"""

from __future__ import annotations

import importlib
import json
import os
import warnings
from typing import Any

import torch
from safetensors import safe_open
from safetensors.torch import save
from torch import nn

from pathlearn.device import choose_dtype, resolve_device
from pathlearn.errors import InvalidInputError

__all__ = ["BUILDERS", "load_model", "weights_bytes"]

BUILDERS = {
    "twolayer": "pathlearn.twolayer:TwoLayerNet",
    "gan.generator": "pathlearn.gan:make_generator",
    "gan.discriminator": "pathlearn.gan:make_discriminator",
    "lstm": "pathlearn.lstm:LSTMForecaster",
    "lstm.direct": "pathlearn.lstm:make_ensemble",
}
"""The model kinds `load_model` can rebuild, and the builder of each: nothing else is imported."""


def weights_bytes(model: nn.Module, kind: str, config: dict[str, Any]) -> bytes:
    """The model's tensors in safetensors format, with the metadata to rebuild it.

    Args:
        model: The trained module.
        kind: A key of `BUILDERS`.
        config: Keyword arguments for the builder (JSON-serialisable).
    """
    if kind not in BUILDERS:
        raise ValueError(f"unknown model kind {kind!r}")
    from pathlearn import __version__

    tensors = {name: t.detach().cpu().contiguous() for name, t in model.state_dict().items()}
    metadata = {"kind": kind, "config": json.dumps(config), "pathlearn": __version__}
    return save(tensors, metadata=metadata)


def load_model(path: str | os.PathLike[str], device: str | torch.device = "cpu") -> nn.Module:
    """Rebuild a model saved by the command line (`--out`) and load its weights.

    Args:
        path: A `.safetensors` file written by pathlearn.
        device: Where to put the model: any name `resolve_device` accepts.

    Returns:
        The model in eval mode. Weights keep their floating-point type, except float64 weights
        loaded onto a device without float64 (MPS), which become float32 with a warning
        (`pathlearn.device.choose_dtype`).
    """
    target = resolve_device(device)
    try:
        with safe_open(os.fspath(path), framework="pt", device="cpu") as handle:
            metadata = handle.metadata() or {}
            tensors = {name: handle.get_tensor(name) for name in handle.keys()}  # noqa: SIM118
    except Exception as error:  # safetensors raises its own error types besides OSError
        raise InvalidInputError(f"cannot read weights from {str(path)!r}: {error}") from None
    kind = metadata.get("kind")
    if kind not in BUILDERS:
        raise InvalidInputError(f"{str(path)!r} is not a pathlearn weights file (kind {kind!r})")
    module_name, _, attr = BUILDERS[kind].partition(":")
    builder = getattr(importlib.import_module(module_name), attr)
    model = builder(**json.loads(metadata["config"]))
    dtypes = {t.dtype for t in tensors.values() if t.is_floating_point()}
    if len(dtypes) == 1:  # keep float64 weights float64 where the device has float64
        choice = choose_dtype(target, dtypes.pop())
        if choice.switched:
            warnings.warn(choice.note, stacklevel=2)
        model.to(choice.torch_dtype)
    model.load_state_dict(tensors)  # copies (and casts) on the CPU
    return model.to(target).eval()
