import pathlearn
from pathlearn.gan import dist_line, train_gan

print(pathlearn.available_devices())   # e.g. ['cpu'] or ['cpu', 'cuda:0']
print(pathlearn.resolve_device("auto"))  # cuda:0 if there is a GPU, else mps, else cpu

result = train_gan(seed=0, device="auto")
print(result.device, dist_line(result))  # results are plain floats and numpy arrays
