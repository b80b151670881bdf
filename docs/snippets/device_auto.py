import os

import pathlearn

os.environ["PATHLEARN_DEVICE"] = "cpu"   # what "auto" means from now on (unset: cuda, mps, cpu)
print(pathlearn.resolve_device("auto"))  # cpu, even on a machine with a GPU
print(pathlearn.resolve_device("cuda"))  # a device asked for by name ignores the variable
