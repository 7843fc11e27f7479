"""What the benchmarks share: the project root, and the notebook's own code as a module (loaded
by scripts/notebook_code.py, as the tests load it), with its progress bars off. Importing this
module also puts scripts/ on the import path (for `import judges`)."""
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# no progress bars from the notebook's train_vae: tqdm reads this when it is first imported
# (`import torch` imports it), so a benchmark imports this module before torch
os.environ["TQDM_DISABLE"] = "1"
sys.path.insert(0, str(ROOT / "scripts"))
from notebook_code import NOTEBOOK, load_notebook_module  # noqa: E402


def load_notebook(path=None):
    """The notebook's definitions (functions, classes, constants) as a module."""
    return load_notebook_module(Path(path) if path else NOTEBOOK)
