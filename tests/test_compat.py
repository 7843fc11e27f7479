"""Portability: the notebook runs on its oldest supported PyTorch 2.2 and torchvision 0.17.

Builds (once) a separate virtual environment with those releases and executes the notebook in
it for one epoch. The environment is several GB, so the test runs only when asked:
set VAE_TEST_OLDEST=1 (CI does).
"""
import os
import subprocess
import venv

import nbformat
import pytest
from conftest import DATA_DIR, NOTEBOOK, ROOT

OLDEST = ["torch==2.2.2", "torchvision==0.17.2", "numpy<2", "matplotlib==3.7.*", "tqdm",
          "ipykernel", "papermill"]
ENV = ROOT / ".venv-oldest"

pytestmark = pytest.mark.skipif(os.environ.get("VAE_TEST_OLDEST") != "1",
                                reason="set VAE_TEST_OLDEST=1 to build a PyTorch 2.2 "
                                       "environment (several GB) and run the notebook in it")


@pytest.fixture(scope="module")
def oldest_python():
    python = ENV / "bin" / "python"
    stamp = ENV / "installed.txt"
    if not stamp.exists() or stamp.read_text() != "\n".join(OLDEST):
        venv.create(ENV, with_pip=True, clear=True)
        subprocess.run([str(python), "-m", "pip", "install", "--quiet",
                        "--disable-pip-version-check", *OLDEST], check=True)
        stamp.write_text("\n".join(OLDEST))
    return python


def test_the_notebook_runs_on_pytorch_2_2(oldest_python, tmp_path):
    executed = tmp_path / "executed.ipynb"
    subprocess.run(
        [str(oldest_python), "-m", "papermill", "--no-progress-bar", str(NOTEBOOK),
         str(executed), "-p", "EPOCHS", "2", "-p", "DATA_DIR", str(DATA_DIR),
         "-p", "OUTPUT_DIR", str(tmp_path / "outputs")],
        check=True, cwd=ROOT, capture_output=True, text=True,
        env={**os.environ, "PATH": f"{oldest_python.parent}{os.pathsep}{os.environ['PATH']}"})
    nb = nbformat.read(executed, as_version=4)
    text = "".join(o.get("text", "") for c in nb.cells if c.cell_type == "code"
                   for o in c.outputs)
    assert "PyTorch 2.2.2" in text and "torchvision 0.17.2" in text
    assert "Final held-out loss (epoch 2)" in text
    assert not [o for c in nb.cells if c.cell_type == "code" for o in c.outputs
                if o.output_type == "error"]
