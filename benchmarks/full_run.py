"""The full default run: Run all of the notebook headless, timed, with its peak memory.

Executes the notebook with its default parameters (only OUTPUT_DIR points to a scratch folder,
so the committed outputs are left alone), then prints the wall time of the whole run, the
training time per epoch, the held-out loss and the peak resident memory of the kernel.
`--precision float32 --threads 1` runs the float32 path on one thread, the nearest thing here to
Colab's CPU runtime (no AVX-512, so no bfloat16).

`--notebook` times another version of the notebook the same way, e.g. an earlier commit's
(`git show REV:Assignment1_FirstName_LastName.ipynb > /tmp/old.ipynb`); alternate the two in one
session to compare them (the machine's speed drifts over minutes).

Usage: python benchmarks/full_run.py [--precision auto|float32] [--threads N] [--notebook PATH]
                                     [--data-dir data]
"""
import argparse
import json
import os
import resource
import tempfile
import time
from pathlib import Path

import papermill

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = ROOT / "Assignment1_FirstName_LastName.ipynb"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", default=str(ROOT / "data"))
    parser.add_argument("--precision", default="auto", choices=["auto", "float32"])
    parser.add_argument("--threads", type=int, help="threads of the kernel (default: all)")
    parser.add_argument("--notebook", default=str(NOTEBOOK))
    args = parser.parse_args()
    if args.threads:  # the kernel inherits the environment; PyTorch reads it at start
        os.environ["OMP_NUM_THREADS"] = os.environ["MKL_NUM_THREADS"] = str(args.threads)
    with tempfile.TemporaryDirectory() as scratch:
        outputs = Path(scratch, "outputs")
        parameters = {"DATA_DIR": args.data_dir, "OUTPUT_DIR": str(outputs)}
        if args.precision != "auto":  # else the notebook's own default
            parameters["PRECISION"] = args.precision
        start = time.perf_counter()
        papermill.execute_notebook(
            args.notebook, str(Path(scratch, "executed.ipynb")), cwd=str(ROOT),
            parameters=parameters,
            progress_bar=False, kernel_name="python3")
        wall = time.perf_counter() - start
        history = json.loads((outputs / "history.json").read_text())
    training = sum(h["seconds"] for h in history)
    # the kernel is a child process of this one, reaped when the run ends
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    threads = args.threads or "all"
    print(f"full default run (Run all, {len(history)} epochs, PRECISION={args.precision}, "
          f"threads: {threads}): {wall:.1f} s wall")
    print(f"training: {training:.1f} s, {training / len(history):.2f} s per epoch")
    print(f"held-out loss: {history[-1]['test_loss']:.2f} nats per image")
    print(f"peak memory of the kernel: {peak:,.0f} MB")


if __name__ == "__main__":
    main()
