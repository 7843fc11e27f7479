"""Side by side: the training step of two or more versions of the notebook, in interleaved turns.

Each notebook's own code (loaded from its .ipynb) builds a model and an optimizer, and its own
`train_epoch` runs `--steps` training steps (the notebook's batch size, a fixed slice of the
training images) per turn; the notebooks take turns, in alternating order, `--turns` times.
Short interleaved turns see the same load of the machine, so differences of a few percent show
that would drown in the drift between two separate benchmark runs. Prints, per notebook, the
time per step: the fastest turn, the first quartile and the median.

Usage: python benchmarks/compare_steps.py OLD.ipynb NEW.ipynb [...]
       [--precision bfloat16|float32] [--threads T] [--turns N] [--steps N]
e.g. `git show HEAD~1:Assignment1_FirstName_LastName.ipynb > /tmp/old.ipynb`, then
     `python benchmarks/compare_steps.py /tmp/old.ipynb Assignment1_FirstName_LastName.ipynb`
"""
import argparse
import statistics
import time
from pathlib import Path

import torch

from train_speed import NB, ROOT
from notebook_code import load_notebook_module


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="+", type=Path)
    parser.add_argument("--precision", choices=("bfloat16", "float32"), default="bfloat16")
    parser.add_argument("--threads", type=int, default=torch.get_num_threads())
    parser.add_argument("--turns", type=int, default=40)
    parser.add_argument("--steps", type=int, default=10, help="training steps per turn")
    parser.add_argument("--data-dir", default=str(ROOT / "data"))
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    bf16 = args.precision == "bfloat16"
    if bf16 and not NB.native_bf16(torch.device("cpu")):
        parser.error("this CPU has no native bfloat16; use --precision float32")
    modules = [load_notebook_module(path.resolve()) for path in args.notebooks]
    batch_size = NB.BATCH_SIZE
    train_x = NB.load_fashion_mnist(args.data_dir, torch.device("cpu"))["train_x"]
    images = train_x[:args.steps * batch_size].clone()
    runs = []
    for module in modules:
        torch.manual_seed(0)
        model = module.VAE()
        optimizer = module.make_adam(model, 1e-3)
        scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda step: 1.0)
        runs.append((module, model, optimizer, scheduler, torch.Generator().manual_seed(0), []))
    for turn in range(args.turns):
        order = runs if turn % 2 == 0 else runs[::-1]
        for module, model, optimizer, scheduler, shuffler, times in order:
            start = time.perf_counter()
            module.train_epoch(model, optimizer, scheduler, images, batch_size, "bce", shuffler,
                               bf16)
            times.append((time.perf_counter() - start) / args.steps)
    print(f"PyTorch {torch.__version__}, {args.precision}, {torch.get_num_threads()} thread(s), "
          f"batch {batch_size}, {args.turns} turns of {args.steps} steps each\n")
    print(f"{'notebook':40s} {'ms per step: fastest':>20s} {'quartile':>9s} {'median':>8s}")
    for path, run in zip(args.notebooks, runs):
        times = sorted(run[-1])
        print(f"{str(path):40s} {1e3 * times[0]:20.2f} {1e3 * times[len(times) // 4]:9.2f} "
              f"{1e3 * statistics.median(times):8.2f}")


if __name__ == "__main__":
    main()
