"""Run tutorial notebooks and print what the site build and tests will say about them.

    python scripts/check_notebook.py docs/en/tutorials/02-lstm.ipynb [more.ipynb ...] [--no-run]

For each notebook: the main-path budget and reading time, the problems with its shape (see
hooks/README.md, "The shape of a tutorial page"), and, unless --no-run, whether it runs to the
end in the site's kernel environment, its run time, stderr and plots without a description.
Exits 1 when anything is wrong. Much faster than a site build: use it while writing a page.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "hooks"))

import _nbexec  # noqa: E402
import _tutorial  # noqa: E402


def language(path: Path) -> str:
    parts = path.resolve().relative_to(ROOT / "docs").parts
    return parts[0]


def plots_without_alt(nb) -> int:
    missing = 0
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            if "image/png" in output.get("data", {}):
                alt = output.get("metadata", {}).get("image/png", {}).get("alt", "")
                missing += not str(alt).strip()
    return missing


def check(path: Path, run: bool) -> bool:
    lang = language(path)
    nb = _tutorial.read(path)
    main = _tutorial.main_path(nb, lang)
    print(f"== {path.resolve().relative_to(ROOT)}")
    print(f"   main path: {main.prose} {main.unit} of prose (max {main.prose_limit}), "
          f"{main.code_cells} code cells (max {_tutorial.MAX_CODE_CELLS}), "
          f"reading time {main.minutes} min (max {_tutorial.MAX_MINUTES})")
    print(f"   exercises: {len(_tutorial.exercises(nb, lang))}, collapsed blocks: "
          + ", ".join(f"{kind}@{cells[0]}" for kind, cells in _tutorial.blocks(nb)))
    problems = _tutorial.problems(nb, lang)
    if run:
        with tempfile.TemporaryDirectory() as tmp:
            dest = Path(tmp) / path.name
            try:
                seconds, stderr = _nbexec.execute_notebook(path, dest, timeout=300)
            except _nbexec.NotebookExecutionError as exc:
                problems.append(f"did not run: {exc}")
            else:
                print(f"   ran in {seconds:.1f} s of code")
                problems += [f"stderr: {line}" for line in stderr]
                executed = _tutorial.read(dest)
                if missing := plots_without_alt(executed):
                    problems.append(f"{missing} plot(s) without an alt text (use show_figure)")
                if not any("image/png" in o.get("data", {}) for c in executed.cells
                           for o in c.get("outputs", [])):
                    problems.append("no plot")
    for problem in problems:
        print(f"   PROBLEM: {problem}")
    if not problems:
        print("   ok")
    return not problems


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="+", type=Path)
    parser.add_argument("--no-run", action="store_true", help="check the shape only, run nothing")
    args = parser.parse_args()
    ok = [check(p, not args.no_run) for p in args.notebooks]
    return 0 if all(ok) else 1


if __name__ == "__main__":
    sys.exit(main())
