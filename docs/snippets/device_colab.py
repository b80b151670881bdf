# Colab: Runtime > Change runtime type > T4 GPU, then in a cell
# (Colab's torch is already a CUDA build; installing pathlearn keeps it):
!pip install pathlearn
!nvidia-smi --query-gpu=name,memory.total --format=csv
!pathlearn gan --device cuda --out runs/gan-gpu
import pathlearn
print(pathlearn.available_devices())  # ['cpu', 'cuda:0']
