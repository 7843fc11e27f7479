"""Training speed: the notebook's own loop against the textbook loop, side by side.

The textbook loop is the one most tutorials show: a torchvision DataLoader with ToTensor,
batches of 128, Adam at a constant 1e-3, sigmoid + binary cross-entropy, and `.item()` every
step. Both train the notebook's own VAE for the same number of epochs on the same machine, and
both are scored by the notebook's own `evaluate` (held-out loss on the 10,000 test images).

Usage: python benchmarks/train_speed.py [--epochs N] [--data-dir data]
"""
import argparse
import resource
import sys
import time
from pathlib import Path

import torch
import torch.nn.functional as F
import torchvision
from torch.utils.data import DataLoader

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
from notebook_code import load_notebook_module  # noqa: E402

NB = load_notebook_module()


def textbook_loop(data_dir, epochs, seed):
    """Train with the DataLoader loop; return (model, seconds per epoch)."""
    torch.manual_seed(seed)
    dataset = torchvision.datasets.FashionMNIST(
        data_dir, train=True, download=True, transform=torchvision.transforms.ToTensor())
    loader = DataLoader(dataset, batch_size=128, shuffle=True)
    model = NB.VAE()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    seconds = []
    for _ in range(epochs):
        start = time.perf_counter()
        model.train()
        running = 0.0
        for x, _ in loader:
            x = x.view(-1, 784)
            logits, mu, logvar = model(x)
            loss = (F.binary_cross_entropy(torch.sigmoid(logits), x, reduction="sum")
                    + NB.kl_divergence(mu, logvar).sum())
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            running += loss.item()
        seconds.append(time.perf_counter() - start)
    return model, seconds


def notebook_loop(data, epochs, seed, batch_size, learning_rate):
    """Train with the notebook's own train_vae; return (model, seconds per epoch)."""
    model, history = NB.train_vae(data, epochs, batch_size, learning_rate, "bce", seed,
                                  torch.device("cpu"))
    return model, [h["seconds"] for h in history]


def held_out_loss(model, data, seed):
    recon, kl = NB.evaluate(model, data["test_x"], "bce", seed).tolist()
    return recon + kl


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--data-dir", default=str(ROOT / "data"))
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    defaults = NB.__dict__
    batch_size, learning_rate = defaults["BATCH_SIZE"], defaults["LEARNING_RATE"]
    data = NB.load_fashion_mnist(args.data_dir, torch.device("cpu"))
    print(f"PyTorch {torch.__version__}, {torch.get_num_threads()} threads, "
          f"bfloat16 autocast: {NB.use_bf16_autocast(torch.device('cpu'))}; "
          f"{args.epochs} epochs each\n")

    results = {}
    for name, run in [
        ("textbook loop (DataLoader, batch 128)",
         lambda: textbook_loop(args.data_dir, args.epochs, args.seed)),
        (f"notebook loop (batch {batch_size})",
         lambda: notebook_loop(data, args.epochs, args.seed, batch_size, learning_rate)),
    ]:
        model, seconds = run()
        steady = sorted(seconds)[len(seconds) // 2]  # median epoch
        results[name] = (steady, held_out_loss(model, data, args.seed))
        print(f"{name:40s} {steady:6.2f} s/epoch  {60_000 / steady:9,.0f} images/s  "
              f"held-out loss {results[name][1]:.2f}")

    (base, base_loss), (ours, our_loss) = results.values()
    print(f"\nspeed-up: {base / ours:.2f}x per epoch; held-out loss difference "
          f"{our_loss - base_loss:+.2f} nats (negative = the notebook loop is better)")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak memory of this process: {peak:,.0f} MB")


if __name__ == "__main__":
    main()
