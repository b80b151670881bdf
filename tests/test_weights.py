"""Weights files: safetensors with enough metadata to rebuild the model, and nothing pickled."""

import json

import pytest
import torch
from safetensors import safe_open
from safetensors.torch import save_file

from pathlearn import InvalidInputError
from pathlearn.twolayer import TwoLayerNet
from pathlearn.weights import BUILDERS, load_model, weights_bytes


def test_round_trip_rebuilds_the_same_model(tmp_path):
    torch.manual_seed(0)
    model = TwoLayerNet(5, 4, 3)
    path = tmp_path / "m.safetensors"
    path.write_bytes(weights_bytes(model, "twolayer", {"D_in": 5, "H": 4, "D_out": 3}))
    loaded = load_model(path)
    assert isinstance(loaded, TwoLayerNet) and not loaded.training
    x = torch.randn(2, 5)
    torch.testing.assert_close(loaded(x), model(x))
    with safe_open(str(path), framework="pt") as handle:
        meta = handle.metadata()
    assert meta["kind"] == "twolayer" and json.loads(meta["config"]) == {"D_in": 5, "H": 4, "D_out": 3}


def test_every_builder_is_importable():
    import importlib

    for kind, target in BUILDERS.items():
        module, _, attr = target.partition(":")
        assert callable(getattr(importlib.import_module(module), attr)), kind


def test_files_that_are_not_pathlearn_weights_are_refused(tmp_path):
    foreign = tmp_path / "foreign.safetensors"
    save_file({"w": torch.zeros(2)}, str(foreign))
    with pytest.raises(InvalidInputError, match="not a pathlearn weights file"):
        load_model(foreign)
    pickled = tmp_path / "model.pt"
    torch.save(TwoLayerNet(2, 2, 2).state_dict(), pickled)
    with pytest.raises(InvalidInputError, match="cannot read weights"):
        load_model(pickled)
    with pytest.raises(InvalidInputError, match="cannot read weights"):
        load_model(tmp_path / "missing.safetensors")


def test_unknown_kind_cannot_be_saved():
    with pytest.raises(ValueError, match="unknown model kind"):
        weights_bytes(TwoLayerNet(2, 2, 2), "os.system", {})
