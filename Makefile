# Integration Console — the two commands of the README, and a few more.
PY ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint format bench chaos real-odoo clean

$(STAMP): requirements.txt
	@command -v $(PY) >/dev/null || { echo "needs $(PY) on PATH (or make PY=/path/to/python3.11 ...)"; exit 1; }
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $(STAMP)

## make run: set up, migrate, seed demo data, start web + task worker + Odoo sandbox (Ctrl-C stops all)
run: $(STAMP)
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py migrate --noinput --database reporting
	$(BIN)/python manage.py seed_demo
	$(BIN)/honcho -f Procfile.dev start

## make test: set up and run the whole suite on SQLite, then on PostgreSQL when one answers
test: $(STAMP)
	$(BIN)/python scripts/run_tests.py $(ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

## make chaos: the full-size chaos run (2,000 reports, SIGKILLed workers, Odoo outage, 429 storm) on PostgreSQL + Redis
chaos: $(STAMP)
	$(BIN)/python scripts/chaos.py --reports 2000

bench: $(STAMP)
	$(BIN)/python bench/run_all.py

real-odoo:
	bash scripts/real_odoo.sh

clean:
	rm -rf $(VENV) var staticfiles test-artifacts
