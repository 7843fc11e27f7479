"""Two kernel choices of the notebook, each timed against the alternative on a batch of 1,024.

1. The loss's logs of products of 28 factors: products along 28-pixel image rows (a reduction
   over a short inner dimension) against products across 28 equal slices of the batch,
   multiplied element-wise (the notebook's way), each followed by the log and the sum.
2. The backward products of the decoder's 2 -> 512 layer (weight gradient and input gradient)
   with the 512 x 2 weight stored row by row (PyTorch's default) and column by column (the
   notebook's way), for each of float32 and bfloat16.

Each is the median of `--repeats` timings of `--number` calls, in microseconds per call.

Usage: python benchmarks/kernels.py [--threads T] [--repeats N] [--number N]
"""
import argparse
from functools import partial
import statistics
import timeit

import torch

BATCH, PIXELS, HIDDEN = 1024, 784, 512


def microseconds(call, repeats, number):
    """Median over `repeats` of the mean time of `number` calls, in µs."""
    call()
    return 1e6 * statistics.median(timeit.repeat(call, repeat=repeats, number=number)) / number


def linear_backward_products(grad, z, weight):
    """The two products autograd runs in the backward pass of F.linear(z, weight), as calls:
    the weight's gradient (computed in the weight's own layout) and the input's gradient."""
    if weight.is_contiguous():
        weight_grad = partial(torch.mm, grad.t(), z)
    else:  # column by column: z^T grad, read back transposed
        weight_grad = partial(torch.mm, z.t(), grad)
    return weight_grad, partial(torch.mm, grad, weight)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=torch.get_num_threads())
    parser.add_argument("--repeats", type=int, default=15)
    parser.add_argument("--number", type=int, default=50)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    print(f"PyTorch {torch.__version__}, {torch.get_num_threads()} thread(s), batch {BATCH}, "
          f"µs per call (median of {args.repeats} x {args.number} calls)\n")

    sigmoids = torch.rand(BATCH, PIXELS) / 2 + 0.5  # sigmoid(|l|) lies in [1/2, 1]
    rows = microseconds(lambda: sigmoids.view(-1, 28).prod(dim=1).log_().sum(),
                        args.repeats, args.number)
    slices = microseconds(lambda: sigmoids.view(28, -1).prod(dim=0).log_().sum(),
                          args.repeats, args.number)
    print(f"log-sigmoid sum, float32: image rows {rows:6.0f}   batch slices {slices:6.0f}")

    for dtype in (torch.float32, torch.bfloat16):
        grad = torch.randn(BATCH, HIDDEN, dtype=dtype)  # gradient at the layer's output
        z = torch.randn(BATCH, 2, dtype=dtype)
        for layout in ("row by row", "column by column"):
            weight = torch.randn(HIDDEN, 2, dtype=dtype)
            if layout == "column by column":
                weight = weight.t().contiguous().t()
            weight_grad, input_grad = linear_backward_products(grad, z, weight)
            print(f"2 -> 512 backward, {str(dtype)[6:]:8s} weight {layout:16s}: weight gradient "
                  f"{microseconds(weight_grad, args.repeats, args.number):5.0f}, input gradient "
                  f"{microseconds(input_grad, args.repeats, args.number):5.0f}")


if __name__ == "__main__":
    main()
