# mcbadge: `make demo` and `make test` work on a fresh machine; each creates .venv when missing.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: install demo test lint typecheck unit bench bench-js bench-peers clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/python examples/e2e_demo.py

lint: $(STAMP)
	$(BIN)/ruff check src tests bench examples
	$(BIN)/ruff format --check src tests bench examples

typecheck: $(STAMP)
	$(BIN)/mypy --strict src

unit: $(STAMP)
	$(BIN)/python -m pytest -q

test: lint typecheck unit

bench: $(STAMP)
	$(BIN)/python -m bench

# the JavaScript reference stack (bench/js, exact versions from its package-lock.json) for
# `python -m bench js_reference` and tests/interop; needs node >= 20 and npm
bench-js:
	cd bench/js && npm ci --no-audit --no-fund

# the Python peers (openbadgeslib, didkit) for `python -m bench peers`, in their own venv:
# never mcbadge's dependencies
bench-peers:
	@test -x bench/.peers-venv/bin/python || $(PYTHON) -m venv bench/.peers-venv
	bench/.peers-venv/bin/python -m pip install --quiet -r bench/peers-requirements.txt

clean:
	rm -rf $(VENV) build dist .mypy_cache .pytest_cache .ruff_cache demo-output
