# One command to run, one to test; both build the virtual environment themselves.
# Poetry resolves and locks (poetry.lock); the install replays the exported, hash-pinned lock
# (requirements.lock) with pip — see "Why pip installs the lock" in the README.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat requirements.lock pyproject.toml | cksum | cut -d' ' -f1)

.PHONY: install run sandbox test test-fast lint format lock bench bench-quick drills clean

$(STAMP): requirements.lock pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11+ is needed")'
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@echo "installing dependencies into $(VENV) ..."
	@$(BIN)/pip install --disable-pip-version-check -q -r requirements.lock 2>&1 | grep -v '^WARNING: Location' || true
	@$(BIN)/pip install --disable-pip-version-check -q --no-deps -e . 2>&1 | grep -v '^WARNING: Location' || true
	@$(BIN)/python -c 'import telegram_frontend, aiogram, fastapi, sqlalchemy' 
	@rm -f $(VENV)/.installed-*; touch $(STAMP)

install: $(STAMP)

## run: the frontend; with no TELEGRAM_BOT_TOKEN it starts the offline sandbox instead
run: install
	@if [ -z "$$TELEGRAM_BOT_TOKEN" ] && ! grep -qs '^TELEGRAM_BOT_TOKEN=.' .env; then \
		echo "No TELEGRAM_BOT_TOKEN set: starting the offline sandbox (emulated Telegram, fake backends)."; \
		exec $(BIN)/tgfront sandbox; \
	else \
		exec $(BIN)/tgfront run; \
	fi

sandbox: install
	$(BIN)/tgfront sandbox

## test: the whole suite, on SQLite + in-process cache AND on PostgreSQL + Redis
test: install
	DRILL_FUZZ_EXAMPLES=$${DRILL_FUZZ_EXAMPLES:-2500} $(BIN)/pytest -n 2 --dist worksteal --durations=25

lint: install
	$(BIN)/ruff check src tests bench drills scripts
	$(BIN)/ruff format --check src tests bench drills scripts
	$(BIN)/mypy
	$(BIN)/lint-imports

format: install
	$(BIN)/ruff check --fix src tests bench drills scripts
	$(BIN)/ruff format src tests bench drills scripts

## lock: re-resolve with Poetry and re-export the pinned install list (LOCK_INDEX_URL: see scripts/relock.py)
lock:
	@test -x .poetry-venv/bin/poetry || ($(PYTHON) -m venv .poetry-venv && .poetry-venv/bin/pip install -q poetry poetry-plugin-export)
	.poetry-venv/bin/python scripts/relock.py

## bench: every goal of issue 18 with its figure and meets/misses (~10 min), then the other figures
bench: install
	$(BIN)/python bench/goals.py
	@for f in bench/event_latency.py bench/chart_render.py; do echo "== $$f"; $(BIN)/python $$f || exit 1; done

## bench-quick: the same goals from shorter runs (noisier, a few minutes)
bench-quick: install
	$(BIN)/python bench/goals.py --quick

drills: install
	$(BIN)/pytest drills

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache
