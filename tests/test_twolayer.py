"""The two-layer network: four versions agree with each other and with autograd."""

import numpy as np
import pytest
import torch

from pathlearn import InvalidInputError, TrainingDivergedError
from pathlearn.twolayer import (
    SCHEDULES,
    TwoLayerNet,
    autograd_loss_and_grads,
    make_problem,
    numpy_loss_and_grads,
    torch_loss_and_grads,
    train_autograd,
    train_module,
    train_numpy,
    train_torch,
)

RTOL = 1e-9
TRAINERS = [train_numpy, train_torch, train_autograd, train_module]


@pytest.fixture(scope="module")
def problem():
    return make_problem(seed=1)


@pytest.fixture(scope="module")
def runs(problem):
    return {f.__name__: f(problem, steps=200) for f in TRAINERS}


def test_hand_written_gradients_match_autograd(problem):
    x, y, w1, w2 = (torch.tensor(a) for a in (problem.x, problem.y, problem.w1, problem.w2))
    loss_ref, grad_w1_ref, grad_w2_ref = autograd_loss_and_grads(
        x, y, w1.requires_grad_(), w2.requires_grad_()
    )
    for version in (numpy_loss_and_grads, torch_loss_and_grads):
        args = (problem.x, problem.y, problem.w1, problem.w2)
        if version is torch_loss_and_grads:
            args = tuple(torch.tensor(a) for a in args)
        loss, grad_w1, grad_w2 = version(*args)
        np.testing.assert_allclose(float(loss), loss_ref.item(), rtol=RTOL)
        np.testing.assert_allclose(np.asarray(grad_w1), grad_w1_ref.numpy(), rtol=RTOL, atol=0)
        np.testing.assert_allclose(np.asarray(grad_w2), grad_w2_ref.numpy(), rtol=RTOL, atol=0)


def test_gradients_match_autograd_with_negative_hidden_units():
    # The ReLU mask matters only where h < 0; make sure plenty of units are negative.
    problem = make_problem(8, 5, 7, 3, seed=2)
    frac_negative = float((problem.x @ problem.w1 < 0).mean())
    assert 0.2 < frac_negative < 0.8
    x, y, w1, w2 = (torch.tensor(a) for a in (problem.x, problem.y, problem.w1, problem.w2))
    _, g1_ref, g2_ref = autograd_loss_and_grads(x, y, w1.requires_grad_(), w2.requires_grad_())
    _, g1, g2 = numpy_loss_and_grads(problem.x, problem.y, problem.w1, problem.w2)
    np.testing.assert_allclose(g1, g1_ref.numpy(), rtol=RTOL, atol=1e-12)
    np.testing.assert_allclose(g2, g2_ref.numpy(), rtol=RTOL, atol=1e-12)


def test_all_versions_give_the_same_loss_at_every_step(runs):
    reference = runs["train_numpy"].losses
    assert reference[-1] < reference[0] * 1e-3  # it did learn
    for name, run in runs.items():
        np.testing.assert_allclose(run.losses, reference, rtol=RTOL, err_msg=name)


def test_all_versions_end_with_the_same_weights(runs):
    reference = runs["train_numpy"]
    for name, run in runs.items():
        np.testing.assert_allclose(run.w1, reference.w1, rtol=1e-9, atol=1e-12, err_msg=name)
        np.testing.assert_allclose(run.w2, reference.w2, rtol=1e-9, atol=1e-12, err_msg=name)


def test_module_starts_from_the_problem_weights(problem):
    model = TwoLayerNet.from_problem(problem)
    np.testing.assert_array_equal(model.linear1.weight.detach().numpy(), problem.w1.T)
    np.testing.assert_array_equal(model.linear2.weight.detach().numpy(), problem.w2.T)
    y_pred = model(torch.tensor(problem.x)).detach().numpy()
    np.testing.assert_allclose(y_pred, np.maximum(problem.x @ problem.w1, 0) @ problem.w2, rtol=1e-12)


def test_training_leaves_the_problem_untouched():
    problem = make_problem(4, 6, 5, 2, seed=3)
    before = [a.copy() for a in (problem.x, problem.y, problem.w1, problem.w2)]
    for train in TRAINERS:
        train(problem, steps=3)
    for a, b in zip(before, (problem.x, problem.y, problem.w1, problem.w2), strict=True):
        np.testing.assert_array_equal(a, b)


def test_same_seed_same_problem_and_float32():
    a, b = make_problem(seed=7), make_problem(seed=7)
    np.testing.assert_array_equal(a.w1, b.w1)
    assert not np.array_equal(a.w1, make_problem(seed=8).w1)
    small = make_problem(dtype=np.float32)
    assert small.x.dtype == np.float32
    run = train_autograd(small, steps=50)
    assert run.losses[-1] < run.losses[0]


def test_too_large_a_learning_rate_diverges_with_its_history(problem):
    with pytest.raises(TrainingDivergedError, match="diverged") as info:
        train_module(problem, lr=1e-4, steps=200)
    losses = info.value.history["losses"]
    assert len(losses) == info.value.step > 0
    assert np.all(np.isfinite(losses))
    assert losses[-1] > losses[0]  # it was growing before it overflowed


@pytest.mark.parametrize("schedule", SCHEDULES)
def test_schedules_shape_the_learning_rate(problem, schedule):
    lr, steps = 1e-6, 120
    run = train_module(problem, lr=lr, steps=steps, schedule=schedule)
    lrs = run.lrs
    assert len(lrs) == len(run.losses) == steps
    if schedule == "constant":
        assert np.all(lrs == lr)
    elif schedule == "onecycle":
        peak = int(np.argmax(lrs))
        assert 0 < peak < steps - 1 and lrs[peak] == pytest.approx(lr)
        assert lrs[0] < lr / 10 and lrs[-1] < lr / 10
    else:
        assert lrs[0] == lr and np.all(np.diff(lrs) <= 0)
    if schedule == "step":
        assert lrs[steps // 4] == lr / 2 and lrs[steps // 4 - 1] == lr
    if schedule == "exponential":
        assert lrs[-1] == pytest.approx(lr * 0.01 ** ((steps - 1) / steps))


def test_plateau_lowers_the_rate_only_when_the_loss_stalls(problem):
    run = train_module(problem, lr=2e-6, steps=300, schedule="plateau")
    drops = np.flatnonzero(np.diff(run.lrs) < 0) + 1
    assert len(drops) > 0
    first = drops[0]
    window = run.losses[first - 11 : first]
    # ReduceLROnPlateau's default threshold: an improvement must beat the best by 0.01%
    assert window.min() >= run.losses[: first - 11].min() * (1 - 1e-4)
    assert run.losses[: first - 11].min() < run.losses[0]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"lr": 0}, "lr must be a positive number"),
        ({"lr": -1e-6}, "lr must be a positive number"),
        ({"lr": float("nan")}, "lr must be a positive number"),
        ({"steps": 0}, "steps must be a positive integer"),
        ({"steps": 2.5}, "steps must be a positive integer"),
        ({"schedule": "linear"}, "unknown schedule 'linear'"),
        ({"device": "tpu"}, "unknown device 'tpu'"),
    ],
)
def test_bad_arguments_are_one_line_errors(problem, kwargs, message):
    with pytest.raises(InvalidInputError, match=message) as info:
        train_module(problem, **kwargs)
    assert "\n" not in str(info.value)


def test_bad_sizes_and_dtype():
    with pytest.raises(InvalidInputError, match="H must be a positive integer"):
        make_problem(H=0)
    with pytest.raises(InvalidInputError, match="dtype must be float32 or float64"):
        make_problem(dtype=np.int64)


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
def test_cuda_matches_cpu(problem):
    cpu = train_autograd(problem, steps=100, device="cpu")
    gpu = train_autograd(problem, steps=100, device="cuda")
    assert gpu.device.startswith("cuda") and isinstance(gpu.losses, np.ndarray)
    np.testing.assert_allclose(gpu.losses, cpu.losses, rtol=1e-6)


@pytest.mark.parametrize("trainer", [train_torch, train_autograd, train_module])
def test_float64_on_a_device_without_float64_computes_in_float32(problem, trainer, monkeypatch):
    # The rule is a pure function of the device type: marking the CPU as a device without float64
    # (as MPS is) runs the whole switched path for real on this machine.
    from pathlearn import device

    monkeypatch.setattr(device, "NO_FLOAT64", device.NO_FLOAT64 | {"cpu"})
    with pytest.warns(UserWarning, match="cpu has no float64, so this run computes in float32") as caught:
        switched = trainer(problem, steps=50, device="cpu")
    assert len(caught) == 1 and caught[0].filename == __file__  # points at the caller's line
    assert switched.w1.dtype == switched.w2.dtype == np.float32
    assert problem.x.dtype == problem.w1.dtype == np.float64  # the problem is left as it was
    monkeypatch.setattr(device, "NO_FLOAT64", frozenset({"mps"}))
    in_float32 = trainer(make_problem(seed=1, dtype="float32"), steps=50, device="cpu")
    np.testing.assert_array_equal(switched.losses, in_float32.losses)  # the same as asking for float32
