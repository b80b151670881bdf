import torch

from pathlearn.weights import load_model

generator = load_model("runs/gan/generator.safetensors")  # no pickle: tensors + metadata only
with torch.no_grad():
    samples = generator(torch.randn(5, 1))
print(generator)
print(samples.squeeze(1))
