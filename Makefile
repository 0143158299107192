# The two commands of the README: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
# Tests run with DEBUG off, as in production, and a throw-away key.
TEST_ENV := DEBUG=false SECRET_KEY=test-only-not-secret STATIC_MANIFEST=false \
  FIELD_ENCRYPTION_KEYS=dGVzdC1vbmx5LWZpZWxkLWVuY3J5cHRpb24ta2V5MzI= \
  TASKS_BACKEND=immediate

.PHONY: run test install install-test migrate demo lint clean messages screenshots

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $@

# The OpenID Connect provider the sign-in tests run locally (Node's oidc-provider).
tests/oidc_provider/node_modules/.installed: tests/oidc_provider/package-lock.json
	@if command -v npm >/dev/null 2>&1; then \
	  npm ci --prefix tests/oidc_provider --no-audit --no-fund --loglevel=error \
	  && touch $@; \
	else echo "*** npm introuvable : les tests de connexion unique (SSO) seront IGNORÉS."; fi

# The English catalogue, compiled (msgfmt, from Debian's gettext) and checked:
# a broken placeholder stops the build.
CATALOGUE := locale/en/LC_MESSAGES/django
$(CATALOGUE).mo: $(CATALOGUE).po
	msgfmt --check -o $@ $<

install: $(VENV)/.installed $(CATALOGUE).mo

install-test: $(VENV)/.installed-test

migrate: install
	DEBUG=true $(BIN)/python manage.py migrate --noinput

demo: migrate
	DEBUG=true $(BIN)/python manage.py seed_demo

run: demo
	@echo "IMAG'IN sur http://$(HOST):$(PORT)/ (Ctrl+C pour arrêter)"
	DEBUG=true $(BIN)/python manage.py runserver $(HOST):$(PORT)

test: install-test $(CATALOGUE).mo tests/oidc_provider/node_modules/.installed
	@if ! command -v $${CHROMIUM_PATH:-chromium} >/dev/null 2>&1; then \
	  echo "*** Chromium introuvable : les tests navigateur (tests/e2e) seront IGNORÉS."; \
	  echo "*** Installez-le avec : sudo apt-get install chromium"; \
	fi
	$(BIN)/ruff check .
	$(TEST_ENV) $(BIN)/python manage.py makemigrations --check --dry-run
	$(TEST_ENV) $(BIN)/pytest $(PYTEST_ARGS)

# After adding or changing a translatable string: refresh the catalogue, then
# translate its new entries (tests/test_i18n.py lists those still missing).
messages: install
	DEBUG=true $(BIN)/python manage.py makemessages -l en --no-obsolete \
	  --add-location=file -i ".venv/*" -i "tests/*" -i "bench/*"

# The guide's screenshots (static/imagin/guide/captures/), taken again by the
# browser journey that checks them, after a screen the guide shows changed.
screenshots: install-test $(CATALOGUE).mo
	UPDATE_GUIDE_SCREENSHOTS=1 $(TEST_ENV) $(BIN)/pytest tests/e2e/test_guide_screenshots.py

lint: install-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

clean:
	rm -rf $(VENV) db.sqlite3 staticfiles $(CATALOGUE).mo
