"""The release artefacts: an sdist and a wheel built fresh from the committed tree, checked as
release.yml checks them before publishing (twine check --strict, check-wheel-contents), what they
hold, and that a fresh venv can install the wheel and run the CLI."""

import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import venv
import zipfile
from pathlib import Path

import pytest
import torch

ROOT = Path(__file__).resolve().parents[1]
VERSION = re.search(r'^version = "([^"]+)"', (ROOT / "pyproject.toml").read_text(encoding="utf-8"), re.M)[1]
BIN = Path(sys.executable).parent  # twine, check-wheel-contents: installed by the test extra
# what the sdist may hold at its top level (setuptools adds tests/test*.py by default)
SDIST_TOP = {"LICENSE", "CHANGELOG.md", "MANIFEST.in", "README.md", "PKG-INFO", "pyproject.toml", "setup.cfg",
             "pathlearn", "pathlearn.egg-info", "tests"}


def run(*argv, cwd=None, timeout=300, ok=True):
    try:
        done = subprocess.run([str(a) for a in argv], cwd=cwd, capture_output=True, text=True,
                              check=False, timeout=timeout)
    except subprocess.TimeoutExpired:
        pytest.fail(f"{argv}: no result within {timeout} s")
    if ok:
        assert done.returncode == 0, f"{argv}: exit {done.returncode}\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    return done


def tool(name):
    found = shutil.which(name, path=str(BIN)) or shutil.which(name)
    assert found, f"{name} is missing: install the test extra (pip install -e '.[test]')"
    return found


@pytest.fixture(scope="module")
def dists(tmp_path_factory):
    """sdist and wheel from `python -m build` over a copy of the files git knows (committed or
    not yet, never ignored ones), so nothing local (site/, .venv/, a stale egg-info) leaks in,
    and the wheel is built from the sdist, as on PyPI."""
    tmp = tmp_path_factory.mktemp("release")
    listed = run("git", "ls-files", "-z", "--cached", "--others", "--exclude-standard", cwd=ROOT, timeout=60)
    tree = tmp / "tree"
    for name in filter(None, listed.stdout.split("\0")):
        source = ROOT / name
        if source.is_file():  # a deleted but still tracked file is skipped
            (tree / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, tree / name)
    out = tmp / "dist"
    # no isolation: the backend (setuptools>=77) comes from the test extra, so no download here
    run(sys.executable, "-m", "build", "--no-isolation", "--outdir", out, tree, timeout=600)
    (sdist,) = out.glob(f"pathlearn-{VERSION}.tar.gz")
    (wheel,) = out.glob(f"pathlearn-{VERSION}-py3-none-any.whl")
    return sdist, wheel


@pytest.fixture(scope="module")
def wheel(dists):
    return dists[1]


def twine_check(*paths):
    return run(tool("twine"), "--no-color", "check", "--strict", *paths, ok=False)


def check_wheel_contents(path):
    return run(tool("check-wheel-contents"), path, ok=False)


def copy_wheel(wheel, dest, edit_metadata=None, add=()):
    """A copy of `wheel` in `dest` with its METADATA edited and files added (also in RECORD)."""
    dest.mkdir(parents=True, exist_ok=True)
    out = dest / wheel.name
    with zipfile.ZipFile(wheel) as zin, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info)
            if info.filename.endswith(".dist-info/METADATA") and edit_metadata:
                data = edit_metadata(data.decode()).encode()
            if info.filename.endswith(".dist-info/RECORD"):
                data += "".join(f"{name},,\n" for name, _ in add).encode()
            zout.writestr(info, data)
        for name, data in add:
            zout.writestr(name, data)
    return out


def test_release_checks_pass_on_a_fresh_sdist_and_wheel(dists):
    sdist, wheel = dists
    done = twine_check(sdist, wheel)
    print(done.stdout)
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.count("PASSED") == 2, done.stdout
    done = check_wheel_contents(wheel)
    print(done.stdout)
    assert done.returncode == 0 and done.stdout.strip().endswith(": OK"), done.stdout + done.stderr


def test_twine_check_fails_on_a_readme_pypi_cannot_render(wheel, tmp_path):
    # the Markdown README declared as reStructuredText: PyPI would show the raw text
    broken = copy_wheel(wheel, tmp_path, edit_metadata=lambda text: text.replace(
        "Description-Content-Type: text/markdown", "Description-Content-Type: text/x-rst"))
    done = twine_check(broken)
    assert done.returncode != 0 and "FAILED" in done.stdout, done.stdout
    assert "long_description" in done.stdout


def test_check_wheel_contents_fails_on_stray_files(wheel, tmp_path):
    stray = copy_wheel(wheel, tmp_path, add=[("tests/__init__.py", b""),
                                             ("pathlearn/__pycache__/cli.cpython-311.pyc", b"\0")])
    done = check_wheel_contents(stray)
    assert done.returncode != 0, done.stdout
    assert "W001" in done.stdout and "W005" in done.stdout, done.stdout  # bytecode; a 'tests' package


def test_the_licence_ships_in_the_wheel_and_the_sdist(dists):
    sdist, wheel = dists
    licence = (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert licence.startswith("MIT License") and "Copyright (c) 2026 pathlearn developers" in licence
    with zipfile.ZipFile(wheel) as whl:
        assert whl.read(f"pathlearn-{VERSION}.dist-info/licenses/LICENSE").decode() == licence
        metadata = whl.read(f"pathlearn-{VERSION}.dist-info/METADATA").decode()
    assert "\nLicense-Expression: MIT\n" in metadata and "\nLicense-File: LICENSE\n" in metadata
    with tarfile.open(sdist) as tar:
        assert tar.extractfile(f"pathlearn-{VERSION}/LICENSE").read().decode() == licence
        pkg_info = tar.extractfile(f"pathlearn-{VERSION}/PKG-INFO").read().decode()
    assert "\nLicense-Expression: MIT\n" in pkg_info and "\nLicense-File: LICENSE\n" in pkg_info


def test_the_sdist_holds_the_package_and_nothing_stray(dists):
    sdist, _ = dists
    with tarfile.open(sdist) as tar:
        names = [n.split("/", 1)[1] for n in tar.getnames() if "/" in n]
    top = {n.split("/")[0] for n in names}
    assert top <= SDIST_TOP, sorted(top - SDIST_TOP)
    for needed in ("LICENSE", "CHANGELOG.md", "README.md", "pyproject.toml", "pathlearn/cli.py",
                   "pathlearn/py.typed", "pathlearn/data/airline.csv"):
        assert needed in names, needed
    assert all(re.fullmatch(r"tests/(test_\w+|conftest)\.py", n) for n in names if n.startswith("tests/")), names


def test_the_changelog_has_a_section_for_this_version():
    # release.yml refuses a tag without one
    text = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    assert "## [Unreleased]" in text
    assert re.search(rf"^## \[{re.escape(VERSION)}\]", text, re.MULTILINE), f"no '## [{VERSION}]' section"


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
    run(python, "-m", "pip", "install", "-q", spec, *(["--index-url", index] if index else []), timeout=900)
    run(python, "-m", "pip", "install", "-q", wheel, timeout=600)

    work = tmp_path / "work"  # away from the source tree, so only the installed copy imports
    work.mkdir()
    assert run(bin_dir / "pathlearn", "--version", cwd=work).stdout.startswith("pathlearn, version ")
    run(bin_dir / "pathlearn", "twolayer", "--steps", "20", "--no-progress", "--out", "run", cwd=work)
    metrics = json.loads((work / "run" / "metrics.json").read_text())
    assert metrics["numpy_final_loss"] == pytest.approx(metrics["torch_final_loss"], rel=1e-9)
    code = (
        "import pathlearn, pathlearn.datasets as d, pathlearn.weights as w;"
        "print(pathlearn.__file__, len(d.load_airline()),"
        " type(w.load_model('run/twolayer.safetensors')).__name__)"
    )
    where, count, model = run(python, "-c", code, cwd=work).stdout.split()
    assert Path(where).is_relative_to(tmp_path / "venv") and count == "144" and model == "TwoLayerNet"
