#!/usr/bin/env bash
# Creates .venv (if missing) with the CPU build of torch and pathlearn plus its docs and test
# extras. Safe to run again: it only installs what is missing or changed.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

python=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  echo "setup: creating .venv with $($python --version)" >&2
  "$python" -m venv .venv
fi
# shellcheck disable=SC1091
. .venv/bin/activate
export PIP_DISABLE_PIP_VERSION_CHECK=1

# torch first, pinned: a bare 'torch' requirement resolves to a multi-GB CUDA build on Linux.
# Elsewhere, TORCH_INDEX_URL=https://download.pytorch.org/whl/cpu fetches the CPU wheel.
if ! python -c "import torch" 2>/dev/null; then
  echo "setup: installing ${TORCH_SPEC:-torch==2.13.0}" >&2
  python -m pip install -q "${TORCH_SPEC:-torch==2.13.0}" ${TORCH_INDEX_URL:+--index-url "$TORCH_INDEX_URL"}
fi

stamp=.venv/.pathlearn-setup
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
  echo "setup: installing pathlearn[docs,test] (editable)" >&2
  python -m pip install -q -e ".[docs,test]"
  touch "$stamp"
fi
