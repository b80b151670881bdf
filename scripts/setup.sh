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

# Lighthouse and axe-core for the web-quality tests (tests/test_web_quality.py), pinned in the
# committed package-lock.json and installed with `npm ci` into .tools/ (gitignored). The copy of
# the lock in .tools/ is the stamp: npm runs only when the committed lock differs from it. The site
# itself needs no Node, so a missing or failing npm is reported and the setup goes on; those tests
# then skip (fail under CI=true) and say why.
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  echo "setup: node and npm not found: the Lighthouse/axe tests will be skipped (install Node.js >= 18.16 with npm)" >&2
elif ! cmp -s package-lock.json .tools/package-lock.json || ! cmp -s package.json .tools/package.json \
  || [ ! -x .tools/node_modules/.bin/lighthouse ]; then
  echo "setup: installing Lighthouse and axe-core (npm ci into .tools/)" >&2
  mkdir -p .tools
  cp package.json package-lock.json .tools/
  if ! (cd .tools && npm ci --no-audit --no-fund --loglevel=error >npm-ci.log 2>&1); then
    rm -f .tools/package-lock.json  # no stamp: the next setup tries again
    echo "setup: npm ci failed (see .tools/npm-ci.log): the Lighthouse/axe tests will be skipped" >&2
  fi
fi
