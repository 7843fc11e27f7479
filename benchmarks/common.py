"""What the benchmarks share: the project root, the notebook's own code as a module (loaded by
scripts/notebook_code.py, as the tests load it) with its progress bars off, and the switches that
make this machine compute as Google Colab's CPU runtime does. Importing this module also puts
scripts/ on the import path (for `import judges`)."""
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# no progress bars from the notebook's train_vae: tqdm reads this when it is first imported
# (`import torch` imports it), so a benchmark imports this module before torch
os.environ["TQDM_DISABLE"] = "1"
sys.path.insert(0, str(ROOT / "scripts"))
from notebook_code import NOTEBOOK, load_notebook_module  # noqa: E402

# Colab's CPU runtime is one core with AVX2 and no AVX-512. On a CPU with AVX-512 these make
# PyTorch's own kernels (ATen), MKL's matrix products and oneDNN run their AVX2 code, and one
# thread do the work; each library reads its switch when it starts.
COLAB_CPU = {"ATEN_CPU_CAPABILITY": "avx2", "MKL_ENABLE_INSTRUCTIONS": "AVX2",
             "ONEDNN_MAX_CPU_ISA": "AVX2", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}


def load_notebook(path=None):
    """The notebook's definitions (functions, classes, constants) as a module."""
    return load_notebook_module(Path(path) if path else NOTEBOOK)


def add_colab_cpu_option(parser):
    """The `--colab-cpu` flag that every benchmark takes."""
    parser.add_argument("--colab-cpu", action="store_true",
                        help="float32 on one thread with AVX2 kernels, as Colab's CPU runtime")


def restart_as_colab_cpu():
    """Run this script again with COLAB_CPU set, unless it already is (a no-op then)."""
    if any(os.environ.get(name) != value for name, value in COLAB_CPU.items()):
        os.environ.update(COLAB_CPU)
        os.execv(sys.executable, [sys.executable, *sys.argv])


def describe_cpu():
    """What the arithmetic runs on: PyTorch's version and kernel level, and the thread count."""
    import torch
    return (f"PyTorch {torch.__version__}, {torch.backends.cpu.get_cpu_capability()} kernels, "
            f"{torch.get_num_threads()} thread(s)")
