#!/usr/bin/env bash
# The test command of the README: the parity suite on the CPU backend, then on the CUDA backend.
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

python -m pytest parity_tests "$@"

# The learning path's exercises, checked against their solutions (exercises/__init__.py);
# parity_tests/test_exercises.py checks that the same checks fail against the unsolved files.
MINITORCH_EXERCISES=solutions python -m pytest exercises -p no:cacheprovider

if python -c "import torch, sys; sys.exit(0 if torch.cuda.is_available() else 1)" 2>/dev/null; then
    python -m pytest parity_tests --device cuda "$@"
else
    MINITORCH_FAKE_CUDA=1 python -m pytest parity_tests --device cuda "$@"
fi
