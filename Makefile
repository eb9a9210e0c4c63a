# The two commands: `make run` (set up, then start) and `make test` (set up, then every test).
VENV   ?= .venv
PY     := $(VENV)/bin/python
PIP    := $(VENV)/bin/pip
STAMP  := $(VENV)/.installed-stamp

.PHONY: setup run test bench check clean

$(STAMP): pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PIP) install --quiet --disable-pip-version-check torch==2.13.0
	$(PIP) install --quiet --disable-pip-version-check -e '.[dev]'
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

clean:
	rm -rf $(VENV) .pytest_cache
