# 業務改善提案システム — the README's two commands: `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 8000
STAMP  := $(VENV)/.installed-stamp

.PHONY: run test install migrate lint format messages clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

migrate: install
	$(BIN)/python -m app migrate

## Serve the app with demo data on http://$(HOST):$(PORT) ($$WEB_CONCURRENCY workers, default 1)
run: migrate
	@if [ "$${DEMO:-true}" = "true" ]; then $(BIN)/python -m app load-demo; fi
	DEMO=$${DEMO:-true} $(BIN)/uvicorn app.main:create_app --factory --host $(HOST) --port $(PORT) --workers $${WEB_CONCURRENCY:-1}

## The whole test suite (SQLite by default; set DATABASE_URL for PostgreSQL)
test: install
	$(BIN)/python -m pytest $(PYTEST_ARGS)

## ruff, then the type checker on app/ ([tool.mypy] in pyproject.toml)
lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy app

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

## Re-extract UI strings and update the English catalogue
messages: install
	$(BIN)/pybabel extract -F babel.cfg -k N_ -k field:2 -k NotFound -k Forbidden -k Invalid --no-location --sort-output --omit-header -o app/locale/messages.pot .
	$(BIN)/pybabel update -i app/locale/messages.pot -d app/locale -l en --no-fuzzy-matching --ignore-obsolete

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
