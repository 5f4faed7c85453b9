# Two commands on a fresh machine:  make run  (set up, migrate, seed, serve)  and  make test.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 5000
FLASK := $(BIN)/flask --app catalogue

.PHONY: run setup test db places seed serve bench clean translations

run: setup db places seed serve

setup: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	@# compound-split's tables, converted once into the file every process maps (catalogue/search/compounds.py)
	$(BIN)/python -c "from catalogue.search.compounds import table; table()"
	touch $@

db: setup
	$(FLASK) db upgrade

# The register of places (data/places); idempotent, so every run only checks it.
places: db
	$(FLASK) places load

seed: db
	$(FLASK) seed

serve: setup
	@echo "Katalog läuft auf http://$(HOST):$(PORT)/  (Strg+C beendet)"
	$(BIN)/gunicorn --config gunicorn.conf.py --bind $(HOST):$(PORT)

# One pytest worker per CPU (pytest-xdist); each has its own SQLite files, index folders and,
# on PostgreSQL, its own database. PYTEST_WORKERS=0 runs everything in one process.
# --dist worksteal: a worker that runs out of tests takes half of another's queue, so the long
# tests (Schemathesis, worker processes, browser) do not leave one worker busy at the end.
# -p no:…: plugins of installed packages that no test uses (Schemathesis runs as its own command);
# not loading them saves every worker a second or two.
PYTEST_WORKERS ?= auto
PYTEST_OPTS := --dist worksteal -p no:schemathesis -p no:hypothesispytest -p no:anyio
test: setup
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS) $(PYTEST_OPTS) $(PYTEST_ARGS)

# ruff's lint rules and format check (settings in pyproject.toml); CI runs this before the tests.
lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# After changing texts of the public site: extract them, merge into the catalogs, translate the
# new entries in catalogue/translations/en/LC_MESSAGES/messages.po, then run this again to compile.
TRANSLATIONS := catalogue/translations
translations: setup
	$(BIN)/pybabel extract -F $(TRANSLATIONS)/babel.cfg -k lazy_gettext -k N_ --no-location --sort-output --project ikz-katalog -o $(TRANSLATIONS)/messages.pot .
	$(BIN)/pybabel update -i $(TRANSLATIONS)/messages.pot -d $(TRANSLATIONS) --no-fuzzy-matching --ignore-obsolete
	$(BIN)/pybabel compile -d $(TRANSLATIONS) --statistics

clean:
	rm -rf $(VENV) instance .pytest_cache
