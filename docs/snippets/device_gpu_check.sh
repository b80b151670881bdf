bash scripts/gpu_check.sh        # at most 5 minutes; writes benchmarks/gpu_check.json
python -m pytest -m gpu          # the GPU tests alone
python -m benchmarks --only gpu  # the GPU benchmark alone (updates benchmarks/results.json)
