"""The committed notebook is what a grader opens first: a clean, complete default run."""
import re

import nbformat
from conftest import NOTEBOOK, progress_lines

JUNK = re.compile(r"Traceback|Warning|IProgress|\x1b\[|Error")


def committed():
    return nbformat.read(NOTEBOOK, as_version=4)


def code_cells():
    return [c for c in committed()["cells"] if c["cell_type"] == "code"]


def test_cells_ran_once_each_in_order():
    counts = [c["execution_count"] for c in code_cells()]
    assert counts == list(range(1, len(counts) + 1))


def test_outputs_hold_the_figures_and_no_errors_or_warnings():
    outputs = [o for c in code_cells() for o in c["outputs"]]
    assert sum("image/png" in o.get("data", {}) for o in outputs) == 4
    assert not [o for o in outputs if o["output_type"] == "error"]
    texts = ["".join(o.get("text", "")) for o in outputs]
    assert not [t for t in texts if JUNK.search(t)]


def test_it_is_a_default_run():
    cells = committed()["cells"]
    assert not [c for c in cells if "injected-parameters" in c["metadata"].get("tags", [])]
    tagged = [c for c in cells if "parameters" in c["metadata"].get("tags", [])]
    assert len(tagged) == 1
    epochs = int(re.search(r"^EPOCHS = (\d+)", "".join(tagged[0]["source"]), re.M).group(1))
    history = "".join(o.get("text", "") for c in code_cells() for o in c["outputs"])
    assert f"{epochs} epochs in" in history and f"{epochs}/{epochs} [" in history


def test_the_notebook_carries_its_title_and_author_for_the_pdf():
    nb = committed()
    assert nb["metadata"]["title"] == "Variational Autoencoder on FashionMNIST"
    assert nb["metadata"]["authors"] == [{"name": "FirstName LastName"}]
    title_cell = nb["cells"][0]
    assert "".join(title_cell["source"]) == "# " + nb["metadata"]["title"]
    assert "title" in title_cell["metadata"]["tags"]  # dropped from the PDF, which prints it


def test_no_output_prints_an_absolute_path():
    text = "".join("".join(o.get("text", "")) + "".join(o.get("data", {}).get("text/plain", ""))
                   for c in code_cells() for o in c["outputs"])
    assert not re.findall(r"(?:/work|/root|/home|/tmp|/Users|/content)/\S+", text)


def non_blank_lines(cell):
    return [line for line in "".join(cell["source"]).splitlines() if line.strip()]


def test_every_code_cell_is_short_and_follows_a_markdown_cell():
    cells = committed()["cells"]
    for i, cell in enumerate(cells):
        if cell["cell_type"] == "code":
            assert len(non_blank_lines(cell)) <= 40, i
            assert max(len(line) for line in non_blank_lines(cell)) <= 79, i
            assert cells[i - 1]["cell_type"] == "markdown", i


def test_the_notebook_is_short_enough_to_explain_line_by_line():
    cells = committed()["cells"]
    code = [line for c in cells if c["cell_type"] == "code" for line in non_blank_lines(c)]
    markdown = [line for c in cells if c["cell_type"] == "markdown" for line in non_blank_lines(c)]
    assert len(code) <= 400 and len(markdown) <= 120
    assert sum(line.lstrip().startswith("def ") for line in code) <= 30


def test_one_arithmetic_float32_on_cuda_or_the_cpu():
    source = "\n".join(line for c in committed()["cells"] for line in non_blank_lines(c))
    for other in ("bfloat16", "autocast", "float16", "mps", "PRECISION"):
        assert not re.search(rf"\b{other}\b", source, re.I), other


def test_the_progress_bar_is_saved_once_in_its_final_state():
    lines = progress_lines(code_cells())
    assert len(lines) == 1 and "100%" in lines[0], lines[:3]
