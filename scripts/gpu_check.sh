#!/usr/bin/env bash
# The GPU check (issue 11), at most 5 minutes on a machine where torch sees a CUDA GPU:
#   1. python -m pytest -m gpu            every GPU test runs and passes (a skip counts as a failure);
#   2. python -m benchmarks --only gpu    the three models on CUDA and on the CPU, and the scaling
#                                         table (written into the JSON below, not into results.json);
#   3. every tutorial notebook (docs/{en,ja}/tutorials) twice, with PATHLEARN_DEVICE=cpu and with
#      PATHLEARN_DEVICE=cuda: both runs must reach the end (each notebook's own asserts are its
#      quality bars) and the CUDA figures must stay within the stated tolerances of the CPU ones
#      (benchmarks/gpu.py, TOLERANCES). The notebooks pin device="cpu"; the check runs an
#      in-memory copy with device="auto" instead and never edits them.
# It writes ONE JSON, benchmarks/gpu_check.json (or the path given as the first argument), with
# the GPU's name. Exit status: 0 all passed, 1 something failed (see the JSON), 2 no CUDA GPU
# (nothing written). Usage: bash scripts/gpu_check.sh [OUT.json]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
python="${PYTHON:-python}"
if [ -x .venv/bin/python ] && [ -z "${PYTHON:-}" ]; then python=.venv/bin/python; fi
out="${1:-benchmarks/gpu_check.json}"
# 290 s of work inside, and a hard stop at 300 s whatever happens
exec timeout --kill-after=5 300 "$python" -m benchmarks.gpu check --out "$out" --budget 290
