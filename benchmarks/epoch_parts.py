"""Where an epoch's time goes: the notebook's training step timed in cumulative parts.

One epoch of training steps (the notebook's batch size, a shuffled pass over the 60,000 training
images) is run five ways, each stopping the step at a later point: the batch gather only; the
forward pass and loss without autograd; with autograd; plus the backward pass; plus the Adam
step. Each way is timed `--rounds` times, interleaved, and the median is printed next to the
time the large matrix products of that part need at the measured matmul rate (the floor of
benchmarks/train_speed.py, training part only). Timers around whole parts, not a profiler: the
profiler's own overhead per operation misattributes a loop of small operations like this one.

Usage: python benchmarks/epoch_parts.py [--precision bfloat16|float32] [--threads T] [--rounds N]
"""
import argparse
import statistics
import time

import torch

from train_speed import FLOP_PER_IMAGE_PRODUCT, N_TRAIN, NB, ROOT, matmul_rate

# each part, and how many of the large products (784 x 512 layers) a step has run by its end:
# forward 2 (encoder, decoder), backward 3 more
PARTS = (("batch gather", 0), ("forward, no autograd", 2), ("forward with autograd", 2),
         ("+ backward", 5), ("+ Adam step", 5))


def timed_epoch(model, optimizer, train_x, batch_size, bf16, upto, seed):
    """Seconds for one epoch of steps that stop after part number `upto` of PARTS."""
    shuffler = torch.Generator().manual_seed(seed)
    batches = torch.randperm(len(train_x), generator=shuffler).split(batch_size)
    start = time.perf_counter()
    for indices in batches:
        x = train_x.index_select(0, indices)
        if upto == 0:
            continue
        with torch.set_grad_enabled(upto >= 2):
            recon, kl = NB.vae_loss(model, x, "bce", bf16=bf16)
        if upto >= 3:
            optimizer.zero_grad(set_to_none=True)
            ((recon + kl) / len(x)).backward()
        if upto >= 4:
            optimizer.step()
    return time.perf_counter() - start


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--precision", choices=("bfloat16", "float32"), default="bfloat16")
    parser.add_argument("--threads", type=int, default=torch.get_num_threads())
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--data-dir", default=str(ROOT / "data"))
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    bf16 = args.precision == "bfloat16"
    if bf16 and not NB.native_bf16(torch.device("cpu")):
        parser.error("this CPU has no native bfloat16; use --precision float32")
    data = NB.load_fashion_mnist(args.data_dir, torch.device("cpu"))
    torch.manual_seed(args.seed)
    model = NB.VAE()
    optimizer = NB.make_adam(model, NB.LEARNING_RATE)
    batch_size = NB.BATCH_SIZE
    rate = matmul_rate(batch_size, torch.bfloat16 if bf16 else torch.float32)
    seconds = [[] for _ in PARTS]
    for _ in range(args.rounds):
        for upto, times in enumerate(seconds):
            times.append(timed_epoch(model, optimizer, data["train_x"], batch_size, bf16, upto,
                                     args.seed))
    print(f"PyTorch {torch.__version__}, {args.precision}, {torch.get_num_threads()} thread(s), "
          f"batch {batch_size}, median of {args.rounds} rounds; matmul rate "
          f"{rate / 1e9:.0f} GFLOP/s\n")
    print(f"{'one epoch of training, up to':30s} {'time':>7s} {'products at the floor':>22s}")
    for (part, products), times in zip(PARTS, seconds):
        floor = products * N_TRAIN * FLOP_PER_IMAGE_PRODUCT / rate
        print(f"{part:30s} {statistics.median(times):6.2f} s {floor:20.2f} s")


if __name__ == "__main__":
    main()
