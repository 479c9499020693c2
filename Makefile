# Set-up and run targets. `make run` starts the product on the embedded defaults;
# `make test` sets up and runs the whole suite; `make bench` prints one JSON object per benchmark.

SHELL  := /bin/bash
PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 8000
SF_PORT ?= 8443
ASSETS := static/vendor
APT_UPDATED := /tmp/.marketing-apt-updated

.PHONY: run test bench setup venv assets messages system-deps browser-deps lint migrate-check clean

venv: $(VENV)/.installed
$(VENV)/.installed: requirements.txt requirements-dev.txt
	@command -v $(PYTHON) >/dev/null || { echo "$(PYTHON) is needed (Python 3.11)"; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	touch $@

assets: $(ASSETS)/node_modules/.installed
$(ASSETS)/node_modules/.installed: $(ASSETS)/package.json $(ASSETS)/package-lock.json
	@command -v npm >/dev/null || $(MAKE) apt-install PKGS="nodejs npm"
	cd $(ASSETS) && npm ci --no-audit --no-fund --loglevel=error
	touch $@

# Debian packages: gettext (msgfmt) always; chromium for the browser tests.
system-deps:
	@command -v msgfmt >/dev/null || $(MAKE) --no-print-directory apt-install PKGS=gettext

browser-deps:
	@test -x /usr/bin/chromium || $(MAKE) --no-print-directory apt-install PKGS="chromium fonts-dejavu-core"

apt-install:
	@if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	test -f $(APT_UPDATED) || { $$SUDO apt-get update -qq && touch $(APT_UPDATED); }; \
	DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $(PKGS) >/dev/null

messages: venv system-deps
	$(BIN)/python manage.py compilemessages --ignore=.venv --ignore=static -v0

setup: venv assets messages

lint: venv
	$(BIN)/ruff check .
	$(BIN)/lint-imports --no-cache

migrate-check: venv
	$(BIN)/python manage.py makemigrations --check --dry-run

run: setup
	$(BIN)/python manage.py migrate --noinput -v0
	$(BIN)/python manage.py collectstatic --noinput -v0
	$(BIN)/python manage.py setup_periodic_tasks
	@$(BIN)/python manage.py seed_demo > var/demo-login.txt
	@echo "--------------------------------------------------------------------"
	@echo " Marketing platform: http://$(HOST):$(PORT)/"
	@echo " $$(cat var/demo-login.txt)"
	@echo " Demo Salesforce org (emulator): https://127.0.0.1:$(SF_PORT) — synced every 5 minutes"
	@echo " Stop with Ctrl-C."
	@echo "--------------------------------------------------------------------"
	@trap 'kill 0' INT TERM EXIT; \
	$(BIN)/python manage.py salesforce_emulator --port $(SF_PORT) --seed-leads 40 --seed-contacts 40 \
		> var/salesforce-emulator.log 2>&1 & \
	until $(BIN)/python -c "import socket; socket.create_connection(('127.0.0.1', $(SF_PORT)), 1)" 2>/dev/null; \
		do sleep 0.5; done; \
	$(BIN)/python manage.py salesforce_connect --account demo --login-url https://127.0.0.1:$(SF_PORT) \
		--client-id emulator-client-id --client-secret emulator-client-secret \
		--ca-bundle var/salesforce-emulator/ca.pem || echo "The demo Salesforce org did not answer."; \
	$(BIN)/celery -A marketing worker --beat --loglevel=INFO --concurrency=2 & \
	$(BIN)/gunicorn marketing.wsgi --bind $(HOST):$(PORT) --workers 2 --access-logfile - \
		--logger-class marketing.core.gunicorn_logging.RedactingLogger & \
	wait -n

test: setup browser-deps lint migrate-check
	$(BIN)/python -m pytest

BENCH_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/marketing_bench

bench: setup
	@psql "$(dir $(BENCH_DATABASE_URL))postgres" -tAc "SELECT 1 FROM pg_database WHERE datname = '$(notdir $(BENCH_DATABASE_URL))'" | grep -q 1 \
		|| psql "$(dir $(BENCH_DATABASE_URL))postgres" -qc "CREATE DATABASE $(notdir $(BENCH_DATABASE_URL))"
	DATABASE_URL=$(BENCH_DATABASE_URL) $(BIN)/python manage.py migrate --noinput -v0
	DATABASE_URL=$(BENCH_DATABASE_URL) $(BIN)/python -m tests.benchmarks

clean:
	rm -rf $(VENV) var $(ASSETS)/node_modules
