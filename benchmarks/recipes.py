"""Training recipes compared: the held-out loss and training time of the notebook's own
`train_vae` for each recipe.

Each recipe is BATCH_SIZE,LEARNING_RATE,EPOCHS; all use the notebook's one-cycle schedule (one
epoch of warm-up, cosine decay to zero). Each is trained once per seed; prints the final held-out
loss (nats per image, 10,000 test images) of each seed, their mean, and the mean training time.
The losses are deterministic on a given machine and thread count; the times depend on its load,
so compare times only within one run.

`--colab-cpu` trains as Colab's CPU runtime computes: float32 on one thread with AVX2 kernels
(benchmarks/common.py).

Usage: python benchmarks/recipes.py [RECIPE ...] [--seeds 0 1 2] [--threads T] [--colab-cpu]
                                    [--data-dir data]
"""
import argparse
import time

from common import (ROOT, add_colab_cpu_option, describe_cpu,  # first: no tqdm
                    load_notebook, restart_as_colab_cpu)
import torch

NB = load_notebook()
# six epochs more than the default, and the default
DEFAULT_RECIPES = ["512,1.2e-2,56", "512,1.2e-2,50"]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("recipes", nargs="*", default=DEFAULT_RECIPES)
    parser.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2])
    parser.add_argument("--threads", type=int, default=torch.get_num_threads())
    add_colab_cpu_option(parser)
    parser.add_argument("--data-dir", default=str(ROOT / "data"))
    args = parser.parse_args()
    if args.colab_cpu:
        restart_as_colab_cpu()
        args.threads = 1
    torch.set_num_threads(args.threads)
    data = NB.load_fashion_mnist(args.data_dir, torch.device("cpu"))
    print(f"{describe_cpu()}, float32\n")
    print("held-out loss of each seed, their mean, and the mean training time\n")
    print(f"{'batch':>6} {'peak lr':>8} {'epochs':>6}"
          + "".join(f"{f'seed {seed}':>8}" for seed in args.seeds) + f"{'mean':>8}  training")
    for recipe in args.recipes:
        batch_size, lr, epochs = recipe.split(",")
        losses, seconds = [], []
        for seed in args.seeds:
            start = time.perf_counter()
            _, history = NB.train_vae(data, int(epochs), int(batch_size), float(lr), "bce",
                                      seed)
            seconds.append(time.perf_counter() - start)
            losses.append(history[-1]["test_loss"])
        print(f"{batch_size:>6} {lr:>8} {epochs:>6}" + "".join(f"{loss:8.2f}" for loss in losses)
              + f"{sum(losses) / len(losses):8.2f}  {sum(seconds) / len(seconds):6.0f} s",
              flush=True)


if __name__ == "__main__":
    main()
