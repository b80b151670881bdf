import os

os.environ["CUBLAS_WORKSPACE_CONFIG"] = ":4096:8"  # before anything starts cuBLAS

import torch

torch.use_deterministic_algorithms(True)  # an error for any operation without a deterministic kernel
