"""Each speed device of the notebook against its plain alternative, side by side.

The notebook keeps a device that is not the plain PyTorch way only where it saves at least 5% of
an epoch on one of the CPU paths users run: float32 on one thread with AVX2, as Colab's CPU
runtime computes (`--colab-cpu`), and bfloat16 autocast on two threads. This times one epoch
(training and held-out pass) of the notebook's own `train_vae` as it is, and with one device at a
time replaced by its plain alternative:
- Adam's fused update: the standard `torch.optim.Adam`;
- bfloat16 autocast (on a CPU that has it): float32.
The variants run in interleaved rounds (each round trains every variant for three epochs and
keeps the faster of epochs 2 and 3, the first also paying for first-touch allocations), so that
all see the same load; the table shows the median over the rounds and what the device saves.
`--colab-cpu` times them as Colab's CPU runtime computes: float32 on one thread with AVX2
kernels (benchmarks/common.py).

Usage: python benchmarks/speed_devices.py [--threads T] [--precision bfloat16|float32]
                                          [--colab-cpu] [--rounds N] [--data-dir data]
"""
import argparse
import statistics

from common import (ROOT, add_colab_cpu_option, describe_cpu,  # first: no tqdm
                    load_notebook, restart_as_colab_cpu)
import torch


def variants(bf16):
    """(name, device it replaces, notebook module with that device replaced, bf16)."""
    standard = load_notebook()
    standard.make_adam = lambda model, lr: torch.optim.Adam(model.parameters(), lr=lr)
    rows = [("notebook as it is", None, load_notebook(), bf16),
            ("standard Adam", "fused Adam", standard, bf16)]
    if bf16:
        rows.append(("float32", "bfloat16 autocast", load_notebook(), False))
    return rows


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=torch.get_num_threads())
    parser.add_argument("--precision", choices=("bfloat16", "float32"), default="bfloat16")
    parser.add_argument("--rounds", type=int, default=5)
    add_colab_cpu_option(parser)
    parser.add_argument("--data-dir", default=str(ROOT / "data"))
    args = parser.parse_args()
    if args.colab_cpu:
        restart_as_colab_cpu()
        args.threads, args.precision = 1, "float32"
    torch.set_num_threads(args.threads)
    cpu = torch.device("cpu")
    nb = load_notebook()
    bf16 = args.precision == "bfloat16"
    if bf16 and not nb.native_bf16(cpu):
        parser.error("this CPU has no native bfloat16: use --precision float32")
    data = nb.load_fashion_mnist(args.data_dir, cpu)
    rows = variants(bf16)
    seconds = {name: [] for name, *_ in rows}
    for round_ in range(args.rounds):
        turn = rows[round_ % len(rows):] + rows[:round_ % len(rows)]
        for name, _, module, row_bf16 in turn:
            _, history = module.train_vae(data, 3, nb.BATCH_SIZE, nb.LEARNING_RATE, "bce", 0,
                                          cpu, bf16=row_bf16)
            seconds[name].append(min(h["seconds"] for h in history[1:]))
    base = statistics.median(seconds[rows[0][0]])
    print(f"{describe_cpu()}, {args.precision}, batch {nb.BATCH_SIZE}; median of {args.rounds} "
          f"interleaved rounds\n")
    print(f"{'variant':36s} {'epoch':>7s}  what the notebook's device saves")
    for name, device, *_ in rows:
        median = statistics.median(seconds[name])
        saving = f"{device}: {1 - base / median:.0%} of this epoch" if device else ""
        print(f"{name:36s} {median:6.2f}s  {saving}")


if __name__ == "__main__":
    main()
