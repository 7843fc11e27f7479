"""The full default run: Run all of the notebook headless, timed, with its peak memory.

Executes the notebook with its default parameters (only OUTPUT_DIR points to a scratch folder,
so the committed outputs are left alone), then prints the wall time of the whole run, the time of
its slowest sections (by the heading above each code cell; training includes each epoch's
held-out pass), the training time per epoch, the held-out loss and the peak resident memory of
the kernel. `--colab-cpu` runs it as Colab's CPU runtime computes: float32 on one thread with
AVX2 kernels (benchmarks/common.py); `--threads 1` runs on one thread with this CPU's own
kernels.

`--notebook` times another version of the notebook the same way, e.g. an earlier commit's
(`git show REV:Assignment1_FirstName_LastName.ipynb > /tmp/old.ipynb`); alternate the two in one
session to compare them (the machine's speed drifts over minutes).

Usage: python benchmarks/full_run.py [--threads N] [--colab-cpu] [--notebook PATH]
                                     [--data-dir data]
"""
import argparse
import json
import os
import resource
import tempfile
import time
from collections import defaultdict
from pathlib import Path

from common import COLAB_CPU, ROOT, add_colab_cpu_option
import nbformat
import papermill

# common turns progress bars off for the other benchmarks; the timed run keeps its bar
os.environ.pop("TQDM_DISABLE", None)

NOTEBOOK = ROOT / "Assignment1_FirstName_LastName.ipynb"


def section_seconds(notebook):
    """Seconds per section of an executed notebook: its code cells' durations, each counted
    under the last heading (a markdown cell's `## ` line) above it."""
    seconds, heading = defaultdict(float), "(before the first heading)"
    for cell in notebook.cells:
        if cell.cell_type == "markdown" and cell.source.startswith("## "):
            heading = cell.source.splitlines()[0][3:]
        elif cell.cell_type == "code":
            seconds[heading] += cell.metadata.get("papermill", {}).get("duration") or 0.0
    return seconds


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", default=str(ROOT / "data"))
    parser.add_argument("--threads", type=int, help="threads of the kernel (default: all)")
    add_colab_cpu_option(parser)
    parser.add_argument("--notebook", default=str(NOTEBOOK))
    args = parser.parse_args()
    if args.colab_cpu:  # the kernel inherits the environment; its libraries read it at start
        os.environ.update(COLAB_CPU)
        args.threads = 1
    elif args.threads:
        os.environ["OMP_NUM_THREADS"] = os.environ["MKL_NUM_THREADS"] = str(args.threads)
    with tempfile.TemporaryDirectory() as scratch:
        outputs = Path(scratch, "outputs")
        parameters = {"DATA_DIR": args.data_dir, "OUTPUT_DIR": str(outputs)}
        executed = Path(scratch, "executed.ipynb")
        start = time.perf_counter()
        papermill.execute_notebook(args.notebook, str(executed), cwd=str(ROOT),
                                   parameters=parameters, progress_bar=False,
                                   kernel_name="python3")
        wall = time.perf_counter() - start
        history = json.loads((outputs / "history.json").read_text())
        sections = section_seconds(nbformat.read(executed, as_version=4))
    training = sum(h["seconds"] for h in history)
    # the kernel is a child process of this one, reaped when the run ends
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    how = ("as Colab's CPU runtime: AVX2 kernels, 1 thread" if args.colab_cpu
           else f"threads: {args.threads or 'all'}")
    print(f"full default run (Run all, {len(history)} epochs, {how}): {wall:.1f} s wall")
    for heading, seconds in sorted(sections.items(), key=lambda item: -item[1])[:4]:
        print(f"  {seconds:6.1f} s ({seconds / wall:4.0%})  {heading}")
    print(f"training: {training:.1f} s, {training / len(history):.2f} s per epoch")
    print(f"held-out loss: {history[-1]['test_loss']:.2f} nats per image")
    print(f"peak memory of the kernel: {peak:,.0f} MB")


if __name__ == "__main__":
    main()
