"""Side-by-side benchmarks of pathlearn: `python -m benchmarks --help`."""
