# entrylint: `make demo` runs it on the bundled example, `make test` runs the whole suite.
PYTHON ?= python3
VENV   ?= .venv
PY      = $(VENV)/bin/python
PYTEST_ARGS ?=

.PHONY: demo test fuzz bench bench-build e2e venv clean

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e .
	touch $@

$(VENV)/.test-installed: $(VENV)/.installed
	$(PY) -m pip install -q -e '.[test]'
	touch $@

venv: $(VENV)/.test-installed

demo: $(VENV)/.installed
	$(PY) examples/demo.py

test: $(VENV)/.test-installed
	$(PY) -m pytest -q -n 2 -m "not fuzz" $(PYTEST_ARGS)

fuzz: $(VENV)/.test-installed
	ENTRYLINT_FUZZ_SECONDS=$${ENTRYLINT_FUZZ_SECONDS:-600} $(PY) -m pytest -q -m fuzz -p no:cacheprovider $(PYTEST_ARGS)

bench: $(VENV)/.test-installed
	$(PY) bench/run.py

# entrylint build beside plain make on the e2e tree of BENCH_ERA (make e2e first): minutes, one round
BENCH_ERA ?= 6.12
bench-build: $(VENV)/.test-installed
	$(PY) bench/run.py --only build --era $(BENCH_ERA)

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache

-include e2e/e2e.mk
