"""requirements/lock.txt, the hashed lock that scripts/setup.sh installs, is in step with
pyproject.toml: every line is pinned with hashes, every requirement of the locked extras (and the
package's own dependencies, torch aside) is locked at a version inside its range, torch's own
requirements are locked, and a .venv made by scripts/setup.sh holds exactly the locked versions.
Offline: nothing here asks a package index (scripts/lock.sh does, when the lock is made again)."""

import re
import shlex
import sys
from importlib import metadata
from pathlib import Path

import pytest

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10: tomli, which pytest requires there
    import tomli as tomllib
from packaging.markers import Marker
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parents[1]
LOCK = ROOT / "requirements" / "lock.txt"
EXCLUDES = ROOT / "requirements" / "excludes.txt"
TORCH_DEPS = ROOT / "requirements" / "torch-deps.in"
LOCK_SCRIPT = ROOT / "scripts" / "lock.sh"
SETUP = ROOT / "scripts" / "setup.sh"
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
HASH_RE = re.compile(r"--hash=sha256:[0-9a-f]{64}")


def lock_entries():
    """[(Requirement, [hashes])] for every entry of the lock (continuation lines joined)."""
    text = LOCK.read_text(encoding="utf-8").replace("\\\n", " ")
    entries = []
    for line in text.splitlines():
        line = line.split(" #")[0].strip() if not line.lstrip().startswith("#") else ""
        if not line:
            continue
        spec, _, _ = line.partition(" --hash")
        entries.append((Requirement(spec.strip()), HASH_RE.findall(line), line))
    return entries


def locked():
    """{canonical name: [(version, marker or None)]}"""
    out = {}
    for req, _, _ in lock_entries():
        (pin,) = req.specifier
        out.setdefault(canonicalize_name(req.name), []).append((Version(pin.version), req.marker))
    return out


def lock_command():
    """The arguments scripts/lock.sh gives `uv pip compile`."""
    script = LOCK_SCRIPT.read_text(encoding="utf-8")
    command = script[script.index('exec "$uv" pip compile'):].replace("\\\n", " ")
    return shlex.split(command.split("\n")[0])


def locked_extras():
    argv = lock_command()
    return [argv[i + 1] for i, arg in enumerate(argv) if arg == "--extra"]


def test_every_entry_is_pinned_with_hashes():
    entries = lock_entries()
    assert len(entries) > 100, "the lock looks empty"
    for req, hashes, line in entries:
        assert len(req.specifier) == 1 and next(iter(req.specifier)).operator == "==", f"not pinned: {line}"
        assert hashes, f"no --hash for {req.name} in {LOCK.name}: pip install --require-hashes would stop"
    assert not re.search(r"^\s*(-e|--editable|-r|-c|--index-url|--extra-index-url|--find-links)\b",
                         LOCK.read_text(encoding="utf-8"), re.MULTILINE)


def test_the_lock_says_how_it_was_made():
    head = LOCK.read_text(encoding="utf-8").splitlines()[:3]
    assert any("bash scripts/lock.sh" in line for line in head), head
    argv = lock_command()
    assert {"--universal", "--generate-hashes"} <= set(argv), argv
    assert argv[argv.index("--excludes") + 1] == "requirements/excludes.txt"
    # the lock is for every Python the package supports
    lowest = PYPROJECT["project"]["requires-python"].removeprefix(">=")
    assert argv[argv.index("--python-version") + 1] == lowest
    assert argv[argv.index("--output-file") + 1] == "requirements/lock.txt"


def _requirements_of(extra):
    return [Requirement(r) for r in PYPROJECT["project"]["optional-dependencies"][extra]]


@pytest.mark.parametrize("extra", ["docs", "notebooks", "test", "dependencies"])
def test_every_requirement_is_locked_inside_its_range(extra):
    """A requirement added to pyproject.toml, or a range that no longer admits the locked version,
    means the lock must be made again (bash scripts/lock.sh)."""
    if extra != "dependencies":
        assert extra in locked_extras(), f"scripts/lock.sh does not lock the {extra} extra"
        if extra not in PYPROJECT["project"]["optional-dependencies"]:
            pytest.skip(f"pyproject.toml has no {extra} extra")
        requirements = _requirements_of(extra)
    else:
        requirements = [Requirement(r) for r in PYPROJECT["project"]["dependencies"]]
    lock = locked()
    excluded = {canonicalize_name(line.strip()) for line in EXCLUDES.read_text(encoding="utf-8").splitlines()
                if line.strip() and not line.startswith("#")}
    problems = []
    for req in requirements:
        name = canonicalize_name(req.name)
        if name in excluded:
            assert name not in lock, f"{req.name} is excluded but in the lock"
            continue
        if name not in lock:
            problems.append(f"{req} is not in the lock")
            continue
        for version, _ in lock[name]:
            if not req.specifier.contains(version, prereleases=True):
                problems.append(f"{req}: the lock has {version}")
        for sub in req.extras:  # e.g. mkdocstrings[python] -> mkdocstrings-python
            try:
                declared = [Requirement(r) for r in metadata.requires(req.name) or []]
            except metadata.PackageNotFoundError:
                declared = []
            wanted = [r for r in declared if r.marker and f'extra == "{sub}"' in str(r.marker)]
            problems += [f"{req}: {w.name} (its [{sub}] extra) is not in the lock"
                         for w in wanted if canonicalize_name(w.name) not in lock]
    assert not problems, "run bash scripts/lock.sh:\n  " + "\n  ".join(problems)


def test_torch_is_left_out_and_its_requirements_are_locked():
    lock = locked()
    assert "torch" not in lock and not any(n.startswith(("nvidia-", "cuda-")) or n == "triton" for n in lock), (
        "the lock would install torch or the CUDA stack: see requirements/excludes.txt")
    wanted = [Requirement(line) for line in TORCH_DEPS.read_text(encoding="utf-8").splitlines()
              if line.strip() and not line.startswith("#")]
    for req in wanted:
        versions = [v for v, _ in lock.get(canonicalize_name(req.name), [])]
        assert versions, f"{req.name} (a requirement of torch) is not in the lock"
        assert all(req.specifier.contains(v) for v in versions), f"{req}: the lock has {versions}"


def test_torch_deps_in_matches_the_pinned_torch():
    """requirements/torch-deps.in lists what the torch that setup.sh pins requires."""
    pin = re.search(r"\$\{TORCH_SPEC:-torch==([^}]+)\}", SETUP.read_text(encoding="utf-8"))[1]
    assert pin in TORCH_DEPS.read_text(encoding="utf-8"), f"torch-deps.in does not name torch=={pin}"
    try:
        installed = metadata.version("torch")
    except metadata.PackageNotFoundError:
        pytest.skip("torch is not installed")
    if Version(installed).public != pin:
        pytest.skip(f"torch {installed} is installed, setup.sh pins {pin}")
    declared = {canonicalize_name(Requirement(r).name): Requirement(r).specifier
                for r in metadata.requires("torch") or [] if "extra ==" not in r}
    listed = {canonicalize_name(Requirement(line).name): Requirement(line).specifier
              for line in TORCH_DEPS.read_text(encoding="utf-8").splitlines()
              if line.strip() and not line.startswith("#")}
    assert listed == declared, f"torch {installed} requires {declared}; torch-deps.in has {listed}"


def test_setup_installs_from_the_lock():
    script = SETUP.read_text(encoding="utf-8")
    assert "lock=requirements/lock.txt" in script
    assert 'pip install -q --require-hashes -r "$lock"' in script
    assert "pip install -q --no-deps --no-build-isolation -e ." in script
    assert 'cmp -s "$lock" "$stamp"' in script  # the install runs again when the lock changes
    assert '.[docs,test]"' not in script, "setup.sh installs the extras unlocked"


def _made_by_setup():
    venv = ROOT / ".venv"
    stamp = venv / ".pathlearn-lock"
    return (Path(sys.prefix).resolve() == venv.resolve() and stamp.is_file()
            and stamp.read_bytes() == LOCK.read_bytes())


@pytest.mark.skipif(not _made_by_setup(), reason="not the .venv that scripts/setup.sh made from this lock")
def test_the_venv_holds_exactly_the_locked_versions():
    """What the tests run with is what the lock says (the canary removes the stamp when it
    upgrades past the lock)."""
    env = {"extra": ""}
    problems = []
    for req, _, _ in lock_entries():
        if req.marker is not None and not Marker(str(req.marker)).evaluate(env):
            continue
        (pin,) = req.specifier
        try:
            installed = metadata.version(req.name)
        except metadata.PackageNotFoundError:
            problems.append(f"{req.name}=={pin.version} is not installed")
            continue
        if Version(installed) != Version(pin.version):
            problems.append(f"{req.name}: {installed} installed, {pin.version} locked")
    assert not problems, "run bash scripts/setup.sh:\n  " + "\n  ".join(problems)
