#!/usr/bin/env bash
# Issue 3's GPU checks in one run, under 5 minutes on one H200: the Triton kernel tests compiled
# for the device (tests/engine/quant/test_triton_*.py, the `gpu`-marked model shapes and long
# contexts included), then bench/gpu_kernels.py's timings spliced into bench/RESULTS.md.
# Needs a python ($PYTHON, default python3) with CUDA torch, triton and pytest, and the engine's
# own imports (numpy, safetensors, sentencepiece, gguf, pyyaml) importable; gguf is pure Python:
# where it is missing, copy .venv/lib/python3*/site-packages/gguf along and add it to PYTHONPATH.
#   bash bench/gpu.sh
set -uo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
unset TRITON_INTERPRET  # the tests compile the kernels for the GPU, not the CPU interpreter
export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}" PYTHONUNBUFFERED=1
nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.sm,clocks.mem --format=csv || true
"$PY" - <<'PY' || exit 1
import torch, triton
assert torch.cuda.is_available(), "no CUDA device: the CPU interpreter tests run in make test"
print("torch", torch.__version__, "triton", triton.__version__, torch.cuda.get_device_name())
PY
parallel=()
"$PY" -c "import xdist" 2>/dev/null && parallel=(-n 4)  # compiles in parallel processes
"$PY" -m pytest -q -p no:cacheprovider "${parallel[@]}" -rs \
    tests/engine/quant/test_triton_int4.py tests/engine/quant/test_triton_paged_attention.py
tests=$?
"$PY" bench/gpu_kernels.py --results bench/RESULTS.md
bench=$?
echo "kernel tests exit $tests, benchmark exit $bench"
exit $(( tests || bench ))
