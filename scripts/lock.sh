#!/usr/bin/env bash
# Make requirements/lock.txt again: the hashed lock that scripts/setup.sh installs (the site and
# test environment: the docs, notebooks and test extras of pyproject.toml, and the package's own
# dependencies; torch is installed apart, see requirements/excludes.txt). One file for every
# platform and Python >= 3.10 (--universal), every wheel's hash. Needs the network (PyPI).
#
#   bash scripts/lock.sh                                     # after editing pyproject.toml: the pins that still fit stay
#   bash scripts/lock.sh --upgrade-package mkdocs-material   # move one package to its newest allowed release
#   bash scripts/lock.sh --upgrade                           # move everything
#
# Then run the tests (bash scripts/test.sh installs the new lock first) and commit the lock.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

uv_version=0.13.8  # uv itself lives in .tools/uv (gitignored), not in the locked .venv
uv=.tools/uv/bin/uv
if ! "$uv" --version 2>/dev/null | grep -qx "uv $uv_version.*"; then
  echo "lock: installing uv $uv_version into .tools/uv" >&2
  "${PYTHON:-python3}" -m venv .tools/uv
  .tools/uv/bin/python -m pip install -q "uv==$uv_version"
fi

# uv keeps the versions already in the output file unless told to upgrade them.
exec "$uv" pip compile pyproject.toml requirements/torch-deps.in \
  --extra docs --extra notebooks --extra test \
  --excludes requirements/excludes.txt \
  --universal --python-version 3.10 \
  --generate-hashes \
  --index-url https://pypi.org/simple \
  --custom-compile-command "bash scripts/lock.sh" \
  --quiet \
  --output-file requirements/lock.txt \
  "$@"
