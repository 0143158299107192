# The two commands of the README: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
SITE_URL ?= http://$(HOST):$(PORT)
# Listening on every interface, the demo answers whatever name it is reached by.
ifeq ($(HOST),0.0.0.0)
ALLOWED_HOSTS ?= *
else
ALLOWED_HOSTS ?= localhost,127.0.0.1,[::1],$(HOST)
endif
# This installation's SECRET_KEY and FIELD_ENCRYPTION_KEYS, generated once
# (imagin/local_secrets.py), untracked, readable by its owner only.
SECRETS := .secrets.env
WITH_SECRETS := set -a && . ./$(SECRETS) && set +a &&
# The demo as production runs it: DEBUG off, tasks queued for the worker,
# e-mails printed by the worker. Cookies without `Secure`: it is plain HTTP.
RUN_ENV := $(WITH_SECRETS) DEBUG=false TASKS_BACKEND=database \
  SECURE_COOKIES=false EMAIL_URL=consolemail:// HOST=$(HOST) PORT=$(PORT) \
  SITE_URL=$(SITE_URL) ALLOWED_HOSTS='$(ALLOWED_HOSTS)'
DEV_ENV := $(WITH_SECRETS) DEBUG=true SITE_URL=$(SITE_URL)
# Tests run with DEBUG off, as in production, and a throw-away key.
TEST_ENV := DEBUG=false SECRET_KEY=test-only-not-secret STATIC_MANIFEST=false \
  FIELD_ENCRYPTION_KEYS=dGVzdC1vbmx5LWZpZWxkLWVuY3J5cHRpb24ta2V5MzI= \
  TASKS_BACKEND=immediate
# The suite runs on every core (pytest-xdist, one test database per process);
# `make test PYTEST_ARGS="-k login -x"` runs a selection in one process.
PYTEST_ARGS ?= -n auto

.PHONY: run dev test install install-test migrate demo lint clean messages screenshots

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

$(SECRETS):
	$(PYTHON) -m imagin.local_secrets $@

migrate: install $(SECRETS)
	$(RUN_ENV) $(BIN)/python manage.py migrate --noinput

demo: migrate
	$(RUN_ENV) $(BIN)/python manage.py seed_demo

# The web server (gunicorn) and the background worker, from the Procfile;
# Ctrl+C stops both, and either stopping stops the other.
run: demo staticfiles/staticfiles.json
	@# The e-mails the demo's history queued, sent (printed) before serving,
	@# so that the logins below stay in sight.
	$(RUN_ENV) $(BIN)/python manage.py db_worker --batch --no-reload \
	  --no-startup-delay --verbosity 0
	@$(RUN_ENV) $(BIN)/python manage.py seed_demo --logins
	@echo "IMAG'IN sur $(SITE_URL)/ (Ctrl+C pour arrêter)"
	$(RUN_ENV) PATH="$(CURDIR)/$(BIN):$$PATH" exec $(BIN)/honcho start -f Procfile

# Static files hashed and compressed for WhiteNoise: ten thousand files (the
# design system's icons), a minute's work, done again only when they change.
staticfiles/staticfiles.json: $(VENV)/.installed $(SECRETS) $(shell find static -type f)
	$(RUN_ENV) $(BIN)/python manage.py collectstatic --noinput --verbosity 0

# For whoever changes the code: Django's development server, reloading on
# every change, DEBUG pages, tasks run inside the request (no worker).
dev: install $(SECRETS)
	$(DEV_ENV) $(BIN)/python manage.py migrate --noinput
	$(DEV_ENV) $(BIN)/python manage.py seed_demo
	@echo "IMAG'IN (développement) sur $(SITE_URL)/ (Ctrl+C pour arrêter)"
	$(DEV_ENV) $(BIN)/python manage.py runserver $(HOST):$(PORT)

# axe-core, which the browser tests inject to check pages' accessibility.
tests/accessibility/node_modules/.installed: tests/accessibility/package-lock.json
	@if command -v npm >/dev/null 2>&1; then \
	  npm ci --prefix tests/accessibility --no-audit --no-fund --loglevel=error \
	  && touch $@; \
	else echo "*** npm introuvable : les tests d'accessibilité (axe-core) seront IGNORÉS."; fi

test: install-test $(CATALOGUE).mo tests/oidc_provider/node_modules/.installed \
  tests/accessibility/node_modules/.installed
	@if ! command -v $${CHROMIUM_PATH:-chromium} >/dev/null 2>&1; then \
	  echo "*** Chromium introuvable : les tests navigateur (tests/e2e) seront IGNORÉS."; \
	  echo "*** Installez-le avec : sudo apt-get install chromium"; \
	fi
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(TEST_ENV) $(BIN)/mypy
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
	rm -rf $(VENV) db.sqlite3 db.sqlite3-wal db.sqlite3-shm staticfiles $(CATALOGUE).mo
	@echo "$(SECRETS) kept: it opens the data of any backup of this installation."
