# Two commands do all set-up on a fresh machine: `make run` and `make test`.
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
DEMO_MEMBERS ?= 3000
PORT ?= 8000

.PHONY: run test check venv venv-dev lock lock-check migrate demo worker clean-broker

# requirements.txt is the pinned runtime lock, requirements-dev.txt the runtime plus the test tools;
# both are made from pyproject.toml by `make lock`.
$(VENV)/.runtime: requirements.txt
	test -x $(PY) || python3 -m venv $(VENV)
	$(PIP) install -q --upgrade pip
	$(PIP) install -q -r requirements.txt
	touch $@

$(VENV)/.dev: requirements-dev.txt $(VENV)/.runtime
	$(PIP) install -q -r requirements-dev.txt
	touch $@

venv: $(VENV)/.runtime
venv-dev: $(VENV)/.dev

LOCK := $(VENV)/bin/uv pip compile pyproject.toml --python-version 3.11 --quiet --annotation-style line --custom-compile-command "make lock"

# Re-resolve the locks after editing pyproject.toml (pins already in a lock are kept where they still fit).
lock: venv-dev
	$(LOCK) -o requirements.txt
	$(LOCK) --extra dev -o requirements-dev.txt

# Fails when pyproject.toml asks for something the locks do not say (CI runs it).
lock-check: venv-dev
	@set -e; tmp=$$(mktemp -d); cp requirements.txt requirements-dev.txt $$tmp/; \
	  $(LOCK) -o $$tmp/requirements.txt; $(LOCK) --extra dev -o $$tmp/requirements-dev.txt; \
	  diff -u requirements.txt $$tmp/requirements.txt && diff -u requirements-dev.txt $$tmp/requirements-dev.txt \
	  || { echo "the locks are out of date: run make lock"; exit 1; }

migrate: venv
	$(PY) manage.py migrate --noinput

demo: migrate
	$(PY) manage.py generate_demo_data --members $(DEMO_MEMBERS) --seed 1 --if-empty
	$(PY) manage.py seed_loyalty_demo
	$(PY) manage.py refresh_member_scores --if-stale
	$(PY) manage.py seed_demo_campaigns --if-empty
	$(PY) manage.py ensure_admin

# Web server plus one Celery worker with embedded beat, on SQLite and kombu's filesystem broker.
run: demo
	@echo "Open http://127.0.0.1:$(PORT)/admin/ (login printed above). Ctrl-C stops everything."
	DJANGO_SETTINGS_MODULE=config.settings.local $(VENV)/bin/celery -A config worker -B -l info --concurrency 2 \
	  -Q celery,messages,bulk & \
	  worker=$$!; trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	  $(PY) manage.py runserver 127.0.0.1:$(PORT)

# Static gates CI runs before the tests: lint, the apps' import layers (pyproject.toml), no model change without its migration, locks up to date,
# and Django's deployment checks with no warning under the production settings .env.example documents.
check: lock-check
	$(VENV)/bin/ruff check .
	$(VENV)/bin/lint-imports --no-cache
	$(PY) manage.py makemigrations --check --dry-run
	$(PY) -m core.deploy_check

# Runs on SQLite unless DATABASE_URL names PostgreSQL (as .ci/run does for its first pass).
test: venv-dev
	$(VENV)/bin/pytest $(PYTEST_ARGS)
