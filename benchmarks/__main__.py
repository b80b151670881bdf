"""Run the benchmarks: `python -m benchmarks [--only twolayer,gan,lstm,site,gpu] [--quick] [--out FILE]`.

Prints a table per section and writes the measurements as JSON. A full run writes
benchmarks/results.json, which the Results page of the site reads; `--only` updates those
sections in it and keeps the others. Each section records the machine and versions it was
measured with (`environment`), so sections kept from an earlier run on another machine say so.
`--quick` runs small versions (a minute or two in all) and writes to a temporary file unless
`--out` is given, so it never replaces the published results by accident.
"""

from __future__ import annotations

import argparse
import hashlib
import importlib
import json
import sys
import tempfile
import time
import traceback
from pathlib import Path
from typing import Any

from benchmarks.common import ROOT, CpuShare, cpu_busy, environment, now_utc, round_floats, wait_until_quiet

SECTIONS = ("twolayer", "gan", "lstm", "gpu", "site")  # in the order they run
RESULTS = ROOT / "benchmarks" / "results.json"
# The Results page pair: the benchmark stamps the digest of results.json into their metadata, so
# that a new results.json changes the notebooks' bytes, and with them the site's notebook cache key
# (hooks/_nbexec.py keys on the notebook and the pathlearn sources, not on files it reads).
RESULTS_NOTEBOOKS = (ROOT / "docs" / "ja" / "results.ipynb", ROOT / "docs" / "en" / "results.ipynb")
DIGEST_KEY = "pathlearn_results"
GPU_CHECK_KEY = "pathlearn_gpu_check"  # the digest of benchmarks/gpu_check.json
SCHEMA = 1


def section_kwargs(name: str, quick: bool) -> dict[str, Any]:
    """Arguments of each section's `run` for a full or a quick run."""
    if not quick:
        return {}
    return {
        "twolayer": {"repeats": 1, "loaded_repeats": 1, "steps": 100, "profile_steps": 20, "probe_calls": 30},
        "gan": {"seeds": range(2)},
        "lstm": {"seeds": range(2), "select": False, "others": False},
        "gpu": {"quick": True},
        "site": {},
    }[name]


def run_section(name: str, quick: bool, env: dict[str, Any]) -> dict[str, Any]:
    """Run one section; its result with date, wall time, machine-wide load around it and `env`
    (the machine and versions it ran with)."""
    module = importlib.import_module(f"benchmarks.{name}")
    busy_before, started, date = cpu_busy(), time.perf_counter(), now_utc()
    with CpuShare() as during:
        result = module.run(**section_kwargs(name, quick))
    seconds = time.perf_counter() - started
    print("\n".join(module.table(result)), flush=True)
    print(f"[{name}: {seconds:.0f} s]\n", flush=True)
    return {"date": date, "quick": quick, "seconds": seconds, "environment": env, "cpu_busy_before": busy_before,
            "cpu_busy_during": during.shares(), "cpu_busy_after": cpu_busy(), "result": result}


def same_environment(a: dict[str, Any], b: dict[str, Any]) -> bool:
    return a.get("machine") == b.get("machine") and a.get("versions") == b.get("versions")


def merge(previous: dict[str, Any] | None, new: dict[str, Any]) -> dict[str, Any]:
    """`new`, plus the sections of `previous` it did not run, each with the environment it was measured in.

    Sections written before sections carried their own `environment` get `previous`'s. A kept section
    measured on another machine or with other versions keeps that environment: compare numbers across
    sections with care (within a section, the cases always come from the same run).
    """
    if not previous or previous.get("schema") != SCHEMA:
        return new
    old_env = previous.get("environment", {})
    kept = {name: {**section, "environment": section.get("environment", old_env)}
            for name, section in previous.get("sections", {}).items() if name not in new["sections"]}
    other = sorted(name for name, section in kept.items()
                   if not same_environment(section["environment"], new["environment"]))
    if other:
        print(f"note: {', '.join(other)} (kept from the previous results) were measured on another machine or "
              "with other versions; each section records its own environment", file=sys.stderr)
    sections = {**kept, **new["sections"]}
    return {**new, "sections": {name: sections[name] for name in SECTIONS if name in sections}}


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def stamp_notebooks(results: Path, notebooks: tuple[Path, ...] = RESULTS_NOTEBOOKS,
                    key: str = DIGEST_KEY) -> list[Path]:
    """Write the digest of `results` into the metadata (`key`) of the Results notebooks that exist,
    so that the site's notebook cache runs them again when the file changes."""
    import nbformat

    stamped = []
    value = {"sha256": digest(results)}
    for path in notebooks:
        if not path.is_file():
            continue
        nb = nbformat.read(path, as_version=4)
        if nb.metadata.get(key) != value:
            nb.metadata[key] = value
            nbformat.write(nb, path)
        stamped.append(path)
    return stamped


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", default=",".join(SECTIONS),
                        help=f"comma-separated sections to run (default: all of {','.join(SECTIONS)})")
    parser.add_argument("--quick", action="store_true", help="small versions of each section")
    parser.add_argument("--out", type=Path, default=None,
                        help="JSON file to write (default: benchmarks/results.json; with --quick a temporary file)")
    parser.add_argument("--wait-idle", type=float, default=0.0, metavar="SECONDS",
                        help="first wait up to SECONDS for the machine to be less than 15%% busy")
    args = parser.parse_args(argv)
    names = [n.strip() for n in args.only.split(",") if n.strip()]
    unknown = sorted(set(names) - set(SECTIONS))
    if unknown or not names:
        parser.error(f"unknown section(s) {', '.join(unknown) or '(none given)'}; choose from {', '.join(SECTIONS)}")
    args.sections = [n for n in SECTIONS if n in names]
    if args.out is None:
        args.out = Path(tempfile.gettempdir(), "pathlearn-benchmarks-quick.json") if args.quick else RESULTS
    return args


def read_previous(out: Path) -> dict[str, Any] | None:
    try:
        return json.loads(out.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def write(out: Path, results: dict[str, Any]) -> None:
    """Write `results` (atomically) and, for the published file, stamp the Results notebooks."""
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".tmp")
    tmp.write_text(json.dumps(results, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    tmp.replace(out)
    if out.resolve() == RESULTS.resolve():
        stamp_notebooks(out)


def main(argv: list[str] | None = None) -> dict[str, Any]:
    args = parse_args(argv)
    if args.wait_idle:
        print(f"machine busy share before starting: {wait_until_quiet(timeout=args.wait_idle)}", flush=True)
    started, env = time.perf_counter(), environment()
    print(f"pathlearn benchmarks {'(quick) ' if args.quick else ''}on {env['machine']['cpu']}, "
          f"{env['machine']['cores']} cores; torch {env['versions']['torch']}, numpy {env['versions']['numpy']}\n",
          flush=True)
    out: Path = args.out
    command = " ".join(["python -m benchmarks", *(sys.argv[1:] if argv is None else argv)])
    sections: dict[str, Any] = {}
    errors: dict[str, str] = {}

    def current() -> dict[str, Any]:
        new = {"schema": SCHEMA, "date": now_utc(), "command": command, "quick": args.quick,
               "total_seconds": time.perf_counter() - started, "environment": env, "sections": sections}
        if errors:
            new["errors"] = errors
        # Read the file again each time: another run may have written other sections meanwhile
        return round_floats(merge(read_previous(out), new))

    for name in args.sections:
        try:
            sections[name] = run_section(name, args.quick, env)
        except Exception as exc:  # noqa: BLE001 - reported, and the other sections still run
            traceback.print_exc()
            errors[name] = f"{type(exc).__name__}: {exc}"[-2000:]
            print(f"[{name}: FAILED, see above; not written]\n", flush=True)
        # Written after every section: the site section's build renders the Results page from it
        write(out, current())
    results = current()
    write(out, results)
    print(f"wrote {out} ({results['total_seconds']:.0f} s)")
    if out.resolve() == RESULTS.resolve():
        print("stamped its digest into " + ", ".join(str(p.relative_to(ROOT)) for p in RESULTS_NOTEBOOKS))
    if errors:
        print(f"failed: {', '.join(errors)} (the file keeps their previous results, if any)", file=sys.stderr)
    return results


if __name__ == "__main__":
    sys.exit(1 if "errors" in main() else 0)
