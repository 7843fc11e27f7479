"""Training recipes compared: held-out loss of the notebook's own train_vae per recipe.

Each recipe is BATCH_SIZE,LEARNING_RATE,EPOCHS[,SEED]; all use the notebook's one-cycle
schedule (one epoch of warm-up, cosine decay to zero). Prints the final held-out loss (nats per
image, 10,000 test images) and the training time of each. The losses are deterministic on a
given machine; the times depend on its load. `--notebook PATH` trains with another version of the
notebook's code (e.g. an earlier commit's, to time the previous default side by side).

Usage: python benchmarks/recipes.py [RECIPE ...] [--notebook PATH] [--data-dir data]
"""
import argparse
import os
import sys
import time
from pathlib import Path

# no progress bars from the notebook's train_vae (tqdm reads this when it is imported)
os.environ["TQDM_DISABLE"] = "1"
import torch  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
from notebook_code import NOTEBOOK, load_notebook_module  # noqa: E402

# the recipes compared for the current default (about the same training time on the machine
# the README's figures come from)
DEFAULT_RECIPES = ["1024,8e-3,120", "1024,1.2e-2,120", "1024,1e-2,120"]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("recipes", nargs="*", default=DEFAULT_RECIPES)
    parser.add_argument("--data-dir", default=str(ROOT / "data"))
    parser.add_argument("--notebook", type=Path, default=NOTEBOOK,
                        help="notebook whose code trains (default: the project's)")
    args = parser.parse_args()
    nb = load_notebook_module(args.notebook)
    device = torch.device("cpu")
    bf16 = nb.native_bf16(device)  # as the notebook's default PRECISION = "auto" does
    data = nb.load_fashion_mnist(args.data_dir, device)
    print(f"bfloat16 autocast: {bf16}")
    print(f"{'batch':>6} {'peak lr':>8} {'epochs':>6} {'seed':>4}  {'held-out':>8}  time")
    for recipe in args.recipes:
        batch_size, lr, epochs, *seed = recipe.split(",")
        seed = int(seed[0]) if seed else 0
        start = time.perf_counter()
        _, history = nb.train_vae(data, int(epochs), int(batch_size), float(lr), "bce",
                                  seed, device, bf16=bf16)
        print(f"{batch_size:>6} {lr:>8} {epochs:>6} {seed:>4}  "
              f"{history[-1]['test_loss']:8.2f}  {time.perf_counter() - start:5.0f} s",
              flush=True)


if __name__ == "__main__":
    main()
