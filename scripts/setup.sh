#!/usr/bin/env bash
# Creates .venv (if missing) with exactly the versions of requirements/lock.txt (hashed; the
# site and test environment, made by scripts/lock.sh from pyproject.toml), the CPU build of torch
# and pathlearn itself (editable). Safe to run again: it installs only when the lock,
# pyproject.toml or torch changed.
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

lock=requirements/lock.txt
stamp=.venv/.pathlearn-lock  # a copy of the lock last installed
if ! cmp -s "$lock" "$stamp" || [ pyproject.toml -nt "$stamp" ] || ! python -c "import torch" 2>/dev/null; then
  rm -f "$stamp"
  echo "setup: installing $lock (--require-hashes)" >&2
  python -m pip install -q --require-hashes -r "$lock"
  # torch is not in the lock (requirements/excludes.txt says why): pinned by version, with
  # --no-deps, as its own requirements are in the lock. A bare 'torch' resolves to a multi-GB CUDA
  # build on Linux; elsewhere TORCH_INDEX_URL=https://download.pytorch.org/whl/cpu fetches the CPU
  # wheel. A torch that is already there (another build, a CUDA one) is kept.
  if ! python -c "import torch" 2>/dev/null; then
    echo "setup: installing ${TORCH_SPEC:-torch==2.13.0}" >&2
    python -m pip install -q --no-deps "${TORCH_SPEC:-torch==2.13.0}" ${TORCH_INDEX_URL:+--index-url "$TORCH_INDEX_URL"}
  fi
  # its dependencies are all in the lock; the build backend (setuptools) too, so nothing unhashed
  # is downloaded for an isolated build
  echo "setup: installing pathlearn (editable, --no-deps)" >&2
  python -m pip install -q --no-deps --no-build-isolation -e .
  python -m pip check >&2  # torch's and pathlearn's requirements are met by the lock
  cp "$lock" "$stamp"
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
