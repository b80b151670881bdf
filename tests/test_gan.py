"""The GAN: the W1 distance, reproducibility, input checks, divergence, shapes and quality."""

import dataclasses
import math
import re

import numpy as np
import pytest
import torch
from scipy import stats
from torch import nn

from pathlearn import InvalidInputError, TrainingDivergedError
from pathlearn.gan import (
    RECIPES,
    BatchStatistics,
    GANResult,
    LinearSkip,
    Rescale,
    Standardize,
    batch_size_at,
    dist_line,
    lr_factor,
    make_discriminator,
    make_generator,
    sample,
    train_gan,
    update_average,
    wasserstein1_to_normal,
)
from pathlearn.weights import load_model, weights_bytes

QUICK = {"steps": 40, "eval_samples": 2000, "snapshots": 5, "snapshot_samples": 100, "device": "cpu"}


def normal_quantiles(mean, std, n):
    return stats.norm.ppf((np.arange(n) + 0.5) / n, loc=mean, scale=std)


@pytest.fixture(scope="module")
def quick():
    return train_gan(seed=3, **QUICK)


# --- Wasserstein-1 -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("draw", "mean", "std"),
    [
        (lambda rng: rng.normal(5, 2, 3000), 5.0, 2.0),
        (lambda rng: rng.normal(5.3, 1.7, 3000), 5.0, 2.0),  # shifted and narrower
        (lambda rng: rng.uniform(-1, 1, 3000), 0.0, 1.0),  # not normal at all
        (lambda rng: rng.normal(-3, 0.5, 7), -3.0, 0.5),  # a handful of samples
    ],
)
def test_w1_matches_scipy_against_a_fine_quantile_grid(draw, mean, std):
    x = draw(np.random.default_rng(0))
    reference = normal_quantiles(mean, std, 2_000_000)
    expected = stats.wasserstein_distance(x, reference)
    assert wasserstein1_to_normal(x, mean, std) == pytest.approx(expected, rel=2e-3, abs=1e-5)


def test_w1_matches_numeric_integration_of_the_cdf_gap():
    x = np.random.default_rng(1).normal(0.2, 1.1, 500)
    grid = np.linspace(-12, 12, 2_000_001)
    gap = np.abs(np.searchsorted(np.sort(x), grid, side="right") / x.size - stats.norm.cdf(grid))
    expected = np.trapezoid(gap, grid)
    assert wasserstein1_to_normal(x, 0.0, 1.0) == pytest.approx(expected, rel=1e-4)


def test_w1_of_a_perfect_quantile_sample_is_almost_zero():
    x = normal_quantiles(5, 2, 100_000)
    assert wasserstein1_to_normal(x, 5, 2) < 1e-4
    assert wasserstein1_to_normal(x[::-1].copy(), 5, 2) < 1e-4  # order does not matter
    # a pure shift d costs exactly |d|, a pure rescale costs |ds| * E|Z|
    assert wasserstein1_to_normal(x + 0.3, 5, 2) == pytest.approx(0.3, abs=1e-4)
    assert wasserstein1_to_normal(5 + (x - 5) * 1.1, 5, 2) == pytest.approx(
        0.2 * math.sqrt(2 / math.pi), abs=1e-4
    )


@pytest.mark.parametrize(
    ("samples", "mean", "std", "message"),
    [
        (np.ones(3), 0.0, 0.0, "std must be a positive number"),
        (np.ones(3), float("nan"), 1.0, "mean must be a finite number"),
        (np.array([]), 0.0, 1.0, "non-empty 1-D"),
        (np.ones((2, 2)), 0.0, 1.0, "non-empty 1-D"),
        (np.array([0.0, np.inf]), 0.0, 1.0, "samples must be finite"),
    ],
)
def test_w1_rejects_bad_input(samples, mean, std, message):
    with pytest.raises(InvalidInputError, match=message):
        wasserstein1_to_normal(samples, mean, std)


# --- the nets ------------------------------------------------------------------------------


def test_nets_are_sequential_and_small():
    generator = make_generator()
    discriminator = make_discriminator(batch_stats=True)
    assert isinstance(generator, torch.nn.Sequential) and isinstance(discriminator, torch.nn.Sequential)
    assert isinstance(discriminator[0], BatchStatistics)  # no Standardize at loc 0, scale 1
    assert isinstance(make_discriminator(batch_stats=True, loc=5.0, scale=2.0)[0], Standardize)
    assert not any(isinstance(m, BatchStatistics) for m in make_discriminator(batch_stats=False))
    for net in (generator, discriminator):
        assert sum(p.numel() for p in net.parameters()) < 5000
    x = torch.randn(7, 1)
    assert generator(x).shape == (7, 1)
    assert discriminator(x).shape == (7, 1)
    assert discriminator(torch.randn(2, 7, 1)).shape == (2, 7, 1)


def test_rescale_inverts_standardize_and_only_sets_units():
    x = torch.randn(20, 1, dtype=torch.float64)
    torch.testing.assert_close(Rescale(5.0, 2.0).double()(Standardize(5.0, 2.0).double()(x)), x)
    torch.manual_seed(0)
    plain = make_generator()
    torch.manual_seed(0)
    scaled = make_generator(loc=5.0, scale=2.0)
    assert isinstance(scaled[-1], Rescale) and not any(isinstance(m, Rescale) for m in plain)
    torch.testing.assert_close(scaled(x.float()), plain(x.float()) * 2 + 5)
    # same learnable parameters: the rescale is fixed (buffers, saved with the weights)
    assert [p.shape for p in scaled.parameters()] == [p.shape for p in plain.parameters()]
    assert set(dict(scaled.named_buffers())) == {"5.loc", "5.scale"}


def test_linear_skip_puts_a_linear_path_beside_the_network_whose_output_starts_at_zero():
    torch.manual_seed(0)
    generator = make_generator(hidden=8, layers=1, loc=5.0, scale=2.0, skip=True)
    skip = generator[0]
    assert isinstance(skip, LinearSkip) and isinstance(generator[-1], Rescale) and len(generator) == 2
    z = torch.randn(50, 1)
    with torch.no_grad():
        torch.testing.assert_close(skip(z), skip.linear(z) + skip.mlp(z))
        assert (skip.mlp(z) == 0).all()  # G starts as a random affine map plus nothing
        torch.testing.assert_close(generator(z), skip.linear(z) * 2 + 5)
    assert skip.linear.weight.item() != 0 and [p.shape for p in skip.linear.parameters()] == [(1, 1), (1,)]
    # the network is drawn first, as without the skip path, then the linear path
    torch.manual_seed(0)
    plain = make_generator(hidden=8, layers=1)
    for mine, theirs in zip(skip.mlp[0].parameters(), plain[0].parameters(), strict=True):
        assert torch.equal(mine, theirs)
    unscaled = make_generator(hidden=8, layers=1, skip=True)
    assert isinstance(unscaled[0], LinearSkip) and len(unscaled) == 1


def test_the_fixed_recipe_has_the_skip_path_and_plain_has_not(quick):
    assert RECIPES["fixed"].g_skip and not RECIPES["plain"].g_skip
    assert quick.generator_config["skip"] is True and isinstance(quick.generator[0], LinearSkip)
    plain = train_gan(variant="plain", seed=0, **QUICK)
    assert plain.generator_config["skip"] is False
    assert not any(isinstance(m, LinearSkip) for m in plain.generator.modules())
    without = train_gan(recipe=dataclasses.replace(RECIPES["fixed"], g_skip=False), seed=3, **QUICK)
    assert not any(isinstance(m, LinearSkip) for m in without.generator.modules())


def test_batch_statistics_are_per_batch():
    x = torch.randn(3, 50, 1, dtype=torch.float64) * torch.tensor([1.0, 2.0, 3.0]).view(3, 1, 1)
    out = BatchStatistics()(x)
    assert out.shape == (3, 50, 6)
    for k in range(3):
        alone = BatchStatistics()(x[k])
        torch.testing.assert_close(out[k], alone)  # a stack is judged batch by batch
        batch = x[k, :, 0].numpy()
        torch.testing.assert_close(alone[:, 0], x[k, :, 0])
        np.testing.assert_allclose(alone[:, 2].numpy(), batch.mean())
        np.testing.assert_allclose(alone[:, 3].numpy(), batch.std(ddof=1))
        np.testing.assert_allclose(alone[:, 1].numpy(), (batch - batch.mean()) / batch.std(ddof=1))
        np.testing.assert_allclose(alone[:, 4].numpy(), stats.skew(batch) * (49 / 50) ** 1.5)
        np.testing.assert_allclose(alone[:, 5].numpy(), (stats.kurtosis(batch) + 3) * (49 / 50) ** 2 - 3)


def test_batch_statistics_let_the_discriminator_see_the_spread():
    # The same sample value gets a different verdict in a wide and in a narrow batch.
    torch.manual_seed(0)
    discriminator = make_discriminator(batch_stats=True)
    narrow = torch.tensor([[0.0], [0.1], [-0.1]])
    wide = torch.tensor([[0.0], [3.0], [-3.0]])
    assert discriminator(narrow)[0].item() != discriminator(wide)[0].item()
    per_sample = make_discriminator(batch_stats=False)
    assert per_sample(narrow)[0].item() == per_sample(wide)[0].item()


def test_sample_is_seeded_and_plain_numpy():
    torch.manual_seed(0)
    generator = make_generator()
    a, b = sample(generator, 500, seed=1), sample(generator, 500, seed=1)
    assert isinstance(a, np.ndarray) and a.shape == (500,) and a.dtype == np.float64
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, sample(generator, 500, seed=2))
    with pytest.raises(InvalidInputError, match="n must be a positive integer"):
        sample(generator, 0)


# --- training ------------------------------------------------------------------------------


def test_result_fields_shapes_and_types(quick):
    assert isinstance(quick, GANResult)
    for name in ("real_mean", "real_std", "fake_mean", "fake_std", "wasserstein1", "mean", "std",
                 "seconds"):
        assert type(getattr(quick, name)) is float, name
    assert (quick.variant, quick.seed, quick.steps, quick.device) == ("fixed", 3, 40, "cpu")
    for key in ("step", "d_loss", "g_loss", "fake_mean", "fake_std", "lr", "batch_size"):
        assert isinstance(quick.history[key], np.ndarray) and quick.history[key].shape == (40,), key
        assert np.isfinite(quick.history[key]).all(), key
    np.testing.assert_array_equal(quick.history["step"], np.arange(40))
    np.testing.assert_array_equal(quick.snapshot_steps, [0, 10, 20, 30, 40])
    assert quick.snapshots.shape == (5, 100)
    # the last snapshot comes from the returned generator
    np.testing.assert_array_equal(quick.snapshots[-1], sample(quick.generator, 100, seed=3))
    assert not quick.generator.training
    real = np.random.default_rng(3).normal(5, 2, 2000)
    assert quick.real_mean == pytest.approx(real.mean()) and quick.real_std == pytest.approx(real.std())
    fake = sample(quick.generator, 2000, seed=3)
    assert quick.fake_mean == pytest.approx(fake.mean())
    assert quick.wasserstein1 == pytest.approx(wasserstein1_to_normal(fake, 5, 2))


def test_learning_rate_warms_up_then_decays_and_batches_grow(quick):
    lr = quick.history["lr"]
    peak = int(np.argmax(lr))
    assert lr[peak] == pytest.approx(RECIPES["fixed"].lr)
    assert (np.diff(lr[: peak + 1]) > 0).all() and (np.diff(lr[peak:]) < 0).all()
    sizes = quick.history["batch_size"]
    assert sizes[0] == RECIPES["fixed"].batch_size and (np.diff(sizes) >= 0).all()


def test_plain_variant_keeps_lr_and_batch_constant():
    result = train_gan(variant="plain", seed=0, **QUICK)
    assert result.variant == "plain"
    assert (result.history["lr"] == RECIPES["plain"].lr).all()
    assert (result.history["batch_size"] == RECIPES["plain"].batch_size).all()
    assert not any(isinstance(m, BatchStatistics) for m in result.discriminator)


def test_plain_variant_is_the_tutorials_loop_bit_for_bit():
    # The GAN page shows this model and loop whole and asserts the same identity (1000 steps):
    # plain must draw from the global generator in exactly this order and use non-fused Adam.
    SEED, MEAN, STD, STEPS, N = 4, 5.0, 2.0, 30, 3000
    torch.manual_seed(SEED)
    G = nn.Sequential(nn.Linear(1, 32), nn.ELU(), nn.Linear(32, 32), nn.ELU(), nn.Linear(32, 1))
    D = nn.Sequential(nn.Linear(1, 16), nn.LeakyReLU(0.2), nn.Linear(16, 16), nn.LeakyReLU(0.2),
                      nn.Linear(16, 1))
    optimizer = torch.optim.Adam([*G.parameters(), *D.parameters()], lr=1e-3)  # not fused
    bce = nn.BCEWithLogitsLoss()
    for _ in range(STEPS):
        real = MEAN + STD * torch.randn(256, 1)
        fake = G(torch.randn(256, 1))
        logits = D(torch.stack([real, fake]))
        d_loss = bce(logits[0], torch.ones_like(logits[0])) + bce(logits[1], torch.zeros_like(logits[1]))
        g_loss = bce(logits[1], torch.ones_like(logits[1]))
        optimizer.zero_grad()
        d_loss.backward(inputs=list(D.parameters()), retain_graph=True)
        g_loss.backward(inputs=list(G.parameters()))
        optimizer.step()
    state_after_loop = torch.get_rng_state()

    result = train_gan(mean=MEAN, std=STD, variant="plain", seed=SEED, device="cpu", steps=STEPS,
                       eval_samples=N, snapshots=3, snapshot_samples=50)
    assert torch.equal(torch.get_rng_state(), state_after_loop)  # nothing else drawn
    assert str(result.generator) == str(G) and str(result.discriminator) == str(D)
    for package_net, page_net in ((result.generator, G), (result.discriminator, D)):
        for mine, theirs in zip(package_net.parameters(), page_net.parameters(), strict=True):
            assert torch.equal(mine, theirs)
    real = np.random.default_rng(SEED).normal(MEAN, STD, N)
    generated = sample(G.eval(), N, seed=SEED)
    expected = GANResult(real.mean(), real.std(), generated.mean(), generated.std(), 0.0, MEAN, STD,
                         "plain", SEED, STEPS, "cpu", 0.0, {}, np.array([]), np.array([]), G, D)
    assert result.dist_line() == dist_line(expected)


def test_update_average_is_the_running_mean_of_the_weights():
    torch.manual_seed(0)
    nets = [make_generator(hidden=4) for _ in range(3)]
    averaged = make_generator(hidden=4)
    for count, net in enumerate(nets, start=1):
        update_average(averaged, net, count)
    for mean_param, *params in zip(averaged.parameters(), *(n.parameters() for n in nets), strict=True):
        torch.testing.assert_close(mean_param, torch.stack(params).mean(0))


def test_schedules_of_the_two_recipes():
    fixed, plain = RECIPES["fixed"], RECIPES["plain"]
    assert [lr_factor(plain, step, 1000) for step in (0, 500, 999)] == [1.0, 1.0, 1.0]
    assert lr_factor(fixed, 0, 1000) == pytest.approx(1 / fixed.warmup)
    assert lr_factor(fixed, fixed.warmup - 1, 1000) == 1.0
    assert lr_factor(fixed, 999, 1000) == pytest.approx(fixed.lr_final)
    assert lr_factor(fixed, 0, 10) == pytest.approx(1 / 5)  # warm-up at most half of training
    assert batch_size_at(plain, 256, 999, 1000) == 256
    assert batch_size_at(fixed, 256, 0, 1000) == 256
    assert batch_size_at(fixed, 256, 500, 1000) == round(256 * math.sqrt(fixed.batch_growth))


def test_fixed_returns_g_averaged_from_average_from_on(quick):
    """The returned G is the running mean of G's weights from `average_from * steps` on: averaging
    only the last step gives G as it ends, the recipe's window gives other weights."""
    fixed = RECIPES["fixed"]
    linear = [m for m in quick.generator[0].mlp if isinstance(m, nn.Linear)]  # the network beside the skip path
    assert [(m.in_features, m.out_features) for m in linear] == [(1, fixed.g_hidden), (fixed.g_hidden, 1)]
    assert fixed.g_layers == 1 and 0 < fixed.average_from < 1
    steps = QUICK["steps"]
    end = train_gan(recipe=dataclasses.replace(fixed, average_from=None), seed=3, **QUICK)
    only_last = train_gan(recipe=dataclasses.replace(fixed, average_from=(steps - 1) / steps), seed=3, **QUICK)
    for a, b, c in zip(end.generator.parameters(), only_last.generator.parameters(), quick.generator.parameters(),
                       strict=True):
        assert torch.equal(a, b) and not torch.equal(a, c)


def test_a_custom_recipe_replaces_the_variants():
    recipe = dataclasses.replace(RECIPES["fixed"], batch_stats=False, average_from=None)
    result = train_gan(recipe=recipe, variant="fixed without batch statistics", seed=0, **QUICK)
    assert result.variant == "fixed without batch statistics"
    assert not any(isinstance(m, BatchStatistics) for m in result.discriminator)
    assert result.history["lr"].max() == pytest.approx(RECIPES["fixed"].lr)
    same = train_gan(recipe=RECIPES["fixed"], seed=3, **QUICK)
    np.testing.assert_array_equal(same.snapshots, train_gan(seed=3, **QUICK).snapshots)


def test_same_seed_same_numbers(quick):
    again = train_gan(seed=3, **QUICK)
    for name in ("fake_mean", "fake_std", "wasserstein1", "real_mean", "real_std"):
        assert getattr(again, name) == getattr(quick, name), name
    for key, values in quick.history.items():
        np.testing.assert_array_equal(again.history[key], values, err_msg=key)
    np.testing.assert_array_equal(again.snapshots, quick.snapshots)
    other = train_gan(seed=4, **QUICK)
    assert other.fake_mean != quick.fake_mean


def test_dist_line_has_the_seed_posts_format(quick):
    line = dist_line(quick)
    assert line == quick.dist_line()
    number = r"(-?\d+\.\d{1,3})"
    match = re.fullmatch(rf"Real Dist \(\[{number}, {number}\]\), Fake Dist \(\[{number}, {number}\]\)", line)
    assert match, line
    values = [float(v) for v in match.groups()]
    expected = [quick.real_mean, quick.real_std, quick.fake_mean, quick.fake_std]
    assert values == [round(v, 3) for v in expected]


def test_weights_round_trip(quick, tmp_path):
    for model, kind, config in (
        (quick.generator, "gan.generator", quick.generator_config),
        (quick.discriminator, "gan.discriminator", quick.discriminator_config),
    ):
        path = tmp_path / f"{kind}.safetensors"
        path.write_bytes(weights_bytes(model, kind, config))
        loaded = load_model(path)
        assert str(loaded) == str(model)  # the same structure, the skip path included
        x = torch.randn(2, 9, 1)
        torch.testing.assert_close(loaded(x), model(x))
    assert isinstance(load_model(tmp_path / "gan.generator.safetensors")[0], LinearSkip)


def test_weights_saved_before_the_skip_path_load_as_before(tmp_path):
    """A generator file whose config has no `skip` (saved before it existed) rebuilds G without it."""
    torch.manual_seed(0)
    old = make_generator(hidden=8, layers=1, loc=5.0, scale=2.0)
    path = tmp_path / "old.safetensors"
    path.write_bytes(weights_bytes(old, "gan.generator", {"hidden": 8, "layers": 1, "loc": 5.0, "scale": 2.0}))
    loaded = load_model(path)
    assert str(loaded) == str(old)
    z = torch.randn(5, 1)
    torch.testing.assert_close(loaded(z), old(z))


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"steps": 0}, "steps must be a positive integer"),
        ({"steps": 2.5}, "steps must be a positive integer"),
        ({"lr": 0.0}, "lr must be a positive number"),
        ({"lr": -1e-3}, "lr must be a positive number"),
        ({"std": 0.0}, "std must be a positive number"),
        ({"std": float("inf")}, "std must be a positive number"),
        ({"mean": float("nan")}, "mean must be a finite number"),
        ({"mean": "five"}, "mean must be a finite number"),
        ({"variant": "wgan"}, "unknown variant 'wgan': use one of plain, fixed"),
        ({"batch_size": 1}, "batch_size must be at least 2"),
        ({"eval_samples": 0}, "eval_samples must be a positive integer"),
        ({"snapshots": 0}, "snapshots must be a positive integer"),
        ({"device": "tpu"}, "unknown device"),
    ],
)
def test_bad_inputs_raise_one_clear_line(kwargs, message):
    with pytest.raises(InvalidInputError, match=re.escape(message)) as info:
        train_gan(**{"steps": 2, **kwargs})
    assert "\n" not in str(info.value)


def test_a_huge_learning_rate_diverges_with_the_history_so_far():
    with pytest.raises(TrainingDivergedError, match="training diverged") as info:
        train_gan(lr=1e30, seed=0, **{**QUICK, "steps": 300})
    error = info.value
    assert 0 <= error.step < 300
    assert error.history["d_loss"].shape == (error.step,)
    assert np.isfinite(error.history["d_loss"]).all() and np.isfinite(error.history["g_loss"]).all()


# --- quality (slow) ------------------------------------------------------------------------


def assert_meets_the_bar(result):
    tolerance = 0.025 * result.std
    assert abs(result.fake_mean - result.mean) <= tolerance, dist_line(result)
    assert abs(result.fake_std - result.std) <= tolerance, dist_line(result)
    assert result.wasserstein1 <= tolerance, result.wasserstein1


@pytest.mark.slow
@pytest.mark.parametrize("seed", [0, 1])
def test_fixed_gan_learns_n_5_2(seed):
    result = train_gan(seed=seed, device="cpu")
    assert_meets_the_bar(result)
    assert result.seconds < 60  # about 5 s on a 2-core machine; this only catches a hang


@pytest.mark.slow
@pytest.mark.parametrize(("mean", "std"), [(0.0, 1.0), (-3.0, 0.5), (20.0, 5.0)])
def test_fixed_gan_learns_other_targets(mean, std):
    assert_meets_the_bar(train_gan(mean=mean, std=std, seed=0, device="cpu"))


@pytest.mark.slow
def test_plain_gan_misses_the_bar_and_can_come_out_too_narrow():
    runs = [train_gan(variant="plain", seed=seed, device="cpu", eval_samples=20_000)
            for seed in range(5)]
    for run in runs:
        with pytest.raises(AssertionError):
            assert_meets_the_bar(run)
    # the seed post's failure: a spread clearly narrower than the target's
    assert min(run.fake_std for run in runs) < 0.9 * 2.0, [run.fake_std for run in runs]


@pytest.mark.gpu
def test_cuda_run_meets_the_bar_and_returns_plain_floats():
    if not torch.cuda.is_available():
        pytest.skip("needs a CUDA GPU")
    result = train_gan(seed=0, device="cuda")
    assert result.device.startswith("cuda")
    assert next(result.generator.parameters()).is_cuda
    for name in ("fake_mean", "fake_std", "wasserstein1", "seconds"):
        assert type(getattr(result, name)) is float, name
    assert all(isinstance(v, np.ndarray) for v in result.history.values())
    assert_meets_the_bar(result)
