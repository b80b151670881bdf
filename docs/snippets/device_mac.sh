python3 -m venv .venv && . .venv/bin/activate
pip install torch pathlearn          # the macOS wheels of torch include MPS
python -c "import torch; print(torch.backends.mps.is_available())"   # True on Apple silicon
pathlearn twolayer                  # auto -> mps; float64 becomes float32 (one note on stderr)
pathlearn twolayer --device cpu     # float64 on the CPU: numpy and torch agree to about 1e-9
PATHLEARN_DEVICE=cpu pathlearn gan  # keep "auto" on the CPU, e.g. for the tutorials' numbers
