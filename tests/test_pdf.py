"""PDF export: `make pdf` on the committed notebook, and the submission target end to end."""
import re
import shutil
import subprocess
from pathlib import Path

import nbformat
import pytest
from conftest import DATA_DIR, NOTEBOOK, ROOT

HEADINGS = ["Variational Autoencoder on FashionMNIST", "Setup", "Parameters", "Data",
            "The model", "Training", "(a) Training curves", "Reconstructions",
            "(b) The latent space", "(c) The learned manifold", "(d) Five samples"]
JUNK = re.compile(r"Traceback|Warning|IProgress|Widget|\x1b|\[0m|\[\d+;\d+m")


def pdf_text(pdf):
    return subprocess.run(["pdftotext", "-layout", str(pdf), "-"], check=True,
                          capture_output=True, text=True).stdout


@pytest.fixture(scope="module")
def pdf(tmp_path_factory):
    """The committed notebook exported by `make pdf`, in a scratch copy of the project."""
    work = tmp_path_factory.mktemp("pdf")
    for name in ("Makefile", NOTEBOOK.name):
        shutil.copy(ROOT / name, work / name)
    shutil.copytree(ROOT / "scripts", work / "scripts")
    subprocess.run(["make", "pdf"], cwd=work, check=True, capture_output=True)
    return work / NOTEBOOK.with_suffix(".pdf").name


def test_page_count_is_that_of_a_short_report(pdf):
    info = subprocess.run(["pdfinfo", str(pdf)], check=True, capture_output=True,
                          text=True).stdout
    pages = int(re.search(r"^Pages:\s+(\d+)", info, re.M).group(1))
    assert 8 <= pages <= 30, pages


def test_every_figure_of_the_notebook_is_in_the_pdf(pdf):
    nb = nbformat.read(NOTEBOOK, as_version=4)
    figures = sum("image/png" in o.get("data", {}) for c in nb.cells if c.cell_type == "code"
                  for o in c.outputs)
    listing = subprocess.run(["pdfimages", "-list", str(pdf)], check=True,
                             capture_output=True, text=True).stdout.splitlines()[2:]
    images = [line for line in listing if line.split()[2] == "image"]
    assert figures >= 6 and len(images) >= figures


def test_title_and_section_headings_are_there(pdf):
    text = pdf_text(pdf)
    first_page = text.split("\f")[0]
    assert "Variational Autoencoder on FashionMNIST" in first_page
    assert "Assignment1_FirstName_LastName" not in first_page
    flat = " ".join(text.split())
    missing = [h for h in HEADINGS if h not in flat]
    assert not missing


def test_no_junk_and_only_the_final_progress_bar(pdf):
    text = pdf_text(pdf)
    assert not JUNK.findall(text)
    bars = re.findall(r"Training:\s+\d+%", text)
    assert len(bars) == 1 and "100%" in bars[0], bars


def test_math_is_rendered_not_left_as_latex_source(pdf):
    text = pdf_text(pdf)
    for command in ("\\mathbb", "\\mathcal", "\\sum", "\\log", "\\sigma", "\\mid",
                    "\\underbrace", "$$"):
        assert command not in text, command
    assert "ELBO" in text and "∑" in text and "𝑧" in text  # math italic z


def test_no_line_runs_off_the_page(pdf):
    html = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], check=True,
                          capture_output=True, text=True).stdout
    offenders = []
    for page in re.finditer(r'<page width="([\d.]+)"[^>]*>(.*?)</page>', html, re.S):
        width = float(page.group(1))
        for x_max, word in re.findall(r'<word xMin="[\d.]+" yMin="[\d.]+" xMax="([\d.]+)"'
                                      r'[^>]*>([^<]*)</word>', page.group(2)):
            if float(x_max) > width - 20:
                offenders.append(word)
    assert not offenders


def test_submission_target_writes_the_named_notebook_and_pdf(tmp_path):
    for name in ("Makefile", NOTEBOOK.name, "requirements.txt", "requirements-dev.txt"):
        shutil.copy(ROOT / name, tmp_path / name)
    shutil.copytree(ROOT / "scripts", tmp_path / "scripts")
    params = f"-p EPOCHS 1 -p DATA_DIR {DATA_DIR} -p OUTPUT_DIR {tmp_path / 'outputs'}"
    result = subprocess.run(["make", "submission", "FIRST=Jane", "LAST=Doe", f"PARAMS={params}",
                             f"DATA_DIR={DATA_DIR}"],
                            cwd=tmp_path, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    executed = nbformat.read(tmp_path / "Assignment1_Jane_Doe.ipynb", as_version=4)
    assert any("Final held-out loss (epoch 1)" in o.get("text", "")
               for c in executed.cells if c.cell_type == "code" for o in c.outputs)
    assert (tmp_path / "Assignment1_Jane_Doe.pdf").read_bytes().startswith(b"%PDF")
    assert (Path(tmp_path) / "outputs" / "class_grid.png").exists()
