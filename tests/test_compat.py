"""Portability: the notebook runs on its oldest supported PyTorch and on Google Colab's versions.

Each test builds (once, then reuses) a separate virtual environment and executes the notebook in
it for two epochs:
- `.venv-oldest/`: PyTorch 2.4.1 with torchvision 0.19.1, NumPy 1.x, Matplotlib 3.7, on this
  Python;
- `.venv-colab-runtime*/`: the versions of a Colab runtime, on the Python it names (from pyenv
  or PATH): tests/colab-runtime.txt, the runtime Colab serves by default, and each
  tests/colab-runtime-<version>.txt, an earlier one that users can still choose.
The environments take several GB (PyPI's CUDA builds of PyTorch), so the tests run only when
asked: VAE_TEST_OLDEST=1 and VAE_TEST_COLAB=1 (CI sets both). A test skips, saying so, when the
disk has too little room to build its environment; with VAE_TEST_REMOVE_ENVS=1 it removes the
environment after use, so that the next one has the room.
"""
import os
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from conftest import DATA_DIR, NOTEBOOK, ROOT, find_python

pytestmark = pytest.mark.slow

OLDEST = ["torch==2.4.1", "torchvision==0.19.1", "numpy<2", "matplotlib==3.7.*", "tqdm",
          "ipykernel"]
COLAB_RUNTIMES = sorted(Path(__file__).parent.glob("colab-runtime*.txt"))
TOOLS = ["papermill"]  # to execute the notebook; not part of the runtime under test
# Building .venv-oldest with PyTorch 2.2 took 7.9 GB of disk at its peak (downloads and
# install), 5.2 GB after: the room asked for before building any of these environments.
ROOM_TO_BUILD = 9e9


def colab_runtime(pins_file):
    """(Python version, pip requirements) of a Colab runtime, from its pins file."""
    lines = [line.strip() for line in pins_file.read_text().splitlines()]
    pins = [line for line in lines if line and not line.startswith("#")]
    python = next(p for p in pins if p.startswith("python=="))
    return python.split("==")[1], [p for p in pins if p != python]


def environment(path, python, requirements):
    """A virtual environment at `path` with `requirements`, built once and reused."""
    stamp = path / "installed.txt"
    wanted = "\n".join([python, *requirements])
    if not stamp.exists() or stamp.read_text() != wanted:
        shutil.rmtree(path, ignore_errors=True)
        free = shutil.disk_usage(path.parent).free
        if free < ROOM_TO_BUILD:
            pytest.skip(f"building {path.name} needs about {ROOM_TO_BUILD / 1e9:.0f} GB of free "
                        f"disk; {free / 1e9:.1f} GB free")
        subprocess.run([python, "-m", "venv", str(path)], check=True)
        subprocess.run([str(path / "bin" / "python"), "-m", "pip", "install", "--quiet",
                        "--disable-pip-version-check", "--no-cache-dir", *requirements],
                       check=True)
        stamp.write_text(wanted)
    return path / "bin" / "python"


@pytest.fixture
def removed_after_use():
    """Collects environment folders to delete after the test when VAE_TEST_REMOVE_ENVS=1."""
    paths = []
    yield paths
    if os.environ.get("VAE_TEST_REMOVE_ENVS") == "1":
        for path in paths:
            shutil.rmtree(path, ignore_errors=True)


def run_notebook(python, tmp_path):
    """Execute the notebook for two epochs in `python`'s own kernel.

    Returns the kernel's Python version and the text the notebook printed.
    """
    executed = tmp_path / "executed.ipynb"
    env_dir = python.parent.parent
    subprocess.run(
        [str(python), "-m", "papermill", "--no-progress-bar", str(NOTEBOOK), str(executed),
         "-p", "EPOCHS", "2", "-p", "DATA_DIR", str(DATA_DIR),
         "-p", "OUTPUT_DIR", str(tmp_path / "outputs")],
        check=True, cwd=ROOT, capture_output=True, text=True,
        env={**os.environ, "PATH": f"{python.parent}{os.pathsep}{os.environ['PATH']}",
             "JUPYTER_PATH": str(env_dir / "share" / "jupyter")})
    nb = nbformat.read(executed, as_version=4)
    assert not [o for c in nb.cells if c.cell_type == "code" for o in c.outputs
                if o.output_type == "error"]
    text = "".join(o.get("text", "") for c in nb.cells if c.cell_type == "code"
                   for o in c.outputs)
    return nb.metadata.language_info.version, text


@pytest.mark.skipif(os.environ.get("VAE_TEST_OLDEST") != "1",
                    reason="set VAE_TEST_OLDEST=1 to build a PyTorch 2.4 environment "
                           "(several GB) and run the notebook in it")
def test_the_notebook_runs_on_pytorch_2_4(tmp_path, removed_after_use):
    removed_after_use.append(ROOT / ".venv-oldest")
    python = environment(ROOT / ".venv-oldest", sys.executable, OLDEST + TOOLS)
    _, text = run_notebook(python, tmp_path)
    assert "PyTorch 2.4.1" in text and "NumPy 1." in text and "Matplotlib 3.7." in text
    assert "2 epochs in" in text


@pytest.mark.skipif(os.environ.get("VAE_TEST_COLAB") != "1",
                    reason="set VAE_TEST_COLAB=1 to build an environment with Colab's versions "
                           "(several GB) and run the notebook in it")
@pytest.mark.parametrize("pins_file", COLAB_RUNTIMES, ids=lambda path: path.stem)
def test_the_notebook_runs_on_colabs_versions(tmp_path, removed_after_use, pins_file):
    version, pins = colab_runtime(pins_file)
    interpreter = find_python(version)
    if interpreter is None:
        pytest.fail(f"Colab's Python {version} is not installed here (pyenv or PATH)")
    folder = ROOT / f".venv-{pins_file.stem}"
    removed_after_use.append(folder)
    python = environment(folder, interpreter, pins + TOOLS)
    kernel_python, text = run_notebook(python, tmp_path)
    assert kernel_python.startswith(f"{version}.")
    versions = dict(p.split("==") for p in pins)
    assert f"PyTorch {versions['torch']}" in text
    assert f"NumPy {versions['numpy']}" in text and f"Matplotlib {versions['matplotlib']}" in text
    assert "2 epochs in" in text
