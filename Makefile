# One command each: `make run`, `make test`, `make pdf`, `make submission FIRST=Jane LAST=Doe`,
# `make benchmark`. Each first sets the project up (scripts/setup.sh): a virtual environment in
# $(VENV), built once with $(PYTHON) and reused, and FashionMNIST; the targets that make or test
# the PDF also install the PDF tools.
PYTHON ?= python3
VENV ?= .venv
DATA_DIR ?= data
NOTEBOOK ?= Assignment1_FirstName_LastName.ipynb
FIRST ?= FirstName
LAST ?= LastName
SUBMISSION := Assignment1_$(FIRST)_$(LAST)
# Extra papermill arguments for `run` and `submission`, e.g. PARAMS="-p EPOCHS 10"
PARAMS ?=
VPY := $(VENV)/bin/python
# The notebook runs in the environment's own "python3" kernel, even when the user has another
# kernel of that name (JUPYTER_PATH is searched first).
export JUPYTER_PATH := $(abspath $(VENV))/share/jupyter$(if $(JUPYTER_PATH),:$(JUPYTER_PATH))
# nbconvert's LaTeX route with scripts/pdf_report (each result starts a page): the title cell is
# dropped (the title block prints it, with the author), and coalescing streams keeps only a
# progress bar's final state.
TO_PDF = $(VPY) -m jupyter nbconvert --to pdf --CoalesceStreamsPreprocessor.enabled=True \
	--TagRemovePreprocessor.remove_cell_tags=title \
	--TemplateExporter.extra_template_basedirs=scripts --template pdf_report

# papermill saves each update of a progress bar as an output of its own; coalescing the streams
# keeps one line per bar, its final state, so that the saved notebook exports cleanly anywhere.
COALESCE = $(VPY) -m jupyter nbconvert --to notebook --inplace --log-level=WARN \
	--CoalesceStreamsPreprocessor.enabled=True

SETUP = PYTHON=$(PYTHON) VENV=$(VENV) DATA_DIR=$(DATA_DIR) bash scripts/setup.sh

.PHONY: setup setup-pdf run test test-fast pdf submission benchmark

setup:
	$(SETUP)

setup-pdf:
	$(SETUP) pdf

# Execute the notebook top to bottom with its default parameters and save it with its outputs.
run: setup
	$(VPY) -m papermill --log-output $(PARAMS) $(NOTEBOOK) $(NOTEBOOK)
	$(COALESCE) $(NOTEBOOK)

test: setup-pdf
	$(VPY) -m pytest -ra tests

# The tests without the slow ones (full default run, PDF export, environments): for development
test-fast: setup
	$(VPY) -m pytest -ra -m "not slow" tests

# Export the notebook as saved (with its outputs) to $(NOTEBOOK:.ipynb=.pdf), offline (xelatex)
pdf: setup-pdf
	$(TO_PDF) $(NOTEBOOK)

# Run the notebook afresh as $(SUBMISSION).ipynb, with the author's name in its metadata (the
# PDF prints it under the title), and export $(SUBMISSION).pdf
submission: setup-pdf
	$(VPY) -c 'import sys, nbformat; nb = nbformat.read(sys.argv[1], 4); \
		nb.metadata.authors = [{"name": sys.argv[3]}]; nbformat.write(nb, sys.argv[2])' \
		$(NOTEBOOK) $(SUBMISSION).ipynb "$(FIRST) $(LAST)"
	$(VPY) -m papermill --log-output $(PARAMS) $(SUBMISSION).ipynb $(SUBMISSION).ipynb
	$(COALESCE) $(SUBMISSION).ipynb
	$(TO_PDF) $(SUBMISSION).ipynb

# The speed benchmarks of benchmarks/README.md: the epoch against the matmul floor and the
# textbook loop, fused Adam against the standard update, and the full default run, as they run
# here and as Colab's CPU runtime computes (one thread, AVX2 kernels)
benchmark: setup
	$(VPY) benchmarks/train_speed.py
	$(VPY) benchmarks/train_speed.py --colab-cpu
	$(VPY) benchmarks/speed_devices.py --colab-cpu
	$(VPY) benchmarks/full_run.py
	$(VPY) benchmarks/full_run.py --colab-cpu
