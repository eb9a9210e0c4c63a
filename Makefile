# The two commands: `make run` (set up, then start) and `make test` (set up, then every test).
VENV   ?= .venv
PY     := $(VENV)/bin/python
PIP    := $(VENV)/bin/pip
STAMP  := $(VENV)/.installed-stamp

.PHONY: setup run test bench mutants check clean

$(STAMP): pyproject.toml scripts/install.sh
	VENV=$(VENV) EXTRAS=dev scripts/install.sh
	touch $(STAMP)

setup: $(STAMP)

run: setup
	$(VENV)/bin/tracegrade serve --demo

test: setup
	$(PY) -m pytest -q

check: setup
	$(VENV)/bin/tracegrade check exercises

bench: setup
	$(PY) bench/grading.py

mutants: setup
	$(PY) bench/mutants.py

clean:
	rm -rf $(VENV) .pytest_cache
