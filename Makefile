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
# Where the embedded run keeps its database, broker, logs and files (settings read the same variable).
VAR_DIR ?= $(CURDIR)/var
export VAR_DIR

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

# The last step starts the emulator, the Celery worker (with beat) and gunicorn, each in a process group of
# its own (setsid), so that Ctrl-C reaches only the recipe's shell. It asks the worker and gunicorn to stop
# (SIGTERM to the leader: both shut down gracefully and stop their own children), waits until their groups are
# empty or STOP_SECONDS have passed and kills what is left, then does the same with the emulator (last, so a
# sync still running does not lose its org), and ends without an error. A second Ctrl-C kills at once.
# bash's own notes about the jobs it stopped are not errors (they go to /dev/null), and a closed output pipe
# (`make run | tee log` after Ctrl-C) does not cut the stopping short (SIGPIPE is ignored). When the worker or
# gunicorn ends by itself, the others are stopped and make reports an error.
STOP_SECONDS ?= 15

run: setup
	$(BIN)/python manage.py migrate --noinput -v0
	$(BIN)/python manage.py collectstatic --noinput -v0
	$(BIN)/python manage.py setup_periodic_tasks
	@$(BIN)/python manage.py seed_demo > $(VAR_DIR)/demo-login.txt
	@echo "--------------------------------------------------------------------"
	@echo " Marketing platform: http://$(HOST):$(PORT)/"
	@echo " $$(cat $(VAR_DIR)/demo-login.txt)"
	@echo " Demo Salesforce org (emulator): https://127.0.0.1:$(SF_PORT) — synced every 5 minutes"
	@echo " Stop with Ctrl-C."
	@echo "--------------------------------------------------------------------"
	@halt() { \
		[ $$# -gt 0 ] || return 0; \
		kill -TERM -- "$$@"; \
		for tick in $$(seq $$(( $(STOP_SECONDS) * 4 ))); do \
			kill -0 -- $$(printf -- '-%s ' "$$@") || return 0; sleep 0.25; \
		done; \
		kill -KILL -- $$(printf -- '-%s ' "$$@"); \
	}; \
	stop() { \
		trap 'kill -KILL -- $$(printf -- "-%s " $$worker $$web $$emulator)' INT; trap '' TERM HUP; trap - EXIT; \
		exec 2>/dev/null; \
		echo " Stopping…"; \
		halt $$worker $$web; halt $$emulator; \
		echo " Stopped."; exit $$1; \
	}; \
	emulator= worker= web=; trap 'stop 0' INT TERM HUP; trap 'stop $$?' EXIT; trap '' PIPE; \
	setsid $(BIN)/python manage.py salesforce_emulator --port $(SF_PORT) --seed-leads 40 --seed-contacts 40 \
		> $(VAR_DIR)/salesforce-emulator.log 2>&1 & emulator=$$!; \
	until $(BIN)/python -c "import socket; socket.create_connection(('127.0.0.1', $(SF_PORT)), 1)" 2>/dev/null; do \
		kill -0 $$emulator 2>/dev/null || { echo " The demo Salesforce org did not start: see $(VAR_DIR)/salesforce-emulator.log"; break; }; \
		sleep 0.5; \
	done; \
	setsid -w $(BIN)/python manage.py salesforce_connect --account demo --login-url https://127.0.0.1:$(SF_PORT) \
		--client-id emulator-client-id --client-secret emulator-client-secret \
		--ca-bundle $(VAR_DIR)/salesforce-emulator/ca.pem || echo " The demo Salesforce org did not answer."; \
	setsid $(BIN)/celery -A marketing worker --beat --loglevel=INFO --concurrency=2 & worker=$$!; \
	setsid $(BIN)/gunicorn marketing.wsgi --bind $(HOST):$(PORT) --workers 2 --access-logfile - \
		--logger-class marketing.core.gunicorn_logging.RedactingLogger & web=$$!; \
	wait -n $$worker $$web; \
	echo " A process of the platform ended by itself (exit $$?); stopping the others." >&2; stop 1

test: setup browser-deps lint migrate-check
	$(BIN)/python -m pytest

BENCH_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/marketing_bench

bench: setup
	@psql "$(dir $(BENCH_DATABASE_URL))postgres" -tAc "SELECT 1 FROM pg_database WHERE datname = '$(notdir $(BENCH_DATABASE_URL))'" | grep -q 1 \
		|| psql "$(dir $(BENCH_DATABASE_URL))postgres" -qc "CREATE DATABASE $(notdir $(BENCH_DATABASE_URL))"
	DATABASE_URL=$(BENCH_DATABASE_URL) $(BIN)/python manage.py migrate --noinput -v0
	DATABASE_URL=$(BENCH_DATABASE_URL) $(BIN)/python -m tests.benchmarks

clean:
	rm -rf $(VENV) $(VAR_DIR) $(ASSETS)/node_modules
