"""Device resolution: auto picks the best device; a device asked for is never swapped."""

import pytest
import torch

from pathlearn import DeviceUnavailableError, InvalidInputError, available_devices, resolve_device


def test_cpu_is_always_available():
    assert resolve_device("cpu") == torch.device("cpu")
    assert resolve_device(torch.device("cpu")) == torch.device("cpu")
    assert resolve_device(" CPU ") == torch.device("cpu")
    assert available_devices()[0] == "cpu"


def test_auto_prefers_cuda_then_mps_then_cpu():
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
