"""Training speed: the notebook's own epoch against the matmul floor and the textbook loop.

For each arithmetic path of the notebook (bfloat16 autocast, on a CPU that has it natively, and
float32) this measures, in one run:
- the matmul rate of the model's five large products (encoder and decoder 784 x 512 layers:
  two forward, three backward) at the notebook's batch size, the best of two epochs' worth;
- the floor it implies for one epoch: the FLOPs of those products over the 60,000 training images
  plus the two forward products over the 10,000 held-out images, at that rate;
- the notebook's epoch time (training and held-out evaluation) from a three-epoch run of its own
  `train_vae`: the faster of epochs 2 and 3 (the first also pays for first-touch allocations),
  and its ratio to the floor.
The two are measured in rounds, a floor reading right before each run, so that the load of the
machine (which drifts on a shared VM) is the same for both halves of a ratio; each half is the
best of its readings in the round (load from other tenants only ever adds time), and the table
shows the median of `--rounds` rounds. It also times the textbook loop (torchvision DataLoader
+ ToTensor, batch 128, Adam 1e-3, `.item()` every step, float32), the median of `--epochs`
epochs, and reports the notebook's float32 speed-up over it.

Usage: python benchmarks/train_speed.py [--rounds N] [--epochs N] [--threads T] [--data-dir data]
"""
import argparse
import math
import statistics
import time

from common import ROOT, load_notebook  # first: it turns tqdm's progress bars off
import torch
import torch.nn.functional as F
import torchvision
from torch.utils.data import DataLoader

NB = load_notebook()
N_TRAIN, N_TEST, N_PIXELS, N_HIDDEN = 60_000, 10_000, 784, 512
FLOP_PER_IMAGE_PRODUCT = 2 * N_PIXELS * N_HIDDEN  # one 784 x 512 product for one image


def matmul_rate(batch_size, dtype, tries=2):
    """FLOP/s of the five large products of one training step, best of `tries` epochs."""
    steps = math.ceil(N_TRAIN / batch_size)
    x = torch.rand(batch_size, N_PIXELS, dtype=dtype)
    h = torch.rand(batch_size, N_HIDDEN, dtype=dtype)
    grad_h = torch.rand(batch_size, N_HIDDEN, dtype=dtype)
    grad_logits = torch.rand(batch_size, N_PIXELS, dtype=dtype)
    w_enc = torch.rand(N_HIDDEN, N_PIXELS, dtype=dtype)
    w_dec = torch.rand(N_PIXELS, N_HIDDEN, dtype=dtype)

    def one_step():
        x @ w_enc.T, grad_h.T @ x  # encoder: forward, weight gradient
        h @ w_dec.T, grad_logits @ w_dec, grad_logits.T @ h  # decoder: forward, input, weight

    one_step()
    best = math.inf
    for _ in range(tries):
        start = time.perf_counter()
        for _ in range(steps):
            one_step()
        best = min(best, time.perf_counter() - start)
    return 5 * steps * batch_size * FLOP_PER_IMAGE_PRODUCT / best


def epoch_flop():
    """Matmul FLOPs of one epoch: train forward + backward, held-out forward."""
    return (5 * N_TRAIN + 2 * N_TEST) * FLOP_PER_IMAGE_PRODUCT


def rounds_against_floor(data, rounds, batch_size, learning_rate, bf16, seed):
    """Per round, a floor reading, then a short run of the notebook's own train_vae.

    Returns the medians of the matmul rate, the epoch seconds and the epoch/floor ratio."""
    dtype = torch.bfloat16 if bf16 else torch.float32
    rates, seconds, ratios = [], [], []
    for _ in range(rounds):
        rates.append(matmul_rate(batch_size, dtype))
        # three epochs; the first also pays for first-touch allocations
        _, history = NB.train_vae(data, 3, batch_size, learning_rate, "bce", seed,
                                  torch.device("cpu"), bf16=bf16)
        seconds.append(min(h["seconds"] for h in history[1:]))
        ratios.append(seconds[-1] * rates[-1] / epoch_flop())
    return [statistics.median(values) for values in (rates, seconds, ratios)]


def textbook_epochs(data_dir, epochs, seed):
    """The DataLoader loop most tutorials show; return its median epoch seconds."""
    torch.manual_seed(seed)
    dataset = torchvision.datasets.FashionMNIST(
        data_dir, train=True, download=False, transform=torchvision.transforms.ToTensor())
    loader = DataLoader(dataset, batch_size=128, shuffle=True)
    model = NB.VAE()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    seconds = []
    for _ in range(epochs):
        start = time.perf_counter()
        model.train()
        running = 0.0
        for x, _ in loader:
            x = x.view(-1, N_PIXELS)
            logits, mu, logvar = model(x)
            loss = (F.binary_cross_entropy(torch.sigmoid(logits), x, reduction="sum")
                    + NB.kl_divergence(mu, logvar).sum())
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            running += loss.item()
        seconds.append(time.perf_counter() - start)
    return statistics.median(seconds)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5, help="floor + epoch rounds per path")
    parser.add_argument("--epochs", type=int, default=5, help="epochs of the textbook loop")
    parser.add_argument("--threads", type=int, default=torch.get_num_threads())
    parser.add_argument("--data-dir", default=str(ROOT / "data"))
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    batch_size, learning_rate = NB.BATCH_SIZE, NB.LEARNING_RATE
    data = NB.load_fashion_mnist(args.data_dir, torch.device("cpu"))
    paths = [("float32", False)]
    if NB.native_bf16(torch.device("cpu")):
        paths.insert(0, ("bfloat16 autocast", True))
    print(f"PyTorch {torch.__version__}, {torch.get_num_threads()} thread(s), batch {batch_size}, "
          f"median of {args.rounds} rounds per path; matmul FLOPs per epoch "
          f"{epoch_flop() / 1e9:.0f} G\n")
    print(f"{'path':18s} {'matmul rate':>12s} {'floor':>8s} {'epoch':>8s} {'ratio':>6s}")
    epoch_seconds = {}
    for name, bf16 in paths:
        rate, seconds, ratio = rounds_against_floor(data, args.rounds, batch_size, learning_rate,
                                                    bf16, args.seed)
        epoch_seconds[name] = seconds
        print(f"{name:18s} {rate / 1e9:7.0f} GFLOP/s {epoch_flop() / rate:6.2f} s "
              f"{seconds:6.2f} s {ratio:5.2f}x", flush=True)
    textbook = textbook_epochs(args.data_dir, args.epochs, args.seed)
    print(f"{'textbook loop':18s} {'':>12s} {'':>8s} {textbook:6.2f} s")
    print(f"\nnotebook float32 epoch: {textbook / epoch_seconds['float32']:.2f}x faster than the "
          "textbook loop (batch 128, float32)")


if __name__ == "__main__":
    main()
