# One command each: `make run`, `make test`, `make pdf`, `make submission FIRST=Jane LAST=Doe`,
# `make benchmark`. `make run` and `make test` set the machine up first (scripts/setup.sh).
PYTHON ?= python3
NOTEBOOK ?= Assignment1_FirstName_LastName.ipynb
FIRST ?= FirstName
LAST ?= LastName
SUBMISSION := Assignment1_$(FIRST)_$(LAST)
# Extra papermill arguments for `run` and `submission`, e.g. PARAMS="-p EPOCHS 10"
PARAMS ?=
# nbconvert's LaTeX route; coalescing streams keeps only a progress bar's final state
TO_PDF = $(PYTHON) -m jupyter nbconvert --to pdf --CoalesceStreamsPreprocessor.enabled=True

.PHONY: setup run test pdf submission benchmark

setup:
	bash scripts/setup.sh

# Execute the notebook top to bottom with its default parameters and save it with its outputs.
run: setup
	$(PYTHON) -m papermill --log-output $(PARAMS) $(NOTEBOOK) $(NOTEBOOK)

test: setup
	$(PYTHON) -m pytest -ra tests

# Export the notebook as saved (with its outputs) to $(NOTEBOOK:.ipynb=.pdf), offline (xelatex)
pdf:
	$(TO_PDF) $(NOTEBOOK)

# Run the notebook afresh and write $(SUBMISSION).ipynb and $(SUBMISSION).pdf
submission: setup
	$(PYTHON) -m papermill --log-output $(PARAMS) $(NOTEBOOK) $(SUBMISSION).ipynb
	$(TO_PDF) $(SUBMISSION).ipynb

benchmark: setup
	$(PYTHON) benchmarks/train_speed.py
	$(PYTHON) benchmarks/full_run.py
