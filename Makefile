# Two commands on a fresh machine: `make run` serves the embedded default, `make test` passes the tests.
PYTHON ?= python3
VENV := .venv
STAMP := $(VENV)/.installed

.PHONY: run test test-python test-miniprogram test-fast lint install bench simulate simulate-pg clean

$(STAMP): requirements.txt requirements-dev.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install --quiet -r requirements-dev.txt
	$(VENV)/bin/pip install --quiet --no-deps -e .
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	deploy/run-local.sh

# The whole suite: the backend's tests, then the mini-program's (jest, driving its pages against
# this backend started on SQLite with the demo community; miniprogram/README.md).
test: test-python test-miniprogram

# In parallel, one pytest-xdist worker a core; each worker has its own SQLite files, PostgreSQL
# schema, Redis namespace, ports and servers (tests/support/). Tests that must not overlap another
# worker's share an xdist_group (loadgroup runs a group in one worker). `PYTEST_XDIST=` or
# `PYTEST_ARGS="-n 0"` runs serially.
PYTEST_XDIST ?= -n auto --dist loadgroup

test-python: $(STAMP)
	$(VENV)/bin/python -m pytest $(PYTEST_XDIST) $(PYTEST_ARGS)

MP_STAMP := miniprogram/node_modules/.installed

$(MP_STAMP): miniprogram/package.json miniprogram/package-lock.json
	cd miniprogram && npm ci --no-audit --no-fund
	touch $(MP_STAMP)

test-miniprogram: $(STAMP) $(MP_STAMP)
	cd miniprogram && LINLI_PYTHON=$(CURDIR)/$(VENV)/bin/python npm test

# The inner loop, under a minute: each module's opening tests, in-process, on SQLite
# (the `fast` mark, tests/support/markers.py). `make test` stays the whole suite.
test-fast: $(STAMP)
	LINLI_TEST_STACKS=sqlite $(VENV)/bin/python -m pytest -q -m fast $(PYTEST_ARGS)

# ruff's checks, and import-linter's contracts: the layers point one way, no module circle.
lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/lint-imports

bench: $(STAMP)
	$(VENV)/bin/python -m bench.concurrent_writes

# A month of 八家庄 against the running service with the clock moved (README: Simulation);
# var/simulation/result.json and the report there; fails when the ledger and Linli differ.
# LINLI_SIM_PG_URL and LINLI_SIM_REDIS_URL (default redis://127.0.0.1:6379/13) for simulate-pg.
SIM_ARGS ?=
simulate: $(STAMP)
	$(VENV)/bin/python -m sim run --db sqlite --out var/simulation $(SIM_ARGS)

simulate-pg: $(STAMP)
	$(VENV)/bin/python -m sim run --db postgres --out var/simulation-pg $(SIM_ARGS)

clean:
	rm -rf $(VENV) var .pytest_cache miniprogram/node_modules miniprogram/src/miniprogram_npm
