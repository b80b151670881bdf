"""The built wheel: what it holds, and that a fresh venv can install it and run the CLI."""

import json
import os
import subprocess
import sys
import venv
import zipfile
from pathlib import Path

import pytest
import torch

ROOT = Path(__file__).resolve().parents[1]


def run(*argv, cwd=None):
    done = subprocess.run([str(a) for a in argv], cwd=cwd, capture_output=True, text=True, check=False)
    assert done.returncode == 0, f"{argv}: exit {done.returncode}\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    return done.stdout


@pytest.fixture(scope="module")
def wheel(tmp_path_factory):
    out = tmp_path_factory.mktemp("dist")
    run(sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", out, ROOT)
    (path,) = out.glob("pathlearn-*.whl")
    return path


def test_wheel_holds_the_package_data_and_nothing_else(wheel):
    names = zipfile.ZipFile(wheel).namelist()
    for needed in ("pathlearn/py.typed", "pathlearn/data/airline.csv", "pathlearn/data/README.md",
                   "pathlearn/cli.py", "pathlearn/gan.py"):
        assert needed in names, needed
    assert not [n for n in names if n.split("/")[0] in ("tests", "docs", "hooks", "benchmarks")]
    entry_points = next(n for n in names if n.endswith("entry_points.txt"))
    assert "pathlearn = pathlearn.cli:main" in zipfile.ZipFile(wheel).read(entry_points).decode()


@pytest.mark.slow
def test_a_fresh_venv_installs_the_wheel_and_runs_the_cli(wheel, tmp_path):
    venv.create(tmp_path / "venv", with_pip=True)
    bin_dir = tmp_path / "venv" / ("Scripts" if os.name == "nt" else "bin")
    python = bin_dir / "python"
    # torch first and pinned to this environment's version: a bare "torch" pulls a CUDA build
    spec = os.environ.get("TORCH_SPEC", f"torch=={torch.__version__.split('+')[0]}")
    index = os.environ.get("TORCH_INDEX_URL")
    run(python, "-m", "pip", "install", "-q", spec, *(["--index-url", index] if index else []))
    run(python, "-m", "pip", "install", "-q", wheel)

    work = tmp_path / "work"  # away from the source tree, so only the installed copy imports
    work.mkdir()
    assert run(bin_dir / "pathlearn", "--version", cwd=work).startswith("pathlearn, version ")
    run(bin_dir / "pathlearn", "twolayer", "--steps", "20", "--no-progress", "--out", "run", cwd=work)
    metrics = json.loads((work / "run" / "metrics.json").read_text())
    assert metrics["numpy_final_loss"] == pytest.approx(metrics["torch_final_loss"], rel=1e-9)
    code = (
        "import pathlearn, pathlearn.datasets as d, pathlearn.weights as w;"
        "print(pathlearn.__file__, len(d.load_airline()),"
        " type(w.load_model('run/twolayer.safetensors')).__name__)"
    )
    where, count, model = run(python, "-c", code, cwd=work).split()
    assert Path(where).is_relative_to(tmp_path / "venv") and count == "144" and model == "TwoLayerNet"
