"""Device resolution: auto picks the best device; a device asked for is never swapped."""

import numpy as np
import pytest
import torch

from pathlearn import DeviceUnavailableError, InvalidInputError, available_devices, resolve_device
from pathlearn import device as device_module
from pathlearn.device import ENV_VAR, DtypeChoice, choose_dtype


def test_cpu_is_always_available():
    assert resolve_device("cpu") == torch.device("cpu")
    assert resolve_device(torch.device("cpu")) == torch.device("cpu")
    assert resolve_device(" CPU ") == torch.device("cpu")
    assert available_devices()[0] == "cpu"


def test_auto_prefers_cuda_then_mps_then_cpu(monkeypatch):
    monkeypatch.delenv(ENV_VAR, raising=False)
    device = resolve_device("auto")
    if torch.cuda.is_available():
        assert device.type == "cuda" and device.index is not None
    elif getattr(torch.backends, "mps", None) and torch.backends.mps.is_available():
        assert device.type == "mps"
    else:
        assert device == torch.device("cpu")


@pytest.mark.parametrize("name", ["tpu", "gpu", "cuda:x", "", "cpu:cuda"])
def test_unknown_names_are_invalid_input(name):
    with pytest.raises(InvalidInputError, match="unknown device") as info:
        resolve_device(name)
    assert "auto, cpu, cuda, cuda:N or mps" in str(info.value)


@pytest.mark.skipif(torch.cuda.is_available(), reason="this machine has CUDA")
@pytest.mark.parametrize("name", ["cuda", "cuda:0", "cuda:3"])
def test_missing_cuda_is_an_error_naming_device_and_reason(name):
    with pytest.raises(DeviceUnavailableError) as info:
        resolve_device(name)
    message = str(info.value)
    assert repr(name) in message and "not available" in message
    assert "CUDA" in message


@pytest.mark.skipif(
    getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available(),
    reason="this machine has MPS",
)
def test_missing_mps_is_an_error():
    with pytest.raises(DeviceUnavailableError, match="'mps' is not available: Apple MPS"):
        resolve_device("mps")


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
def test_cuda_names_resolve_with_an_index():
    assert resolve_device("cuda") == torch.device("cuda", 0)
    count = torch.cuda.device_count()
    assert f"cuda:{count - 1}" in available_devices()
    with pytest.raises(DeviceUnavailableError, match=f"only {count} CUDA device"):
        resolve_device(f"cuda:{count}")


# --- the dtype rule: a pure function of the device type and the dtype ---------------------


@pytest.mark.parametrize("device", ["cpu", "cuda", "cuda:1", torch.device("cpu")])
@pytest.mark.parametrize(("dtype", "name"), [("float64", "float64"), ("float32", "float32"),
                                           (np.float64, "float64"), (torch.float32, "float32")])
def test_cpu_and_cuda_compute_in_the_type_asked_for(device, dtype, name):
    choice = choose_dtype(device, dtype)
    assert choice.dtype == choice.requested == name
    assert not choice.switched and choice.note is None
    assert choice.torch_dtype == getattr(torch, choice.dtype)


@pytest.mark.parametrize("dtype", ["float64", np.float64, torch.float64, "double"])
def test_float64_on_mps_switches_to_float32_and_says_why(dtype):
    choice = choose_dtype("mps", dtype)
    assert (choice.dtype, choice.requested, choice.switched) == ("float32", "float64", True)
    assert choice.torch_dtype == torch.float32
    assert "\n" not in choice.note and "mps has no float64" in choice.note
    assert "--device cpu" in choice.note  # names the way back to float64


def test_float32_on_mps_is_left_alone():
    assert choose_dtype("mps", "float32") == DtypeChoice("float32", "float32", None)


@pytest.mark.parametrize("dtype", ["int64", np.int32, torch.float16, "half"])
def test_other_dtypes_are_one_line_errors(dtype):
    with pytest.raises(InvalidInputError, match="dtype must be float32 or float64"):
        choose_dtype("cpu", dtype)


def test_the_rule_needs_no_hardware(monkeypatch):
    # the same answers whatever the machine has: nothing is asked of torch's backends
    monkeypatch.setattr(device_module, "_mps_available", lambda: pytest.fail("looked at MPS"))
    monkeypatch.setattr(torch.cuda, "is_available", lambda: pytest.fail("looked at CUDA"))
    assert choose_dtype("mps", "float64").dtype == "float32"
    assert choose_dtype("cuda", "float64").dtype == "float64"


# --- how auto chooses, simulated -----------------------------------------------------------


@pytest.fixture
def mac(monkeypatch):
    """A machine that looks like a Mac with Apple silicon: MPS available, no CUDA."""
    monkeypatch.delenv(ENV_VAR, raising=False)
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.setattr(device_module, "_mps_available", lambda: True)


def test_auto_on_a_mac_is_mps(mac):
    assert resolve_device("auto") == torch.device("mps")
    assert resolve_device("mps") == torch.device("mps")
    assert available_devices() == ["cpu", "mps"]


def test_environment_variable_sets_what_auto_means(mac, monkeypatch):
    monkeypatch.setenv(ENV_VAR, " CPU ")
    assert resolve_device("auto") == torch.device("cpu")
    assert resolve_device("mps") == torch.device("mps")  # a device asked for by name ignores it
    monkeypatch.setenv(ENV_VAR, "auto")
    assert resolve_device("auto") == torch.device("mps")
    monkeypatch.setenv(ENV_VAR, "")
    assert resolve_device("auto") == torch.device("mps")


def test_environment_variable_errors_name_the_variable(mac, monkeypatch):
    monkeypatch.setenv(ENV_VAR, "tpu")
    with pytest.raises(InvalidInputError, match=r"unknown device 'tpu'.*\(from PATHLEARN_DEVICE=tpu\)"):
        resolve_device("auto")
    monkeypatch.setenv(ENV_VAR, "cuda")
    with pytest.raises(DeviceUnavailableError, match=r"'cuda' is not available.*PATHLEARN_DEVICE=cuda"):
        resolve_device("auto")
