"""Training speed: the notebook's own epoch against the matmul floor and the textbook loop.

For the notebook's float32 arithmetic this measures, in one run:
- the matmul rate of the model's five large products (encoder and decoder 784 x 512 layers:
  two forward, three backward) at the notebook's batch size, the best of two epochs' worth;
- the floor it implies for one epoch: the FLOPs of those products over the 60,000 training images
  plus the two forward products over the 10,000 held-out images, at that rate;
- the notebook's epoch time (training and held-out evaluation) from a three-epoch run of its own
  `train_vae`: the faster of epochs 2 and 3 (the first also pays for first-touch allocations),
  and its ratio to the floor.
It also times the textbook loop, with the same model and the same work per epoch: a training pass (torchvision DataLoader + ToTensor, batch 128, Adam 1e-3, `.item()` every
step) and a test pass over the 10,000 held-out images, as PyTorch's VAE example runs each epoch;
three epochs, the faster of epochs 2 and 3, as for the notebook.
Everything is measured in rounds (a floor reading, the notebook's run, then the textbook's
run), so that the load of the machine, which drifts on a shared VM, is the same for
both halves of a ratio; the table shows the medians over `--rounds` rounds.
`--colab-cpu` measures as Colab's CPU runtime computes: one thread, AVX2 kernels
(benchmarks/common.py, COLAB_CPU).

Usage: python benchmarks/train_speed.py [--rounds N] [--threads T] [--colab-cpu] [--data-dir data]
"""
import argparse
import math
import statistics
import time

from common import (ROOT, add_colab_cpu_option, describe_cpu,  # first: no tqdm
                    load_notebook, restart_as_colab_cpu)
import torch
import torch.nn.functional as F
import torchvision
from torch.utils.data import DataLoader

NB = load_notebook()
N_TRAIN, N_TEST, N_PIXELS, N_HIDDEN = 60_000, 10_000, 784, 512
FLOP_PER_IMAGE_PRODUCT = 2 * N_PIXELS * N_HIDDEN  # one 784 x 512 product for one image


def matmul_rate(batch_size, tries=2):
    """FLOP/s of the five large products of one training step, best of `tries` epochs."""
    steps = math.ceil(N_TRAIN / batch_size)
    x = torch.rand(batch_size, N_PIXELS)
    h = torch.rand(batch_size, N_HIDDEN)
    grad_h = torch.rand(batch_size, N_HIDDEN)
    grad_logits = torch.rand(batch_size, N_PIXELS)
    w_enc = torch.rand(N_HIDDEN, N_PIXELS)
    w_dec = torch.rand(N_PIXELS, N_HIDDEN)

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


def textbook_loaders(data_dir):
    """The tutorials' data pipeline: torchvision datasets read through DataLoaders."""
    def loader(train):
        dataset = torchvision.datasets.FashionMNIST(
            data_dir, train=train, download=False, transform=torchvision.transforms.ToTensor())
        return DataLoader(dataset, batch_size=128, shuffle=train)
    return loader(True), loader(False)


def textbook_epochs(loaders, epochs, seed):
    """The loop most tutorials show: per epoch a training pass and a test pass.

    Returns the seconds of each epoch."""
    train_loader, test_loader = loaders
    torch.manual_seed(seed)
    model = NB.VAE()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)

    def loss_of(x):
        logits, mu, logvar = model(x.view(-1, N_PIXELS))  # the notebook's VAE: logits
        return (F.binary_cross_entropy(torch.sigmoid(logits), x.view(-1, N_PIXELS),
                                       reduction="sum")
                + NB.kl_divergence(mu, logvar).sum())

    seconds = []
    for _ in range(epochs):  # the loss sums are what the tutorials print: `.item()` every step
        start = time.perf_counter()
        model.train()
        train_loss = 0.0
        for x, _ in train_loader:
            loss = loss_of(x)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            train_loss += loss.item()
        model.eval()
        test_loss = 0.0
        with torch.no_grad():
            for x, _ in test_loader:
                test_loss += loss_of(x).item()
        seconds.append(time.perf_counter() - start)
    return seconds


def rounds(data, loaders, n_rounds, batch_size, learning_rate, seed):
    """Per round: a floor reading, three epochs of the notebook's own train_vae, and three
    epochs of the textbook loop; epochs are the faster of the 2nd and 3rd.

    Returns the medians over the rounds of the matmul rate, the epoch seconds, the epoch/floor
    ratio and the textbook's epoch seconds, then the range of the rounds' textbook/notebook
    ratios."""
    rates, seconds, ratios, textbook, speedups = [], [], [], [], []
    for _ in range(n_rounds):
        rates.append(matmul_rate(batch_size))
        _, history = NB.train_vae(data, 3, batch_size, learning_rate, "bce", seed)
        seconds.append(min(h["seconds"] for h in history[1:]))
        ratios.append(seconds[-1] * rates[-1] / epoch_flop())
        textbook.append(min(textbook_epochs(loaders, 3, seed)[1:]))
        speedups.append(textbook[-1] / seconds[-1])
    medians = [statistics.median(values) for values in (rates, seconds, ratios, textbook)]
    return medians + [(min(speedups), max(speedups))]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5, help="rounds per path")
    parser.add_argument("--threads", type=int, default=torch.get_num_threads())
    parser.add_argument("--data-dir", default=str(ROOT / "data"))
    parser.add_argument("--seed", type=int, default=0)
    add_colab_cpu_option(parser)
    args = parser.parse_args()
    if args.colab_cpu:
        restart_as_colab_cpu()
    torch.set_num_threads(1 if args.colab_cpu else args.threads)
    batch_size, learning_rate = NB.BATCH_SIZE, NB.LEARNING_RATE
    data = NB.load_fashion_mnist(args.data_dir, torch.device("cpu"))
    loaders = textbook_loaders(args.data_dir)
    print(f"{describe_cpu()}, batch {batch_size}, float32, median of {args.rounds} rounds; "
          f"matmul FLOPs per epoch {epoch_flop() / 1e9:.0f} G\n")
    print(f"{'':18s} {'matmul rate':>12s} {'floor':>8s} {'epoch':>8s} {'ratio':>6s}")
    rate, seconds, ratio, textbook, speedups = rounds(
        data, loaders, args.rounds, batch_size, learning_rate, args.seed)
    print(f"{'notebook':18s} {rate / 1e9:7.0f} GFLOP/s {epoch_flop() / rate:6.2f} s "
          f"{seconds:6.2f} s {ratio:5.2f}x")
    print(f"{'textbook loop':18s} {'':>12s} {'':>8s} {textbook:6.2f} s")
    print(f"\nnotebook epoch: {textbook / seconds:.2f}x faster than the textbook loop "
          f"(batch 128; {speedups[0]:.2f}x to {speedups[1]:.2f}x in single rounds)")


if __name__ == "__main__":
    main()
