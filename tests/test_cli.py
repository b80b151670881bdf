"""The command line: results, --out files, and one-line errors with the right exit status."""

import dataclasses
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

import pathlearn
from pathlearn.cli import main
from pathlearn.weights import load_model


def run(capsys, *args):
    status = main([str(a) for a in args])
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def assert_one_line_error(status, err, expected_status=2):
    assert status == expected_status
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("Error: ") and "Traceback" not in err


def test_version_and_help(capsys):
    status, out, _ = run(capsys, "--version")
    assert status == 0 and pathlearn.__version__ in out
    status, out, _ = run(capsys, "--help")
    assert status == 0
    for command in ("twolayer", "lstm", "gan"):
        assert command in out
    status, _, err = run(capsys)
    assert status == 2 and "Usage:" in err


def test_console_script_and_module_entry_points():
    script = Path(sys.executable).with_name("pathlearn")  # installed next to this interpreter
    for argv in ([str(script), "--version"], [sys.executable, "-m", "pathlearn", "--version"]):
        done = subprocess.run(argv, capture_output=True, text=True, check=False, timeout=120)
        assert done.returncode == 0, done.stderr
        assert done.stdout.strip() == f"pathlearn, version {pathlearn.__version__}"


def test_twolayer_writes_metrics_plot_and_weights(capsys, tmp_path):
    out = tmp_path / "run"
    status, stdout, _ = run(capsys, "twolayer", "--steps", 50, "--seed", 3, "--out", out)
    assert status == 0
    metrics = json.loads((out / "metrics.json").read_text())
    for key in ("device", "seed", "seconds", "numpy_final_loss", "torch_final_loss"):
        assert key in metrics
    assert metrics["device"] == "cpu" and metrics["seed"] == 3 and metrics["seconds"] > 0
    assert metrics["numpy_final_loss"] == pytest.approx(metrics["torch_final_loss"], rel=1e-9)
    assert f"{metrics['numpy_final_loss']:.6g}" in stdout
    assert (out / "twolayer.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    model = load_model(out / "twolayer.safetensors")
    problem = pathlearn.twolayer.make_problem(seed=3)
    y_pred = model(torch.from_numpy(problem.x)).detach().numpy()
    loss = float(np.square(y_pred - problem.y).sum())
    assert loss < metrics["torch_final_loss"]  # one more step of descent than the last loss
    assert sorted(p.name for p in out.iterdir()) == ["metrics.json", "twolayer.png", "twolayer.safetensors"]


def test_same_seed_same_metrics(capsys, tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    for out in (a, b):
        assert run(capsys, "twolayer", "--steps", 20, "--out", out)[0] == 0
    ma, mb = (json.loads((d / "metrics.json").read_text()) for d in (a, b))
    for key in ("seconds", "numpy_seconds", "torch_seconds"):
        ma.pop(key), mb.pop(key)
    assert ma == mb


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["twolayer", "--steps", "0"], "'--steps': 0 is not in the range"),
        (["twolayer", "--steps", "-5"], "'--steps'"),
        (["twolayer", "--lr", "0"], "'--lr': '0' is not a positive number"),
        (["twolayer", "--lr", "-1"], "'--lr'"),
        (["twolayer", "--lr", "nan"], "'--lr'"),
        (["twolayer", "--lr", "abc"], "'--lr': 'abc' is not a number"),
        (["twolayer", "--device", "tpu"], "unknown device 'tpu'"),
        (["twolayer", "--seed", "-1"], "'--seed'"),
        (["nosuch"], "No such command 'nosuch'"),
    ],
)
def test_bad_input_is_one_line_and_status_2(capsys, tmp_path, args, message):
    out = tmp_path / "out"
    status, _, err = run(capsys, *args, "--out", out)
    assert_one_line_error(status, err)
    assert message in err
    assert not out.exists()


@pytest.mark.skipif(torch.cuda.is_available(), reason="this machine has CUDA")
def test_unavailable_device_is_named(capsys):
    status, _, err = run(capsys, "twolayer", "--device", "cuda:1")
    assert_one_line_error(status, err)
    assert "'cuda:1' is not available" in err


def test_unwritable_out_fails_before_training(capsys, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("keep me")
    for out in (blocker, blocker / "sub"):
        status, stdout, err = run(capsys, "twolayer", "--steps", 5, "--out", out)
        assert_one_line_error(status, err)
        assert "cannot write to --out" in err and stdout == ""
    assert blocker.read_text() == "keep me"


def test_divergence_is_one_line_status_1_and_keeps_earlier_results(capsys, tmp_path):
    out = tmp_path / "run"
    assert run(capsys, "twolayer", "--steps", 10, "--out", out)[0] == 0
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    status, _, err = run(capsys, "twolayer", "--lr", "1e-3", "--out", out)
    assert_one_line_error(status, err, expected_status=1)
    assert "diverged" in err
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before


def test_errors_from_a_real_process_have_no_traceback(tmp_path):
    env = {**os.environ, "PYTHONWARNINGS": "error"}
    done = subprocess.run([sys.executable, "-m", "pathlearn", "twolayer", "--lr", "1e-3"], capture_output=True,
                          text=True, env=env, check=False, timeout=120)
    assert done.returncode == 1
    assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
def test_twolayer_on_cuda(capsys, tmp_path):
    status, _, _ = run(capsys, "twolayer", "--steps", 20, "--device", "cuda", "--out", tmp_path)
    assert status == 0
    assert json.loads((tmp_path / "metrics.json").read_text())["device"].startswith("cuda")


def test_lstm_on_the_airline_series(capsys, tmp_path):
    status, stdout, _ = run(capsys, "lstm", "--method", "recursive", "--epochs", 30, "--out", tmp_path)
    assert status == 0
    metrics = json.loads((tmp_path / "metrics.json").read_text())
    for key in ("device", "seed", "seconds", "rmse", "baseline_rmse", "horizon"):
        assert key in metrics
    assert metrics["horizon"] == 12 and len(metrics["forecast"]) == len(metrics["future"]) == 12
    assert f"LSTM RMSE {metrics['rmse']:.2f} vs seasonal naive {metrics['baseline_rmse']:.2f}" in stdout
    assert (metrics["method"], metrics["members"], metrics["window"]) == ("recursive", 1, 12)
    model = load_model(tmp_path / "lstm.safetensors")
    assert type(model).__name__ == "LSTMForecaster"


def test_lstm_direct_method_saves_the_ensemble(capsys, tmp_path):
    status, _, err = run(capsys, "lstm", "--method", "direct", "--members", 2, "--epochs", 5, "--out", tmp_path)
    assert status == 0, err
    metrics = json.loads((tmp_path / "metrics.json").read_text())
    assert (metrics["method"], metrics["members"], metrics["window"]) == ("direct", 2, 36)
    model = load_model(tmp_path / "lstm.safetensors")
    assert type(model).__name__ == "Ensemble" and len(model.models) == 2


def test_lstm_auto_method_is_the_default_and_reports_its_choice(capsys, tmp_path):
    status, stdout, err = run(capsys, "lstm", "--epochs", 5, "--out", tmp_path)
    assert status == 0, err
    metrics = json.loads((tmp_path / "metrics.json").read_text())
    scores = metrics["validation"]
    assert set(scores) == {"recursive", "hybrid"} and metrics["method"] == min(scores, key=scores.get)
    assert f"chose {metrics['method']} on the training part's last values" in stdout
    model = load_model(tmp_path / "lstm.safetensors")
    assert type(model).__name__ == {"recursive": "LSTMForecaster", "hybrid": "Ensemble"}[metrics["method"]]
    status, _, err = run(capsys, "lstm", "--method", "auto", "--window", 12, "--out", tmp_path / "w")
    assert status != 0 and "leave window" in err


def test_lstm_hybrid_method(capsys, tmp_path):
    status, _, err = run(capsys, "lstm", "--method", "hybrid", "--epochs", 5, "--out", tmp_path)
    assert status == 0, err
    metrics = json.loads((tmp_path / "metrics.json").read_text())
    from pathlearn.lstm import HYBRID_DEFAULTS

    assert (metrics["method"], metrics["transform"]) == ("hybrid", "smoothing")
    assert (metrics["alpha"], metrics["gamma"]) == (HYBRID_DEFAULTS["alpha"], HYBRID_DEFAULTS["gamma"])
    assert metrics["members"] == HYBRID_DEFAULTS["members"] and len(metrics["forecast"]) == 12
    model = load_model(tmp_path / "lstm.safetensors")
    assert type(model).__name__ == "Ensemble" and model.models[0].level == 0


def test_lstm_forecasts_a_users_csv_column(capsys, tmp_path):
    months = 60
    rows = ["month,visitors,rain"] + [
        f"m{t},{100 + t + 10 * np.sin(2 * np.pi * t / 6):.3f},{t % 3}" for t in range(months)
    ]
    csv = tmp_path / "shop.csv"
    csv.write_text("\n".join(rows) + "\n")
    status, _, err = run(capsys, "lstm", "--csv", csv, "--column", "visitors", "--season", 6,
                         "--horizon", 6, "--epochs", 20, "--out", tmp_path / "o")
    assert status == 0, err
    metrics = json.loads((tmp_path / "o" / "metrics.json").read_text())
    assert metrics["horizon"] == 6 and metrics["season"] == 6
    actual = [100 + t + 10 * np.sin(2 * np.pi * t / 6) for t in range(months - 6, months)]
    np.testing.assert_allclose(metrics["actual"], actual, atol=1e-3)


@pytest.mark.parametrize(
    ("content", "extra", "message"),
    [
        (None, [], "does not exist"),
        ("", [], "empty"),
        ("a,b\nx,y\nz,w\n", [], "numeric"),
        ("v\n" + "\n".join(str(i + 1) for i in range(20)) + "\n", [], "too short"),
        ("v\n1\n2\n", ["--column", "w"], "'w'"),
    ],
)
def test_lstm_bad_csv_is_one_line_and_status_2(capsys, tmp_path, content, extra, message):
    csv = tmp_path / "data.csv"
    if content is not None:
        csv.write_text(content)
    out = tmp_path / "out"
    status, _, err = run(capsys, "lstm", "--csv", csv, *extra, "--out", out)
    assert_one_line_error(status, err)
    assert message in err.lower() or message in err
    assert not out.exists()


def test_lstm_column_needs_csv(capsys):
    status, _, err = run(capsys, "lstm", "--column", "x")
    assert_one_line_error(status, err)
    assert "--column needs --csv" in err


DIST_LINE = re.compile(r"^Real Dist \(\[(-?\d+\.\d+), (\d+\.\d+)\]\), Fake Dist \(\[(-?\d+\.\d+), (\d+\.\d+)\]\)$")


def test_gan_ends_with_the_seed_posts_line_and_saves_everything(capsys, tmp_path):
    status, stdout, _ = run(capsys, "gan", "--steps", 300, "--seed", 2, "--out", tmp_path)
    assert status == 0
    metrics = json.loads((tmp_path / "metrics.json").read_text())
    for key in ("device", "seed", "seconds", "real_mean", "real_std", "fake_mean", "fake_std",
                "wasserstein1"):
        assert key in metrics
    match = DIST_LINE.match(stdout.strip().splitlines()[-1])
    assert match, stdout
    shown = [float(v) for v in match.groups()]
    expected = [metrics[k] for k in ("real_mean", "real_std", "fake_mean", "fake_std")]
    assert shown == [round(v, 3) for v in expected]
    generator = load_model(tmp_path / "generator.safetensors")
    assert isinstance(generator, torch.nn.Sequential)
    load_model(tmp_path / "discriminator.safetensors")
    from pathlearn.gan import sample

    fake = sample(generator, 100_000, seed=2)
    assert float(fake.mean()) == pytest.approx(metrics["fake_mean"], abs=0.05)
    assert (tmp_path / "gan.png").read_bytes()[:4] == b"\x89PNG"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--std", "0"], "'--std'"),
        (["--std", "-2"], "'--std'"),
        (["--mean", "inf"], "'--mean'"),
        (["--steps", "0"], "'--steps'"),
        (["--lr", "0"], "'--lr'"),
        (["--variant", "wgan"], "'--variant'"),
        (["--device", "cuda:7"], "cuda:7"),
    ],
)
def test_gan_bad_input(capsys, tmp_path, args, message):
    if torch.cuda.is_available() and "cuda:7" in args and torch.cuda.device_count() > 7:
        pytest.skip("this machine has 8 GPUs")
    status, _, err = run(capsys, "gan", *args, "--out", tmp_path / "o")
    assert_one_line_error(status, err)
    assert message in err
    assert not (tmp_path / "o").exists()


@pytest.mark.slow
def test_gan_default_meets_the_quality_bar(capsys):
    status, stdout, _ = run(capsys, "gan", "--seed", 0)
    assert status == 0
    real_mean, real_std, fake_mean, fake_std = map(float, DIST_LINE.match(stdout.strip().splitlines()[-1]).groups())
    assert abs(fake_mean - 5) <= 0.05 and abs(fake_std - 2) <= 0.05


# --- float64 on a device without float64 (Apple's MPS), simulated on the CPU ---------------


@pytest.fixture
def mac(monkeypatch):
    """`--device auto` resolves to mps as on a Mac; the torch half of the run then happens on the
    CPU (this machine has no MPS), with the dtype the command chose, and reports "mps"."""
    import pathlearn.twolayer

    seen = {}
    real = pathlearn.twolayer.train_autograd

    def on_mps(problem, *, device, **kwargs):
        seen["device"], seen["dtype"] = device, problem.x.dtype
        return dataclasses.replace(real(problem, device="cpu", **kwargs), device=str(device))

    monkeypatch.delenv("PATHLEARN_DEVICE", raising=False)
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.setattr(pathlearn.device, "_mps_available", lambda: True)
    monkeypatch.setattr(pathlearn.twolayer, "train_autograd", on_mps)
    return seen


def test_float64_on_mps_switches_to_float32_says_so_and_records_it(capsys, tmp_path, mac):
    status, stdout, err = run(capsys, "twolayer", "--steps", 30, "--out", tmp_path)
    assert status == 0 and "Traceback" not in err
    assert mac == {"device": torch.device("mps"), "dtype": np.float32}
    notes = [line for line in err.splitlines() if line.startswith("note: ")]
    assert notes == ["note: " + pathlearn.device.choose_dtype("mps", "float64").note]
    metrics = json.loads((tmp_path / "metrics.json").read_text())
    assert metrics["device"] == "mps"
    assert (metrics["dtype"], metrics["dtype_requested"]) == ("float32", "float64")
    assert "mps has no float64" in metrics["dtype_note"]
    # numpy ran in float32 too, so the two runs still start from the same numbers
    assert metrics["numpy_final_loss"] == pytest.approx(metrics["torch_final_loss"], rel=0.1)
    assert "on mps" in stdout
    assert next(load_model(tmp_path / "twolayer.safetensors").parameters()).dtype == torch.float32


def test_float32_on_mps_runs_without_a_note(capsys, tmp_path, mac):
    status, _, err = run(capsys, "twolayer", "--steps", 5, "--dtype", "float32", "--out", tmp_path)
    assert status == 0 and "note:" not in err
    metrics = json.loads((tmp_path / "metrics.json").read_text())
    assert (metrics["dtype"], metrics["dtype_requested"], metrics["dtype_note"]) == ("float32", "float32", None)


def test_cpu_keeps_float64_and_records_no_switch(capsys, tmp_path, monkeypatch):
    monkeypatch.setenv("PATHLEARN_DEVICE", "cpu")
    status, _, err = run(capsys, "twolayer", "--steps", 5, "--out", tmp_path)
    assert status == 0 and "note:" not in err
    metrics = json.loads((tmp_path / "metrics.json").read_text())
    assert (metrics["device"], metrics["dtype"], metrics["dtype_requested"]) == ("cpu", "float64", "float64")
    assert metrics["dtype_note"] is None


def test_bad_pathlearn_device_is_one_line_and_status_2(capsys, tmp_path, monkeypatch):
    monkeypatch.setenv("PATHLEARN_DEVICE", "tpu")
    status, _, err = run(capsys, "gan", "--steps", 5, "--out", tmp_path / "out")
    assert_one_line_error(status, err)
    assert "PATHLEARN_DEVICE=tpu" in err and not (tmp_path / "out").exists()


def test_float64_weights_load_as_float32_on_a_device_without_float64(capsys, tmp_path, monkeypatch):
    assert run(capsys, "twolayer", "--steps", 5, "--device", "cpu", "--out", tmp_path)[0] == 0
    path = tmp_path / "twolayer.safetensors"
    assert next(load_model(path, device="cpu").parameters()).dtype == torch.float64
    monkeypatch.setattr(pathlearn.device, "NO_FLOAT64", pathlearn.device.NO_FLOAT64 | {"cpu"})
    with pytest.warns(UserWarning, match="cpu has no float64"):
        model = load_model(path, device="cpu")
    assert {p.dtype for p in model.parameters()} == {torch.float32}
    with pytest.raises(pathlearn.InvalidInputError, match="unknown device 'tpu'"):
        load_model(path, device="tpu")


def test_device_page_mps_note_is_what_the_cli_prints(capsys, tmp_path, mac):
    example = (Path(__file__).resolve().parents[1] / "docs" / "snippets" / "device_mps_note.txt").read_text(
        encoding="utf-8").splitlines()
    command = example[0].removeprefix("$ pathlearn ").split()
    status, _, err = run(capsys, *[a if a != "runs/mac" else tmp_path / "mac" for a in command], "--steps", 2)
    assert status == 0
    assert err.splitlines()[0] == example[1]
