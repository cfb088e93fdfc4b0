# The two commands a newcomer needs: `make demo` and `make test`. Both create .venv if missing.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python

.PHONY: demo test lint bench clean mutate dist

$(PY):
	$(PYTHON) -m venv $(VENV)

# Install with uv (fast) from the registry; fall back to pip if uv cannot be had. Bytecode is
# compiled at install: where PYTHONDONTWRITEBYTECODE is set (as on this machine) every
# process would otherwise compile ~1,400 modules again (~2 s per CLI run).
$(VENV)/.installed: pyproject.toml | $(PY)
	( $(PY) -m pip install -q uv && $(VENV)/bin/uv pip install -q --compile-bytecode --python $(PY) -e '.[test]' ) \
	  || $(PY) -m pip install -q -e '.[test]'
	touch $@

demo: $(VENV)/.installed
	PATH="$(CURDIR)/$(VENV)/bin:$$PATH" bash examples/credit/demo.sh

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check gate tests benchmarks examples
	$(VENV)/bin/ruff format --check gate tests benchmarks examples

# Two workers: most tests run the CLI in a fresh process, whose imports (scikit-learn, skops,
# pandas) dominate; two cores halve the wall time (12.7 -> 6.8 minutes here).
test: $(VENV)/.installed lint
	$(PY) -m compileall -q gate tests > /dev/null
	$(PY) -m pytest -n 2 --durations=30

# The release files: dist/model_gate-<version>.tar.gz and the wheel built from that sdist (so a
# file missing from the sdist is missing from the wheel too). tests/test_wheel_install.py
# builds them the same way, installs the wheel outside the repository and runs it.
dist: $(VENV)/.installed
	rm -rf dist
	$(VENV)/bin/uv build --quiet --out-dir dist

# The start-up timings and the floor / gate / hand-written benchmark (benchmarks/run_all.py) ->
# benchmarks/RESULTS.md. 1M and 10M rows by default (the 10M case takes long); ROWS=1000000
# picks one size, e.g. `make bench ROWS=1000000`. The hand-written evaluation costs ~20 s per
# resample at 1M rows, so it runs HAND resamples per size (1,000 would take hours); the gate
# always runs its full 1,000.
ROWS ?=
HAND ?= 1M:30,10M:1
bench: $(VENV)/.installed
	$(PY) benchmarks/run_all.py $(if $(ROWS),--rows $(ROWS)) --hand-resamples $(HAND)

# Mutation testing of the modules that decide ([tool.mutmut] in pyproject.toml): plants small
# bugs one at a time and runs the unit tests that reach each; prints the kill rate per module.
# MUTANTS narrows the run, e.g. MUTANTS='gate.decision*'. Takes minutes on two cores.
MUTANTS ?=
mutate: $(VENV)/.installed
	$(VENV)/bin/uv pip install -q --python $(PY) -e '.[test,mutate]' \
	  || $(PY) -m pip install -q -e '.[test,mutate]'
	rm -rf mutants
	PATH="$(CURDIR)/$(VENV)/bin:$$PATH" mutmut run --max-children 2 $(MUTANTS)
	PATH="$(CURDIR)/$(VENV)/bin:$$PATH" $(PY) tools/mutation_report.py

clean:
	rm -rf $(VENV) examples/credit/build dist
