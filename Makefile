# Two commands on a fresh machine:  make run  (set up, migrate, seed, serve)  and  make test.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 5000
FLASK := $(BIN)/flask --app catalogue

.PHONY: run setup test db seed serve bench clean

run: setup db seed serve

setup: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

db: setup
	$(FLASK) db upgrade

seed: db
	$(FLASK) seed

serve: setup
	@echo "Katalog läuft auf http://$(HOST):$(PORT)/  (Strg+C beendet)"
	$(BIN)/gunicorn --bind $(HOST):$(PORT) --workers 2 --access-logfile - wsgi:app

test: setup
	$(BIN)/python -m pytest $(PYTEST_ARGS)

clean:
	rm -rf $(VENV) instance .pytest_cache
