# Two commands do all set-up on a fresh machine: `make run` and `make test`.
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
DEMO_MEMBERS ?= 3000
PORT ?= 8000

.PHONY: run test venv migrate demo worker clean-broker

$(VENV)/.installed: requirements.txt
	test -x $(PY) || python3 -m venv $(VENV)
	$(PIP) install -q --upgrade pip
	$(PIP) install -q -r requirements.txt
	touch $@

venv: $(VENV)/.installed

migrate: venv
	$(PY) manage.py migrate --noinput

demo: migrate
	$(PY) manage.py generate_demo_data --members $(DEMO_MEMBERS) --seed 1 --if-empty
	$(PY) manage.py seed_loyalty_demo
	$(PY) manage.py seed_demo_campaigns --if-empty
	$(PY) manage.py ensure_admin

# Web server plus one Celery worker with embedded beat, on SQLite and kombu's filesystem broker.
run: demo
	@echo "Open http://127.0.0.1:$(PORT)/admin/ (login printed above). Ctrl-C stops everything."
	$(VENV)/bin/celery -A config worker -B -l info --concurrency 2 & \
	  worker=$$!; trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	  $(PY) manage.py runserver 127.0.0.1:$(PORT)

# Runs on SQLite unless DATABASE_URL names PostgreSQL (as .ci/run does for its first pass).
test: venv
	$(VENV)/bin/pytest $(PYTEST_ARGS)
