"""scripts/gpu_check.sh and its Python side (benchmarks/gpu.py), checked on the CPU: the figures a
notebook yields, the tolerances, one notebook run with PATHLEARN_DEVICE, and the refusal without CUDA."""

import json
import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks import gpu  # noqa: E402
from pathlearn.datasets import load_airline  # noqa: E402
from pathlearn.gan import train_gan  # noqa: E402
from pathlearn.lstm import train_forecaster  # noqa: E402
from pathlearn.twolayer import make_problem, train_autograd  # noqa: E402


@pytest.fixture(scope="module")
def namespace():
    small = make_problem(N=8, D_in=10, H=5, D_out=2)
    return {
        "run": train_autograd(small, steps=3, device="cpu"),
        "runs32": [train_autograd(make_problem(N=8, D_in=10, H=5, D_out=2, dtype="float32"), steps=3,
                                  device="cpu")],
        "by_variant": {v: train_gan(variant=v, steps=20, eval_samples=500, snapshot_samples=50, device="cpu")
                       for v in ("fixed", "plain")},
        "forecast": train_forecaster(load_airline(), epochs=2, device="cpu"),
        "loss": 0.5, "_hidden": 1.0, "name": "not a figure", "numbers": [1.0, 2.0],
    }


def test_figures_come_from_pathlearn_results_and_float_variables(namespace):
    figures = gpu.notebook_figures(namespace)
    kinds = {name: f["kind"] for name, f in figures.items()}
    assert kinds == {
        "run.final_loss": "twolayer-float64", "runs32[0].final_loss": "twolayer-float32",
        "by_variant['fixed'].fake_mean": "gan-fixed", "by_variant['fixed'].fake_std": "gan-fixed",
        "by_variant['fixed'].wasserstein1": "gan-fixed", "by_variant['plain'].fake_mean": "gan-other",
        "by_variant['plain'].fake_std": "gan-other", "by_variant['plain'].wasserstein1": "gan-other",
        "forecast.rmse": "lstm", "loss": "value",
    }
    assert figures["run.final_loss"]["value"] == namespace["run"].losses[-1]
    assert figures["forecast.rmse"]["value"] == namespace["forecast"].rmse
    assert figures["by_variant['fixed'].wasserstein1"]["std"] == 2.0
    assert set(kinds.values()) <= set(gpu.TOLERANCES)  # every kind has a stated rule
    json.dumps(figures)  # what the kernel prints must be JSON


@pytest.mark.parametrize(("kind", "cpu", "device", "std", "ok"), [
    ("twolayer-float64", 100.0, 100.00009, None, True),
    ("twolayer-float64", 100.0, 100.0002, None, False),
    ("twolayer-float32", 10.0, 10.4, None, True),
    ("twolayer-float32", 10.0, 9.4, None, False),
    ("lstm", 20.0, 26.9, None, True),
    ("lstm", 20.0, 27.1, None, False),
    ("gan-fixed", 5.0, 5.09, 2.0, True),
    ("gan-fixed", 5.0, 4.89, 2.0, False),
    ("lstm", 20.0, float("nan"), None, False),
    ("gan-other", 5.0, 9.0, 2.0, None),
    ("value", 1.0, 2.0, None, None),
])
def test_tolerances(kind, cpu, device, std, ok):
    assert gpu.compare_figure(kind, cpu, device, std)[0] is ok


def test_a_notebook_passes_only_when_both_runs_end_and_every_figure_holds():
    fig = {"a": {"kind": "lstm", "value": 20.0}, "b": {"kind": "value", "value": 1.0}}
    good = {"ok": True, "figures": fig}
    assert gpu.compare_notebook(good, good)["ok"]
    assert not gpu.compare_notebook(good, {"ok": False, "figures": fig})["ok"]
    missing = {"ok": True, "figures": {"a": fig["a"]}}
    assert not gpu.compare_notebook(good, missing)["ok"]
    off = {"ok": True, "figures": {**fig, "a": {"kind": "lstm", "value": 40.0}}}
    assert not gpu.compare_notebook(good, off)["ok"]


def test_one_notebook_runs_with_the_device_from_pathlearn_device(tmp_path):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(
        "from pathlearn.twolayer import make_problem, train_autograd\n"
        "run = train_autograd(make_problem(N=8, D_in=10, H=5, D_out=2), steps=3, device='cpu')\n"
        "assert run.device == 'cpu'")]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    path = tmp_path / "tiny.ipynb"
    nbformat.write(nb, path)
    result = gpu.run_notebook(path, "cpu", timeout=120)
    assert result["ok"] and result["auto"] == "cpu" and result["pinned_cpu"] == 1
    assert result["figures"]["run.final_loss"]["kind"] == "twolayer-float64"
    assert nbformat.read(path, as_version=4) == nb  # the file itself is not touched
    # the pinned device really became "auto": a device name auto cannot use makes the run fail
    failed = gpu.run_notebook(path, "tpu", timeout=120)
    assert not failed["ok"] and "PATHLEARN_DEVICE=tpu" in failed["error"]


def test_cells_tagged_pin_cpu_stay_on_the_cpu(tmp_path):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(
        "from pathlearn.twolayer import make_problem, train_autograd\n"
        "run = train_autograd(make_problem(N=8, D_in=10, H=5, D_out=2), steps=3, device='cpu')",
        metadata={"tags": [gpu.PIN_CPU_TAG]})]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    path = tmp_path / "pinned.ipynb"
    nbformat.write(nb, path)
    result = gpu.run_notebook(path, "cpu", timeout=120)
    assert result["ok"] and result["pinned_cpu"] == 0  # its device="cpu" was left as it is


@pytest.mark.parametrize("path", gpu.tutorial_notebooks(), ids=lambda p: f"{p.parent.parent.name}/{p.name}")
def test_tutorial_cells_that_prove_bit_identity_are_pinned_to_the_cpu(path):
    """A cell that compares the package with the page's own loop bit for bit (`torch.equal`,
    `np.array_equal`) on `device="cpu"` must keep the CPU in the GPU check: tag it pin-cpu."""
    for i, cell in enumerate(nbformat.read(path, as_version=4).cells):
        proves = re.search(r"torch\.equal|np\.array_equal", cell.source) and gpu.CPU_PIN.search(cell.source)
        if cell.cell_type == "code" and proves:
            assert gpu.PIN_CPU_TAG in cell.metadata.get("tags", []), f"cell {i}"


def test_the_check_refuses_without_cuda_and_writes_nothing(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    out = tmp_path / "gpu_check.json"
    assert gpu.check(out) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("Error: no CUDA GPU") and not out.exists()


@pytest.mark.skipif(torch.cuda.is_available(), reason="this machine has CUDA")
def test_the_script_exits_2_without_cuda(tmp_path):
    out = tmp_path / "gpu_check.json"
    done = subprocess.run(["bash", str(ROOT / "scripts" / "gpu_check.sh"), str(out)], capture_output=True,
                          text=True, check=False, timeout=120)
    assert done.returncode == 2 and "no CUDA GPU" in done.stderr and not out.exists()
