"""PDF export: `make pdf` on the committed notebook, and the submission target end to end."""
import re
import subprocess
from pathlib import Path

import nbformat
import pytest
from conftest import DATA_DIR, NOTEBOOK, VENV, copy_project, progress_lines

pytestmark = pytest.mark.slow

TITLE = "Variational Autoencoder on FashionMNIST"
HEADINGS = ["Setup", "Parameters", "Data", "The model", "The loss", "Training",
            "(a) Training curves", "Encoding the training set", "(b) The latent space",
            "(c) The learned manifold", "Recognising a category", "Choosing five",
            "(d) Five samples", "Reference"]
RESULTS = ["(a) Training curves", "(b) The latent space", "(c) The learned manifold",
           "(d) Five samples"]
JUNK = re.compile(r"Traceback|Warning|IProgress|Widget|\x1b|\[0m|\[\d+;\d+m")


def pdf_text(pdf):
    return subprocess.run(["pdftotext", "-layout", str(pdf), "-"], check=True,
                          capture_output=True, text=True).stdout


def image_pages(pdf):
    """The numbers of the pages that show an image."""
    listing = subprocess.run(["pdfimages", "-list", str(pdf)], check=True,
                             capture_output=True, text=True).stdout.splitlines()[2:]
    return {int(line.split()[0]) for line in listing if line.split()[2] == "image"}


@pytest.fixture(scope="module")
def pdf(tmp_path_factory):
    """The committed notebook exported by `make pdf`, in a scratch copy of the project."""
    work = tmp_path_factory.mktemp("pdf")
    copy_project(work)
    subprocess.run(["make", "pdf", f"VENV={VENV}", f"DATA_DIR={DATA_DIR}"], cwd=work,
                   check=True, capture_output=True)
    return work / NOTEBOOK.with_suffix(".pdf").name


def test_a_short_report_that_shows_a_within_its_first_pages(pdf):
    info = subprocess.run(["pdfinfo", str(pdf)], check=True, capture_output=True,
                          text=True).stdout
    pages = int(re.search(r"^Pages:\s+(\d+)", info, re.M).group(1))
    assert 8 <= pages <= 16, pages
    assert min(image_pages(pdf)) <= 8  # the first figure is (a)'s


def test_every_figure_of_the_notebook_is_in_the_pdf(pdf):
    nb = nbformat.read(NOTEBOOK, as_version=4)
    figures = sum("image/png" in o.get("data", {}) for c in nb.cells if c.cell_type == "code"
                  for o in c.outputs)
    listing = subprocess.run(["pdfimages", "-list", str(pdf)], check=True,
                             capture_output=True, text=True).stdout.splitlines()[2:]
    images = [line for line in listing if line.split()[2] == "image"]
    assert figures == 4 and len(images) >= figures


def test_the_title_once_with_the_author_under_it_and_every_heading(pdf):
    text = pdf_text(pdf)
    first_page = " ".join(text.split("\f")[0].split())
    assert TITLE in first_page and "Assignment1_FirstName_LastName" not in first_page
    assert first_page.index("FirstName LastName") > first_page.index(TITLE)
    flat = " ".join(text.split())
    assert flat.count(TITLE) == 1
    missing = [h for h in HEADINGS if h not in flat]
    assert not missing


def test_each_result_heading_is_on_the_page_that_shows_its_figure(pdf):
    pages = [" ".join(page.split()) for page in pdf_text(pdf).split("\f")]
    pages_with_images = image_pages(pdf)
    for heading in RESULTS:
        page = next(i + 1 for i, text in enumerate(pages) if heading in text)
        assert page in pages_with_images, f"{heading!r} (page {page}) has no figure on its page"


def test_no_page_is_blank(pdf):
    """Every page shows text besides its number, or a figure (a page filled by a figure must not
    push an empty line onto a page of its own before the next result)."""
    pages = pdf_text(pdf).split("\f")[:-1]  # the text ends with a form feed
    pages_with_images = image_pages(pdf)
    blank = [i + 1 for i, text in enumerate(pages)
             if not re.sub(r"\d+", "", text).strip() and i + 1 not in pages_with_images]
    assert not blank, f"blank pages: {blank}"


def test_no_absolute_path_is_printed(pdf):
    assert not re.findall(r"(?:/work|/root|/home|/tmp|/Users|/content)/\S+", pdf_text(pdf))


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
    copy_project(tmp_path)
    params = f"-p EPOCHS 1 -p DATA_DIR {DATA_DIR} -p OUTPUT_DIR {tmp_path / 'outputs'}"
    result = subprocess.run(["make", "submission", "FIRST=Jane", "LAST=Doe", f"PARAMS={params}",
                             f"DATA_DIR={DATA_DIR}", f"VENV={VENV}"],
                            cwd=tmp_path, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    executed = nbformat.read(tmp_path / "Assignment1_Jane_Doe.ipynb", as_version=4)
    assert executed.metadata.authors == [{"name": "Jane Doe"}]
    code = [c for c in executed.cells if c.cell_type == "code"]
    assert len(progress_lines(code)) == 1  # the progress bar saved once, as `make run` saves it
    assert any("1 epochs in" in o.get("text", "")
               for c in executed.cells if c.cell_type == "code" for o in c.outputs)
    pdf = tmp_path / "Assignment1_Jane_Doe.pdf"
    first_page = " ".join(pdf_text(pdf).split("\f")[0].split())
    assert TITLE in first_page and "Jane Doe" in first_page
    assert (Path(tmp_path) / "outputs" / "class_grid.png").exists()
