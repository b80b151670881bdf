python -m venv .venv && . .venv/bin/activate
pip install torch --index-url https://download.pytorch.org/whl/cu126   # a CUDA build of torch
pip install pathlearn                                                  # or: pip install . from a clone
python -c "import torch; print(torch.cuda.is_available(), torch.cuda.get_device_name(0))"
pathlearn gan --device cuda --out runs/gan-gpu
