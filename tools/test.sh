#!/usr/bin/env bash
# The test command of the README: the parity suite on the CPU backend, then on the CUDA backend
# (without the files that would run unchanged there: parity_tests/conftest.py's CPU_PASS_ONLY).
# Without a GPU, MINITORCH_FAKE_CUDA=1 makes "cuda" tensors torch CPU tensors inside the CUDA
# backend, so the delegation code path runs everywhere (docs/backends.md).
set -euo pipefail
cd "$(dirname "$0")/.."
export HYPOTHESIS_PROFILE="${HYPOTHESIS_PROFILE:-ci}"

# torchvision is the reference for minitorch.vision. Its 0.28.0 release (the one matching torch
# 2.13.0) is served only as a CUDA build, so it is installed without dependencies and used for
# its Python code alone (parity_tests/harness/torchvision_ref.py).
python -c "import importlib.util, sys; sys.exit(importlib.util.find_spec('torchvision') is None)" ||
    python -m pip install --quiet --no-deps "torchvision==0.28.0"

# pytest-xdist (the test extra) runs the suite on every core (-n auto), each file's tests in one
# worker (--dist loadfile: a module's fixtures, e.g. test_error_parity's children, run once, and a
# file's tests keep their order). MINITORCH_TEST_WORKERS=N picks the count (0: in this process);
# arguments given to this script come last and win.
workers=()
if python -c "import xdist" 2>/dev/null; then
    workers=(-n "${MINITORCH_TEST_WORKERS:-auto}" --dist loadfile)
else
    echo "pytest-xdist is missing (pip install -e \".[test]\"): the tests run on one core"
fi

python -m pytest parity_tests ${workers[@]+"${workers[@]}"} "$@"

# The learning path's exercises, checked against their solutions (exercises/__init__.py);
# parity_tests/test_exercises.py checks that the same checks fail against the unsolved files.
MINITORCH_EXERCISES=solutions python -m pytest exercises -p no:cacheprovider

if python -c "import torch, sys; sys.exit(0 if torch.cuda.is_available() else 1)" 2>/dev/null; then
    python -m pytest parity_tests --device cuda ${workers[@]+"${workers[@]}"} "$@"
else
    MINITORCH_FAKE_CUDA=1 python -m pytest parity_tests --device cuda ${workers[@]+"${workers[@]}"} "$@"
fi
