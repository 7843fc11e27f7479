"""Set-up: the project's own environment, never the system's, and the notebook in its kernel."""
import json
import os
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from conftest import DATA_DIR, NOTEBOOK, ROOT, VENV, copy_project, find_python


def setup_env(**extra):
    """The environment that `make` gives scripts/setup.sh, for the project's .venv and data."""
    return {**os.environ, "VENV": str(VENV), "DATA_DIR": str(DATA_DIR), **extra}


def test_the_tests_run_in_the_projects_virtual_environment():
    assert Path(sys.prefix).resolve() == VENV.resolve()
    assert sys.prefix != sys.base_prefix


def test_set_up_installed_nothing_into_the_python_that_started_it():
    recorded = (VENV / "system-site-packages.txt").read_text()
    base = recorded.splitlines()[0]
    now = subprocess.run([base, str(ROOT / "scripts" / "site_packages.py")], check=True,
                         capture_output=True, text=True).stdout
    assert now == recorded, f"set-up changed the site-packages of {base}"


def test_a_second_set_up_reuses_the_environment():
    result = subprocess.run(["bash", "scripts/setup.sh"], cwd=ROOT, env=setup_env(),
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert "Python packages up to date" in result.stdout
    assert "creating" not in result.stdout and "installing" not in result.stdout


def test_only_the_pdf_targets_set_up_the_pdf_tools():
    """`make run` needs no LaTeX: plain set-up does not look for the PDF tools, `pdf` does."""
    plain = subprocess.run(["bash", "scripts/setup.sh"], cwd=ROOT, env=setup_env(),
                           capture_output=True, text=True)
    pdf = subprocess.run(["bash", "scripts/setup.sh", "pdf"], cwd=ROOT, env=setup_env(),
                         capture_output=True, text=True)
    assert plain.returncode == 0 and pdf.returncode == 0, plain.stderr + pdf.stderr
    assert "PDF tools" not in plain.stdout + plain.stderr
    assert "PDF tools already installed" in pdf.stdout or "PDF tools installed" in pdf.stdout
    makefile = (ROOT / "Makefile").read_text()
    assert "run: setup\n" in makefile and "pdf: setup-pdf\n" in makefile


def test_a_python_older_than_3_10_gets_one_clear_line(tmp_path):
    old = find_python("3.9")
    if old is None:  # no real Python 3.9 here: a stand-in that reports itself as 3.9
        old = tmp_path / "python3"
        old.write_text("#!/bin/sh\necho 3.9\n")
        old.chmod(0o755)
    result = subprocess.run(["bash", "scripts/setup.sh"], cwd=ROOT, capture_output=True,
                            text=True, env=setup_env(PYTHON=str(old), VENV=str(tmp_path / "v")))
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        f"[setup] ERROR: Python 3.10 or newer is needed; {old} is Python 3.9."]
    assert not (tmp_path / "v").exists()


@pytest.mark.slow
def test_make_run_uses_the_projects_kernel_even_with_a_user_kernel_named_python3(tmp_path):
    """A user-level kernel spec "python3" for another Python is common; papermill would pick
    it (JUPYTER_PREFER_ENV_PATH=0 makes user specs win even inside a virtual environment). This
    one would leave a marker and fail; `make run` must not start it."""
    home, project = tmp_path / "home", tmp_path / "project"
    spec = home / ".local" / "share" / "jupyter" / "kernels" / "python3"
    spec.mkdir(parents=True)
    project.mkdir()
    marker = tmp_path / "user-kernel-started"
    spec.joinpath("kernel.json").write_text(json.dumps({
        "argv": ["/bin/sh", "-c", f"touch {marker}; exit 1", "{connection_file}"],
        "display_name": "Python 3 (some other Python)", "language": "python"}))
    copy_project(project)
    env = {k: v for k, v in os.environ.items()
           if k not in ("JUPYTER_PATH", "JUPYTER_DATA_DIR", "XDG_DATA_HOME")}
    params = f"-p EPOCHS 1 -p DATA_DIR {DATA_DIR} -p OUTPUT_DIR {tmp_path / 'outputs'}"
    result = subprocess.run(["make", "run", f"VENV={VENV}", f"DATA_DIR={DATA_DIR}",
                             f"PARAMS={params}"], cwd=project, capture_output=True, text=True,
                            env={**env, "HOME": str(home), "JUPYTER_PREFER_ENV_PATH": "0",
                                 "MPLCONFIGDIR": str(tmp_path / "mpl")})
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert not marker.exists(), "the user's kernel was started"
    executed = nbformat.read(project / NOTEBOOK.name, as_version=4)
    assert any("1 epochs in" in o.get("text", "") for c in executed.cells
               if c.cell_type == "code" for o in c.outputs)


@pytest.mark.skipif(not Path("/usr/bin/python3").exists(), reason="no system Python here")
def test_the_user_kernel_would_be_picked_without_the_projects_kernel_path(tmp_path):
    """The test above means something: without the Makefile's JUPYTER_PATH, the same settings
    resolve "python3" to the user's kernel spec."""
    home = tmp_path / "home"
    spec = home / ".local" / "share" / "jupyter" / "kernels" / "python3"
    spec.mkdir(parents=True)
    spec.joinpath("kernel.json").write_text(json.dumps({
        "argv": ["/usr/bin/python3", "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "user", "language": "python"}))
    env = {k: v for k, v in os.environ.items() if k not in ("JUPYTER_PATH", "XDG_DATA_HOME")}
    found = subprocess.run(
        [sys.executable, "-c", "from jupyter_client.kernelspec import KernelSpecManager as K;"
                               "print(K().get_kernel_spec('python3').argv[0])"],
        env={**env, "HOME": str(home), "JUPYTER_PREFER_ENV_PATH": "0"},
        capture_output=True, text=True, check=True).stdout.strip()
    assert found == "/usr/bin/python3"
