"""The full default run: Run all of the notebook headless, timed, with its peak memory.

Executes the notebook with its default parameters (only OUTPUT_DIR points to a scratch folder,
so the committed outputs are left alone), then prints the wall time of the whole run, the
training time per epoch, the held-out loss and the peak resident memory of the kernel.

Usage: python benchmarks/full_run.py [--data-dir data]
"""
import argparse
import json
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
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        outputs = Path(scratch, "outputs")
        start = time.perf_counter()
        papermill.execute_notebook(
            str(NOTEBOOK), str(Path(scratch, "executed.ipynb")), cwd=str(ROOT),
            parameters={"DATA_DIR": args.data_dir, "OUTPUT_DIR": str(outputs)},
            progress_bar=False, kernel_name="python3")
        wall = time.perf_counter() - start
        history = json.loads((outputs / "history.json").read_text())
    training = sum(h["seconds"] for h in history)
    # the kernel is a child process of this one, reaped when the run ends
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"full default run (Run all, {len(history)} epochs): {wall:.1f} s wall")
    print(f"training: {training:.1f} s, {training / len(history):.2f} s per epoch")
    print(f"held-out loss: {history[-1]['test_loss']:.2f} nats per image")
    print(f"peak memory of the kernel: {peak:,.0f} MB")


if __name__ == "__main__":
    main()
