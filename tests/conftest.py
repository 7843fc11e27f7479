"""Shared fixtures: the notebook's own code, the FashionMNIST data and notebook executions."""
import glob
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))
from notebook_code import NOTEBOOK, load_notebook_module  # noqa: E402

ROOT = NOTEBOOK.parent
DATA_DIR = Path(os.environ.get("DATA_DIR", ROOT / "data")).resolve()
ARTIFACTS = ("loss_curves.png", "latent_scatter.png", "manifold.png", "class_grid.png",
             "history.json", "latent_scatter.npz", "manifold.npz", "class_grid.npz", "vae.pt")

VENV = ROOT / ".venv"
PROJECT_FILES = ("Makefile", "requirements.txt", "requirements-dev.txt", NOTEBOOK.name)


def pytest_configure(config):
    config.addinivalue_line("markers", "slow: takes minutes (the default run, the PDF, "
                                       "`make` runs, other environments); -m 'not slow' skips")


def progress_lines(notebook_cells):
    """Every line of saved stream output that shows the training progress bar."""
    return [line for c in notebook_cells for o in c["outputs"] if o["output_type"] == "stream"
            for line in "".join(o["text"]).replace("\r", "\n").splitlines()
            if line.startswith("Training:")]


def copy_project(target):
    """A scratch copy of what `make run` needs: Makefile, scripts, requirements, notebook."""
    for name in PROJECT_FILES:
        shutil.copy(ROOT / name, target / name)
    shutil.copytree(ROOT / "scripts", target / "scripts",
                    ignore=shutil.ignore_patterns("__pycache__"))


@pytest.fixture(scope="session")
def nb():
    """The notebook's definitions (functions, classes, constants) as a module."""
    return load_notebook_module()


def raw_folder(data_dir):
    """Where the notebook's downloader puts the four files (and torchvision reads them)."""
    return Path(data_dir, "FashionMNIST", "raw")


@pytest.fixture(scope="session")
def data_dir(nb):
    raw = raw_folder(DATA_DIR)
    missing = [f for f in nb.RAW_MD5 if not (raw / f).is_file()]
    if missing:
        pytest.fail(f"FashionMNIST files {missing} are missing from {raw}: run `make setup`.")
    return DATA_DIR


@pytest.fixture(scope="session")
def data(nb, data_dir):
    """The full data set on the CPU, loaded by the notebook's own loader."""
    return nb.load_fashion_mnist(data_dir, torch.device("cpu"))


def execute_notebook(out_dir, **parameters):
    """Run the notebook headless as a grader would (papermill); return the executed notebook.

    Raises papermill.PapermillExecutionError if a cell fails.
    """
    import nbformat
    import papermill

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    parameters = {"DATA_DIR": str(DATA_DIR), "OUTPUT_DIR": str(out_dir / "outputs"),
                  **parameters}
    executed = out_dir / "executed.ipynb"
    papermill.execute_notebook(str(NOTEBOOK), str(executed), parameters=parameters,
                               cwd=str(ROOT), progress_bar=False, kernel_name="python3")
    return nbformat.read(executed, as_version=4)


class Run:
    """An executed notebook and the artifacts it wrote."""

    def __init__(self, out_dir, notebook):
        self.notebook = notebook
        self.outputs = Path(out_dir) / "outputs"
        self.history = json.loads((self.outputs / "history.json").read_text())


@pytest.fixture(scope="session")
def short_run(tmp_path_factory, data_dir):
    """The notebook executed headless for three epochs."""
    out = tmp_path_factory.mktemp("short_run")
    return Run(out, execute_notebook(out, EPOCHS=3))


@pytest.fixture(scope="session")
def default_run(tmp_path_factory, data_dir):
    """The notebook executed headless with its default parameters (the submitted run)."""
    out = tmp_path_factory.mktemp("default_run")
    return Run(out, execute_notebook(out))


def find_python(version):
    """An interpreter of `version` (e.g. "3.12"): pyenv's, else one on PATH; None if absent."""
    candidates = sorted(glob.glob(os.path.expanduser(f"~/.pyenv/versions/{version}.*/bin/python"
                                                     f"{version}")))
    candidates.append(f"python{version}")
    for candidate in candidates:
        try:
            found = subprocess.run([candidate, "-c", "import sys; print(sys.version_info[:2])"],
                                   capture_output=True, text=True, timeout=30)
        except (OSError, subprocess.TimeoutExpired):
            continue
        if found.returncode == 0 and found.stdout.strip() == str(tuple(map(int,
                                                                           version.split(".")))):
            return candidate
    return None
